"""Who owns an assessment: its team and its named case officer, and moving it, with a
reason, in the audit log. Changes the session it is given and never commits."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from advice_hub.accounts.teams import officers_of, works_cases
from advice_hub.assessments.checks import (
    REASON_MAX,
    OfficerActionError,
    checked_text,
    lock_assessment,
)
from advice_hub.models import Assessment, Team, User
from advice_hub.sealing.audit import record_event


def check_officer(session: Session, team: Team, officer: User) -> None:
    """Refuse an officer who cannot hold the team's cases (not an active member who works
    cases), naming them."""
    if officer not in officers_of(session, team):
        raise OfficerActionError(
            f"{officer.name} is not a case officer in {team.name}", field="case_officer"
        )


def officer_with_email(session: Session, team: Team, email: str, *, field: str) -> User:
    """The case officer with this email address (in any case) who can hold ``team``'s cases.

    Refuses, naming ``field``, an address no active case officer or manager has, and one
    whose holder is not an officer of the team.
    """
    officer = session.scalar(select(User).where(func.lower(User.email) == email.strip().lower()))
    # works_cases is False for a deactivated user too: they hold no role any more.
    if officer is None or not works_cases(officer):
        raise OfficerActionError(
            f"There is no case officer with the email address {email.strip()}", field=field
        )
    try:
        check_officer(session, team, officer)
    except OfficerActionError as exc:
        raise OfficerActionError(str(exc), field=field) from None
    return officer


def assign_assessment(
    session: Session,
    assessment: Assessment,
    *,
    team: Team,
    officer: User,
    reason: str,
    now: datetime,
    actor: str,
) -> bool:
    """Give the assessment to ``officer`` in ``team``. Returns False when nothing changes."""
    lock_assessment(session, assessment)
    reason = checked_text(
        reason, field="reason", what="why the assessment is moving", limit=REASON_MAX
    ).strip()
    check_officer(session, team, officer)
    if assessment.team_id == team.id and assessment.case_officer_id == officer.id:
        return False
    previous_team, previous_officer = assessment.team, assessment.case_officer
    assessment.team = team
    assessment.case_officer = officer
    record_event(
        session,
        actor=actor,
        action="assessment.assigned",
        now=now,
        assessment=assessment,
        from_team=previous_team.name,
        to_team=team.name,
        from_officer=previous_officer.name if previous_officer is not None else None,
        to_officer=officer.name,
        reason=reason,
    )
    return True
