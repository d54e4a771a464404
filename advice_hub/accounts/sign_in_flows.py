"""Sign-ins through Entra ID on their way: msal's flow (its state, nonce and PKCE verifier)
is kept in the database, the browser holding only a random key to it. A flow is used once
(taken and deleted) and lapses after FLOW_LIFETIME.

Its functions change the session they are given and never commit.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from advice_hub.models import StaffSignInFlow

FLOW_LIFETIME = timedelta(minutes=15)
MAX_KEY_LENGTH = 100


def _sha256(key: str) -> str:
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


def keep_sign_in_flow(
    session: Session, flow: dict[str, Any], *, next_url: str, now: datetime
) -> str:
    """Keep `flow` and return the browser's key to it; lapsed flows are cleared away."""
    session.execute(delete(StaffSignInFlow).where(StaffSignInFlow.started_at < now - FLOW_LIFETIME))
    key = secrets.token_urlsafe(32)
    session.add(
        StaffSignInFlow(key_sha256=_sha256(key), flow=flow, next_url=next_url, started_at=now)
    )
    return key


def take_sign_in_flow(
    session: Session, key: str | None, *, now: datetime
) -> tuple[dict[str, Any], str] | None:
    """The flow behind `key` and where to go after it, deleted so that it works once; None if
    there is none or it lapsed."""
    if not key or len(key) > MAX_KEY_LENGTH:
        return None
    found = session.scalar(
        select(StaffSignInFlow).where(StaffSignInFlow.key_sha256 == _sha256(key))
    )
    if found is None:
        return None
    session.delete(found)
    if now - found.started_at >= FLOW_LIFETIME:
        return None
    return dict(found.flow), found.next_url
