"""Staff sessions held on the server: the browser keeps only a random token, so signing out
(or a lapse) ends the session at once, whatever the old cookie still says.

A session ends after `idle` without a request and after `lifetime` however busy it is.
Its functions change the session they are given and never commit.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from advice_hub.models import StaffSession, User
from advice_hub.sealing.audit import record_event

TOKEN_BYTES = 32
MAX_TOKEN_LENGTH = 100
# A request within this long of the last one does not write: the idle clock is this coarse.
TOUCH_EVERY = timedelta(minutes=1)


@dataclass(frozen=True)
class SessionLimits:
    idle: timedelta
    lifetime: timedelta


def _sha256(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def start_staff_session(
    session: Session, user: User, *, signed_in_with: str, now: datetime, replacing: str | None
) -> str:
    """Start a new session for `user` and return its token (the browser's cookie holds it).

    The session the browser had before (`replacing`), if any, ends: a sign-in always gets a
    new id, so a token planted in a browser before sign-in is worth nothing after it.
    """
    if user.id is None:
        session.flush()
    if replacing:
        end_staff_session(session, replacing, now=now, reason="replaced")
    token = secrets.token_urlsafe(TOKEN_BYTES)
    session.add(
        StaffSession(
            token_sha256=_sha256(token),
            user=user,
            signed_in_with=signed_in_with,
            started_at=now,
            last_seen_at=now,
        )
    )
    record_event(
        session,
        actor=f"user:{user.id}" if user.id is not None else "anonymous",
        action="staff.signed_in",
        now=now,
        email=user.email,
        signed_in_with=signed_in_with,
    )
    return token


def live_staff_session(
    session: Session, token: str, *, now: datetime, limits: SessionLimits, record: bool = True
) -> StaffSession | None:
    """The live session behind `token`, its last request moved to `now`; None if there is
    none, it ended, or it has lapsed (and then, when `record`, it is ended, saying why).

    With `record` false nothing changes: for a page shown after its request was refused."""
    if not token or len(token) > MAX_TOKEN_LENGTH:
        return None
    found = session.scalar(select(StaffSession).where(StaffSession.token_sha256 == _sha256(token)))
    if found is None or found.ended_at is not None:
        return None
    reason = None
    if found.user.deactivated_at is not None:
        reason = "deactivated"  # turned off by an administrator: gone at the next request
    elif now - found.started_at >= limits.lifetime:
        reason = "lifetime"
    elif now - found.last_seen_at >= limits.idle:
        reason = "idle"
    if reason is not None:
        if record:
            _end(session, found, now=now, reason=reason)
        return None
    if record and now - found.last_seen_at >= TOUCH_EVERY:
        found.last_seen_at = now
    return found


def end_staff_session(session: Session, token: str, *, now: datetime, reason: str) -> None:
    """End the session behind `token` (nothing happens if there is none or it has ended)."""
    if not token or len(token) > MAX_TOKEN_LENGTH:
        return
    found = session.scalar(select(StaffSession).where(StaffSession.token_sha256 == _sha256(token)))
    if found is not None and found.ended_at is None:
        _end(session, found, now=now, reason=reason)


def end_all_staff_sessions(session: Session, user: User, *, now: datetime, reason: str) -> None:
    """End every live session `user` has (deactivation, and a sign-in refused for no role)."""
    session.execute(
        update(StaffSession)
        .where(StaffSession.user_id == user.id, StaffSession.ended_at.is_(None))
        .values(ended_at=now, end_reason=reason)
    )


def _end(session: Session, found: StaffSession, *, now: datetime, reason: str) -> None:
    found.ended_at = now
    found.end_reason = reason
    action = "staff.signed_out" if reason == "signed_out" else "staff.session_ended"
    record_event(session, actor=f"user:{found.user_id}", action=action, now=now, reason=reason)
