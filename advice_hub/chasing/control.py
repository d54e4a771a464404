"""Chasing outside the sweep: a case officer's "chase now", calling off chases no longer
wanted, and whether a request is still chased or paused by a reg 8(2) exception."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from advice_hub.chasing import CHASED_STATUSES, ChaseKind
from advice_hub.chasing.planner import RECIPIENT_OF, PlannedMessage, Recipient
from advice_hub.chasing.state import is_paused
from advice_hub.chasing.sweep import queue_contributor_chase
from advice_hub.deadlines import london_date, next_sending_instant
from advice_hub.models import (
    AdviceRequest,
    AssessmentStatus,
    Chase,
    OutboxMessage,
)


class ChaseError(ValueError):
    """A chase the domain refuses, with a message a case officer can act on."""


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
    return queue_contributor_chase(session, advice_request, planned, now=now, actor=actor)


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
