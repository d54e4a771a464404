"""Red, amber and green against the 20-week track: the SQL expression and the Python rule
give the same answer for every case, and the names fold for search."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from sqlalchemy import select

from advice_hub.assessments.track import Track, track_expression, track_of
from advice_hub.deadlines import assessment_milestones
from advice_hub.models import Assessment, AssessmentStatus, RequestStatus, folded
from tests.factories import make_assessment

TODAY = date(2026, 12, 2)


def test_names_fold_without_accents_case_or_extra_spaces() -> None:
    assert folded("  Zoë   O'BRIEN ") == "zoe o'brien"
    assert folded("Łukasz") == "łukasz"  # a letter of its own, not an accent: kept
    assert folded("Renée-Søren") == "renee-søren"


def test_a_recorded_assessment_keeps_its_folded_names_and_statutory_milestones(
    session: Any,
) -> None:
    assessment = make_assessment(
        session, given_names="Zoë", family_name="Ábel", requested_on=date(2026, 1, 2)
    )
    assert (assessment.child_given_folded, assessment.child_family_folded) == ("zoe", "abel")
    assert (assessment.decision_due_on, assessment.draft_due_on, assessment.final_due_on) == (
        date(2026, 2, 13),
        date(2026, 4, 24),
        date(2026, 5, 22),
    )
    assessment.child_family_name = "Öztürk"
    assert assessment.child_family_folded == "ozturk"


CASES = [
    # (days since the request, decided, plan decided, final issued, advice overdue, expected)
    (10, False, False, False, False, Track.ON_TRACK),
    (29, False, False, False, False, Track.AT_RISK),  # decision due in 13 days
    (20, False, False, False, False, Track.ON_TRACK),
    (30, False, False, False, False, Track.AT_RISK),  # decision due in 12 days
    (43, False, False, False, False, Track.LATE),  # week-6 decision missed
    (43, True, False, False, False, Track.ON_TRACK),
    (43, True, False, False, True, Track.AT_RISK),  # advice overdue
    (100, True, False, False, False, Track.AT_RISK),  # week 16 in 12 days
    (113, True, False, False, False, Track.LATE),  # week 16 missed
    (113, True, True, False, False, Track.ON_TRACK),
    (130, True, True, False, False, Track.AT_RISK),  # week 20 in 10 days
    (141, True, True, False, False, Track.LATE),  # week 20 missed
    (141, True, True, True, False, Track.ON_TRACK),
]


@pytest.mark.parametrize(("days", "decided", "plan", "issued", "overdue", "expected"), CASES)
def test_the_sql_and_the_python_rule_agree(
    session: Any,
    days: int,
    decided: bool,
    plan: bool,
    issued: bool,
    overdue: bool,
    expected: Track,
) -> None:
    assessment = make_assessment(session, agreed=True)
    assert assessment.advice_requests
    milestones = assessment_milestones(TODAY - timedelta(days=days))
    assessment.decision_due_on = milestones.decision_due
    assessment.draft_due_on = milestones.draft_due
    assessment.final_due_on = milestones.final_due
    assessment.status = AssessmentStatus.AGREED
    assessment.decided_on = TODAY - timedelta(days=1) if decided else None
    assessment.plan_decided_on = TODAY - timedelta(days=1) if plan else None
    assessment.final_plan_issued_on = TODAY - timedelta(days=1) if issued else None
    for advice_request in assessment.advice_requests:
        advice_request.status = RequestStatus.SENT
        advice_request.due_on = TODAY - timedelta(days=1) if overdue else TODAY + timedelta(30)
    session.flush()
    in_sql = session.scalar(select(track_expression(TODAY)).where(Assessment.id == assessment.id))
    assert track_of(assessment, today=TODAY, advice_overdue=overdue) == expected
    assert in_sql == expected.value


def test_on_hold_and_closed(session: Any) -> None:
    held = make_assessment(session)
    held.final_due_on = None
    closed = make_assessment(session)
    closed.status = AssessmentStatus.CLOSED
    session.flush()
    rows = dict(
        session.execute(
            select(Assessment.id, track_expression(TODAY)).where(
                Assessment.id.in_([held.id, closed.id])
            )
        ).all()
    )
    assert rows == {held.id: Track.ON_HOLD.value, closed.id: None}
    assert track_of(held, today=TODAY, advice_overdue=False) is Track.ON_HOLD
    assert track_of(closed, today=TODAY, advice_overdue=False) is None
