"""A key reaches only its own team's assessments. Another team's assessment, or its advice,
is answered exactly as one that does not exist: same status, body and headers, nothing
changed and no read recorded, so a key learns nothing of what another team holds."""

from __future__ import annotations

import re
import uuid
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from advice_hub.models import Assessment, AuditEvent, OutboxMessage
from tests.api.api_helpers import API, assessment_payload, bearer, issue_key, seal, today
from tests.api.api_helpers import transaction as committed

OTHER_TEAM = "North locality team"
# Differ on every answer, so they are not compared: the request id, and the CSP's nonce.
PER_REQUEST_HEADERS = {"X-Request-ID"}
NONCE = re.compile(r"'nonce-[^']+'")


@pytest.fixture
def ours(any_db_app: Flask) -> dict[str, str]:
    return bearer(issue_key(any_db_app, "case-system"))


@pytest.fixture
def theirs(any_db_app: Flask) -> dict[str, str]:
    """A key of another team, holding every scope."""
    return bearer(issue_key(any_db_app, "north-system", team=OTHER_TEAM))


@pytest.fixture
def records(db_client: FlaskClient, ours: dict[str, str], any_db_app: Flask) -> dict[str, str]:
    """Our team's assessments: one still requested, one agreed with one request sealed."""
    requested = db_client.post(f"{API}/assessments", json=assessment_payload(), headers=ours).json
    agreed = db_client.post(f"{API}/assessments", json=assessment_payload(), headers=ours).json
    db_client.post(
        f"{API}/assessments/{agreed['id']}/agree",
        json={"decided_on": today().isoformat()},
        headers=ours,
    )
    requests = db_client.get(f"{API}/assessments/{agreed['id']}", headers=ours).json[
        "advice_requests"
    ]
    seal(any_db_app, requests[0]["id"])
    return {
        "requested": requested["id"],
        "agreed": agreed["id"],
        "sealed_request": requests[0]["id"],
        "open_request": requests[1]["id"],
    }


def _status(client: FlaskClient, auth: dict[str, str], id_: str) -> Any:
    return client.get(f"{API}/assessments/{id_}", headers=auth)


def _agree(client: FlaskClient, auth: dict[str, str], id_: str) -> Any:
    body = {"decided_on": today().isoformat()}
    return client.post(f"{API}/assessments/{id_}/agree", json=body, headers=auth)


def _advice(client: FlaskClient, auth: dict[str, str], id_: str) -> Any:
    return client.get(f"{API}/advice-requests/{id_}/advice", headers=auth)


CALLS = [
    ("status of an assessment", _status, "agreed"),
    ("status of an assessment not yet agreed", _status, "requested"),
    ("agree to assess", _agree, "requested"),
    ("sealed advice", _advice, "sealed_request"),
    ("advice not yet submitted", _advice, "open_request"),
]


def _answer(response: Any) -> tuple[int, Any, dict[str, str]]:
    headers = {
        name: NONCE.sub("'nonce-…'", value)
        for name, value in response.headers.items()
        if name not in PER_REQUEST_HEADERS
    }
    return response.status_code, response.json, headers


@pytest.mark.parametrize(("call", "record"), [c[1:] for c in CALLS], ids=[c[0] for c in CALLS])
def test_another_team_s_record_is_answered_exactly_as_a_missing_one(
    db_client: FlaskClient,
    ours: dict[str, str],
    theirs: dict[str, str],
    records: dict[str, str],
    call: Any,
    record: str,
) -> None:
    other_team_s = call(db_client, theirs, records[record])
    missing = call(db_client, theirs, str(uuid.uuid4()))

    assert _answer(other_team_s) == _answer(missing)
    assert other_team_s.status_code == 404
    assert other_team_s.json["error"]["code"] == "not_found"
    # The record is there, and for its own team tells apart from a missing one.
    assert _answer(call(db_client, ours, records[record])) != _answer(missing)


def test_another_team_cannot_agree_to_assess_for_us(
    any_db_app: Flask, db_client: FlaskClient, theirs: dict[str, str], records: dict[str, str]
) -> None:
    with committed(any_db_app) as session:
        queued_before = session.scalar(select(func.count()).select_from(OutboxMessage))

    _agree(db_client, theirs, records["requested"])

    with committed(any_db_app) as session:
        assessment = session.get_one(Assessment, uuid.UUID(records["requested"]))
        assert assessment.status == "requested"
        assert session.scalar(select(func.count()).select_from(OutboxMessage)) == queued_before
        assert not session.scalars(
            select(AuditEvent).where(AuditEvent.actor == "api-key:north-system")
        ).all()


def test_a_refused_read_of_another_team_s_advice_is_not_recorded_as_a_view(
    any_db_app: Flask, db_client: FlaskClient, theirs: dict[str, str], records: dict[str, str]
) -> None:
    _advice(db_client, theirs, records["sealed_request"])

    with committed(any_db_app) as session:
        viewed = session.scalars(
            select(AuditEvent).where(AuditEvent.action == "advice.viewed")
        ).all()
    assert viewed == []


def test_a_key_without_the_scope_learns_nothing_either(
    any_db_app: Flask, db_client: FlaskClient, records: dict[str, str]
) -> None:
    advice_only = bearer(
        issue_key(any_db_app, "north-advice", team=OTHER_TEAM, scopes=["advice:read"])
    )

    other_team_s = _status(db_client, advice_only, records["agreed"])
    missing = _status(db_client, advice_only, str(uuid.uuid4()))

    assert other_team_s.status_code == 403
    assert _answer(other_team_s) == _answer(missing)
