"""Teams of case officers and their managers, and who is in them.

An assessment belongs to one team (``Assessment.team``); what a case officer or manager may
see and act on is their teams' assessments (``accounts.access``). Every change is audited.
Its functions change the session they are given and never commit.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from advice_hub.accounts.access import Role, roles_of
from advice_hub.models import Assessment, AssessmentStatus, Team, TeamMembership, User
from advice_hub.sealing.audit import record_event

TEAM_NAME_MAX = 120
# The roles that work a team's cases: only they can be members or be a case's officer.
CASEWORK_ROLES = frozenset({Role.CASE_OFFICER, Role.MANAGER})


class TeamError(ValueError):
    """A change to a team refused; the message says what to do instead."""


def team_named(session: Session, name: str) -> Team | None:
    """The team called ``name``, ignoring case and surrounding spaces."""
    return session.scalar(select(Team).where(func.lower(Team.name) == name.strip().lower()))


def create_team(session: Session, name: str, *, now: datetime, actor: str) -> Team:
    name = " ".join(name.split())
    if not name:
        raise TeamError("Enter the team's name")
    if len(name) > TEAM_NAME_MAX:
        raise TeamError(f"A team's name must be {TEAM_NAME_MAX} characters or fewer")
    if team_named(session, name) is not None:
        raise TeamError(f"There is already a team called {name}")
    team = Team(name=name, created_at=now)
    session.add(team)
    session.flush()
    record_event(session, actor=actor, action="team.created", now=now, team=name)
    return team


def works_cases(user: User) -> bool:
    """Whether the person holds a role that works a team's cases."""
    return bool(roles_of(user) & CASEWORK_ROLES)


def add_member(session: Session, team: Team, user: User, *, now: datetime, actor: str) -> None:
    if not works_cases(user):
        raise TeamError(f"{user.name} is not a case officer or team manager, so cannot join a team")
    if session.get(TeamMembership, (team.id, user.id)) is not None:
        raise TeamError(f"{user.name} is already in {team.name}")
    session.add(TeamMembership(team_id=team.id, user_id=user.id, added_at=now))
    session.flush()
    session.expire(team, ["members"])
    session.expire(user, ["teams"])
    record_event(
        session, actor=actor, action="team.member_added", now=now, team=team.name, user=user.email
    )


def remove_member(session: Session, team: Team, user: User, *, now: datetime, actor: str) -> None:
    membership = session.get(TeamMembership, (team.id, user.id))
    if membership is None:
        raise TeamError(f"{user.name} is not in {team.name}")
    session.delete(membership)
    session.flush()
    session.expire(team, ["members"])
    session.expire(user, ["teams"])
    record_event(
        session,
        actor=actor,
        action="team.member_removed",
        now=now,
        team=team.name,
        user=user.email,
    )


def teams_of(session: Session, user: User) -> list[Team]:
    """The teams the person is in, by name."""
    return list(
        session.scalars(
            select(Team)
            .join(TeamMembership, TeamMembership.team_id == Team.id)
            .where(TeamMembership.user_id == user.id)
            .order_by(Team.name)
        )
    )


def officers_of(session: Session, team: Team) -> list[User]:
    """Who can be a case officer for the team's assessments: its active members who work
    cases, by name."""
    members = session.scalars(
        select(User)
        .join(TeamMembership, TeamMembership.user_id == User.id)
        .where(TeamMembership.team_id == team.id, User.deactivated_at.is_(None))
        .order_by(User.name)
    )
    return [user for user in members if works_cases(user)]


@dataclass(frozen=True)
class TeamSummary:
    team: Team
    members: int
    open_assessments: int


def team_summaries(session: Session) -> list[TeamSummary]:
    """Every team by name, with how many members and open assessments it has: one statement
    however many teams there are."""
    members = (
        select(func.count())
        .where(TeamMembership.team_id == Team.id)
        .correlate(Team)
        .scalar_subquery()
    )
    open_assessments = (
        select(func.count())
        .where(Assessment.team_id == Team.id, Assessment.status != AssessmentStatus.CLOSED)
        .correlate(Team)
        .scalar_subquery()
    )
    rows = session.execute(select(Team, members, open_assessments).order_by(Team.name))
    return [TeamSummary(team, n_members, n_open) for team, n_members, n_open in rows]


def open_cases_held(session: Session, team: Team, user: User) -> int:
    """How many of the team's open assessments name this person as their case officer."""
    return (
        session.scalar(
            select(func.count()).where(
                Assessment.team_id == team.id,
                Assessment.case_officer_id == user.id,
                Assessment.status != AssessmentStatus.CLOSED,
            )
        )
        or 0
    )


def members_to_add(session: Session, team: Team) -> list[User]:
    """Who could join the team: active people who work cases and are not in it, by name."""
    candidates = session.scalars(
        select(User)
        .where(
            User.deactivated_at.is_(None),
            User.id.not_in(select(TeamMembership.user_id).where(TeamMembership.team_id == team.id)),
        )
        .order_by(User.name)
    )
    return [user for user in candidates if works_cases(user)]
