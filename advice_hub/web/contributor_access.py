"""How a contributor holds on to one request after the emailed link.

POSTing a link token sets a `__Host-` cookie scoped to that one request, signed, carrying the
token's id (never the token). Every page checks the cookie and that the token still stands.
"""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

from flask import abort, current_app, request
from itsdangerous import BadSignature, URLSafeTimedSerializer

from advice_hub.db_session import db
from advice_hub.models import AdviceRequest, LinkToken, utcnow

ACCESS_LIFETIME = timedelta(hours=12)
SALT = "advice-hub.contributor-access"


class AccessDenied(Exception):
    """No valid access cookie for this request; `reason` chooses the page shown."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def cookie_name(request_id: uuid.UUID) -> str:
    return f"__Host-advice-{request_id.hex}"


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=SALT)


def grant_access(response: Any, token: LinkToken) -> None:
    value = _serializer().dumps({"r": str(token.advice_request_id), "t": token.id})
    response.set_cookie(
        cookie_name(token.advice_request_id),
        value,
        max_age=int(ACCESS_LIFETIME.total_seconds()),
        secure=True,
        httponly=True,
        samesite="Lax",
        path="/",
    )


def granted_request(request_id: uuid.UUID) -> AdviceRequest:
    """The request this browser may work on, or AccessDenied."""
    raw = request.cookies.get(cookie_name(request_id))
    if not raw:
        raise AccessDenied("no_access")
    try:
        data = _serializer().loads(raw, max_age=int(ACCESS_LIFETIME.total_seconds()))
    except BadSignature as exc:
        raise AccessDenied("expired") from exc
    if data.get("r") != str(request_id):
        raise AccessDenied("no_access")
    token = db().get(LinkToken, data.get("t"))
    if token is None or token.revoked_at is not None or token.expires_at <= utcnow():
        raise AccessDenied("expired")
    advice_request = db().get(AdviceRequest, request_id)
    if advice_request is None:
        abort(404)
    return advice_request
