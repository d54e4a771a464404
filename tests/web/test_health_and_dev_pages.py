"""Health check, the development mail pages and security headers."""

from __future__ import annotations

from typing import Any

from flask.testing import FlaskClient

from advice_hub import create_app
from advice_hub.sealing.checkpoints import new_signing_key
from tests.conftest import base_config
from tests.factories import make_assessment
from tests.html import parse_page, text_of


def test_healthz_reports_the_database_and_the_embedded_broker(client: FlaskClient) -> None:
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json == {
        "status": "ok",
        "database": "ok",
        "broker": "ok",
        "broker_kind": "embedded",
    }


def test_healthz_says_unhealthy_when_the_broker_is_unreachable(
    tmp_path: Any, sqlite_url: str
) -> None:
    config = base_config(tmp_path, sqlite_url) | {"REDIS_URL": "redis://127.0.0.1:1/0"}
    response = create_app(config).test_client().get("/healthz")
    assert response.status_code == 503
    assert response.json["broker"] == "unreachable"
    assert response.json["database"] == "ok"


def test_the_mail_page_lists_what_was_sent_and_shows_each_message(
    client: FlaskClient, session: Any, jobs: Any
) -> None:
    empty = parse_page(client.get("/dev/mail").data)
    assert "No mail has been sent yet" in text_of(empty)
    make_assessment(session, agreed=True)
    session.commit()
    jobs.run()
    listing = parse_page(client.get("/dev/mail").data)
    links = listing.select("table a")
    assert len(links) == 4
    message = parse_page(client.get(links[0]["href"]).data)
    assert "/a/" in text_of(message)


def test_the_mail_page_refuses_paths_outside_its_folder(client: FlaskClient) -> None:
    assert client.get("/dev/mail/..%2Fadvice_hub.sqlite3").status_code == 404
    assert client.get("/dev/mail/nothing.eml").status_code == 404


def test_development_pages_do_not_exist_in_production(monkeypatch: Any) -> None:
    monkeypatch.setenv("SMTP_HOST", "smtp.example.org")
    app = create_app(
        {
            "ENV": "production",
            "DEV_SIGN_IN": False,
            "REDIS_URL": "redis://127.0.0.1:1/0",
            "SECRET_KEY": "p" * 40,
            "DATABASE_URL": "postgresql+psycopg://nobody@127.0.0.1:1/none",
            "MAIL_BACKEND": "smtp",
            "SMTP_HOST": "smtp.example.org",
            "BASE_URL": "https://advice.example.gov.uk",
            "LEDGER_SIGNING_KEY": new_signing_key(),
            "ENTRA_TENANT_ID": "tenant",
            "ENTRA_CLIENT_ID": "client",
            "ENTRA_CLIENT_SECRET": "secret",
        }
    )
    assert "dev" not in app.blueprints
    assert app.config["SESSION_COOKIE_SECURE"] is True


def test_pages_forbid_framing_and_keep_tokens_out_of_referers(client: FlaskClient) -> None:
    response = client.get("/sign-in")
    assert response.headers["Referrer-Policy"] == "same-origin"
    assert response.headers["X-Frame-Options"] == "DENY"
    assert "frame-ancestors 'none'" in response.headers["Content-Security-Policy"]
    assert response.headers["Cache-Control"] == "no-store"
