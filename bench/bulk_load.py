"""Writing ``bench.national_data``'s rows fast, and keeping the PostgreSQL database between runs.

PostgreSQL: one COPY per table and batch through psycopg, the id sequences moved past the ids
written, then VACUUM ANALYZE. SQLite: executemany through SQLAlchemy Core in batches of 10,000
assessments, in one transaction. Either way the database is a fresh one migrated to the head
revision by alembic (``tests.conftest.migrate``), never ``create_all``.

The national PostgreSQL database, ``ah_bench_national_v1`` (a suffix names another size), is
kept: the next run reuses it when its alembic revision is the head and it holds the expected
numbers of assessments and requests. ``BENCH_FRESH=1`` rebuilds it.
"""

from __future__ import annotations

import json
import os
import time
from dataclasses import dataclass
from datetime import date
from typing import Any

from alembic.script import ScriptDirectory
from psycopg.types.json import Json
from sqlalchemy import JSON, Date, Engine, Integer, Uuid, create_engine, func, select, text
from sqlalchemy.engine import make_url

from advice_hub.deadlines import london_date
from advice_hub.models import AuditEvent, Base, User, UTCDateTime, utcnow
from bench.national_data import COLUMNS, JSON_COLUMNS, TABLES, Generator, People, Scale
from tests.conftest import alembic_config, migrate

GENERATOR_VERSION = 1
COMPLETE = f"advice_hub national benchmark data v{GENERATOR_VERSION}, complete"
SERIAL_TABLES = tuple(
    t
    for t in TABLES
    if "id" in COLUMNS[t] and isinstance(Base.metadata.tables[t].c.id.type, Integer)
)


@dataclass(frozen=True)
class Loaded:
    url: str
    people: People
    counts: dict[str, int]
    seconds: float
    reused: bool


def generate(engine: Engine, scale: Scale, *, today: date | None = None) -> Loaded:
    """Fill the migrated, empty database behind ``engine`` with ``scale``'s data."""
    started = time.perf_counter()
    today = today or london_date(utcnow())
    with engine.connect() as conn:
        head = conn.execute(
            select(AuditEvent.chain_index, AuditEvent.chain_sha256)
            .where(AuditEvent.chain_index.is_not(None))
            .order_by(AuditEvent.chain_index.desc())
            .limit(1)
        ).first()
    generator = Generator(
        scale, today=today, audit_head=(head[0] or 0, head[1]) if head else (0, None)
    )
    write = _copy if engine.dialect.name == "postgresql" else _executemany
    counts = dict.fromkeys(TABLES, 0)

    def add(rows: dict[str, list[tuple[Any, ...]]]) -> None:
        write(engine, rows)
        for table, written in rows.items():
            counts[table] += len(written)

    add(generator.staff())
    for batch in generator.batches():
        add(batch)
    if engine.dialect.name == "postgresql":
        with engine.begin() as conn:
            for table in SERIAL_TABLES:
                conn.execute(
                    text(
                        f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "  # noqa: S608 -- our own table names
                        f"COALESCE((SELECT max(id) FROM {table}), 1))"
                    )
                )
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            # As autovacuum leaves a live database: statistics, and the visibility map that
            # lets an index answer without reading the table.
            conn.execute(text("VACUUM ANALYZE"))
    url = engine.url.render_as_string(hide_password=False)
    return Loaded(url, generator.people, counts, time.perf_counter() - started, reused=False)


def _copy(engine: Engine, rows: dict[str, list[tuple[Any, ...]]]) -> None:
    raw = engine.raw_connection()
    try:
        with raw.cursor() as cursor:  # type: ignore[attr-defined]
            # The rows are made consistent by construction: foreign-key checks (internal
            # triggers, which a replica session skips) would triple the load time. The
            # ledger's append-only triggers are ENABLE ALWAYS and keep guarding.
            cursor.execute("SET session_replication_role = replica")
            cursor.execute("SET synchronous_commit = off")
            for table in TABLES:
                started = time.perf_counter()
                if not rows[table]:
                    continue
                columns = COLUMNS[table]
                wrap = [i for i, c in enumerate(columns) if (table, c) in JSON_COLUMNS]
                with cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
                    for row in rows[table]:
                        if wrap:
                            values = list(row)
                            for i in wrap:
                                values[i] = Json(values[i])
                            copy.write_row(values)
                        else:
                            copy.write_row(row)
                if os.environ.get("BENCH_VERBOSE"):
                    took = time.perf_counter() - started
                    print(f"    {table}: {len(rows[table])} rows in {took:.1f} s")
        raw.commit()
    finally:
        raw.close()


def _sqlite_converters(table: str) -> list[Any]:
    """Per column, how SQLAlchemy stores its values in SQLite (None: as they are): uuids as 32
    hex digits, instants as naive UTC text, dates as ISO text, JSON as text."""
    converters: list[Any] = []
    for name in COLUMNS[table]:
        kind = Base.metadata.tables[table].c[name].type
        if isinstance(kind, Uuid):
            converters.append(lambda v: v.hex)
        elif isinstance(kind, UTCDateTime):
            # Every instant generated is in UTC already.
            converters.append(lambda v: v.replace(tzinfo=None).isoformat(" ", "microseconds"))
        elif isinstance(kind, Date):
            converters.append(date.isoformat)
        elif isinstance(kind, JSON):
            converters.append(json.dumps)
        else:
            converters.append(None)
    return converters


def _executemany(engine: Engine, rows: dict[str, list[tuple[Any, ...]]]) -> None:
    raw = engine.raw_connection()
    try:
        cursor = raw.cursor()
        for table in TABLES:
            if not rows[table]:
                continue
            columns = COLUMNS[table]
            pairs = [(i, f) for i, f in enumerate(_sqlite_converters(table)) if f is not None]

            def stored(row: tuple[Any, ...], pairs: list[tuple[int, Any]] = pairs) -> list[Any]:
                values = list(row)
                for i, convert in pairs:
                    if values[i] is not None:
                        values[i] = convert(values[i])
                return values

            marks = ", ".join("?" for _ in columns)
            cursor.executemany(
                f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})",  # noqa: S608 -- our own names
                [stored(row) for row in rows[table]],
            )
        raw.commit()
    finally:
        raw.close()


# --- The kept PostgreSQL database -----------------------------------------------------------


def database_name(assessments: int) -> str:
    base = f"ah_bench_national_v{GENERATOR_VERSION}"
    return base if assessments == 100_000 else f"{base}_{assessments}"


def head_revision() -> str | None:
    return ScriptDirectory.from_config(alembic_config()).get_current_head()


def people_in(engine: Engine, scale: Scale) -> People | None:
    """Who a kept database's staff are, or None if it is not what ``scale`` would generate."""
    with engine.connect() as conn:
        try:
            revision = conn.scalar(text("SELECT version_num FROM alembic_version"))
        except Exception:
            return None
        assessments = conn.scalar(text("SELECT count(*) FROM assessments"))
        requests = conn.scalar(text("SELECT count(*) FROM advice_requests"))
        if (revision, assessments, requests) != (
            head_revision(),
            scale.assessments,
            scale.assessments * scale.requests_an_assessment,
        ):
            return None
        # The generator makes the same people for the same scale: read them back.
        rebuilt = Generator(scale, today=date.today())
        rebuilt.staff()
        found = conn.scalar(
            select(func.count()).select_from(User).where(User.email.like("%.example"))
        )
        if found != len(rebuilt.people.officers) + len(set(rebuilt.people.managers.values())) + 2:
            return None
        return rebuilt.people


def national_postgresql(admin_url: str, scale: Scale) -> Loaded:
    """The national database on the server of ``admin_url``: kept from an earlier run when it
    is still right (and ``BENCH_FRESH`` is not set), else made afresh."""
    started = time.perf_counter()
    name = database_name(scale.assessments)
    url = make_url(admin_url).set(database=name).render_as_string(hide_password=False)
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            exists = conn.scalar(text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name})
            complete = conn.scalar(
                text(
                    "SELECT shobj_description(oid, 'pg_database') FROM pg_database "
                    "WHERE datname = :n"
                ),
                {"n": name},
            )
        if exists and complete == COMPLETE and not os.environ.get("BENCH_FRESH"):
            migrate(url)  # a kept database follows the schema, as production's does
            engine = create_engine(url)
            try:
                people = people_in(engine, scale)
            finally:
                engine.dispose()
            if people is not None:
                return Loaded(url, people, {}, time.perf_counter() - started, reused=True)
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    finally:
        admin.dispose()
    print(f"building {name} (a few minutes; kept for the next run)", flush=True)
    migrate(url)
    engine = create_engine(url)
    try:
        loaded = generate(engine, scale)
    finally:
        engine.dispose()
    # Marked complete only once everything is in: a run stopped half-way is never reused.
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f"COMMENT ON DATABASE \"{name}\" IS '{COMPLETE}'"))
    admin.dispose()
    return loaded
