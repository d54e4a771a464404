"""Dramatiq actors. They take ids only, are idempotent, and stay thin: the domain does the work.

Two kinds of email go through the same pair of actors' shape: one that sends (retried with
backoff while the mail server is down) and one that records the failure once the retries run
out, where a case officer will see it.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

import dramatiq
from sqlalchemy.orm import Session

from advice_hub.jobs.broker import PLACEHOLDER
from advice_hub.jobs.delivery import (
    AcceptedNotRecorded,
    Deliver,
    deliver_outbox_message,
    deliver_staff_message,
)
from advice_hub.mail.deliveries import record_outbox_gave_up, record_staff_gave_up
from advice_hub.models import utcnow
from advice_hub.services import current_services
from advice_hub.transactions import transaction
from notifications import SendLater

log = logging.getLogger(__name__)

MAIL_QUEUE = "mail"
# Every email actor: a mail server that is down is tried 8 more times, backing off from 10
# seconds (about three quarters of an hour in all) before the failure is recorded.
MAIL_RETRIES: dict[str, Any] = {
    "max_retries": 8,
    "min_backoff": 10_000,
    "max_backoff": 30 * 60_000,
    "time_limit": 120_000,
}

Actor = dramatiq.Actor[Any, Any]
GAVE_UP_STAFF = "record_staff_delivery_gave_up"


def _sender(name: str, deliver: Deliver, *, what: str, gave_up_actor: str) -> Actor:
    def send(message_id: int) -> None:
        services = current_services()
        try:
            outcome = deliver(
                services.session_factory,
                services.mail,
                services.settings,
                message_id,
                limit=services.sending_limit,
            )
        except SendLater as later:
            # Held back, not failed: the same message again later, with its retries untouched.
            services.broker.enqueue(actor.message(message_id), delay=int(later.seconds * 1000))
            log.info(
                "%s %s: held back %.0f s by the sending limit", what, message_id, later.seconds
            )
            return
        log.info("%s %s: %s", what, message_id, outcome.value)

    send.__doc__ = f"Send one {what}: idempotent through its send-ledger claim."
    declare = dramatiq.actor(
        actor_name=name,
        broker=PLACEHOLDER,
        queue_name=MAIL_QUEUE,
        on_retry_exhausted=gave_up_actor,
        throws=(AcceptedNotRecorded,),
        **MAIL_RETRIES,
    )
    actor: Actor = declare(send)
    return actor


def _gave_up(name: str, record: Callable[..., None]) -> Actor:
    def record_failure(message_data: dict[str, Any], retry_info: dict[str, Any]) -> None:
        (message_id,) = message_data["args"]
        session: Session
        with transaction(current_services().session_factory) as session:
            record(session, message_id, retries=retry_info.get("retries", "?"), now=utcnow())

    record_failure.__doc__ = "After the last retry, record the failure for a case officer."
    declare = dramatiq.actor(
        actor_name=name, broker=PLACEHOLDER, queue_name=MAIL_QUEUE, max_retries=3
    )
    return declare(record_failure)


deliver_email = _sender(
    "deliver_email",
    deliver_outbox_message,
    what="outbox message",
    gave_up_actor="record_delivery_gave_up",
)
record_delivery_gave_up = _gave_up("record_delivery_gave_up", record_outbox_gave_up)
# Escalations and digests to staff.
deliver_staff_email = _sender(
    "deliver_staff_email", deliver_staff_message, what="staff message", gave_up_actor=GAVE_UP_STAFF
)
record_staff_delivery_gave_up = _gave_up(GAVE_UP_STAFF, record_staff_gave_up)

ACTORS = (
    deliver_email,
    record_delivery_gave_up,
    deliver_staff_email,
    record_staff_delivery_gave_up,
)


def _dispatcher(broker: dramatiq.Broker, actor: Actor) -> Callable[[int], None]:
    def dispatch(message_id: int) -> None:
        broker.enqueue(actor.message(message_id))

    return dispatch


def outbox_dispatcher(broker: dramatiq.Broker) -> Callable[[int], None]:
    """Hands outbox messages to this app's broker (not whichever broker was bound last)."""
    return _dispatcher(broker, deliver_email)


def staff_dispatcher(broker: dramatiq.Broker) -> Callable[[int], None]:
    """Hands staff messages (escalations, digests) to this app's broker."""
    return _dispatcher(broker, deliver_staff_email)
