"""On the officer's pages: impossible dates refused with every mistake named at once, and the
law's guard-rails shown as warnings (with the reason an officer gave for going ahead) on the
assessment and in the list."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from flask.testing import FlaskClient
from sqlalchemy import func, select

from advice_hub.assessments.recording import agree_assessment
from advice_hub.deadlines import assessment_milestones, london_date
from advice_hub.models import (
    AdviceRequest,
    AdviceReuse,
    Agency,
    Assessment,
    AssessmentException,
    AssessmentStatus,
    AuditEvent,
    utcnow,
)
from tests.factories import FOUR_AGENCIES, fresh, make_assessment, mark_sent, request_for
from tests.html import parse_page, text_of
from tests.journey import csrf_of
from tests.statements import statements

NOW = utcnow()
TODAY = london_date(NOW)
WITH_PARENT = (Agency.PARENT_CARER, *FOUR_AGENCIES)
REASON_FIELD = "#warning_reason"
REQUEST_NOT_YET = "The date the council received the request must be today or in the past"


def dated(name: str, day: date) -> dict[str, str]:
    return {
        f"{name}-day": str(day.day),
        f"{name}-month": str(day.month),
        f"{name}-year": str(day.year),
    }


def summary(response: Any) -> dict[str, str]:
    soup = parse_page(response.data)
    return {a["href"]: a.get_text(" ", strip=True) for a in soup.select(".govuk-error-summary a")}


def submit(client: FlaskClient, url: str, data: dict[str, str], page_url: str | None = None) -> Any:
    page = client.get(page_url or url)
    assert page.status_code == 200
    return client.post(url, data={"csrf_token": csrf_of(page.data), **data})


def shown(client: FlaskClient, url: str) -> str:
    return text_of(parse_page(client.get(url).data))


def new_assessment(**overrides: str) -> dict[str, str]:
    data = {
        "given_names": "Riley",
        "family_name": "Okafor",
        **dated("date_of_birth", date(2016, 5, 3)),
        "year_group": "4",
        **dated("requested_on", TODAY),
        "contributors-0-agency": "parent_carer",
        "contributors-0-name": "Ade Okafor",
        "contributors-0-email": "ade@example.org",
        "contributors-0-organisation": "Family",
        "contributors-0-role": "Parent",
        "save": "y",
    }
    return data | overrides


def saved(session: Any) -> int:
    return fresh(session).scalar(select(func.count()).select_from(Assessment))


def running(session: Any, officer: Any, *, requested_days_ago: int = 20) -> Assessment:
    """An agreed assessment, the parent asked, whose emails were received 10 days ago."""
    assessment = make_assessment(
        session,
        agencies=WITH_PARENT,
        case_officer=officer,
        requested_on=TODAY - timedelta(days=requested_days_ago),
    )
    agree_assessment(session, assessment, decided_on=assessment.requested_on, now=NOW, actor="test")
    at = NOW - timedelta(days=10)
    mark_sent(assessment, at)
    session.commit()
    return assessment


def health(assessment: Assessment) -> AdviceRequest:
    return request_for(assessment, Agency.HEALTH)


# --- Impossible dates (point 7) --------------------------------------------------------------


def test_a_birth_in_2031_a_request_in_2030_and_a_blank_name_are_named_at_once(
    signed_in: FlaskClient, session: Any
) -> None:
    data = new_assessment(
        given_names="",
        **dated("date_of_birth", date(2031, 1, 5)),
        **dated("requested_on", date(2030, 6, 1)),
    )
    response = submit(signed_in, "/assessments/new", data)
    assert response.status_code == 400
    assert summary(response) == {
        "#given_names": "Enter the child's given names",
        "#date_of_birth-day": "The date of birth must be today or in the past",
        "#requested_on-day": REQUEST_NOT_YET,
    }
    soup = parse_page(response.data)
    assert soup.find(id="date_of_birth-year")["value"] == "2031"
    assert saved(session) == 0


def test_a_young_person_aged_25_on_the_request_date_is_refused(
    signed_in: FlaskClient, session: Any
) -> None:
    turned_25 = date(TODAY.year - 25, TODAY.month, min(TODAY.day, 28))
    response = submit(
        signed_in, "/assessments/new", new_assessment(**dated("date_of_birth", turned_25))
    )
    assert response.status_code == 400
    message = summary(response)["#date_of_birth-day"]
    assert message.startswith("The child or young person must be under 25 on the date")
    assert saved(session) == 0


def test_a_birth_after_the_request_is_refused(signed_in: FlaskClient, session: Any) -> None:
    data = new_assessment(
        **dated("date_of_birth", TODAY), **dated("requested_on", TODAY - timedelta(days=3))
    )
    response = submit(signed_in, "/assessments/new", data)
    assert response.status_code == 400
    assert (
        "must be on or before the date the council received the request"
        in summary(response)["#date_of_birth-day"]
    )
    assert saved(session) == 0


def test_no_contributor_is_named_with_the_other_mistakes_in_plain_words(
    signed_in: FlaskClient, session: Any
) -> None:
    blank_row = {f"contributors-0-{part}": "" for part in ("name", "email", "organisation", "role")}
    data = new_assessment(**blank_row, **dated("requested_on", TODAY + timedelta(days=1)))
    response = submit(signed_in, "/assessments/new", data)
    assert response.status_code == 400
    assert summary(response) == {
        "#requested_on-day": REQUEST_NOT_YET,
        "#contributors-0-name": "Enter the details of at least one person to ask for advice",
    }
    soup = parse_page(response.data)
    (inline,) = soup.select("form .govuk-error-message:-soup-contains('at least one person')")
    assert "Error:" in inline.get_text()
    assert saved(session) == 0


def test_a_decision_before_the_request_is_refused_on_the_assessment_page(
    signed_in: FlaskClient, session: Any
) -> None:
    assessment = make_assessment(
        session, agencies=WITH_PARENT, requested_on=TODAY - timedelta(days=5)
    )
    session.commit()
    url = f"/assessments/{assessment.id}"
    response = submit(
        signed_in, f"{url}/agree", dated("decided_on", TODAY - timedelta(days=6)), url
    )
    assert response.status_code == 400
    assert summary(response)["#decided_on-day"].startswith(
        "The date of the decision must be on or after the date the council received the request"
    )
    assert fresh(session).get_one(Assessment, assessment.id).status == AssessmentStatus.REQUESTED


def reuse_data(**overrides: str) -> dict[str, str]:
    return {
        "agency": "educational_psychology",
        "description": "EP report of 3 March",
        "author_name": "Dr Amal Reid",
        **dated("advice_dated", TODAY - timedelta(days=60)),
        **dated("author_agreed_on", TODAY),
        **dated("la_agreed_on", TODAY),
        **dated("family_agreed_on", TODAY),
        "family_agreed_by": "Jo Taylor-Brown",
        "replaced_request": "",
    } | overrides


def test_reuse_dates_are_named_with_the_other_mistakes(
    signed_in: FlaskClient, session: Any, officer: Any
) -> None:
    assessment = running(session, officer)
    before_birth = assessment.child_date_of_birth - timedelta(days=1)
    data = reuse_data(
        author_name="",
        **dated("advice_dated", before_birth),
        **dated("family_agreed_on", TODAY + timedelta(days=1)),
    )
    response = submit(signed_in, f"/assessments/{assessment.id}/reuse", data)
    assert response.status_code == 400
    assert summary(response) == {
        "#author_name": "Enter the author's name",
        "#advice_dated-day": (
            "The date of the advice must be on or after the child's date of birth, 3 May 2016"
        ),
        "#family_agreed_on-day": (
            "The date the parent or young person agreed must be today or in the past"
        ),
    }
    assert fresh(session).scalars(select(AdviceReuse)).all() == []


def test_an_exception_ending_before_it_starts_is_named_with_the_other_mistakes(
    signed_in: FlaskClient, session: Any, officer: Any
) -> None:
    assessment = running(session, officer)
    data = {
        "reason": "exceptional_circumstances",
        "details": "",
        **dated("starts_on", TODAY),
        **dated("ends_on", TODAY - timedelta(days=1)),
    }
    url = f"/assessments/{assessment.id}/requests/{health(assessment).id}/exception"
    response = submit(signed_in, url, data)
    assert response.status_code == 400
    assert summary(response) == {
        "#details": "Enter the details of the exception",
        "#ends_on-day": "The end date cannot be before the start date",
    }
    response = submit(
        signed_in, f"/assessments/{assessment.id}/exception", {**data, "reason": "family_away"}
    )
    assert summary(response) == {
        "#details": "Enter the details of the exception",
        "#ends_on-day": "The end date cannot be before the start date",
    }
    assert fresh(session).scalars(select(AssessmentException)).all() == []


# --- The law's guard-rails (point 8) --------------------------------------------------------


def test_a_late_decision_asks_for_the_reason_then_shows_it_beside_the_warning(
    signed_in: FlaskClient, session: Any, officer: Any
) -> None:
    assessment = make_assessment(
        session, agencies=WITH_PARENT, case_officer=officer, requested_on=TODAY - timedelta(weeks=7)
    )
    session.commit()
    url = f"/assessments/{assessment.id}"
    asked = submit(signed_in, f"{url}/agree", dated("decided_on", TODAY), url)
    assert asked.status_code == 200
    soup = parse_page(asked.data)
    warning = text_of(soup.select_one("#confirm-warnings"))
    assert "is after its 6-week limit" in warning and "regulation 5(1)" in warning
    assert soup.find("input", attrs={"name": "confirm_warnings"})["value"] == "late_decision"
    assert fresh(session).get_one(Assessment, assessment.id).status == AssessmentStatus.REQUESTED

    confirm = {**dated("decided_on", TODAY), "confirm_warnings": "late_decision"}
    no_reason = signed_in.post(
        f"{url}/agree", data={"csrf_token": csrf_of(asked.data), **confirm, "warning_reason": ""}
    )
    assert no_reason.status_code == 400
    assert summary(no_reason) == {REASON_FIELD: "Enter why you are going ahead despite the warning"}
    assert fresh(session).get_one(Assessment, assessment.id).status == AssessmentStatus.REQUESTED

    reason = "The panel could not meet over the summer closure"
    done = signed_in.post(
        f"{url}/agree",
        data={"csrf_token": csrf_of(asked.data), **confirm, "warning_reason": reason},
    )
    assert done.status_code == 302
    agreed = fresh(session).scalar(
        select(AuditEvent).where(AuditEvent.action == "assessment.agreed")
    )
    assert agreed.detail["warning_reason"] == reason
    soup = parse_page(signed_in.get(url).data)
    (item,) = soup.select(".app-warnings li")
    assert item.select_one(".govuk-tag").get_text(strip=True) == "Warning"
    assert "after its 6-week limit" in text_of(item)
    assert f"Reason given by {officer.name}" in text_of(item) and reason in text_of(item)
    listing = parse_page(signed_in.get("/assessments").data)
    assert "Warning Decision after 6 weeks" in text_of(listing.select_one("tbody tr"))


def test_what_was_typed_as_the_reason_is_kept_when_another_mistake_is_shown(
    signed_in: FlaskClient, session: Any, officer: Any
) -> None:
    assessment = make_assessment(
        session, agencies=WITH_PARENT, requested_on=TODAY - timedelta(weeks=7)
    )
    session.commit()
    url = f"/assessments/{assessment.id}"
    # The date left out this time: that mistake is shown, and the reason typed is kept.
    data = {"confirm_warnings": "late_decision", "warning_reason": "Panel met late"}
    response = submit(signed_in, f"{url}/agree", data, url)
    assert response.status_code == 400
    soup = parse_page(response.data)
    assert soup.find(id="warning_reason").get_text() == "Panel met late"
    assert soup.find("input", attrs={"name": "confirm_warnings"})["value"] == "late_decision"
    assert "Decision after 6 weeks" in text_of(soup.select_one("#confirm-warnings"))


def test_an_extension_past_the_final_plan_asks_for_the_reason_then_shows_it(
    signed_in: FlaskClient, session: Any, officer: Any
) -> None:
    assessment = running(session, officer)
    advice_request = health(assessment)
    final = assessment_milestones(assessment.requested_on).final_due
    url = f"/assessments/{assessment.id}/requests/{advice_request.id}/extend"
    data = {**dated("new_due_on", final + timedelta(days=7)), "reason": "The clinic is closed"}
    asked = submit(signed_in, url, data)
    assert asked.status_code == 200
    warning = text_of(parse_page(asked.data).select_one("#confirm-warnings"))
    assert "after the final plan is due" in warning
    assert fresh(session).get_one(AdviceRequest, advice_request.id).extended_due_on is None

    reason = "Agreed with the DCO: no other paediatrician can see the child sooner"
    confirm = {**data, "confirm_warnings": "advice_after_final_plan", "warning_reason": reason}
    done = signed_in.post(url, data={"csrf_token": csrf_of(asked.data), **confirm})
    assert done.status_code == 303
    assert fresh(session).get_one(
        AdviceRequest, advice_request.id
    ).extended_due_on == final + timedelta(days=7)
    item = parse_page(signed_in.get(f"/assessments/{assessment.id}").data).select_one(
        ".app-warnings li"
    )
    assert "Warning" in text_of(item) and "after the final plan is due" in text_of(item)
    assert reason in text_of(item)
    listing = text_of(parse_page(signed_in.get("/assessments").data))
    assert "Warning Advice due after the final plan" in listing


def test_an_extension_within_the_final_plan_asks_nothing(
    signed_in: FlaskClient, session: Any, officer: Any
) -> None:
    assessment = running(session, officer)
    url = f"/assessments/{assessment.id}/requests/{health(assessment).id}/extend"
    data = {**dated("new_due_on", TODAY + timedelta(days=40)), "reason": "The clinic is closed"}
    assert submit(signed_in, url, data).status_code == 303


def test_an_assessment_that_asks_no_parent_is_warned_on_its_page_and_in_the_list(
    signed_in: FlaskClient, session: Any, officer: Any
) -> None:
    without = make_assessment(session, agencies=FOUR_AGENCIES, family_name="Without")
    make_assessment(session, agencies=WITH_PARENT, family_name="With")
    session.commit()
    (item,) = parse_page(signed_in.get(f"/assessments/{without.id}").data).select(
        ".app-warnings li"
    )
    assert "The parent or young person is not among those asked" in text_of(item)
    assert "6(1)(a)" in text_of(item)
    rows = {
        text_of(row.select("td")[1]): text_of(row)
        for row in parse_page(signed_in.get("/assessments").data).select("tbody tr")
    }
    assert "Warning Parent or young person not asked" in rows["Sam Without"]
    assert "Warning" not in rows["Sam With"]


def test_advice_due_after_the_draft_plan_is_tagged(
    signed_in: FlaskClient, session: Any, officer: Any
) -> None:
    # Requested 100 days ago: the draft plan is due in 12 days, the advice in 32.
    assessment = running(session, officer, requested_days_ago=100)
    page = parse_page(signed_in.get(f"/assessments/{assessment.id}").data)
    texts = [text_of(li) for li in page.select(".app-warnings li")]
    after_draft = [t for t in texts if "after the draft plan is due" in t]
    assert len(after_draft) == len(WITH_PARENT)
    assert any("Health Contributor" in t for t in after_draft)
    listing = text_of(parse_page(signed_in.get("/assessments").data))
    assert listing.count("Advice due after the draft plan") == 1  # one tag per kind


# --- The list stays one fixed set of statements ----------------------------------------------


def add_assessments(session: Any, officer: Any, n: int) -> None:
    for i in range(n):
        assessment = running(session, officer, requested_days_ago=100 + i)
        session.add(
            AssessmentException(
                assessment=assessment,
                reason="family_circumstances",
                details="Illness",
                starts_on=assessment.requested_on + timedelta(days=2),
                ends_on=assessment.requested_on + timedelta(days=4),
                recorded_at=NOW,
                recorded_by="test",
                recorded_by_name="Olu",
            )
        )
        make_assessment(session, agencies=FOUR_AGENCIES, family_name=f"Family{i}")
    session.commit()


def test_the_list_sends_as_many_statements_for_many_assessments_as_for_one(
    signed_in: FlaskClient, session: Any, officer: Any, svc: Any
) -> None:
    add_assessments(session, officer, 1)
    with statements(svc.engine) as few:
        assert signed_in.get("/assessments").status_code == 200
    add_assessments(session, officer, 6)
    with statements(svc.engine) as many:
        page = signed_in.get("/assessments")
    assert page.status_code == 200
    assert text_of(parse_page(page.data)).count("Parent or young person not asked") == 7
    assert len(many) == len(few), "\n".join(many)
