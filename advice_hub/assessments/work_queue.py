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

import uuid
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from sqlalchemy import exists, func, select
from sqlalchemy.orm import Session, aliased, selectinload

from advice_hub.assessments.guard_rails import warnings_for
from advice_hub.assessments.queue_lines import (
    Chased,
    LineKind,
    QueueLine,
    child_name,
    due_soon_line,
    failed_line,
    milestone_lines,
    overdue_line,
    report_line,
    unread_line,
    warning_lines,
)
from advice_hub.assessments.track import track_of
from advice_hub.chasing.outlook import chase_outlooks
from advice_hub.chasing.planner import ChaseKind
from advice_hub.chasing.policy import ChasePolicy
from advice_hub.deadlines import london_date
from advice_hub.models import (
    CLOSED_STATUSES,
    AdviceRequest,
    Assessment,
    AssessmentStatus,
    Chase,
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
# The most urgent lines of each kind a page shows (the count says how many in all), so that
# the page's cost follows what it shows, however many cases the officer holds.
SHOWN = 50

CHASES = frozenset({ChaseKind.OVERDUE_CHASE.value, ChaseKind.MANUAL_CHASE.value})
ESCALATIONS = frozenset({ChaseKind.ESCALATION_LEAD.value, ChaseKind.ESCALATION_MANAGER.value})
OPEN_STATUSES = [s.value for s in RequestStatus if s not in CLOSED_STATUSES]


@dataclass(frozen=True)
class Section:
    """One kind of line: the most urgent ``SHOWN`` of them, and how many there are."""

    kind: LineKind
    lines: list[QueueLine]
    count: int

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
        return sum(section.count for section in self.sections)

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


def _chased(session: Session, ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, Chased]:
    """For each request, the chases that went and whom its escalations reached (one
    statement)."""
    found: dict[uuid.UUID, Chased] = defaultdict(Chased)
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
        UnassignedCase(a.id, a.reference, child_name(a), a.team.name, a.requested_on) for a in rows
    ]


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
    counts = {LineKind.OVERDUE: len(overdue), LineKind.DUE_SOON: len(due_soon)}
    overdue_assessments = {a.id for a, _ in overdue}
    # Only the lines shown need their chases and whether "chase now" would go.
    overdue = sorted(overdue, key=lambda pair: (pair[1].effective_due_on, pair[0].reference))
    due_soon = sorted(due_soon, key=lambda pair: (pair[1].effective_due_on, pair[0].reference))
    overdue, due_soon = overdue[:SHOWN], due_soon[:SHOWN]
    chased = _chased(session, [r.id for _, r in overdue])
    outlooks = (
        chase_outlooks(session, [r for _, r in overdue + due_soon], chase_policy, now=now)
        if overdue or due_soon
        else {}
    )
    for a, r in overdue:
        assert r.effective_due_on is not None
        lines.append(
            overdue_line(
                a, r, r.effective_due_on, today, chased[r.id], outlooks[r.id].can_chase_now
            )
        )
    for a, r in due_soon:
        assert r.effective_due_on is not None
        lines.append(due_soon_line(a, r, r.effective_due_on, today, outlooks[r.id].can_chase_now))
    requests_by_id = {r.id: (a, r) for a in cases for r in a.advice_requests}
    for request_id, kind, failed_at in _failed_emails(session, user):
        a, r = requests_by_id[request_id]
        lines.append(failed_line(a, r, kind, failed_at))
    for a, r in open_requests:
        lines += [
            report_line(a, r, report)
            for report in r.deadline_reports
            if report.reported_by_contributor and report.acknowledged_at is None
        ]
    for a in cases:
        for r in a.advice_requests:
            if r.status == RequestStatus.SUBMITTED and r.advice_read_at is None:
                lines.append(unread_line(a, r, today))
        track = track_of(a, today=today, advice_overdue=a.id in overdue_assessments)
        lines += milestone_lines(a, track, today)
    warnings = warnings_for(session, cases)
    for a in cases:
        lines += warning_lines(a, warnings[a.id])
    unassigned_count, unassigned = _unassigned(session, user)
    sections = []
    for kind in LineKind:
        chosen = sorted((n for n in lines if n.kind is kind), key=lambda n: n.order)
        sections.append(Section(kind, chosen[:SHOWN], counts.get(kind, len(chosen))))
    return WorkQueue(
        case_count=len(cases),
        sections=sections,
        unassigned=unassigned,
        unassigned_count=unassigned_count,
    )
