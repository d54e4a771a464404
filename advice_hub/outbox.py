"""The transactional outbox: messages are rows committed with the change that caused them.

Two kinds of row: ``OutboxMessage`` (an email about one advice request, to its contributor
or reviewer) and ``StaffMessage`` (an escalation or a digest to staff). After commit the new
rows are handed to the broker (fast path). The clock's relay hands over rows still incomplete
after a grace period (slow path: broker down, crash after commit). A message enqueued twice
is harmless: delivery is idempotent through the send ledger.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import event, func, or_, select, update
from sqlalchemy.orm import Session, sessionmaker

from advice_hub.deadlines import next_sending_instant
from advice_hub.models import AdviceRequest, OutboxMessage, StaffMessage, StaffMessageKind, utcnow

log = logging.getLogger(__name__)

PENDING_KEY = "advice_hub.outbox_pending"
STAFF_PENDING_KEY = "advice_hub.staff_pending"
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


def queue_staff_message(
    session: Session,
    *,
    kind: StaffMessageKind,
    recipient: str,
    recipient_name: str,
    meant_for: str,
    user_id: int | None,
    agency: str | None,
    day: date,
    send_after: datetime | None,
    now: datetime,
    request_id: str | None = None,
    service_id: int | None = None,
) -> StaffMessage:
    """The recipient's unsent message of this kind for ``day``, created if need be, with
    ``request_id`` added to its list. An empty ``recipient`` means the SEND team's mailbox.

    One message per recipient a day: a request escalated after that day's email has gone
    starts a second one (rare: escalations are planned for the day's opening). A lead of a
    directory service (``service_id``) has one message a day for each service they lead.
    """
    scope = f"{agency or '-'}/{service_id}" if service_id is not None else agency or "-"
    prefix = f"{kind}:{scope}:{recipient or 'send-team'}:{day.isoformat()}:"
    existing = session.scalars(
        select(StaffMessage)
        .where(StaffMessage.key.startswith(prefix, autoescape=True))
        .with_for_update()  # a worker claiming it meanwhile waits, then sees the new list
    ).all()
    message = next((m for m in existing if m.claimed_at is None and m.sent_at is None), None)
    if message is None:
        message = StaffMessage(
            kind=kind.value,
            key=f"{prefix}{len(existing) + 1}",
            recipient=recipient,
            recipient_name=recipient_name,
            user_id=user_id,
            agency=agency,
            payload={
                "request_ids": [],
                "meant_for": meant_for,
                "day": day.isoformat(),
                **({"service_id": service_id} if service_id is not None else {}),
            },
            created_at=now,
            send_after=send_after,
        )
        session.add(message)
        session.flush()
        session.info.setdefault(STAFF_PENDING_KEY, []).append(message)
    if request_id is not None and request_id not in message.payload["request_ids"]:
        # A new dict, so the JSON column sees the change.
        message.payload = {
            **message.payload,
            "request_ids": [*message.payload["request_ids"], request_id],
        }
    return message


def install_after_commit_dispatch(
    factory: sessionmaker[Session],
    dispatch: Dispatch,
    dispatch_staff: Dispatch | None = None,
    *,
    clock: Callable[[], datetime] = utcnow,
) -> None:
    """Hand each session's new outbox rows (and staff messages) to the broker once, and only
    after commit. A message meant for later (``send_after``: a chase planned outside office
    hours) is left for the relay to hand over when its time comes."""

    @event.listens_for(factory, "after_commit")
    def _after_commit(session: Session) -> None:
        now = clock()
        for key, model, send in (
            (PENDING_KEY, OutboxMessage, dispatch),
            (STAFF_PENDING_KEY, StaffMessage, dispatch_staff),
        ):
            pending = session.info.pop(key, [])
            ids = [
                m.id
                for m in pending
                if m.id is not None and (m.send_after is None or m.send_after <= now)
            ]
            if ids and send is not None:
                _dispatch_all(session, model, ids, send, now)

    @event.listens_for(factory, "after_rollback")
    def _after_rollback(session: Session) -> None:
        # Nothing from a rolled-back transaction may ever be sent.
        session.info.pop(PENDING_KEY, None)
        session.info.pop(STAFF_PENDING_KEY, None)


def _dispatch_all(
    session: Session, model: Any, ids: list[int], send: Dispatch, now: datetime
) -> None:
    sent = []
    for message_id in ids:
        try:
            send(message_id)
            sent.append(message_id)
        except Exception:
            # The row is committed; the relay will hand it over once the broker is back.
            log.exception("broker refused %s %s; the relay will retry", model.__name__, message_id)
    if sent:
        _mark_dispatched(session, model, sent, now)


def _mark_dispatched(session: Session, model: Any, ids: list[int], now: datetime) -> None:
    bind: Any = session.get_bind()
    try:
        with bind.engine.begin() as connection:
            connection.execute(
                update(model)
                .where(model.id.in_(ids), model.dispatched_at.is_(None))
                .values(dispatched_at=now)
            )
    except Exception:
        # Only the relay's bookkeeping is lost: at worst it enqueues again, which is harmless.
        log.exception("could not mark %s rows dispatched", model.__name__)


def _relay_rows(
    session: Session,
    model: Any,
    unfinished: list[Any],
    dispatch: Dispatch,
    *,
    now: datetime,
    grace: timedelta,
    limit: int = 500,
) -> int:
    """Hand over rows of ``model`` (outbox or staff messages) that are ``unfinished`` and
    never reached the broker or a worker, or were handed over long ago; returns how many."""
    due = or_(
        (model.dispatched_at.is_(None)) & (model.created_at <= now - grace),
        # A message held for office hours goes as soon as its time comes, without a grace.
        (model.dispatched_at.is_(None)) & model.send_after.is_not(None) & (model.send_after <= now),
        model.dispatched_at <= now - REDISPATCH_AFTER,
    )
    query = (
        select(model)
        .where(
            *unfinished,
            or_(model.send_after.is_(None), model.send_after <= now),
            due,
        )
        .order_by(model.id)
        .limit(limit)
    )
    if session.get_bind().dialect.name == "postgresql":
        # Two clocks never hand over the same rows at once.
        query = query.with_for_update(skip_locked=True)
    relayed = 0
    for message in session.scalars(query).all():
        if message.send_after is not None and next_sending_instant(now) != now:
            # Meant for office hours, and its time passed while the clock was down: it waits
            # for them (the sweep cancels a contributor's chase left over from an earlier day).
            continue
        dispatch(message.id)
        message.dispatched_at = now
        relayed += 1
    return relayed


def relay_unsent(
    session: Session, dispatch: Dispatch, *, now: datetime, grace: timedelta, limit: int = 500
) -> int:
    """Hand over committed emails that never reached the broker or a worker; returns count."""
    unfinished = [
        OutboxMessage.completed_at.is_(None),
        OutboxMessage.failed_at.is_(None),
        OutboxMessage.cancelled_at.is_(None),
    ]
    return _relay_rows(
        session, OutboxMessage, unfinished, dispatch, now=now, grace=grace, limit=limit
    )


def relay_unsent_staff(
    session: Session,
    dispatch: Callable[[int], None],
    *,
    now: datetime,
    grace: timedelta,
    limit: int = 500,
) -> int:
    """Hand over staff messages that are due and never reached a worker; returns how many."""
    unfinished = [StaffMessage.sent_at.is_(None), StaffMessage.failed_at.is_(None)]
    return _relay_rows(
        session, StaffMessage, unfinished, dispatch, now=now, grace=grace, limit=limit
    )
