"""One database session per web request."""

from __future__ import annotations

from flask import g
from sqlalchemy.orm import Session

from advice_hub.services import current_services


def db() -> Session:
    """The current request's session, opened on first use."""
    if "db_session" not in g:
        g.db_session = current_services().session_factory()
    session: Session = g.db_session
    return session


def close_session(_exc: BaseException | None = None) -> None:
    session = g.pop("db_session", None)
    if session is not None:
        session.close()
