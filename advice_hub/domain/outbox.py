"""The transactional outbox: messages are rows committed with the change that caused them.

After commit the new rows are handed to the broker (fast path). The clock's relay hands over
rows still incomplete after a grace period (slow path: broker down, crash after commit). A
message enqueued twice is harmless: delivery is idempotent through the send ledger.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, or_, select, update
from sqlalchemy.orm import Session, sessionmaker

from advice_hub.models import AdviceRequest, OutboxMessage, utcnow

log = logging.getLogger(__name__)

PENDING_KEY = "advice_hub.outbox_pending"
# A dispatched message not completed by then is assumed lost with its worker and re-sent.
REDISPATCH_AFTER = timedelta(minutes=10)

Dispatch = Callable[[int], None]


def queue_message(
    session: Session, advice_request: AdviceRequest, kind: str, *, now: datetime
) -> OutboxMessage:
    """Add an outbox row for one email; it is dispatched only if the transaction commits."""
    session.flush()  # the request needs its id for the sequence query
    last = session.scalar(
        select(func.max(OutboxMessage.sequence)).where(
            OutboxMessage.advice_request_id == advice_request.id, OutboxMessage.kind == kind
        )
    )
    message = OutboxMessage(
        advice_request_id=advice_request.id,
        kind=kind,
        sequence=(last or 0) + 1,
        created_at=now,
    )
    session.add(message)
    session.info.setdefault(PENDING_KEY, []).append(message)
    return message


def install_after_commit_dispatch(factory: sessionmaker[Session], dispatch: Dispatch) -> None:
    """Hand each session's new outbox rows to `dispatch` once, and only after commit."""
    from sqlalchemy import event

    @event.listens_for(factory, "after_commit")
    def _after_commit(session: Session) -> None:
        pending: list[OutboxMessage] = session.info.pop(PENDING_KEY, [])
        ids = [m.id for m in pending if m.id is not None]
        if not ids:
            return
        sent = []
        for message_id in ids:
            try:
                dispatch(message_id)
                sent.append(message_id)
            except Exception:
                # The row is committed; the relay will hand it over once the broker is back.
                log.exception("broker refused outbox message %s; the relay will retry", message_id)
        if sent:
            _mark_dispatched(session, sent)

    @event.listens_for(factory, "after_rollback")
    def _after_rollback(session: Session) -> None:
        # Nothing from a rolled-back transaction may ever be sent.
        session.info.pop(PENDING_KEY, None)


def _mark_dispatched(session: Session, ids: list[int]) -> None:
    bind: Any = session.get_bind()
    try:
        with bind.engine.begin() as connection:
            connection.execute(
                update(OutboxMessage)
                .where(OutboxMessage.id.in_(ids), OutboxMessage.dispatched_at.is_(None))
                .values(dispatched_at=utcnow())
            )
    except Exception:
        # Only the relay's bookkeeping is lost: at worst it enqueues again, which is harmless.
        log.exception("could not mark outbox messages dispatched")


def relay_unsent(
    session: Session, dispatch: Dispatch, *, now: datetime, grace: timedelta, limit: int = 500
) -> int:
    """Hand over committed messages that never reached the broker or a worker; returns count."""
    due = or_(
        (OutboxMessage.dispatched_at.is_(None)) & (OutboxMessage.created_at <= now - grace),
        OutboxMessage.dispatched_at <= now - REDISPATCH_AFTER,
    )
    query = (
        select(OutboxMessage)
        .where(OutboxMessage.completed_at.is_(None), OutboxMessage.failed_at.is_(None), due)
        .order_by(OutboxMessage.id)
        .limit(limit)
    )
    if session.get_bind().dialect.name == "postgresql":
        # Two clocks never hand over the same rows at once.
        query = query.with_for_update(skip_locked=True)
    messages = session.scalars(query).all()
    for message in messages:
        dispatch(message.id)
        message.dispatched_at = now
    return len(messages)
