"""Staff sign-in with the council's Microsoft Entra ID (or the OpenID provider
ENTRA_AUTHORITY): start sends the browser to the provider with msal's flow kept on the
server; the callback finishes it, checks who the person is and what roles they hold, and
starts a staff session (`sign_in.begin_staff_session`). Every refusal is audited and shown
on a page that says what to do.
"""

from __future__ import annotations

from typing import Any

from flask import abort, current_app, redirect, render_template, request, session, url_for

from advice_hub.accounts.entra import EntraSignIn
from advice_hub.accounts.sign_in_flows import keep_sign_in_flow, take_sign_in_flow
from advice_hub.accounts.staff_identity import (
    SignInRefused,
    record_refusal,
    staff_user_from_claims,
)
from advice_hub.models import utcnow
from advice_hub.services import current_services
from advice_hub.transactions import committing
from advice_hub.web.db_session import db
from advice_hub.web.staff.blueprint import bp
from advice_hub.web.staff.session_store import begin_staff_session, safe_next

EXTENSION_KEY = "advice_hub.entra_sign_in"
FLOW_KEY = "staff_sign_in_flow"


def entra() -> EntraSignIn | None:
    """This app's Entra sign-in, or None when ENTRA_* are not set."""
    settings = current_services().settings
    if not settings.entra_sign_in:
        return None
    found = current_app.extensions.get(EXTENSION_KEY)
    if found is None:
        found = current_app.extensions[EXTENSION_KEY] = EntraSignIn(settings)
    return found  # type: ignore[no-any-return]


def entra_sign_in_page() -> Any:
    """The sign-in page when staff sign in with Entra ID."""
    return render_template(
        "staff/auth/entra_sign_in.html",
        page_title="Sign in",
        start_url=url_for("staff.sign_in_start", next=request.args.get("next")),
    )


def _redirect_uri() -> str:
    return current_services().settings.base_url.rstrip("/") + url_for("staff.sign_in_callback")


@bp.route("/sign-in/start")
def sign_in_start() -> Any:
    provider = entra()
    if provider is None:
        abort(404)
    flow = provider.start_flow(_redirect_uri())
    with committing(db()):
        key = keep_sign_in_flow(
            db(), flow, next_url=safe_next(request.args.get("next")), now=utcnow()
        )
    session[FLOW_KEY] = key
    return redirect(flow["auth_uri"])


@bp.route("/sign-in/callback")
def sign_in_callback() -> Any:
    provider = entra()
    if provider is None:
        abort(404)
    key = session.pop(FLOW_KEY, None)
    with committing(db()):
        taken = take_sign_in_flow(db(), key if isinstance(key, str) else None, now=utcnow())
    claims: dict[str, Any] | None = None
    try:
        if taken is None:
            raise SignInRefused(
                "no_sign_in_started",
                "This sign-in has already been used, has expired, or was started in another "
                "browser. Start again.",
            )
        flow, next_url = taken
        claims = provider.finish(flow, request.args.to_dict())
        with committing(db()):
            user = staff_user_from_claims(db(), claims, tenant_id=provider.tenant_id, now=utcnow())
            begin_staff_session(user, signed_in_with="entra")
    except SignInRefused as refused:
        with committing(db()):
            record_refusal(db(), refused, now=utcnow(), claims=claims)
        page = render_template(
            "staff/auth/sign_in_refused.html",
            page_title="You do not have access" if refused.reason == "no_role" else "Sign in",
            message=refused.message,
            no_role=refused.reason == "no_role",
            start_again_url=url_for("staff.sign_in"),
        )
        return page, refused.status
    return redirect(next_url)


def end_session_url() -> str | None:
    """The provider's end-session address for a person signing out of an Entra session."""
    provider = entra()
    if provider is None:
        return None
    after = current_services().settings.base_url.rstrip("/") + url_for("staff.sign_in")
    return provider.end_session_url(after)
