"""Users: everyone, with their roles, teams and access; one person's page, where an agency
lead's agency is set and access is turned off and on again.

Roles are shown, never changed: they come from the council's Entra ID app roles at each
sign-in, so a change made here would be undone by the next one.
"""

from __future__ import annotations

from typing import Any

from flask import flash, redirect, render_template, url_for

from advice_hub.accounts.access import Role
from advice_hub.accounts.staff_identity import APP_ROLES
from advice_hub.accounts.teams import teams_of
from advice_hub.accounts.users import (
    ENTRA_ROLE_OF,
    UserError,
    deactivate_user,
    reactivate_user,
    set_agency,
    user_rows,
)
from advice_hub.models import User, agency_label, utcnow
from advice_hub.transactions import committing
from advice_hub.web.admin.blueprint import bp
from advice_hub.web.admin.forms import NO_AGENCY, AgencyForm, ConfirmForm
from advice_hub.web.admin.lookup import row_or_404
from advice_hub.web.db_session import db
from advice_hub.web.formkit import form_page, page_errors
from advice_hub.web.staff.sign_in import signed_in_user, staff_actor

# Each role with the Entra ID app role that gives it, for the note on where roles change.
ENTRA_ROLES = [(Role(ours).label, theirs) for theirs, ours in APP_ROLES.items()]


@bp.route("/users")
def users() -> Any:
    return render_template("admin/users.html", page_title="Users", rows=user_rows(db()))


def _agency_message(user: User) -> str:
    if user.agency is None:
        return f"{user.name} speaks for no agency"
    return f"{user.name} speaks for {agency_label(user.agency).lower()} and reads its requests"


@bp.route("/users/<int:user_id>", methods=["GET", "POST"])
def user(user_id: int) -> Any:
    found = row_or_404(User, user_id)
    form = AgencyForm()
    if form.agency.data is None:
        form.agency.data = found.agency or NO_AGENCY
    if form.validate_on_submit():
        try:
            with committing(db()):
                set_agency(db(), found, form.agency.data or None, now=utcnow(), actor=staff_actor())
        except UserError as exc:
            form.agency.errors = [str(exc)]
        else:
            flash(_agency_message(found))
            return redirect(url_for("admin.user", user_id=found.id), code=303)
    roles = [Role(role) for role in found.roles if role in set(Role)]
    return form_page(
        "admin/user.html",
        title=found.name,
        errors=page_errors(form, button="Save the agency", href=f"#{form.agency.id}"),
        form=form,
        user=found,
        roles=[(role.label, ENTRA_ROLE_OF[role.value]) for role in roles],
        is_agency_lead=Role.AGENCY_LEAD in roles,
        teams=teams_of(db(), found),
        entra_roles=ENTRA_ROLES,
        is_self=found.id == signed_in_user().id,
        reactivate_form=ConfirmForm(formdata=None),
    )


@bp.route("/users/<int:user_id>/deactivate", methods=["GET", "POST"], endpoint="deactivate_user")
def deactivate_user_page(user_id: int) -> Any:
    found = row_or_404(User, user_id)
    back = url_for("admin.user", user_id=found.id)
    me = signed_in_user()
    if found.id == me.id or found.deactivated_at is not None:
        flash(
            "You cannot deactivate yourself: ask another administrator"
            if found.id == me.id
            else f"{found.name} is already deactivated"
        )
        return redirect(back, code=303)
    form = ConfirmForm()
    if form.validate_on_submit():
        try:
            with committing(db()):
                deactivate_user(db(), found, now=utcnow(), actor=staff_actor(), by=me)
        except UserError as exc:  # deactivated by someone else meanwhile
            flash(str(exc))
        else:
            flash(f"{found.name} is deactivated: they were signed out and cannot sign in")
        return redirect(back, code=303)
    return form_page(
        "admin/confirm.html",
        title=f"Deactivate {found.name}",
        errors=page_errors(form, button="Deactivate", href="#submit-action"),
        form=form,
        caption="Users",
        paragraphs=[
            f"{found.name} ({found.email}) is signed out everywhere at once and cannot sign in "
            "again, even if Entra ID still gives them a role, until an administrator "
            "reactivates them here.",
            "Their name stays on what they did and on the assessments they hold; reassign "
            "those from each assessment page.",
        ],
        button="Deactivate",
        button_classes="govuk-button--warning",
        back_url=back,
    )


@bp.post("/users/<int:user_id>/reactivate", endpoint="reactivate_user")
def reactivate_user_page(user_id: int) -> Any:
    found = row_or_404(User, user_id)
    form = ConfirmForm()
    if form.validate_on_submit():
        try:
            with committing(db()):
                reactivate_user(db(), found, now=utcnow(), actor=staff_actor())
        except UserError as exc:
            flash(str(exc))
        else:
            flash(f"{found.name} can sign in again")
    return redirect(url_for("admin.user", user_id=found.id), code=303)
