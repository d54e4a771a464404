"""What a case officer does to an assessment's requests beyond sending them.

On one request: extend its deadline, record (and end) a reg 8(2) exception, withdraw it.
"Chase now" is `advice_hub.chasing.control.chase_now`; the actions on the whole assessment
are in ``assessment_actions``.

The two kinds of exception are kept apart on purpose: a reg 8(2) exception excuses one body's
late advice and pauses its chasing; an assessment exception moves the LA's own milestones
(`advice_hub.deadlines.adjusted_milestones`). A waiting list is never either.

Every function changes the session and never commits, locks the rows it changes (assessment
first, then request, so two officers never deadlock), refuses a closed assessment or request,
and records an audit event without anyone's free text in it, bar the reason an officer gives
for going ahead despite a warning (``confirmations``): a due date moved past the date the
final plan is due needs one.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from advice_hub.assessments.checks import (
    DETAILS_MAX,
    REASON_MAX,
    OfficerActionError,
    checked_text,
    exception_last_day,
    exception_start,
    lock_request,
    required_date,
)
from advice_hub.assessments.confirmations import Confirmation, confirmed
from advice_hub.assessments.follow_up import settle_deadline_reports
from advice_hub.assessments.guard_rails import advice_after_final_plan
from advice_hub.assessments.milestones import milestones_of
from advice_hub.chasing.control import cancel_pending_chases
from advice_hub.deadlines import london_date
from advice_hub.models import (
    AdviceRequest,
    DeadlineExtension,
    DeadlineReason,
    LinkPurpose,
    OutboxMessage,
    RequestException,
    RequestStatus,
)
from advice_hub.requests.links import revoke_tokens
from advice_hub.sealing.audit import record_event

NOT_AN_EXCEPTION = (
    "A waiting list, staff shortages or workload is not an exception under regulation 8(2). "
    "Extend the deadline instead, giving the reason"
)
# A later date than this is far more likely a typing slip (2062 for 2026) than a real plan.
LONGEST_EXTENSION = timedelta(days=365)


def _current_due_date(advice_request: AdviceRequest) -> date:
    """The request's current due date; there is none until the first email was received."""
    due = advice_request.effective_due_on
    if due is None:
        raise OfficerActionError(
            "The first email has not been received yet, so this request has no deadline yet"
        )
    return due


def _later_due_date(value: date | None, current: date, today: date) -> date:
    new_due_on = required_date(value, field="new_due_on", what="the new due date")
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


def _confirmed_due_date(
    session: Session,
    advice_request: AdviceRequest,
    due_on: date | None,
    confirmation: Confirmation | None,
) -> dict[str, Any]:
    """The warnings a new due date gives (advice due after the final plan), once confirmed."""
    if due_on is None:
        return {}
    milestones = milestones_of(session, advice_request.assessment)
    return confirmed(advice_after_final_plan(advice_request, due_on, milestones), confirmation)


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


def _settled(count: int) -> dict[str, Any]:
    """The audit detail for the contributors' deadline reports an act dealt with, if any."""
    return {"deadline_reports_dealt_with": count} if count else {}


def extend_deadline(
    session: Session,
    advice_request: AdviceRequest,
    *,
    new_due_on: date | None,
    reason: str,
    now: datetime,
    actor: str,
    actor_name: str,
    confirmation: Confirmation | None = None,
) -> DeadlineExtension:
    """Agree a later due date for one request, with the reason. Not a reg 8(2) exception.

    A date after the final plan is due needs ``confirmation`` (``WarningsToConfirm``
    otherwise). Chases planned for the old date are cancelled; the clock plans afresh.
    """
    lock_request(session, advice_request)
    current = _current_due_date(advice_request)
    chosen = _later_due_date(new_due_on, current, london_date(now))
    checked_text(reason, field="reason", what="the reason for the extension", limit=REASON_MAX)
    warned = _confirmed_due_date(session, advice_request, chosen, confirmation)
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
    # The extension answers any contributor's report that their advice will be late.
    settled = settle_deadline_reports(session, advice_request, now=now)
    record_event(
        session,
        actor=actor,
        action="request.extended",
        now=now,
        advice_request=advice_request,
        previous_due_on=current.isoformat(),
        new_due_on=chosen.isoformat(),
        chases_cancelled=cancelled,
        **_settled(settled),
        **warned,
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
    confirmation: Confirmation | None = None,
) -> RequestException:
    """Record a reg 8(2) exception on one request: chasing pauses while it holds.

    Only the three lawful reasons are taken; "other" (a waiting list, staffing, workload) is
    refused, as the law does not excuse it. Away from the area counts for 4 weeks or more.
    `new_due_on`, when given, becomes the request's due date (after the final plan is due,
    only with ``confirmation``).
    """
    lock_request(session, advice_request)
    current = _current_due_date(advice_request)
    today = london_date(now)
    try:
        chosen = DeadlineReason(reason)
    except ValueError as exc:
        raise OfficerActionError("Choose the reason for the exception", field="reason") from exc
    if not chosen.is_lawful_exception:
        raise OfficerActionError(NOT_AN_EXCEPTION, field="reason")
    checked_text(details, field="details", what="the details of the exception", limit=DETAILS_MAX)
    start = exception_start(
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
    warned = _confirmed_due_date(session, advice_request, new_due_on, confirmation)
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
    settled = settle_deadline_reports(session, advice_request, now=now)
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
        **_settled(settled),
        **warned,
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
    confirmation: Confirmation | None = None,
) -> RequestException:
    """Record the last day a reg 8(2) exception held; chasing resumes the day after.

    `new_due_on`, when given, becomes the request's due date (after the final plan is due,
    only with ``confirmation``).
    """
    advice_request = exception.advice_request
    lock_request(session, advice_request)
    last_day = exception_last_day(session, exception, ends_on)
    warned: dict[str, Any] = {}
    if new_due_on is not None:
        new_due_on = _later_due_date(
            new_due_on, _current_due_date(advice_request), london_date(now)
        )
        warned = _confirmed_due_date(session, advice_request, new_due_on, confirmation)
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
        **warned,
    )
    return exception


def withdraw_request(
    session: Session, advice_request: AdviceRequest, *, reason: str, now: datetime, actor: str
) -> AdviceRequest:
    """Withdraw a request: its links stop working and it gets no more email of any kind."""
    lock_request(session, advice_request)
    checked_text(reason, field="reason", what="why the request is withdrawn", limit=REASON_MAX)
    advice_request.status = RequestStatus.WITHDRAWN
    advice_request.withdrawn_at = now
    advice_request.withdrawn_reason = reason
    # The reviewer's link too: advice awaiting sign-off is withdrawn with its request.
    revoked = revoke_tokens(
        session, advice_request, now=now, purposes=(LinkPurpose.CONTRIBUTE, LinkPurpose.REVIEW)
    )
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
