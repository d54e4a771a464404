"""The benchmark's bulk data generator stays in step with the schema: at a tiny scale, on SQLite
and PostgreSQL, it writes the rows it says, the audit chain it writes verifies, and the app
renders a generated assessment's page for its officer."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, func, select

from advice_hub import create_app
from advice_hub.models import AdviceRequest, Assessment, Contributor
from advice_hub.sealing.ledger import verify_audit_chain
from advice_hub.services import EXTENSION_KEY
from bench.bulk_load import generate
from bench.national_data import Scale
from bench.pages import Clients, targets_in
from tests.conftest import base_config

ASSESSMENTS = 50


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest) -> str:
    fixture = "sqlite_url" if request.param == "sqlite" else "pg_url"
    return request.getfixturevalue(fixture)  # type: ignore[no-any-return]


def test_generated_data_fills_the_schema_and_the_assessment_page_renders(
    tmp_path: Path, database_url: str
) -> None:
    engine = create_engine(database_url)
    try:
        loaded = generate(engine, Scale(ASSESSMENTS))
    finally:
        engine.dispose()
    assert loaded.counts["assessments"] == ASSESSMENTS
    assert loaded.counts["advice_requests"] == ASSESSMENTS * 5
    assert loaded.counts["chases"] > 0
    assert loaded.counts["audit_events"] > ASSESSMENTS * 5

    app = create_app(base_config(tmp_path, database_url))
    app.config.update(TESTING=True)
    services: Any = app.extensions[EXTENSION_KEY]
    try:
        with services.session_factory() as session:
            counted = {
                model.__tablename__: session.scalar(select(func.count()).select_from(model))
                for model in (Assessment, AdviceRequest, Contributor)
            }
            problems, head = verify_audit_chain(session)
        assert counted == {
            "assessments": ASSESSMENTS,
            "advice_requests": ASSESSMENTS * 5,
            "contributors": ASSESSMENTS * 5,
        }
        assert problems == []
        assert head.index == loaded.counts["audit_events"]

        targets = targets_in(app, loaded.people)
        client, _ = Clients(app, loaded.people)("officer")
        page = client.get(f"/assessments/{targets.big}")
        assert page.status_code == 200
        assert b"Assessment EHC" in page.data
    finally:
        services.engine.dispose()
