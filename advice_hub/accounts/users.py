"""Staff accounts as an administrator keeps them: adding one (to bootstrap a deployment before
anyone has signed in with Entra ID), the overview of who holds what, the agency an agency lead
speaks for, and turning someone's access off and on again.

Roles are the council's to give, in its Entra ID app registration; a sign-in replaces them with
what the token says (``accounts.staff_identity``). Only a user made here, for the first
administrator or for development, has roles set by hand. Every change is audited; its
functions change the session they are given and never commit.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from email_validator import EmailNotValidError, validate_email
from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from advice_hub.accounts.access import Role
from advice_hub.accounts.staff_identity import APP_ROLES, ROLE_ORDER
from advice_hub.accounts.staff_sessions import end_all_staff_sessions
from advice_hub.accounts.teams import TeamError, add_member
from advice_hub.models import Agency, Team, User
from advice_hub.sealing.audit import record_event

NAME_MAX = 200
EMAIL_MAX = 320
# The app role that gives each of our roles in Entra ID, as an administrator names it there.
ENTRA_ROLE_OF = {ours: theirs for theirs, ours in APP_ROLES.items()}


class UserError(ValueError):
    """A change to a staff account refused; the message says what to do instead."""


def normal_email(value: str) -> str:
    """An email address in its normal form (lower-cased, as sign-in stores it), or UserError."""
    try:
        normal = validate_email(value.strip(), check_deliverability=False).normalized
    except EmailNotValidError as exc:
        raise UserError(
            f"{value.strip() or 'The email address'} is not an email address: {exc}"
        ) from None
    if len(normal) > EMAIL_MAX:
        raise UserError(f"An email address must be {EMAIL_MAX} characters or fewer")
    return str(normal).lower()


def user_by_email(session: Session, email: str) -> User | None:
    return session.scalar(select(User).where(func.lower(User.email) == email.strip().lower()))


def check_agency(value: str) -> str:
    try:
        return Agency(value).value
    except ValueError:
        raise UserError(
            f"There is no agency {value!r}: choose from {', '.join(a.value for a in Agency)}"
        ) from None


def check_roles(values: Sequence[str]) -> list[str]:
    """Our roles among ``values`` (each ours, like ``case_officer``, or Entra's, like
    ``CaseOfficer``), in the order sign-in keeps them; UserError naming any unknown."""
    held = set()
    for value in values:
        role = APP_ROLES.get(value, value)
        if role not in set(Role):
            known = ", ".join(r.value for r in Role)
            raise UserError(f"There is no role {value!r}: choose from {known}")
        held.add(role)
    if not held:
        raise UserError("Give the user at least one role")
    return [role for role in ROLE_ORDER if role in held]


def add_user(
    session: Session,
    *,
    email: str,
    name: str,
    roles: Sequence[str],
    teams: Sequence[Team] = (),
    agency: str | None = None,
    now: datetime,
    actor: str,
) -> User:
    """A member of staff who can sign in before Entra ID has ever named them (the first
    administrator of a new deployment). Their first Entra sign-in with the same email address
    links the account to their Entra identity, and from then on Entra's roles are theirs."""
    email = normal_email(email)
    name = " ".join(name.split())
    if not name:
        raise UserError("Enter the person's name")
    if len(name) > NAME_MAX:
        raise UserError(f"A name must be {NAME_MAX} characters or fewer")
    held = check_roles(roles)
    if agency is not None:
        agency = check_agency(agency)
        if Role.AGENCY_LEAD not in held:
            raise UserError("Only an agency lead speaks for an agency: give them that role")
    if user_by_email(session, email) is not None:
        raise UserError(f"There is already a user with the email address {email}")
    user = User(email=email, name=name, role=held[0], roles=held, agency=agency, created_at=now)
    session.add(user)
    session.flush()
    record_event(
        session, actor=actor, action="user.added", now=now, user=email, roles=held, agency=agency
    )
    for team in teams:
        try:
            add_member(session, team, user, now=now, actor=actor)
        except TeamError as exc:
            raise UserError(str(exc)) from exc
    return user


def set_agency(
    session: Session, user: User, agency: str | None, *, now: datetime, actor: str
) -> None:
    """Name the agency an agency lead speaks for (None: none yet): what they may read."""
    if agency is not None:
        agency = check_agency(agency)
        if Role.AGENCY_LEAD.value not in user.roles:
            raise UserError(f"{user.name} is not an agency lead, so speaks for no agency")
    if user.agency == agency:
        return
    user.agency = agency
    record_event(
        session, actor=actor, action="user.agency_set", now=now, user=user.email, agency=agency
    )


def deactivate_user(
    session: Session, user: User, *, now: datetime, actor: str, by: User | None = None
) -> None:
    """Turn the person's access off: every session they have ends now, and they cannot sign in
    again until reactivated. Their name stays on what they did and on their cases. An
    administrator (``by``) cannot turn off their own access, so one is always left."""
    if by is not None and by.id == user.id:
        raise UserError("You cannot deactivate yourself: ask another administrator")
    if user.deactivated_at is not None:
        raise UserError(f"{user.name} is already deactivated")
    user.deactivated_at = now
    end_all_staff_sessions(session, user, now=now, reason="deactivated")
    record_event(session, actor=actor, action="user.deactivated", now=now, user=user.email)


def reactivate_user(session: Session, user: User, *, now: datetime, actor: str) -> None:
    if user.deactivated_at is None:
        raise UserError(f"{user.name} is active")
    user.deactivated_at = None
    record_event(session, actor=actor, action="user.reactivated", now=now, user=user.email)


@dataclass(frozen=True)
class UserRow:
    user: User
    roles: list[Role]
    teams: list[Team]


def user_rows(session: Session) -> list[UserRow]:
    """Everyone, by name, with their roles and teams: two statements however many there are."""
    users = session.scalars(select(User).options(selectinload(User.teams)).order_by(User.name))
    return [
        UserRow(user, [Role(r) for r in ROLE_ORDER if r in user.roles], list(user.teams))
        for user in users
    ]
