"""What a contributor can do instead of giving advice.

- Say the child or young person is not known to their service, with what they do know.
- Pass the request to a colleague, who gets a request and a link of their own.
- Report that the 6-week deadline cannot be met, and why. Only three reasons excuse a late
  return (SEND Regulations 2014, reg 8(2)); anything else, a waiting list included, is
  recorded as "other" and is not an exception.

The functions change the session and never commit. Each refuses a request that is already
closed (CLOSED_STATUSES): a decline, hand-over or report on a closed request means nothing.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime

from sqlalchemy import inspect
from sqlalchemy.orm import Session

from advice_hub.deadlines import london_date
from advice_hub.models import (
    CLOSED_STATUSES,
    AdviceRequest,
    Contributor,
    DeadlineReason,
    DeadlineReport,
    MessageKind,
    RequestStatus,
)
from advice_hub.outbox import queue_message
from advice_hub.requests.links import revoke_tokens
from advice_hub.sealing.audit import record_event
from forms.text import CONTROL_CHARACTERS

# The longest text each input takes; the web forms check the same limits first.
NAME_MAX = 200
EMAIL_MAX = 320
WHAT_THEY_KNOW_MAX = 5000
NOTE_MAX = 2000
DETAILS_MAX = 5000


class AlternativeError(ValueError):
    """An input the domain refuses; `field` names the input at fault when there is one."""

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


class ClosedRequestError(AlternativeError):
    """The request is already closed: submitted, declined, passed on or withdrawn."""

    def __init__(self, advice_request: AdviceRequest) -> None:
        status = RequestStatus(advice_request.status)
        super().__init__(f"This request is closed ({status.label.lower()})")
        self.status = status


def _ensure_open(session: Session, advice_request: AdviceRequest) -> None:
    # Two answers at once (double click, two tabs) must not both land: lock the row and read
    # its status again. SQLite's immediate transactions already serialise writers.
    if inspect(advice_request).persistent:
        session.refresh(advice_request, with_for_update=True)
    if advice_request.status in CLOSED_STATUSES:
        raise ClosedRequestError(advice_request)


def _text(value: str, *, field: str, what: str, limit: int, required: bool = True) -> str:
    if required and not value.strip():
        raise AlternativeError(f"Enter {what}", field=field)
    if len(value) > limit:
        raise AlternativeError(
            f"{what.capitalize()} must be {limit:,} characters or fewer", field=field
        )
    if CONTROL_CHARACTERS.search(value):
        raise AlternativeError(f"{what.capitalize()} contains a control character", field=field)
    return value


def decline_not_known(
    session: Session,
    advice_request: AdviceRequest,
    *,
    what_we_know: str,
    name: str,
    role: str,
    now: datetime,
    actor: str,
) -> AdviceRequest:
    """Record that the child or young person is not known to the contributor's service.

    The request becomes DECLINED, so it is never chased again. `what_we_know` is the
    contributor's own words, kept exactly as given (empty when they know nothing) and shown to
    the case officer; `name` and `role` say who answered.
    """
    _ensure_open(session, advice_request)
    _text(
        what_we_know,
        field="what_we_know",
        what="what you know",
        limit=WHAT_THEY_KNOW_MAX,
        required=False,
    )
    _text(name, field="name", what="your name", limit=NAME_MAX)
    _text(role, field="role", what="your role", limit=NAME_MAX)
    advice_request.status = RequestStatus.DECLINED
    advice_request.declined_at = now
    advice_request.declined_by_name = name
    advice_request.declined_by_role = role
    advice_request.declined_what_they_know = what_we_know or None
    # The audit log never holds the contributor's words, only that there were some.
    record_event(
        session,
        actor=actor,
        action="request.declined",
        now=now,
        advice_request=advice_request,
        what_they_know_given=bool(what_we_know),
    )
    return advice_request


def pass_on(
    session: Session,
    advice_request: AdviceRequest,
    *,
    colleague_name: str,
    colleague_email: str,
    colleague_role: str,
    colleague_organisation: str | None = None,
    note: str = "",
    now: datetime,
    actor: str,
) -> AdviceRequest:
    """Hand a request to a colleague, who is asked with a request and a link of their own.

    The colleague answers the same pinned template version, for the same assessment and
    agency. Their email goes through the outbox like any other request (a fresh token is issued
    when it is sent, and their 6-week clock starts when it is received). Every link of the old
    request stops working at once, and it becomes PASSED_ON. The new request points back to the
    old one (`passed_on_from`), and the old one reaches the new one through `passed_on_to`.
    `colleague_email` must already be a valid address; it cannot be the current contributor's.
    """
    _ensure_open(session, advice_request)
    _text(colleague_name, field="colleague_name", what="your colleague's name", limit=NAME_MAX)
    _text(
        colleague_email,
        field="colleague_email",
        what="your colleague's email address",
        limit=EMAIL_MAX,
    )
    _text(colleague_role, field="colleague_role", what="your colleague's role", limit=NAME_MAX)
    organisation = colleague_organisation or advice_request.contributor.organisation
    _text(
        organisation,
        field="colleague_organisation",
        what="your colleague's organisation",
        limit=NAME_MAX,
    )
    _text(note, field="note", what="the note", limit=NOTE_MAX, required=False)
    if colleague_email.strip().casefold() == advice_request.contributor.email.strip().casefold():
        raise AlternativeError(
            "This request was sent to that email address. Enter your colleague's email address",
            field="colleague_email",
        )
    assessment = advice_request.assessment
    colleague = Contributor(
        assessment=assessment,
        position=max((c.position for c in assessment.contributors), default=0) + 1,
        agency=advice_request.agency,
        name=colleague_name,
        email=colleague_email,
        organisation=organisation,
        role=colleague_role,
    )
    session.add(colleague)
    successor = AdviceRequest(
        id=uuid.uuid4(),
        assessment=assessment,
        contributor=colleague,
        agency=advice_request.agency,
        template_key=advice_request.template_key,
        template_version=advice_request.template_version,
        status=RequestStatus.QUEUED,
        created_at=now,
        passed_on_from=advice_request,
        passed_on_note=note or None,
    )
    session.add(successor)
    queue_message(session, successor, MessageKind.ADVICE_REQUEST, now=now)
    revoked = revoke_tokens(session, advice_request, now=now)
    advice_request.status = RequestStatus.PASSED_ON
    record_event(
        session,
        actor=actor,
        action="request.passed_on",
        now=now,
        advice_request=advice_request,
        to_request=str(successor.id),
        links_revoked=revoked,
    )
    record_event(
        session,
        actor=actor,
        action="request.received_from_colleague",
        now=now,
        advice_request=successor,
        from_request=str(advice_request.id),
    )
    return successor


def report_deadline_cannot_be_met(
    session: Session,
    advice_request: AdviceRequest,
    *,
    reason: DeadlineReason | str,
    details: str,
    expected_by: date | None,
    now: datetime,
    actor: str,
) -> DeadlineReport:
    """Record the contributor's report that their advice will be late, and why.

    Exceptional personal circumstances, absence from the area for 4 weeks or more and a missed
    appointment are lawful exceptions (reg 8(2)); "other" is recorded as not an exception. The
    request stays open: the contributor can still give advice with the same link.
    """
    _ensure_open(session, advice_request)
    try:
        chosen = DeadlineReason(reason)
    except ValueError as exc:
        raise AlternativeError("Choose why the advice will be late", field="reason") from exc
    _text(details, field="details", what="the details", limit=DETAILS_MAX)
    if expected_by is not None and expected_by < london_date(now):
        raise AlternativeError(
            "The date you expect to give your advice must be today or in the future",
            field="expected_by",
        )
    report = DeadlineReport(
        advice_request=advice_request,
        reason=chosen.value,
        is_lawful_exception=chosen.is_lawful_exception,
        details=details,
        expected_by=expected_by,
        recorded_at=now,
        recorded_by=actor,
        recorded_by_name=advice_request.contributor.name,
        reported_by_contributor=True,
    )
    session.add(report)
    record_event(
        session,
        actor=actor,
        action="deadline.reported",
        now=now,
        advice_request=advice_request,
        reason=chosen.value,
        lawful_exception=chosen.is_lawful_exception,
        expected_by=expected_by.isoformat() if expected_by else None,
    )
    return report
