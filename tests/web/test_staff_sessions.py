"""Staff sessions are held on the server: signing out ends one at once (the old cookie no
longer works), a sign-in always gets a new session id, and a session lapses after the idle
timeout and after its absolute lifetime (STAFF_IDLE_MINUTES, STAFF_SESSION_HOURS)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import time_machine
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from advice_hub import create_app
from advice_hub.models import AuditEvent, StaffSession, User
from tests.factories import make_user
from tests.html import parse_page, text_of
from tests.journey import csrf_of, sign_in, sign_out

START = datetime(2026, 3, 10, 9, 0, tzinfo=UTC)


@pytest.fixture
def travel() -> Iterator[Any]:
    with time_machine.travel(START, tick=False) as traveller:
        yield traveller


def cookie(client: FlaskClient) -> str:
    found = client.get_cookie("session")
    assert found is not None
    return found.value


def with_cookie(app: Flask, value: str) -> FlaskClient:
    other = app.test_client()
    other.set_cookie("session", value)
    return other


def is_signed_in(client: FlaskClient) -> bool:
    response = client.get("/assessments")
    if response.status_code == 302:
        assert response.headers["Location"].startswith("/sign-in")
        return False
    assert response.status_code == 200
    return True


def test_signing_out_ends_the_session_and_the_old_cookie_no_longer_works(
    app: Flask, signed_in: FlaskClient, session: Any, officer: User
) -> None:
    old = cookie(signed_in)
    assert is_signed_in(with_cookie(app, old))

    sign_out(signed_in)

    assert not is_signed_in(signed_in)
    assert not is_signed_in(with_cookie(app, old))
    ended = session.scalars(select(StaffSession).where(StaffSession.user_id == officer.id)).all()
    assert [(s.end_reason, s.ended_at is not None) for s in ended] == [("signed_out", True)]
    actions = session.scalars(select(AuditEvent.action).order_by(AuditEvent.id)).all()
    assert actions[-2:] == ["staff.signed_in", "staff.signed_out"]


def test_the_navigation_signs_out_with_a_csrf_protected_button_not_a_link(
    signed_in: FlaskClient,
) -> None:
    soup = parse_page(signed_in.get("/assessments").data)
    assert not soup.select('a[href="/sign-out"]')
    (form,) = soup.select('form[action="/sign-out"]')
    assert form["method"] == "post"
    assert form.select_one('input[name="csrf_token"]')["value"]
    assert text_of(form.select_one("button")) == "Sign out (Olu Adeyemi)"


def test_another_site_cannot_sign_staff_out(app: Flask, signed_in: FlaskClient) -> None:
    # A link or an image pointing at /sign-out only asks ...
    asked = signed_in.get("/sign-out")
    assert asked.status_code == 200
    assert "Sign out" in text_of(parse_page(asked.data))
    assert is_signed_in(signed_in)
    # ... and a forged form post, without the page's CSRF token, is refused.
    assert signed_in.post("/sign-out").status_code == 400
    assert is_signed_in(signed_in)
    # The button on that page does sign out.
    signed_in.post("/sign-out", data={"csrf_token": csrf_of(asked.data)})
    assert not is_signed_in(signed_in)


def test_the_sign_out_page_sends_someone_not_signed_in_to_sign_in(client: FlaskClient) -> None:
    response = client.get("/sign-out")
    assert response.status_code == 302
    assert response.headers["Location"] == "/sign-in"


def test_signing_in_gets_a_new_session_id_and_ends_the_one_before(
    app: Flask, signed_in: FlaskClient, session: Any, officer: User
) -> None:
    before = cookie(signed_in)
    manager = make_user(session, email="pat@council.example", name="Pat Manager", role="manager")
    session.commit()

    sign_in(signed_in, manager.id)

    assert cookie(signed_in) != before
    assert not is_signed_in(with_cookie(app, before))
    assert is_signed_in(signed_in)
    reasons = session.scalars(
        select(StaffSession.end_reason).where(StaffSession.user_id == officer.id)
    ).all()
    assert reasons == ["replaced"]


def test_a_session_lapses_after_the_idle_timeout(
    travel: Any, client: FlaskClient, session: Any, officer: User
) -> None:
    sign_in(client, officer.id)
    travel.shift(timedelta(minutes=29))
    assert is_signed_in(client)  # and this request keeps it alive
    travel.shift(timedelta(minutes=29))
    assert is_signed_in(client)
    travel.shift(timedelta(minutes=30))

    assert not is_signed_in(client)
    row = session.scalars(select(StaffSession)).one()
    assert (row.end_reason, row.ended_at) == ("idle", START + timedelta(minutes=88))


def test_a_busy_session_still_ends_after_its_lifetime(
    travel: Any, client: FlaskClient, session: Any, officer: User
) -> None:
    sign_in(client, officer.id)
    for _ in range(23):
        travel.shift(timedelta(minutes=20))
        assert is_signed_in(client)  # 7 hours 40 minutes in
    travel.shift(timedelta(minutes=20))

    assert not is_signed_in(client)
    row = session.scalars(select(StaffSession)).one()
    assert (row.end_reason, row.ended_at) == ("lifetime", START + timedelta(hours=8))


def test_the_limits_come_from_the_settings(
    travel: Any, app_config: dict[str, Any], session: Any, officer: User
) -> None:
    app_config.update(STAFF_IDLE_MINUTES=5, STAFF_SESSION_HOURS=1)
    app = create_app(app_config)
    idle = sign_in(app.test_client(), officer.id)
    busy = sign_in(app.test_client(), officer.id)
    for minutes in range(4, 60, 4):
        travel.move_to(START + timedelta(minutes=minutes))
        assert is_signed_in(busy)
        if minutes == 4:
            assert is_signed_in(idle)
        if minutes == 12:
            assert not is_signed_in(idle)  # 8 minutes without a page
    travel.move_to(START + timedelta(hours=1))
    assert not is_signed_in(busy)
