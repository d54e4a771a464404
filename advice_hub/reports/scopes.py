"""Whose figures a person or a key may see, and the teams they may narrow them to.

- A **manager** sees their own teams' figures: advice of every agency and the plans.
- An **agency lead** sees their own agency's advice in every team (as they reach its requests
  there), and no plan figures: those are whole assessments and officers' caseloads, which an
  agency lead does not reach. A lead whose account names no agency sees nothing.
- An **auditor** sees every team's figures (they reach every assessment for quality
  assurance). The figures name no child, so nothing here is audited as a read.
- An **API key** sees its own team's figures, as it reaches only its team's assessments.

Someone holding several of these roles sees as far as the widest of them reaches.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from advice_hub.accounts.access import Reach
from advice_hub.models import Team, TeamMembership, User
from advice_hub.reports.period import Scope


@dataclass(frozen=True)
class StaffScope:
    scope: Scope | None  # None: the person's account gives them nothing to see (no agency)
    teams: list[Team]  # the teams they may narrow the figures to, by name
    reach: Reach


def staff_scope(session: Session, user: User, reach: Reach) -> StaffScope:
    """The scope of one member of staff, from the widest reach their roles give them here:
    one statement (the teams)."""
    if reach is Reach.TEAM:
        teams = list(
            session.scalars(
                select(Team)
                .join(TeamMembership, TeamMembership.team_id == Team.id)
                .where(TeamMembership.user_id == user.id)
                .order_by(Team.name)
            )
        )
        return StaffScope(Scope(team_ids=frozenset(t.id for t in teams)), teams, reach)
    teams = list(session.scalars(select(Team).order_by(Team.name)))
    if reach is Reach.ANY:
        return StaffScope(Scope(), teams, reach)
    if user.agency is None:
        return StaffScope(None, teams, reach)
    return StaffScope(Scope(agency=user.agency), teams, reach)
