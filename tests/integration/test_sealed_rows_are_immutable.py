"""Sealed advice and the audit log are append-only: the ORM and the database both refuse.

The ORM guard stops the application's own mistakes before a statement is sent; the triggers
stop everything else that reaches the database, on SQLite and on PostgreSQL, where they fire
even for a superuser who switches replication triggers off.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import Engine, Row, event, select, text
from sqlalchemy.exc import DBAPIError

from advice_hub.db import ImmutableRowError
from advice_hub.models import AuditEvent, SealedAdvice, utcnow
from advice_hub.requests.seal import seal_submission
from tests.conftest import services
from tests.factories import first_text_key, make_assessment

# Each trigger's message says so; checking it proves the refusal came from the trigger and
# not from some other error (a typo in the SQL would also raise DBAPIError).
REFUSAL = "append-only"


@dataclass(frozen=True)
class Sealed:
    """One sealed submission and its audit event, read back with raw SQL."""

    engine: Engine
    sealed_id: int
    audit_id: int

    def row(self, table: str, row_id: int) -> Row[Any]:
        with self.engine.connect() as connection:
            row = connection.execute(
                text(f"SELECT * FROM {table} WHERE id = :id"), {"id": row_id}
            ).one()
            connection.rollback()
        return row

    def id_in(self, table: str) -> int:
        return self.sealed_id if table == "sealed_advice" else self.audit_id


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def db_app(request: pytest.FixtureRequest) -> Flask:
    """The app on each database in turn (like `any_db_app`, with the postgres marker)."""
    name = "app" if request.param == "sqlite" else "pg_app"
    app: Flask = request.getfixturevalue(name)
    return app


def seal_one(app: Flask) -> Sealed:
    """Seal one piece of advice through the domain, as the contributor's submit does."""
    factory = services(app).session_factory
    with factory() as session:
        assessment = make_assessment(session, agreed=True)
        session.commit()
        advice_request = assessment.advice_requests[0]
        sealed = seal_submission(
            session,
            advice_request,
            answers={first_text_key(advice_request): "Needs café-level support with reading"},
            declaration={"name": "Sam Senco", "role": "SENCO"},
            now=utcnow(),
            actor="test",
        )
        session.commit()
        audit_id = session.scalar(select(AuditEvent.id).where(AuditEvent.action == "advice.sealed"))
        assert audit_id is not None
        return Sealed(engine=services(app).engine, sealed_id=sealed.id, audit_id=audit_id)


@pytest.fixture
def sealed(db_app: Flask) -> Sealed:
    return seal_one(db_app)


RAW_CHANGES = {
    "update-sealed": ("sealed_advice", "UPDATE sealed_advice SET canonical = '{}' WHERE id = :id"),
    "update-sealed-fingerprint": (
        "sealed_advice",
        "UPDATE sealed_advice SET canonical = '{}', content_sha256 = "
        "'44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a' WHERE id = :id",
    ),
    "delete-sealed": ("sealed_advice", "DELETE FROM sealed_advice WHERE id = :id"),
    "delete-all-sealed": ("sealed_advice", "DELETE FROM sealed_advice"),
    "update-audit": ("audit_events", "UPDATE audit_events SET action = 'tampered' WHERE id = :id"),
    "delete-audit": ("audit_events", "DELETE FROM audit_events WHERE id = :id"),
    "delete-all-audit": ("audit_events", "DELETE FROM audit_events"),
}


@pytest.mark.parametrize("change", RAW_CHANGES.values(), ids=RAW_CHANGES.keys())
def test_raw_sql_cannot_change_or_delete_a_sealed_or_audit_row(
    sealed: Sealed, change: tuple[str, str]
) -> None:
    table, statement = change
    row_id = sealed.id_in(table)
    before = sealed.row(table, row_id)

    with pytest.raises(DBAPIError, match=REFUSAL), sealed.engine.begin() as connection:
        connection.execute(text(statement), {"id": row_id})

    assert sealed.row(table, row_id) == before


@pytest.fixture
def statements_sent(db_app: Flask) -> Iterator[list[str]]:
    """Every SQL statement the app's engine sends from now on."""
    sent: list[str] = []
    engine = services(db_app).engine

    def record(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        sent.append(statement)

    event.listen(engine, "before_cursor_execute", record)
    yield sent
    event.remove(engine, "before_cursor_execute", record)


@pytest.mark.parametrize("model", [SealedAdvice, AuditEvent], ids=["sealed", "audit"])
@pytest.mark.parametrize("operation", ["change", "delete"])
def test_the_orm_refuses_to_change_or_delete_an_immutable_row_before_asking_the_database(
    db_app: Flask,
    sealed: Sealed,
    statements_sent: list[str],
    model: type[SealedAdvice] | type[AuditEvent],
    operation: str,
) -> None:
    table = model.__tablename__
    row_id = sealed.id_in(table)
    before = sealed.row(table, row_id)

    with services(db_app).session_factory() as session:
        row = session.get_one(model, row_id)
        if operation == "delete":
            session.delete(row)
        elif isinstance(row, SealedAdvice):
            row.canonical = "{}"
        elif isinstance(row, AuditEvent):
            row.action = "tampered"
        with pytest.raises(ImmutableRowError):
            session.flush()
        session.rollback()

    writes = [s for s in statements_sent if s.lstrip().upper().startswith(("UPDATE", "DELETE"))]
    assert writes == []
    assert sealed.row(table, row_id) == before


@pytest.fixture
def pg_sealed(pg_app: Flask) -> Sealed:
    return seal_one(pg_app)


@pytest.mark.postgres
@pytest.mark.parametrize("table", ["sealed_advice", "audit_events"])
def test_truncate_is_refused_on_postgresql(pg_sealed: Sealed, table: str) -> None:
    before = pg_sealed.row(table, pg_sealed.id_in(table))
    with pytest.raises(DBAPIError, match=REFUSAL), pg_sealed.engine.begin() as connection:
        connection.execute(text(f"TRUNCATE {table}"))
    assert pg_sealed.row(table, pg_sealed.id_in(table)) == before


@pytest.mark.postgres
@pytest.mark.parametrize("change", RAW_CHANGES.values(), ids=RAW_CHANGES.keys())
def test_a_superuser_in_replica_mode_still_cannot_change_a_row_on_postgresql(
    pg_sealed: Sealed, change: tuple[str, str]
) -> None:
    table, statement = change
    row_id = pg_sealed.id_in(table)
    before = pg_sealed.row(table, row_id)

    with pg_sealed.engine.connect() as connection:
        assert connection.execute(text("SELECT current_setting('is_superuser')")).scalar() == "on"
        # Replica mode skips ordinary triggers (it is how replication tools load data);
        # ENABLE ALWAYS triggers fire regardless.
        connection.execute(text("SET session_replication_role = replica"))
        assert connection.execute(text("SHOW session_replication_role")).scalar() == "replica"
        with pytest.raises(DBAPIError, match=REFUSAL):
            connection.execute(text(statement), {"id": row_id})
        connection.rollback()

    assert pg_sealed.row(table, row_id) == before


@pytest.mark.postgres
def test_the_postgresql_triggers_are_enabled_always(pg_sealed: Sealed) -> None:
    with pg_sealed.engine.connect() as connection:
        triggers: dict[str, str] = dict(
            connection.execute(
                text(
                    "SELECT tgname, tgenabled FROM pg_trigger "
                    "WHERE tgrelid IN ('sealed_advice'::regclass, 'audit_events'::regclass) "
                    "AND NOT tgisinternal"
                )
            ).all()
        )
    assert triggers == {
        "sealed_advice_refuse_change": "A",
        "sealed_advice_refuse_truncate": "A",
        "audit_events_refuse_change": "A",
        "audit_events_refuse_truncate": "A",
    }
