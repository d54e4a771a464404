"""Keyword-only factories for test data, kept apart from fixtures."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from advice_hub.assessments.recording import (
    ChildDetails,
    ContributorDetails,
    agree_assessment,
    create_assessment,
)
from advice_hub.deadlines import advice_due_on, london_date
from advice_hub.models import (
    AdviceRequest,
    Agency,
    Assessment,
    RequestStatus,
    Team,
    TeamMembership,
    User,
    utcnow,
)

FOUR_AGENCIES = (
    Agency.EDUCATION,
    Agency.EDUCATIONAL_PSYCHOLOGY,
    Agency.HEALTH,
    Agency.SOCIAL_CARE,
)


CASEWORK_TEAM = "Casework team"


def casework_team(session: Session, name: str = CASEWORK_TEAM) -> Team:
    """The team called ``name``, made the first time it is asked for: most tests' one team."""
    team = session.scalar(select(Team).where(Team.name == name))
    if team is None:
        team = Team(name=name)
        session.add(team)
        session.flush()
    return team


def make_user(
    session: Session,
    *,
    email: str,
    name: str,
    role: str,
    teams: Sequence[Team] | None = None,
    roles: Sequence[str] | None = None,
    agency: str | None = None,
) -> User:
    """A member of staff. Case officers and managers join ``teams`` (by default the casework
    team), so that they see the assessments ``make_assessment`` records."""
    held = list(roles) if roles is not None else [role]
    user = User(email=email, name=name, role=role, roles=held, agency=agency)
    session.add(user)
    session.flush()
    if teams is None:
        works_cases = {"case_officer", "manager"} & set(held)
        teams = [casework_team(session)] if works_cases else []
    for team in teams:
        session.add(TeamMembership(team_id=team.id, user_id=user.id))
    session.flush()
    return user


def make_officer(
    session: Session, *, email: str = "olu@council.example", name: str = "Olu Adeyemi"
) -> User:
    """The case officer: the one staff user most tests sign in as."""
    return make_user(session, email=email, name=name, role="case_officer")


def contributor(agency: Agency, n: int = 1, **overrides: Any) -> ContributorDetails:
    values = {
        "agency": agency,
        "name": f"{agency.label} Contributor {n}",
        "email": f"{agency.value}.{n}@example.org",
        "organisation": f"{agency.label} Service",
        "role": "Practitioner",
    }
    values.update(overrides)
    return ContributorDetails(**values)


def make_assessment(
    session: Session,
    *,
    agreed: bool = False,
    agencies: tuple[Agency, ...] = FOUR_AGENCIES,
    given_names: str = "Sam",
    family_name: str = "Taylor-Brown",
    requested_on: date | None = None,
    case_officer: User | None = None,
    team: Team | None = None,
) -> Assessment:
    now = utcnow()
    today = london_date(now)
    assessment = create_assessment(
        session,
        child=ChildDetails(
            given_names=given_names,
            family_name=family_name,
            date_of_birth=date(2016, 5, 3),
            year_group=4,
        ),
        requested_on=requested_on or today - timedelta(days=20),
        contributors=[contributor(a, i) for i, a in enumerate(agencies, start=1)],
        now=now,
        actor="test",
        team=team or casework_team(session),
        case_officer=case_officer,
    )
    if agreed:
        agree_assessment(session, assessment, decided_on=today, now=now, actor="test")
    return assessment


def fresh(session: Session) -> Session:
    """See what others committed: end the test's read snapshot and forget cached rows."""
    session.rollback()
    session.expire_all()
    return session


def first_text_key(advice_request: AdviceRequest) -> str:
    """The answer key of the first free-text question of the request's pinned template."""
    from forms import load_template

    template = load_template(advice_request.template_key, advice_request.template_version)
    return next(f"{s.id}.{q.id}" for s, q in template.questions() if q.kind in {"textarea", "text"})


def mark_sent(assessment: Assessment, at: datetime) -> None:
    """As if each of the assessment's requests had been emailed and received at `at`."""
    for advice_request in assessment.advice_requests:
        advice_request.created_at = advice_request.received_at = at
        advice_request.due_on = advice_due_on(at)
        advice_request.status = RequestStatus.SENT


def request_for(assessment: Assessment, agency: Agency) -> AdviceRequest:
    return next(r for r in assessment.advice_requests if r.agency == agency)


def seal_advice(
    session: Session, advice_request: AdviceRequest, text: str = "Advice written for the test."
) -> None:
    """As if the contributor had written `text` as their first answer and submitted it."""
    from advice_hub.requests.seal import seal_submission

    seal_submission(
        session,
        advice_request,
        answers={first_text_key(advice_request): text},
        declaration={"name": advice_request.contributor.name, "role": "Practitioner"},
        now=utcnow(),
        actor="test",
    )
