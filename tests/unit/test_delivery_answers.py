"""What the sender does with each kind of answer a mail provider gives: a wait it asks for, a
send that may have gone, a sending limit used up, an acceptance that cannot be recorded, and a
lapsed claim through a backend that would deliver a second copy (Graph, Notify)."""

from __future__ import annotations

from datetime import timedelta
from email.message import EmailMessage
from typing import Any

import dramatiq
import pytest
from dramatiq.rate_limits.backends import StubBackend
from sqlalchemy import func, select
from sqlalchemy.exc import OperationalError

from advice_hub.jobs import delivery
from advice_hub.jobs.delivery import AcceptedNotRecorded, Outcome, deliver_outbox_message
from advice_hub.mail.deliveries import CLAIM_LEASE, OUTCOME_UNKNOWN
from advice_hub.models import OutboxMessage, RequestStatus, SendLedger, utcnow
from notifications import Acceptance, MailDeliveryError, MessagesPerMinute, SendLater
from tests.factories import fresh, make_assessment


class ScriptedBackend:
    """A backend answering each send with the next of ``answers``: an exception to raise,
    or None to accept; it keeps every message it was handed."""

    name = "graph"

    def __init__(self, *answers: MailDeliveryError | None, resend_is_safe: bool = False) -> None:
        self.answers = list(answers)
        self.resend_is_safe = resend_is_safe
        self.sent: list[EmailMessage] = []

    def send(self, message: EmailMessage) -> Acceptance:
        self.sent.append(message)
        answer = self.answers.pop(0) if self.answers else None
        if answer is not None:
            raise answer
        return Acceptance(accepted_at=utcnow(), backend=self.name, detail="202")


def _first_request_message(session: Any) -> int:
    make_assessment(session, agreed=True)
    # Not handed to the in-process broker: each test sends it itself.
    session.info.pop("advice_hub.outbox_pending", None)
    session.commit()
    outbox_id = session.scalars(select(OutboxMessage.id).order_by(OutboxMessage.id)).first()
    assert outbox_id is not None
    return outbox_id


def test_a_wait_the_provider_asks_for_becomes_the_retry_delay(session: Any, svc: Any) -> None:
    outbox_id = _first_request_message(session)
    throttled = MailDeliveryError("429 Too Many Requests", transient=True, retry_after=42)
    backend = ScriptedBackend(throttled)

    with pytest.raises(dramatiq.Retry) as raised:
        deliver_outbox_message(svc.session_factory, backend, svc.settings, outbox_id)

    assert raised.value.delay == 42_000
    fresh(session)
    assert session.scalars(select(SendLedger)).one().claimed_at is None  # released for the retry
    assert session.get(OutboxMessage, outbox_id).failed_at is None


def test_a_send_that_may_have_gone_is_shown_to_the_officer_and_not_tried_again(
    session: Any, svc: Any
) -> None:
    outbox_id = _first_request_message(session)
    unanswered = MailDeliveryError(
        "Graph did not answer: the message may have been sent", transient=False, maybe_sent=True
    )
    backend = ScriptedBackend(unanswered)

    outcome = deliver_outbox_message(svc.session_factory, backend, svc.settings, outbox_id)

    assert outcome == Outcome.FAILED
    message = fresh(session).get_one(OutboxMessage, outbox_id)
    assert message.failed_at is not None
    assert "may have been sent" in (message.last_error or "")
    assert message.advice_request.status == RequestStatus.SEND_FAILED
    assert deliver_outbox_message(svc.session_factory, backend, svc.settings, outbox_id) == (
        Outcome.NOTHING_TO_DO
    )
    assert len(backend.sent) == 1


def test_a_used_up_limit_holds_the_message_back_before_it_is_claimed(
    session: Any, svc: Any
) -> None:
    make_assessment(session, agreed=True)
    session.info.pop("advice_hub.outbox_pending", None)
    session.commit()
    outbox_ids = list(session.scalars(select(OutboxMessage.id).order_by(OutboxMessage.id)))
    assert len(outbox_ids) == 4
    limit = MessagesPerMinute(StubBackend(), "test-mailbox", limit=3)
    backend = ScriptedBackend()

    for outbox_id in outbox_ids[:3]:
        outcome = deliver_outbox_message(
            svc.session_factory, backend, svc.settings, outbox_id, limit=limit
        )
        assert outcome == Outcome.SENT
    with pytest.raises(SendLater) as held:
        deliver_outbox_message(
            svc.session_factory, backend, svc.settings, outbox_ids[3], limit=limit
        )

    assert 15 <= held.value.seconds <= 30
    assert len(backend.sent) == 3
    # Held back before the claim: no ledger row, no link issued, nothing to undo.
    assert fresh(session).scalar(select(func.count(SendLedger.id))) == 3
    assert session.get_one(OutboxMessage, outbox_ids[3]).attempts == 0


def test_a_limit_counted_in_one_store_is_shared_by_every_sender() -> None:
    counts = StubBackend()
    one, other = (MessagesPerMinute(counts, "shared-mailbox", limit=2) for _ in range(2))

    assert one.try_acquire() is None
    assert other.try_acquire() is None
    assert one.try_acquire() is not None
    assert other.try_acquire() is not None
    assert MessagesPerMinute(counts, "another-mailbox", limit=2).try_acquire() is None


def test_an_acceptance_is_recorded_again_rather_than_sent_again(
    session: Any, svc: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    outbox_id = _first_request_message(session)
    monkeypatch.setattr(delivery, "RECORD_PAUSES", (0.0, 0.0))
    real_record = delivery.record_outbox_sent
    failures = iter([True, True])

    def record_flakily(*args: Any, **kwargs: Any) -> None:
        if next(failures, False):
            raise OperationalError("UPDATE send_ledger", {}, Exception("connection lost"))
        real_record(*args, **kwargs)

    send = delivery._sender(
        delivery.claim_outbox_message, delivery.record_outbox_failure, record_flakily
    )
    backend = ScriptedBackend()

    assert send(svc.session_factory, backend, svc.settings, outbox_id) == Outcome.SENT

    assert len(backend.sent) == 1
    assert fresh(session).scalars(select(SendLedger)).one().sent_at is not None


def test_an_acceptance_that_cannot_be_recorded_is_not_retried(
    session: Any, svc: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    outbox_id = _first_request_message(session)
    monkeypatch.setattr(delivery, "RECORD_PAUSES", (0.0,))

    def never_recorded(*args: Any, **kwargs: Any) -> None:
        raise OperationalError("UPDATE send_ledger", {}, Exception("database gone"))

    send = delivery._sender(
        delivery.claim_outbox_message, delivery.record_outbox_failure, never_recorded
    )
    backend = ScriptedBackend()

    with pytest.raises(AcceptedNotRecorded, match="accepted message"):
        send(svc.session_factory, backend, svc.settings, outbox_id)

    from advice_hub.jobs.actors import deliver_email

    assert AcceptedNotRecorded in deliver_email.options["throws"]
    # Its claim stays until the lease lapses; then the next claim decides (below).
    ledger = fresh(session).scalars(select(SendLedger)).one()
    assert ledger.claimed_at is not None and ledger.sent_at is None


@pytest.mark.parametrize(("resend_is_safe", "sent_again"), [(False, False), (True, True)])
def test_a_lapsed_claim_is_sent_again_only_where_a_second_copy_is_harmless(
    session: Any, svc: Any, resend_is_safe: bool, sent_again: bool
) -> None:
    outbox_id = _first_request_message(session)
    backend = ScriptedBackend(resend_is_safe=resend_is_safe)
    lapsed = utcnow() - CLAIM_LEASE - timedelta(seconds=1)
    # A worker claimed the email and stopped before its outcome was recorded.
    deliver_outbox_message(
        svc.session_factory, ScriptedBackend(), svc.settings, outbox_id, clock=lambda: lapsed
    )
    ledger = fresh(session).scalars(select(SendLedger)).one()
    ledger.sent_at, ledger.claimed_at = None, lapsed
    message = session.get_one(OutboxMessage, outbox_id)
    message.completed_at = None
    session.commit()

    outcome = deliver_outbox_message(svc.session_factory, backend, svc.settings, outbox_id)

    message = fresh(session).get_one(OutboxMessage, outbox_id)
    if sent_again:
        assert outcome == Outcome.SENT and len(backend.sent) == 1
        assert message.completed_at is not None
    else:
        assert outcome == Outcome.FAILED and backend.sent == []
        assert message.last_error == OUTCOME_UNKNOWN
        assert message.failed_at is not None
