"""My work: the case officer's queue across their cases. Each kind of line appears, and leaves
when the officer deals with it; empty states say what "nothing here" means; another officer's
cases never show; the page costs the same number of statements for 3 cases as for 30; and
marking a deadline report dealt with is refused to whoever may not."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from advice_hub import create_app
from advice_hub.assessments.assessment_actions import add_contributor
from advice_hub.assessments.plan_milestones import record_plan_decision
from advice_hub.assessments.recording import agree_assessment
from advice_hub.assessments.request_actions import extend_deadline, withdraw_request
from advice_hub.deadlines import london_date
from advice_hub.models import (
    AdviceRequest,
    Agency,
    Assessment,
    AuditEvent,
    Chase,
    DeadlineReason,
    DeadlineReport,
    MessageKind,
    OutboxMessage,
    RequestStatus,
    StaffMessage,
    User,
    utcnow,
)
from advice_hub.requests.alternatives import report_deadline_cannot_be_met
from tests.conftest import base_config, services
from tests.factories import (
    FOUR_AGENCIES,
    casework_team,
    contributor,
    fresh,
    make_assessment,
    make_user,
    mark_sent,
    request_for,
    seal_advice,
)
from tests.html import parse_page, text_of
from tests.journey import csrf_of, sign_in
from tests.statements import statements

NOW = utcnow()
TODAY = london_date(NOW)
WITH_PARENT = (Agency.PARENT_CARER, *FOUR_AGENCIES)


@pytest.fixture
def app(
    request: pytest.FixtureRequest, app_config: dict[str, Any], tmp_path: Path
) -> Iterator[Flask]:
    """The app on SQLite, or on PostgreSQL for a test parametrized with "postgresql"."""
    config = app_config
    if getattr(request, "param", "sqlite") == "postgresql":
        config = base_config(tmp_path, request.getfixturevalue("pg_url"))
    application = create_app(config)
    application.config.update(TESTING=True)
    yield application
    services(application).engine.dispose()


def page_text(client: FlaskClient) -> str:
    response = client.get("/my-work")
    assert response.status_code == 200
    return " ".join(text_of(parse_page(response.data)).split())


def section(client: FlaskClient, kind: str) -> str:
    """The text of one section's table, or its empty state."""
    soup = parse_page(client.get("/my-work").data)
    heading = soup.find(id=kind)
    assert heading is not None, kind
    following = heading.find_next_sibling()
    return " ".join(text_of(following).split())


def running(
    session: Any, officer: User, *, sent_days_ago: int, family_name: str = "Taylor-Brown"
) -> Assessment:
    """An agreed assessment of the officer's, with the parent asked, its requests received
    ``sent_days_ago`` days ago."""
    assessment = make_assessment(
        session,
        agreed=True,
        agencies=WITH_PARENT,
        case_officer=officer,
        family_name=family_name,
    )
    mark_sent(assessment, NOW - timedelta(days=sent_days_ago))
    session.flush()
    return assessment


def chased_and_escalated(session: Any, advice_request: AdviceRequest) -> None:
    """As if the clock had sent two chases and an escalation to the DCO."""
    assert advice_request.due_on is not None
    for n in (1, 2):
        session.add(
            Chase(
                advice_request=advice_request,
                kind="overdue_chase",
                key=f"overdue_chase:{n}",
                sequence=n,
                due_on=advice_request.due_on,
                milestone_on=advice_request.due_on,
                send_at=NOW - timedelta(days=3 - n),
                planned_at=NOW,
                planned_by="clock",
                reason="overdue",
                outbox_message=OutboxMessage(
                    advice_request=advice_request,
                    kind=MessageKind.ADVICE_REMINDER.value,
                    sequence=10 + n,
                    completed_at=NOW - timedelta(days=3 - n),
                ),
            )
        )
    session.add(
        Chase(
            advice_request=advice_request,
            kind="escalation_lead",
            key="escalation_lead",
            due_on=advice_request.due_on,
            milestone_on=advice_request.due_on,
            send_at=NOW,
            planned_at=NOW,
            planned_by="clock",
            reason="overdue",
            staff_message=StaffMessage(
                kind="lead_escalation",
                key=f"lead_escalation:{advice_request.id}",
                recipient="dco@icb.example",
                recipient_name="Dr Dana Okafor",
                payload={"meant_for": "designated clinical officer"},
                sent_at=NOW,
            ),
        )
    )


# --- Each kind of line, and how it leaves ---------------------------------------------------


def test_overdue_advice_shows_days_overdue_chases_and_escalation_then_leaves_when_extended(
    signed_in: FlaskClient, session: Any, officer: User
) -> None:
    assessment = running(session, officer, sent_days_ago=52)
    health = request_for(assessment, Agency.HEALTH)
    chased_and_escalated(session, health)
    session.commit()
    overdue = section(signed_in, "overdue")
    days = (TODAY - health.due_on).days
    assert f"{assessment.reference}" in overdue
    assert "Health Contributor" in overdue
    assert f"{days} days overdue" in overdue
    assert "2 chases sent" in overdue
    assert "Escalated to Dr Dana Okafor, designated clinical officer" in overdue
    links = [
        a["href"] for a in parse_page(signed_in.get("/my-work").data).select("#overdue-table a")
    ]
    assert f"/assessments/{assessment.id}/requests/{health.id}/extend" in links

    for advice_request in assessment.advice_requests:
        extend_deadline(
            session,
            advice_request,
            new_due_on=TODAY + timedelta(days=20),
            reason="Agreed with the service",
            now=NOW,
            actor=f"user:{officer.id}",
            actor_name=officer.name,
        )
    session.commit()
    assert section(signed_in, "overdue") == "Nothing is overdue on your cases."


def test_advice_due_this_week_shows_and_leaves_when_it_arrives(
    signed_in: FlaskClient, session: Any, officer: User
) -> None:
    assessment = running(session, officer, sent_days_ago=39)
    session.commit()
    due = section(signed_in, "due-soon")
    assert assessment.reference in due
    assert "in 3 days" in due
    assert section(signed_in, "overdue") == "Nothing is overdue on your cases."
    for advice_request in assessment.advice_requests:
        seal_advice(session, advice_request)
    session.commit()
    assert section(signed_in, "due-soon") == "No advice on your cases is due in the next 7 days."


def test_advice_not_yet_read_leaves_once_the_officer_reads_it_but_not_when_an_auditor_does(
    app: Any, signed_in: FlaskClient, session: Any, officer: User
) -> None:
    assessment = running(session, officer, sent_days_ago=10)
    education = request_for(assessment, Agency.EDUCATION)
    seal_advice(session, education)
    auditor = make_user(session, email="ari@council.example", name="Ari Auditor", role="auditor")
    session.commit()
    unread = section(signed_in, "unread")
    assert "Education Contributor" in unread
    advice_url = f"/assessments/{assessment.id}/advice/{education.id}"
    assert advice_url in [
        a["href"] for a in parse_page(signed_in.get("/my-work").data).select("#unread-table a")
    ]

    as_auditor = sign_in(app.test_client(), auditor.id)
    assert as_auditor.get(advice_url).status_code == 200
    assert fresh(session).get(AdviceRequest, education.id).advice_read_at is None
    assert "Education Contributor" in section(signed_in, "unread")

    assert signed_in.get(advice_url).status_code == 200
    read_at = fresh(session).get(AdviceRequest, education.id).advice_read_at
    assert read_at is not None
    assert section(signed_in, "unread") == (
        "You have read all the advice that has arrived on your cases."
    )
    signed_in.get(advice_url)  # a second read keeps the first time
    assert fresh(session).get(AdviceRequest, education.id).advice_read_at == read_at
    reads = session.scalars(select(AuditEvent).where(AuditEvent.action == "advice.viewed")).all()
    assert len(reads) == 3


def report_late(session: Any, advice_request: AdviceRequest) -> DeadlineReport:
    return report_deadline_cannot_be_met(
        session,
        advice_request,
        reason=DeadlineReason.MISSED_APPOINTMENT,
        details="The family missed the clinic appointment; rebooked.",
        expected_by=TODAY + timedelta(days=30),
        now=NOW,
        actor=f"contributor:{advice_request.contributor.email}",
    )


def test_a_deadline_report_leaves_when_marked_dealt_with_and_the_act_is_audited(
    signed_in: FlaskClient, session: Any, officer: User
) -> None:
    assessment = running(session, officer, sent_days_ago=10)
    health = request_for(assessment, Agency.HEALTH)
    report = report_late(session, health)
    session.commit()
    reports = section(signed_in, "deadline-reports")
    assert "Missed an appointment the service arranged (a lawful exception)" in reports
    assert "Health Contributor" in reports
    page = signed_in.get("/my-work")
    form = parse_page(page.data).select_one("#deadline-reports-table form")
    url = (
        f"/assessments/{assessment.id}/requests/{health.id}/deadline-reports/{report.id}/dealt-with"
    )
    assert form["action"] == url
    response = signed_in.post(url, data={"csrf_token": csrf_of(page.data)})
    assert response.status_code == 303
    assert "marked dealt with" in page_text(signed_in)
    assert section(signed_in, "deadline-reports").startswith("No contributor has told you")
    assert fresh(session).get(DeadlineReport, report.id).acknowledged_at is not None
    event = session.scalar(
        select(AuditEvent).where(AuditEvent.action == "deadline_report.dealt_with")
    )
    assert event is not None
    assert event.actor == f"user:{officer.id}"
    assert event.detail["report_id"] == report.id


def test_recording_an_extension_deals_with_the_report_too(
    signed_in: FlaskClient, session: Any, officer: User
) -> None:
    assessment = running(session, officer, sent_days_ago=10)
    health = request_for(assessment, Agency.HEALTH)
    report_late(session, health)
    session.commit()
    assert "Health Contributor" in section(signed_in, "deadline-reports")
    page = signed_in.get(f"/assessments/{assessment.id}/requests/{health.id}/extend")
    new_due = health.due_on + timedelta(days=14)
    response = signed_in.post(
        f"/assessments/{assessment.id}/requests/{health.id}/extend",
        data={
            "csrf_token": csrf_of(page.data),
            "new_due_on-day": str(new_due.day),
            "new_due_on-month": str(new_due.month),
            "new_due_on-year": str(new_due.year),
            "reason": "Rebooked clinic",
        },
    )
    assert response.status_code == 303
    assert section(signed_in, "deadline-reports").startswith("No contributor has told you")
    extended = fresh(session).scalar(
        select(AuditEvent).where(AuditEvent.action == "request.extended")
    )
    assert extended.detail["deadline_reports_dealt_with"] == 1


def test_a_failed_request_email_shows_and_leaves_when_the_request_is_withdrawn(
    signed_in: FlaskClient, session: Any, officer: User
) -> None:
    assessment = make_assessment(session, agreed=True, agencies=WITH_PARENT, case_officer=officer)
    social = request_for(assessment, Agency.SOCIAL_CARE)
    message = session.scalar(
        select(OutboxMessage).where(OutboxMessage.advice_request_id == social.id)
    )
    message.failed_at = NOW
    message.last_error = "550 no such mailbox"
    social.status = RequestStatus.SEND_FAILED
    session.commit()
    failed = section(signed_in, "failed-emails")
    assert "could not be sent" in failed
    assert social.contributor.email in failed
    withdraw_request(session, social, reason="Wrong address", now=NOW, actor="test")
    session.commit()
    assert section(signed_in, "failed-emails") == "No email about your cases has failed."


def test_a_guard_rail_warning_shows_and_leaves_when_the_parent_is_asked(
    signed_in: FlaskClient, session: Any, officer: User
) -> None:
    assessment = make_assessment(session, agreed=True, case_officer=officer)  # no parent
    session.commit()
    warnings = section(signed_in, "warnings")
    assert "Parent or young person not asked" in warnings
    assert f"/assessments/{assessment.id}/contributors/new" in [
        a["href"] for a in parse_page(signed_in.get("/my-work").data).select("#warnings-table a")
    ]
    add_contributor(
        session,
        assessment,
        details=contributor(Agency.PARENT_CARER),
        parent_requested=False,
        now=NOW,
        actor="test",
    )
    session.commit()
    assert section(signed_in, "warnings") == "None of your cases has a warning."


def test_an_assessment_at_risk_of_missing_week_6_shows_until_the_decision(
    signed_in: FlaskClient, session: Any, officer: User
) -> None:
    assessment = make_assessment(
        session,
        agencies=WITH_PARENT,
        case_officer=officer,
        requested_on=TODAY - timedelta(days=35),
    )
    session.commit()
    at_risk = section(signed_in, "milestones")
    assert assessment.reference in at_risk
    assert "At risk: Week 6, the decision whether to assess" in at_risk
    assert "in 7 days" in at_risk
    agree_assessment(session, assessment, decided_on=TODAY, now=NOW, actor="test")
    session.commit()
    assert section(signed_in, "milestones").startswith("None of your cases has missed week 6")


# --- Empty states, and whose cases -----------------------------------------------------------


def test_an_officer_with_no_cases_is_told_so(signed_in: FlaskClient) -> None:
    text = page_text(signed_in)
    assert "You are not the case officer on any open assessment" in text
    assert "Advice overdue" not in text


def test_an_officer_with_nothing_to_do_sees_each_empty_state(
    signed_in: FlaskClient, session: Any, officer: User
) -> None:
    running(session, officer, sent_days_ago=1)
    session.commit()
    text = page_text(signed_in)
    assert "1 open assessment you are case officer on. There is nothing to do today." in text
    for empty in (
        "Nothing is overdue on your cases.",
        "No advice on your cases is due in the next 7 days.",
        "You have read all the advice that has arrived on your cases.",
        "No email about your cases has failed.",
        "None of your cases has a warning.",
    ):
        assert empty in text


def test_another_officers_cases_do_not_show_but_the_teams_unassigned_ones_do(
    signed_in: FlaskClient, session: Any, officer: User
) -> None:
    other = make_user(session, email="casey@council.example", name="Casey", role="case_officer")
    theirs = running(session, other, sent_days_ago=60, family_name="Theirs")
    nobodys = make_assessment(session, agreed=True, family_name="Nobodys")
    elsewhere = make_assessment(
        session, agreed=True, family_name="Elsewhere", team=casework_team(session, "Other team")
    )
    session.commit()
    text = page_text(signed_in)
    assert theirs.reference not in text.split("no case officer")[0]
    assert "You are not the case officer on any open assessment" in text
    assert f"Give {nobodys.reference} a case officer" in text
    assert elsewhere.reference not in text
    assert "Theirs" not in text


def test_a_manager_sees_their_own_assigned_cases(app: Any, session: Any) -> None:
    manager = make_user(session, email="mandy@council.example", name="Mandy", role="manager")
    assessment = running(session, manager, sent_days_ago=52)
    session.commit()
    client = sign_in(app.test_client(), manager.id)
    assert client.get("/").location == "/reports/timeliness"  # a manager starts at the figures
    assert assessment.reference in section(client, "overdue")


def test_the_case_officers_start_page_is_my_work_first_in_the_navigation(
    signed_in: FlaskClient,
) -> None:
    assert signed_in.get("/").location == "/my-work"
    soup = parse_page(signed_in.get("/my-work").data)
    items = [a.get_text(strip=True) for a in soup.select(".govuk-service-navigation__item a")]
    assert items[0] == "My work"


# --- A fixed number of statements ------------------------------------------------------------


def busy_cases(session: Any, officer: User, n: int, start: int) -> None:
    """``n`` cases each with a line of every kind that follows from requests."""
    for i in range(start, start + n):
        assessment = running(session, officer, sent_days_ago=52, family_name=f"Family{i}")
        requests = {Agency(r.agency): r for r in assessment.advice_requests}
        chased_and_escalated(session, requests[Agency.HEALTH])
        seal_advice(session, requests[Agency.EDUCATION])
        report_late(session, requests[Agency.SOCIAL_CARE])
        failed = session.scalar(
            select(OutboxMessage).where(
                OutboxMessage.advice_request_id == requests[Agency.PARENT_CARER].id
            )
        )
        failed.failed_at = NOW
    session.commit()


@pytest.mark.parametrize("app", ["sqlite", "postgresql"], indirect=True)
def test_the_page_sends_as_many_statements_for_30_cases_as_for_3(
    signed_in: FlaskClient, session: Any, officer: User, svc: Any
) -> None:
    busy_cases(session, officer, 3, 0)
    with statements(svc.engine) as few:
        text = page_text(signed_in)
    assert "3 open assessments" in text
    busy_cases(session, officer, 27, 3)
    with statements(svc.engine) as many:
        text = page_text(signed_in)
    assert "30 open assessments" in text
    soup = parse_page(signed_in.get("/my-work").data)
    for kind in ("overdue", "unread", "deadline-reports", "failed-emails"):
        assert len(soup.select(f"#{kind}-table tbody tr")) >= 30, kind
    assert len(many) == len(few), "\n".join(many)


# --- Marking a deadline report dealt with: who may not -----------------------------------------


@pytest.fixture
def reported(session: Any, officer: User) -> tuple[Assessment, AdviceRequest, DeadlineReport]:
    assessment = running(session, officer, sent_days_ago=10)
    health = request_for(assessment, Agency.HEALTH)
    report = report_late(session, health)
    session.commit()
    return assessment, health, report


def dealt_with_url(reported: tuple[Assessment, AdviceRequest, DeadlineReport]) -> str:
    assessment, health, report = reported
    return (
        f"/assessments/{assessment.id}/requests/{health.id}/deadline-reports/{report.id}/dealt-with"
    )


def still_open(session: Any, report: DeadlineReport) -> bool:
    return fresh(session).get(DeadlineReport, report.id).acknowledged_at is None


def test_dealt_with_without_a_session_goes_to_sign_in(
    client: FlaskClient, session: Any, reported: Any
) -> None:
    page = client.get("/sign-in")
    response = client.post(dealt_with_url(reported), data={"csrf_token": csrf_of(page.data)})
    assert response.status_code == 302
    assert "/sign-in" in response.location
    assert still_open(session, reported[2])


def test_dealt_with_is_refused_to_an_auditor_and_an_agency_lead(
    app: Any, session: Any, reported: Any
) -> None:
    auditor = make_user(session, email="ari@council.example", name="Ari", role="auditor")
    lead = make_user(
        session, email="dco@icb.example", name="Dana", role="agency_lead", agency="health"
    )
    session.commit()
    for user in (auditor, lead):
        client = sign_in(app.test_client(), user.id)
        token = csrf_of(client.get("/templates").data)
        assert client.post(dealt_with_url(reported), data={"csrf_token": token}).status_code == 403
    assert still_open(session, reported[2])


def test_dealt_with_is_refused_to_an_officer_of_another_team(
    app: Any, session: Any, reported: Any
) -> None:
    stranger = make_user(
        session,
        email="sol@council.example",
        name="Sol",
        role="case_officer",
        teams=[casework_team(session, "Other team")],
    )
    session.commit()
    client = sign_in(app.test_client(), stranger.id)
    token = csrf_of(client.get("/templates").data)
    assert client.post(dealt_with_url(reported), data={"csrf_token": token}).status_code == 403
    assert still_open(session, reported[2])


def test_dealt_with_without_the_security_token_changes_nothing(
    signed_in: FlaskClient, session: Any, reported: Any
) -> None:
    assert signed_in.post(dealt_with_url(reported), data={}).status_code == 400
    assert (
        signed_in.post(dealt_with_url(reported), data={"csrf_token": "forged"}).status_code == 400
    )
    assert still_open(session, reported[2])


def test_dealt_with_twice_says_so_and_a_report_of_another_request_is_not_found(
    signed_in: FlaskClient, session: Any, reported: Any
) -> None:
    assessment, _, report = reported
    token = csrf_of(signed_in.get("/my-work").data)
    assert signed_in.post(dealt_with_url(reported), data={"csrf_token": token}).status_code == 303
    signed_in.get("/my-work")  # where the officer lands, taking its message
    again = signed_in.post(
        dealt_with_url(reported), data={"csrf_token": token}, follow_redirects=True
    )
    assert "already marked dealt with" in " ".join(text_of(parse_page(again.data)).split())
    events = (
        fresh(session)
        .scalars(select(AuditEvent).where(AuditEvent.action == "deadline_report.dealt_with"))
        .all()
    )
    assert len(events) == 1
    education = request_for(assessment, Agency.EDUCATION)
    wrong = dealt_with_url((assessment, education, report))
    assert signed_in.post(wrong, data={"csrf_token": token}).status_code == 404


def test_an_assessment_past_week_6_without_a_decision_shows_as_late(
    signed_in: FlaskClient, session: Any, officer: User
) -> None:
    assessment = make_assessment(
        session,
        agencies=WITH_PARENT,
        case_officer=officer,
        requested_on=TODAY - timedelta(days=50),
    )
    session.commit()
    late = section(signed_in, "milestones")
    assert "Late: Week 6, the decision whether to assess, was due" in late
    assert f"{(TODAY - assessment.decision_due_on).days} days ago" in late
    links = parse_page(signed_in.get("/my-work").data).select("#milestones-table a")
    assert f"/assessments/{assessment.id}" in [a["href"] for a in links]


def test_week_16_and_week_20_lines_lead_to_the_milestone_to_record_next(
    signed_in: FlaskClient, session: Any, officer: User
) -> None:
    requested_on = TODAY - timedelta(weeks=15)
    assessment = make_assessment(
        session, agencies=WITH_PARENT, case_officer=officer, requested_on=requested_on
    )
    agree_assessment(
        session, assessment, decided_on=requested_on + timedelta(weeks=4), now=NOW, actor="t"
    )
    session.commit()

    def milestone_links() -> list[str]:
        soup = parse_page(signed_in.get("/my-work").data)
        return [a["href"] for a in soup.select("#milestones-table a")]

    assert "At risk: Week 16" in section(signed_in, "milestones")
    assert f"/assessments/{assessment.id}/plan-decision" in milestone_links()
    record_plan_decision(
        session, assessment, decision="issue", decided_on=TODAY, now=NOW, actor="t"
    )
    session.commit()
    # Week 16 is met by the decision; week 20 (in 5 weeks) is not yet at risk.
    assert section(signed_in, "milestones").startswith("None of your cases has missed week 6")


def test_each_section_shows_its_most_urgent_lines_and_counts_them_all(
    signed_in: FlaskClient, session: Any, officer: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("advice_hub.assessments.work_queue.SHOWN", 2)
    earliest = running(session, officer, sent_days_ago=60, family_name="Earliest")
    running(session, officer, sent_days_ago=52, family_name="Later")
    session.commit()
    soup = parse_page(signed_in.get("/my-work").data)
    assert len(soup.select("#overdue-table tbody tr")) == 2
    text = " ".join(text_of(soup).split())
    assert "Advice overdue: 10" in text
    assert "The 2 most urgent of 10 are shown." in text
    assert all(
        earliest.reference in row.get_text() for row in soup.select("#overdue-table tbody tr")
    )
