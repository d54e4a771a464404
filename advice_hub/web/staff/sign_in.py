"""Staff sign-in. Development sign-in picks a seeded demo user; production uses Entra ID."""

from __future__ import annotations

from collections.abc import Callable
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

from advice_hub.models import User
from advice_hub.services import current_services
from advice_hub.web.db_session import db
from advice_hub.web.staff.blueprint import bp

F = TypeVar("F", bound=Callable[..., Any])


def current_user() -> User | None:
    if "user" not in g:
        user_id = session.get("user_id")
        g.user = db().get(User, user_id) if user_id is not None else None
    user: User | None = g.user
    return user


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
    if form.validate_on_submit():
        session.clear()
        session["user_id"] = form.user.data
        session.permanent = True
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
    session.clear()
    return redirect(url_for("staff.sign_in"))


def require_role(*roles: str) -> None:
    user = current_user()
    if user is None or user.role not in roles:
        abort(403)
