"""Sending one email: claim it, send it, record what happened, each in a transaction of its
own, so the mail server is never called while a transaction holds locks (the steps are in
``advice_hub.mail.deliveries``).

A transient failure (the mail server is down) is re-raised for the broker to retry with
backoff; a permanent one is recorded and not retried.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

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
from notifications import MailBackend, MailDeliveryError

# (session factory, mail backend, settings, message id) -> what became of the email
Deliver = Callable[..., Outcome]


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
    ) -> Outcome:
        with transaction(factory) as session:
            claim = claim_it(session, message_id, settings, now=clock())
        if not isinstance(claim, Claim):
            return claim
        try:
            acceptance = mail.send(claim.email)
        except MailDeliveryError as exc:
            with transaction(factory) as session:
                record_failure(session, claim, exc, now=clock())
            if exc.transient:
                raise  # the broker retries with backoff
            return Outcome.FAILED
        with transaction(factory) as session:
            record_sent(session, claim, acceptance, now=clock())
        return Outcome.SENT

    return deliver


# The email an outbox row stands for, unless it has been sent already.
deliver_outbox_message = _sender(claim_outbox_message, record_outbox_failure, record_outbox_sent)
# One staff email (an escalation, a digest), unless it has gone already or has nothing left
# to say.
deliver_staff_message = _sender(claim_staff_message, record_staff_failure, record_staff_sent)
