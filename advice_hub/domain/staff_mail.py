"""Emails to staff and agency leads: escalations and the case officer's daily digest.

A ``StaffMessage`` row is both the outbox row and the ledger row of one such email: it is
committed with the change that asked for it, handed to the broker after commit (or by the
clock's relay), claimed for a short lease before sending and marked sent after, so a
redelivered task sends nothing. These emails name requests by reference, agency and
contributor, never a child.
"""

from __future__ import annotations

import enum
import logging
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from email.message import EmailMessage
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload, sessionmaker

from advice_hub.deadlines import london_date, working_days_between
from advice_hub.domain.audit import record_event
from advice_hub.domain.outbox import relay_rows
from advice_hub.models import (
    CLOSED_STATUSES,
    AdviceRequest,
    Assessment,
    AssessmentStatus,
    Chase,
    RequestStatus,
    StaffMessage,
    StaffMessageKind,
    User,
    utcnow,
)
from notifications import MailBackend, MailDeliveryError, compose

log = logging.getLogger(__name__)

STAFF_PENDING_KEY = "advice_hub.staff_pending"
# A claim older than this is taken to have died with its worker (as for contributor emails).
CLAIM_LEASE = timedelta(minutes=5)
# How far ahead the digest looks for advice falling due.
DIGEST_HORIZON = timedelta(days=7)


class StaffOutcome(enum.StrEnum):
    SENT = "sent"
    ALREADY_SENT = "already_sent"
    IN_PROGRESS = "in_progress"
    NOTHING_TO_DO = "nothing_to_do"
    FAILED = "failed"


# --- Queuing -------------------------------------------------------------------------------


def queue_staff_message(
    session: Session,
    *,
    kind: StaffMessageKind,
    recipient: str,
    recipient_name: str,
    meant_for: str,
    user_id: int | None,
    agency: str | None,
    day: date,
    send_after: datetime | None,
    now: datetime,
    request_id: str | None = None,
) -> StaffMessage:
    """The recipient's unsent message of this kind for ``day``, created if need be, with
    ``request_id`` added to its list. An empty ``recipient`` means the SEND team's mailbox.

    One message per recipient a day: a request escalated after that day's email has gone
    starts a second one (rare: escalations are planned for the day's opening).
    """
    prefix = f"{kind}:{agency or '-'}:{recipient or 'send-team'}:{day.isoformat()}:"
    existing = session.scalars(
        select(StaffMessage)
        .where(StaffMessage.key.startswith(prefix, autoescape=True))
        .with_for_update()  # a worker claiming it meanwhile waits, then sees the new list
    ).all()
    message = next((m for m in existing if m.claimed_at is None and m.sent_at is None), None)
    if message is None:
        message = StaffMessage(
            kind=kind.value,
            key=f"{prefix}{len(existing) + 1}",
            recipient=recipient,
            recipient_name=recipient_name,
            user_id=user_id,
            agency=agency,
            payload={"request_ids": [], "meant_for": meant_for, "day": day.isoformat()},
            created_at=now,
            send_after=send_after,
        )
        session.add(message)
        session.flush()
        session.info.setdefault(STAFF_PENDING_KEY, []).append(message)
    if request_id is not None and request_id not in message.payload["request_ids"]:
        # A new dict, so the JSON column sees the change.
        message.payload = {
            **message.payload,
            "request_ids": [*message.payload["request_ids"], request_id],
        }
    return message


def relay_unsent_staff(
    session: Session,
    dispatch: Callable[[int], None],
    *,
    now: datetime,
    grace: timedelta,
    limit: int = 500,
) -> int:
    """Hand over staff messages that are due and never reached a worker; returns how many."""
    unfinished = [StaffMessage.sent_at.is_(None), StaffMessage.failed_at.is_(None)]
    return relay_rows(
        session, StaffMessage, unfinished, dispatch, now=now, grace=grace, limit=limit
    )


# --- The officer's digest ------------------------------------------------------------------


@dataclass(frozen=True)
class DigestRow:
    reference: str
    assessment_id: str
    agency_label: str
    contributor: str
    status: str
    due_on: date | None
    working_days_overdue: int


def digest_rows(
    session: Session, user: User, *, since: datetime, now: datetime
) -> dict[str, list[DigestRow]]:
    """What a case officer's digest says: arrived since ``since``, overdue, due within a week."""
    today = london_date(now)
    requests = session.scalars(
        select(AdviceRequest)
        .join(AdviceRequest.assessment)
        .where(
            Assessment.case_officer_id == user.id,
            Assessment.status == AssessmentStatus.AGREED,
        )
        .options(selectinload(AdviceRequest.assessment), selectinload(AdviceRequest.contributor))
        .order_by(AdviceRequest.due_on, AdviceRequest.created_at)
    ).all()
    arrived, overdue, due_soon = [], [], []
    for r in requests:
        due = r.effective_due_on
        row = DigestRow(
            reference=r.assessment.reference,
            assessment_id=str(r.assessment_id),
            agency_label=r.agency_label,
            contributor=r.contributor.name,
            status=r.status_label,
            due_on=due,
            working_days_overdue=working_days_between(due, today) if due and due < today else 0,
        )
        closed_at = r.submitted_at or r.declined_at
        if r.status in CLOSED_STATUSES or r.status == RequestStatus.AWAITING_SIGN_OFF:
            if closed_at is not None and since <= closed_at <= now:
                arrived.append(row)
            continue
        if due is None:
            continue
        if due < today:
            overdue.append(row)
        elif due <= today + DIGEST_HORIZON:
            due_soon.append(row)
    return {"arrived": arrived, "overdue": overdue, "due_soon": due_soon}


def queue_digests(session: Session, *, now: datetime) -> int:
    """One digest per case officer per working day, when there is something to tell them."""
    day = london_date(now)
    officers = session.scalars(
        select(User)
        .join(Assessment, Assessment.case_officer_id == User.id)
        .where(Assessment.status == AssessmentStatus.AGREED)
        .distinct()
    ).all()
    queued = 0
    for officer in officers:
        key_prefix = f"{StaffMessageKind.OFFICER_DIGEST}:-:{officer.email}:{day.isoformat()}:"
        if session.scalar(
            select(func.count())
            .select_from(StaffMessage)
            .where(StaffMessage.key.startswith(key_prefix, autoescape=True))
        ):
            continue
        since = _previous_digest_at(session, officer) or now - timedelta(days=1)
        rows = digest_rows(session, officer, since=since, now=now)
        if not any(rows.values()):
            continue
        message = queue_staff_message(
            session,
            kind=StaffMessageKind.OFFICER_DIGEST,
            recipient=officer.email,
            recipient_name=officer.name,
            meant_for="case officer",
            user_id=officer.id,
            agency=None,
            day=day,
            send_after=None,
            now=now,
        )
        message.payload = {**message.payload, "since": since.isoformat()}
        queued += 1
    return queued


def _previous_digest_at(session: Session, officer: User) -> datetime | None:
    return session.scalar(
        select(func.max(StaffMessage.created_at)).where(
            StaffMessage.kind == StaffMessageKind.OFFICER_DIGEST,
            StaffMessage.user_id == officer.id,
        )
    )


# --- Composing and delivering --------------------------------------------------------------


def _overdue_row(r: AdviceRequest, today: date) -> dict[str, Any]:
    due = r.effective_due_on
    officer = r.assessment.case_officer
    return {
        "reference": r.assessment.reference,
        "agency_label": r.agency_label,
        "contributor": r.contributor.name,
        "organisation": r.contributor.organisation,
        "due_on": due,
        "working_days_overdue": working_days_between(due, today) if due and due < today else 0,
        "officer_name": officer.name if officer is not None else "",
        "officer_email": officer.email if officer is not None else "",
    }


def _compose_staff(
    session: Session, message: StaffMessage, settings: dict[str, Any], now: datetime
) -> EmailMessage:
    today = london_date(now)
    base_url = settings["BASE_URL"].rstrip("/")
    recipient = message.recipient or settings["SEND_TEAM_EMAIL"]
    context: dict[str, Any] = {
        "council_name": settings["COUNCIL_NAME"],
        "recipient_name": message.recipient_name or settings["SEND_TEAM_NAME"],
        "meant_for": message.payload.get("meant_for", ""),
        "no_named_recipient": not message.recipient,
        "send_team_email": settings["SEND_TEAM_EMAIL"],
    }
    if message.kind == StaffMessageKind.OFFICER_DIGEST:
        user = message.user
        if user is None:
            raise RuntimeError(f"digest {message.id} has no officer")
        since = datetime.fromisoformat(message.payload["since"])
        context |= {
            "rows": digest_rows(session, user, since=since, now=now),
            "dashboard_url": f"{base_url}/assessments",
            "day": today,
        }
    else:
        ids = message.payload["request_ids"]
        uuids = [uuid.UUID(i) for i in ids]
        escalated = [
            r
            for r in session.scalars(select(AdviceRequest).where(AdviceRequest.id.in_(uuids)))
            if r.status not in CLOSED_STATUSES
        ]
        context["escalated"] = [_overdue_row(r, today) for r in escalated]
        also = []
        if message.kind == StaffMessageKind.LEAD_ESCALATION and message.agency:
            context["agency_label"] = escalated[0].agency_label if escalated else message.agency
            also = [
                _overdue_row(r, today)
                for r in _overdue_for_agency(session, message.agency, today)
                if str(r.id) not in ids
            ]
        context["also_overdue"] = also
    return compose(
        message.kind,
        to=recipient,
        sender=settings["MAIL_FROM"],
        context=context,
        message_id=message.message_id or _message_id(message, settings),
        reply_to=settings["SEND_TEAM_EMAIL"],
    )


def _overdue_for_agency(session: Session, agency: str, today: date) -> list[AdviceRequest]:
    rows = session.scalars(
        select(AdviceRequest)
        .join(AdviceRequest.assessment)
        .where(
            Assessment.status == AssessmentStatus.AGREED,
            AdviceRequest.agency == agency,
            AdviceRequest.status.not_in([s.value for s in CLOSED_STATUSES]),
            func.coalesce(AdviceRequest.extended_due_on, AdviceRequest.due_on) < today,
        )
        .order_by(AdviceRequest.due_on)
    ).all()
    return list(rows)


def _message_id(message: StaffMessage, settings: dict[str, Any]) -> str:
    domain = urlsplit(settings["BASE_URL"]).hostname or "advice-hub.invalid"
    return f"<staff.{message.id}.{message.kind}@{domain}>"


def _drop_closed(session: Session, message: StaffMessage, now: datetime) -> bool:
    """Take out of an escalation the requests that closed before it went (their chase rows
    are cancelled, so the timeline does not claim an escalation that never happened).
    Returns True when nothing is left to say."""
    if message.kind == StaffMessageKind.OFFICER_DIGEST:
        return False
    ids = [uuid.UUID(i) for i in message.payload["request_ids"]]
    closed = {
        r.id
        for r in session.scalars(select(AdviceRequest).where(AdviceRequest.id.in_(ids)))
        if r.status in CLOSED_STATUSES or r.assessment.status != AssessmentStatus.AGREED
    }
    if closed:
        for chase in session.scalars(
            select(Chase).where(
                Chase.staff_message_id == message.id, Chase.advice_request_id.in_(closed)
            )
        ):
            chase.cancelled_at = now
        message.payload = {
            **message.payload,
            "request_ids": [str(i) for i in ids if i not in closed],
        }
    return not message.payload["request_ids"]


def deliver_staff_message(
    factory: sessionmaker[Session],
    mail: MailBackend,
    settings: dict[str, Any],
    staff_id: int,
    *,
    clock: Callable[[], datetime] = utcnow,
) -> StaffOutcome:
    """Send one staff email unless it has gone already (or has nothing left to say)."""
    with factory() as session, session.begin():
        message = session.get(StaffMessage, staff_id, with_for_update=True)
        now = clock()
        if message is None or message.failed_at is not None:
            return StaffOutcome.NOTHING_TO_DO
        if message.sent_at is not None:
            return StaffOutcome.ALREADY_SENT
        if message.claimed_at is not None and message.claimed_at > now - CLAIM_LEASE:
            return StaffOutcome.IN_PROGRESS
        if message.send_after is not None and message.send_after > now:
            return StaffOutcome.NOTHING_TO_DO  # too early; the relay hands it over on time
        if _drop_closed(session, message, now):
            message.failed_at = now
            message.last_error = "every request arrived before it was sent"
            return StaffOutcome.NOTHING_TO_DO
        message.claimed_at = now
        message.message_id = message.message_id or _message_id(message, settings)
        email = _compose_staff(session, message, settings, now)

    try:
        acceptance = mail.send(email)
    except MailDeliveryError as exc:
        with factory() as session, session.begin():
            failed = session.get_one(StaffMessage, staff_id)
            failed.claimed_at = None
            failed.attempts += 1
            failed.last_error = str(exc)[:500]
            if not exc.transient:
                failed.failed_at = clock()
        if exc.transient:
            raise
        return StaffOutcome.FAILED

    with factory() as session, session.begin():
        sent = session.get_one(StaffMessage, staff_id)
        sent.sent_at = acceptance.accepted_at
        sent.attempts += 1
        for request_id in sent.payload.get("request_ids", []):
            advice_request = session.scalar(
                select(AdviceRequest).where(AdviceRequest.id == uuid.UUID(request_id))
            )
            if advice_request is not None:
                record_event(
                    session,
                    actor="system",
                    action="escalation.sent",
                    now=acceptance.accepted_at,
                    advice_request=advice_request,
                    kind=sent.kind,
                    to=sent.payload.get("meant_for", ""),
                )
    return StaffOutcome.SENT
