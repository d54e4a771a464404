"""A case officer's work queue ("My work"): what needs doing across the open assessments they
are named case officer on, each line with the case, the agency and contributor, what is wrong
and the next action (an endpoint and its arguments, which the page turns into a link).

The kinds of line, in the order the page shows them:

- advice overdue: an open request past the date it is now expected, with the days overdue,
  the chases sent and whom it was escalated to;
- late or at risk: an assessment ``track.track_of`` finds late or at risk, for each of its
  milestones (week 6, 16 or 20) missed or falling due within ``track.WARNING_AHEAD``;
- emails that failed: a request's email given up on, with nothing sent to it since;
- deadline reports: a contributor said their advice will be late, and the officer has not
  dealt with it yet (``follow_up.deal_with_deadline_report``, an extension or an exception);
- advice arrived and not read: submitted, and no case officer has opened it yet;
- due in the next 7 days: an open request falling due from today on;
- warnings: the law's guard-rails (``guard_rails.warnings_for``).

Beside them, the officer's teams' open assessments that name no case officer, the first few.

The queue is read in a fixed number of statements, set-based, whatever the number of cases,
each bounded by the officer's own open assessments (or their teams' unassigned ones), never
by the whole database.
"""

from __future__ import annotations

import enum
import uuid
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import exists, func, select
from sqlalchemy.orm import Session, aliased, selectinload

from advice_hub.assessments.guard_rails import WarningKind, warnings_for
from advice_hub.assessments.track import WARNING_AHEAD, Track, track_of
from advice_hub.chasing.outlook import chase_outlooks
from advice_hub.chasing.planner import ChaseKind
from advice_hub.chasing.policy import ChasePolicy
from advice_hub.deadlines import london_date
from advice_hub.display import joined, long_date, plural
from advice_hub.models import (
    CLOSED_STATUSES,
    AdviceRequest,
    Assessment,
    AssessmentStatus,
    Chase,
    DeadlineReport,
    MessageKind,
    OutboxMessage,
    RequestStatus,
    StaffMessage,
    TeamMembership,
    User,
)

# How far ahead "due soon" looks.
DUE_SOON = timedelta(days=7)
# The team's unassigned cases shown beside the queue (the count says how many in all).
UNASSIGNED_SHOWN = 5

CHASES = frozenset({ChaseKind.OVERDUE_CHASE.value, ChaseKind.MANUAL_CHASE.value})
ESCALATIONS = frozenset({ChaseKind.ESCALATION_LEAD.value, ChaseKind.ESCALATION_MANAGER.value})
OPEN_STATUSES = [s.value for s in RequestStatus if s not in CLOSED_STATUSES]


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


@dataclass(frozen=True)
class Section:
    kind: LineKind
    lines: list[QueueLine]

    @property
    def title(self) -> str:
        return self.kind.heading

    @property
    def empty(self) -> str:
        return self.kind.empty


@dataclass(frozen=True)
class UnassignedCase:
    assessment_id: uuid.UUID
    reference: str
    child: str
    team: str
    requested_on: date


@dataclass
class WorkQueue:
    case_count: int
    sections: list[Section]
    unassigned: list[UnassignedCase] = field(default_factory=list)
    unassigned_count: int = 0

    @property
    def line_count(self) -> int:
        return sum(len(section.lines) for section in self.sections)

    def section(self, kind: LineKind) -> Section:
        return next(section for section in self.sections if section.kind is kind)


# --- Reading it ------------------------------------------------------------------------------


def _open_cases(session: Session, user: User) -> list[Assessment]:
    """The officer's open assessments with their contributors, requests and deadline reports
    (four statements)."""
    requests = selectinload(Assessment.advice_requests)
    return list(
        session.scalars(
            select(Assessment)
            .where(
                Assessment.case_officer_id == user.id,
                Assessment.status != AssessmentStatus.CLOSED.value,
            )
            .options(
                selectinload(Assessment.contributors),
                requests.selectinload(AdviceRequest.deadline_reports),
            )
            .order_by(Assessment.requested_on, Assessment.id)
        )
    )


@dataclass
class _Chased:
    chases: int = 0
    last_chased: datetime | None = None
    escalated_to: list[str] = field(default_factory=list)


def _chased(session: Session, ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, _Chased]:
    """For each request, the chases that went and whom its escalations reached (one
    statement)."""
    found: dict[uuid.UUID, _Chased] = defaultdict(_Chased)
    if not ids:
        return found
    rows = session.execute(
        select(
            Chase.advice_request_id,
            Chase.kind,
            OutboxMessage.completed_at,
            StaffMessage.sent_at,
            StaffMessage.recipient_name,
            StaffMessage.payload,
        )
        .outerjoin(OutboxMessage, Chase.outbox_message_id == OutboxMessage.id)
        .outerjoin(StaffMessage, Chase.staff_message_id == StaffMessage.id)
        .where(Chase.advice_request_id.in_(ids), Chase.cancelled_at.is_(None))
        .order_by(Chase.send_at, Chase.id)
    )
    for request_id, kind, emailed_at, staff_sent_at, name, payload in rows:
        chased = found[request_id]
        if kind in CHASES and emailed_at is not None:
            chased.chases += 1
            chased.last_chased = emailed_at
        elif kind in ESCALATIONS and staff_sent_at is not None:
            title = (payload or {}).get("meant_for", "")
            who = (
                f"{name}, {title}" if name and title else name or f"the SEND team, for the {title}"
            )
            if who not in chased.escalated_to:
                chased.escalated_to.append(who)
    return found


def _failed_emails(session: Session, user: User) -> list[tuple[uuid.UUID, str, datetime]]:
    """(request id, message kind, failed at) of each email given up on to an open request of
    the officer's, with nothing sent to that request since (one statement)."""
    later = aliased(OutboxMessage)
    rows = session.execute(
        select(OutboxMessage.advice_request_id, OutboxMessage.kind, OutboxMessage.failed_at)
        .join(AdviceRequest, AdviceRequest.id == OutboxMessage.advice_request_id)
        .join(Assessment, Assessment.id == AdviceRequest.assessment_id)
        .where(
            Assessment.case_officer_id == user.id,
            Assessment.status != AssessmentStatus.CLOSED.value,
            AdviceRequest.status.in_(OPEN_STATUSES),
            OutboxMessage.failed_at.is_not(None),
            OutboxMessage.cancelled_at.is_(None),
            ~exists(
                select(later.id).where(
                    later.advice_request_id == OutboxMessage.advice_request_id,
                    later.completed_at > OutboxMessage.failed_at,
                )
            ),
        )
        .order_by(OutboxMessage.failed_at)
    )
    return [(request_id, kind, failed_at) for request_id, kind, failed_at in rows if failed_at]


def _unassigned(session: Session, user: User) -> tuple[int, list[UnassignedCase]]:
    """How many open assessments of the person's teams name no case officer, and the oldest
    few (two statements)."""
    where = (
        Assessment.case_officer_id.is_(None),
        Assessment.status != AssessmentStatus.CLOSED.value,
        Assessment.team_id.in_(
            select(TeamMembership.team_id).where(TeamMembership.user_id == user.id)
        ),
    )
    count = session.scalar(select(func.count()).select_from(Assessment).where(*where)) or 0
    if not count:
        return 0, []
    rows = session.scalars(
        select(Assessment)
        .where(*where)
        .options(selectinload(Assessment.team))
        .order_by(Assessment.requested_on, Assessment.id)
        .limit(UNASSIGNED_SHOWN)
    )
    return count, [
        UnassignedCase(a.id, a.reference, _child(a), a.team.name, a.requested_on) for a in rows
    ]


# --- The lines -------------------------------------------------------------------------------


def _child(assessment: Assessment) -> str:
    return f"{assessment.child_given_names} {assessment.child_family_name}"


def _days(n: int) -> str:
    return plural(n, "day", "days")


def _when(due: date, today: date) -> str:
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


def _line(
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
        child=_child(assessment),
        what=what,
        actions=tuple(actions),
        agency_label=advice_request.agency_label if advice_request else None,
        contributor=advice_request.contributor.name if advice_request else None,
        order=(*order, assessment.reference),
    )


def _deadline_actions(advice_request: AdviceRequest, *, can_chase: bool) -> list[Action]:
    actions = []
    if can_chase:
        actions.append(Action("Chase now", "staff.chase", _on(advice_request)))
    actions.append(Action("Extend the deadline", "staff.extend", _on(advice_request)))
    actions.append(Action("Record an exception", "staff.request_exception", _on(advice_request)))
    return actions


def _overdue_line(
    assessment: Assessment,
    advice_request: AdviceRequest,
    due: date,
    today: date,
    chased: _Chased,
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
    return _line(
        LineKind.OVERDUE,
        assessment,
        " ".join(told),
        _deadline_actions(advice_request, can_chase=can_chase),
        advice_request=advice_request,
        order=(due,),
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


def _milestone_lines(assessment: Assessment, track: Track | None, today: date) -> list[QueueLine]:
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
        state = "Missed" if due < today else "At risk"
        told = (
            f"{state}: {week}, {what}, was due {long_date(due)}"
            if due < today
            else (f"{state}: {week}, {what}, is due {long_date(due)}, {_when(due, today)}")
        )
        action = (
            Action("Record the decision to assess", "staff.assessment", _to(assessment))
            if due_column == "decision_due_on"
            else _open_assessment(assessment)
        )
        lines.append(_line(LineKind.MILESTONE, assessment, f"{told}.", [action], order=(due,)))
    return lines


def _failed_line(
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
    return _line(
        LineKind.EMAIL_FAILED,
        assessment,
        what,
        actions,
        advice_request=advice_request,
        order=(failed_at,),
    )


def _report_line(
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
    return _line(
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


def _warning_lines(assessment: Assessment, warnings: Iterable[Any]) -> list[QueueLine]:
    lines = []
    by_id = {r.id: r for r in assessment.advice_requests}
    for warning in warnings:
        text, endpoint = WARNING_ACTIONS.get(warning.kind, OPEN_ASSESSMENT)
        lines.append(
            _line(
                LineKind.WARNING,
                assessment,
                f"{warning.label}. {warning.message}.",
                [Action(text, endpoint, _to(assessment))],
                advice_request=by_id.get(warning.advice_request_id),
                order=(list(WarningKind).index(warning.kind),),
            )
        )
    return lines


def work_queue(
    session: Session, user: User, *, now: datetime, chase_policy: ChasePolicy
) -> WorkQueue:
    """What ``user`` has to do across the open assessments they are case officer on, as of
    ``now`` (days count in London). Reads only; changes nothing."""
    today = london_date(now)
    cases = _open_cases(session, user)
    lines: list[QueueLine] = []
    open_requests = [
        (a, r)
        for a in cases
        if a.status == AssessmentStatus.AGREED
        for r in a.advice_requests
        if r.status not in CLOSED_STATUSES
    ]
    overdue = [
        (a, r) for a, r in open_requests if r.effective_due_on and r.effective_due_on < today
    ]
    due_soon = [
        (a, r)
        for a, r in open_requests
        if r.effective_due_on and today <= r.effective_due_on <= today + DUE_SOON
    ]
    chased = _chased(session, [r.id for _, r in overdue])
    outlooks = (
        chase_outlooks(session, [r for _, r in overdue + due_soon], chase_policy, now=now)
        if overdue or due_soon
        else {}
    )
    overdue_assessments = set()
    for a, r in overdue:
        overdue_assessments.add(a.id)
        assert r.effective_due_on is not None
        lines.append(
            _overdue_line(
                a, r, r.effective_due_on, today, chased[r.id], outlooks[r.id].can_chase_now
            )
        )
    for a, r in due_soon:
        assert r.effective_due_on is not None
        lines.append(
            _line(
                LineKind.DUE_SOON,
                a,
                f"Due {long_date(r.effective_due_on)}, {_when(r.effective_due_on, today)}. "
                f"{r.status_label}.",
                _deadline_actions(r, can_chase=outlooks[r.id].can_chase_now)[:2],
                advice_request=r,
                order=(r.effective_due_on,),
            )
        )
    requests_by_id = {r.id: (a, r) for a in cases for r in a.advice_requests}
    for request_id, kind, failed_at in _failed_emails(session, user):
        a, r = requests_by_id[request_id]
        lines.append(_failed_line(a, r, kind, failed_at))
    for a, r in open_requests:
        lines += [
            _report_line(a, r, report)
            for report in r.deadline_reports
            if report.reported_by_contributor and report.acknowledged_at is None
        ]
    for a in cases:
        for r in a.advice_requests:
            if r.status == RequestStatus.SUBMITTED and r.advice_read_at is None:
                submitted = london_date(r.submitted_at) if r.submitted_at else today
                lines.append(
                    _line(
                        LineKind.UNREAD,
                        a,
                        f"Submitted on {long_date(submitted)}.",
                        [Action("Read the advice", "staff.sealed_advice", _on(r))],
                        advice_request=r,
                        order=(submitted,),
                    )
                )
        track = track_of(a, today=today, advice_overdue=a.id in overdue_assessments)
        lines += _milestone_lines(a, track, today)
    warnings = warnings_for(session, cases)
    for a in cases:
        lines += _warning_lines(a, warnings[a.id])
    unassigned_count, unassigned = _unassigned(session, user)
    sections = [
        Section(kind, sorted((n for n in lines if n.kind is kind), key=lambda n: n.order))
        for kind in LineKind
    ]
    return WorkQueue(
        case_count=len(cases),
        sections=sections,
        unassigned=unassigned,
        unassigned_count=unassigned_count,
    )
