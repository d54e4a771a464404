"""Teams: the list with counts, a new team, a team's members, adding and removing one.

Removing a member who is the named case officer of open assessments in the team is allowed,
after a warning that says how many: the assessments stay in the team (its other members still
see them) and keep their officer until someone reassigns them, which the team's officers and
managers do from each assessment page. Refusing would leave an administrator unable to remove
someone who has left until every case had moved, which is not theirs to do.
"""

from __future__ import annotations

from typing import Any

from flask import flash, redirect, render_template, url_for
from wtforms import SelectChoice

from advice_hub.accounts.access import Role
from advice_hub.accounts.teams import (
    TeamError,
    add_member,
    create_team,
    members_to_add,
    open_cases_held,
    remove_member,
    team_summaries,
)
from advice_hub.display import plural
from advice_hub.models import Team, User, utcnow
from advice_hub.transactions import committing
from advice_hub.web.admin.blueprint import bp
from advice_hub.web.admin.forms import AddMemberForm, ConfirmForm, TeamForm
from advice_hub.web.admin.lookup import row_or_404
from advice_hub.web.db_session import db
from advice_hub.web.formkit import form_page, offer, page_errors
from advice_hub.web.staff.sign_in import staff_actor


@bp.route("/teams")
def teams() -> Any:
    return render_template("admin/teams.html", page_title="Teams", rows=team_summaries(db()))


@bp.route("/teams/new", methods=["GET", "POST"])
def new_team() -> Any:
    form = TeamForm()
    if form.validate_on_submit():
        try:
            with committing(db()):
                team = create_team(db(), form.name.data, now=utcnow(), actor=staff_actor())
        except TeamError as exc:
            form.name.errors = [str(exc)]
        else:
            flash(f"Added the team {team.name}")
            return redirect(url_for("admin.team", team_id=team.id), code=303)
    return form_page("admin/new_team.html", title="Add a team", errors=page_errors(form), form=form)


def _roles(user: User) -> list[str]:
    return [Role(role).label for role in user.roles if role in set(Role)]


@bp.route("/teams/<int:team_id>", methods=["GET", "POST"])
def team(team_id: int) -> Any:
    found = row_or_404(Team, team_id)
    candidates = {str(user.id): user for user in members_to_add(db(), found)}
    form = AddMemberForm()
    offer(
        form.user, [SelectChoice(value, f"{u.name} ({u.email})") for value, u in candidates.items()]
    )
    if candidates and form.validate_on_submit():
        user = candidates[form.user.data]
        try:
            with committing(db()):
                add_member(db(), found, user, now=utcnow(), actor=staff_actor())
        except TeamError as exc:
            form.user.errors = [str(exc)]
        else:
            flash(f"{user.name} is now in {found.name}")
            return redirect(url_for("admin.team", team_id=found.id), code=303)
    return form_page(
        "admin/team.html",
        title=found.name,
        errors=page_errors(form),
        form=form,
        team=found,
        members=found.members,
        has_candidates=bool(candidates),
        roles_of=_roles,
    )


@bp.route(
    "/teams/<int:team_id>/members/<int:user_id>/remove",
    methods=["GET", "POST"],
    endpoint="remove_member",
)
def remove_member_page(team_id: int, user_id: int) -> Any:
    found = row_or_404(Team, team_id)
    user = row_or_404(User, user_id)
    back = url_for("admin.team", team_id=found.id)
    if user not in found.members:
        flash(f"{user.name} is not in {found.name}")
        return redirect(back, code=303)
    form = ConfirmForm()
    if form.validate_on_submit():
        with committing(db()):
            remove_member(db(), found, user, now=utcnow(), actor=staff_actor())
        flash(f"{user.name} is no longer in {found.name}")
        return redirect(back, code=303)
    held = open_cases_held(db(), found, user)
    warning = None
    if held:
        cases = plural(held, "open assessment", "open assessments")
        warning = (
            f"{user.name} is the named case officer of {cases} in {found.name}. They stay in "
            f"the team and keep {user.name} as their officer until someone in the team "
            "reassigns them from each assessment page; until then their reminders still go "
            f"to {user.name}."
        )
    return form_page(
        "admin/confirm.html",
        title=f"Remove {user.name} from {found.name}",
        errors=page_errors(form, button="Remove from the team", href="#submit-action"),
        form=form,
        caption=found.name,
        paragraphs=[
            f"{user.name} will no longer see or work {found.name}'s assessments, nor be offered "
            "as a case officer for them."
        ],
        warning=warning,
        button="Remove from the team",
        button_classes="govuk-button--warning",
        back_url=back,
    )
