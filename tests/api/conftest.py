"""Fixtures for the API tests: a key and a client on SQLite, and the same on each database."""

from __future__ import annotations

import pytest
from flask import Flask
from flask.testing import FlaskClient

from tests.api.api_helpers import bearer, issue_key


@pytest.fixture
def api_key(app: Flask) -> str:
    return issue_key(app)


@pytest.fixture
def auth(api_key: str) -> dict[str, str]:
    return bearer(api_key)


@pytest.fixture
def db_client(any_db_app: Flask) -> FlaskClient:
    """A client of the app on SQLite, then on PostgreSQL."""
    return any_db_app.test_client()


@pytest.fixture
def db_auth(any_db_app: Flask) -> dict[str, str]:
    return bearer(issue_key(any_db_app))
