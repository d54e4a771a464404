"""Delivering one outbox message as one email, exactly once as far as anyone can see.

1. Claim: lock the outbox row, look up the send ledger, claim it for a short lease, issue the
   link token, compose the email; commit.
2. Send through the mail backend, outside any transaction.
3. Record: ledger sent, outbox complete, and for a first request its receipt, which starts the
   6-week clock; commit.
A redelivered message finds the ledger sent (or claimed) and sends nothing. If a worker dies
between 2 and 3, the relay re-dispatches after the lease and the email goes again with the
same Message-ID, which mail clients treat as the same message.
"""

from __future__ import annotations

import enum
import logging
from collections.abc import Callable
from datetime import datetime, timedelta
from email.message import EmailMessage
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from advice_hub.deadlines import advice_due_on, london_date
from advice_hub.domain.addenda_mail import ADDENDUM_KINDS, addendum_email_context
from advice_hub.domain.audit import record_event
from advice_hub.domain.chasing import is_paused, still_chased
from advice_hub.domain.links import issue_link_token
from advice_hub.domain.sign_off import latest_returned, pending_review
from advice_hub.models import (
    AdviceRequest,
    Chase,
    MessageKind,
    OutboxMessage,
    RequestStatus,
    SendLedger,
    utcnow,
)
from forms import load_template
from notifications import MailBackend, MailDeliveryError, compose

log = logging.getLogger(__name__)

CLAIM_LEASE = timedelta(minutes=5)


class Outcome(enum.StrEnum):
    SENT = "sent"
    ALREADY_SENT = "already_sent"
    IN_PROGRESS = "in_progress"  # another worker holds a live claim
    NOTHING_TO_DO = "nothing_to_do"
    FAILED = "failed"


def _message_id(message: OutboxMessage, settings: dict[str, Any]) -> str:
    domain = urlsplit(settings["BASE_URL"]).hostname or "advice-hub.invalid"
    return f"<{message.advice_request_id}.{message.kind}.{message.sequence}@{domain}>"


def _compose(
    session: Session,
    message: OutboxMessage,
    ledger: SendLedger,
    settings: dict[str, Any],
    now: datetime,
) -> EmailMessage:
    advice_request = message.advice_request
    assessment = advice_request.assessment
    officer = assessment.case_officer
    attachments: list[tuple[str, str, bytes]] = []
    common = {
        "council_name": settings["COUNCIL_NAME"],
        "agency_label": f"{advice_request.agency_label.lower()} advice"
        if advice_request.agency not in {"parent_carer", "young_person"}
        else "views and information",
        "reference": assessment.reference,
        "contributor_name": advice_request.contributor.name,
    }
    reply_to = officer.email if officer is not None else settings["SEND_TEAM_EMAIL"]
    if message.kind == MessageKind.ADVICE_REQUEST:
        raw = issue_link_token(
            session,
            advice_request,
            now=now,
            ttl=timedelta(days=settings["LINK_TOKEN_TTL_DAYS"]),
        )
        template = load_template(advice_request.template_key, advice_request.template_version)
        context = {
            **common,
            "officer_name": officer.name if officer is not None else settings["SEND_TEAM_NAME"],
            "officer_email": reply_to,
            "due_on": advice_request.due_on or advice_due_on(now),
            "link_url": f"{settings['BASE_URL'].rstrip('/')}/a/{raw}",
            "child_display": assessment.child_display,
            "organisation": advice_request.contributor.organisation,
            "template_title": template.title,
        }
    elif message.kind == MessageKind.ADVICE_REMINDER:
        raw = issue_link_token(
            session,
            advice_request,
            now=now,
            ttl=timedelta(days=settings["LINK_TOKEN_TTL_DAYS"]),
        )
        template = load_template(advice_request.template_key, advice_request.template_version)
        due_on = advice_request.effective_due_on or advice_due_on(now)
        context = {
            **common,
            "officer_name": officer.name if officer is not None else settings["SEND_TEAM_NAME"],
            "officer_email": reply_to,
            "due_on": due_on,
            "days_left": (due_on - london_date(now)).days,
            "link_url": f"{settings['BASE_URL'].rstrip('/')}/a/{raw}",
            "child_display": assessment.child_display,
            "organisation": advice_request.contributor.organisation,
            "template_title": template.title,
        }
    elif message.kind == MessageKind.SIGN_OFF_REQUEST:
        review = pending_review(session, advice_request)
        if review is None:
            raise RuntimeError(f"sign-off request queued without a review for {advice_request.id}")
        raw = issue_link_token(
            session,
            advice_request,
            now=now,
            ttl=timedelta(days=settings["LINK_TOKEN_TTL_DAYS"]),
            purpose="review",
        )
        context = {
            **common,
            "reviewer_name": review.reviewer_name,
            "author_name": advice_request.contributor.name,
            "link_url": f"{settings['BASE_URL'].rstrip('/')}/r/{raw}",
        }
    elif message.kind == MessageKind.ADVICE_RETURNED:
        review = latest_returned(session, advice_request)
        if review is None:
            raise RuntimeError(f"return queued without a returned review for {advice_request.id}")
        raw = issue_link_token(
            session, advice_request, now=now, ttl=timedelta(days=settings["LINK_TOKEN_TTL_DAYS"])
        )
        context = {
            **common,
            "reviewer_name": review.reviewer_name,
            "comments": review.comments or "",
            "link_url": f"{settings['BASE_URL'].rstrip('/')}/a/{raw}",
        }
    elif message.kind == MessageKind.ADVICE_RECEIPT:
        sealed = advice_request.sealed
        if sealed is None:
            raise RuntimeError(f"receipt queued for unsealed request {advice_request.id}")
        context = {
            **common,
            "sealed_at": sealed.sealed_at,
            "content_sha256": sealed.content_sha256,
            "seal_sha256": sealed.seal_sha256,
        }
        if settings.get("RECEIPT_PDF"):
            attachments = [_receipt_pdf(session, advice_request, now)]
    elif message.kind in ADDENDUM_KINDS:
        context = {**common, **addendum_email_context(session, message, settings, now)}
    else:
        raise ValueError(f"unknown message kind {message.kind!r}")
    return compose(
        message.kind,
        to=ledger.recipient,
        sender=settings["MAIL_FROM"],
        context=context,
        message_id=ledger.message_id,
        reply_to=reply_to,
        attachments=attachments,
    )


def _receipt_pdf(
    session: Session, advice_request: AdviceRequest, now: datetime
) -> tuple[str, str, bytes]:
    # The page templates render it, so the web layer holds the function; imported here only
    # when a council has turned receipts with a PDF on.
    from advice_hub.web.appendix import receipt_pdf

    reference = advice_request.assessment.reference
    return (
        f"sealed-advice-{reference}.pdf",
        "application/pdf",
        receipt_pdf(session, advice_request, now=now),
    )


def _recipient(session: Session, message: OutboxMessage) -> str:
    """Who an email goes to: the reviewer for a sign-off request, otherwise the author."""
    if message.kind == MessageKind.SIGN_OFF_REQUEST:
        review = pending_review(session, message.advice_request)
        if review is not None:
            return review.reviewer_email
    return message.advice_request.contributor.email


def deliver_outbox_message(
    factory: sessionmaker[Session],
    mail: MailBackend,
    settings: dict[str, Any],
    outbox_id: int,
    *,
    clock: Callable[[], datetime] = utcnow,
) -> Outcome:
    """Send the email an outbox row stands for, unless it has been sent already."""
    with factory() as session, session.begin():
        message = session.get(OutboxMessage, outbox_id, with_for_update=True)
        if message is None or message.completed_at or message.failed_at or message.cancelled_at:
            return Outcome.NOTHING_TO_DO
        if message.kind == MessageKind.ADVICE_REMINDER and _reminder_not_wanted(
            session, message, clock()
        ):
            return Outcome.NOTHING_TO_DO
        ledger = session.scalar(
            select(SendLedger)
            .where(
                SendLedger.advice_request_id == message.advice_request_id,
                SendLedger.kind == message.kind,
                SendLedger.sequence == message.sequence,
            )
            .with_for_update()
        )
        now = clock()
        if ledger is not None and ledger.sent_at is not None:
            message.completed_at = ledger.sent_at
            return Outcome.ALREADY_SENT
        if ledger is not None and ledger.claimed_at and ledger.claimed_at > now - CLAIM_LEASE:
            return Outcome.IN_PROGRESS
        if ledger is None:
            ledger = SendLedger(
                advice_request_id=message.advice_request_id,
                kind=message.kind,
                sequence=message.sequence,
                message_id=_message_id(message, settings),
                recipient=_recipient(session, message),
            )
            session.add(ledger)
        ledger.claimed_at = now
        email = _compose(session, message, ledger, settings, now)
        session.flush()
        ledger_id = ledger.id

    try:
        acceptance = mail.send(email)
    except MailDeliveryError as exc:
        _record_failure(factory, outbox_id, ledger_id, exc, clock())
        if exc.transient:
            raise  # the broker retries with backoff
        return Outcome.FAILED

    with factory() as session, session.begin():
        message = session.get_one(OutboxMessage, outbox_id)
        ledger = session.get_one(SendLedger, ledger_id)
        ledger.sent_at = acceptance.accepted_at
        ledger.backend = acceptance.backend
        ledger.detail = acceptance.detail[:500]
        message.completed_at = clock()
        message.attempts += 1
        advice_request = message.advice_request
        if message.kind == MessageKind.ADVICE_REQUEST:
            _start_clock(advice_request, acceptance.accepted_at)
        record_event(
            session,
            actor="system",
            action="email.sent",
            now=acceptance.accepted_at,
            advice_request=advice_request,
            kind=message.kind,
            sequence=message.sequence,
        )
    return Outcome.SENT


def _reminder_not_wanted(session: Session, message: OutboxMessage, now: datetime) -> bool:
    """A chase is re-checked at send time: too early, or the request stopped or paused since
    it was planned (submitted, declined, withdrawn, an exception recorded) means no email."""
    if message.send_after is not None and message.send_after > now:
        return True  # delivered early; the relay hands it over again when its time comes
    advice_request = message.advice_request
    if still_chased(advice_request) and not is_paused(session, advice_request, now=now):
        return False
    message.cancelled_at = now
    for chase in session.scalars(select(Chase).where(Chase.outbox_message_id == message.id)):
        chase.cancelled_at = now
    return True


def _start_clock(advice_request: AdviceRequest, received_at: datetime) -> None:
    # Receipt is acceptance by the mail server for now; the first one starts the clock.
    if advice_request.received_at is None:
        advice_request.received_at = received_at
        advice_request.due_on = advice_due_on(received_at)
    if advice_request.status in {RequestStatus.QUEUED, RequestStatus.SEND_FAILED}:
        advice_request.status = RequestStatus.SENT


def _record_failure(
    factory: sessionmaker[Session],
    outbox_id: int,
    ledger_id: int,
    exc: MailDeliveryError,
    now: datetime,
) -> None:
    with factory() as session, session.begin():
        message = session.get_one(OutboxMessage, outbox_id)
        ledger = session.get_one(SendLedger, ledger_id)
        ledger.claimed_at = None  # released: the next attempt may send
        message.attempts += 1
        message.last_error = str(exc)[:500]
        if not exc.transient:
            mark_failed(session, message, reason=str(exc), now=now)


def mark_failed(session: Session, message: OutboxMessage, *, reason: str, now: datetime) -> None:
    """Stop trying a message and show the failure to the case officer."""
    message.failed_at = now
    message.last_error = reason[:500]
    advice_request = message.advice_request
    if message.kind == MessageKind.ADVICE_REQUEST and advice_request.received_at is None:
        advice_request.status = RequestStatus.SEND_FAILED
    record_event(
        session,
        actor="system",
        action="email.failed",
        now=now,
        advice_request=advice_request,
        kind=message.kind,
        sequence=message.sequence,
        reason=reason[:200],
    )
