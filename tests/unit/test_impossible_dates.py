"""Dates that cannot be true are refused, every one at once, each naming its input: the pure
rules in `advice_hub.assessments.dates` and the domain functions that apply them."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from advice_hub.assessments.assessment_actions import ExistingAdvice, record_reuse
from advice_hub.assessments.checks import OfficerActionError
from advice_hub.assessments.dates import (
    DateProblem,
    age_on,
    assessment_date_problems,
    decision_date_problems,
    exception_period_problems,
    reuse_agreements,
    reuse_date_problems,
)
from advice_hub.assessments.recording import (
    AssessmentError,
    ChildDetails,
    agree_assessment,
    create_assessment,
)
from advice_hub.deadlines import london_date
from advice_hub.models import AdviceReuse, Agency, Assessment, AssessmentStatus, utcnow
from tests.factories import casework_team, contributor, make_assessment

NOW = utcnow()
TODAY = london_date(NOW)
A_DAY = timedelta(days=1)


def test_a_birth_in_2031_and_a_request_in_2030_are_both_refused_at_once() -> None:
    problems = assessment_date_problems(
        date_of_birth=date(2031, 1, 5), requested_on=date(2030, 6, 1), today=date(2026, 12, 1)
    )
    assert problems == [
        DateProblem("child.date_of_birth", "The date of birth must be today or in the past"),
        DateProblem(
            "requested_on",
            "The date the council received the request must be today or in the past",
        ),
    ]


def test_a_birth_after_the_request_is_refused_naming_the_date_of_birth() -> None:
    (problem,) = assessment_date_problems(
        date_of_birth=date(2024, 1, 11), requested_on=date(2024, 1, 10), today=TODAY
    )
    assert problem == DateProblem(
        "child.date_of_birth",
        "The date of birth must be on or before the date the council received the request, "
        "10 January 2024",
    )


def test_a_young_person_must_be_under_25_on_the_day_the_request_was_received() -> None:
    requested_on = date(2026, 3, 10)
    turned_25 = date(2001, 3, 10)
    (problem,) = assessment_date_problems(
        date_of_birth=turned_25, requested_on=requested_on, today=TODAY
    )
    assert problem.field == "child.date_of_birth"
    assert problem.message.startswith("The child or young person must be under 25")
    a_day_short_of_25 = turned_25 + A_DAY
    assert (
        assessment_date_problems(
            date_of_birth=a_day_short_of_25, requested_on=requested_on, today=TODAY
        )
        == []
    )


def test_age_counts_completed_years_and_a_leap_day_birthday_comes_on_1_march() -> None:
    assert age_on(date(2010, 6, 15), date(2026, 6, 14)) == 15
    assert age_on(date(2010, 6, 15), date(2026, 6, 15)) == 16
    assert age_on(date(2004, 2, 29), date(2029, 2, 28)) == 24
    assert age_on(date(2004, 2, 29), date(2029, 3, 1)) == 25


def test_a_date_not_read_is_left_to_the_form_and_the_other_is_still_checked() -> None:
    (problem,) = assessment_date_problems(
        date_of_birth=None, requested_on=TODAY + A_DAY, today=TODAY
    )
    assert problem.field == "requested_on"
    assert assessment_date_problems(date_of_birth=None, requested_on=None, today=TODAY) == []


@pytest.mark.parametrize(
    ("decided_on", "message"),
    [
        (date(2026, 4, 30), "on or after the date the council received the request, 1 May 2026"),
        (date(2026, 7, 2), "must be today or in the past"),
    ],
    ids=["before-the-request", "in-the-future"],
)
def test_a_decision_before_the_request_or_in_the_future_is_refused(
    decided_on: date, message: str
) -> None:
    (problem,) = decision_date_problems(
        decided_on=decided_on, requested_on=date(2026, 5, 1), today=date(2026, 7, 1)
    )
    assert problem.field == "decided_on"
    assert message in problem.message


def test_reused_advice_cannot_be_older_than_the_child_nor_agreed_in_the_future() -> None:
    born = date(2016, 5, 3)
    problems = reuse_date_problems(
        advice_dated=born - A_DAY,
        agreements=reuse_agreements(
            author_agreed_on=TODAY + A_DAY, la_agreed_on=TODAY, family_agreed_on=TODAY
        ),
        date_of_birth=born,
        today=TODAY,
    )
    assert problems == [
        DateProblem(
            "advice_dated",
            "The date of the advice must be on or after the child's date of birth, 3 May 2016",
        ),
        DateProblem("author_agreed_on", "The date the author agreed must be today or in the past"),
    ]


def test_an_exception_period_is_checked_as_a_whole() -> None:
    start = date(2026, 3, 2)
    assert exception_period_problems(start, start - A_DAY, at_least_four_weeks=False) == [
        DateProblem("ends_on", "The end date cannot be before the start date")
    ]
    three_weeks_six_days = start + timedelta(days=26)
    (short,) = exception_period_problems(start, three_weeks_six_days, at_least_four_weeks=True)
    assert short.field == "ends_on" and "4 weeks or more" in short.message
    assert exception_period_problems(start, three_weeks_six_days, at_least_four_weeks=False) == []
    four_weeks = start + timedelta(days=27)  # both days counted
    assert exception_period_problems(start, four_weeks, at_least_four_weeks=True) == []


# --- The domain refuses them, every caller alike ---------------------------------------------


def test_recording_an_assessment_refuses_every_impossible_date_and_saves_nothing(
    session: Session,
) -> None:
    with pytest.raises(AssessmentError) as refused:
        create_assessment(
            session,
            child=ChildDetails("Riley", "Okafor", TODAY + timedelta(days=365 * 5), 4),
            requested_on=TODAY + timedelta(days=365 * 4),
            contributors=[contributor(Agency.EDUCATION)],
            now=NOW,
            actor="test",
            team=casework_team(session),
        )
    assert [p.field for p in refused.value.problems] == ["child.date_of_birth", "requested_on"]
    session.rollback()
    assert session.scalar(select(func.count()).select_from(Assessment)) == 0


def test_recording_the_decision_before_the_request_is_refused_and_sends_nothing(
    session: Session,
) -> None:
    assessment = make_assessment(session, requested_on=TODAY - timedelta(days=5))
    session.commit()
    with pytest.raises(AssessmentError) as refused:
        agree_assessment(
            session, assessment, decided_on=TODAY - timedelta(days=6), now=NOW, actor="test"
        )
    assert refused.value.field == "decided_on"
    assert assessment.status == AssessmentStatus.REQUESTED
    assert assessment.advice_requests == []


def test_reuse_refuses_every_impossible_date_of_the_advice_at_once(session: Session) -> None:
    assessment = make_assessment(session, agreed=True)
    session.commit()
    advice = ExistingAdvice(
        agency=Agency.EDUCATIONAL_PSYCHOLOGY,
        description="EP report",
        author_name="Dr Amal Reid",
        advice_dated=assessment.child_date_of_birth - A_DAY,
        author_agreed_on=TODAY,
        la_agreed_on=TODAY + A_DAY,
        family_agreed_on=TODAY + A_DAY,
        family_agreed_by="Jo Taylor-Brown (mother)",
    )
    with pytest.raises(OfficerActionError) as refused:
        record_reuse(session, assessment, advice=advice, now=NOW, actor="test", actor_name="Olu")
    assert [p.field for p in refused.value.problems] == [
        "advice_dated",
        "la_agreed_on",
        "family_agreed_on",
    ]
    session.rollback()
    assert session.scalar(select(func.count()).select_from(AdviceReuse)) == 0
    fine = replace(advice, advice_dated=TODAY - timedelta(days=30), la_agreed_on=TODAY)
    fine = replace(fine, family_agreed_on=TODAY)
    record_reuse(session, assessment, advice=fine, now=NOW, actor="test", actor_name="Olu")
