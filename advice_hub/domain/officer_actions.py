"""What a case officer does to an assessment's requests beyond sending them.

On one request: extend its deadline, record (and end) a reg 8(2) exception, withdraw it. On the
assessment: add a contributor, record reuse of existing advice (reg 6(4)), record (and end) a
reg 10(4)/13(3) exception, close it. "Chase now" is `advice_hub.domain.chasing.chase_now`.

The two kinds of exception are kept apart on purpose: a reg 8(2) exception excuses one body's
late advice and pauses its chasing; an assessment exception moves the LA's own milestones
(`advice_hub.deadlines.adjusted_milestones`). A waiting list is never either.

Every function changes the session and never commits, locks the rows it changes (assessment
first, then request, so two officers never deadlock), refuses a closed assessment or request,
and records an audit event without anyone's free text in it.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from email_validator import EmailNotValidError, validate_email
from sqlalchemy import inspect, select
from sqlalchemy.orm import Session

from advice_hub.deadlines import london_date
from advice_hub.domain.assessments import ContributorDetails
from advice_hub.domain.audit import record_event
from advice_hub.domain.chasing import cancel_pending_chases
from advice_hub.domain.links import revoke_tokens
from advice_hub.domain.outbox import queue_message
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
    DeadlineExtension,
    DeadlineReason,
    MessageKind,
    OutboxMessage,
    RequestException,
    RequestStatus,
)
from forms import latest_version
from forms.text import CONTROL_CHARACTERS

# The longest text each input takes; the web forms check the same limits first.
NAME_MAX = 200
EMAIL_MAX = 320
REASON_MAX = 2000
DETAILS_MAX = 5000
FOUR_WEEKS = timedelta(weeks=4)
ONE_DAY = timedelta(days=1)
NOT_AN_EXCEPTION = (
    "A waiting list, staff shortages or workload is not an exception under regulation 8(2). "
    "Extend the deadline instead, giving the reason"
)
# A later date than this is far more likely a typing slip (2062 for 2026) than a real plan.
LONGEST_EXTENSION = timedelta(days=365)


class OfficerActionError(ValueError):
    """An input the domain refuses; `field` names the input at fault when there is one."""

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


class RequestClosedError(OfficerActionError):
    """The request is closed: submitted, declined, passed on or withdrawn."""

    def __init__(self, advice_request: AdviceRequest) -> None:
        status = RequestStatus(advice_request.status)
        super().__init__(f"This request is closed ({status.label.lower()}), so it cannot change")


class AssessmentClosedError(OfficerActionError):
    def __init__(self) -> None:
        super().__init__("This assessment is closed, so it cannot change")


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


# --- Checks --------------------------------------------------------------------------------


def _lock_assessment(session: Session, assessment: Assessment) -> None:
    # Two officers at once (or a double click) must not both act: lock the row and re-read it.
    # SQLite's immediate transactions already serialise writers.
    if inspect(assessment).persistent:
        session.refresh(assessment, with_for_update=True)
    if assessment.status == AssessmentStatus.CLOSED:
        raise AssessmentClosedError()


def _lock_request(session: Session, advice_request: AdviceRequest) -> None:
    _lock_assessment(session, advice_request.assessment)
    if inspect(advice_request).persistent:
        session.refresh(advice_request, with_for_update=True)
    if advice_request.status in CLOSED_STATUSES:
        raise RequestClosedError(advice_request)


def _received(advice_request: AdviceRequest) -> date:
    """The request's current due date; there is none until the first email was received."""
    due = advice_request.effective_due_on
    if due is None:
        raise OfficerActionError(
            "The first email has not been received yet, so this request has no deadline yet"
        )
    return due


def _text(value: str, *, field: str, what: str, limit: int, required: bool = True) -> str:
    if required and not value.strip():
        raise OfficerActionError(f"Enter {what}", field=field)
    if len(value) > limit:
        raise OfficerActionError(
            f"{what[:1].upper()}{what[1:]} must be {limit:,} characters or fewer", field=field
        )
    if CONTROL_CHARACTERS.search(value):
        raise OfficerActionError(
            f"{what[:1].upper()}{what[1:]} contains a control character", field=field
        )
    return value


def _date(value: date | None, *, field: str, what: str) -> date:
    if value is None:
        raise OfficerActionError(f"Enter {what}", field=field)
    return value


def _not_future(value: date, today: date, *, field: str, what: str) -> date:
    if value > today:
        raise OfficerActionError(f"{what} cannot be in the future", field=field)
    return value


def _later_due_date(value: date | None, current: date, today: date) -> date:
    new_due_on = _date(value, field="new_due_on", what="the new due date")
    if new_due_on <= current:
        raise OfficerActionError(
            f"The new due date must be after the current one, {current.day} {current:%B %Y}",
            field="new_due_on",
        )
    if new_due_on < today:
        raise OfficerActionError("The new due date must be today or later", field="new_due_on")
    if new_due_on > current + LONGEST_EXTENSION:
        raise OfficerActionError(
            "The new due date must be within a year of the current one", field="new_due_on"
        )
    return new_due_on


def _period(starts_on: date | None, ends_on: date | None, *, at_least_four_weeks: bool) -> date:
    start = _date(starts_on, field="starts_on", what="the date the exception started")
    if ends_on is not None and ends_on < start:
        raise OfficerActionError("The end date cannot be before the start date", field="ends_on")
    if at_least_four_weeks and ends_on is not None and ends_on - start < FOUR_WEEKS - ONE_DAY:
        raise OfficerActionError(
            "This exception applies only for 4 weeks or more in a row. For a shorter time, "
            "extend the deadline instead",
            field="ends_on",
        )
    return start


def _last_day(
    session: Session, exception: RequestException | AssessmentException, ends_on: date | None
) -> date:
    session.refresh(exception)  # under the lock just taken: another officer may have ended it
    if exception.ends_on is not None:
        raise OfficerActionError("This exception has already ended")
    last_day = _date(ends_on, field="ends_on", what="the last day of the exception")
    if last_day < exception.starts_on:
        raise OfficerActionError(
            "The exception cannot end before it started, "
            f"{exception.starts_on.day} {exception.starts_on:%B %Y}",
            field="ends_on",
        )
    return last_day


def _cancel_unsent_email(session: Session, advice_request: AdviceRequest, now: datetime) -> int:
    """Stop every email of the request not yet sent (the first request among them)."""
    messages = session.scalars(
        select(OutboxMessage).where(
            OutboxMessage.advice_request_id == advice_request.id,
            OutboxMessage.completed_at.is_(None),
            OutboxMessage.failed_at.is_(None),
            OutboxMessage.cancelled_at.is_(None),
        )
    ).all()
    for message in messages:
        message.cancelled_at = now
    return len(messages)


# --- One request ---------------------------------------------------------------------------


def extend_deadline(
    session: Session,
    advice_request: AdviceRequest,
    *,
    new_due_on: date | None,
    reason: str,
    now: datetime,
    actor: str,
    actor_name: str,
) -> DeadlineExtension:
    """Agree a later due date for one request, with the reason. Not a reg 8(2) exception.

    Chases planned for the old date are cancelled; the clock plans afresh for the new one.
    """
    _lock_request(session, advice_request)
    current = _received(advice_request)
    chosen = _later_due_date(new_due_on, current, london_date(now))
    _text(reason, field="reason", what="the reason for the extension", limit=REASON_MAX)
    extension = DeadlineExtension(
        advice_request=advice_request,
        previous_due_on=current,
        new_due_on=chosen,
        reason=reason,
        recorded_at=now,
        recorded_by=actor,
        recorded_by_name=actor_name,
    )
    session.add(extension)
    advice_request.extended_due_on = chosen
    cancelled = cancel_pending_chases(session, advice_request, now=now)
    record_event(
        session,
        actor=actor,
        action="request.extended",
        now=now,
        advice_request=advice_request,
        previous_due_on=current.isoformat(),
        new_due_on=chosen.isoformat(),
        chases_cancelled=cancelled,
    )
    return extension


def record_request_exception(
    session: Session,
    advice_request: AdviceRequest,
    *,
    reason: DeadlineReason | str,
    details: str,
    starts_on: date | None,
    ends_on: date | None = None,
    new_due_on: date | None = None,
    now: datetime,
    actor: str,
    actor_name: str,
) -> RequestException:
    """Record a reg 8(2) exception on one request: chasing pauses while it holds.

    Only the three lawful reasons are taken; "other" (a waiting list, staffing, workload) is
    refused, as the law does not excuse it. Away from the area counts for 4 weeks or more.
    `new_due_on`, when given, becomes the request's due date.
    """
    _lock_request(session, advice_request)
    current = _received(advice_request)
    today = london_date(now)
    try:
        chosen = DeadlineReason(reason)
    except ValueError as exc:
        raise OfficerActionError("Choose the reason for the exception", field="reason") from exc
    if not chosen.is_lawful_exception:
        raise OfficerActionError(NOT_AN_EXCEPTION, field="reason")
    _text(details, field="details", what="the details of the exception", limit=DETAILS_MAX)
    start = _period(
        starts_on, ends_on, at_least_four_weeks=chosen is DeadlineReason.ABSENT_FROM_AREA
    )
    sent_on = london_date(advice_request.created_at)
    if start < sent_on:
        raise OfficerActionError(
            f"The exception must start on or after the day the request was sent, "
            f"{sent_on.day} {sent_on:%B %Y}",
            field="starts_on",
        )
    if new_due_on is not None:
        new_due_on = _later_due_date(new_due_on, current, today)
    holding = session.scalar(
        select(RequestException.id).where(
            RequestException.advice_request_id == advice_request.id,
            RequestException.ends_on.is_(None),
        )
    )
    if holding is not None:
        raise OfficerActionError("An exception on this request still holds: end it first")
    exception = RequestException(
        advice_request=advice_request,
        reason=chosen.value,
        details=details,
        starts_on=start,
        ends_on=ends_on,
        new_due_on=new_due_on,
        recorded_at=now,
        recorded_by=actor,
        recorded_by_name=actor_name,
    )
    session.add(exception)
    if new_due_on is not None:
        advice_request.extended_due_on = new_due_on
    cancelled = 0
    if start <= today or new_due_on is not None:  # paused now, or chases were for another date
        cancelled = cancel_pending_chases(session, advice_request, now=now)
    record_event(
        session,
        actor=actor,
        action="request.exception_recorded",
        now=now,
        advice_request=advice_request,
        reason=chosen.value,
        starts_on=start.isoformat(),
        ends_on=ends_on.isoformat() if ends_on else None,
        new_due_on=new_due_on.isoformat() if new_due_on else None,
        chases_cancelled=cancelled,
    )
    return exception


def end_request_exception(
    session: Session,
    exception: RequestException,
    *,
    ends_on: date | None,
    new_due_on: date | None = None,
    now: datetime,
    actor: str,
) -> RequestException:
    """Record the last day a reg 8(2) exception held; chasing resumes the day after.

    `new_due_on`, when given, becomes the request's due date.
    """
    advice_request = exception.advice_request
    _lock_request(session, advice_request)
    last_day = _last_day(session, exception, ends_on)
    if new_due_on is not None:
        new_due_on = _later_due_date(new_due_on, _received(advice_request), london_date(now))
        advice_request.extended_due_on = new_due_on
        exception.new_due_on = new_due_on
    exception.ends_on = last_day
    record_event(
        session,
        actor=actor,
        action="request.exception_ended",
        now=now,
        advice_request=advice_request,
        reason=exception.reason,
        ends_on=last_day.isoformat(),
        new_due_on=new_due_on.isoformat() if new_due_on else None,
    )
    return exception


def withdraw_request(
    session: Session, advice_request: AdviceRequest, *, reason: str, now: datetime, actor: str
) -> AdviceRequest:
    """Withdraw a request: its links stop working and it gets no more email of any kind."""
    _lock_request(session, advice_request)
    _text(reason, field="reason", what="why the request is withdrawn", limit=REASON_MAX)
    advice_request.status = RequestStatus.WITHDRAWN
    advice_request.withdrawn_at = now
    advice_request.withdrawn_reason = reason
    revoked = revoke_tokens(session, advice_request, now=now)
    chases = cancel_pending_chases(session, advice_request, now=now)
    emails = _cancel_unsent_email(session, advice_request, now)
    record_event(
        session,
        actor=actor,
        action="request.withdrawn",
        now=now,
        advice_request=advice_request,
        links_revoked=revoked,
        chases_cancelled=chases,
        emails_cancelled=emails,
    )
    return advice_request


# --- The assessment ------------------------------------------------------------------------


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
    _lock_assessment(session, assessment)
    if assessment.status != AssessmentStatus.AGREED:
        raise OfficerActionError("Record the decision to assess before adding a contributor")
    try:
        agency = Agency(details.agency)
    except ValueError as exc:
        raise OfficerActionError("Choose the contributor's agency", field="agency") from exc
    _text(details.name, field="name", what="the contributor's name", limit=NAME_MAX)
    _text(details.email, field="email", what="the contributor's email address", limit=EMAIL_MAX)
    _text(details.organisation, field="organisation", what="their organisation", limit=NAME_MAX)
    _text(details.role, field="role", what="their role", limit=NAME_MAX)
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
                f"{email} is already asked for {agency.label.lower()} advice on this assessment",
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
    _lock_assessment(session, assessment)
    today = london_date(now)
    try:
        agency = Agency(advice.agency)
    except ValueError as exc:
        raise OfficerActionError("Choose whose advice it is", field="agency") from exc
    _text(advice.description, field="description", what="which advice it is", limit=REASON_MAX)
    _text(advice.author_name, field="author_name", what="the author's name", limit=NAME_MAX)
    dated = _date(advice.advice_dated, field="advice_dated", what="the date of the advice")
    _not_future(dated, today, field="advice_dated", what="The date of the advice")
    agreements = (
        ("author_agreed_on", advice.author_agreed_on, "the author"),
        ("la_agreed_on", advice.la_agreed_on, "the local authority"),
        ("family_agreed_on", advice.family_agreed_on, "the parent or young person"),
    )
    for field, agreed_on, who in agreements:
        what = f"the date {who} agreed the advice is sufficient"
        _not_future(_date(agreed_on, field=field, what=what), today, field=field, what="It")
        if agreed_on is not None and agreed_on < dated:
            raise OfficerActionError(
                f"The date {who} agreed cannot be before the advice was written", field=field
            )
    _text(
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
    _lock_assessment(session, assessment)
    try:
        chosen = AssessmentExceptionReason(reason)
    except ValueError as exc:
        raise OfficerActionError("Choose the reason for the exception", field="reason") from exc
    _text(details, field="details", what="the details of the exception", limit=DETAILS_MAX)
    start = _period(
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
    _lock_assessment(session, exception.assessment)
    last_day = _last_day(session, exception, ends_on)
    exception.ends_on = last_day
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


def close_assessment(
    session: Session,
    assessment: Assessment,
    *,
    reason: ClosureReason | str,
    now: datetime,
    actor: str,
) -> Assessment:
    """Close the assessment: plan issued, not issuing, request withdrawn, or moved away.

    Nothing is chased any more: every chase not yet sent is cancelled, and the clock plans
    none for a closed assessment. Advice already asked for can still be given and is kept.
    """
    _lock_assessment(session, assessment)
    try:
        chosen = ClosureReason(reason)
    except ValueError as exc:
        raise OfficerActionError("Choose why the assessment is closing", field="reason") from exc
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
