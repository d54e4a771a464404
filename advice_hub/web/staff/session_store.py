"""The staff session behind the browser's cookie: the cookie holds only the token of a session
held in the database (`accounts.staff_sessions`), found before each request, kept alive or
ended when it lapsed; a sign-in replaces it with a new one."""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import urlsplit

from flask import g, session, url_for

from advice_hub.accounts.staff_sessions import (
    SessionLimits,
    live_staff_session,
    start_staff_session,
)
from advice_hub.models import User, utcnow
from advice_hub.services import current_services
from advice_hub.transactions import committing
from advice_hub.web.db_session import db
from advice_hub.web.staff.blueprint import bp

SESSION_KEY = "staff_session"


def _limits() -> SessionLimits:
    settings = current_services().settings
    return SessionLimits(
        idle=timedelta(minutes=settings.staff_idle_minutes),
        lifetime=timedelta(hours=settings.staff_session_hours),
    )


def session_token() -> str | None:
    token = session.get(SESSION_KEY)
    return token if isinstance(token, str) else None


@bp.before_app_request
def _load_staff_session() -> None:
    """Before anything else reads the database: find the browser's staff session, keep it
    alive or end it if it lapsed, in a transaction of its own."""
    token = session_token()
    if token is None:
        return
    with committing(db()):
        live = live_staff_session(db(), token, now=utcnow(), limits=_limits())
    g.staff_session = live
    g.user = live.user if live is not None else None
    if live is None:
        session.pop(SESSION_KEY, None)


def current_user() -> User | None:
    if "user" not in g:
        # A request refused before its hooks ran (a lapsed security token) changes nothing.
        token = session_token()
        live = (
            live_staff_session(db(), token, now=utcnow(), limits=_limits(), record=False)
            if token is not None
            else None
        )
        g.staff_session = live
        g.user = live.user if live is not None else None
    user: User | None = g.user
    return user


def begin_staff_session(user: User, *, signed_in_with: str) -> None:
    """Sign `user` in: inside the caller's `committing(db())`, a new server session replaces
    whatever the browser had, and the cookie gets the new session's token only."""
    previous = session_token()
    token = start_staff_session(
        db(), user, signed_in_with=signed_in_with, now=utcnow(), replacing=previous
    )
    session.clear()
    session[SESSION_KEY] = token
    session.permanent = True
    g.user = user


def safe_next(target: str | None) -> str:
    # Only local paths: an open redirect would let a phishing link borrow our address.
    if target and target.startswith("/") and not target.startswith("//"):
        parts = urlsplit(target)
        if not parts.scheme and not parts.netloc:
            return target
    # Where each role starts (`staff.home`): not every role may open the assessments list.
    return url_for("staff.home")
