"""What a case officer does to an assessment as a whole: add a contributor (one the family
asked for among them), record reuse of existing advice (reg 6(4)), record (and end) a reg
10(4)/13(3) exception, which moves the council's own milestones, and close it.

Every function changes the session and never commits, locks the rows it changes, refuses a
closed assessment, and records an audit event without anyone's free text in it. The checks
are in ``checks``, the rules for dates in ``dates``.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from email_validator import EmailNotValidError, validate_email
from sqlalchemy import select
from sqlalchemy.orm import Session

from advice_hub.assessments.checks import (
    DETAILS_MAX,
    EMAIL_MAX,
    NAME_MAX,
    REASON_MAX,
    OfficerActionError,
    checked_text,
    exception_last_day,
    exception_start,
    lock_assessment,
    refuse_dates,
    required_date,
)
from advice_hub.assessments.dates import reuse_agreements, reuse_date_problems
from advice_hub.assessments.milestones import store_milestones
from advice_hub.assessments.recording import ContributorDetails, with_service
from advice_hub.assessments.request_actions import withdraw_request
from advice_hub.chasing.control import cancel_pending_chases
from advice_hub.deadlines import london_date
from advice_hub.models import (
    CLOSED_STATUSES,
    AdviceRequest,
    AdviceReuse,
    Agency,
    Assessment,
    AssessmentException,
    AssessmentExceptionReason,
    AssessmentStatus,
    ClosureReason,
    Contributor,
    MessageKind,
    RequestStatus,
)
from advice_hub.outbox import queue_message
from advice_hub.sealing.audit import record_event
from forms import latest_version


@dataclass(frozen=True)
class ExistingAdvice:
    """Advice already written that the LA uses instead of asking again (reg 6(4))."""

    agency: str
    description: str  # which advice: its title, date and where it is held
    author_name: str
    advice_dated: date | None
    author_agreed_on: date | None
    la_agreed_on: date | None
    family_agreed_on: date | None
    family_agreed_by: str  # the parent or young person who agreed


def add_contributor(
    session: Session,
    assessment: Assessment,
    *,
    details: ContributorDetails,
    parent_requested: bool,
    now: datetime,
    actor: str,
) -> AdviceRequest:
    """Ask one more person for advice: anyone the LA thinks appropriate, or anyone the parent
    or young person reasonably requests (`parent_requested`, kept in the audit log).

    Their request is pinned to the latest template version and its email queued, exactly as
    when the assessment was agreed; their 6-week clock starts when it is received.
    """
    lock_assessment(session, assessment)
    if assessment.status != AssessmentStatus.AGREED:
        raise OfficerActionError("Record the decision to assess before adding a contributor")
    try:
        agency = Agency(details.agency)
    except ValueError as exc:
        raise OfficerActionError("Choose the contributor's agency", field="agency") from exc
    details = with_service(session, details)
    checked_text(details.name, field="name", what="the contributor's name", limit=NAME_MAX)
    checked_text(
        details.email, field="email", what="the contributor's email address", limit=EMAIL_MAX
    )
    checked_text(
        details.organisation, field="organisation", what="their organisation", limit=NAME_MAX
    )
    checked_text(details.role, field="role", what="their role", limit=NAME_MAX)
    try:
        email = validate_email(details.email, check_deliverability=False).normalized
    except EmailNotValidError as exc:
        raise OfficerActionError(
            "Enter an email address in the correct format, like name@example.org", field="email"
        ) from exc
    for existing in assessment.advice_requests:
        if (
            existing.status not in CLOSED_STATUSES
            and existing.agency == agency
            and existing.contributor.email.casefold() == email.casefold()
        ):
            raise OfficerActionError(
                f"{email} is already asked for {agency.advice_name} on this assessment",
                field="email",
            )
    contributor = Contributor(
        assessment=assessment,
        position=max((c.position for c in assessment.contributors), default=0) + 1,
        agency=agency.value,
        name=details.name,
        email=email,
        organisation=details.organisation,
        role=details.role,
        service_id=details.service_id,
    )
    session.add(contributor)
    advice_request = AdviceRequest(
        id=uuid.uuid4(),
        assessment=assessment,
        contributor=contributor,
        agency=agency.value,
        template_key=agency.value,
        template_version=latest_version(agency.value),
        status=RequestStatus.QUEUED,
        created_at=now,
    )
    session.add(advice_request)
    queue_message(session, advice_request, MessageKind.ADVICE_REQUEST, now=now)
    record_event(
        session,
        actor=actor,
        action="contributor.added",
        now=now,
        advice_request=advice_request,
        agency=agency.value,
        parent_requested=parent_requested,
    )
    return advice_request


def record_reuse(
    session: Session,
    assessment: Assessment,
    *,
    advice: ExistingAdvice,
    replaced_request: AdviceRequest | None = None,
    now: datetime,
    actor: str,
    actor_name: str,
) -> AdviceReuse:
    """Record that existing advice is used instead of asking again (reg 6(4)).

    Lawful only when its author, the LA and the parent or young person all agree it is
    sufficient, so all three dates of agreement are required. `replaced_request`, a request
    of this assessment to the same agency, is withdrawn.
    """
    lock_assessment(session, assessment)
    today = london_date(now)
    try:
        agency = Agency(advice.agency)
    except ValueError as exc:
        raise OfficerActionError("Choose whose advice it is", field="agency") from exc
    checked_text(
        advice.description, field="description", what="which advice it is", limit=REASON_MAX
    )
    checked_text(advice.author_name, field="author_name", what="the author's name", limit=NAME_MAX)
    dated = required_date(advice.advice_dated, field="advice_dated", what="the date of the advice")
    agreements = reuse_agreements(
        author_agreed_on=advice.author_agreed_on,
        la_agreed_on=advice.la_agreed_on,
        family_agreed_on=advice.family_agreed_on,
    )
    for agreement in agreements:
        what = f"the date {agreement.who} agreed the advice is sufficient"
        required_date(agreement.agreed_on, field=agreement.field, what=what)
    refuse_dates(
        reuse_date_problems(
            advice_dated=dated,
            agreements=agreements,
            date_of_birth=assessment.child_date_of_birth,
            today=today,
        )
    )
    checked_text(
        advice.family_agreed_by,
        field="family_agreed_by",
        what="the name of the parent or young person who agreed",
        limit=NAME_MAX,
    )
    if replaced_request is not None:
        if replaced_request.assessment_id != assessment.id or replaced_request.agency != agency:
            raise OfficerActionError(
                f"Choose a {agency.label.lower()} request of this assessment, or none",
                field="replaced_request",
            )
        if replaced_request.status in CLOSED_STATUSES:
            raise OfficerActionError(
                "That request is already closed; choose another, or none",
                field="replaced_request",
            )
    reuse = AdviceReuse(
        assessment=assessment,
        agency=agency.value,
        description=advice.description,
        author_name=advice.author_name,
        advice_dated=dated,
        author_agreed_on=advice.author_agreed_on,
        la_agreed_on=advice.la_agreed_on,
        family_agreed_on=advice.family_agreed_on,
        family_agreed_by=advice.family_agreed_by,
        replaced_request_id=replaced_request.id if replaced_request else None,
        recorded_at=now,
        recorded_by=actor,
        recorded_by_name=actor_name,
    )
    session.add(reuse)
    if replaced_request is not None:
        withdraw_request(
            session,
            replaced_request,
            reason="Existing advice is used instead (regulation 6(4))",
            now=now,
            actor=actor,
        )
    record_event(
        session,
        actor=actor,
        action="reuse.recorded",
        now=now,
        assessment=assessment,
        agency=agency.value,
        replaced_request=str(replaced_request.id) if replaced_request else None,
    )
    return reuse


def record_assessment_exception(
    session: Session,
    assessment: Assessment,
    *,
    reason: AssessmentExceptionReason | str,
    details: str,
    starts_on: date | None,
    ends_on: date | None = None,
    now: datetime,
    actor: str,
    actor_name: str,
) -> AssessmentException:
    """Record a reg 10(4)/13(3) exception: the LA's milestones move by the days it covers,
    and are on hold while it still holds. It does not excuse any contributor's late advice.

    A closed setting and a family away count for 4 weeks or more; the exception may start up
    to a week before the request for assessment (reg 10(4)(a)).
    """
    lock_assessment(session, assessment)
    try:
        chosen = AssessmentExceptionReason(reason)
    except ValueError as exc:
        raise OfficerActionError("Choose the reason for the exception", field="reason") from exc
    checked_text(details, field="details", what="the details of the exception", limit=DETAILS_MAX)
    start = exception_start(
        starts_on,
        ends_on,
        at_least_four_weeks=chosen is not AssessmentExceptionReason.FAMILY_CIRCUMSTANCES,
    )
    earliest = assessment.requested_on - timedelta(weeks=1)
    if start < earliest:
        raise OfficerActionError(
            "The exception must start no more than a week before the request for assessment, "
            f"on or after {earliest.day} {earliest:%B %Y}",
            field="starts_on",
        )
    holding = session.scalar(
        select(AssessmentException.id).where(
            AssessmentException.assessment_id == assessment.id,
            AssessmentException.ends_on.is_(None),
        )
    )
    if holding is not None:
        raise OfficerActionError("An exception on this assessment still holds: end it first")
    exception = AssessmentException(
        assessment=assessment,
        reason=chosen.value,
        details=details,
        starts_on=start,
        ends_on=ends_on,
        recorded_at=now,
        recorded_by=actor,
        recorded_by_name=actor_name,
    )
    session.add(exception)
    store_milestones(session, assessment)
    record_event(
        session,
        actor=actor,
        action="assessment.exception_recorded",
        now=now,
        assessment=assessment,
        reason=chosen.value,
        starts_on=start.isoformat(),
        ends_on=ends_on.isoformat() if ends_on else None,
    )
    return exception


def end_assessment_exception(
    session: Session,
    exception: AssessmentException,
    *,
    ends_on: date | None,
    now: datetime,
    actor: str,
) -> AssessmentException:
    """Record the last day an assessment exception held: the milestones come off hold."""
    lock_assessment(session, exception.assessment)
    last_day = exception_last_day(session, exception, ends_on)
    exception.ends_on = last_day
    store_milestones(session, exception.assessment)
    record_event(
        session,
        actor=actor,
        action="assessment.exception_ended",
        now=now,
        assessment=exception.assessment,
        reason=exception.reason,
        ends_on=last_day.isoformat(),
    )
    return exception


# Closures that are milestones of their own, recorded with their dates (``plan_milestones``).
MILESTONE_CLOSURES = frozenset({ClosureReason.PLAN_ISSUED, ClosureReason.NOT_ISSUING})


def close_assessment(
    session: Session,
    assessment: Assessment,
    *,
    reason: ClosureReason | str,
    now: datetime,
    actor: str,
    from_milestone: bool = False,
) -> Assessment:
    """Close the assessment: request withdrawn or moved away; or, recorded as milestones
    (``plan_milestones``, which pass ``from_milestone``), plan issued or not issuing.

    Nothing is chased any more: every chase not yet sent is cancelled, and the clock plans
    none for a closed assessment. Advice already asked for can still be given and is kept.
    """
    lock_assessment(session, assessment)
    try:
        chosen = ClosureReason(reason)
    except ValueError as exc:
        raise OfficerActionError("Choose why the assessment is closing", field="reason") from exc
    if chosen in MILESTONE_CLOSURES and not from_milestone:
        # The 20-week figures count from these milestones' dates: they are recorded as such.
        raise OfficerActionError(
            "Record the final plan issued, or the decision not to issue one, under the plan "
            "milestones: that closes the assessment with its date",
            field="reason",
        )
    assessment.status = AssessmentStatus.CLOSED
    assessment.closed_at = now
    assessment.closed_reason = chosen.value
    cancelled = sum(
        cancel_pending_chases(session, advice_request, now=now)
        for advice_request in assessment.advice_requests
        if advice_request.status not in CLOSED_STATUSES
    )
    record_event(
        session,
        actor=actor,
        action="assessment.closed",
        now=now,
        assessment=assessment,
        reason=chosen.value,
        chases_cancelled=cancelled,
    )
    return assessment
