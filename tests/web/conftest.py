from __future__ import annotations

import re
from typing import Any

import pytest
from flask.testing import FlaskClient
from sqlalchemy import select

from advice_hub.models import User


def csrf_of(html: str | bytes) -> str:
    text = html.decode() if isinstance(html, bytes) else html
    match = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', text)
    assert match, "no CSRF token on the page"
    return match.group(1)


@pytest.fixture
def officer(session: Any) -> User:
    user = User(email="olu@council.example", name="Olu Adeyemi", role="case_officer")
    session.add(user)
    session.commit()
    return user


@pytest.fixture
def signed_in(client: FlaskClient, officer: User) -> FlaskClient:
    page = client.get("/sign-in")
    response = client.post("/sign-in", data={"user": officer.id, "csrf_token": csrf_of(page.data)})
    assert response.status_code == 302
    return client


@pytest.fixture
def staff_user(session: Any) -> User:
    return session.scalar(select(User))
