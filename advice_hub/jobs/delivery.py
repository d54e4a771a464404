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


def deliver_outbox_message(
    factory: sessionmaker[Session],
    mail: MailBackend,
    settings: Settings,
    outbox_id: int,
    *,
    clock: Callable[[], datetime] = utcnow,
) -> Outcome:
    """Send the email an outbox row stands for, unless it has been sent already."""
    with transaction(factory) as session:
        claim = claim_outbox_message(session, outbox_id, settings, now=clock())
    if not isinstance(claim, Claim):
        return claim
    try:
        acceptance = mail.send(claim.email)
    except MailDeliveryError as exc:
        with transaction(factory) as session:
            record_outbox_failure(session, outbox_id, claim.ledger_id, exc, now=clock())
        if exc.transient:
            raise  # the broker retries with backoff
        return Outcome.FAILED
    with transaction(factory) as session:
        record_outbox_sent(session, outbox_id, claim.ledger_id, acceptance, now=clock())
    return Outcome.SENT


def deliver_staff_message(
    factory: sessionmaker[Session],
    mail: MailBackend,
    settings: Settings,
    staff_id: int,
    *,
    clock: Callable[[], datetime] = utcnow,
) -> Outcome:
    """Send one staff email unless it has gone already (or has nothing left to say)."""
    with transaction(factory) as session:
        claim = claim_staff_message(session, staff_id, settings, now=clock())
    if not isinstance(claim, Claim):
        return claim
    try:
        acceptance = mail.send(claim.email)
    except MailDeliveryError as exc:
        with transaction(factory) as session:
            record_staff_failure(session, staff_id, exc, now=clock())
        if exc.transient:
            raise
        return Outcome.FAILED
    with transaction(factory) as session:
        record_staff_sent(session, staff_id, acceptance)
    return Outcome.SENT
