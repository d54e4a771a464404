"""Chasing advice requests: the clock's sweep, "chase now", and cancelling chases not needed.

The planner (``advice_hub.chasing``) decides, from a request's facts, what is due; this module
gathers those facts from the database and records the decision:

* a contributor's reminder or chase is a ``Chase`` row plus an outbox message of kind
  ``advice_reminder``, sent through the same outbox, ledger and link-token path as the first
  request (so every chase carries a working link to the same draft);
* an escalation is a ``Chase`` row attached to one ``StaffMessage`` per recipient per day,
  which lists every request escalated to them that day.

Two clocks sweeping at once never double-send: on PostgreSQL the sweep holds a transaction
advisory lock (a second clock skips its sweep), on SQLite writers are serialised by immediate
transactions, and in both the live chase key is unique per request.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sqlalchemy import select, text
from sqlalchemy.orm import Session, selectinload

from advice_hub.chasing import CHASED_STATUSES, ChaseKind, ChasePolicy, RequestFacts, plan_messages
from advice_hub.chasing.planner import RECIPIENT_OF, PlannedMessage, Recipient
from advice_hub.deadlines import london_date, next_sending_instant
from advice_hub.domain.audit import record_event
from advice_hub.domain.outbox import queue_message
from advice_hub.domain.staff_mail import queue_staff_message
from advice_hub.models import (
    AdviceRequest,
    AgencyLead,
    Assessment,
    AssessmentStatus,
    Chase,
    MessageKind,
    OutboxMessage,
    RequestException,
    StaffMessageKind,
    User,
)

log = logging.getLogger(__name__)

# pg_try_advisory_xact_lock key: "chasing" as a number, the same in every clock process.
SWEEP_LOCK_KEY = 0x63686173696E67


class ChaseError(ValueError):
    """A chase the domain refuses, with a message a case officer can act on."""


@dataclass
class SweepResult:
    """What one sweep queued; ``skipped`` when another clock held the lock."""

    reminders: int = 0
    escalations: int = 0
    cancelled: int = 0
    skipped: bool = False
    staff_messages: set[int] = field(default_factory=set)

    def as_dict(self) -> dict[str, Any]:
        return {
            "reminders": self.reminders,
            "escalations": self.escalations,
            "cancelled": self.cancelled,
            "skipped": self.skipped,
        }


# --- Facts from the database ---------------------------------------------------------------


def request_facts(
    advice_request: AdviceRequest,
    sent: Sequence[tuple[str, datetime]],
    exceptions: Sequence[tuple[date, date | None]],
) -> RequestFacts:
    """The planner's view of one request: its dates, its live chases as (kind, send_at) and
    the periods of its reg 8(2) exceptions as (starts_on, ends_on)."""
    assessment = advice_request.assessment
    return RequestFacts(
        request_id=str(advice_request.id),
        agency=advice_request.agency,
        status=advice_request.status,
        received_at=advice_request.received_at,
        due_on=advice_request.due_on,
        assessment_closed=assessment.status != AssessmentStatus.AGREED,
        exceptions=tuple(exceptions),
        extended_due_on=advice_request.extended_due_on,
        sent=tuple(sent),
    )


def _open_requests(session: Session) -> list[AdviceRequest]:
    return list(
        session.scalars(
            select(AdviceRequest)
            .join(AdviceRequest.assessment)
            .where(
                Assessment.status == AssessmentStatus.AGREED,
                AdviceRequest.status.in_([s.value for s in CHASED_STATUSES]),
                AdviceRequest.received_at.is_not(None),
            )
            .options(
                selectinload(AdviceRequest.assessment)
                .selectinload(Assessment.case_officer)
                .selectinload(User.manager),
            )
            .order_by(AdviceRequest.created_at)
        )
    )


def _columns_by_request(
    session: Session, columns: tuple[Any, ...], request_column: Any, ids: list[Any], *where: Any
) -> dict[Any, list[tuple[Any, ...]]]:
    """Plain rows of ``columns`` grouped by request id: the sweep reads every open request's
    history on each run, so it reads tuples rather than building ORM objects."""
    grouped: dict[Any, list[tuple[Any, ...]]] = defaultdict(list)
    for start in range(0, len(ids), 500):
        rows = session.execute(
            select(request_column, *columns).where(
                request_column.in_(ids[start : start + 500]), *where
            )
        )
        for request_id, *values in rows:
            grouped[request_id].append(tuple(values))
    return grouped


def _exception_periods(session: Session, ids: list[Any]) -> dict[Any, list[tuple[Any, ...]]]:
    return _columns_by_request(
        session,
        (RequestException.starts_on, RequestException.ends_on),
        RequestException.advice_request_id,
        ids,
    )


# --- The sweep -----------------------------------------------------------------------------


def _take_sweep_lock(session: Session) -> bool:
    if session.get_bind().dialect.name != "postgresql":
        return True  # SQLite: BEGIN IMMEDIATE already made this transaction the only writer
    return bool(
        session.scalar(text("SELECT pg_try_advisory_xact_lock(:key)"), {"key": SWEEP_LOCK_KEY})
    )


def sweep_chases(session: Session, policy: ChasePolicy, *, now: datetime) -> SweepResult:
    """Queue every reminder, chase and escalation due at ``now``; cancel those not needed.

    Runs in the caller's transaction; the caller commits (and the outbox then dispatches).
    """
    result = SweepResult()
    if not _take_sweep_lock(session):
        result.skipped = True
        return result
    result.cancelled = cancel_unwanted_chases(session, now=now)
    requests = _open_requests(session)
    ids = [r.id for r in requests]
    sent = _columns_by_request(
        session,
        (Chase.kind, Chase.send_at),
        Chase.advice_request_id,
        ids,
        Chase.cancelled_at.is_(None),
    )
    exceptions = _exception_periods(session, ids)
    leads = {lead.agency: lead for lead in session.scalars(select(AgencyLead))}
    for advice_request in requests:
        facts = request_facts(
            advice_request,
            sent.get(advice_request.id, ()),  # type: ignore[arg-type]
            exceptions.get(advice_request.id, ()),  # type: ignore[arg-type]
        )
        for planned in plan_messages(facts, policy, now):
            if planned.recipient is Recipient.CONTRIBUTOR:
                _queue_contributor_chase(session, advice_request, planned, now=now, actor="clock")
                result.reminders += 1
            else:
                staff_id = _queue_escalation(session, advice_request, planned, leads, now=now)
                result.staff_messages.add(staff_id)
                result.escalations += 1
    return result


def _queue_contributor_chase(
    session: Session,
    advice_request: AdviceRequest,
    planned: PlannedMessage,
    *,
    now: datetime,
    actor: str,
) -> Chase:
    message = queue_message(session, advice_request, MessageKind.ADVICE_REMINDER, now=now)
    message.send_after = planned.send_at if planned.send_at > now else None
    chase = Chase(
        advice_request=advice_request,
        kind=planned.kind.value,
        key=planned.key,
        sequence=planned.sequence,
        due_on=planned.due_on,
        milestone_on=planned.milestone_on,
        send_at=planned.send_at,
        planned_at=now,
        planned_by=actor,
        reason=planned.reason[:300],
        catch_up=planned.catch_up,
        outbox_message=message,
    )
    session.add(chase)
    record_event(
        session,
        actor=actor,
        action="chase.planned",
        now=now,
        advice_request=advice_request,
        kind=planned.kind.value,
        reason=planned.reason[:300],
        send_at=planned.send_at.isoformat(),
    )
    return chase


def _escalation_recipient(
    advice_request: AdviceRequest,
    planned: PlannedMessage,
    leads: dict[str, AgencyLead],
) -> tuple[str, str, int | None, str]:
    """(email, name, user id, what they are) of who hears about an overdue request.

    With no lead set up for the agency, or no manager for the case officer, the escalation
    goes to the SEND team's mailbox (SEND_TEAM_EMAIL) and says who it was meant for.
    """
    if planned.recipient is Recipient.LEAD:
        lead = leads.get(advice_request.agency)
        if lead is not None:
            return lead.email, lead.name, None, lead.title
        return "", "", None, planned.recipient_title
    officer = advice_request.assessment.case_officer
    manager = officer.manager if officer is not None else None
    if manager is not None:
        return manager.email, manager.name, manager.id, "manager"
    return "", "", None, planned.recipient_title


def _queue_escalation(
    session: Session,
    advice_request: AdviceRequest,
    planned: PlannedMessage,
    leads: dict[str, AgencyLead],
    *,
    now: datetime,
) -> int:
    email, name, user_id, title = _escalation_recipient(advice_request, planned, leads)
    kind = (
        StaffMessageKind.LEAD_ESCALATION
        if planned.recipient is Recipient.LEAD
        else StaffMessageKind.MANAGER_ESCALATION
    )
    staff = queue_staff_message(
        session,
        kind=kind,
        recipient=email,
        recipient_name=name,
        meant_for=title,
        user_id=user_id,
        agency=advice_request.agency if planned.recipient is Recipient.LEAD else None,
        day=london_date(planned.send_at),
        send_after=planned.send_at if planned.send_at > now else None,
        request_id=str(advice_request.id),
        now=now,
    )
    session.add(
        Chase(
            advice_request=advice_request,
            kind=planned.kind.value,
            key=planned.key,
            sequence=planned.sequence,
            due_on=planned.due_on,
            milestone_on=planned.milestone_on,
            send_at=planned.send_at,
            planned_at=now,
            planned_by="clock",
            reason=planned.reason[:300],
            catch_up=planned.catch_up,
            staff_message=staff,
        )
    )
    record_event(
        session,
        actor="clock",
        action="escalation.planned",
        now=now,
        advice_request=advice_request,
        kind=planned.kind.value,
        to=title,
        reason=planned.reason[:300],
    )
    return staff.id


# --- Chase now and cancelling --------------------------------------------------------------


def chase_now(
    session: Session, advice_request: AdviceRequest, *, now: datetime, actor: str
) -> Chase:
    """A case officer's "chase now": one reminder with a fresh link, at most one per working day.

    Goes now in office hours, otherwise at the next opening. Refused when the request is not
    waiting for advice, or when the contributor has had (or will get) an email that day.
    """
    session.refresh(advice_request, with_for_update=True)
    if advice_request.assessment.status != AssessmentStatus.AGREED:
        raise ChaseError("This assessment is closed, so its requests are not chased")
    if advice_request.status not in CHASED_STATUSES:
        raise ChaseError(
            f"This request is not waiting for advice ({advice_request.status_label.lower()})"
        )
    if advice_request.received_at is None or advice_request.due_on is None:
        raise ChaseError("The first email has not been received yet, so there is nothing to chase")
    if is_paused(session, advice_request, now=now):
        raise ChaseError("Chasing is paused while the exception recorded on this request holds")
    send_at = next_sending_instant(now)
    day = london_date(send_at)
    live = session.scalars(
        select(Chase).where(
            Chase.advice_request_id == advice_request.id, Chase.cancelled_at.is_(None)
        )
    ).all()
    contributor_days = {
        london_date(c.send_at)
        for c in live
        if RECIPIENT_OF[ChaseKind(c.kind)] is Recipient.CONTRIBUTOR
    }
    if london_date(advice_request.received_at) == day:
        raise ChaseError("The request itself was received that day: chase again tomorrow")
    if day in contributor_days:
        when = "today" if day == london_date(now) else f"on {day:%A} {day.day} {day:%B}"
        raise ChaseError(f"{advice_request.contributor.name} already gets an email {when}")
    due = advice_request.effective_due_on
    assert due is not None  # due_on is set with received_at
    planned = PlannedMessage(
        request_id=str(advice_request.id),
        kind=ChaseKind.MANUAL_CHASE,
        recipient=Recipient.CONTRIBUTOR,
        recipient_title="contributor",
        key=f"{ChaseKind.MANUAL_CHASE}:{day.isoformat()}",
        reason="chased by the case officer",
        send_at=send_at,
        due_on=due,
        milestone_on=day,
        sequence=None,
        catch_up=False,
    )
    return _queue_contributor_chase(session, advice_request, planned, now=now, actor=actor)


def cancel_pending_chases(session: Session, advice_request: AdviceRequest, *, now: datetime) -> int:
    """Cancel the request's chases whose emails have not gone; returns how many."""
    pending = session.execute(
        select(Chase, OutboxMessage)
        .join(OutboxMessage, Chase.outbox_message_id == OutboxMessage.id)
        .where(
            Chase.advice_request_id == advice_request.id,
            Chase.cancelled_at.is_(None),
            OutboxMessage.completed_at.is_(None),
            OutboxMessage.cancelled_at.is_(None),
        )
    ).all()
    for chase, message in pending:
        chase.cancelled_at = now
        message.cancelled_at = now
    return len(pending)


def cancel_unwanted_chases(session: Session, *, now: datetime) -> int:
    """Cancel unsent contributor chases of requests no longer chased (closed, paused), and
    those meant for an earlier day that never went (the clock was down): the planner then
    sends one catch-up instead, so a missed message never goes late beside a new one."""
    rows = session.execute(
        select(Chase, OutboxMessage, AdviceRequest)
        .join(OutboxMessage, Chase.outbox_message_id == OutboxMessage.id)
        .join(AdviceRequest, Chase.advice_request_id == AdviceRequest.id)
        .join(Assessment, AdviceRequest.assessment_id == Assessment.id)
        .where(
            Chase.cancelled_at.is_(None),
            OutboxMessage.completed_at.is_(None),
            OutboxMessage.cancelled_at.is_(None),
        )
    ).all()
    cancelled = 0
    paused_ids = _paused_request_ids(session, [r.id for _, _, r in rows], now=now)
    today = london_date(now)
    for chase, message, advice_request in rows:
        stale = london_date(chase.send_at) < today
        if still_chased(advice_request) and advice_request.id not in paused_ids and not stale:
            continue
        chase.cancelled_at = now
        message.cancelled_at = now
        cancelled += 1
    return cancelled


def still_chased(advice_request: AdviceRequest) -> bool:
    """True while the request waits for advice and its assessment is open."""
    return (
        advice_request.status in CHASED_STATUSES
        and advice_request.assessment.status == AssessmentStatus.AGREED
    )


def _paused_request_ids(session: Session, ids: list[Any], *, now: datetime) -> set[Any]:
    if not ids:
        return set()
    today = london_date(now)
    return {
        request_id
        for request_id, periods in _exception_periods(session, ids).items()
        if any(start <= today and (end is None or today <= end) for start, end in periods)
    }


def is_paused(session: Session, advice_request: AdviceRequest, *, now: datetime) -> bool:
    """True when a reg 8(2) exception recorded on the request holds today."""
    return advice_request.id in _paused_request_ids(session, [advice_request.id], now=now)
