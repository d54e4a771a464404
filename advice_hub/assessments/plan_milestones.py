"""The council's milestones after the assessment, recorded as they happen: the decision
whether to issue an EHC plan (reg 10), the draft plan sent (reg 13(1)) and the final plan
issued (reg 13(2)), each with its date and audited.

The 20-week figures (``reports``) are computed from these dates, never typed in. Each comes
after the one before: the decision to assess, then the decision whether to issue, then the
draft, then the final plan. A decision not to issue, and the final plan, close the
assessment (``close_assessment``), so nothing is chased any more. Until the next milestone is
recorded an officer may correct a date; the audit log keeps what it was before.
"""

from __future__ import annotations

import enum
from collections.abc import Callable
from datetime import date, datetime
from typing import Any

from sqlalchemy.orm import Session

from advice_hub.assessments.assessment_actions import close_assessment
from advice_hub.assessments.checks import OfficerActionError, lock_assessment, required_date
from advice_hub.assessments.confirmations import Confirmation, confirmed
from advice_hub.assessments.guard_rails import final_before_comments
from advice_hub.deadlines import london_date
from advice_hub.display import long_date
from advice_hub.models import Assessment, AssessmentStatus, ClosureReason, PlanDecision
from advice_hub.sealing.audit import record_event


class Milestone(enum.StrEnum):
    PLAN_DECISION = "plan_decision"
    DRAFT_PLAN_SENT = "draft_plan_sent"
    FINAL_PLAN_ISSUED = "final_plan_issued"


def _checked_day(
    value: date | None, *, after: date | None, after_what: str, now: datetime, what: str
) -> date:
    day = required_date(value, field="on", what=f"the date {what}")
    if day > london_date(now):
        raise OfficerActionError(f"The date {what} must be today or in the past", field="on")
    if after is not None and day < after:
        raise OfficerActionError(
            f"The date {what} cannot be before {after_what}, {long_date(after)}", field="on"
        )
    return day


def _not_agreed(assessment: Assessment) -> str | None:
    if assessment.status != AssessmentStatus.AGREED or assessment.decided_on is None:
        return "Record the decision to assess first: the plan milestones come after it"
    return None


# Why each milestone cannot be recorded now, if it cannot: the pages ask before they show a
# form, and recording it refuses with the same words.
def plan_decision_refusal(assessment: Assessment) -> str | None:
    if why := _not_agreed(assessment):
        return why
    if assessment.draft_plan_sent_on is not None:
        return "The draft plan is already sent: the decision cannot change"
    return None


def draft_plan_refusal(assessment: Assessment) -> str | None:
    if why := _not_agreed(assessment):
        return why
    if assessment.plan_decision != PlanDecision.ISSUE or assessment.plan_decided_on is None:
        return "Record the decision to issue a plan first: the draft comes after it"
    return None


def final_plan_refusal(assessment: Assessment) -> str | None:
    if why := _not_agreed(assessment):
        return why
    if assessment.draft_plan_sent_on is None:
        return "Record the draft plan sent first: the final plan follows it"
    return None


def _lock_unless_refused(
    session: Session, assessment: Assessment, refusal: Callable[[Assessment], str | None]
) -> None:
    lock_assessment(session, assessment)  # refuses a closed assessment
    if (why := refusal(assessment)) is not None:
        raise OfficerActionError(why)


def _event(
    session: Session,
    assessment: Assessment,
    action: str,
    *,
    now: datetime,
    actor: str,
    **detail: Any,
) -> None:
    record_event(session, actor=actor, action=action, now=now, assessment=assessment, **detail)


def record_plan_decision(
    session: Session,
    assessment: Assessment,
    *,
    decision: PlanDecision | str,
    decided_on: date | None,
    now: datetime,
    actor: str,
) -> Assessment:
    """Record whether the council will issue a plan, and when it decided. A decision not to
    issue closes the assessment. Refused once the draft plan is recorded as sent."""
    _lock_unless_refused(session, assessment, plan_decision_refusal)
    try:
        chosen = PlanDecision(decision)
    except ValueError as exc:
        raise OfficerActionError(
            "Choose whether the council will issue an EHC plan", field="decision"
        ) from exc
    day = _checked_day(
        decided_on,
        after=assessment.decided_on,
        after_what="the decision to assess",
        now=now,
        what="of the decision",
    )
    previous = (assessment.plan_decision, assessment.plan_decided_on)
    assessment.plan_decision = chosen.value
    assessment.plan_decided_on = day
    _event(
        session,
        assessment,
        "assessment.plan_decision_recorded",
        now=now,
        actor=actor,
        decision=chosen.value,
        decided_on=day.isoformat(),
        previous_decision=previous[0],
        previous_decided_on=previous[1].isoformat() if previous[1] else None,
    )
    if chosen is PlanDecision.NOT_ISSUE:
        close_assessment(
            session,
            assessment,
            reason=ClosureReason.NOT_ISSUING,
            now=now,
            actor=actor,
            from_milestone=True,
        )
    return assessment


def record_draft_plan_sent(
    session: Session,
    assessment: Assessment,
    *,
    sent_on: date | None,
    now: datetime,
    actor: str,
) -> Assessment:
    """Record the day the draft plan went to the parent or young person."""
    _lock_unless_refused(session, assessment, draft_plan_refusal)
    assert assessment.plan_decided_on is not None  # draft_plan_refusal holds it
    day = _checked_day(
        sent_on,
        after=assessment.plan_decided_on,
        after_what="the decision to issue a plan",
        now=now,
        what="the draft plan was sent",
    )
    previous = assessment.draft_plan_sent_on
    assessment.draft_plan_sent_on = day
    _event(
        session,
        assessment,
        "assessment.draft_plan_sent",
        now=now,
        actor=actor,
        sent_on=day.isoformat(),
        previous_sent_on=previous.isoformat() if previous else None,
    )
    return assessment


def record_final_plan_issued(
    session: Session,
    assessment: Assessment,
    *,
    issued_on: date | None,
    now: datetime,
    actor: str,
    confirmation: Confirmation | None = None,
) -> Assessment:
    """Record the day the final plan was issued, which closes the assessment. Before the 15
    days for comments on the draft end, the officer confirms why (``confirmations``)."""
    _lock_unless_refused(session, assessment, final_plan_refusal)
    assert assessment.draft_plan_sent_on is not None  # final_plan_refusal holds it
    day = _checked_day(
        issued_on,
        after=assessment.draft_plan_sent_on,
        after_what="the draft plan was sent",
        now=now,
        what="the final plan was issued",
    )
    warned = confirmed(final_before_comments(assessment.draft_plan_sent_on, day), confirmation)
    assessment.final_plan_issued_on = day
    _event(
        session,
        assessment,
        "assessment.final_plan_issued",
        now=now,
        actor=actor,
        issued_on=day.isoformat(),
        **warned,
    )
    close_assessment(
        session,
        assessment,
        reason=ClosureReason.PLAN_ISSUED,
        now=now,
        actor=actor,
        from_milestone=True,
    )
    return assessment
