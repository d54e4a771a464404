"""Engines, sessions and the guards every session carries.

One session per web request and one per actor run. Sessions refuse to change sealed rows
before the database is asked (the database refuses too, through triggers), and move an
assessment's ``updated_at`` whenever one of its advice requests is added or changed, so a
council system syncing assessments with ``updated_since`` sees a request's change as a change
of its assessment.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.orm import Session, sessionmaker

from advice_hub.deadlines import london_date
from advice_hub.models import (
    IMMUTABLE_MODELS,
    AdviceRequest,
    Assessment,
    AssessmentException,
    AuditEvent,
    Chase,
    DeadlineReport,
    RequestException,
    utcnow,
)


class ImmutableRowError(RuntimeError):
    """Raised when code tries to change or delete a sealed or audit row."""


def make_engine(url: str, *, sqlite_immediate: bool = True, **kwargs: Any) -> Engine:
    """Create an engine; SQLite gets WAL, foreign keys and (by default) immediate transactions."""
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"timeout": 30}, **kwargs)
        _configure_sqlite(engine, immediate=sqlite_immediate)
        return engine
    # No JIT: the app's queries are short, and on the lists' and reports' aggregates
    # PostgreSQL's JIT spends several times the query's own run compiling it (0.56 s
    # compiling for 0.09 s running, on the list's counts at 100,000 assessments).
    connect_args = {"options": "-c jit=off", **kwargs.pop("connect_args", {})}
    return create_engine(url, pool_pre_ping=True, connect_args=connect_args, **kwargs)


def _configure_sqlite(engine: Engine, *, immediate: bool) -> None:
    # pysqlite's own transaction handling defers BEGIN and cannot take a write lock up front;
    # SQLAlchemy's documented recipe hands transaction control to us. BEGIN IMMEDIATE makes
    # concurrent writers (web threads, worker, clock) queue on busy_timeout instead of failing
    # with "database is locked" when a read transaction later tries to write.
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.close()
        # PostgreSQL reads a day in London with timezone(); SQLite has no time zones, so the
        # reports ask the same question of this function (advice_hub.reports.sql).
        dbapi_connection.create_function("london_date", 1, _sqlite_london_date, deterministic=True)

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        connection.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


def _sqlite_london_date(stored: str | None) -> str | None:
    """The day in London of a timestamp as SQLite holds it (naive UTC), as 'YYYY-MM-DD'."""
    if stored is None:
        return None
    return london_date(datetime.fromisoformat(stored).replace(tzinfo=UTC)).isoformat()


def make_session_factory(engine: Engine) -> sessionmaker[Session]:
    factory = sessionmaker(bind=engine, expire_on_commit=False)
    install_guards(factory)
    return factory


FIGURE_SOURCES = (Chase, RequestException, DeadlineReport, AssessmentException)


def touch_requests_of_changed_figures(session: Session) -> None:
    """Set ``updated_at`` on the request or assessment a changed escalation, exception or
    deadline report belongs to: what the timeliness figures count of them changed, and the
    reports' refresh (``reports.rollup``) finds what to work out again by ``updated_at``."""
    now = utcnow()
    # Their type is asked first: a flush of the clock's sweep holds thousands of rows.
    changed = [
        *(o for o in session.new if isinstance(o, FIGURE_SOURCES)),
        *(o for o in session.dirty if isinstance(o, FIGURE_SOURCES) and session.is_modified(o)),
        *(o for o in session.deleted if isinstance(o, FIGURE_SOURCES)),
    ]
    for obj in changed:
        if isinstance(obj, Chase) and obj.kind.startswith("escalation"):  # ChaseKind.ESCALATION_*
            owner: AdviceRequest | Assessment | None = _request_of(session, obj)
        elif isinstance(obj, RequestException | DeadlineReport):
            owner = _request_of(session, obj)
        elif isinstance(obj, AssessmentException):
            owner = obj.assessment or session.get(Assessment, obj.assessment_id)
        else:
            continue
        if owner is not None:
            owner.updated_at = now


def _request_of(
    session: Session, obj: Chase | RequestException | DeadlineReport
) -> AdviceRequest | None:
    if obj.advice_request_id is not None:
        return session.get(AdviceRequest, obj.advice_request_id)
    return obj.advice_request


def touch_assessments_of_changed_requests(session: Session) -> None:
    """Set ``updated_at`` on the assessment of every advice request added or changed in this
    flush (the request's own ``updated_at`` moves through its ``onupdate``)."""
    touched: dict[object, Assessment] = {}
    for obj in (*session.new, *session.dirty):
        if not isinstance(obj, AdviceRequest):
            continue
        if obj not in session.new and not session.is_modified(obj, include_collections=False):
            continue
        assessment = (
            session.get(Assessment, obj.assessment_id)
            if obj.assessment_id is not None
            else obj.assessment
        )
        if assessment is not None:
            touched[id(assessment)] = assessment
    if touched:
        now = utcnow()
        for assessment in touched.values():
            assessment.updated_at = now


def install_guards(factory: sessionmaker[Session] | type[Session]) -> None:
    """Chain new audit rows, move the assessment's ``updated_at`` with its requests', and
    refuse, at flush time, any update or delete of a sealed or audit row."""

    @event.listens_for(factory, "before_flush")
    def _touch_assessments(session: Session, _ctx: Any, _instances: Any) -> None:
        # Requests first: a request touched for its escalations moves its assessment too.
        touch_requests_of_changed_figures(session)
        touch_assessments_of_changed_requests(session)

    @event.listens_for(factory, "before_flush")
    def _chain_audit_events(session: Session, _ctx: Any, _instances: Any) -> None:
        from advice_hub.sealing.ledger import chain_new_audit_events

        chain_new_audit_events(session, (o for o in session.new if isinstance(o, AuditEvent)))

    @event.listens_for(factory, "before_flush")
    def _refuse_changes_to_immutable_rows(session: Session, _ctx: Any, _instances: Any) -> None:
        for obj in session.deleted:
            if isinstance(obj, IMMUTABLE_MODELS):
                raise ImmutableRowError(f"{type(obj).__name__} rows can never be deleted")
        for obj in session.dirty:
            if isinstance(obj, IMMUTABLE_MODELS) and session.is_modified(obj):
                raise ImmutableRowError(f"{type(obj).__name__} rows can never be changed")
