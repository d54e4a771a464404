"""The law's guard-rails: what an officer is warned about, but not stopped from doing.

Each rule is a pure function over an assessment, its requests and its milestones:

- the parent or young person is not among those asked for advice, which reg 6(1)(a)
  requires (advice reused under reg 6(4) counts as asked);
- the decision to assess was made after its 6-week limit (reg 5(1));
- an extension moves a request's advice past the date the final plan is due (reg 13(2));
- advice still awaited is due after the date the draft plan is due (week 16);
- the final plan is issued before the parent's 15 days to comment on the draft end
  (reg 13(1)(a)): lawful only when they have already commented.

The first and the last follow from the assessment as it stands and are shown wherever it is.
The others are an officer's own act: the action asks them to confirm, with the reason,
before it goes ahead (``confirmations``), and the reason is kept with the warning.
"""

from __future__ import annotations

import enum
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from advice_hub.assessments.milestones import milestones_for
from advice_hub.deadlines import AdjustedMilestones, comments_due
from advice_hub.display import long_date
from advice_hub.models import (
    CLOSED_STATUSES,
    AdviceRequest,
    AdviceReuse,
    Agency,
    Assessment,
    AssessmentStatus,
    RequestStatus,
)

# Reg 6(1)(a): the child's parent, or the young person.
PARENT_AGENCIES = frozenset({Agency.PARENT_CARER.value, Agency.YOUNG_PERSON.value})


class WarningKind(enum.StrEnum):
    PARENT_NOT_ASKED = "parent_not_asked"
    LATE_DECISION = "late_decision"
    ADVICE_AFTER_FINAL_PLAN = "advice_after_final_plan"
    ADVICE_AFTER_DRAFT_PLAN = "advice_after_draft_plan"
    FINAL_BEFORE_COMMENTS = "final_before_comments"

    @property
    def label(self) -> str:
        """A few words for a list of assessments."""
        return {
            "parent_not_asked": "Parent or young person not asked",
            "late_decision": "Decision after 6 weeks",
            "advice_after_final_plan": "Advice due after the final plan",
            "advice_after_draft_plan": "Advice due after the draft plan",
            "final_before_comments": "Final plan before the comments period ended",
        }[self.value]


@dataclass(frozen=True)
class GuardRailWarning:
    """One warning: what it is, the sentence that says why, and the request it is about."""

    kind: WarningKind
    message: str
    advice_request_id: uuid.UUID | None = None

    @property
    def label(self) -> str:
        return self.kind.label


def _who(advice_request: AdviceRequest) -> str:
    return f"{advice_request.contributor.name} ({advice_request.agency_label.lower()})"


def parent_not_asked(
    assessment: Assessment, *, reused_agencies: Iterable[str] = ()
) -> list[GuardRailWarning]:
    """Warn when no parent or young person is asked: none among the contributors, or each
    one's request withdrawn, and no advice of theirs reused."""
    withdrawn = {
        r.contributor_id for r in assessment.advice_requests if r.status == RequestStatus.WITHDRAWN
    }
    asked = any(
        c.agency in PARENT_AGENCIES and c.id not in withdrawn for c in assessment.contributors
    )
    if asked or PARENT_AGENCIES.intersection(reused_agencies):
        return []
    return [
        GuardRailWarning(
            WarningKind.PARENT_NOT_ASKED,
            "The parent or young person is not among those asked for advice. Regulation "
            "6(1)(a) requires the council to seek their advice and information: add them as "
            "a contributor",
        )
    ]


def late_decision(decided_on: date, milestones: AdjustedMilestones) -> list[GuardRailWarning]:
    """Warn when the decision to assess was made after its 6-week limit (reg 5(1)), moved by
    any exception; none while an exception holds it."""
    due = milestones.decision_due
    if due is None or decided_on <= due:
        return []
    return [
        GuardRailWarning(
            WarningKind.LATE_DECISION,
            f"The decision to assess, on {long_date(decided_on)}, is after its 6-week limit, "
            f"{long_date(due)} (regulation 5(1))",
        )
    ]


def final_before_comments(draft_sent_on: date, issued_on: date) -> list[GuardRailWarning]:
    """Warn when the final plan is issued before the 15 days for comments on the draft end."""
    last_day = comments_due(draft_sent_on)
    if issued_on > last_day:
        return []
    return [
        GuardRailWarning(
            WarningKind.FINAL_BEFORE_COMMENTS,
            f"The final plan, on {long_date(issued_on)}, is issued before the 15 days for "
            f"comments on the draft end on {long_date(last_day)} (regulation 13(1)(a)): go "
            "ahead only if the parent or young person has already commented",
        )
    ]


def advice_after_final_plan(
    advice_request: AdviceRequest, due_on: date, milestones: AdjustedMilestones
) -> list[GuardRailWarning]:
    """Warn when the request's advice would be due (``due_on``) after the final plan is."""
    final = milestones.final_due
    if final is None or due_on <= final:
        return []
    return [
        GuardRailWarning(
            WarningKind.ADVICE_AFTER_FINAL_PLAN,
            f"Advice from {_who(advice_request)} is due on {long_date(due_on)}, after the "
            f"final plan is due on {long_date(final)} (20 weeks, regulation 13(2))",
            advice_request.id,
        )
    ]


def _advice_after_draft_plan(
    advice_request: AdviceRequest, due_on: date, milestones: AdjustedMilestones
) -> list[GuardRailWarning]:
    draft = milestones.draft_due
    if draft is None or due_on <= draft:
        return []
    return [
        GuardRailWarning(
            WarningKind.ADVICE_AFTER_DRAFT_PLAN,
            f"Advice from {_who(advice_request)} is due on {long_date(due_on)}, after the "
            f"draft plan is due on {long_date(draft)} (16 weeks): the draft cannot take it "
            "into account",
            advice_request.id,
        )
    ]


def assessment_warnings(
    assessment: Assessment,
    *,
    milestones: AdjustedMilestones,
    reused_agencies: Iterable[str] = (),
) -> list[GuardRailWarning]:
    """Every warning the assessment as it stands gives, the assessment's own first."""
    warnings = parent_not_asked(assessment, reused_agencies=reused_agencies)
    if assessment.decided_on is not None:
        warnings += late_decision(assessment.decided_on, milestones)
    for advice_request in assessment.advice_requests:
        due = advice_request.effective_due_on
        if due is None or advice_request.status == RequestStatus.WITHDRAWN:
            continue
        # An extension the officer confirmed stays on record after the advice arrives.
        after_final = (
            advice_after_final_plan(advice_request, due, milestones)
            if advice_request.extended_due_on is not None
            else []
        )
        warnings += after_final
        still_awaited = (
            advice_request.status not in CLOSED_STATUSES
            and assessment.status != AssessmentStatus.CLOSED
        )
        if still_awaited and not after_final:
            warnings += _advice_after_draft_plan(advice_request, due, milestones)
    return warnings


def warnings_for(
    session: Session, assessments: Sequence[Assessment]
) -> dict[uuid.UUID, list[GuardRailWarning]]:
    """Each assessment's warnings, in a fixed number of statements however many there are.

    The assessments' contributors and requests should already be loaded (``selectinload``).
    """
    ids = [assessment.id for assessment in assessments]
    reused: dict[uuid.UUID, set[str]] = {assessment_id: set() for assessment_id in ids}
    if ids:
        rows = session.execute(
            select(AdviceReuse.assessment_id, AdviceReuse.agency).where(
                AdviceReuse.assessment_id.in_(ids), AdviceReuse.agency.in_(PARENT_AGENCIES)
            )
        )
        for assessment_id, agency in rows:
            reused[assessment_id].add(agency)
    milestones = milestones_for(session, assessments)
    return {
        a.id: assessment_warnings(a, milestones=milestones[a.id], reused_agencies=reused[a.id])
        for a in assessments
    }
