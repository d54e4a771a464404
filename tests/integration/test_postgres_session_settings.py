"""The app's PostgreSQL connections run without JIT compilation: on the lists' and reports'
aggregates at 100,000 assessments it spent several times the query's own run compiling."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from advice_hub.db import make_engine

pytestmark = pytest.mark.postgres


def test_every_connection_has_jit_off_and_other_connect_args_still_apply(pg_url: str) -> None:
    engine = make_engine(pg_url, connect_args={"application_name": "advice-hub-test"})
    try:
        with engine.connect() as connection:
            assert connection.execute(text("SHOW jit")).scalar() == "off"
            name = connection.execute(text("SHOW application_name")).scalar()
            assert name == "advice-hub-test"
    finally:
        engine.dispose()
