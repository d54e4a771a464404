"""The clock's sweep: what each open request is due (reminder, chase, escalation), queued.

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
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sqlalchemy import select, text
from sqlalchemy.orm import Session, selectinload

from advice_hub.chasing import CHASED_STATUSES, ChasePolicy, RequestFacts, plan_messages
from advice_hub.chasing.planner import PlannedMessage, Recipient
from advice_hub.chasing.state import (
    columns_by_request,
    exception_periods,
    paused_request_ids,
    still_chased,
)
from advice_hub.deadlines import london_date
from advice_hub.directory.routing import service_leads
from advice_hub.models import (
    AdviceRequest,
    AgencyLead,
    Assessment,
    AssessmentStatus,
    Chase,
    MessageKind,
    OutboxMessage,
    ServiceLead,
    StaffMessageKind,
    User,
)
from advice_hub.outbox import queue_message, queue_staff_message
from advice_hub.sealing.audit import record_event

log = logging.getLogger(__name__)

# pg_try_advisory_xact_lock key: "chasing" as a number, the same in every clock process.
SWEEP_LOCK_KEY = 0x63686173696E67


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
    sent = columns_by_request(
        session,
        (Chase.kind, Chase.send_at),
        Chase.advice_request_id,
        ids,
        Chase.cancelled_at.is_(None),
    )
    exceptions = exception_periods(session, ids)
    leads = {lead.agency: lead for lead in session.scalars(select(AgencyLead))}
    plans = [
        (
            advice_request,
            plan_messages(
                request_facts(
                    advice_request,
                    sent.get(advice_request.id, ()),  # type: ignore[arg-type]
                    exceptions.get(advice_request.id, ()),  # type: ignore[arg-type]
                ),
                policy,
                now,
            ),
        )
        for advice_request in requests
    ]
    # The leads of the directory services escalated requests were picked from, read together.
    by_service = service_leads(
        session,
        [r.id for r, planned in plans if any(p.recipient is Recipient.LEAD for p in planned)],
    )
    for advice_request, planned_messages in plans:
        for planned in planned_messages:
            if planned.recipient is Recipient.CONTRIBUTOR:
                queue_contributor_chase(session, advice_request, planned, now=now, actor="clock")
                result.reminders += 1
            else:
                recipients = _escalation_recipients(
                    advice_request, planned, leads, by_service.get(advice_request.id, [])
                )
                result.staff_messages.update(
                    _queue_escalation(session, advice_request, planned, recipients, now=now)
                )
                result.escalations += 1
    return result


def queue_contributor_chase(
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


@dataclass(frozen=True)
class EscalationRecipient:
    """Who hears about an overdue request: an empty ``email`` means the SEND team's mailbox."""

    email: str
    name: str
    user_id: int | None
    title: str  # what they are, as the email and the timeline name them
    service_id: int | None = None


def _escalation_recipients(
    advice_request: AdviceRequest,
    planned: PlannedMessage,
    leads: dict[str, AgencyLead],
    service_leads: Sequence[ServiceLead] = (),
) -> list[EscalationRecipient]:
    """Who hears about an overdue request: for a lead's escalation, each lead of the directory
    service its contributor was picked from, else the agency's lead; for a manager's, the case
    officer's manager.

    With no lead set up for the agency, or no manager for the case officer, the escalation
    goes to the SEND team's mailbox (SEND_TEAM_EMAIL) and says who it was meant for.
    """
    if planned.recipient is Recipient.LEAD:
        if service_leads:
            return [
                EscalationRecipient(
                    lead.email,
                    lead.name,
                    None,
                    f"{lead.title}, {lead.service.name}",
                    lead.service_id,
                )
                for lead in service_leads
            ]
        lead = leads.get(advice_request.agency)
        if lead is not None:
            return [EscalationRecipient(lead.email, lead.name, None, lead.title)]
        return [EscalationRecipient("", "", None, planned.recipient_title)]
    officer = advice_request.assessment.case_officer
    manager = officer.manager if officer is not None else None
    if manager is not None:
        return [EscalationRecipient(manager.email, manager.name, manager.id, "manager")]
    return [EscalationRecipient("", "", None, planned.recipient_title)]


def _queue_escalation(
    session: Session,
    advice_request: AdviceRequest,
    planned: PlannedMessage,
    recipients: Sequence[EscalationRecipient],
    *,
    now: datetime,
) -> list[int]:
    """One staff message per recipient (each a ``Chase`` row: the second and later keyed
    ``key:2``..., so two clocks still plan each once); the staff messages' ids."""
    kind = (
        StaffMessageKind.LEAD_ESCALATION
        if planned.recipient is Recipient.LEAD
        else StaffMessageKind.MANAGER_ESCALATION
    )
    ids = []
    for number, recipient in enumerate(recipients, start=1):
        staff = queue_staff_message(
            session,
            kind=kind,
            recipient=recipient.email,
            recipient_name=recipient.name,
            meant_for=recipient.title,
            user_id=recipient.user_id,
            agency=advice_request.agency if planned.recipient is Recipient.LEAD else None,
            day=london_date(planned.send_at),
            send_after=planned.send_at if planned.send_at > now else None,
            request_id=str(advice_request.id),
            now=now,
            service_id=recipient.service_id,
        )
        session.add(
            Chase(
                advice_request=advice_request,
                kind=planned.kind.value,
                key=planned.key if number == 1 else f"{planned.key}:{number}"[:80],
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
        ids.append(staff.id)
    record_event(
        session,
        actor="clock",
        action="escalation.planned",
        now=now,
        advice_request=advice_request,
        kind=planned.kind.value,
        to=" and ".join(r.title for r in recipients),
        reason=planned.reason[:300],
    )
    return ids


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
    paused_ids = paused_request_ids(session, [r.id for _, _, r in rows], now=now)
    today = london_date(now)
    for chase, message, advice_request in rows:
        stale = london_date(chase.send_at) < today
        if still_chased(advice_request) and advice_request.id not in paused_ids and not stale:
            continue
        chase.cancelled_at = now
        message.cancelled_at = now
        cancelled += 1
    return cancelled
