"""API keys for council case-management systems: shown once, only their SHA-256 kept.

A key is 256 bits from `secrets`, prefixed so that it is recognisable in a leaked config file
or a secret scanner. Keys are looked up by the hash of what was presented, so comparing
secrets never happens in Python and no timing difference depends on the key's characters.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from collections.abc import Collection
from datetime import datetime

from sqlalchemy import ColumnElement, select
from sqlalchemy.orm import Session, selectinload

from advice_hub.models import ApiKey, Assessment, Team, utcnow
from advice_hub.sealing.audit import record_event

KEY_PREFIX = "ahk_"
KEY_BYTES = 32
# token_urlsafe(32) is 43 characters; anything much longer cannot be one of ours.
MAX_KEY_LENGTH = 100
NAME_MAX_LENGTH = 120
# Names end up in audit actors ("api-key:NAME") and in logs, so keep them plain.
NAME_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9 ._-]*$")
# What a key may do, each within its team's assessments.
SCOPES: dict[str, str] = {
    "assessments:write": "record assessments and the decision to assess",
    "assessments:read": "read an assessment's status and its requests",
    "advice:read": "read sealed advice (every read is audited)",
    "reports:read": "read the team's timeliness figures (no child is named)",
}


class ApiKeyError(ValueError):
    """A change to the API keys refused; the message says what to do instead."""


def key_sha256(raw: str) -> str:
    """The stored form of a key."""
    return hashlib.sha256(raw.encode("utf-8")).hexdigest()


def _check_name(name: str) -> str:
    name = name.strip()
    if not name:
        raise ApiKeyError("An API key needs a name, e.g. the system that will use it")
    if len(name) > NAME_MAX_LENGTH:
        raise ApiKeyError(f"An API key name must be at most {NAME_MAX_LENGTH} characters")
    if not NAME_PATTERN.match(name):
        raise ApiKeyError(
            "An API key name may use letters, digits, spaces, '.', '_' and '-', "
            "and must start with a letter or digit"
        )
    return name


def _find(session: Session, name: str) -> ApiKey | None:
    return session.scalar(select(ApiKey).where(ApiKey.name == name))


def check_scopes(scopes: Collection[str]) -> list[str]:
    """The scopes in SCOPES order; ApiKeyError naming any that is not one of ours."""
    unknown = sorted(set(scopes) - set(SCOPES))
    if unknown:
        raise ApiKeyError(f"Unknown scope {', '.join(unknown)}: choose from {', '.join(SCOPES)}")
    if not scopes:
        raise ApiKeyError(f"Give the key at least one scope: {', '.join(SCOPES)}")
    return [scope for scope in SCOPES if scope in scopes]


def create_api_key(
    session: Session,
    name: str,
    *,
    team: Team,
    scopes: Collection[str] = tuple(SCOPES),
    now: datetime | None = None,
    actor: str = "cli",
) -> str:
    """Create a key called `name` for `team`'s assessments, able to do `scopes`, and return the
    raw key, which is never stored or shown again.

    Raises ApiKeyError if the name is unusable or already taken (revoked keys keep their name,
    so the audit trail never has two keys behind one actor), or a scope is unknown.
    """
    name = _check_name(name)
    held = check_scopes(scopes)
    if _find(session, name) is not None:
        raise ApiKeyError(f"An API key called {name!r} already exists; choose another name")
    now = now or utcnow()
    raw = KEY_PREFIX + secrets.token_urlsafe(KEY_BYTES)
    session.add(
        ApiKey(name=name, key_sha256=key_sha256(raw), created_at=now, team=team, scopes=held)
    )
    record_event(
        session,
        actor=actor,
        action="api_key.created",
        now=now,
        name=name,
        team=team.name,
        scopes=held,
    )
    return raw


def authenticate_api_key(session: Session, raw: str) -> ApiKey | None:
    """The live key behind a presented value, or None if it is unknown or revoked."""
    # Only key-shaped input is worth a query; this also bounds the work an attacker can cause.
    if not raw.startswith(KEY_PREFIX) or len(raw) > MAX_KEY_LENGTH:
        return None
    key = session.scalar(select(ApiKey).where(ApiKey.key_sha256 == key_sha256(raw)))
    if key is None or key.revoked_at is not None:
        return None
    return key


def has_scope(key: ApiKey, scope: str) -> bool:
    """Whether the key may do what ``scope`` names."""
    return scope in key.scopes


def within_reach(key: ApiKey) -> ColumnElement[bool]:
    """The assessments the key reaches, as a condition on ``Assessment``: its team's only."""
    return Assessment.team_id == key.team_id


def revoke_api_key(session: Session, name: str, now: datetime, *, actor: str = "cli") -> ApiKey:
    """Refuse the key called `name` from now on. Raises ApiKeyError if there is no live key."""
    key = _find(session, name.strip())
    if key is None:
        raise ApiKeyError(f"There is no API key called {name!r}")
    return _revoke(session, key, now, actor)


def revoke_api_key_by_id(
    session: Session, key_id: int, now: datetime, *, actor: str = "cli"
) -> ApiKey:
    """Refuse the key with this id from now on (what a page that lists keys sends). Raises
    ApiKeyError if there is no such key or it is already revoked."""
    key = session.get(ApiKey, key_id)
    if key is None:
        raise ApiKeyError("There is no such API key; it may have been removed")
    return _revoke(session, key, now, actor)


def _revoke(session: Session, key: ApiKey, now: datetime, actor: str) -> ApiKey:
    # Locked and re-read, so that two administrators revoking at once record it once.
    session.refresh(key, with_for_update=True)
    if key.revoked_at is not None:
        raise ApiKeyError(
            f"The API key {key.name!r} was already revoked on {key.revoked_at:%Y-%m-%d %H:%M} UTC"
        )
    key.revoked_at = now
    record_event(
        session, actor=actor, action="api_key.revoked", now=now, name=key.name, team=key.team.name
    )
    return key


def list_api_keys(session: Session) -> list[ApiKey]:
    """Every key, live and revoked, by name, each with its team loaded (one query for all
    of them, however many keys there are)."""
    return list(
        session.scalars(select(ApiKey).options(selectinload(ApiKey.team)).order_by(ApiKey.name))
    )
