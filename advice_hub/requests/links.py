"""Emailed link tokens: at least 128 bits from `secrets`, only their SHA-256 stored.

Each link purpose has one path prefix, in `LINK_PATHS`: the routes are registered from it, the
emails build their links from it (`link_url`) and the logs redact every path in it. A link
stands while `is_usable`; Start on its page goes through `exchange_link_token`.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Mapping
from datetime import datetime, timedelta
from types import MappingProxyType

from sqlalchemy import select
from sqlalchemy.orm import Session

from advice_hub.models import AdviceRequest, LinkPurpose, LinkToken, RequestStatus
from advice_hub.sealing.audit import record_event

TOKEN_BYTES = 32  # 256 bits; the invariant asks for at least 128

# The path each purpose's link opens at, before its token. Every purpose has one.
LINK_PATHS: Mapping[LinkPurpose, str] = MappingProxyType(
    {
        LinkPurpose.CONTRIBUTE: "/a/",
        LinkPurpose.REVIEW: "/r/",
        LinkPurpose.ADDENDUM: "/x/",
    }
)


def link_url(base_url: str, purpose: LinkPurpose, raw: str) -> str:
    """The link an email carries: the service's address, the purpose's path, the raw token."""
    return f"{base_url.rstrip('/')}{LINK_PATHS[purpose]}{raw}"


def token_sha256(raw: str) -> str:
    return hashlib.sha256(raw.encode("utf-8")).hexdigest()


def issue_link_token(
    session: Session,
    advice_request: AdviceRequest,
    *,
    now: datetime,
    ttl: timedelta,
    purpose: LinkPurpose = LinkPurpose.CONTRIBUTE,
) -> str:
    """Create a fresh token for one request and return the raw value (never stored).

    `purpose` is what the link lets its holder do, and so where it opens (`LINK_PATHS`).
    """
    raw = secrets.token_urlsafe(TOKEN_BYTES)
    session.add(
        LinkToken(
            advice_request=advice_request,
            token_sha256=token_sha256(raw),
            created_at=now,
            expires_at=now + ttl,
            purpose=LinkPurpose(purpose).value,
        )
    )
    return raw


def is_usable(token: LinkToken, *, now: datetime, purpose: LinkPurpose) -> bool:
    """The one validity rule, for the link and for the access cookie it gave: a token opens
    only its own purpose, until it is revoked or expires."""
    return token.purpose == purpose and token.revoked_at is None and now < token.expires_at


def find_token(session: Session, raw: str) -> LinkToken | None:
    """The token behind a raw value, usable or not: a link that no longer opens anything can
    still say why (the request was passed on, the link expired)."""
    # Token-shaped input only: anything else cannot be ours and is not worth a query.
    if not raw or len(raw) > 100:
        return None
    return session.scalar(select(LinkToken).where(LinkToken.token_sha256 == token_sha256(raw)))


def find_usable_token(
    session: Session,
    raw: str,
    *,
    now: datetime,
    purpose: LinkPurpose = LinkPurpose.CONTRIBUTE,
) -> LinkToken | None:
    """The token behind a raw value if it is usable for `purpose` (`is_usable`); an addendum
    link also needs the advice it adds to to be sealed."""
    token = find_token(session, raw)
    if token is None or not is_usable(token, now=now, purpose=purpose):
        return None
    if purpose == LinkPurpose.ADDENDUM and token.advice_request.sealed is None:
        return None
    return token


def exchange_link_token(
    session: Session, raw: str, *, purpose: LinkPurpose, now: datetime
) -> LinkToken | None:
    """Start pressed on a link's page: the usable token behind `raw` with its first use noted
    (for a contributor's link, the request is opened too), or None and nothing changed. The
    caller commits and gives the browser its access."""
    token = find_usable_token(session, raw, now=now, purpose=purpose)
    if token is None:
        return None
    if token.redeemed_at is None:
        token.redeemed_at = now
    if purpose == LinkPurpose.CONTRIBUTE:
        _note_opened(session, token.advice_request, now=now)
    return token


def _note_opened(session: Session, advice_request: AdviceRequest, *, now: datetime) -> None:
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


def revoke_tokens(
    session: Session,
    advice_request: AdviceRequest,
    *,
    now: datetime,
    purposes: tuple[LinkPurpose, ...] = (LinkPurpose.CONTRIBUTE,),
) -> int:
    """Revoke a request's live tokens of `purposes` (the contributor's, unless told);
    returns how many were revoked."""
    tokens = session.scalars(
        select(LinkToken).where(
            LinkToken.advice_request_id == advice_request.id,
            LinkToken.revoked_at.is_(None),
            LinkToken.purpose.in_([purpose.value for purpose in purposes]),
        )
    ).all()
    for token in tokens:
        token.revoked_at = now
    return len(tokens)
