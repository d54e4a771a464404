"""One database session per web request.

A view reads through it freely and changes it only inside ``with committing(db()):``
(``advice_hub.transactions``), which commits the action or rolls all of it back if it raised.
Nothing else ever commits it: whatever a request leaves uncommitted is discarded when the
session closes at teardown.
"""

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
    """At teardown: closing rolls back whatever is still open, never commits it."""
    session = g.pop("db_session", None)
    if session is not None:
        session.close()
