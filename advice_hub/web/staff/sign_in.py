"""Staff sign-in and staff sessions. Development sign-in picks a seeded demo user; production
uses Entra ID.

The session cookie holds only the token of a session held in the database
(`accounts.staff_sessions`): signing out ends it there, so the old cookie is worth nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from functools import wraps
from typing import Any, TypeVar, cast
from urllib.parse import urlsplit

from flask import (
    abort,
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

from advice_hub.accounts.staff_sessions import (
    SessionLimits,
    end_staff_session,
    live_staff_session,
    start_staff_session,
)
from advice_hub.models import User, utcnow
from advice_hub.services import current_services
from advice_hub.transactions import committing
from advice_hub.web.db_session import db
from advice_hub.web.staff.blueprint import bp

F = TypeVar("F", bound=Callable[..., Any])
SESSION_KEY = "staff_session"


def _limits() -> SessionLimits:
    settings = current_services().settings
    return SessionLimits(
        idle=timedelta(minutes=settings.staff_idle_minutes),
        lifetime=timedelta(hours=settings.staff_session_hours),
    )


def _token() -> str | None:
    token = session.get(SESSION_KEY)
    return token if isinstance(token, str) else None


@bp.before_app_request
def _load_staff_session() -> None:
    """Before anything else reads the database: find the browser's staff session, keep it
    alive or end it if it lapsed, in a transaction of its own."""
    token = _token()
    if token is None:
        return
    with committing(db()):
        live = live_staff_session(db(), token, now=utcnow(), limits=_limits())
    g.staff_session = live
    g.user = live.user if live is not None else None
    if live is None:
        session.pop(SESSION_KEY, None)


def current_user() -> User | None:
    if "user" not in g:
        # A request refused before its hooks ran (a lapsed security token) changes nothing.
        token = _token()
        live = (
            live_staff_session(db(), token, now=utcnow(), limits=_limits(), record=False)
            if token is not None
            else None
        )
        g.staff_session = live
        g.user = live.user if live is not None else None
    user: User | None = g.user
    return user


def begin_staff_session(user: User, *, signed_in_with: str) -> None:
    """Sign `user` in: inside the caller's `committing(db())`, a new server session replaces
    whatever the browser had, and the cookie gets the new session's token only."""
    previous = _token()
    token = start_staff_session(
        db(), user, signed_in_with=signed_in_with, now=utcnow(), replacing=previous
    )
    session.clear()
    session[SESSION_KEY] = token
    session.permanent = True
    g.user = user


def staff_actor() -> str:
    """Who the audit log names for what the signed-in member of staff does."""
    user = current_user()
    return f"user:{user.id}" if user is not None else "anonymous"


def staff_name() -> str:
    user = current_user()
    return user.name if user is not None else "Unknown"


def login_required(view: F) -> F:
    @wraps(view)
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        if current_user() is None:
            return redirect(url_for("staff.sign_in", next=request.full_path.rstrip("?")))
        return view(*args, **kwargs)

    return cast(F, wrapped)


def _safe_next(target: str | None) -> str:
    # Only local paths: an open redirect would let a phishing link borrow our address.
    if target and target.startswith("/") and not target.startswith("//"):
        parts = urlsplit(target)
        if not parts.scheme and not parts.netloc:
            return target
    return url_for("staff.assessments")


class DevSignInForm(FlaskForm):
    user = RadioField("Who are you signing in as?", coerce=int)


@bp.route("/sign-in", methods=["GET", "POST"])
def sign_in() -> Any:
    if not current_services().settings.dev_sign_in:
        return render_template("staff/auth/sign_in_unavailable.html", page_title="Sign in"), 503
    users = db().scalars(select(User).order_by(User.name)).all()
    form = DevSignInForm()
    form.user.choices = [
        SelectChoice(str(u.id), f"{u.name} ({u.role.replace('_', ' ')})") for u in users
    ]
    chosen = db().get(User, form.user.data) if form.validate_on_submit() else None
    if chosen is not None:
        with committing(db()):
            begin_staff_session(chosen, signed_in_with="development")
        return redirect(_safe_next(request.args.get("next")))
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
    token = _token()
    if token is not None:
        with committing(db()):
            end_staff_session(db(), token, now=utcnow(), reason="signed_out")
    session.clear()
    g.user = None
    return redirect(url_for("staff.sign_in"))


def require_role(*roles: str) -> None:
    user = current_user()
    if user is None or user.role not in roles:
        abort(403)
