"""What a member of staff may reach: the roles, and how far each role reaches.

The web layer's one policy table (``advice_hub.web.authorization``) says, for every page, which
roles may use it and how far each reaches there; the questions it asks are answered here:

- ``Reach.TEAM``: the assessments of the teams the person is a member of (case officers their
  team's, managers all their teams');
- ``Reach.AGENCY``: the requests made of the agency an agency lead speaks for, in every team;
- ``Reach.ANY``: every assessment in the council (auditors, for quality assurance).

A deactivated user holds no role at all.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping

from sqlalchemy import ColumnElement, false, select, true
from sqlalchemy.orm import Session

from advice_hub.models import AdviceRequest, Assessment, TeamMembership, User


class Role(enum.StrEnum):
    CASE_OFFICER = "case_officer"
    MANAGER = "manager"
    AGENCY_LEAD = "agency_lead"
    AUDITOR = "auditor"
    ADMIN = "admin"

    @property
    def label(self) -> str:
        return {
            "case_officer": "Case officer",
            "manager": "Team manager",
            "agency_lead": "Agency lead",
            "auditor": "Auditor",
            "admin": "Administrator",
        }[self.value]


class Reach(enum.IntEnum):
    """How far a grant reaches; a larger value reaches at least as far for reading."""

    AGENCY = 1
    TEAM = 2
    ANY = 3


# For each role a page admits, how far it reaches there.
Grants = Mapping[Role, Reach | None]


def roles_of(user: User | None) -> frozenset[Role]:
    """The roles a user holds now: none when there is no user or they are deactivated."""
    if user is None or user.deactivated_at is not None:
        return frozenset()
    # `roles` is what the last sign-in's token gave (empty when it gave none of ours).
    return frozenset(Role(r) for r in user.roles if r in set(Role))


def admitted(user: User | None, grants: Grants) -> dict[Role, Reach | None]:
    """The grants a page gives that this user's roles take up."""
    held = roles_of(user)
    return {role: reach for role, reach in grants.items() if role in held}


def team_ids(session: Session, user: User) -> set[int]:
    return set(
        session.scalars(select(TeamMembership.team_id).where(TeamMembership.user_id == user.id))
    )


def may_reach_assessment(
    session: Session, user: User, grants: Mapping[Role, Reach | None], assessment: Assessment
) -> bool:
    """Whether one of the admitted grants reaches this assessment as a whole (agency leads
    never reach a whole assessment: only their agency's requests in it)."""
    reaches = {reach for reach in grants.values() if reach is not None}
    if Reach.ANY in reaches:
        return True
    return Reach.TEAM in reaches and assessment.team_id in team_ids(session, user)


def may_reach_request(
    session: Session,
    user: User,
    grants: Mapping[Role, Reach | None],
    advice_request: AdviceRequest,
    team_id: int,
) -> bool:
    reaches = {reach for reach in grants.values() if reach is not None}
    if Reach.ANY in reaches:
        return True
    if Reach.TEAM in reaches and team_id in team_ids(session, user):
        return True
    return (
        Reach.AGENCY in reaches and user.agency is not None and advice_request.agency == user.agency
    )


def assessments_visible_to(user: User, grants: Mapping[Role, Reach | None]) -> ColumnElement[bool]:
    """A WHERE clause on Assessment: the assessments a list page may show this user."""
    reaches = {reach for reach in grants.values() if reach is not None}
    if Reach.ANY in reaches:
        return true()
    if Reach.TEAM in reaches:
        return Assessment.team_id.in_(
            select(TeamMembership.team_id).where(TeamMembership.user_id == user.id)
        )
    return false()
