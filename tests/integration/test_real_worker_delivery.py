"""Delivery end to end: a real dramatiq worker over Redis, PostgreSQL and a loopback SMTP server.

The worker process is configured only through its environment, as in production. The web app
runs in the test process and enqueues to the same Redis, so every email here went through the
outbox, the broker, the worker and SMTP.
"""

from __future__ import annotations

import hashlib
import socket
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from urllib.parse import urlsplit

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from advice_hub.assessments.recording import agree_assessment
from advice_hub.db import make_session_factory
from advice_hub.deadlines import advice_due_on, london_date
from advice_hub.jobs.actors import deliver_email
from advice_hub.jobs.clock import tick
from advice_hub.models import (
    AdviceRequest,
    Assessment,
    AssessmentStatus,
    OutboxMessage,
    RequestStatus,
    SealedAdvice,
    SendLedger,
    User,
    utcnow,
)
from advice_hub.sealing.seals import verify_sealed
from notifications.mailbox import links_in, message_text
from tests.conftest import services
from tests.factories import FOUR_AGENCIES, make_assessment, make_officer
from tests.html import parse_page
from tests.integration.harness import MailQueue, ReceivedMail, SmtpServer, WorkerProcess
from tests.journey import complete_every_section, open_link, sign_and_send, sign_in

pytestmark = [pytest.mark.postgres, pytest.mark.redis, pytest.mark.usefixtures("idle_worker")]

CONTRIBUTORS = len(FOUR_AGENCIES)  # make_assessment's default contributors
# How long to keep watching for a second copy once the queue is empty. Every message has been
# processed to the end by then (a worker acks only after its actor returns), so this only
# catches a copy that something might still enqueue late.
QUIET_SECONDS = 0.5


def about(received: list[ReceivedMail], reference: str) -> list[ReceivedMail]:
    """The emails about one assessment, whose reference every subject carries."""
    return [mail for mail in received if reference in mail.subject]


def requests_in(mails: list[ReceivedMail]) -> list[ReceivedMail]:
    return [mail for mail in mails if mail.subject.startswith("Request for")]


def receipts_in(mails: list[ReceivedMail]) -> list[ReceivedMail]:
    return [mail for mail in mails if "has been received" in mail.subject]


def advice_link(mail: ReceivedMail) -> str:
    (link,) = [url for url in links_in(mail.message()) if urlsplit(url).path.startswith("/a/")]
    return link


def settle(mail_queue: MailQueue) -> None:
    """Wait until every enqueued message has been processed, then a short quiet spell."""
    mail_queue.wait_until_empty()
    time.sleep(QUIET_SECONDS)
    mail_queue.wait_until_empty()
    assert mail_queue.dead_lettered() == 0


def session_of(app: Flask) -> Session:
    return services(app).session_factory()


def agree_new_assessment(app: Flask) -> tuple[uuid.UUID, str]:
    """Create and agree an assessment through the domain and commit: the outbox dispatches."""
    with session_of(app) as session:
        assessment = make_assessment(session, agreed=True)
        session.commit()
        return assessment.id, assessment.reference


def outbox_of(app: Flask, assessment_id: uuid.UUID) -> list[OutboxMessage]:
    with session_of(app) as session:
        return list(
            session.scalars(
                select(OutboxMessage)
                .join(AdviceRequest)
                .where(AdviceRequest.assessment_id == assessment_id)
                .order_by(OutboxMessage.id)
            )
        )


def completed(app: Flask, assessment_id: uuid.UUID) -> list[bool]:
    """Whether each of the assessment's outbox rows is completed, oldest first."""
    return [row.completed_at is not None for row in outbox_of(app, assessment_id)]


def ledger_counts(app: Flask, assessment_id: uuid.UUID) -> list[tuple[int, int]]:
    """(rows, rows marked sent) for each (request, kind, sequence) of one assessment."""
    with session_of(app) as session:
        rows = session.execute(
            select(func.count(), func.count(SendLedger.sent_at))
            .select_from(SendLedger)
            .join(AdviceRequest)
            .where(AdviceRequest.assessment_id == assessment_id)
            .group_by(SendLedger.advice_request_id, SendLedger.kind, SendLedger.sequence)
        )
        return [(total, sent) for total, sent in rows]


def assert_one_email_per_contributor(mails: list[ReceivedMail]) -> None:
    recipients = Counter(mail.recipients for mail in mails)
    assert len(recipients) == CONTRIBUTORS, recipients
    assert set(recipients.values()) == {1}, recipients


def form_fields(page: bytes, action_ending: str) -> dict[str, str]:
    """What a browser would post from the page's form whose action ends so."""
    soup = parse_page(page)
    (form,) = [f for f in soup.find_all("form") if str(f.get("action", "")).endswith(action_ending)]
    return {
        str(i["name"]): str(i.get("value", "")) for i in form.find_all("input") if i.get("name")
    }


def give_advice(client: FlaskClient, link: str) -> None:
    """What the contributor does: open the link, press Start, answer, declare, submit."""
    form_url = open_link(client, link).headers["Location"]
    complete_every_section(client, form_url, text="Answer with café-level care")
    done = sign_and_send(client, form_url, registration_body="GMC", registration_number="1234567")
    assert done.status_code == 303
    assert client.get(done.headers["Location"]).status_code == 200


def test_agreeing_emails_every_contributor_and_a_sealed_submission_is_receipted(
    web_app: Flask, smtp: SmtpServer, mail_queue: MailQueue
) -> None:
    with session_of(web_app) as session:
        officer = make_officer(session, email=f"officer.{uuid.uuid4().hex[:8]}@council.example")
        assessment = make_assessment(session, case_officer=officer)
        session.commit()
        officer_id, assessment_id = officer.id, assessment.id
        reference = assessment.reference
        contributor_emails = {c.email for c in assessment.contributors}

    staff = web_app.test_client()
    sign_in(staff, officer_id)
    page = staff.get(f"/assessments/{assessment_id}")
    agreed = staff.post(
        f"/assessments/{assessment_id}/agree", data=form_fields(page.data, "/agree")
    )
    assert agreed.status_code == 302

    received = smtp.handler.wait_for(
        lambda got: len(requests_in(about(got, reference))) >= CONTRIBUTORS,
        what=f"{CONTRIBUTORS} advice requests",
    )
    requests = requests_in(about(received, reference))
    assert_one_email_per_contributor(requests)
    assert {r for mail in requests for r in mail.recipients} == contributor_emails
    assert all(mail.message()["To"] == mail.recipients[0] for mail in requests)
    links = [advice_link(mail) for mail in requests]
    assert len(set(links)) == CONTRIBUTORS

    (health,) = [mail for mail in requests if mail.recipients[0].startswith("health.")]
    give_advice(web_app.test_client(), advice_link(health))

    with session_of(web_app) as session:
        (sealed,) = session.scalars(
            select(SealedAdvice)
            .join(AdviceRequest)
            .where(AdviceRequest.assessment_id == assessment_id)
        ).all()
        assert hashlib.sha256(sealed.canonical.encode("utf-8")).hexdigest() == (
            sealed.content_sha256
        )
        assert verify_sealed(sealed)
        assert sealed.advice_request.contributor.email == health.recipients[0]
        fingerprint = sealed.content_sha256

    received = smtp.handler.wait_for(
        lambda got: len(receipts_in(about(got, reference))) >= 1, what="the receipt"
    )
    (receipt,) = receipts_in(about(received, reference))
    assert receipt.recipients == health.recipients
    assert fingerprint[:8] in message_text(receipt.message())

    settle(mail_queue)
    assert len(about(smtp.handler.received(), reference)) == CONTRIBUTORS + 1
    with session_of(web_app) as session:
        advice_requests = session.scalars(
            select(AdviceRequest).where(AdviceRequest.assessment_id == assessment_id)
        ).all()
        for advice_request in advice_requests:
            assert advice_request.received_at is not None
            assert advice_request.due_on == advice_due_on(advice_request.received_at)
        statuses = Counter(r.status for r in advice_requests)
        assert statuses == {RequestStatus.SENT: 3, RequestStatus.SUBMITTED: 1}
    assert completed(web_app, assessment_id) == [True] * (CONTRIBUTORS + 1)
    assert ledger_counts(web_app, assessment_id) == [(1, 1)] * (CONTRIBUTORS + 1)


def test_a_message_enqueued_again_after_its_email_went_sends_no_second_email(
    web_app: Flask, smtp: SmtpServer, mail_queue: MailQueue
) -> None:
    assessment_id, reference = agree_new_assessment(web_app)
    smtp.handler.wait_for(
        lambda got: len(about(got, reference)) >= CONTRIBUTORS,
        what=f"{CONTRIBUTORS} advice requests",
    )
    settle(mail_queue)
    outbox = outbox_of(web_app, assessment_id)
    assert [row.completed_at is not None for row in outbox] == [True] * CONTRIBUTORS

    # At-least-once delivery: the broker hands the same message over a second and third time.
    for row in outbox:
        deliver_email.send(row.id)
        deliver_email.send(row.id)
    settle(mail_queue)

    assert_one_email_per_contributor(about(smtp.handler.received(), reference))
    assert ledger_counts(web_app, assessment_id) == [(1, 1)] * CONTRIBUTORS


def test_copies_of_a_message_queued_before_the_first_is_processed_send_one_email(
    web_app: Flask, smtp: SmtpServer, mail_queue: MailQueue, worker: WorkerProcess
) -> None:
    # Committed through a session without the after-commit dispatch, so that this test alone
    # decides the queue's order: three copies of each message, one after another.
    factory = make_session_factory(services(web_app).engine)
    with factory() as session:
        assessment = make_assessment(session, agreed=True)
        session.commit()
        assessment_id, reference = assessment.id, assessment.reference
    with worker.paused():
        for row in outbox_of(web_app, assessment_id):
            for _ in range(3):
                deliver_email.send(row.id)
        assert mail_queue.pending() == 3 * CONTRIBUTORS
    # On resuming, the worker's two threads take copies of the same message side by side.

    smtp.handler.wait_for(
        lambda got: len(about(got, reference)) >= CONTRIBUTORS,
        what=f"{CONTRIBUTORS} advice requests",
    )
    settle(mail_queue)

    assert_one_email_per_contributor(about(smtp.handler.received(), reference))
    assert ledger_counts(web_app, assessment_id) == [(1, 1)] * CONTRIBUTORS
    assert completed(web_app, assessment_id) == [True] * CONTRIBUTORS


def test_an_agreement_that_rolls_back_sends_nothing(
    web_app: Flask, smtp: SmtpServer, mail_queue: MailQueue, worker: WorkerProcess
) -> None:
    with session_of(web_app) as session:
        assessment = make_assessment(session)
        session.commit()
        assessment_id = assessment.id
        outbox_before = session.scalar(select(func.count()).select_from(OutboxMessage)) or 0

        with worker.paused():  # so that anything enqueued would still be visible in Redis
            agree_assessment(
                session,
                assessment,
                decided_on=london_date(utcnow()),
                now=utcnow(),
                actor="test",
            )
            session.flush()
            written = session.scalar(select(func.count()).select_from(OutboxMessage))
            assert written == outbox_before + CONTRIBUTORS  # the rows existed, uncommitted
            session.rollback()
            # A later commit on the same session must not carry the discarded messages along.
            session.add(
                User(
                    email=f"later.{uuid.uuid4().hex[:8]}@council.example", name="L", role="manager"
                )
            )
            session.commit()
            assert mail_queue.pending() == 0

    time.sleep(2)  # a few seconds of quiet with the worker running
    assert smtp.handler.received() == []
    assert mail_queue.pending() == 0
    with session_of(web_app) as session:
        assert session.scalar(select(func.count()).select_from(OutboxMessage)) == outbox_before
        requests = session.scalars(
            select(AdviceRequest).where(AdviceRequest.assessment_id == assessment_id)
        ).all()
        assert requests == []
        assert session.get_one(Assessment, assessment_id).status == AssessmentStatus.REQUESTED


@pytest.fixture
def closed_port() -> Iterator[int]:
    """A loopback port bound but not listening: connecting to it is refused at once."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        yield sock.getsockname()[1]


def test_no_committed_message_is_lost_when_the_broker_is_down_at_commit(
    make_app: Callable[..., Flask],
    smtp: SmtpServer,
    mail_queue: MailQueue,
    closed_port: int,
    caplog: pytest.LogCaptureFixture,
) -> None:
    broker_down = make_app(
        REDIS_URL=f"redis://127.0.0.1:{closed_port}/0", OUTBOX_RELAY_GRACE_SECONDS=0
    )
    assessment_id, reference = agree_new_assessment(broker_down)  # the commit succeeds

    outbox = outbox_of(broker_down, assessment_id)
    assert len(outbox) == CONTRIBUTORS
    assert all(row.dispatched_at is None for row in outbox)
    assert "the relay will retry" in caplog.text
    assert mail_queue.pending() == 0

    # The clock process, which reaches the real Redis, relays what was never handed over.
    clock = services(make_app(OUTBOX_RELAY_GRACE_SECONDS=0))
    assert tick(clock)["relayed"] == CONTRIBUTORS
    smtp.handler.wait_for(
        lambda got: len(about(got, reference)) >= CONTRIBUTORS,
        what=f"{CONTRIBUTORS} relayed advice requests",
    )
    settle(mail_queue)
    assert tick(clock)["relayed"] == 0
    settle(mail_queue)

    assert_one_email_per_contributor(about(smtp.handler.received(), reference))
    assert ledger_counts(broker_down, assessment_id) == [(1, 1)] * CONTRIBUTORS
    assert completed(broker_down, assessment_id) == [True] * CONTRIBUTORS
