"""Giving an assessment to another case officer, in the same team or another of the person's
teams, with a reason (``assessments.ownership``); run by ``actions.run_action``."""

from __future__ import annotations

import uuid
from typing import Any

from wtforms import SelectChoice

from advice_hub.accounts.teams import officers_of, teams_of
from advice_hub.assessments.ownership import assign_assessment
from advice_hub.models import Team, User, utcnow
from advice_hub.web.db_session import db
from advice_hub.web.formkit import offer
from advice_hub.web.staff.action_forms import AssignForm
from advice_hub.web.staff.actions import ActionPage, run_action
from advice_hub.web.staff.assessment_actions import ASSESSMENT_PATH
from advice_hub.web.staff.blueprint import bp
from advice_hub.web.staff.lookup import assessment_or_404
from advice_hub.web.staff.sign_in import signed_in_user, staff_actor

ASSIGN_PAGE = ActionPage("assign", "Change the case officer", "Change the case officer")


def _candidates(user: User) -> dict[str, tuple[Team, User]]:
    """Everyone who can hold the case, in every team the person is in, by choice value."""
    session = db()
    return {
        f"{team.id}:{officer.id}": (team, officer)
        for team in teams_of(session, user)
        for officer in officers_of(session, team)
    }


@bp.route(f"{ASSESSMENT_PATH}/assign", methods=["GET", "POST"])
def assign(assessment_id: uuid.UUID, stale_token: bool = False) -> Any:
    assessment = assessment_or_404(assessment_id)
    candidates = _candidates(signed_in_user())
    several_teams = len({team.id for team, _ in candidates.values()}) > 1
    form = AssignForm()
    offer(
        form.officer,
        [
            SelectChoice(value, f"{officer.name} ({team.name})" if several_teams else officer.name)
            for value, (team, officer) in candidates.items()
        ],
    )
    current = f"{assessment.team_id}:{assessment.case_officer_id}"
    if form.officer.data is None:
        form.officer.data = current

    def act() -> str:
        team, officer = candidates[form.officer.data]
        moved = assign_assessment(
            db(),
            assessment,
            team=team,
            officer=officer,
            reason=form.reason.data,
            now=utcnow(),
            actor=staff_actor(),
        )
        if not moved:
            return f"{officer.name} was already the case officer: nothing changed"
        return f"{officer.name} in {team.name} is now the case officer"

    return run_action(ASSIGN_PAGE, form, act, assessment=assessment, stale_token=stale_token)
