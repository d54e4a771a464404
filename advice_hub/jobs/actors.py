"""Dramatiq actors. They take ids only, are idempotent, and stay thin: the domain does the work."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

import dramatiq

from advice_hub.jobs.broker import PLACEHOLDER
from advice_hub.jobs.delivery import deliver_outbox_message, deliver_staff_message
from advice_hub.mail.deliveries import record_outbox_gave_up, record_staff_gave_up
from advice_hub.models import utcnow
from advice_hub.services import current_services
from advice_hub.transactions import transaction

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


@dramatiq.actor(
    broker=PLACEHOLDER,
    queue_name=MAIL_QUEUE,
    **MAIL_RETRIES,
    on_retry_exhausted="record_delivery_gave_up",
)
def deliver_email(outbox_id: int) -> None:
    services = current_services()
    outcome = deliver_outbox_message(
        services.session_factory, services.mail, services.settings, outbox_id
    )
    log.info("outbox message %s: %s", outbox_id, outcome.value)


@dramatiq.actor(broker=PLACEHOLDER, queue_name=MAIL_QUEUE, max_retries=3)
def record_delivery_gave_up(message_data: dict[str, Any], retry_info: dict[str, Any]) -> None:
    """After the last retry, record the failure where a case officer will see it."""
    (outbox_id,) = message_data["args"]
    with transaction(current_services().session_factory) as session:
        record_outbox_gave_up(
            session, outbox_id, retries=retry_info.get("retries", "?"), now=utcnow()
        )


@dramatiq.actor(
    broker=PLACEHOLDER,
    queue_name=MAIL_QUEUE,
    **MAIL_RETRIES,
    on_retry_exhausted="record_staff_delivery_gave_up",
)
def deliver_staff_email(staff_message_id: int) -> None:
    """An escalation or a digest to staff: idempotent through the message row's claim."""
    services = current_services()
    outcome = deliver_staff_message(
        services.session_factory, services.mail, services.settings, staff_message_id
    )
    log.info("staff message %s: %s", staff_message_id, outcome.value)


@dramatiq.actor(broker=PLACEHOLDER, queue_name=MAIL_QUEUE, max_retries=3)
def record_staff_delivery_gave_up(message_data: dict[str, Any], retry_info: dict[str, Any]) -> None:
    (staff_message_id,) = message_data["args"]
    with transaction(current_services().session_factory) as session:
        record_staff_gave_up(
            session, staff_message_id, retries=retry_info.get("retries", "?"), now=utcnow()
        )


ACTORS = (
    deliver_email,
    record_delivery_gave_up,
    deliver_staff_email,
    record_staff_delivery_gave_up,
)


def outbox_dispatcher(broker: dramatiq.Broker) -> Callable[[int], None]:
    """Hands outbox messages to this app's broker (not whichever broker was bound last)."""

    def dispatch(outbox_id: int) -> None:
        broker.enqueue(deliver_email.message(outbox_id))

    return dispatch


def staff_dispatcher(broker: dramatiq.Broker) -> Callable[[int], None]:
    """Hands staff messages (escalations, digests) to this app's broker."""

    def dispatch(staff_message_id: int) -> None:
        broker.enqueue(deliver_staff_email.message(staff_message_id))

    return dispatch
