"""On PostgreSQL the application's own role may add sealed advice and audit rows but never
change, delete or truncate them, and owns none of the tables (README: "Database roles")."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest
from click.testing import CliRunner
from flask import Flask
from flask.cli import ScriptInfo
from sqlalchemy import create_engine, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ProgrammingError

from advice_hub.cli import main
from advice_hub.db import make_engine, make_session_factory
from advice_hub.models import AdviceRequest, utcnow
from advice_hub.requests.seal import seal_submission
from tests.conftest import services
from tests.factories import first_text_key, make_assessment

pytestmark = pytest.mark.postgres

APPEND_ONLY = ("sealed_advice", "audit_events", "ledger_checkpoints")


@pytest.fixture
def app_role(pg_app: Flask) -> Iterator[str]:
    """A login role given the application's grants by `advice-hub db grant`."""
    role = f"ah_app_{uuid.uuid4().hex[:10]}"
    admin = services(pg_app).engine
    with admin.begin() as connection:
        connection.exec_driver_sql(f'CREATE ROLE "{role}" LOGIN')
    result = CliRunner().invoke(
        main, ["db", "grant", role], obj=ScriptInfo(create_app=lambda: pg_app)
    )
    assert result.exit_code == 0, result.output
    yield role
    with admin.begin() as connection:
        connection.exec_driver_sql(f'DROP OWNED BY "{role}"')
        connection.exec_driver_sql(f'DROP ROLE "{role}"')


def test_the_application_role_seals_advice_but_cannot_change_or_remove_it(
    pg_app: Flask, app_role: str
) -> None:
    url = make_url(services(pg_app).settings.database_url).set(username=app_role)
    engine = make_engine(url.render_as_string(hide_password=False))
    factory = make_session_factory(engine)
    # The whole path works as that role: record, agree, seal (and audit each step).
    with factory() as session, session.begin():
        make_assessment(session, agreed=True)
    with factory() as session, session.begin():
        advice_request = session.scalars(select(AdviceRequest)).first()
        assert advice_request is not None
        seal_submission(
            session,
            advice_request,
            answers={first_text_key(advice_request): "Seen in clinic."},
            declaration={"name": "Dr Chris Jones", "role": "Paediatrician"},
            now=utcnow(),
            actor="contributor",
        )
    for table in APPEND_ONLY:
        for statement in (
            f"UPDATE {table} SET id = id",
            f"DELETE FROM {table}",
            f"TRUNCATE {table}",
        ):
            with (
                pytest.raises(ProgrammingError, match="permission denied"),
                engine.begin() as connection,
            ):
                connection.execute(text(statement))
    with engine.connect() as connection:
        owners = connection.execute(
            text("SELECT tablename, tableowner FROM pg_tables WHERE tablename = ANY(:names)"),
            {"names": list(APPEND_ONLY)},
        ).all()
    assert len(owners) == len(APPEND_ONLY)
    assert all(owner != app_role for _, owner in owners)
    engine.dispose()


def test_the_application_role_may_still_change_ordinary_rows(pg_app: Flask, app_role: str) -> None:
    url = make_url(services(pg_app).settings.database_url).set(username=app_role)
    engine = create_engine(url.render_as_string(hide_password=False))
    with make_session_factory(engine)() as session, session.begin():
        make_assessment(session)
    with engine.begin() as connection:
        changed = connection.execute(text("UPDATE assessments SET child_year_group = 5"))
        assert changed.rowcount == 1
    engine.dispose()
