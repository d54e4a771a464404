"""Red, amber or green against the 20-week track: one rule, read in Python for one assessment
and as a SQL expression for lists, counts and reports, so that both always agree.

An open assessment is **late** (red) once a milestone it has not met is past: the decision
whether to assess after week 6, the decision whether to issue a plan (or the draft plan)
after week 16, the final plan after week 20. It is **at risk** (amber) when such a milestone
falls within the next two weeks, or when advice it is waiting for is overdue. It is **on
hold** while an assessment exception holds its milestones, and **on track** (green)
otherwise. A closed assessment is on no track.
"""

from __future__ import annotations

import enum
from datetime import date, timedelta

from sqlalchemy import (
    BindParameter,
    ColumnElement,
    and_,
    bindparam,
    case,
    exists,
    func,
    literal,
    or_,
    select,
)

from advice_hub.models import (
    CLOSED_STATUSES,
    AdviceRequest,
    Assessment,
    AssessmentStatus,
)

WARNING_AHEAD = timedelta(days=14)


class Track(enum.StrEnum):
    ON_TRACK = "green"
    AT_RISK = "amber"
    LATE = "red"
    ON_HOLD = "on_hold"

    @property
    def label(self) -> str:
        return {
            "green": "On track",
            "amber": "At risk",
            "red": "Late",
            "on_hold": "On hold",
        }[self.value]


def _unmet(assessment: Assessment) -> list[date | None]:
    """The due dates of the milestones the assessment has not met yet."""
    due: list[date | None] = []
    if assessment.decided_on is None:
        due.append(assessment.decision_due_on)
    if assessment.plan_decided_on is None and assessment.draft_plan_sent_on is None:
        due.append(assessment.draft_due_on)
    if assessment.final_plan_issued_on is None:
        due.append(assessment.final_due_on)
    return due


def track_of(assessment: Assessment, *, today: date, advice_overdue: bool) -> Track | None:
    """Where one assessment stands; ``advice_overdue`` when an open request is past its date."""
    if assessment.status == AssessmentStatus.CLOSED:
        return None
    if assessment.final_due_on is None:
        return Track.ON_HOLD
    unmet = [due for due in _unmet(assessment) if due is not None]
    if any(today > due for due in unmet):
        return Track.LATE
    if advice_overdue or any(due <= today + WARNING_AHEAD for due in unmet):
        return Track.AT_RISK
    return Track.ON_TRACK


# The closed statuses, written into the SQL rather than bound: PostgreSQL reads the open
# requests from a partial index (``WHERE status NOT IN (...)``, ``models.OPEN_REQUEST_CONDITION``)
# only for a statement it can see meets the index's condition, and it cannot see the values
# bound to a prepared statement.
CLOSED_STATUSES_IN_SQL: BindParameter[list[str]] = bindparam(
    "closed_statuses", sorted(str(s) for s in CLOSED_STATUSES), expanding=True, literal_execute=True
)


def advice_overdue_clause(today: date) -> ColumnElement[bool]:
    """An open advice request of the assessment is past the date it is now expected."""
    return exists(
        select(AdviceRequest.id).where(
            AdviceRequest.assessment_id == Assessment.id,
            AdviceRequest.status.not_in(CLOSED_STATUSES_IN_SQL),
            func.coalesce(AdviceRequest.extended_due_on, AdviceRequest.due_on) < today,
        )
    )


def _unmet_clauses(before: date) -> ColumnElement[bool]:
    """A milestone not yet met falls before ``before``."""
    return or_(
        and_(Assessment.decided_on.is_(None), Assessment.decision_due_on < before),
        and_(
            Assessment.plan_decided_on.is_(None),
            Assessment.draft_plan_sent_on.is_(None),
            Assessment.draft_due_on < before,
        ),
        and_(Assessment.final_plan_issued_on.is_(None), Assessment.final_due_on < before),
    )


def track_expression(today: date) -> ColumnElement[str | None]:
    """``track_of`` as a SQL expression over ``Assessment``: a Track value, or NULL."""
    return case(
        (Assessment.status == str(AssessmentStatus.CLOSED), literal(None)),
        (Assessment.final_due_on.is_(None), literal(Track.ON_HOLD.value)),
        (_unmet_clauses(today), literal(Track.LATE.value)),
        (
            or_(
                _unmet_clauses(today + WARNING_AHEAD + timedelta(days=1)),
                advice_overdue_clause(today),
            ),
            literal(Track.AT_RISK.value),
        ),
        else_=literal(Track.ON_TRACK.value),
    )
