"""Fixtures the administration page tests share: an administrator, signed in."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from advice_hub.models import AuditEvent, User
from tests.factories import fresh, make_user
from tests.journey import sign_in


@pytest.fixture
def admin(session: Any) -> User:
    user = make_user(session, email="kim.admin@council.example", name="Kim Admin", role="admin")
    session.commit()
    return user


@pytest.fixture
def as_admin(app: Flask, admin: User) -> FlaskClient:
    """A test client signed in as the administrator."""
    return sign_in(app.test_client(), admin.id)


def audited(session: Any, action: str) -> list[AuditEvent]:
    """The audit events of one kind, oldest first, as committed by the app."""
    fresh(session)
    return list(
        session.scalars(
            select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id)
        )
    )
