"""Recording assessments and the decision to assess, which dispatches the advice requests."""

from __future__ import annotations

import secrets
import uuid
from dataclasses import dataclass, replace
from datetime import date, datetime

from sqlalchemy import inspect, select
from sqlalchemy.orm import Session

from advice_hub.assessments.checks import OfficerActionError, refuse_dates
from advice_hub.assessments.confirmations import Confirmation, confirmed
from advice_hub.assessments.dates import assessment_date_problems, decision_date_problems
from advice_hub.assessments.guard_rails import late_decision
from advice_hub.assessments.milestones import milestones_of
from advice_hub.assessments.ownership import check_officer
from advice_hub.deadlines import assessment_milestones, london_date
from advice_hub.directory.routing import picked_service
from advice_hub.directory.services import DirectoryError
from advice_hub.models import (
    AdviceRequest,
    Agency,
    Assessment,
    AssessmentStatus,
    Contributor,
    MessageKind,
    RequestStatus,
    Team,
    User,
)
from advice_hub.outbox import queue_message
from advice_hub.sealing.audit import record_event
from forms import latest_version

# No 0/O, 1/I/L or U: references are read aloud on the phone.
REFERENCE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTVWXYZ"


class AssessmentError(OfficerActionError):
    """A request the domain refuses; `field` names the input at fault when there is one,
    and `problems` every date at fault."""


@dataclass(frozen=True)
class ChildDetails:
    given_names: str
    family_name: str
    date_of_birth: date
    year_group: int | None


@dataclass(frozen=True)
class ContributorDetails:
    """Who to ask. With ``service_id`` (a directory service of their agency), anything left
    blank is the service's contact's, and their late advice escalates to its leads."""

    agency: Agency
    name: str
    email: str
    organisation: str
    role: str
    service_id: int | None = None


def with_service(session: Session, details: ContributorDetails) -> ContributorDetails:
    """The details with the blanks filled from the directory service picked (if one was);
    OfficerActionError on ``service`` for a service retired, missing or of another agency."""
    if details.service_id is None:
        return details
    try:
        service = picked_service(session, details.service_id, Agency(details.agency).value)
    except DirectoryError as exc:
        raise AssessmentError(str(exc), field="service") from None
    return replace(
        details,
        name=details.name or service.contact_name,
        email=details.email or service.contact_email,
        organisation=details.organisation or service.organisation,
        role=details.role or service.contact_role,
    )


def new_reference(session: Session) -> str:
    while True:
        raw = "".join(secrets.choice(REFERENCE_ALPHABET) for _ in range(8))
        reference = f"AH-{raw[:4]}-{raw[4:]}"
        if session.scalar(select(Assessment.id).where(Assessment.reference == reference)) is None:
            return reference


def create_assessment(
    session: Session,
    *,
    child: ChildDetails,
    requested_on: date,
    contributors: list[ContributorDetails],
    now: datetime,
    actor: str,
    team: Team,
    case_officer: User | None = None,
) -> Assessment:
    """Record a request for assessment with the people who will be asked for advice, for
    ``team`` and (when named) its ``case_officer``, who must be one of the team's officers."""
    problems = assessment_date_problems(
        date_of_birth=child.date_of_birth, requested_on=requested_on, today=london_date(now)
    )
    refuse_dates(problems, AssessmentError)
    if not contributors:
        raise AssessmentError("Add at least one contributor", field="contributors")
    if case_officer is not None:
        try:
            check_officer(session, team, case_officer)
        except OfficerActionError as exc:
            raise AssessmentError(str(exc), field=exc.field) from None
    statutory = assessment_milestones(requested_on)
    assessment = Assessment(
        id=uuid.uuid4(),
        reference=new_reference(session),
        child_given_names=child.given_names,
        child_family_name=child.family_name,
        child_date_of_birth=child.date_of_birth,
        child_year_group=child.year_group,
        requested_on=requested_on,
        # No exception can be recorded before the assessment: the statutory milestones.
        decision_due_on=statutory.decision_due,
        draft_due_on=statutory.draft_due,
        final_due_on=statutory.final_due,
        status=AssessmentStatus.REQUESTED,
        case_officer=case_officer,
        team=team,
        created_at=now,
    )
    session.add(assessment)
    for position, given in enumerate(contributors, start=1):
        details = with_service(session, given)
        session.add(
            Contributor(
                assessment=assessment,
                position=position,
                agency=details.agency.value,
                name=details.name,
                email=details.email,
                organisation=details.organisation,
                role=details.role,
                service_id=details.service_id,
            )
        )
    record_event(
        session,
        actor=actor,
        action="assessment.created",
        now=now,
        assessment=assessment,
        team=team.name,
        case_officer=case_officer.email if case_officer is not None else None,
    )
    return assessment


def agree_assessment(
    session: Session,
    assessment: Assessment,
    *,
    decided_on: date,
    now: datetime,
    actor: str,
    confirmation: Confirmation | None = None,
) -> list[AdviceRequest]:
    """Record the decision to assess and queue one advice request per contributor.

    A decision after its 6-week limit is recorded only once ``confirmation`` gives the reason
    (``WarningsToConfirm`` otherwise); the reason is kept in the audit event.
    All of it happens in the caller's transaction: if that rolls back, nothing is sent.
    """
    # Two decisions recorded at once (double click, two tabs, API retry) must send one set:
    # lock the row and re-read its status (SQLite's immediate transactions already serialise).
    if inspect(assessment).persistent:  # a row created in this transaction has no rival
        session.refresh(assessment, with_for_update=True)
    if assessment.status != AssessmentStatus.REQUESTED:
        raise AssessmentError("The decision to assess has already been recorded")
    problems = decision_date_problems(
        decided_on=decided_on, requested_on=assessment.requested_on, today=london_date(now)
    )
    refuse_dates(problems, AssessmentError)
    warned = confirmed(late_decision(decided_on, milestones_of(session, assessment)), confirmation)
    assessment.status = AssessmentStatus.AGREED
    assessment.decided_on = decided_on
    assessment.agreed_at = now
    requests = []
    for contributor in assessment.contributors:
        advice_request = AdviceRequest(
            id=uuid.uuid4(),
            assessment=assessment,
            contributor=contributor,
            agency=contributor.agency,
            template_key=contributor.agency,
            template_version=latest_version(contributor.agency),
            status=RequestStatus.QUEUED,
            created_at=now,
        )
        session.add(advice_request)
        queue_message(session, advice_request, MessageKind.ADVICE_REQUEST, now=now)
        requests.append(advice_request)
    record_event(
        session,
        actor=actor,
        action="assessment.agreed",
        now=now,
        assessment=assessment,
        decided_on=decided_on.isoformat(),
        requests=len(requests),
        **warned,
    )
    return requests
