"""How a contributor holds on to one request after the emailed link.

POSTing a link token sets a `__Host-` cookie scoped to that one request, signed, carrying the
token's id (never the token). Every page checks the cookie and that the token still stands.

A browser that cannot go on is told why: its access lapsed, its link expired, or the request
closed without advice (passed on, declined, withdrawn), which it is told only when it shows it
held the request's link: a genuinely signed cookie for it, or the mark this browser's session
keeps of a request it passed on itself (whose cookie is then dropped).
"""

from __future__ import annotations

import uuid
from typing import Any

from flask import abort, g, jsonify, render_template, request
from flask import session as browser_session
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

from advice_hub.assessments.contact import council_contact
from advice_hub.models import AdviceRequest, LinkPurpose, LinkToken, RequestStatus, utcnow
from advice_hub.requests.closure import closure_of
from advice_hub.requests.links import is_usable
from advice_hub.services import current_services
from advice_hub.web.contributor.closure import closure_page
from advice_hub.web.db_session import db

SALT = "advice-hub.contributor-access"
# The requests this browser passed on, newest last: their cookies are dropped, and coming back
# to one of their pages (Back, a bookmark) says what happened rather than "open the link".
PASSED_ON_HERE = "contributor.passed_on"
PASSED_ON_KEPT = 20


class AccessDenied(Exception):
    """No access to this request; `reason` chooses the page shown. `typed` is what a refused
    save held, as (label, text) pairs, shown back to be copied.

    - ``no_access``: this browser never opened the request's link (or not this purpose's);
    - ``expired``: its access lapsed after CONTRIBUTOR_ACCESS_SECONDS, or cannot be read;
    - ``link_expired``: the link it came in by is past its expiry (`advice_request` is set);
    - ``closed``: the request closed without advice (`advice_request` is set).
    """

    def __init__(self, reason: str, advice_request: AdviceRequest | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.advice_request = advice_request
        self.typed: list[tuple[str, str]] = []


NO_ACCESS_TITLES = {
    "no_access": "Open the link in your email",
    "expired": "For your security, open the link in your email again",
    "link_expired": "The link in your email has expired",
}


def access_denied_page(exc: AccessDenied) -> Any:
    """What a browser without access to a request sees: what happened to the request if it
    closed, otherwise how to get back in, with nothing lost. A page's own script (autosave,
    keep-alive) is answered in JSON it can show."""
    if request.accept_mimetypes.best == "application/json":
        return jsonify(saved=False, renewed=False, reason="no_access"), 403
    if exc.reason == "closed" and exc.advice_request is not None:
        return closure_page(exc.advice_request, status=410)
    contact = None
    if exc.advice_request is not None:
        contact = council_contact(exc.advice_request.assessment, current_services().settings)
    return render_template(
        "contributor/no_access.html",
        page_title=NO_ACCESS_TITLES.get(exc.reason, NO_ACCESS_TITLES["no_access"]),
        reason=exc.reason,
        contact=contact,
        reference=exc.advice_request.assessment.reference if exc.advice_request else None,
        typed=exc.typed,
    ), 403


def remember_passed_on(request_id: uuid.UUID) -> None:
    """Mark, in this browser's session, a request it has just passed on."""
    kept = [r for r in browser_session.get(PASSED_ON_HERE, []) if r != str(request_id)]
    browser_session[PASSED_ON_HERE] = [*kept, str(request_id)][-PASSED_ON_KEPT:]


def passed_on_here(request_id: uuid.UUID) -> bool:
    """Whether this browser passed the request on itself."""
    return str(request_id) in browser_session.get(PASSED_ON_HERE, [])


def tells_closure(advice_request: AdviceRequest, purpose: LinkPurpose) -> bool:
    """Whether the request's story is what a link of `purpose` shows: a contributor's request
    closed without advice, or, to its reviewer, a request the council withdrew while its advice
    waited for sign-off. (An addendum's link is about advice already sealed.)"""
    if purpose == LinkPurpose.REVIEW:
        return advice_request.status == RequestStatus.WITHDRAWN
    return purpose == LinkPurpose.CONTRIBUTE and closure_of(db(), advice_request) is not None


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
        if purpose == LinkPurpose.CONTRIBUTE and passed_on_here(request_id):
            passed_on = db().get(AdviceRequest, request_id)
            if passed_on is not None and tells_closure(passed_on, purpose):
                raise AccessDenied("closed", passed_on)
        raise AccessDenied("no_access")
    lapsed = False
    try:
        data = _serializer().loads(raw, max_age=access_seconds())
    except SignatureExpired:
        # Genuinely signed, only old: it still shows this browser held the link.
        data, lapsed = _serializer().loads(raw), True
    except BadSignature as exc:
        raise AccessDenied("expired") from exc
    if data.get("r") != str(request_id):
        raise AccessDenied("no_access")
    token = db().get(LinkToken, data.get("t"))
    if token is None:
        raise AccessDenied("expired")
    if token.purpose != purpose or token.advice_request_id != request_id:
        raise AccessDenied("no_access")
    advice_request = db().get(AdviceRequest, request_id)
    if advice_request is None:
        abort(404)
    now = utcnow()
    if not is_usable(token, now=now, purpose=purpose) or (lapsed and not allow_stale):
        # Revoked (passed on, withdrawn), past the link's expiry, or access lapsed.
        if tells_closure(advice_request, purpose):
            raise AccessDenied("closed", advice_request)
        if token.revoked_at is None and token.expires_at <= now:
            raise AccessDenied("link_expired", advice_request)
        raise AccessDenied("expired")
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
