"""GET /advice-requests/<id>/advice: sealed advice exactly as submitted, and every read audited."""

from __future__ import annotations

import hashlib
import json
import uuid
from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from advice_hub.models import AuditEvent
from advice_hub.sealing.seals import GENESIS
from tests.api.api_helpers import API, assessment_payload, seal, today, transaction


def _agreed_requests(client: FlaskClient, auth: dict[str, str]) -> tuple[str, list[Any]]:
    created = client.post(f"{API}/assessments", json=assessment_payload(), headers=auth).json
    client.post(
        f"{API}/assessments/{created['id']}/agree",
        json={"decided_on": today().isoformat()},
        headers=auth,
    )
    status = client.get(f"{API}/assessments/{created['id']}", headers=auth).json
    return created["id"], status["advice_requests"]


def test_advice_not_yet_submitted_is_404_not_sealed(
    any_db_app: Flask, db_client: FlaskClient, db_auth: dict[str, str]
) -> None:
    _, requests = _agreed_requests(db_client, db_auth)

    response = db_client.get(f"{API}/advice-requests/{requests[0]['id']}/advice", headers=db_auth)

    assert response.status_code == 404
    assert response.json["error"]["code"] == "not_sealed"
    assert "not been submitted" in response.json["error"]["message"]
    with transaction(any_db_app) as session:
        actions = session.scalars(select(AuditEvent.action)).all()
        assert "advice.viewed" not in actions


def test_sealed_advice_comes_back_verbatim_with_fingerprints_that_match(
    any_db_app: Flask, db_client: FlaskClient, db_auth: dict[str, str]
) -> None:
    _, requests = _agreed_requests(db_client, db_auth)
    health = next(r for r in requests if r["agency"] == "health")
    sealed = seal(any_db_app, health["id"])

    response = db_client.get(f"{API}/advice-requests/{health['id']}/advice", headers=db_auth)

    assert response.status_code == 200
    advice = response.json
    assert advice["advice_request_id"] == health["id"]
    assert advice["agency"] == "health"
    assert advice["canonical"] == sealed.canonical
    assert (
        hashlib.sha256(advice["canonical"].encode("utf-8")).hexdigest()
        == (advice["content_sha256"])
    )
    assert advice["previous_seal_sha256"] is None  # the first seal in this database
    chained = f"{advice['previous_seal_sha256'] or GENESIS}:{advice['content_sha256']}"
    assert hashlib.sha256(chained.encode("ascii")).hexdigest() == advice["seal_sha256"]
    document = json.loads(advice["canonical"])
    assert document["declaration"]["registration"] == "GMC 1234567"
    written = [a for a in document["answers"].values() if isinstance(a, str) and len(a) > 3]
    assert written and all(answer.startswith("Réponse") for answer in written)


def test_every_read_of_sealed_advice_is_in_the_audit_log(
    any_db_app: Flask, db_client: FlaskClient, db_auth: dict[str, str]
) -> None:
    _, requests = _agreed_requests(db_client, db_auth)
    advice_request_id = requests[1]["id"]
    sealed = seal(any_db_app, advice_request_id)

    for _ in range(2):
        db_client.get(f"{API}/advice-requests/{advice_request_id}/advice", headers=db_auth)

    with transaction(any_db_app) as session:
        views = session.scalars(
            select(AuditEvent).where(AuditEvent.action == "advice.viewed")
        ).all()
    assert len(views) == 2
    assert {v.actor for v in views} == {"api-key:case-system"}
    assert {v.advice_request_id for v in views} == {uuid.UUID(advice_request_id)}
    assert views[0].detail == {"content_sha256": sealed.content_sha256}


def test_once_advice_is_sealed_the_status_shows_its_fingerprints(
    app: Flask, client: FlaskClient, auth: dict[str, str]
) -> None:
    assessment_id, requests = _agreed_requests(client, auth)
    sealed = seal(app, requests[0]["id"])

    status = client.get(f"{API}/assessments/{assessment_id}", headers=auth).json

    first, *others = status["advice_requests"]
    assert first["status"] == "submitted"
    assert first["submitted_at"] is not None
    assert (first["content_sha256"], first["seal_sha256"]) == (
        sealed.content_sha256,
        sealed.seal_sha256,
    )
    assert [r["content_sha256"] for r in others] == [None, None, None]


def test_a_second_seal_is_chained_to_the_first(
    app: Flask, client: FlaskClient, auth: dict[str, str]
) -> None:
    _, requests = _agreed_requests(client, auth)
    first = seal(app, requests[0]["id"])
    seal(app, requests[1]["id"])

    advice = client.get(f"{API}/advice-requests/{requests[1]['id']}/advice", headers=auth).json

    assert advice["previous_seal_sha256"] == first.seal_sha256


def test_an_unknown_advice_request_is_404(
    any_db_app: Flask, db_client: FlaskClient, db_auth: dict[str, str]
) -> None:
    response = db_client.get(f"{API}/advice-requests/{uuid.uuid4()}/advice", headers=db_auth)

    assert response.status_code == 404
    assert response.json["error"]["code"] == "not_found"
