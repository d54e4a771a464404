"""Pages render with StrictUndefined: a misspelt or missing variable fails the page, and so a
test, instead of showing as an empty string. Here: what strictness catches, and every page
nothing else renders, so that each template meets it: every staff page over the seeded demo
data, the error and sign-in pages, the assessment page in each state and the timeline with
each kind of event."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import timedelta
from types import SimpleNamespace
from typing import Any

import pytest
from bs4 import BeautifulSoup
from flask import Flask, abort, render_template_string, url_for
from flask.testing import FlaskClient
from jinja2 import UndefinedError
from sqlalchemy import select

from advice_hub import create_app
from advice_hub.accounts.api_keys import create_api_key
from advice_hub.assessments.assessment_actions import (
    close_assessment,
    record_assessment_exception,
)
from advice_hub.assessments.plan_milestones import record_plan_decision
from advice_hub.assessments.recording import agree_assessment
from advice_hub.assessments.request_actions import record_request_exception
from advice_hub.assessments.timeline import EMAIL_KINDS, SENTENCES, timeline_for
from advice_hub.cli.demo_data import DEMO_USERS, seed_demo_data
from advice_hub.deadlines import advice_due_on, london_date
from advice_hub.directory.services import ServiceDetails, add_service, retire_service
from advice_hub.models import (
    AdviceRequest,
    Agency,
    ApiKey,
    Assessment,
    AssessmentExceptionReason,
    Attachment,
    AuditEvent,
    ClosureReason,
    DeadlineReason,
    PlanDecision,
    RequestStatus,
    Service,
    User,
    utcnow,
)
from advice_hub.reports import refresh_reports
from advice_hub.requests.attachments import add_attachment
from advice_hub.requests.seal import seal_submission
from advice_hub.requests.sign_off import set_reviewer
from advice_hub.services import Services
from tests.conftest import base_config
from tests.factories import first_text_key
from tests.html import parse_page, text_of
from tests.journey import csrf_of
from tests.web.test_officer_actions import SAMPLE_DETAILS

NOW = utcnow()
TODAY = london_date(NOW)
PAGE = (
    '{% extends "base.html" %}{% block main_content %}<h1>{{ page_title }}</h1>BODY{% endblock %}'
)
BUTTON = (
    '{% from "govuk_frontend_jinja/components/button/macro.html" import govukButton %}'
    '{{ govukButton({"text": label}) }}'
)


# --- What strictness catches ---------------------------------------------------------------


def test_a_misspelt_variable_fails_instead_of_rendering_as_nothing(app: Flask) -> None:
    with app.test_request_context("/"):
        spelt = app.jinja_env.from_string("Hello {{ page_title }}")
        assert spelt.render(page_title="Sam") == "Hello Sam"
        with pytest.raises(UndefinedError, match="page_titel"):
            app.jinja_env.from_string("Hello {{ page_titel }}").render(page_title="Sam")
        with pytest.raises(UndefinedError, match="page_titel"):
            app.jinja_env.from_string("{% if page_titel %}Hello{% endif %}").render()


def test_a_misspelt_attribute_or_key_fails_too(app: Flask) -> None:
    assessment = SimpleNamespace(reference="EHC-2026-0001")
    with app.test_request_context("/"):
        with pytest.raises(UndefinedError, match="referense"):
            app.jinja_env.from_string("{{ assessment.referense }}").render(assessment=assessment)
        with pytest.raises(UndefinedError, match="hreff"):
            app.jinja_env.from_string("{{ link.hreff }}").render(link={"href": "/verify"})


def test_a_page_on_the_layout_needs_only_its_title_and_fails_on_a_typo(app: Flask) -> None:
    with app.test_request_context("/"):
        soup = parse_page(render_template_string(PAGE.replace("BODY", ""), page_title="Hello"))
        assert soup.title.string.startswith("Hello \u2013 Advice for EHC needs assessments")
        assert soup.select_one(".govuk-generic-header__homepage-link")["href"] == "/"
        assert not soup.select(".govuk-service-navigation__item")
        with pytest.raises(UndefinedError, match="assesment"):
            render_template_string(PAGE.replace("BODY", "{{ assesment }}"), page_title="Hello")


def test_a_page_says_its_form_has_errors_in_its_title(app: Flask) -> None:
    with app.test_request_context("/"):
        page = render_template_string(
            PAGE.replace("BODY", ""), page_title="Hi", form_has_errors=True
        )
    assert BeautifulSoup(page, "html.parser").title.string.startswith("Error: Hi")


def test_govuk_macros_keep_their_optional_params_but_a_pages_typo_still_fails(
    app: Flask,
) -> None:
    with app.test_request_context("/"):
        button = BeautifulSoup(render_template_string(BUTTON, label="Save"), "html.parser")
        assert button.button.get_text(strip=True) == "Save"
        assert button.button["type"] == "submit"  # from a param nobody passed
        with pytest.raises(UndefinedError, match="label"):
            render_template_string(BUTTON)


# --- Every staff page, over the seeded demo data --------------------------------------------


@dataclass
class Demo:
    """The seeded demo assessment, agreed and under way: the education advice sealed with a
    file, an exception holding on the health request, and one on the assessment."""

    assessment: Assessment
    sealed: AdviceRequest
    file: Attachment
    open: AdviceRequest
    paused: AdviceRequest
    team_id: int
    officer_id: int
    key_id: int
    service_id: int
    lead_id: int
    retired_service_id: int


def _under_way(session: Any, svc: Services) -> Demo:
    seed_demo_data(session)
    session.commit()
    assessment = session.scalar(select(Assessment))
    agree_assessment(session, assessment, decided_on=TODAY, now=NOW, actor="test")
    session.commit()
    received = NOW - timedelta(days=10)
    for advice_request in assessment.advice_requests:
        advice_request.received_at = received
        advice_request.due_on = advice_due_on(received)
        advice_request.status = RequestStatus.SENT
    by_agency = {Agency(r.agency): r for r in assessment.advice_requests}
    education, health = by_agency[Agency.EDUCATION], by_agency[Agency.HEALTH]
    attachment = add_attachment(
        session,
        education,
        filename="Reading assessment.pdf",
        data=b"%PDF-1.7 reading assessment",
        folder=svc.settings.attachment_dir,
        max_bytes=1024 * 1024,
        now=NOW,
        actor="test",
    )
    session.flush()
    seal_submission(
        session,
        education,
        answers={first_text_key(education): "Reads at the level expected for Year 3."},
        declaration={"name": "Sam Senco", "role": "SENCO"},
        now=NOW,
        actor="test",
    )
    officer = session.scalar(select(User).where(User.email == DEMO_USERS[0][0]))
    actor = {"actor": f"user:{officer.id}", "actor_name": officer.name}
    record_request_exception(
        session,
        health,
        reason=DeadlineReason.MISSED_APPOINTMENT,
        details="Missed the clinic appointment; rebooked.",
        starts_on=TODAY,
        now=NOW,
        **actor,
    )
    record_assessment_exception(
        session,
        assessment,
        reason=AssessmentExceptionReason.FAMILY_AWAY,
        details="The family is abroad for five weeks.",
        starts_on=TODAY,
        now=NOW,
        **actor,
    )
    # What the administration pages name: a reviewer to remove and a key to revoke.
    set_reviewer(
        session,
        agency=Agency.HEALTH.value,
        name="Dr Rae Review",
        email="rae.review@nhs.example.org",
        role="Designated clinical officer",
        now=NOW,
        actor="test",
    )
    create_api_key(session, "Case system", team=assessment.team, actor="test")
    # The council has decided to issue a plan; the draft is not yet sent.
    record_plan_decision(
        session, assessment, decision=PlanDecision.ISSUE, decided_on=TODAY, now=NOW, actor="test"
    )
    # The directory's seeded services, and one retired to offer again.
    service = session.scalar(select(Service).order_by(Service.id))
    retired = add_service(
        session,
        ServiceDetails("other", "Old Service", "Old Trust", "Sam Old", "Duty", "old@example.org"),
        now=NOW,
        actor="test",
    )
    retire_service(session, retired, now=NOW, actor="test")
    refresh_reports(session)  # the timeliness figures, as the clock leaves them
    session.commit()
    key = session.scalar(select(ApiKey))
    return Demo(
        assessment,
        education,
        attachment,
        by_agency[Agency.SOCIAL_CARE],
        health,
        team_id=assessment.team_id,
        officer_id=officer.id,
        key_id=key.id,
        service_id=service.id,
        lead_id=service.leads[0].id,
        retired_service_id=retired.id,
    )


def _sign_in_as_the_demo_officer(client: FlaskClient, session: Any, who: int = 0) -> None:
    """Sign in as the demo case officer (or the demo user DEMO_USERS[who])."""
    officer = session.scalar(select(User).where(User.email == DEMO_USERS[who][0]))
    page = client.get("/sign-in")
    response = client.post("/sign-in", data={"user": officer.id, "csrf_token": csrf_of(page.data)})
    assert response.status_code == 302


def _url_values(endpoint: str, demo: Demo) -> dict[str, Any]:
    assessment = {"assessment_id": demo.assessment.id}
    sealed = assessment | {"request_id": demo.sealed.id}
    return {
        "staff.assessment": assessment,
        "staff.appendix": assessment,
        "staff.appendix_pdf": assessment,
        "staff.timeline_csv": assessment,
        "staff.new_contributor": assessment,
        "staff.reuse": assessment,
        "staff.assessment_exception": assessment,
        "staff.end_assessment_exception": assessment,
        "staff.close": assessment,
        "staff.plan_decision": assessment,
        "staff.draft_plan": assessment,
        "staff.final_plan": assessment,
        "staff.assign": assessment,
        "staff.sealed_advice": sealed,
        "staff.sealed_file": sealed | {"file_id": demo.file.id},
        "staff.request_addendum": sealed,
        "staff.chase": assessment | {"request_id": demo.open.id},
        "staff.extend": assessment | {"request_id": demo.open.id},
        "staff.request_exception": assessment | {"request_id": demo.open.id},
        "staff.withdraw": assessment | {"request_id": demo.open.id},
        "staff.end_exception": assessment | {"request_id": demo.paused.id},
        "staff.template_preview": {"key": "education", "version": 2},
        "staff.timeliness_csv": {"table": "plans_by_officer"},
        "admin.team": {"team_id": demo.team_id},
        "admin.remove_member": {"team_id": demo.team_id, "user_id": demo.officer_id},
        "admin.user": {"user_id": demo.officer_id},
        "admin.deactivate_user": {"user_id": demo.officer_id},
        "admin.agency_lead": {"agency": "health"},
        "admin.remove_agency_lead": {"agency": "health"},
        "admin.sign_off_reviewer": {"agency": "health"},
        "admin.remove_sign_off_reviewer": {"agency": "health"},
        "admin.revoke_api_key": {"key_id": demo.key_id},
        "admin.service": {"service_id": demo.service_id},
        "admin.retire_service": {"service_id": demo.service_id},
        "admin.reinstate_service": {"service_id": demo.retired_service_id},
        "admin.new_service_lead": {"service_id": demo.service_id},
        "admin.remove_service_lead": {"service_id": demo.service_id, "lead_id": demo.lead_id},
    }.get(endpoint, {})


# Every GET route of the staff and administration blueprints, and what it answers when signed
# in: a page, a redirect to where it points, a file of a type, or "absent" (404) here, where
# Entra sign-in is not set up (tests/web/test_entra_sign_in.py renders those).
STAFF_PAGES: dict[str, str] = {
    "staff.home": "redirect:/my-work",  # a case officer's start page
    "staff.my_work": "page",
    "staff.sign_in": "page",
    "staff.sign_out": "page",
    "staff.sign_in_start": "absent",
    "staff.sign_in_callback": "absent",
    "staff.assessments": "page",
    "staff.new_assessment": "page",
    "staff.assessment": "page",
    "staff.sealed_advice": "page",
    "staff.sealed_file": "file:application/pdf",
    "staff.request_addendum": "page",
    "staff.appendix": "page",
    "staff.appendix_pdf": "file:application/pdf",
    "staff.timeline_csv": "file:text/csv",
    "staff.new_contributor": "page",
    "staff.reuse": "page",
    "staff.assessment_exception": "page",
    "staff.end_assessment_exception": "page",
    "staff.close": "page",
    "staff.plan_decision": "page",  # to correct it: the draft is not yet sent
    "staff.draft_plan": "page",
    "staff.final_plan": "back",  # the draft is not yet sent: back to the assessment, with why
    "staff.assign": "page",
    "staff.agency_requests": "page",
    "staff.timeliness": "page",
    "staff.timeliness_csv": "file:text/csv",
    "staff.chase": "page",
    "staff.extend": "page",
    "staff.request_exception": "page",
    "staff.end_exception": "page",
    "staff.withdraw": "page",
    "staff.templates": "page",
    "staff.template_preview": "page",
    "admin.home": "page",
    "admin.teams": "page",
    "admin.new_team": "page",
    "admin.team": "page",
    "admin.remove_member": "page",
    "admin.users": "page",
    "admin.user": "page",
    "admin.deactivate_user": "page",
    "admin.agency_leads": "page",
    "admin.agency_lead": "page",
    "admin.remove_agency_lead": "page",
    "admin.sign_off_reviewers": "page",
    "admin.sign_off_reviewer": "page",
    "admin.remove_sign_off_reviewer": "page",
    "admin.api_keys": "page",
    "admin.new_api_key": "page",
    "admin.revoke_api_key": "page",
    "admin.directory": "page",
    "admin.new_service": "page",
    "admin.service": "page",
    "admin.retire_service": "page",
    "admin.reinstate_service": "page",
    "admin.new_service_lead": "page",
    "admin.remove_service_lead": "page",
    "admin.import_services": "page",
    "admin.directory_template": "file:text/csv",
}
ADMIN = 5  # Kim Lee, the demo administrator
# Pages for a role other than the case officer's: whom of DEMO_USERS to sign in as.
MANAGER = 2  # Mandy Price, the demo manager
SIGNED_IN_AS = (
    {"staff.agency_requests": 3, "staff.timeliness": MANAGER}
    | {"staff.timeliness_csv": MANAGER}
    | {endpoint: ADMIN for endpoint in STAFF_PAGES if endpoint.startswith("admin.")}
)


def test_every_get_route_of_the_staff_side_is_rendered_below(app: Flask) -> None:
    routes = {
        rule.endpoint
        for rule in app.url_map.iter_rules()
        if rule.endpoint.startswith(("staff.", "admin.")) and "GET" in (rule.methods or ())
    }
    assert routes == set(STAFF_PAGES)


@pytest.mark.parametrize("endpoint", sorted(STAFF_PAGES))
def test_every_staff_page_renders_for_a_signed_in_officer(
    app: Flask, client: FlaskClient, session: Any, svc: Services, endpoint: str
) -> None:
    demo = _under_way(session, svc)
    who = SIGNED_IN_AS.get(endpoint, 0)
    _sign_in_as_the_demo_officer(client, session, who)
    with app.test_request_context():
        url = url_for(endpoint, **_url_values(endpoint, demo))
    response = client.get(url)
    kind, _, detail = STAFF_PAGES[endpoint].partition(":")
    if kind == "redirect":
        assert response.status_code == 302
        assert response.location == detail
    elif kind == "back":
        assert response.status_code == 303
        assert response.location == f"/assessments/{demo.assessment.id}"
    elif kind == "absent":
        assert response.status_code == 404
        parse_page(response.data)
    elif kind == "file":
        assert response.status_code == 200
        assert response.mimetype == detail
        assert response.data
    else:
        assert response.status_code == 200, text_of(BeautifulSoup(response.data, "html.parser"))
        assert response.mimetype == "text/html"
        soup = parse_page(response.data)  # ids, labels, CSRF, one h1
        assert f"Sign out ({DEMO_USERS[who][1]})" in text_of(soup)  # the staff navigation


# --- The assessment page in each state, and every kind of event on its timeline ------------


@pytest.mark.parametrize("state", ["requested", "agreed", "closed"])
def test_the_assessment_page_renders_in_each_state(
    client: FlaskClient, session: Any, state: str
) -> None:
    seed_demo_data(session)
    session.commit()
    assessment = session.scalar(select(Assessment))
    if state != "requested":
        agree_assessment(session, assessment, decided_on=TODAY, now=NOW, actor="test")
    if state == "closed":
        close_assessment(
            session, assessment, reason=ClosureReason.MOVED_AWAY, now=NOW, actor="test"
        )
    session.commit()
    _sign_in_as_the_demo_officer(client, session)
    response = client.get(f"/assessments/{assessment.id}")
    assert response.status_code == 200
    text = text_of(parse_page(response.data))
    assert ("Record the decision to assess" in text) == (state == "requested")
    assert ("Add a contributor" in text) == (state == "agreed")
    assert ("Nothing more is chased" in text) == (state == "closed")


def test_the_timeline_shows_every_kind_of_event(client: FlaskClient, session: Any) -> None:
    seed_demo_data(session)
    session.commit()
    assessment = session.scalar(select(Assessment))
    agree_assessment(session, assessment, decided_on=TODAY, now=NOW, actor="test")
    advice_request = assessment.advice_requests[0]
    details = {action: dict(SAMPLE_DETAILS.get(action, {})) for action in SENTENCES}
    details["chase.planned"]["send_at"] = (NOW + timedelta(hours=20)).isoformat()
    events = [*details.items(), *(("email.sent", {"kind": kind}) for kind in EMAIL_KINDS)]
    for n, (action, detail) in enumerate(events):
        session.add(
            AuditEvent(
                occurred_at=NOW + timedelta(seconds=n),
                actor="system",
                action=action,
                detail=detail,
                assessment=assessment,
                advice_request=advice_request if action.split(".")[0] != "assessment" else None,
            )
        )
    session.commit()
    _sign_in_as_the_demo_officer(client, session)
    page = text_of(parse_page(client.get(f"/assessments/{assessment.id}").data))
    timeline = timeline_for(session, assessment)
    assert len(timeline) > len(events)
    for entry in timeline:
        assert " ".join(entry.what.split()) in page


# --- Error pages and sign-in pages ----------------------------------------------------------


def test_an_unknown_address_is_a_404_page(client: FlaskClient) -> None:
    response = client.get("/no-such-page")
    assert response.status_code == 404
    assert parse_page(response.data).h1.get_text(strip=True) == "Page not found"


def test_a_method_a_page_does_not_take_is_a_405_page(client: FlaskClient) -> None:
    response = client.get(f"/assessments/{uuid.uuid4()}/agree")  # the decision is a POST
    assert response.status_code == 405
    assert "That action is not possible here" in text_of(parse_page(response.data))


def test_a_form_too_large_to_read_is_a_413_page(client: FlaskClient) -> None:
    response = client.post("/sign-in", data={"user": "1" * (3 * 1024 * 1024)})
    assert response.status_code == 413
    assert "What you sent is too large" in text_of(parse_page(response.data))


@pytest.mark.parametrize(
    ("path", "code", "title"),
    [
        ("/forbidden", 403, "You cannot see this page"),
        ("/broken", 500, "Sorry, there is a problem with the service"),
    ],
)
def test_a_refusal_or_an_unexpected_failure_is_a_page_that_says_so(
    tmp_path: Any, sqlite_url: str, path: str, code: int, title: str
) -> None:
    app = create_app(base_config(tmp_path, sqlite_url))

    @app.get("/forbidden")
    def forbidden() -> Any:
        abort(403)

    @app.get("/broken")
    def broken() -> Any:
        raise RuntimeError("something broke")

    response = app.test_client().get(path)
    assert response.status_code == code
    soup = parse_page(response.data)
    assert soup.h1.get_text(strip=True) == title
    assert "something broke" not in text_of(soup)


def test_an_error_page_for_a_signed_in_officer_keeps_the_staff_navigation(
    signed_in: FlaskClient,
) -> None:
    response = signed_in.get("/templates/no-such-template/v1")
    assert response.status_code == 404
    soup = parse_page(response.data)
    assert "Sign out (Olu Adeyemi)" in text_of(soup)
    assert soup.select_one(".govuk-generic-header__homepage-link")["href"] == "/"


def test_development_sign_in_lists_the_demo_staff_and_names_a_missing_choice(
    client: FlaskClient, session: Any
) -> None:
    seed_demo_data(session)
    session.commit()
    page = parse_page(client.get("/sign-in").data)
    assert [label.get_text(strip=True) for label in page.select(".govuk-radios__label")] == [
        "Ari Shah (auditor)",
        "Casey Morgan (case officer)",
        "Dana Okafor (agency lead)",
        "Kim Lee (administrator)",
        "Mandy Price (team manager)",
        "Olu Adeyemi (case officer)",
    ]
    response = client.post("/sign-in", data={"csrf_token": csrf_of(client.get("/sign-in").data)})
    refused = parse_page(response.data)
    assert refused.title.string.startswith("Error: Sign in")
    assert "Choose who you are signing in as" in text_of(refused)


def test_sign_in_is_unavailable_when_development_sign_in_is_off(
    tmp_path: Any, sqlite_url: str
) -> None:
    app = create_app(base_config(tmp_path, sqlite_url) | {"DEV_SIGN_IN": False})
    response = app.test_client().get("/sign-in")
    assert response.status_code == 503
    assert parse_page(response.data).h1.get_text(strip=True) == "Sign in is not available yet"
