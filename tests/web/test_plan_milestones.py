"""The plan milestones on the assessment page: recorded one after another from their own
pages, shown on the page and its timeline, refused out of order, for other roles and teams,
and without a security token."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from flask.testing import FlaskClient

from advice_hub.assessments.recording import agree_assessment
from advice_hub.deadlines import london_date
from advice_hub.models import Assessment, AssessmentStatus, utcnow
from tests.factories import fresh, make_assessment, make_user
from tests.html import parse_page, text_of
from tests.journey import csrf_of, sign_in

TODAY = london_date(utcnow())


def _agreed(session: Any, officer: Any, *, weeks_ago: int = 12) -> Assessment:
    requested_on = TODAY - timedelta(weeks=weeks_ago)
    assessment = make_assessment(session, case_officer=officer, requested_on=requested_on)
    agree_assessment(
        session,
        assessment,
        decided_on=requested_on + timedelta(weeks=3),
        now=utcnow(),
        actor="test",
    )
    session.commit()
    return assessment


def _date(prefix: str, day: Any) -> dict[str, str]:
    return {
        f"{prefix}-day": str(day.day),
        f"{prefix}-month": str(day.month),
        f"{prefix}-year": str(day.year),
    }


def _post(client: FlaskClient, url: str, data: dict[str, str]) -> Any:
    page = client.get(url)
    assert page.status_code == 200, page.status_code
    return client.post(url, data={"csrf_token": csrf_of(page.data), **data})


def _page(client: FlaskClient, assessment: Assessment) -> str:
    return text_of(parse_page(client.get(f"/assessments/{assessment.id}").data))


def test_an_officer_records_each_milestone_and_the_final_plan_closes_the_assessment(
    signed_in: FlaskClient, session: Any, officer: Any
) -> None:
    assessment = _agreed(session, officer, weeks_ago=17)
    base = f"/assessments/{assessment.id}"
    shown = _page(signed_in, assessment)
    assert "Decision whether to issue a plan (16 weeks)" in shown
    assert "Record the decision whether to issue a plan" in shown  # the Record link, named

    decided = TODAY - timedelta(days=30)
    response = _post(
        signed_in, f"{base}/plan-decision", {"decision": "issue", **_date("on", decided)}
    )
    assert response.status_code == 303
    sent = TODAY - timedelta(days=20)
    assert _post(signed_in, f"{base}/draft-plan", _date("on", sent)).status_code == 303
    shown = _page(signed_in, assessment)
    assert f"To issue a plan, decided on {decided.day} {decided:%B %Y}" in shown
    assert f"Sent on {sent.day} {sent:%B %Y}; comments due by" in shown

    response = _post(signed_in, f"{base}/final-plan", _date("on", TODAY))
    assert response.status_code == 303
    shown = _page(signed_in, assessment)
    assert f"Issued on {TODAY.day} {TODAY:%B %Y}, 17 weeks after the request" in shown
    assert "Final plan issued on" in shown  # on the timeline
    assert "Assessment closed: EHC plan issued" in shown
    stored = fresh(session).get_one(Assessment, assessment.id)
    assert (stored.status, stored.final_plan_issued_on) == (AssessmentStatus.CLOSED, TODAY)


def test_a_bad_date_is_shown_on_its_input_and_nothing_is_recorded(
    signed_in: FlaskClient, session: Any, officer: Any
) -> None:
    assessment = _agreed(session, officer)
    url = f"/assessments/{assessment.id}/plan-decision"
    tomorrow = TODAY + timedelta(days=1)
    response = _post(signed_in, url, {"decision": "issue", **_date("on", tomorrow)})
    assert response.status_code == 400
    soup = parse_page(response.data)
    assert "must be today or in the past" in text_of(soup.select_one(".govuk-error-summary"))
    missing = _post(signed_in, url, _date("on", TODAY))
    assert "Choose whether the council will issue an EHC plan" in text_of(parse_page(missing.data))
    assert fresh(session).get_one(Assessment, assessment.id).plan_decision is None


def test_a_page_out_of_order_goes_back_to_the_assessment_with_why(
    signed_in: FlaskClient, session: Any, officer: Any
) -> None:
    assessment = _agreed(session, officer)
    response = signed_in.get(f"/assessments/{assessment.id}/final-plan")
    assert response.status_code == 303
    assert "Record the draft plan sent first" in _page(signed_in, assessment)


def test_a_final_plan_within_the_comments_period_asks_why_and_keeps_the_reason(
    signed_in: FlaskClient, session: Any, officer: Any
) -> None:
    assessment = _agreed(session, officer, weeks_ago=15)
    base = f"/assessments/{assessment.id}"
    _post(
        signed_in,
        f"{base}/plan-decision",
        {"decision": "issue", **_date("on", TODAY - timedelta(days=9))},
    )
    _post(signed_in, f"{base}/draft-plan", _date("on", TODAY - timedelta(days=4)))
    asked = _post(signed_in, f"{base}/final-plan", _date("on", TODAY))
    assert asked.status_code == 200  # a warning, not an error: the page asks why
    soup = parse_page(asked.data)
    assert "before the 15 days for comments" in text_of(soup)
    confirm = soup.select_one("input[name=confirm_warnings]")["value"]
    response = signed_in.post(
        f"{base}/final-plan",
        data={
            "csrf_token": csrf_of(asked.data),
            **_date("on", TODAY),
            "confirm_warnings": confirm,
            "warning_reason": "The family agreed the draft on the day it arrived",
        },
    )
    assert response.status_code == 303
    assert "despite a warning. Reason given: The family agreed the draft" in _page(
        signed_in, assessment
    )


def test_closing_offers_no_plan_issued_reason_now_that_it_is_a_milestone(
    signed_in: FlaskClient, session: Any, officer: Any
) -> None:
    assessment = _agreed(session, officer)
    page = text_of(parse_page(signed_in.get(f"/assessments/{assessment.id}/close").data))
    assert "Moved to another local authority" in page
    assert "EHC plan issued" not in page


def test_without_a_security_token_nothing_is_recorded(
    signed_in: FlaskClient, session: Any, officer: Any
) -> None:
    assessment = _agreed(session, officer)
    response = signed_in.post(
        f"/assessments/{assessment.id}/plan-decision",
        data={"decision": "not_issue", **_date("on", TODAY)},
    )
    assert response.status_code == 400
    assert fresh(session).get_one(Assessment, assessment.id).status == AssessmentStatus.AGREED


def test_an_auditor_an_agency_lead_and_another_team_are_refused(
    client: FlaskClient, session: Any, officer: Any
) -> None:
    from tests.factories import casework_team

    assessment = _agreed(session, officer)
    other_team = casework_team(session, "South casework team")
    people = [
        make_user(session, email="ari@council.example", name="Ari", role="auditor"),
        make_user(
            session, email="dana@nhs.example", name="Dana", role="agency_lead", agency="health"
        ),
        make_user(
            session,
            email="casey@council.example",
            name="Casey",
            role="case_officer",
            teams=[other_team],
        ),
    ]
    session.commit()
    for person in people:
        sign_in(client, person.id)
        token = csrf_of(client.get("/sign-out").data)  # a valid token: only the role refuses
        for step in ("plan-decision", "draft-plan", "final-plan"):
            response = client.get(f"/assessments/{assessment.id}/{step}")
            assert response.status_code == 403, (person.name, step)
            refused = client.post(
                f"/assessments/{assessment.id}/{step}",
                data={"csrf_token": token, "decision": "not_issue", **_date("on", TODAY)},
            )
            assert refused.status_code == 403, (person.name, step)
        client.post("/sign-out", data={"csrf_token": token})
    assert fresh(session).get_one(Assessment, assessment.id).status == AssessmentStatus.AGREED


def test_no_session_goes_to_sign_in(client: FlaskClient, session: Any, officer: Any) -> None:
    assessment = _agreed(session, officer)
    response = client.get(f"/assessments/{assessment.id}/plan-decision")
    assert response.status_code == 302
    assert "/sign-in" in response.location
