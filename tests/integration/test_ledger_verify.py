"""`advice-hub ledger verify`: any change made behind the app's back is found and named.

The changes are made as a database superuser would: on PostgreSQL by switching the
append-only trigger off (ENABLE ALWAYS triggers still fire under session_replication_role =
replica, so replica alone is not enough), on SQLite by dropping the trigger. Each test then
runs the real command and reads what it says.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from flask import Flask
from sqlalchemy import Engine, select, text
from sqlalchemy.exc import DBAPIError

from advice_hub.cli import main
from advice_hub.models import AdviceRequest, AuditEvent, SealedAdvice, utcnow
from advice_hub.requests.seal import seal_submission
from advice_hub.sealing.checkpoints import load_signing_key, write_checkpoint
from tests.conftest import services
from tests.factories import first_text_key, make_assessment


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def db_app(request: pytest.FixtureRequest) -> Flask:
    app: Flask = request.getfixturevalue("app" if request.param == "sqlite" else "pg_app")
    return app


def seal_three(app: Flask) -> list[int]:
    """Seal three pieces of advice through the domain; returns their row ids."""
    factory = services(app).session_factory
    with factory() as session, session.begin():
        make_assessment(session, agreed=True)
    ids = []
    with factory() as session, session.begin():
        for advice_request in session.scalars(select(AdviceRequest)).all()[:3]:
            sealed = seal_submission(
                session,
                advice_request,
                answers={first_text_key(advice_request): f"Advice from {advice_request.agency}"},
                declaration={"name": "Dr Chris Jones", "role": "Paediatrician"},
                now=utcnow(),
                actor="contributor",
            )
            session.flush()
            ids.append(sealed.id)
    return ids


def behind_the_apps_back(engine: Engine, table: str, sql: str, **params: Any) -> None:
    """Run `sql` as a superuser who first switches the table's append-only trigger off."""
    postgres = engine.dialect.name == "postgresql"
    with engine.begin() as connection:
        if postgres:
            connection.exec_driver_sql("SET LOCAL session_replication_role = replica")
            connection.exec_driver_sql(f"ALTER TABLE {table} DISABLE TRIGGER {table}_refuse_change")
        else:
            connection.exec_driver_sql(f"DROP TRIGGER IF EXISTS {table}_refuse_update")
        connection.execute(text(sql), params)
        if postgres:
            connection.exec_driver_sql(
                f"ALTER TABLE {table} ENABLE ALWAYS TRIGGER {table}_refuse_change"
            )


def run_verify(app: Flask, *args: str) -> Any:
    return CliRunner().invoke(main, ["ledger", "verify", *args], obj=_script_info(app))


def _script_info(app: Flask) -> Any:
    from flask.cli import ScriptInfo

    return ScriptInfo(create_app=lambda: app)


def test_an_untouched_ledger_verifies(db_app: Flask) -> None:
    seal_three(db_app)
    result = run_verify(db_app)
    assert result.exit_code == 0, result.output
    assert "the ledger verifies" in result.output
    assert "sealed advice: 3 rows" in result.output


def test_a_superuser_with_replica_role_is_still_refused_by_the_always_triggers(
    pg_app: Flask,
) -> None:
    [first, *_] = seal_three(pg_app)
    engine = services(pg_app).engine
    with pytest.raises(DBAPIError, match="append-only"), engine.begin() as connection:
        connection.exec_driver_sql("SET LOCAL session_replication_role = replica")
        connection.execute(
            text("UPDATE sealed_advice SET canonical = 'x' WHERE id = :id"), {"id": first}
        )


SEALED_CHANGES: dict[str, Callable[[dict[str, Any]], dict[str, Any]]] = {
    # One byte (or one microsecond) changed in each column a seal stands on.
    "canonical": lambda row: {"canonical": row["canonical"].replace("Advice", "Advicf", 1)},
    "content_sha256": lambda row: {"content_sha256": _flip(row["content_sha256"])},
    "seal_sha256": lambda row: {"seal_sha256": _flip(row["seal_sha256"])},
    "previous_seal_sha256": lambda row: {
        "previous_seal_sha256": _flip(row["previous_seal_sha256"])
    },
    "chain_index": lambda row: {"chain_index": row["chain_index"] + 100},
    "sealed_at": lambda row: {"sealed_at": _shift(row["sealed_at"], microseconds=1)},
}


def _shift(value: datetime | str, **delta: int) -> datetime | str:
    """A stored instant moved by `delta`: SQLite hands raw SQL its text form, kept as is."""
    if isinstance(value, str):
        return (datetime.fromisoformat(value) + timedelta(**delta)).strftime("%Y-%m-%d %H:%M:%S.%f")
    return value + timedelta(**delta)


def _flip(value: str) -> str:
    return value[:-1] + ("0" if value[-1] != "0" else "1")


@pytest.mark.parametrize("column", sorted(SEALED_CHANGES))
def test_one_changed_byte_in_a_sealed_row_is_found_and_the_row_named(
    db_app: Flask, column: str
) -> None:
    ids = seal_three(db_app)
    engine = services(db_app).engine
    target = ids[1]
    with engine.connect() as connection:
        row = dict(
            connection.execute(text("SELECT * FROM sealed_advice WHERE id = :id"), {"id": target})
            .mappings()
            .one()
        )
    changes = SEALED_CHANGES[column](row)
    assignments = ", ".join(f"{name} = :{name}" for name in changes)
    behind_the_apps_back(
        engine,
        "sealed_advice",
        f"UPDATE sealed_advice SET {assignments} WHERE id = :id",
        id=target,
        **changes,
    )
    result = run_verify(db_app)
    assert result.exit_code == 1, result.output
    assert f"BROKEN: sealed_advice row {target}" in result.output


AUDIT_CHANGES: dict[str, Callable[[dict[str, Any]], dict[str, Any]]] = {
    "actor": lambda row: {"actor": row["actor"] + "x"},
    "action": lambda row: {"action": row["action"].replace(".", "_", 1)},
    "detail": lambda row: {"detail": json.dumps({**_detail(row), "sneaked": True})},
    "occurred_at": lambda row: {"occurred_at": _shift(row["occurred_at"], microseconds=-1)},
    "event_sha256": lambda row: {"event_sha256": _flip(row["event_sha256"])},
    "chain_sha256": lambda row: {"chain_sha256": _flip(row["chain_sha256"])},
}


def _detail(row: dict[str, Any]) -> dict[str, Any]:
    value = row["detail"]
    return json.loads(value) if isinstance(value, str) else dict(value)


@pytest.mark.parametrize("column", sorted(AUDIT_CHANGES))
def test_one_changed_byte_in_an_audit_row_is_found_and_the_row_named(
    db_app: Flask, column: str
) -> None:
    seal_three(db_app)
    engine = services(db_app).engine
    with engine.connect() as connection:
        row = dict(
            connection.execute(
                text("SELECT * FROM audit_events WHERE action = 'advice.sealed' LIMIT 1")
            )
            .mappings()
            .one()
        )
    changes = AUDIT_CHANGES[column](row)
    assignments = ", ".join(f"{name} = :{name}" for name in changes)
    behind_the_apps_back(
        engine,
        "audit_events",
        f"UPDATE audit_events SET {assignments} WHERE id = :id",
        id=row["id"],
        **changes,
    )
    result = run_verify(db_app)
    assert result.exit_code == 1, result.output
    assert f"BROKEN: audit_events row {row['id']}" in result.output


def test_a_deleted_audit_row_breaks_the_chain_after_it(db_app: Flask) -> None:
    seal_three(db_app)
    engine = services(db_app).engine
    with engine.connect() as connection:
        victim = connection.execute(
            text("SELECT id, chain_index FROM audit_events ORDER BY chain_index LIMIT 1 OFFSET 2")
        ).one()
    postgres = engine.dialect.name == "postgresql"
    with engine.begin() as connection:
        if postgres:
            connection.exec_driver_sql(
                "ALTER TABLE audit_events DISABLE TRIGGER audit_events_refuse_change"
            )
        else:
            connection.exec_driver_sql("DROP TRIGGER audit_events_refuse_delete")
        connection.execute(text("DELETE FROM audit_events WHERE id = :id"), {"id": victim.id})
    result = run_verify(db_app)
    assert result.exit_code == 1
    assert f"expected chain position {victim.chain_index}" in result.output


def test_a_ledger_rebuilt_with_fresh_hashes_is_caught_by_an_exported_checkpoint(
    db_app: Flask, tmp_path: Path
) -> None:
    """A superuser who rewrites advice and recomputes every hash after it makes a chain that
    is consistent in itself, but it no longer reaches the link signed and kept outside."""
    from advice_hub.sealing.ledger import canonical_json, chain_link, sha256_hex

    ids = seal_three(db_app)
    svc = services(db_app)
    with svc.session_factory() as session, session.begin():
        write_checkpoint(session, load_signing_key(svc.settings), now=utcnow(), actor="test")
    exported = tmp_path / "checkpoints.jsonl"
    export = CliRunner().invoke(
        main, ["ledger", "export-checkpoints", str(exported)], obj=_script_info(db_app)
    )
    assert export.exit_code == 0, export.output

    # Rewrite the first advice and re-chain every seal after it, as a careful forger would.
    with svc.session_factory() as session:
        rows = session.scalars(select(SealedAdvice).order_by(SealedAdvice.chain_index)).all()
        forged = []
        previous = None
        for row in rows:
            canonical = row.canonical
            if row.id == ids[0]:
                document = json.loads(canonical)
                document["declaration"]["role"] = "Forged role"
                canonical = canonical_json(document)
            content = sha256_hex(canonical)
            seal = chain_link(previous, content)
            forged.append(
                {
                    "id": row.id,
                    "canonical": canonical,
                    "content": content,
                    "previous": previous,
                    "seal": seal,
                }
            )
            previous = seal
    for values in forged:
        behind_the_apps_back(
            svc.engine,
            "sealed_advice",
            "UPDATE sealed_advice SET canonical = :canonical, content_sha256 = :content, "
            "previous_seal_sha256 = :previous, seal_sha256 = :seal WHERE id = :id",
            **values,
        )
    # The chain is consistent again; only the database's own checkpoint and the copy kept
    # outside show the history was rewritten.
    result = run_verify(db_app, "--checkpoints", str(exported))
    assert result.exit_code == 1, result.output
    assert "BROKEN: exported checkpoint 1" in result.output
    assert "no longer reaches the signed link" in result.output


def test_a_checkpoint_with_a_forged_signature_is_refused(db_app: Flask, tmp_path: Path) -> None:
    seal_three(db_app)
    svc = services(db_app)
    with svc.session_factory() as session, session.begin():
        write_checkpoint(session, load_signing_key(svc.settings), now=utcnow(), actor="test")
    exported = tmp_path / "checkpoints.jsonl"
    CliRunner().invoke(
        main, ["ledger", "export-checkpoints", str(exported)], obj=_script_info(db_app)
    )
    line = json.loads(exported.read_text())
    statement = json.loads(line["statement"])
    statement["seal_chain"]["index"] = 1
    line["statement"] = json.dumps(statement)
    exported.write_text(json.dumps(line) + "\n")
    result = run_verify(db_app, "--checkpoints", str(exported))
    assert result.exit_code == 1
    assert "its signature does not match its statement" in result.output


def test_audit_rows_are_chained_in_order_as_they_are_recorded(db_app: Flask) -> None:
    seal_three(db_app)
    with services(db_app).session_factory() as session:
        rows = session.scalars(select(AuditEvent).order_by(AuditEvent.id)).all()
    actions = [r.action for r in rows]
    assert actions[:2] == ["assessment.created", "assessment.agreed"]
    assert actions.count("advice.sealed") == 3
    assert [r.chain_index for r in rows] == list(range(1, len(rows) + 1))
    assert all(r.event_sha256 and r.chain_sha256 for r in rows)
