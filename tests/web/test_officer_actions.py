"""A case officer's actions from the assessment page, through the test client, signed in."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from flask.testing import FlaskClient
from sqlalchemy import func, select

from advice_hub.assessments.assessment_actions import add_contributor
from advice_hub.assessments.request_actions import OfficerActionError
from advice_hub.assessments.timeline import SENTENCES, describe
from advice_hub.deadlines import advice_due_on, london_date
from advice_hub.models import (
    AdviceRequest,
    AdviceReuse,
    Agency,
    Assessment,
    AuditEvent,
    Chase,
    Contributor,
    DeadlineExtension,
    OutboxMessage,
    RequestException,
    RequestStatus,
    utcnow,
)
from advice_hub.web.staff import assessment_actions
from notifications.mailbox import list_messages
from tests.factories import fresh, make_assessment
from tests.html import parse_page, text_of
from tests.journey import csrf_of, sign_out

NOW = utcnow()
TODAY = london_date(NOW)
HOSTILE = "<script>alert(1)</script>"
ESCAPED = "&lt;script&gt;alert(1)&lt;/script&gt;"


def running_assessment(session: Any, officer: Any, days_ago: int = 10) -> Assessment:
    """An agreed assessment whose four requests were received `days_ago` days ago."""
    assessment = make_assessment(session, agreed=True, case_officer=officer)
    session.commit()
    at = NOW - timedelta(days=days_ago)
    for advice_request in assessment.advice_requests:
        advice_request.created_at = advice_request.received_at = at
        advice_request.due_on = advice_due_on(at)
        advice_request.status = RequestStatus.SENT
    for message in session.scalars(select(OutboxMessage)):
        message.completed_at = at  # as if sent then: a worker started later sends nothing
    session.commit()
    return assessment


def health(assessment: Assessment) -> AdviceRequest:
    return next(r for r in assessment.advice_requests if r.agency == Agency.HEALTH)


def request_url(advice_request: AdviceRequest, action: str) -> str:
    return f"/assessments/{advice_request.assessment_id}/requests/{advice_request.id}/{action}"


def dated(name: str, day: Any) -> dict[str, str]:
    return {
        f"{name}-day": str(day.day),
        f"{name}-month": str(day.month),
        f"{name}-year": str(day.year),
    }


def submit(client: FlaskClient, url: str, data: dict[str, str] | None = None) -> Any:
    """Open the page, then post the form on it with its security token."""
    page = client.get(url)
    assert page.status_code == 200, page.data
    return client.post(url, data={"csrf_token": csrf_of(page.data), **(data or {})})


def shown(client: FlaskClient, assessment: Assessment) -> str:
    return text_of(parse_page(client.get(f"/assessments/{assessment.id}").data))


def summary(response: Any) -> dict[str, str]:
    """The error summary's links: where each points, and what it says."""
    soup = parse_page(response.data)
    return {a["href"]: a.get_text(" ", strip=True) for a in soup.select(".govuk-error-summary a")}


def deliver(request: pytest.FixtureRequest) -> None:
    # The worker starts only now, after the test's own writes, so neither waits for the other.
    request.getfixturevalue("jobs").run()


def emails_to(svc: Any, address: str) -> list[Any]:
    return [m for m in list_messages(Path(svc.settings.mail_outbox_dir)) if m.to == address]


# --- Every page ----------------------------------------------------------------------------

REQUEST_LINKS = ["Chase now", "Extend", "Record an exception", "Withdraw"]
ASSESSMENT_LINKS = [
    "Add a contributor",
    "Record reuse of existing advice",
    "Record an assessment exception",
    "Close the assessment",
]


def test_the_assessment_page_links_to_each_action_and_each_page_is_well_formed(
    signed_in: FlaskClient, session: Any, officer: Any
) -> None:
    assessment = running_assessment(session, officer)
    soup = parse_page(signed_in.get(f"/assessments/{assessment.id}").data)
    links = {
        a.find(string=True, recursive=False).strip(): a["href"]
        for a in soup.select("main a.govuk-link")
        if a.find(string=True, recursive=False)
    }
    for text in REQUEST_LINKS + ASSESSMENT_LINKS:
        assert text in links, f"no link {text!r}"
    row_links = soup.select(f'a[href^="/assessments/{assessment.id}/requests/"]')
    assert len(row_links) == 4 * len(REQUEST_LINKS)
    for anchor in row_links + [soup.find("a", string=text) for text in ASSESSMENT_LINKS]:
        page = parse_page(signed_in.get(anchor["href"]).data)  # ids, labels, CSRF, one h1
        cancel = page.find("a", string="Cancel")
        assert cancel["href"] == f"/assessments/{assessment.id}"
        assert page.find("main").find("form", method="post").find("button", id="submit-action")


def test_each_request_link_says_which_request_it_is_for(
    signed_in: FlaskClient, session: Any, officer: Any
) -> None:
    assessment = running_assessment(session, officer)
    soup = parse_page(signed_in.get(f"/assessments/{assessment.id}").data)
    chase = soup.select_one(f'a[href="{request_url(health(assessment), "chase")}"]')
    assert chase.get_text(" ", strip=True) == (
        "Chase now for the health advice from Health Contributor 3"
    )


def test_action_pages_need_sign_in_and_the_right_assessment(
    client: FlaskClient, signed_in: FlaskClient, session: Any, officer: Any
) -> None:
    assessment = running_assessment(session, officer)
    other = make_assessment(session, agreed=True, given_names="Alex")
    session.commit()
    url = f"/assessments/{other.id}/requests/{health(assessment).id}/extend"
    assert signed_in.get(url).status_code == 403  # the request is not the URL's assessment's
    sign_out(signed_in)
    assert client.get(request_url(health(assessment), "extend")).status_code == 302


# --- Chase now -----------------------------------------------------------------------------


def test_chase_now_plans_a_chase_and_says_when_it_goes(
    signed_in: FlaskClient, session: Any, officer: Any
) -> None:
    assessment = running_assessment(session, officer)
    response = submit(signed_in, request_url(health(assessment), "chase"))
    assert response.status_code == 303
    assert response.headers["Location"] == f"/assessments/{assessment.id}"
    page = shown(signed_in, assessment)
    assert "Chase planned: Health Contributor 3 is emailed" in page
    (chase,) = fresh(session).scalars(select(Chase)).all()
    assert (chase.kind, chase.planned_by) == ("manual_chase", f"user:{officer.id}")
    assert "Chase for Health Contributor 3 (health) planned" in page


def test_a_second_chase_now_on_the_same_working_day_is_not_offered_and_is_refused_if_sent(
    signed_in: FlaskClient, session: Any, officer: Any
) -> None:
    assessment = running_assessment(session, officer)
    url = request_url(health(assessment), "chase")
    old_tab = signed_in.get(url)  # a second tab, opened before the first chase
    assert submit(signed_in, url).status_code == 303
    row = parse_page(signed_in.get(f"/assessments/{assessment.id}").data)
    assert row.select_one(f'a[href="{url}"]') is None
    assert "already gets an email" in row.find(id=f"no-chase-now-{health(assessment).id}").text
    # The old tab's button: the domain refuses, on the chase page, and nothing is planned.
    again = signed_in.post(url, data={"csrf_token": csrf_of(old_tab.data)})
    assert again.status_code == 400
    assert "already gets an email" in summary(again)["#submit-action"]
    assert len(fresh(session).scalars(select(Chase)).all()) == 1
    # A bookmark of the chase page goes back to the assessment, saying why.
    bookmark = signed_in.get(url)
    assert bookmark.status_code == 303
    assert "already gets an email" in shown(signed_in, assessment)


def test_chase_now_is_refused_while_an_exception_pauses_chasing(
    signed_in: FlaskClient, session: Any, officer: Any
) -> None:
    assessment = running_assessment(session, officer)
    url = request_url(health(assessment), "chase")
    old_tab = signed_in.get(url)
    submit(
        signed_in,
        request_url(health(assessment), "exception"),
        {"reason": "missed_appointment", "details": "Missed clinic", **dated("starts_on", TODAY)},
    )
    row = parse_page(signed_in.get(f"/assessments/{assessment.id}").data)
    assert row.select_one(f'a[href="{url}"]') is None
    refused = signed_in.post(url, data={"csrf_token": csrf_of(old_tab.data)})
    assert refused.status_code == 400
    assert "Chasing is paused" in summary(refused)["#submit-action"]
    assert fresh(session).scalars(select(Chase)).all() == []


# --- Extending a deadline ------------------------------------------------------------------


def test_extending_shows_the_new_date_and_where_it_was_extended_from(
    signed_in: FlaskClient, session: Any, officer: Any
) -> None:
    assessment = running_assessment(session, officer)
    due = health(assessment).due_on
    new_due = due + timedelta(days=14)
    response = submit(
        signed_in,
        request_url(health(assessment), "extend"),
        {"reason": "The clinic asked for two more weeks", **dated("new_due_on", new_due)},
    )
    assert response.status_code == 303
    page = shown(signed_in, assessment)
    assert f"Deadline extended to {new_due.day} {new_due:%B %Y}" in page
    assert f"{new_due.day} {new_due:%b %Y} Extended from {due.day} {due:%b %Y}" in page
    assert f"extended from {due.day} {due:%B %Y} to {new_due.day} {new_due:%B %Y}" in page
    (extension,) = fresh(session).scalars(select(DeadlineExtension)).all()
    assert extension.recorded_by_name == officer.name


def test_an_extension_with_bad_input_names_each_mistake_and_keeps_what_was_typed(
    signed_in: FlaskClient, session: Any, officer: Any
) -> None:
    assessment = running_assessment(session, officer)
    response = submit(
        signed_in,
        request_url(health(assessment), "extend"),
        {"reason": "", "new_due_on-day": "31", "new_due_on-month": "2", "new_due_on-year": "2027"},
    )
    assert response.status_code == 400
    assert summary(response) == {
        "#new_due_on-day": "The new due date must be a real date",
        "#reason": "Enter the reason for the extension",
    }
    soup = parse_page(response.data)
    assert soup.find(id="new_due_on-day")["value"] == "31"
    assert soup.title.string.startswith("Error:")


def test_an_extension_to_an_earlier_date_is_refused_on_the_field_and_keeps_the_reason(
    signed_in: FlaskClient, session: Any, officer: Any
) -> None:
    assessment = running_assessment(session, officer)
    earlier = health(assessment).due_on - timedelta(days=1)
    response = submit(
        signed_in,
        request_url(health(assessment), "extend"),
        {"reason": "Typed with care", **dated("new_due_on", earlier)},
    )
    assert response.status_code == 400
    assert "must be after the current one" in summary(response)["#new_due_on-day"]
    assert parse_page(response.data).find(id="reason").get_text() == "Typed with care"
    assert fresh(session).scalars(select(DeadlineExtension)).all() == []


# --- Exceptions on one request (reg 8(2)) --------------------------------------------------


def test_a_waiting_list_can_never_be_recorded_as_an_exception(
    signed_in: FlaskClient, session: Any, officer: Any
) -> None:
    assessment = running_assessment(session, officer)
    url = request_url(health(assessment), "exception")
    soup = parse_page(signed_in.get(url).data)
    offered = [radio["value"] for radio in soup.select('input[name="reason"]')]
    assert offered == ["exceptional_circumstances", "absent_from_area", "missed_appointment"]
    assert "A waiting list, staff shortages or workload are not exceptions" in text_of(soup)
    response = submit(
        signed_in,
        url,
        {"reason": "other", "details": "18-week waiting list", **dated("starts_on", TODAY)},
    )
    assert response.status_code == 400
    assert summary(response)["#reason"].startswith("A waiting list, staff shortages or workload")
    assert parse_page(response.data).find(id="details").get_text() == "18-week waiting list"
    assert fresh(session).scalars(select(RequestException)).all() == []


def test_recording_an_exception_pauses_chasing_and_the_page_says_so(
    signed_in: FlaskClient, session: Any, officer: Any
) -> None:
    assessment = running_assessment(session, officer)
    response = submit(
        signed_in,
        request_url(health(assessment), "exception"),
        {
            "reason": "absent_from_area",
            "details": "Family abroad for a funeral",
            **dated("starts_on", TODAY),
        },
    )
    assert response.status_code == 303
    soup = parse_page(signed_in.get(f"/assessments/{assessment.id}").data)
    assert "Exception: paused" in text_of(soup)
    row_links = [a["href"] for a in soup.select('a[href*="/requests/"]')]
    assert request_url(health(assessment), "exception/end") in row_links
    assert request_url(health(assessment), "exception") not in row_links
    assert "away from the area for 4 weeks or more, from" in text_of(soup)


def test_ending_an_exception_from_its_page_resumes_chasing(
    signed_in: FlaskClient, session: Any, officer: Any
) -> None:
    assessment = running_assessment(session, officer)
    advice_request = health(assessment)
    submit(
        signed_in,
        request_url(advice_request, "exception"),
        {"reason": "missed_appointment", "details": "Missed", **dated("starts_on", TODAY)},
    )
    too_early = submit(
        signed_in,
        request_url(advice_request, "exception/end"),
        dated("ends_on", TODAY - timedelta(days=1)),
    )
    assert too_early.status_code == 400
    assert "before it started" in summary(too_early)["#ends_on-day"]
    ended = submit(signed_in, request_url(advice_request, "exception/end"), dated("ends_on", TODAY))
    assert ended.status_code == 303
    assert "chasing resumes the day after" in shown(signed_in, assessment)
    assert fresh(session).scalars(select(RequestException)).one().ends_on == TODAY


# --- Withdrawing ---------------------------------------------------------------------------


def test_a_withdrawn_request_gets_no_more_email_and_shows_why(
    signed_in: FlaskClient, session: Any, officer: Any, svc: Any, request: pytest.FixtureRequest
) -> None:
    assessment = running_assessment(session, officer, days_ago=50)
    advice_request = health(assessment)
    assert submit(signed_in, request_url(advice_request, "chase")).status_code == 303
    response = submit(signed_in, request_url(advice_request, "withdraw"), {"reason": HOSTILE})
    assert response.status_code == 303
    deliver(request)
    assert emails_to(svc, advice_request.contributor.email) == []
    html = signed_in.get(f"/assessments/{assessment.id}").data.decode()
    assert HOSTILE not in html and ESCAPED in html
    assert request_url(advice_request, "withdraw") not in html
    assert fresh(session).get_one(AdviceRequest, advice_request.id).status == "withdrawn"
    again = signed_in.get(request_url(advice_request, "chase"))
    assert again.status_code == 303
    assert "is closed (withdrawn)" in shown(signed_in, assessment)


def test_withdrawing_without_a_reason_is_refused(
    signed_in: FlaskClient, session: Any, officer: Any
) -> None:
    assessment = running_assessment(session, officer)
    response = submit(signed_in, request_url(health(assessment), "withdraw"), {"reason": " "})
    assert response.status_code == 400
    assert summary(response) == {"#reason": "Enter why the request is withdrawn"}
    assert fresh(session).get_one(AdviceRequest, health(assessment).id).status == "sent"


# --- Adding a contributor ------------------------------------------------------------------

SALT = {
    "agency": "other",
    "name": "Kim Therapist",
    "email": "kim@therapy.example.org",
    "organisation": "Independent SALT",
    "role": "Speech and language therapist",
    "parent_requested": "yes",
}


def test_a_contributor_the_parent_asked_for_is_sent_a_request(
    signed_in: FlaskClient, session: Any, officer: Any, svc: Any, request: pytest.FixtureRequest
) -> None:
    assessment = running_assessment(session, officer)
    response = submit(signed_in, f"/assessments/{assessment.id}/contributors/new", SALT)
    assert response.status_code == 303
    deliver(request)
    assert len(emails_to(svc, "kim@therapy.example.org")) == 1
    page = shown(signed_in, assessment)
    assert "Kim Therapist added. Their request for advice is being sent." in page
    assert "Asked for by the parent or young person" in page
    assert "Kim Therapist (other) added as a contributor, at the request of the parent" in page
    assert "Request for advice emailed to Kim Therapist (other)" in page


def test_bad_contributor_details_are_named_and_kept(
    signed_in: FlaskClient, session: Any, officer: Any
) -> None:
    assessment = running_assessment(session, officer)
    data = SALT | {"email": "kim at therapy", "agency": ""}
    del data["parent_requested"]
    response = submit(signed_in, f"/assessments/{assessment.id}/contributors/new", data)
    assert response.status_code == 400
    assert summary(response) == {
        "#agency": "Choose the contributor's agency",
        "#email": "Enter an email address in the correct format, like name@example.org",
        "#parent_requested": "Say whether the parent or young person asked for this contributor",
    }
    assert parse_page(response.data).find(id="email")["value"] == "kim at therapy"
    fresh(session)
    assert len(session.scalars(select(AdviceRequest)).all()) == 4


def test_an_action_refused_after_it_changed_things_keeps_nothing_and_emails_no_one(
    signed_in: FlaskClient,
    session: Any,
    officer: Any,
    svc: Any,
    request: pytest.FixtureRequest,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A refusal part-way through, after the contributor, their request and its email were
    written: the page shows the refusal, and the rollback leaves no trace of any of them."""
    assessment = running_assessment(session, officer)
    outbox_before = session.scalar(select(func.count(OutboxMessage.id)))
    events_before = session.scalar(select(func.count(AuditEvent.id)))

    def added_then_refused(db_session: Any, *args: Any, **kwargs: Any) -> Any:
        add_contributor(db_session, *args, **kwargs)
        assert db_session.scalar(select(func.count(AdviceRequest.id))) == 5
        raise OfficerActionError("The council's address book did not answer: try again")

    monkeypatch.setattr(assessment_actions, "add_contributor", added_then_refused)
    response = submit(signed_in, f"/assessments/{assessment.id}/contributors/new", SALT)

    assert response.status_code == 400
    assert summary(response) == {
        "#submit-action": "The council's address book did not answer: try again"
    }
    deliver(request)
    assert emails_to(svc, "kim@therapy.example.org") == []
    fresh(session)
    assert session.scalar(select(func.count(AdviceRequest.id))) == 4
    assert session.scalar(select(func.count(Contributor.id))) == 4
    assert session.scalar(select(func.count(OutboxMessage.id))) == outbox_before
    assert session.scalar(select(func.count(AuditEvent.id))) == events_before


def test_the_same_person_asked_twice_is_refused_on_the_email_field(
    signed_in: FlaskClient, session: Any, officer: Any
) -> None:
    assessment = running_assessment(session, officer)
    data = SALT | {"agency": "health", "email": health(assessment).contributor.email}
    response = submit(signed_in, f"/assessments/{assessment.id}/contributors/new", data)
    assert response.status_code == 400
    assert "already asked for health advice" in summary(response)["#email"]


# --- Reuse of existing advice (reg 6(4)) ---------------------------------------------------


def reuse_data(**overrides: str) -> dict[str, str]:
    data = {
        "agency": "educational_psychology",
        "description": "EP report of March, on the child's file",
        "author_name": "Dr Amal Reid, educational psychologist",
        **dated("advice_dated", TODAY - timedelta(days=60)),
        **dated("author_agreed_on", TODAY - timedelta(days=3)),
        **dated("la_agreed_on", TODAY - timedelta(days=2)),
        **dated("family_agreed_on", TODAY - timedelta(days=1)),
        "family_agreed_by": "Jo Taylor-Brown",
        "replaced_request": "",
    }
    return data | overrides


@pytest.mark.parametrize(
    ("missing", "message"),
    [
        ("author_agreed_on", "Enter the date the author agreed the advice is sufficient"),
        ("la_agreed_on", "Enter the date the local authority agreed the advice is sufficient"),
        (
            "family_agreed_on",
            "Enter the date the parent or young person agreed the advice is sufficient",
        ),
    ],
)
def test_reuse_needs_all_three_agreements(
    signed_in: FlaskClient, session: Any, officer: Any, missing: str, message: str
) -> None:
    assessment = running_assessment(session, officer)
    blank = {f"{missing}-{part}": "" for part in ("day", "month", "year")}
    response = submit(signed_in, f"/assessments/{assessment.id}/reuse", reuse_data(**blank))
    assert response.status_code == 400
    assert summary(response) == {f"#{missing}-day": message}
    soup = parse_page(response.data)
    assert soup.find(id="family_agreed_by")["value"] == "Jo Taylor-Brown"
    assert fresh(session).scalars(select(AdviceReuse)).all() == []


def test_reuse_that_replaces_a_request_withdraws_it_and_shows_the_agreements(
    signed_in: FlaskClient, session: Any, officer: Any
) -> None:
    assessment = running_assessment(session, officer)
    ep = next(r for r in assessment.advice_requests if r.agency == "educational_psychology")
    url = f"/assessments/{assessment.id}/reuse"
    options = [
        o["value"] for o in parse_page(signed_in.get(url).data).select("#replaced_request option")
    ]
    assert str(ep.id) in options
    response = submit(signed_in, url, reuse_data(replaced_request=str(ep.id)))
    assert response.status_code == 303
    page = shown(signed_in, assessment)
    assert "The request to Educational psychology Contributor 2 is withdrawn" in page
    assert "Educational psychology advice by Dr Amal Reid" in page
    assert "Parent or young person agreed" in page and "Jo Taylor-Brown" in page
    assert "Existing educational psychology advice reused" in page
    assert fresh(session).get_one(AdviceRequest, ep.id).status == RequestStatus.WITHDRAWN


def test_reuse_cannot_name_a_request_outside_the_list(
    signed_in: FlaskClient, session: Any, officer: Any
) -> None:
    assessment = running_assessment(session, officer)
    url = f"/assessments/{assessment.id}/reuse"
    response = submit(signed_in, url, reuse_data(replaced_request="not-a-request"))
    assert response.status_code == 400
    assert "#replaced_request" in summary(response)


# --- Exceptions to the council's time limits (reg 10(4), 13(3)) ----------------------------


def test_an_assessment_exception_moves_the_councils_milestones_on_the_page(
    signed_in: FlaskClient, session: Any, officer: Any
) -> None:
    assessment = running_assessment(session, officer)
    starts = assessment.requested_on + timedelta(days=2)
    url = f"/assessments/{assessment.id}/exception"
    response = submit(
        signed_in,
        url,
        {
            "reason": "setting_closed",
            "details": "School closed after a flood",
            **dated("starts_on", starts),
            **dated("ends_on", starts + timedelta(days=27)),
        },
    )
    assert response.status_code == 303
    final = assessment.requested_on + timedelta(weeks=20)
    moved = final + timedelta(days=28)
    page = shown(signed_in, assessment)
    assert f"{moved.day} {moved:%B %Y} (moved from {final.day} {final:%B %Y})" in page
    assert "School or setting closed for 4 weeks or more" in page


def test_an_open_assessment_exception_puts_the_milestones_on_hold_until_ended(
    signed_in: FlaskClient, session: Any, officer: Any
) -> None:
    assessment = running_assessment(session, officer)
    submit(
        signed_in,
        f"/assessments/{assessment.id}/exception",
        {"reason": "family_circumstances", "details": "Illness", **dated("starts_on", TODAY)},
    )
    page = shown(signed_in, assessment)
    # the decision whether to issue and the draft (both by week 16), and the final plan
    assert page.count("On hold while an exception holds") == 3
    assert "End the assessment exception" in page
    ended = submit(
        signed_in, f"/assessments/{assessment.id}/exception/end", dated("ends_on", TODAY)
    )
    assert ended.status_code == 303
    assert "On hold" not in shown(signed_in, assessment)


def test_a_setting_closed_for_under_four_weeks_is_refused_on_the_end_date(
    signed_in: FlaskClient, session: Any, officer: Any
) -> None:
    assessment = running_assessment(session, officer)
    starts = assessment.requested_on + timedelta(days=2)
    response = submit(
        signed_in,
        f"/assessments/{assessment.id}/exception",
        {
            "reason": "setting_closed",
            "details": "Half term",
            **dated("starts_on", starts),
            **dated("ends_on", starts + timedelta(days=8)),
        },
    )
    assert response.status_code == 400
    assert "4 weeks or more" in summary(response)["#ends_on-day"]


# --- Closing -------------------------------------------------------------------------------


def test_closing_the_assessment_stops_chasing_and_removes_the_actions(
    signed_in: FlaskClient, session: Any, officer: Any
) -> None:
    assessment = running_assessment(session, officer, days_ago=50)
    chase_url = request_url(health(assessment), "chase")
    assert submit(signed_in, chase_url).status_code == 303
    refused = submit(signed_in, f"/assessments/{assessment.id}/close", {"reason": "plan_issued"})
    assert refused.status_code == 400  # a plan issued is a milestone, recorded with its date
    response = submit(signed_in, f"/assessments/{assessment.id}/close", {"reason": "moved_away"})
    assert response.status_code == 303
    soup = parse_page(signed_in.get(f"/assessments/{assessment.id}").data)
    assert "Closed on" in text_of(
        soup
    ) and "Moved to another local authority. Nothing more is chased" in text_of(soup)
    assert "Assessment closed: Moved to another local authority" in text_of(soup)
    assert soup.select('a[href*="/requests/"]') == []
    assert not soup.find("a", string="Close the assessment")
    assert fresh(session).scalars(select(Chase)).one().cancelled_at is not None
    assert signed_in.get(chase_url).status_code == 303  # back to the page, with why


def test_closing_needs_a_reason(signed_in: FlaskClient, session: Any, officer: Any) -> None:
    assessment = running_assessment(session, officer)
    response = submit(signed_in, f"/assessments/{assessment.id}/close")
    assert response.status_code == 400
    assert summary(response) == {"#reason": "Choose why the assessment is closing"}


# --- Security token, hostile text, the timeline --------------------------------------------


def test_a_lapsed_security_token_keeps_what_was_typed(
    signed_in: FlaskClient, session: Any, officer: Any
) -> None:
    assessment = running_assessment(session, officer)
    url = request_url(health(assessment), "withdraw")
    response = signed_in.post(url, data={"csrf_token": "forged", "reason": "Typed before lunch"})
    assert response.status_code == 400
    soup = parse_page(response.data)
    assert "for your security nothing was saved" in text_of(soup)
    assert soup.find(id="reason").get_text() == "Typed before lunch"
    assert fresh(session).get_one(AdviceRequest, health(assessment).id).status == "sent"


def test_hostile_words_show_as_text_in_the_table_and_the_timeline(
    signed_in: FlaskClient, session: Any, officer: Any
) -> None:
    assessment = running_assessment(session, officer)
    data = SALT | {"name": HOSTILE, "role": HOSTILE}
    assert (
        submit(signed_in, f"/assessments/{assessment.id}/contributors/new", data).status_code == 303
    )
    html = signed_in.get(f"/assessments/{assessment.id}").data.decode()
    assert HOSTILE not in html
    assert html.count(ESCAPED) >= 3  # the contributor cell, the role and the timeline
    assert "&amp;lt;" not in html  # escaped once, so it reads as typed


def test_the_timeline_shows_each_email_with_its_kind_newest_first(
    signed_in: FlaskClient, session: Any, officer: Any, request: pytest.FixtureRequest
) -> None:
    assessment = make_assessment(session, agreed=True, case_officer=officer)
    session.commit()
    deliver(request)
    soup = parse_page(signed_in.get(f"/assessments/{assessment.id}").data)
    rows = [
        [cell.get_text(" ", strip=True) for cell in row.select("td")]
        for row in soup.select("table")[-1].select("tbody tr")
    ]
    whats = [what for _, what, _ in rows]
    assert whats[-2:] == [
        "Decision to assess recorded: 4 requests for advice to send",
        "Assessment recorded",
    ]
    emailed = [what for what in whats if what.startswith("Request for advice emailed to")]
    assert len(emailed) == 4
    assert "Request for advice emailed to Health Contributor 3 (health)" in emailed
    assert {who for _, what, who in rows if what in emailed} == {"The service"}


def test_an_unknown_or_odd_event_never_breaks_the_page(
    signed_in: FlaskClient, session: Any, officer: Any
) -> None:
    assessment = running_assessment(session, officer)
    session.add_all(
        [
            AuditEvent(
                occurred_at=NOW, actor="robot:7", action="robot.danced", assessment=assessment
            ),
            AuditEvent(
                occurred_at=NOW,
                actor=f"user:{officer.id}",
                action="request.extended",
                advice_request=health(assessment),
                detail={"new_due_on": "not a date"},
            ),
        ]
    )
    session.commit()
    page = shown(signed_in, assessment)
    assert "Robot: danced" in page
    assert "Request: extended (Health Contributor 3 (health))" in page
    assert officer.name in page


SAMPLE_DETAILS: dict[str, dict[str, Any]] = {
    "assessment.created": {},
    "assessment.agreed": {"requests": 5},
    "email.sent": {"kind": "advice_reminder"},
    "email.failed": {"kind": "advice_request"},
    "chase.planned": {"kind": "overdue_chase", "reason": "5 working days overdue", "send_at": ""},
    "escalation.planned": {"to": "designated clinical officer", "reason": "10 days overdue"},
    "escalation.sent": {"to": "designated clinical officer"},
    "request.extended": {"previous_due_on": "2027-01-02", "new_due_on": "2027-01-16"},
    "request.exception_recorded": {"reason": "missed_appointment", "starts_on": "2026-12-01"},
    "request.exception_ended": {"ends_on": "2026-12-08"},
    "contributor.added": {"agency": "other", "parent_requested": True},
    "reuse.recorded": {"agency": "health"},
    "assessment.exception_recorded": {"reason": "family_away", "starts_on": "2026-12-01"},
    "assessment.exception_ended": {"ends_on": "2026-12-31"},
    "assessment.closed": {"reason": "moved_away"},
    "assessment.plan_decision_recorded": {"decision": "issue", "decided_on": "2027-03-01"},
    "assessment.draft_plan_sent": {"sent_on": "2027-03-08"},
    "assessment.final_plan_issued": {"issued_on": "2027-04-01"},
    "assessment.assigned": {
        "from_team": "North casework team",
        "to_team": "South casework team",
        "from_officer": "Olu Adeyemi",
        "to_officer": "Casey Morgan",
        "reason": "Caseload balanced",
    },
}


@pytest.mark.parametrize("action", sorted(SENTENCES))
def test_every_known_action_reads_as_a_sentence(action: str) -> None:
    detail = dict(SAMPLE_DETAILS.get(action, {}))
    if action == "chase.planned":
        detail["send_at"] = (NOW + timedelta(hours=20)).isoformat()
    event = AuditEvent(occurred_at=NOW, actor="system", action=action, detail=detail)
    sentence = describe(event, "Dr Chris Jones (health)")
    fallback = action.replace(".", ": ").replace("_", " ")
    assert fallback.lower() not in sentence.lower(), sentence
    assert sentence[:1].isupper()
