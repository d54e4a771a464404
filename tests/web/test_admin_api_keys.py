"""Administrators list API keys, create one for a team with chosen scopes (its raw value shown
once, on a page no cache keeps) and revoke one, after which the API refuses it."""

from __future__ import annotations

import re
from typing import Any

from flask.testing import FlaskClient
from sqlalchemy import select

from advice_hub.accounts.api_keys import authenticate_api_key, create_api_key, key_sha256
from advice_hub.models import ApiKey
from tests.factories import casework_team, fresh
from tests.html import parse_page, text_of
from tests.journey import csrf_of
from tests.web.conftest import audited
from tests.web.test_advice_counts import statements


def _create(client: FlaskClient, **data: Any) -> Any:
    form = client.get("/admin/api-keys/new")
    return client.post("/admin/api-keys/new", data={"csrf_token": csrf_of(form.data), **data})


def test_a_new_key_is_shown_once_never_cached_and_reaches_its_team_with_its_scopes(
    as_admin: FlaskClient, session: Any
) -> None:
    north = casework_team(session, "North team")
    casework_team(session, "South team")
    session.commit()
    response = _create(
        as_admin,
        name="Capita One",
        team=str(north.id),
        scopes=["assessments:read", "advice:read"],
    )
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    soup = parse_page(response.data)
    raw = soup.select_one("#api-key")["value"]
    assert re.fullmatch(r"ahk_[A-Za-z0-9_-]{43}", raw)
    assert "This is the only time the key is shown" in text_of(soup)
    fresh(session)
    key = authenticate_api_key(session, raw)
    assert key is not None
    assert (key.name, key.team.name, key.scopes) == (
        "Capita One",
        "North team",
        ["assessments:read", "advice:read"],
    )
    assert audited(session, "api_key.created")[0].actor.startswith("user:")
    # The list never shows the key again, nor its hash.
    listing = as_admin.get("/admin/api-keys").get_data(as_text=True)
    assert "Capita One" in listing and "North team" in listing
    assert raw not in listing and key_sha256(raw) not in listing


def test_a_key_needs_a_name_a_team_and_a_scope_and_a_name_not_taken(
    as_admin: FlaskClient, session: Any
) -> None:
    team = casework_team(session, "North team")
    create_api_key(session, "Mosaic", team=team, actor="test")
    session.commit()
    empty = _create(as_admin, name="", team="")
    assert empty.status_code == 400
    text = text_of(parse_page(empty.data))
    assert "Enter a name for the key" in text
    assert "Choose the key's team" in text
    assert "Choose at least one thing the key may do" in text
    taken = _create(as_admin, name="Mosaic", team=str(team.id), scopes=["assessments:read"])
    assert taken.status_code == 400
    assert "An API key called 'Mosaic' already exists" in text_of(parse_page(taken.data))
    fresh(session)
    assert len(session.scalars(select(ApiKey)).all()) == 1


def test_without_a_team_the_page_says_to_add_one_first(as_admin: FlaskClient) -> None:
    page = text_of(parse_page(as_admin.get("/admin/api-keys/new").data))
    assert "there are no teams yet" in page


def test_a_key_is_revoked_after_confirming_and_then_refused(
    as_admin: FlaskClient, session: Any
) -> None:
    team = casework_team(session, "North team")
    raw = create_api_key(session, "Mosaic", team=team, actor="test")
    session.commit()
    key = session.scalar(select(ApiKey))
    confirm = as_admin.get(f"/admin/api-keys/{key.id}/revoke")
    assert "cannot be turned back on" in text_of(parse_page(confirm.data))
    response = as_admin.post(
        f"/admin/api-keys/{key.id}/revoke", data={"csrf_token": csrf_of(confirm.data)}
    )
    assert response.status_code == 303
    listed = parse_page(as_admin.get(response.location).data)
    assert "The API key Mosaic is revoked" in text_of(listed)
    assert "Revoked" in listed.select_one(f"#key-{key.id}").get_text()
    fresh(session)
    assert authenticate_api_key(session, raw) is None
    assert audited(session, "api_key.revoked")[0].detail == {"name": "Mosaic", "team": "North team"}
    # An old tab's revoke page now says it is done already.
    again = as_admin.get(f"/admin/api-keys/{key.id}/revoke")
    assert again.status_code == 303


def test_the_key_list_sends_as_many_statements_for_many_keys_as_for_one(
    as_admin: FlaskClient, session: Any, svc: Any
) -> None:
    create_api_key(session, "Key 0", team=casework_team(session, "Team 0"), actor="test")
    session.commit()
    with statements(svc.engine) as few:
        assert as_admin.get("/admin/api-keys").status_code == 200
    for n in range(1, 6):
        create_api_key(session, f"Key {n}", team=casework_team(session, f"Team {n}"), actor="test")
    session.commit()
    with statements(svc.engine) as many:
        page = as_admin.get("/admin/api-keys")
    assert len(parse_page(page.data).select("tbody tr")) == 6
    assert len(many) == len(few), many


def test_creating_or_revoking_without_the_security_token_changes_nothing(
    as_admin: FlaskClient, session: Any
) -> None:
    team = casework_team(session, "North team")
    create_api_key(session, "Mosaic", team=team, actor="test")
    session.commit()
    key = session.scalar(select(ApiKey))
    data = {"name": "New", "team": str(team.id), "scopes": ["assessments:read"]}
    assert as_admin.post("/admin/api-keys/new", data=data).status_code == 400
    assert as_admin.post(f"/admin/api-keys/{key.id}/revoke").status_code == 400
    fresh(session)
    assert [(k.name, k.revoked_at) for k in session.scalars(select(ApiKey))] == [("Mosaic", None)]
