"""Fixtures for the integration layer: real PostgreSQL, Redis, SMTP and a dramatiq worker.

One worker process serves a whole module (starting and stopping one takes seconds), so it
works against one database and one Redis database for that module. Tests stay independent
by each creating their own assessments, and by starting only once the worker is idle with an
empty SMTP record (`idle_worker`, which such modules use for every test).
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable, Generator, Iterator
from pathlib import Path
from typing import Any

import pytest
import redis
from flask import Flask
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from advice_hub import create_app
from tests.conftest import PG_URL, REDIS_URL, TEST_SECRET, base_config, service_missing, services
from tests.integration.harness import (
    MailQueue,
    SmtpServer,
    WorkerProcess,
    running_smtp_server,
)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    """Show the worker's own output beside any failure it may explain."""
    report = yield
    if report.failed:
        for value in getattr(item, "funcargs", {}).values():
            if isinstance(value, WorkerProcess):
                report.sections.append(("dramatiq worker output", value.output()[-20_000:]))
    return report


@pytest.fixture(scope="module")
def module_pg_url(pg_template: str) -> Iterator[str]:
    """A migrated PostgreSQL database shared by one module's tests and its worker."""
    name = f"ah_worker_{uuid.uuid4().hex[:12]}"
    admin = create_engine(PG_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}" TEMPLATE "{pg_template}"'))
    yield make_url(PG_URL).set(database=name).render_as_string(hide_password=False)
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture(scope="module")
def module_redis_url() -> Iterator[str]:
    """The test Redis database, flushed before and after the module."""
    try:
        client = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2)
        client.ping()
    except Exception as exc:
        service_missing(f"Redis not reachable at {REDIS_URL}: {exc}")
    client.flushdb()
    yield REDIS_URL
    client.flushdb()
    client.close()


@pytest.fixture(scope="module")
def smtp() -> Iterator[SmtpServer]:
    with running_smtp_server() as server:
        yield server


@pytest.fixture(scope="module")
def mail_queue(module_redis_url: str) -> Iterator[MailQueue]:
    queue = MailQueue(module_redis_url)
    yield queue
    queue.close()


@pytest.fixture(scope="module")
def worker(
    module_pg_url: str,
    module_redis_url: str,
    smtp: SmtpServer,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[WorkerProcess]:
    """`dramatiq advice_hub.jobs.worker`, configured only through its environment, as in
    production."""
    instance = tmp_path_factory.mktemp("worker")
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "DATABASE_URL": module_pg_url,
        "REDIS_URL": module_redis_url,
        "MAIL_BACKEND": "smtp",
        "SMTP_HOST": "127.0.0.1",
        "SMTP_PORT": str(smtp.port),
        "SMTP_SECURITY": "none",
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
def idle_worker(worker: WorkerProcess, mail_queue: MailQueue, smtp: SmtpServer) -> None:
    """The worker alive and idle, and nothing recorded by the SMTP server yet."""
    worker.assert_alive()
    mail_queue.wait_until_empty()
    smtp.handler.clear()


@pytest.fixture
def make_app(tmp_path: Path, module_pg_url: str) -> Iterator[Callable[..., Flask]]:
    """Build web apps on the module's database; `overrides` change any setting.

    Building an app binds the actors to its broker, so the app built last is the one whose
    broker `.send()` and the after-commit dispatch use.
    """
    built: list[Flask] = []

    def build(**overrides: Any) -> Flask:
        config = base_config(tmp_path, module_pg_url) | {"REDIS_URL": REDIS_URL} | overrides
        application = create_app(config)
        application.config.update(TESTING=True)
        built.append(application)
        return application

    yield build
    for application in built:
        found = services(application)
        found.engine.dispose()
        client = getattr(found.broker, "client", None)
        if client is not None:
            client.close()


@pytest.fixture
def web_app(make_app: Callable[..., Flask]) -> Flask:
    """The web app, enqueueing to the Redis the worker reads."""
    return make_app()
