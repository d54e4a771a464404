"""The lines of a case officer's work queue (``work_queue``), each built from what the queue
read: its kind, the case, the agency and contributor, what is wrong in a sentence, and the
actions that deal with it, the first the likeliest. Pure code over loaded rows.
"""

from __future__ import annotations

import enum
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from advice_hub.assessments.guard_rails import WarningKind
from advice_hub.assessments.track import WARNING_AHEAD, Track
from advice_hub.deadlines import london_date
from advice_hub.display import joined, long_date, plural
from advice_hub.models import (
    AdviceRequest,
    Assessment,
    AssessmentStatus,
    DeadlineReport,
    MessageKind,
    RequestStatus,
)


class LineKind(enum.StrEnum):
    OVERDUE = "overdue"
    MILESTONE = "milestones"
    EMAIL_FAILED = "failed-emails"
    DEADLINE_REPORT = "deadline-reports"
    UNREAD = "unread"
    DUE_SOON = "due-soon"
    WARNING = "warnings"

    @property
    def heading(self) -> str:
        return {
            "overdue": "Advice overdue",
            "milestones": "Late or at risk of missing week 6, 16 or 20",
            "failed-emails": "Emails that failed",
            "deadline-reports": "Contributors who say their advice will be late",
            "unread": "Advice arrived, not yet read",
            "due-soon": "Advice due in the next 7 days",
            "warnings": "Warnings",
        }[self.value]

    @property
    def empty(self) -> str:
        """What "nothing here" means."""
        return {
            "overdue": "Nothing is overdue on your cases.",
            "milestones": "None of your cases has missed week 6, 16 or 20, or is within "
            "two weeks of one not yet met.",
            "failed-emails": "No email about your cases has failed.",
            "deadline-reports": "No contributor has told you their advice will be late, "
            "or you have dealt with each who did.",
            "unread": "You have read all the advice that has arrived on your cases.",
            "due-soon": "No advice on your cases is due in the next 7 days.",
            "warnings": "None of your cases has a warning.",
        }[self.value]


@dataclass(frozen=True)
class Action:
    """One thing to do: a page (``endpoint`` with ``args``), or a button that posts there."""

    text: str
    endpoint: str
    args: dict[str, Any]
    post: bool = False


@dataclass(frozen=True)
class QueueLine:
    kind: LineKind
    assessment_id: uuid.UUID
    reference: str
    child: str
    what: str
    actions: tuple[Action, ...]
    agency_label: str | None = None
    contributor: str | None = None
    # Within a section, lines sort by this (the most urgent first).
    order: tuple[Any, ...] = ()


@dataclass
class Chased:
    """What went about an overdue request: the chases sent, the last, whom escalations reached."""

    chases: int = 0
    last_chased: datetime | None = None
    escalated_to: list[str] = field(default_factory=list)


def child_name(assessment: Assessment) -> str:
    return f"{assessment.child_given_names} {assessment.child_family_name}"


def _days(n: int) -> str:
    return plural(n, "day", "days")


def when(due: date, today: date) -> str:
    if due == today:
        return "today"
    if due < today:
        return f"{_days((today - due).days)} ago"
    return f"in {_days((due - today).days)}"


def _to(assessment: Assessment) -> dict[str, Any]:
    return {"assessment_id": assessment.id}


def _on(advice_request: AdviceRequest) -> dict[str, Any]:
    return {"assessment_id": advice_request.assessment_id, "request_id": advice_request.id}


def _open_assessment(assessment: Assessment) -> Action:
    return Action("Open the assessment", "staff.assessment", _to(assessment))


def queue_line(
    kind: LineKind,
    assessment: Assessment,
    what: str,
    actions: Iterable[Action],
    *,
    advice_request: AdviceRequest | None = None,
    order: tuple[Any, ...] = (),
) -> QueueLine:
    return QueueLine(
        kind=kind,
        assessment_id=assessment.id,
        reference=assessment.reference,
        child=child_name(assessment),
        what=what,
        actions=tuple(actions),
        agency_label=advice_request.agency_label if advice_request else None,
        contributor=advice_request.contributor.name if advice_request else None,
        order=(*order, assessment.reference),
    )


def deadline_actions(advice_request: AdviceRequest, *, can_chase: bool) -> list[Action]:
    actions = []
    if can_chase:
        actions.append(Action("Chase now", "staff.chase", _on(advice_request)))
    actions.append(Action("Extend the deadline", "staff.extend", _on(advice_request)))
    actions.append(Action("Record an exception", "staff.request_exception", _on(advice_request)))
    return actions


def overdue_line(
    assessment: Assessment,
    advice_request: AdviceRequest,
    due: date,
    today: date,
    chased: Chased,
    can_chase: bool,
) -> QueueLine:
    late = (today - due).days
    told = [f"{_days(late)} overdue (due {long_date(due)})."]
    if chased.chases:
        when = long_date(london_date(chased.last_chased)) if chased.last_chased else ""
        told.append(f"{plural(chased.chases, 'chase', 'chases')} sent, the last on {when}.")
    else:
        told.append("No chase sent yet.")
    if chased.escalated_to:
        told.append(f"Escalated to {joined(chased.escalated_to)}.")
    return queue_line(
        LineKind.OVERDUE,
        assessment,
        " ".join(told),
        deadline_actions(advice_request, can_chase=can_chase),
        advice_request=advice_request,
        order=(due,),
    )


def due_soon_line(
    assessment: Assessment, advice_request: AdviceRequest, due: date, today: date, can_chase: bool
) -> QueueLine:
    return queue_line(
        LineKind.DUE_SOON,
        assessment,
        f"Due {long_date(due)}, {when(due, today)}. {advice_request.status_label}.",
        deadline_actions(advice_request, can_chase=can_chase)[:2],
        advice_request=advice_request,
        order=(due,),
    )


def unread_line(assessment: Assessment, advice_request: AdviceRequest, today: date) -> QueueLine:
    submitted = london_date(advice_request.submitted_at) if advice_request.submitted_at else today
    return queue_line(
        LineKind.UNREAD,
        assessment,
        f"Submitted on {long_date(submitted)}.",
        [Action("Read the advice", "staff.sealed_advice", _on(advice_request))],
        advice_request=advice_request,
        order=(submitted,),
    )


# The council's milestones: which week, what is due then, and whether it has been met.
MILESTONES = (
    ("Week 6", "the decision whether to assess", "decision_due_on", ("decided_on",)),
    (
        "Week 16",
        "the decision whether to issue a plan, or the draft plan",
        "draft_due_on",
        ("plan_decided_on", "draft_plan_sent_on"),
    ),
    ("Week 20", "the final plan", "final_due_on", ("final_plan_issued_on",)),
)


def _milestone_action(assessment: Assessment, due_column: str) -> Action:
    """The page that records the next milestone, once the one before it is recorded."""
    if due_column == "decision_due_on":
        return Action("Record the decision to assess", "staff.assessment", _to(assessment))
    if assessment.status != AssessmentStatus.AGREED:
        return _open_assessment(assessment)
    if assessment.plan_decided_on is None:
        return Action(
            "Record the decision whether to issue a plan", "staff.plan_decision", _to(assessment)
        )
    if assessment.draft_plan_sent_on is None:
        return Action("Record the draft plan sent", "staff.draft_plan", _to(assessment))
    return Action("Record the final plan issued", "staff.final_plan", _to(assessment))


def milestone_lines(assessment: Assessment, track: Track | None, today: date) -> list[QueueLine]:
    """A line for each milestone not yet met that made ``track_of`` call the assessment late
    or at risk: past, or due within ``WARNING_AHEAD``."""
    if track not in (Track.LATE, Track.AT_RISK):
        return []
    lines = []
    for week, what, due_column, met_columns in MILESTONES:
        due = getattr(assessment, due_column)
        if due is None or any(getattr(assessment, met) for met in met_columns):
            continue
        if due > today + WARNING_AHEAD:
            continue
        state, tense = ("Late", "was") if due < today else ("At risk", "is")
        told = f"{state}: {week}, {what}, {tense} due {long_date(due)}, {when(due, today)}"
        action = _milestone_action(assessment, due_column)
        lines.append(queue_line(LineKind.MILESTONE, assessment, f"{told}.", [action], order=(due,)))
    return lines


def failed_line(
    assessment: Assessment, advice_request: AdviceRequest, kind: str, failed_at: datetime
) -> QueueLine:
    if kind == MessageKind.ADVICE_REQUEST and advice_request.status == RequestStatus.SEND_FAILED:
        what = (
            f"The request for advice to {advice_request.contributor.email} could not be "
            f"sent ({long_date(london_date(failed_at))}). Check the address: withdraw this "
            "request and add the contributor again with the right one."
        )
        actions = [
            Action("Withdraw the request", "staff.withdraw", _on(advice_request)),
            Action("Add a contributor", "staff.new_contributor", _to(assessment)),
        ]
    else:
        what = (
            f"An email to {advice_request.contributor.email} could not be sent "
            f"({long_date(london_date(failed_at))}): nothing has reached them since."
        )
        actions = [_open_assessment(assessment)]
    return queue_line(
        LineKind.EMAIL_FAILED,
        assessment,
        what,
        actions,
        advice_request=advice_request,
        order=(failed_at,),
    )


def report_line(
    assessment: Assessment, advice_request: AdviceRequest, report: DeadlineReport
) -> QueueLine:
    lawful = "a lawful exception" if report.is_lawful_exception else "not an exception"
    told = [
        f"Reported on {long_date(london_date(report.recorded_at))}: {report.reason_label} "
        f"({lawful})."
    ]
    if report.expected_by:
        told.append(f"Expects to give advice by {long_date(report.expected_by)}.")
    actions = [Action("Extend the deadline", "staff.extend", _on(advice_request))]
    if report.is_lawful_exception:
        actions.append(
            Action("Record an exception", "staff.request_exception", _on(advice_request))
        )
    actions.append(
        Action(
            "Mark as dealt with",
            "staff.deadline_report_dealt_with",
            _on(advice_request) | {"report_id": report.id},
            post=True,
        )
    )
    return queue_line(
        LineKind.DEADLINE_REPORT,
        assessment,
        " ".join(told),
        actions,
        advice_request=advice_request,
        order=(report.recorded_at,),
    )


OPEN_ASSESSMENT = ("Open the assessment", "staff.assessment")
WARNING_ACTIONS = {
    WarningKind.PARENT_NOT_ASKED: ("Add a contributor", "staff.new_contributor"),
}


def warning_lines(assessment: Assessment, warnings: Iterable[Any]) -> list[QueueLine]:
    lines = []
    by_id = {r.id: r for r in assessment.advice_requests}
    for warning in warnings:
        text, endpoint = WARNING_ACTIONS.get(warning.kind, OPEN_ASSESSMENT)
        lines.append(
            queue_line(
                LineKind.WARNING,
                assessment,
                f"{warning.label}. {warning.message}.",
                [Action(text, endpoint, _to(assessment))],
                advice_request=by_id.get(warning.advice_request_id),
                order=(list(WarningKind).index(warning.kind),),
            )
        )
    return lines
