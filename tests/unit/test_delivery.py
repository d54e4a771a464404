"""Outbox, relay and send ledger on the fast layer (StubBroker, mail to files)."""

from __future__ import annotations

import logging
from dataclasses import replace
from datetime import timedelta
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from advice_hub.assessments.recording import agree_assessment
from advice_hub.deadlines import london_date
from advice_hub.jobs.clock import tick
from advice_hub.jobs.delivery import Outcome, deliver_outbox_message
from advice_hub.logs import RedactLinkTokens
from advice_hub.models import (
    AdviceRequest,
    AuditEvent,
    LinkToken,
    OutboxMessage,
    RequestStatus,
    SendLedger,
    utcnow,
)
from advice_hub.outbox import relay_unsent
from advice_hub.requests.links import token_sha256
from notifications import Acceptance, MailDeliveryError
from notifications.mailbox import links_in, list_messages, read_message
from tests.factories import fresh, make_assessment


def emails(svc: Any) -> list[Any]:
    return list_messages(Path(svc.settings.mail_outbox_dir))


def test_a_rolled_back_agreement_sends_nothing(session: Any, svc: Any, jobs: Any) -> None:
    assessment = make_assessment(session)
    session.commit()
    agree_assessment(
        session, assessment, decided_on=london_date(utcnow()), now=utcnow(), actor="test"
    )
    session.flush()
    session.rollback()
    jobs.run()
    assert emails(svc) == []
    assert session.scalar(select(func.count(OutboxMessage.id))) == 0


def test_a_message_delivered_again_sends_no_second_email(session: Any, svc: Any, jobs: Any) -> None:
    make_assessment(session, agreed=True)
    session.commit()
    jobs.run()
    assert len(emails(svc)) == 4
    outbox_ids = session.scalars(select(OutboxMessage.id)).all()
    assert len(outbox_ids) == 4
    for outbox_id in outbox_ids:
        assert (
            deliver_outbox_message(svc.session_factory, svc.mail, svc.settings, outbox_id)
            == Outcome.NOTHING_TO_DO
        )
    # Even a message whose outbox row was somehow reset finds the ledger and sends nothing.
    from advice_hub.jobs.actors import deliver_email

    for message in fresh(session).scalars(select(OutboxMessage)):
        message.completed_at = None
    session.commit()
    for outbox_id in outbox_ids:
        deliver_email.send(outbox_id)
    jobs.run()
    assert len(emails(svc)) == 4
    assert session.scalar(select(func.count(SendLedger.id))) == 4
    incomplete = select(func.count(OutboxMessage.id)).where(OutboxMessage.completed_at.is_(None))
    assert fresh(session).scalar(incomplete) == 0


class RecordingBackend:
    """The file backend, keeping every message it was handed."""

    name = "file"
    resend_is_safe = True

    def __init__(self, inner: Any) -> None:
        self.inner = inner
        self.sent: list[EmailMessage] = []

    def send(self, message: EmailMessage) -> Acceptance:
        self.sent.append(message)
        result: Acceptance = self.inner.send(message)
        return result


def test_an_outbox_row_whose_email_the_ledger_records_as_sent_is_completed_and_not_sent_again(
    session: Any, svc: Any
) -> None:
    make_assessment(session, agreed=True)
    session.info.pop("advice_hub.outbox_pending", None)
    session.commit()
    outbox_id = session.scalars(select(OutboxMessage.id).order_by(OutboxMessage.id)).first()
    first = deliver_outbox_message(svc.session_factory, svc.mail, svc.settings, outbox_id)
    assert first == Outcome.SENT
    assert len(emails(svc)) == 1
    # The outbox row loses its completion (put back by hand, say) while the ledger still
    # records the email as sent.
    message = fresh(session).get_one(OutboxMessage, outbox_id)
    message.completed_at = None
    session.commit()
    ledger = session.scalars(select(SendLedger)).one()
    assert ledger.sent_at is not None
    sent_at, attempts = ledger.sent_at, message.attempts
    an_hour_later = sent_at + timedelta(hours=1)
    recorder = RecordingBackend(svc.mail)

    outcome = deliver_outbox_message(
        svc.session_factory, recorder, svc.settings, outbox_id, clock=lambda: an_hour_later
    )

    assert outcome == Outcome.ALREADY_SENT
    assert recorder.sent == []
    assert len(emails(svc)) == 1
    message = fresh(session).get_one(OutboxMessage, outbox_id)
    assert message.completed_at == sent_at  # when it was sent, not when this was noticed
    assert message.attempts == attempts
    sends = select(func.count(AuditEvent.id)).where(AuditEvent.action == "email.sent")
    assert session.scalar(sends) == 1
    # Completed now, the row is left alone from here on.
    again = deliver_outbox_message(svc.session_factory, recorder, svc.settings, outbox_id)
    assert again == Outcome.NOTHING_TO_DO
    assert recorder.sent == []


def test_each_email_carries_its_own_token_and_only_the_hash_is_stored(
    session: Any, svc: Any, jobs: Any
) -> None:
    make_assessment(session, agreed=True)
    session.commit()
    jobs.run()
    folder = Path(svc.settings.mail_outbox_dir)
    tokens = [links_in(read_message(folder, m.name))[0].rsplit("/", 1)[1] for m in emails(svc)]
    assert len(set(tokens)) == 4
    assert all(len(t) >= 43 for t in tokens)  # 32 bytes of secrets.token_urlsafe
    stored = set(session.scalars(select(LinkToken.token_sha256)))
    assert {token_sha256(t) for t in tokens} == stored
    assert not any(t in stored for t in tokens)


def test_receipt_starts_the_six_week_clock(session: Any, jobs: Any) -> None:
    make_assessment(session, agreed=True)
    session.commit()
    jobs.run()
    advice_requests = fresh(session).scalars(select(AdviceRequest)).all()
    assert len(advice_requests) == 4
    for advice_request in advice_requests:
        assert advice_request.status == RequestStatus.SENT
        assert advice_request.received_at is not None
        assert advice_request.due_on == london_date(advice_request.received_at) + timedelta(weeks=6)


def test_the_relay_hands_over_committed_messages_the_broker_never_got(
    session: Any, svc: Any, jobs: Any
) -> None:
    make_assessment(session, agreed=True)
    # Commit without the after-commit hook, as if the process died right after commit.
    session.info.pop("advice_hub.outbox_pending", None)
    session.commit()
    jobs.run()
    assert emails(svc) == []
    dispatched: list[int] = []
    relayed = relay_unsent(session, dispatched.append, now=utcnow(), grace=timedelta(minutes=1))
    assert relayed == 0, "messages younger than the grace period are left to the fast path"
    svc.settings = replace(svc.settings, outbox_relay_grace_seconds=0)
    assert tick(svc)["relayed"] == 4
    jobs.run()
    assert len(emails(svc)) == 4
    assert tick(svc)["relayed"] == 0


class RefusingBackend:
    name = "smtp"
    resend_is_safe = True

    def __init__(self, transient: bool) -> None:
        self.transient = transient
        self.sent: list[EmailMessage] = []

    def send(self, message: EmailMessage) -> Acceptance:
        raise MailDeliveryError("550 mailbox unavailable", transient=self.transient)


def test_a_permanent_refusal_is_shown_as_failed_and_not_retried(session: Any, svc: Any) -> None:
    make_assessment(session, agreed=True)
    session.info.pop("advice_hub.outbox_pending", None)
    session.commit()
    outbox_id = session.scalars(select(OutboxMessage.id)).first()
    outcome = deliver_outbox_message(
        svc.session_factory, RefusingBackend(transient=False), svc.settings, outbox_id
    )
    assert outcome == Outcome.FAILED
    fresh(session)
    message = session.get(OutboxMessage, outbox_id)
    assert message.failed_at is not None and "550" in message.last_error
    assert message.advice_request.status == RequestStatus.SEND_FAILED
    ledger = session.scalar(select(SendLedger))
    assert ledger.sent_at is None and ledger.claimed_at is None


def test_a_transient_failure_is_raised_for_retry_and_releases_the_claim(
    session: Any, svc: Any
) -> None:
    make_assessment(session, agreed=True)
    session.info.pop("advice_hub.outbox_pending", None)
    session.commit()
    outbox_id = session.scalars(select(OutboxMessage.id)).first()
    with pytest.raises(MailDeliveryError):
        deliver_outbox_message(
            svc.session_factory, RefusingBackend(transient=True), svc.settings, outbox_id
        )
    fresh(session)
    assert session.get(OutboxMessage, outbox_id).failed_at is None
    assert session.scalar(select(SendLedger)).claimed_at is None
    # The next attempt, with a working backend, sends it.
    outcome = deliver_outbox_message(svc.session_factory, svc.mail, svc.settings, outbox_id)
    assert outcome == Outcome.SENT


def test_log_records_never_carry_a_link_token() -> None:
    record = logging.LogRecord(
        "werkzeug",
        logging.INFO,
        __file__,
        1,
        '127.0.0.1 - - "%s" 200',
        ("GET /a/AbCdEf0123456789_-xyz HTTP/1.1",),
        None,
    )
    RedactLinkTokens().filter(record)
    assert "AbCdEf0123456789" not in record.getMessage()
    assert "/a/[redacted]" in record.getMessage()
