"""Chasing outside the sweep: a case officer's "chase now" and calling off chases no longer
wanted."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from advice_hub.chasing import ChaseKind
from advice_hub.chasing.outlook import chase_now_refusal
from advice_hub.chasing.planner import PlannedMessage, Recipient
from advice_hub.chasing.state import exception_periods
from advice_hub.chasing.sweep import queue_contributor_chase, request_facts
from advice_hub.deadlines import london_date, next_sending_instant
from advice_hub.models import (
    AdviceRequest,
    Chase,
    OutboxMessage,
)


class ChaseError(ValueError):
    """A chase the domain refuses, with a message a case officer can act on."""


def chase_now(
    session: Session, advice_request: AdviceRequest, *, now: datetime, actor: str
) -> Chase:
    """A case officer's "chase now": one reminder with a fresh link, at most one per working day.

    Goes now in office hours, otherwise at the next opening. Refused, with the reason
    (``ChaseError``), for exactly the reasons ``outlook.chase_now_refusal`` gives, read again
    here under the request's lock: the page offered the chase, but another officer may have
    chased or an exception been recorded since.
    """
    session.refresh(advice_request, with_for_update=True)
    refusal = chase_now_refused(session, advice_request, now=now)
    if refusal is not None:
        raise ChaseError(refusal)
    send_at = next_sending_instant(now)
    day = london_date(send_at)
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


def chase_now_refused(
    session: Session, advice_request: AdviceRequest, *, now: datetime
) -> str | None:
    """Why "chase now" would be refused for ``advice_request`` at ``now``, or None."""
    live = session.execute(
        select(Chase.kind, Chase.send_at).where(
            Chase.advice_request_id == advice_request.id, Chase.cancelled_at.is_(None)
        )
    ).all()
    periods = exception_periods(session, [advice_request.id]).get(advice_request.id, [])
    sent = [(kind, send_at) for kind, send_at in live]
    facts = request_facts(advice_request, sent, periods)  # type: ignore[arg-type]
    return chase_now_refusal(facts, now, contributor=advice_request.contributor.name)


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
