"""Mail through Microsoft Graph end to end: a real dramatiq worker over Redis, PostgreSQL, and
the real msal and requests code against the https stand-in for the sign-in service and Graph.

Graph has no idempotency key, so what matters is that each email reaches sendMail once: a
task delivered again after Graph accepted sends nothing, and a throttled send is tried again
after the wait Graph asked for, once."""

from __future__ import annotations

import base64
import email.policy
import os
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from email.parser import BytesParser
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import select

from advice_hub.jobs.actors import deliver_email
from advice_hub.models import AdviceRequest, OutboxMessage, RequestStatus, SendLedger
from notifications import MessagesPerMinute
from tests.conftest import TEST_SECRET, services
from tests.factories import FOUR_AGENCIES, make_assessment
from tests.graph_stand_in import (
    CLIENT_ID,
    CLIENT_SECRET,
    MAILBOX,
    SEND_PATH,
    TENANT_ID,
    StandIn,
    serving_graph,
)
from tests.integration.harness import DEFAULT_TIMEOUT, MailQueue, WorkerProcess
from tests.tls import localhost_certificate

pytestmark = [pytest.mark.postgres, pytest.mark.redis, pytest.mark.usefixtures("idle_worker")]


@pytest.fixture(scope="module")
def tls(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    return localhost_certificate(tmp_path_factory.mktemp("graph-tls"))


@pytest.fixture(scope="module")
def graph(tls: tuple[Path, Path]) -> Iterator[StandIn]:
    with serving_graph(*tls) as stand_in:
        stand_in.answer_send(202)
        yield stand_in


@pytest.fixture(scope="module")
def worker(
    module_pg_url: str,
    module_redis_url: str,
    graph: StandIn,
    tls: tuple[Path, Path],
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[WorkerProcess]:
    """The worker sending through Graph, configured only through its environment."""
    instance = tmp_path_factory.mktemp("graph-worker")
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "DATABASE_URL": module_pg_url,
        "REDIS_URL": module_redis_url,
        "MAIL_BACKEND": "graph",
        "GRAPH_TENANT_ID": TENANT_ID,
        "GRAPH_CLIENT_ID": CLIENT_ID,
        "GRAPH_CLIENT_SECRET": CLIENT_SECRET,
        "GRAPH_MAILBOX": MAILBOX,
        "GRAPH_AUTHORITY": graph.authority,
        "GRAPH_URL": graph.graph_url,
        "GRAPH_TIMEOUT": "5",
        "REQUESTS_CA_BUNDLE": str(tls[0]),
        "SECRET_KEY": TEST_SECRET,
        "BASE_URL": "http://localhost",
        "ADVICE_HUB_INSTANCE": str(instance),
    }
    process = WorkerProcess(env, instance / "worker.log")
    try:
        process.wait_until_ready()
        yield process
    finally:
        process.stop()


@pytest.fixture
def idle_worker(worker: WorkerProcess, mail_queue: MailQueue, graph: StandIn) -> None:
    worker.assert_alive()
    mail_queue.wait_until_empty()
    graph.server.clear_log()


def message_ids_sent(graph: StandIn) -> Counter[str]:
    """How many times Graph was handed each Message-ID (accepted or not)."""
    sent: Counter[str] = Counter()
    for request in graph.requests_to(SEND_PATH):
        mime = BytesParser(policy=email.policy.SMTP).parsebytes(base64.b64decode(request.data))
        sent[str(mime["Message-ID"])] += 1
    return sent


def wait_for_sends(graph: StandIn, count: int, timeout: float = DEFAULT_TIMEOUT) -> None:
    deadline = time.monotonic() + timeout
    while len(graph.requests_to(SEND_PATH)) < count:
        if time.monotonic() > deadline:
            raise AssertionError(f"Graph had {len(graph.requests_to(SEND_PATH))} of {count}")
        time.sleep(0.05)


def agree_new_assessment(app: Flask) -> uuid.UUID:
    with services(app).session_factory() as session:
        assessment = make_assessment(session, agreed=True)
        session.commit()
        return assessment.id


def outbox_ids(app: Flask, assessment_id: uuid.UUID) -> list[int]:
    with services(app).session_factory() as session:
        return list(
            session.scalars(
                select(OutboxMessage.id)
                .join(AdviceRequest)
                .where(AdviceRequest.assessment_id == assessment_id)
            )
        )


def ledgers(app: Flask, assessment_id: uuid.UUID) -> list[SendLedger]:
    with services(app).session_factory() as session:
        return list(
            session.scalars(
                select(SendLedger)
                .join(AdviceRequest)
                .where(AdviceRequest.assessment_id == assessment_id)
            )
        )


def test_each_request_reaches_graph_once_even_when_its_task_is_delivered_again(
    web_app: Flask, graph: StandIn, mail_queue: MailQueue
) -> None:
    assessment_id = agree_new_assessment(web_app)
    wait_for_sends(graph, len(FOUR_AGENCIES))
    mail_queue.wait_until_empty()

    # Every task again, as a broker redelivering them would.
    for outbox_id in outbox_ids(web_app, assessment_id):
        deliver_email.send(outbox_id)
    mail_queue.wait_until_empty()
    time.sleep(0.5)

    sent = message_ids_sent(graph)
    assert len(sent) == len(FOUR_AGENCIES)
    assert set(sent.values()) == {1}, sent
    recorded = ledgers(web_app, assessment_id)
    assert {ledger.backend for ledger in recorded} == {"graph"}
    assert all(ledger.sent_at is not None for ledger in recorded)
    assert all(ledger.detail.startswith("202 request-id=") for ledger in recorded)
    with services(web_app).session_factory() as session:
        statuses = session.scalars(
            select(AdviceRequest.status).where(AdviceRequest.assessment_id == assessment_id)
        )
        assert set(statuses) == {RequestStatus.SENT}


def test_a_throttled_send_is_tried_again_after_the_wait_graph_asked_for(
    web_app: Flask, graph: StandIn, mail_queue: MailQueue
) -> None:
    graph.answer_next_send(429, {"error": {"code": "ApplicationThrottled"}}, **{"Retry-After": "1"})
    started = time.monotonic()
    assessment_id = agree_new_assessment(web_app)

    wait_for_sends(graph, len(FOUR_AGENCIES) + 1)
    mail_queue.wait_until_empty()

    sent = message_ids_sent(graph)
    assert len(sent) == len(FOUR_AGENCIES)
    assert sorted(sent.values()) == [1, 1, 1, 2]  # the throttled one, once more
    assert time.monotonic() - started >= 1.0
    assert all(ledger.sent_at is not None for ledger in ledgers(web_app, assessment_id))


def test_every_process_counts_the_mailbox_limit_in_the_same_redis(
    make_app: Callable[..., Flask],
) -> None:
    # Two processes' apps (a worker's and another's) sending as one mailbox, limited to two.
    mailbox = f"limited-{uuid.uuid4().hex[:8]}@northshire.gov.uk"
    settings = {
        "MAIL_BACKEND": "graph",
        "GRAPH_TENANT_ID": TENANT_ID,
        "GRAPH_CLIENT_ID": CLIENT_ID,
        "GRAPH_CLIENT_SECRET": CLIENT_SECRET,
        "GRAPH_MAILBOX": mailbox,
        "GRAPH_MESSAGES_PER_MINUTE": 2,
    }
    one, other = (services(make_app(**settings)).sending_limit for _ in range(2))
    assert isinstance(one, MessagesPerMinute) and isinstance(other, MessagesPerMinute)

    assert one.try_acquire() is None
    assert other.try_acquire() is None
    held = [one.try_acquire(), other.try_acquire()]

    assert all(wait is not None and 15 <= wait <= 30 for wait in held), held
    another_mailbox = services(make_app(**settings | {"GRAPH_MAILBOX": "other@x.gov.uk"}))
    assert another_mailbox.sending_limit is not None
    assert another_mailbox.sending_limit.try_acquire() is None
