"""The models and the migrations describe the same schema, on SQLite and on PostgreSQL."""

from __future__ import annotations

import uuid
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, create_engine, inspect, text
from sqlalchemy.engine import make_url

from advice_hub.db import make_engine
from advice_hub.models import Base
from tests.conftest import PG_URL, alembic_config, service_missing

IMMUTABLE_TABLES = ("sealed_advice", "audit_events")


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def empty_database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A database nothing has touched yet: no tables, no alembic_version."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'fresh.sqlite3'}"
        return
    admin = create_engine(PG_URL, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            connection.execute(text("SELECT 1"))
    except Exception as exc:
        admin.dispose()
        service_missing(f"PostgreSQL not reachable at {PG_URL}: {exc}")
    name = f"ah_migrations_{uuid.uuid4().hex[:12]}"
    with admin.connect() as connection:
        # template0, not template1: nothing a local administrator added may leak in.
        connection.execute(text(f'CREATE DATABASE "{name}" TEMPLATE template0'))
    yield make_url(PG_URL).set(database=name).render_as_string(hide_password=False)
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture
def engine(empty_database_url: str) -> Iterator[Engine]:
    engine = make_engine(empty_database_url)
    yield engine
    engine.dispose()


def schema_differences(engine: Engine) -> list[Any]:
    """What autogenerate would put in a new migration; nothing is ignored but the indexes the
    models make on PostgreSQL only, when comparing SQLite."""
    with engine.connect() as connection:
        dialect = connection.dialect.name

        def made_here(obj: Any, _name: Any, kind: str, reflected: bool, _other: Any) -> bool:
            # An index the models create on PostgreSQL only (``info``) is not expected here.
            return (
                reflected
                or kind != "index"
                or dialect == "postgresql"
                or (not obj.info.get("postgresql_only"))
            )

        context = MigrationContext.configure(
            connection,
            opts={
                "compare_type": True,
                "compare_server_default": True,
                "include_object": made_here,
            },
        )
        with warnings.catch_warnings():
            # The same index, skipped by the filter above: autogenerate warns before filtering.
            warnings.filterwarnings(
                "ignore", "autogenerate skipping metadata-specified expression-based index"
            )
            differences: list[Any] = compare_metadata(context, Base.metadata)
        connection.rollback()
    return differences


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as connection:
        revision = MigrationContext.configure(connection).get_current_revision()
        connection.rollback()
    return revision


def head_revision(url: str) -> str | None:
    return ScriptDirectory.from_config(alembic_config(url)).get_current_head()


def immutability_triggers(engine: Engine) -> set[str]:
    with engine.connect() as connection:
        if engine.dialect.name == "postgresql":
            query = (
                "SELECT tgname FROM pg_trigger WHERE NOT tgisinternal "
                "AND tgrelid::regclass::text IN ('sealed_advice', 'audit_events')"
            )
        else:
            query = (
                "SELECT name FROM sqlite_master WHERE type = 'trigger' "
                "AND tbl_name IN ('sealed_advice', 'audit_events')"
            )
        names = set(connection.execute(text(query)).scalars())
        connection.rollback()
    return names


def refusal_function_exists(engine: Engine) -> bool:
    if engine.dialect.name != "postgresql":
        return False
    with engine.connect() as connection:
        found = connection.execute(
            text("SELECT count(*) FROM pg_proc WHERE proname = 'advice_hub_refuse_change'")
        ).scalar()
        connection.rollback()
    return bool(found)


def expected_triggers(engine: Engine) -> set[str]:
    if engine.dialect.name == "postgresql":
        suffixes = ("refuse_change", "refuse_truncate")
    else:
        suffixes = ("refuse_update", "refuse_delete")
    return {f"{table}_{suffix}" for table in IMMUTABLE_TABLES for suffix in suffixes}


def test_the_models_and_the_latest_migration_agree(empty_database_url: str, engine: Engine) -> None:
    command.upgrade(alembic_config(empty_database_url), "head")

    assert current_revision(engine) == head_revision(empty_database_url)
    assert schema_differences(engine) == []


def test_downgrading_to_base_and_upgrading_again_rebuilds_the_same_schema(
    empty_database_url: str, engine: Engine
) -> None:
    config = alembic_config(empty_database_url)
    command.upgrade(config, "head")
    assert immutability_triggers(engine) == expected_triggers(engine)

    command.downgrade(config, "base")
    assert set(inspect(engine).get_table_names()) == {"alembic_version"}
    assert current_revision(engine) is None
    assert immutability_triggers(engine) == set()
    assert not refusal_function_exists(engine)

    command.upgrade(config, "head")
    assert current_revision(engine) == head_revision(empty_database_url)
    assert schema_differences(engine) == []
    assert immutability_triggers(engine) == expected_triggers(engine)
    assert refusal_function_exists(engine) == (engine.dialect.name == "postgresql")
