"""Emailed link tokens: at least 128 bits from `secrets`, only their SHA-256 stored."""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from advice_hub.models import AdviceRequest, LinkToken

TOKEN_BYTES = 32  # 256 bits; the invariant asks for at least 128


def token_sha256(raw: str) -> str:
    return hashlib.sha256(raw.encode("utf-8")).hexdigest()


def issue_link_token(
    session: Session,
    advice_request: AdviceRequest,
    *,
    now: datetime,
    ttl: timedelta,
    purpose: str = "contribute",
) -> str:
    """Create a fresh token for one request and return the raw value (never stored).

    `purpose` is what the link lets its holder do: "contribute" or "review" (sign-off).
    """
    raw = secrets.token_urlsafe(TOKEN_BYTES)
    session.add(
        LinkToken(
            advice_request=advice_request,
            token_sha256=token_sha256(raw),
            created_at=now,
            expires_at=now + ttl,
            purpose=purpose,
        )
    )
    return raw


def find_usable_token(
    session: Session, raw: str, *, now: datetime, purpose: str = "contribute"
) -> LinkToken | None:
    """The token behind a raw value if it exists for `purpose`, is not revoked and has not
    expired."""
    # Token-shaped input only: anything else cannot be ours and is not worth a query.
    if not raw or len(raw) > 100:
        return None
    token = session.scalar(select(LinkToken).where(LinkToken.token_sha256 == token_sha256(raw)))
    if token is None or token.revoked_at is not None or token.expires_at <= now:
        return None
    if token.purpose != purpose:
        return None
    return token


def revoke_tokens(session: Session, advice_request: AdviceRequest, *, now: datetime) -> int:
    """Revoke every live token of a request; returns how many were revoked."""
    tokens = session.scalars(
        select(LinkToken).where(
            LinkToken.advice_request_id == advice_request.id,
            LinkToken.revoked_at.is_(None),
            LinkToken.purpose == "contribute",
        )
    ).all()
    for token in tokens:
        token.revoked_at = now
    return len(tokens)


def redeem_link_token(session: Session, token: LinkToken, *, now: datetime) -> AdviceRequest:
    """The contributor pressed Start: note the first use and that the request was opened."""
    from advice_hub.models import RequestStatus
    from advice_hub.sealing.audit import record_event

    advice_request = token.advice_request
    if token.redeemed_at is None:
        token.redeemed_at = now
    if advice_request.opened_at is None:
        advice_request.opened_at = now
        record_event(
            session,
            actor="contributor",
            action="request.opened",
            now=now,
            advice_request=advice_request,
        )
    if advice_request.status in {RequestStatus.QUEUED, RequestStatus.SENT}:
        advice_request.status = RequestStatus.OPENED
    return advice_request
