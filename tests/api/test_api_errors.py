"""Every answer under /api/v1 is JSON, including the errors Flask would answer with HTML."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from advice_hub.models import Assessment, AuditEvent, Contributor
from advice_hub.web.api import routes as api
from tests.api.api_helpers import API, assessment_payload, transaction


@pytest.mark.parametrize(
    "path",
    [
        "/",
        "/nothing-here",
        "/assessments/not-a-uuid",
        "/assessments/00000000-0000-4000-8000-000000000000/agree/extra",
        "/advice-requests/12345/advice",
    ],
)
def test_unknown_urls_under_the_api_answer_json_404(
    client: FlaskClient, auth: dict[str, str], path: str
) -> None:
    response = client.get(f"{API}{path}", headers=auth)

    assert response.status_code == 404
    assert response.mimetype == "application/json"
    assert response.json["error"]["code"] == "not_found"


@pytest.mark.parametrize(
    ("method", "path", "allowed"),
    [
        ("DELETE", "/assessments", {"GET", "HEAD", "POST"}),
        ("PUT", "/advice-requests", {"GET", "HEAD"}),
        ("PUT", "/assessments/00000000-0000-4000-8000-000000000000", {"GET", "HEAD"}),
        ("GET", "/assessments/00000000-0000-4000-8000-000000000000/agree", {"POST"}),
        ("POST", "/advice-requests/00000000-0000-4000-8000-000000000000/advice", {"GET"}),
    ],
)
def test_a_wrong_method_answers_json_405_with_the_allowed_methods(
    client: FlaskClient, auth: dict[str, str], method: str, path: str, allowed: set[str]
) -> None:
    response = client.open(f"{API}{path}", method=method, headers=auth)

    assert response.status_code == 405
    assert response.mimetype == "application/json"
    assert response.json["error"]["code"] == "method_not_allowed"
    assert allowed <= {m.strip() for m in response.headers["Allow"].split(",")}


def test_unknown_urls_still_need_a_key(client: FlaskClient) -> None:
    response = client.get(f"{API}/nothing-here")

    assert response.status_code == 401
    assert response.json["error"]["code"] == "unauthorized"


def test_an_unexpected_failure_answers_json_500_and_saves_nothing(
    app: Flask, client: FlaskClient, auth: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    create_assessment = api.create_assessment

    def broken(*args: Any, **kwargs: Any) -> Any:
        create_assessment(*args, **kwargs)  # the assessment and its audit rows, then a failure
        raise RuntimeError("database on fire")

    monkeypatch.setattr(api, "create_assessment", broken)

    response = client.post(f"{API}/assessments", json=assessment_payload(), headers=auth)

    assert response.status_code == 500
    assert response.json["error"]["code"] == "internal_error"
    assert "on fire" not in response.get_data(as_text=True)
    with transaction(app) as session:
        assert session.scalar(select(func.count()).select_from(Assessment)) == 0
        assert session.scalar(select(func.count()).select_from(Contributor)) == 0
        assert session.scalars(select(AuditEvent.action)).all() == ["api_key.created"]


def test_error_answers_carry_the_security_headers_and_are_not_cached(
    client: FlaskClient,
) -> None:
    response = client.get(f"{API}/assessments/00000000-0000-4000-8000-000000000000")

    assert response.headers["Cache-Control"] == "no-store"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["X-Request-ID"]
