"""Staff sign-in and staff sessions. Development sign-in picks a seeded demo user; production
uses Entra ID.

The session cookie holds only the token of a session held in the database
(`accounts.staff_sessions`): signing out ends it there, so the old cookie is worth nothing.
"""

from __future__ import annotations

from typing import Any

from flask import (
    g,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_wtf import FlaskForm
from sqlalchemy import select
from wtforms import RadioField, SelectChoice

from advice_hub.accounts.access import Role
from advice_hub.accounts.staff_sessions import end_staff_session
from advice_hub.models import User, utcnow
from advice_hub.services import current_services
from advice_hub.transactions import committing
from advice_hub.web.db_session import db
from advice_hub.web.staff.blueprint import bp
from advice_hub.web.staff.entra_sign_in import end_session_url, entra_sign_in_page
from advice_hub.web.staff.session_store import (
    begin_staff_session,
    current_user,
    safe_next,
    session_token,
)


def staff_actor() -> str:
    """Who the audit log names for what the signed-in member of staff does."""
    user = current_user()
    return f"user:{user.id}" if user is not None else "anonymous"


def signed_in_user() -> User:
    """The signed-in member of staff, on a page the policy lets only them reach."""
    user = current_user()
    if user is None:  # the policy (web.authorization) sends anyone else to sign in first
        raise RuntimeError("a staff page ran without a signed-in user")
    return user


def staff_name() -> str:
    user = current_user()
    return user.name if user is not None else "Unknown"


class DevSignInForm(FlaskForm):
    user = RadioField("Who are you signing in as?", coerce=int)


@bp.route("/sign-in", methods=["GET", "POST"])
def sign_in() -> Any:
    settings = current_services().settings
    if not settings.dev_sign_in:
        if settings.entra_sign_in:
            return entra_sign_in_page()
        return render_template("staff/auth/sign_in_unavailable.html", page_title="Sign in"), 503
    users = (
        db().scalars(select(User).where(User.deactivated_at.is_(None)).order_by(User.name)).all()
    )
    form = DevSignInForm()
    form.user.choices = [
        SelectChoice(str(u.id), f"{u.name} ({Role(u.role).label.lower()})") for u in users
    ]
    chosen = db().get(User, form.user.data) if form.validate_on_submit() else None
    if chosen is not None:
        with committing(db()):
            begin_staff_session(chosen, signed_in_with="development")
        return redirect(safe_next(request.args.get("next")))
    if request.method == "POST" and not form.user.data:
        form.user.errors = ["Choose who you are signing in as"]
    return render_template(
        "staff/auth/dev_sign_in.html",
        page_title="Sign in",
        form=form,
        users=users,
        form_has_errors=bool(form.errors),
    )


@bp.route("/sign-out", methods=["GET", "POST"])
def sign_out() -> Any:
    """GET asks; only a POST (with its CSRF token) signs out, so that no other site can sign a
    member of staff out by linking or embedding this address."""
    if request.method == "GET":
        if current_user() is None:
            return redirect(url_for("staff.sign_in"))
        return render_template("staff/auth/sign_out.html", page_title="Sign out")
    token = session_token()
    live = g.get("staff_session") if current_user() is not None else None
    through_entra = live is not None and live.signed_in_with == "entra"
    if token is not None:
        with committing(db()):
            end_staff_session(db(), token, now=utcnow(), reason="signed_out")
    session.clear()
    g.user = None
    if through_entra:
        # Signed out here whatever happens; the provider then ends its own session.
        provider_sign_out = end_session_url()
        if provider_sign_out:
            return redirect(provider_sign_out)
    return redirect(url_for("staff.sign_in"))
