"""API keys: created once from the CLI, stored only as a hash, refused when wrong or revoked."""

from __future__ import annotations

import hashlib
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import event, select

from advice_hub.accounts.api_keys import (
    ApiKeyError,
    authenticate_api_key,
    create_api_key,
    list_api_keys,
    revoke_api_key,
    revoke_api_key_by_id,
)
from advice_hub.cli.api_keys import api_keys
from advice_hub.models import ApiKey, AuditEvent, utcnow
from tests.api.api_helpers import API, assessment_payload, bearer, issue_key, transaction
from tests.conftest import services
from tests.factories import CASEWORK_TEAM, casework_team


def _make_team(app: Flask) -> None:
    with transaction(app) as session:
        casework_team(session)


def _key_from(output: str) -> str:
    (key,) = [line for line in output.splitlines() if line.startswith("ahk_")]
    return key


def test_creating_a_key_prints_it_once_and_stores_only_its_hash(any_db_app: Flask) -> None:
    _make_team(any_db_app)
    result = any_db_app.test_cli_runner().invoke(
        api_keys, ["create", "liquidlogic", "--team", CASEWORK_TEAM]
    )

    assert result.exit_code == 0, result.output
    key = _key_from(result.output)
    assert result.output.count(key) == 1
    assert "will not be shown again" in result.output
    assert len(key) >= len("ahk_") + 43  # 256 bits of token_urlsafe
    with transaction(any_db_app) as session:
        (row,) = session.scalars(select(ApiKey)).all()
        assert row.name == "liquidlogic"
        assert row.key_sha256 == hashlib.sha256(key.encode()).hexdigest()
        assert key not in repr(vars(row))
        events = session.scalars(select(AuditEvent)).all()
        assert [(e.actor, e.action) for e in events] == [("cli", "api_key.created")]
        assert key not in str(events[0].detail)


def test_a_second_key_with_the_same_name_is_refused_with_a_clear_message(app: Flask) -> None:
    _make_team(app)
    runner = app.test_cli_runner()
    runner.invoke(api_keys, ["create", "liquidlogic", "--team", CASEWORK_TEAM])

    result = runner.invoke(api_keys, ["create", "liquidlogic", "--team", CASEWORK_TEAM])

    assert result.exit_code != 0
    assert "already exists" in result.output
    assert "ahk_" not in result.output
    with transaction(app) as session:
        assert len(session.scalars(select(ApiKey)).all()) == 1


@pytest.mark.parametrize("name", ["", "   ", "x" * 121, "bad\nname", "-leading-dash"])
def test_a_key_name_that_would_not_read_cleanly_in_the_audit_log_is_refused(
    app: Flask, name: str
) -> None:
    with transaction(app) as session, pytest.raises(ValueError, match="API key"):
        create_api_key(session, name, team=casework_team(session))


def test_listing_keys_shows_names_teams_scopes_and_revocation_but_never_a_key_or_its_hash(
    app: Flask,
) -> None:
    _make_team(app)
    with transaction(app) as session:
        casework_team(session, "North locality team")
    runner = app.test_cli_runner()
    first = _key_from(
        runner.invoke(api_keys, ["create", "liquidlogic", "--team", CASEWORK_TEAM]).output
    )
    runner.invoke(
        api_keys,
        ["create", "mosaic", "--team", "north locality team", "--scope", "advice:read"],
    )
    runner.invoke(api_keys, ["revoke", "mosaic"])

    result = runner.invoke(api_keys, ["list"])

    assert result.exit_code == 0, result.output
    liquidlogic, mosaic = result.output.splitlines()
    assert liquidlogic.startswith("liquidlogic") and f"  {CASEWORK_TEAM}  " in liquidlogic
    assert "assessments:write assessments:read advice:read" in liquidlogic
    assert liquidlogic.endswith("active")
    assert mosaic.startswith("mosaic") and "North locality team" in mosaic
    assert "advice:read" in mosaic and "assessments:" not in mosaic
    assert "revoked" in mosaic
    # The columns line up: each key's team starts at the same place.
    assert liquidlogic.index("Casework team") == mosaic.index("North locality team")
    assert first not in result.output
    assert hashlib.sha256(first.encode()).hexdigest() not in result.output


def test_a_key_is_created_with_the_scopes_asked_for_and_says_which(app: Flask) -> None:
    _make_team(app)

    result = app.test_cli_runner().invoke(
        api_keys,
        [
            "create",
            "reader",
            "--team",
            CASEWORK_TEAM,
            "--scope",
            "advice:read",
            "--scope",
            "assessments:read",
        ],
    )

    assert result.exit_code == 0, result.output
    assert (
        f"created for {CASEWORK_TEAM}, with the scopes assessments:read, advice:read"
        in result.output
    )
    with transaction(app) as session:
        key = session.scalars(select(ApiKey)).one()
        assert key.scopes == ["assessments:read", "advice:read"]
        assert key.team.name == CASEWORK_TEAM


def test_a_key_for_an_unknown_team_is_refused_naming_the_teams_there_are(app: Flask) -> None:
    runner = app.test_cli_runner()
    no_teams = runner.invoke(api_keys, ["create", "mosaic", "--team", "Nowhere"])
    _make_team(app)
    unknown = runner.invoke(api_keys, ["create", "mosaic", "--team", "Nowhere"])

    assert no_teams.exit_code == 1
    assert "There is no team called 'Nowhere': there are no teams yet" in no_teams.output
    assert unknown.exit_code == 1
    assert f"There is no team called 'Nowhere'; the teams are: {CASEWORK_TEAM}" in unknown.output
    assert "ahk_" not in no_teams.output + unknown.output
    with transaction(app) as session:
        assert session.scalars(select(ApiKey)).all() == []


def test_an_unknown_scope_is_refused_naming_the_scopes_there_are(app: Flask) -> None:
    _make_team(app)

    result = app.test_cli_runner().invoke(
        api_keys, ["create", "mosaic", "--team", CASEWORK_TEAM, "--scope", "advice:write"]
    )

    assert result.exit_code == 2
    assert "'advice:write' is not one of" in result.output
    for scope in ("assessments:write", "assessments:read", "advice:read"):
        assert scope in result.output
    with transaction(app) as session:
        assert session.scalars(select(ApiKey)).all() == []


@pytest.mark.parametrize(
    ("scopes", "message"),
    [(["advice:write"], "Unknown scope advice:write"), ([], "at least one scope")],
)
def test_the_domain_refuses_a_key_with_no_scope_or_an_unknown_one(
    app: Flask, scopes: list[str], message: str
) -> None:
    with transaction(app) as session, pytest.raises(ApiKeyError, match=message):
        create_api_key(session, "mosaic", team=casework_team(session), scopes=scopes)


def test_listing_keys_loads_their_teams_in_one_query_however_many_keys(app: Flask) -> None:
    with transaction(app) as session:
        for n in range(6):
            create_api_key(session, f"system-{n}", team=casework_team(session, f"Team {n % 3}"))
    statements: list[str] = []

    def count(*args: Any) -> None:
        statements.append(args[2])

    engine = services(app).engine
    event.listen(engine, "before_cursor_execute", count)
    try:
        with services(app).session_factory() as session:
            teams = [key.team.name for key in list_api_keys(session)]
    finally:
        event.remove(engine, "before_cursor_execute", count)

    assert teams == ["Team 0", "Team 1", "Team 2"] * 2
    assert len([s for s in statements if s.lstrip().upper().startswith("SELECT")]) == 2


def test_a_key_can_be_revoked_by_its_id_as_an_admin_page_would(app: Flask) -> None:
    issue_key(app, "mosaic")
    with transaction(app) as session:
        key_id = session.scalars(select(ApiKey.id)).one()
        revoke_api_key_by_id(session, key_id, utcnow(), actor="user:7")
    with transaction(app) as session:
        with pytest.raises(ApiKeyError, match="already revoked"):
            revoke_api_key_by_id(session, key_id, utcnow(), actor="user:7")
        with pytest.raises(ApiKeyError, match="no such API key"):
            revoke_api_key_by_id(session, key_id + 1, utcnow(), actor="user:7")
    with transaction(app) as session:
        revoked = session.scalars(
            select(AuditEvent).where(AuditEvent.action == "api_key.revoked")
        ).one()
        assert revoked.actor == "user:7"
        assert revoked.detail == {"name": "mosaic", "team": CASEWORK_TEAM}
        assert session.get_one(ApiKey, key_id).revoked_at is not None


def test_revoking_is_audited_and_cannot_be_done_twice(app: Flask) -> None:
    _make_team(app)
    runner = app.test_cli_runner()
    runner.invoke(api_keys, ["create", "mosaic", "--team", CASEWORK_TEAM])

    assert runner.invoke(api_keys, ["revoke", "mosaic"]).exit_code == 0
    again = runner.invoke(api_keys, ["revoke", "mosaic"])
    unknown = runner.invoke(api_keys, ["revoke", "nobody"])

    assert again.exit_code != 0 and "already revoked" in again.output
    assert unknown.exit_code != 0 and "no API key called 'nobody'" in unknown.output
    with transaction(app) as session:
        actions = session.scalars(select(AuditEvent.action).order_by(AuditEvent.id)).all()
        assert actions == ["api_key.created", "api_key.revoked"]


def test_only_a_live_key_authenticates(app: Flask) -> None:
    with transaction(app) as session:
        key = create_api_key(session, "liquidlogic", team=casework_team(session))
    with transaction(app) as session:
        live = authenticate_api_key(session, key)
        assert live is not None and live.name == "liquidlogic"
        assert authenticate_api_key(session, key + "x") is None
        assert authenticate_api_key(session, key.removeprefix("ahk_")) is None
        assert authenticate_api_key(session, "ahk_" + "A" * 5000) is None
        revoke_api_key(session, "liquidlogic", utcnow())
    with transaction(app) as session:
        assert authenticate_api_key(session, key) is None


def test_a_request_without_a_key_is_refused_with_401(
    any_db_app: Flask, db_client: FlaskClient
) -> None:
    response = db_client.post(f"{API}/assessments", json=assessment_payload())

    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"].startswith("Bearer")
    assert response.json is not None
    assert response.json["error"]["code"] == "unauthorized"
    assert "Authorization: Bearer" in response.json["error"]["message"]


@pytest.mark.parametrize(
    "authorization",
    [
        "Bearer ahk_not-a-key-we-issued",
        "Bearer ",
        "Basic bGl2ZXI6cG9vbA==",
        "ahk_missing-the-scheme",
    ],
)
def test_a_request_with_a_wrong_key_is_refused_with_401(
    any_db_app: Flask, db_client: FlaskClient, db_auth: dict[str, str], authorization: str
) -> None:
    response = db_client.get(
        f"{API}/assessments/00000000-0000-4000-8000-000000000000",
        headers={"Authorization": authorization},
    )

    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"].startswith("Bearer")
    assert response.json is not None and response.json["error"]["code"] == "unauthorized"


def test_a_revoked_key_is_refused_with_401(any_db_app: Flask, db_client: FlaskClient) -> None:
    key = issue_key(any_db_app, "mosaic")
    accepted = db_client.post(f"{API}/assessments", json=assessment_payload(), headers=bearer(key))
    assert accepted.status_code == 201

    any_db_app.test_cli_runner().invoke(api_keys, ["revoke", "mosaic"])
    refused = db_client.post(f"{API}/assessments", json=assessment_payload(), headers=bearer(key))

    assert refused.status_code == 401
    assert 'error="invalid_token"' in refused.headers["WWW-Authenticate"]
    assert refused.json is not None and refused.json["error"]["code"] == "unauthorized"


def test_the_key_never_appears_in_the_audit_log_of_what_it_did(
    app: Flask, client: FlaskClient, api_key: str, auth: dict[str, str]
) -> None:
    client.post(f"{API}/assessments", json=assessment_payload(), headers=auth)

    with transaction(app) as session:
        events = session.scalars(select(AuditEvent).order_by(AuditEvent.id)).all()
    assert events[-1].actor == "api-key:case-system"
    assert all(api_key not in f"{e.actor}{e.detail}" for e in events)
