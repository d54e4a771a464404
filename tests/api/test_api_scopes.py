"""Scopes: every API endpoint is refused to a key without the scope its entry in the one policy
table names, and let through to a key that holds it.

The cases are built from ``POLICY`` and the app's URL map, so an endpoint added to the API
with ``api("some:scope")`` is covered here without a new test.
"""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from flask import Flask, url_for
from flask.testing import FlaskClient
from sqlalchemy import func, select

from advice_hub.accounts.api_keys import SCOPES
from advice_hub.models import Assessment, AuditEvent
from advice_hub.web.authorization import POLICY, Gate
from tests.api.api_helpers import API, assessment_payload, bearer, issue_key, transaction

SCOPED = sorted(
    (endpoint, access.scope)
    for endpoint, access in POLICY.items()
    if access.gate is Gate.API_KEY and access.scope is not None
)
MATRIX = [(endpoint, needed, held) for endpoint, needed in SCOPED for held in SCOPES]
# What the view answers once a key is let through with an empty body or an unknown id.
REFUSED_CODES = {"unauthorized", "insufficient_scope"}


def _call(app: Flask, client: FlaskClient, endpoint: str, key: str) -> Any:
    """One request to the endpoint: an unknown id in every URL argument, an empty JSON body."""
    (rule,) = [rule for rule in app.url_map.iter_rules() if rule.endpoint == endpoint]
    (method,) = set(rule.methods or ()) - {"HEAD", "OPTIONS"}
    with app.test_request_context():
        url = url_for(endpoint, **{name: uuid.uuid4() for name in rule.arguments})
    return client.open(url, method=method, json={}, headers=bearer(key))


def test_every_api_endpoint_has_an_entry_naming_one_of_the_scopes(app: Flask) -> None:
    api_endpoints = {rule.endpoint for rule in app.url_map.iter_rules()} & {
        e for e in POLICY if e.startswith("api.")
    }
    gates = {POLICY[endpoint].gate for endpoint in api_endpoints}

    assert gates == {Gate.API_KEY, Gate.PUBLIC}
    assert {endpoint for endpoint, _ in SCOPED} == {
        e for e in api_endpoints if POLICY[e].gate is Gate.API_KEY and e != "api.unmatched"
    }
    assert {scope for _, scope in SCOPED} <= set(SCOPES)
    # Each scope opens something, so none is handed out for nothing.
    assert {scope for _, scope in SCOPED} == set(SCOPES)


@pytest.mark.parametrize(
    ("endpoint", "needed", "held"), MATRIX, ids=[f"{e}-holding-{h}" for e, _, h in MATRIX]
)
def test_a_key_with_one_scope_reaches_only_the_endpoints_that_need_it(
    app: Flask, client: FlaskClient, endpoint: str, needed: str, held: str
) -> None:
    key = issue_key(app, scopes=[held])

    response = _call(app, client, endpoint, key)

    error = response.json.get("error")
    if held == needed:
        assert response.status_code != 403, error
        # The view answered: unknown id, empty body, or (a list) an empty page.
        assert error is None or error["code"] not in REFUSED_CODES
        assert error is not None or response.status_code == 200
    else:
        assert response.status_code == 403
        assert error is not None and error["code"] == "insufficient_scope"
        assert needed in error["message"]
        assert response.headers["WWW-Authenticate"] == (
            f'Bearer realm="advice_hub", error="insufficient_scope", scope="{needed}"'
        )


@pytest.mark.parametrize(("endpoint", "needed"), SCOPED, ids=[e for e, _ in SCOPED])
def test_a_key_with_every_scope_but_the_one_needed_is_refused_403(
    app: Flask, client: FlaskClient, endpoint: str, needed: str
) -> None:
    key = issue_key(app, scopes=[scope for scope in SCOPES if scope != needed])

    response = _call(app, client, endpoint, key)

    assert response.status_code == 403
    assert response.mimetype == "application/json"
    assert response.json == {
        "error": {
            "code": "insufficient_scope",
            "message": f"This API key does not have the scope {needed}, which this request "
            "needs. Ask the council's administrator for a key that has it",
            "fields": [],
        }
    }


def test_a_refused_scope_records_nothing(app: Flask, client: FlaskClient) -> None:
    key = issue_key(app, scopes=["assessments:read", "advice:read"])

    response = client.post(f"{API}/assessments", json=assessment_payload(), headers=bearer(key))

    assert response.status_code == 403
    with transaction(app) as session:
        assert session.scalar(select(func.count()).select_from(Assessment)) == 0
        assert session.scalars(select(AuditEvent.action)).all() == ["api_key.created"]


def test_a_refused_scope_is_checked_after_the_key_so_a_wrong_key_is_still_401(
    app: Flask, client: FlaskClient
) -> None:
    issue_key(app, scopes=["advice:read"])

    response = client.post(
        f"{API}/assessments", json=assessment_payload(), headers=bearer("ahk_not-ours")
    )

    assert response.status_code == 401


@pytest.mark.parametrize("held", list(SCOPES))
def test_an_unknown_url_needs_only_a_valid_key_whatever_its_scopes(
    app: Flask, client: FlaskClient, held: str
) -> None:
    key = issue_key(app, scopes=[held])

    response = client.get(f"{API}/nothing-here", headers=bearer(key))

    assert response.status_code == 404
    assert response.json["error"]["code"] == "not_found"


def test_the_openapi_document_needs_no_key_at_all(client: FlaskClient) -> None:
    assert client.get(f"{API}/openapi.json").status_code == 200


def test_a_key_with_just_the_scopes_for_the_whole_journey_can_make_it(
    app: Flask, client: FlaskClient
) -> None:
    writer = bearer(issue_key(app, "writer", scopes=["assessments:write"]))
    reader = bearer(issue_key(app, "reader", scopes=["assessments:read"]))

    created = client.post(f"{API}/assessments", json=assessment_payload(), headers=writer)
    status_for_writer = client.get(created.headers["Location"], headers=writer)
    status_for_reader = client.get(created.headers["Location"], headers=reader)

    assert created.status_code == 201
    assert status_for_writer.status_code == 403
    assert status_for_reader.status_code == 200
