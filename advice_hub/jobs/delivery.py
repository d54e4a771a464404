"""Sending one email: claim it, send it, record what happened, each in a transaction of its
own, so the mail server is never called while a transaction holds locks (the steps are in
``advice_hub.mail.deliveries``).

A transient failure (the mail server is down) is re-raised for the broker to retry with
backoff, or after the wait the provider asked for; a permanent one is recorded and not
retried. A sending limit that is used up holds the message back before it is claimed
(``SendLater``), which the actor turns into the same message again, later.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from datetime import datetime

import dramatiq
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from advice_hub.config import Settings
from advice_hub.mail.deliveries import (
    Claim,
    Outcome,
    claim_outbox_message,
    claim_staff_message,
    record_outbox_failure,
    record_outbox_sent,
    record_staff_failure,
    record_staff_sent,
)
from advice_hub.models import utcnow
from advice_hub.transactions import transaction
from notifications import Acceptance, MailBackend, MailDeliveryError, SendingLimit, SendLater

log = logging.getLogger(__name__)

# (session factory, mail backend, settings, message id) -> what became of the email
Deliver = Callable[..., Outcome]
# After the backend accepted an email, recording it is tried again after these pauses before
# giving up: a database blip must not turn into a retry that sends the email a second time.
RECORD_PAUSES = (0.5, 2.0, 5.0)


class AcceptedNotRecorded(Exception):
    """The backend took the email but it could not be recorded as sent. Never retried: the
    claim's lease runs out and the next claim decides (``deliveries``: it resends only what a
    second copy cannot harm)."""


def _sender(
    claim_it: Callable[..., Claim | Outcome],
    record_failure: Callable[..., None],
    record_sent: Callable[..., None],
) -> Deliver:
    """A sender made of one kind of email's three steps: claim, then record failure or sent."""

    def deliver(
        factory: sessionmaker[Session],
        mail: MailBackend,
        settings: Settings,
        message_id: int,
        *,
        clock: Callable[[], datetime] = utcnow,
        limit: SendingLimit | None = None,
    ) -> Outcome:
        if limit is not None and (wait := limit.try_acquire()) is not None:
            raise SendLater(wait)  # before the claim: nothing to undo
        with transaction(factory) as session:
            claim = claim_it(
                session, message_id, settings, now=clock(), resend_is_safe=mail.resend_is_safe
            )
        if not isinstance(claim, Claim):
            return claim
        try:
            acceptance = mail.send(claim.email)
        except MailDeliveryError as exc:
            with transaction(factory) as session:
                record_failure(session, claim, exc, now=clock())
            if exc.transient and exc.retry_after is not None:
                # The provider said when: the broker waits that long, not its own backoff.
                raise dramatiq.Retry(str(exc), delay=int(exc.retry_after * 1000)) from exc
            if exc.transient:
                raise  # the broker retries with backoff
            return Outcome.FAILED
        _record_accepted(factory, record_sent, claim, acceptance, clock)
        return Outcome.SENT

    return deliver


def _record_accepted(
    factory: sessionmaker[Session],
    record_sent: Callable[..., None],
    claim: Claim,
    acceptance: Acceptance,
    clock: Callable[[], datetime],
) -> None:
    for pause in (*RECORD_PAUSES, None):
        try:
            with transaction(factory) as session:
                record_sent(session, claim, acceptance, now=clock())
            return
        except SQLAlchemyError as exc:
            if pause is None:
                raise AcceptedNotRecorded(
                    f"{acceptance.backend} accepted message {claim.message_id} "
                    f"({acceptance.detail}) but it could not be recorded: {exc}"
                ) from exc
            log.warning(
                "Recording message %s as sent failed; trying again in %s s: %s",
                claim.message_id,
                pause,
                exc,
            )
            time.sleep(pause)


# The email an outbox row stands for, unless it has been sent already.
deliver_outbox_message = _sender(claim_outbox_message, record_outbox_failure, record_outbox_sent)
# One staff email (an escalation, a digest), unless it has gone already or has nothing left
# to say.
deliver_staff_message = _sender(claim_staff_message, record_staff_failure, record_staff_sent)
