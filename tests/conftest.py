"""Shared fixtures. Factories live in tests/factories.py and the helpers that drive the app in
tests/journey.py, apart from fixtures.

Services: PostgreSQL at TEST_DATABASE_URL (default postgresql+psycopg://postgres@127.0.0.1:5432/test)
and Redis at TEST_REDIS_URL (default redis://127.0.0.1:6379/9). When one is missing a test that
needs it is skipped, except with CI=true, where it fails.
"""

from __future__ import annotations

import json
import os
import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import dramatiq
import pytest
from alembic import command
from alembic.config import Config
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

import forms.templates
from advice_hub import create_app
from advice_hub.config import PROJECT_ROOT
from advice_hub.db import make_engine, make_session_factory
from advice_hub.models import User
from advice_hub.outbox import install_after_commit_dispatch
from advice_hub.services import EXTENSION_KEY, Services
from forms.wtf import section_form_class
from tests.factories import make_officer
from tests.journey import sign_in
from tests.small_template import SMALL_TEMPLATE

PG_URL = os.environ.get("TEST_DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/9")
TEST_SECRET = "test-secret-key-that-is-long-enough-for-anything"


def service_missing(reason: str) -> None:
    """Skip locally, fail in CI: a suite that silently skipped its services proves nothing."""
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"required service unavailable in CI: {reason}", pytrace=False)
    pytest.skip(reason)


def alembic_config(url: str | None = None, connection: Any = None) -> Config:
    config = Config(str(PROJECT_ROOT / "alembic.ini"))
    config.attributes["configure_logger"] = False
    if url:
        config.attributes["url"] = url
    if connection is not None:
        config.attributes["connection"] = connection
    return config


def migrate(url: str) -> None:
    command.upgrade(alembic_config(url), "head")


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A SQLite file migrated once per session; each test gets a copy."""
    path = tmp_path_factory.mktemp("sqlite") / "template.sqlite3"
    migrate(f"sqlite:///{path}")
    return path


def base_config(tmp_path: Path, database_url: str) -> dict[str, Any]:
    return {
        "ENV": "testing",
        "DATABASE_URL": database_url,
        "REDIS_URL": None,
        "SECRET_KEY": TEST_SECRET,
        "BASE_URL": "http://localhost",
        "INSTANCE_DIR": tmp_path,
        "MAIL_BACKEND": "file",
        "MAIL_OUTBOX_DIR": tmp_path / "mail",
        "DEV_SIGN_IN": True,
    }


@pytest.fixture
def sqlite_url(tmp_path: Path, sqlite_template: Path) -> str:
    path = tmp_path / "advice_hub.sqlite3"
    shutil.copyfile(sqlite_template, path)
    return f"sqlite:///{path}"


@pytest.fixture
def app_config(tmp_path: Path, sqlite_url: str) -> dict[str, Any]:
    """Override in a module (or use `pg_app`) to change settings."""
    return base_config(tmp_path, sqlite_url)


@pytest.fixture
def app(app_config: dict[str, Any]) -> Iterator[Flask]:
    application = create_app(app_config)
    application.config.update(TESTING=True)
    yield application
    services(application).engine.dispose()


def services(app: Flask) -> Services:
    result: Services = app.extensions[EXTENSION_KEY]
    return result


@pytest.fixture
def svc(app: Flask) -> Services:
    return services(app)


@pytest.fixture
def session(svc: Services) -> Iterator[Any]:
    """The test's own session. On SQLite its reads do not take the write lock (the app's do),
    so a test can hold it open while the app and its worker write."""
    engine = svc.engine
    if engine.dialect.name == "sqlite":
        engine = make_engine(svc.settings.database_url, sqlite_immediate=False)
    factory = make_session_factory(engine)
    install_after_commit_dispatch(factory, svc.dispatch)
    with factory() as s:
        yield s
    if engine is not svc.engine:
        engine.dispose()


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def officer(session: Any) -> User:
    """The case officer, committed so that the app's own sessions see them."""
    user = make_officer(session)
    session.commit()
    return user


@pytest.fixture
def signed_in(client: FlaskClient, officer: User) -> FlaskClient:
    """The test client, signed in as the case officer."""
    return sign_in(client, officer.id)


@pytest.fixture
def small_template(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Publish SMALL_TEMPLATE (tests/small_template.py) as the newest health template, for
    this test only."""
    folder = tmp_path / "definitions"
    shutil.copytree(forms.templates.DEFINITIONS, folder)
    (folder / "health.v90.json").write_text(json.dumps(SMALL_TEMPLATE))
    monkeypatch.setattr(forms.templates, "DEFINITIONS", folder)
    forms.templates.load_template.cache_clear()
    section_form_class.cache_clear()
    yield
    forms.templates.load_template.cache_clear()
    section_form_class.cache_clear()


class JobRunner:
    """Runs queued actors in-process on the StubBroker, re-raising any actor failure."""

    def __init__(self, broker: dramatiq.Broker) -> None:
        self.broker = broker
        self.worker = dramatiq.Worker(broker, worker_timeout=50, worker_threads=2)
        self.worker.start()

    def run(self, queue: str = "mail") -> None:
        self.broker.join(queue, fail_fast=True, timeout=30_000)  # type: ignore[attr-defined]
        self.worker.join()

    def stop(self) -> None:
        self.worker.stop()


@pytest.fixture
def jobs(svc: Services) -> Iterator[JobRunner]:
    runner = JobRunner(svc.broker)
    yield runner
    runner.stop()


# --- PostgreSQL -------------------------------------------------------------------------


def _admin_engine() -> Any:
    return create_engine(PG_URL, isolation_level="AUTOCOMMIT")


@pytest.fixture(scope="session")
def pg_template() -> Iterator[str]:
    """A database migrated once per session, cloned for each test that needs PostgreSQL."""
    try:
        engine = _admin_engine()
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
    except Exception as exc:
        service_missing(f"PostgreSQL not reachable at {PG_URL}: {exc}")
    name = f"ah_template_{os.getpid()}"
    with engine.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    migrate(make_url(PG_URL).set(database=name).render_as_string(hide_password=False))
    yield name
    with engine.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    engine.dispose()


@pytest.fixture
def pg_url(pg_template: str) -> Iterator[str]:
    """A fresh, migrated PostgreSQL database for one test (committed data welcome)."""
    name = f"ah_test_{uuid.uuid4().hex[:12]}"
    engine = _admin_engine()
    with engine.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}" TEMPLATE "{pg_template}"'))
    yield make_url(PG_URL).set(database=name).render_as_string(hide_password=False)
    with engine.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    engine.dispose()


@pytest.fixture
def pg_app(tmp_path: Path, pg_url: str) -> Iterator[Flask]:
    application = create_app(base_config(tmp_path, pg_url))
    application.config.update(TESTING=True)
    yield application
    services(application).engine.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def any_db_app(request: pytest.FixtureRequest) -> Flask:
    """The app on each database in turn, for behaviour that must hold on both."""
    if request.param == "sqlite":
        return request.getfixturevalue("app")  # type: ignore[no-any-return]
    return request.getfixturevalue("pg_app")  # type: ignore[no-any-return]


# --- Redis ------------------------------------------------------------------------------


@pytest.fixture
def redis_url() -> str:
    import redis

    try:
        client = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2)
        client.ping()
        client.flushdb()
        client.close()
    except Exception as exc:
        service_missing(f"Redis not reachable at {REDIS_URL}: {exc}")
    return REDIS_URL
