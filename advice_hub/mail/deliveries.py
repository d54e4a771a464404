"""The bookkeeping of sending one email, exactly once as far as anyone can see.

Sending happens in three steps, each its own transaction, opened by the sender
(``advice_hub.jobs.delivery``); these functions are the steps, and never commit:

1. Claim: lock the message row, look up its ledger, claim it for a short lease and compose
   the email (issuing a link token where it carries one).
2. (The sender hands the email to the mail backend, outside any transaction.)
3. Record: sent (the ledger, the message, and for a first request its receipt, which starts
   the 6-week clock) or failed (released for the next attempt, or given up on).

A redelivered message finds the ledger sent (or claimed) and sends nothing. If a worker dies
between 2 and 3, the relay re-dispatches after the lease and the email goes again with the
same Message-ID, which mail clients treat as the same message.

Contributor emails (``OutboxMessage``) keep their ledger in ``SendLedger``, keyed by request,
kind and sequence; a staff email's ``StaffMessage`` row is its own ledger.
"""

from __future__ import annotations

import enum
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.message import EmailMessage
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from advice_hub.chasing.state import is_paused, still_chased
from advice_hub.config import Settings
from advice_hub.deadlines import advice_due_on
from advice_hub.mail.contributor_emails import compose_outbox_email, outbox_message_id, recipient_of
from advice_hub.mail.staff_emails import compose_staff_email, drop_closed_requests, staff_message_id
from advice_hub.models import (
    AdviceRequest,
    Chase,
    MessageKind,
    OutboxMessage,
    RequestStatus,
    SendLedger,
    StaffMessage,
)
from advice_hub.sealing.audit import record_event
from notifications import Acceptance, MailDeliveryError

# A claim older than this is taken to have died with its worker.
CLAIM_LEASE = timedelta(minutes=5)
# Why an email whose claim lapsed is not sent again through a backend that would deliver a
# second copy (Graph, Notify): its worker may have handed it over before it stopped.
OUTCOME_UNKNOWN = (
    "The mail service may have sent this email, but whether it did was never recorded. "
    "Check the sending mailbox (or the provider's dashboard) before sending it again."
)


class Outcome(enum.StrEnum):
    SENT = "sent"
    ALREADY_SENT = "already_sent"
    IN_PROGRESS = "in_progress"  # another worker holds a live claim
    NOTHING_TO_DO = "nothing_to_do"
    FAILED = "failed"


@dataclass(frozen=True)
class Claim:
    """An email claimed for sending: what to send, the message row it stands for and the
    ledger row that records it (the same row for a staff email)."""

    email: EmailMessage
    message_id: int
    ledger_id: int


# --- Emails about an advice request --------------------------------------------------------


def claim_outbox_message(
    session: Session,
    outbox_id: int,
    settings: Settings,
    *,
    now: datetime,
    resend_is_safe: bool = True,
) -> Claim | Outcome:
    """Claim an outbox row's email for sending, or say why there is nothing to send.
    ``resend_is_safe`` is the backend's: without it, a claim whose outcome was never recorded
    is not sent again but shown to the case officer (``OUTCOME_UNKNOWN``)."""
    message = session.get(OutboxMessage, outbox_id, with_for_update=True)
    if message is None or message.completed_at or message.failed_at or message.cancelled_at:
        return Outcome.NOTHING_TO_DO
    if message.kind == MessageKind.ADVICE_REMINDER and _reminder_not_wanted(session, message, now):
        return Outcome.NOTHING_TO_DO
    ledger = session.scalar(
        select(SendLedger)
        .where(
            SendLedger.advice_request_id == message.advice_request_id,
            SendLedger.kind == message.kind,
            SendLedger.sequence == message.sequence,
        )
        .with_for_update()
    )
    if ledger is not None and ledger.sent_at is not None:
        message.completed_at = ledger.sent_at
        return Outcome.ALREADY_SENT
    if ledger is not None and ledger.claimed_at and ledger.claimed_at > now - CLAIM_LEASE:
        return Outcome.IN_PROGRESS
    if ledger is not None and ledger.claimed_at and not resend_is_safe:
        mark_failed(session, message, reason=OUTCOME_UNKNOWN, now=now)
        return Outcome.FAILED
    if ledger is None:
        ledger = SendLedger(
            advice_request_id=message.advice_request_id,
            kind=message.kind,
            sequence=message.sequence,
            message_id=outbox_message_id(message, settings),
            recipient=recipient_of(session, message),
        )
        session.add(ledger)
    ledger.claimed_at = now
    email = compose_outbox_email(session, message, ledger, settings, now)
    session.flush()
    return Claim(email, outbox_id, ledger.id)


def record_outbox_sent(
    session: Session, claim: Claim, acceptance: Acceptance, *, now: datetime
) -> None:
    """The mail server took the email: the ledger says so, and a first request's 6-week
    clock starts at its acceptance."""
    message = session.get_one(OutboxMessage, claim.message_id)
    ledger = session.get_one(SendLedger, claim.ledger_id)
    ledger.sent_at = acceptance.accepted_at
    ledger.backend = acceptance.backend
    ledger.detail = acceptance.detail[:500]
    message.completed_at = now
    message.attempts += 1
    advice_request = message.advice_request
    if message.kind == MessageKind.ADVICE_REQUEST:
        _start_clock(advice_request, acceptance.accepted_at)
    record_event(
        session,
        actor="system",
        action="email.sent",
        now=acceptance.accepted_at,
        advice_request=advice_request,
        kind=message.kind,
        sequence=message.sequence,
    )


def record_outbox_failure(
    session: Session, claim: Claim, exc: MailDeliveryError, *, now: datetime
) -> None:
    """The send failed: release the claim for the next attempt, or give up if it never can."""
    message = session.get_one(OutboxMessage, claim.message_id)
    ledger = session.get_one(SendLedger, claim.ledger_id)
    ledger.claimed_at = None  # released: the next attempt may send
    message.attempts += 1
    message.last_error = str(exc)[:500]
    if not exc.transient:
        mark_failed(session, message, reason=str(exc), now=now)


def mark_failed(session: Session, message: OutboxMessage, *, reason: str, now: datetime) -> None:
    """Stop trying a message and show the failure to the case officer."""
    message.failed_at = now
    message.last_error = reason[:500]
    advice_request = message.advice_request
    if message.kind == MessageKind.ADVICE_REQUEST and advice_request.received_at is None:
        advice_request.status = RequestStatus.SEND_FAILED
    record_event(
        session,
        actor="system",
        action="email.failed",
        now=now,
        advice_request=advice_request,
        kind=message.kind,
        sequence=message.sequence,
        reason=reason[:200],
    )


def record_outbox_gave_up(session: Session, outbox_id: int, *, retries: Any, now: datetime) -> None:
    """After the last retry, record the failure where a case officer will see it."""
    message = session.get(OutboxMessage, outbox_id)
    if message is None or message.completed_at or message.failed_at:
        return
    mark_failed(
        session,
        message,
        reason=f"gave up after {retries} attempts: {message.last_error or 'unknown error'}",
        now=now,
    )


def _reminder_not_wanted(session: Session, message: OutboxMessage, now: datetime) -> bool:
    """A chase is re-checked at send time: too early, or the request stopped or paused since
    it was planned (submitted, declined, withdrawn, an exception recorded) means no email."""
    if message.send_after is not None and message.send_after > now:
        return True  # delivered early; the relay hands it over again when its time comes
    advice_request = message.advice_request
    if still_chased(advice_request) and not is_paused(session, advice_request, now=now):
        return False
    message.cancelled_at = now
    for chase in session.scalars(select(Chase).where(Chase.outbox_message_id == message.id)):
        chase.cancelled_at = now
    return True


def _start_clock(advice_request: AdviceRequest, received_at: datetime) -> None:
    # Receipt is acceptance by the mail server for now; the first one starts the clock.
    if advice_request.received_at is None:
        advice_request.received_at = received_at
        advice_request.due_on = advice_due_on(received_at)
    if advice_request.status in {RequestStatus.QUEUED, RequestStatus.SEND_FAILED}:
        advice_request.status = RequestStatus.SENT


# --- Emails to staff -----------------------------------------------------------------------


def claim_staff_message(
    session: Session,
    staff_id: int,
    settings: Settings,
    *,
    now: datetime,
    resend_is_safe: bool = True,
) -> Claim | Outcome:
    """Claim a staff email for sending unless it has gone already (or has nothing left to
    say: every request it was about arrived first); a lapsed claim as for an outbox row."""
    message = session.get(StaffMessage, staff_id, with_for_update=True)
    if message is None or message.failed_at is not None:
        return Outcome.NOTHING_TO_DO
    if message.sent_at is not None:
        return Outcome.ALREADY_SENT
    if message.claimed_at is not None and message.claimed_at > now - CLAIM_LEASE:
        return Outcome.IN_PROGRESS
    if message.claimed_at is not None and not resend_is_safe:
        message.failed_at = now
        message.last_error = OUTCOME_UNKNOWN
        return Outcome.FAILED
    if message.send_after is not None and message.send_after > now:
        return Outcome.NOTHING_TO_DO  # too early; the relay hands it over on time
    if drop_closed_requests(session, message, now):
        message.failed_at = now
        message.last_error = "every request arrived before it was sent"
        return Outcome.NOTHING_TO_DO
    message.claimed_at = now
    message.message_id = message.message_id or staff_message_id(message, settings)
    return Claim(compose_staff_email(session, message, settings, now), message.id, message.id)


def record_staff_sent(
    session: Session, claim: Claim, acceptance: Acceptance, *, now: datetime
) -> None:
    """The staff email went: mark it sent, and note the escalation on each request's timeline."""
    sent = session.get_one(StaffMessage, claim.message_id)
    sent.sent_at = acceptance.accepted_at
    sent.attempts += 1
    for request_id in sent.payload.get("request_ids", []):
        advice_request = session.scalar(
            select(AdviceRequest).where(AdviceRequest.id == uuid.UUID(request_id))
        )
        if advice_request is not None:
            record_event(
                session,
                actor="system",
                action="escalation.sent",
                now=acceptance.accepted_at,
                advice_request=advice_request,
                kind=sent.kind,
                to=sent.payload.get("meant_for", ""),
            )


def record_staff_failure(
    session: Session, claim: Claim, exc: MailDeliveryError, *, now: datetime
) -> None:
    """The send failed: release the claim for the next attempt, or give up if it never can."""
    failed = session.get_one(StaffMessage, claim.message_id)
    failed.claimed_at = None
    failed.attempts += 1
    failed.last_error = str(exc)[:500]
    if not exc.transient:
        failed.failed_at = now


def record_staff_gave_up(session: Session, staff_id: int, *, retries: Any, now: datetime) -> None:
    """After the last retry, stop trying a staff email and say why."""
    message = session.get(StaffMessage, staff_id)
    if message is None or message.sent_at or message.failed_at:
        return
    message.failed_at = now
    message.last_error = (
        f"gave up after {retries} attempts: {message.last_error or 'unknown error'}"
    )[:500]
