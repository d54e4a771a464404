"""How a contributor holds on to one request after the emailed link.

POSTing a link token sets a `__Host-` cookie scoped to that one request, signed, carrying the
token's id (never the token). Every page checks the cookie and that the token still stands.
"""

from __future__ import annotations

import uuid
from typing import Any

from flask import abort, g, jsonify, render_template, request
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

from advice_hub.models import AdviceRequest, LinkPurpose, LinkToken, utcnow
from advice_hub.requests.links import is_usable
from advice_hub.services import current_services
from advice_hub.web.db_session import db

SALT = "advice-hub.contributor-access"


class AccessDenied(Exception):
    """No valid access cookie for this request; `reason` chooses the page shown. `typed` is
    what a refused save held, as (label, text) pairs, shown back to be copied."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason
        self.typed: list[tuple[str, str]] = []


def access_denied_page(exc: AccessDenied) -> Any:
    """What a browser without access to a request sees: how to get back in, nothing lost.
    A page's own script (autosave, keep-alive) is answered in JSON it can show."""
    if request.accept_mimetypes.best == "application/json":
        return jsonify(saved=False, renewed=False, reason="no_access"), 403
    return render_template(
        "contributor/no_access.html",
        page_title="Open the link in your email",
        reason=exc.reason,
        typed=exc.typed,
    ), 403


def contributor_actor(advice_request: AdviceRequest) -> str:
    """Who the audit log names for what a contributor does through their link."""
    return f"contributor:{advice_request.contributor.email}"


def access_seconds() -> int:
    """How long access lasts without a page view or save (CONTRIBUTOR_ACCESS_SECONDS)."""
    return current_services().settings.contributor_access_seconds


# One cookie per request and per link purpose: an author's access never opens a review, nor
# an addendum request's link the author's form.
COOKIE_PREFIX: dict[LinkPurpose, str] = {
    LinkPurpose.CONTRIBUTE: "__Host-advice-",
    LinkPurpose.REVIEW: "__Host-review-",
    LinkPurpose.ADDENDUM: "__Host-addendum-",
}


def cookie_name(request_id: uuid.UUID, purpose: LinkPurpose = LinkPurpose.CONTRIBUTE) -> str:
    return f"{COOKIE_PREFIX[LinkPurpose(purpose)]}{request_id.hex}"


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_services().settings.secret_key, salt=SALT)


def grant_access(response: Any, token: LinkToken) -> None:
    value = _serializer().dumps({"r": str(token.advice_request_id), "t": token.id})
    # The signed time inside the value ends access after CONTRIBUTOR_ACCESS_SECONDS. The
    # browser keeps the cookie for one period more (never past the link), so a save posted
    # from a page left open that long still arrives with it, and is kept (`allow_stale`).
    link_lasts = int((token.expires_at - utcnow()).total_seconds())
    response.set_cookie(
        cookie_name(token.advice_request_id, LinkPurpose(token.purpose)),
        value,
        max_age=max(1, min(2 * access_seconds(), link_lasts)),
        secure=True,
        httponly=True,
        samesite="Lax",
        path="/",
    )


def granted_request(
    request_id: uuid.UUID,
    *,
    allow_stale: bool = False,
    purpose: LinkPurpose = LinkPurpose.CONTRIBUTE,
) -> AdviceRequest:
    """The request this browser may work on, or AccessDenied.

    Access lapses after CONTRIBUTOR_ACCESS_SECONDS without a page view. `allow_stale` accepts
    a lapsed (but genuinely signed) cookie while its link still stands: a save posted from a
    page left open overnight is kept rather than lost (WCAG 2.2.1).
    """
    raw = request.cookies.get(cookie_name(request_id, purpose))
    if not raw:
        raise AccessDenied("no_access")
    try:
        data = _serializer().loads(raw, max_age=access_seconds())
    except SignatureExpired as exc:
        if not allow_stale:
            raise AccessDenied("expired") from exc
        data = _serializer().loads(raw)
    except BadSignature as exc:
        raise AccessDenied("expired") from exc
    if data.get("r") != str(request_id):
        raise AccessDenied("no_access")
    token = db().get(LinkToken, data.get("t"))
    if token is None:
        raise AccessDenied("expired")
    if token.purpose != purpose or token.advice_request_id != request_id:
        raise AccessDenied("no_access")
    if not is_usable(token, now=utcnow(), purpose=purpose):
        raise AccessDenied("expired")  # revoked (passed on) or past the link's expiry
    advice_request = db().get(AdviceRequest, request_id)
    if advice_request is None:
        abort(404)
    g.contributor_token = token  # the access is renewed on the response (a sliding window)
    return advice_request


def end_access(response: Any, request_id: uuid.UUID) -> None:
    """Drop this browser's cookie for a request whose link was just revoked (passed on): it
    opens nothing now, and the response must not renew it."""
    g.pop("contributor_token", None)
    response.delete_cookie(
        cookie_name(request_id), path="/", secure=True, httponly=True, samesite="Lax"
    )


def renew_access(response: Any) -> Any:
    """Re-issue the access cookie of a request this response served."""
    token = g.pop("contributor_token", None)
    if token is not None and response.status_code < 500:
        grant_access(response, token)
    return response
