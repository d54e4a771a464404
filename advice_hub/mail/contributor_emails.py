"""What the emails about one advice request say, composed when each is sent: the request and
its reminders and chases (each with a fresh link), sign-off, return to the author, the
receipt (with the sealed advice as a PDF where RECEIPT_PDF is on) and the addendum emails.
Outbox rows carry ids only, so each email is rebuilt from the database.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from email.message import EmailMessage
from urllib.parse import urlsplit

from sqlalchemy.orm import Session

from advice_hub.assessments.appendix import build_request_appendix
from advice_hub.assessments.contact import council_contact
from advice_hub.config import Settings
from advice_hub.deadlines import advice_due_on, london_date
from advice_hub.documents import render_pdf
from advice_hub.mail.addendum_emails import ADDENDUM_KINDS, addendum_email_context
from advice_hub.models import (
    AdviceRequest,
    AssessmentStatus,
    LinkPurpose,
    MessageKind,
    OutboxMessage,
    SendLedger,
)
from advice_hub.requests.links import issue_link_token, link_url
from advice_hub.requests.sign_off import latest_returned, pending_review
from advice_hub.sealing.addenda import addendum_window_ends, can_add_addendum
from forms import load_template
from notifications import compose


def outbox_message_id(message: OutboxMessage, settings: Settings) -> str:
    domain = urlsplit(settings.base_url).hostname or "advice-hub.invalid"
    return f"<{message.advice_request_id}.{message.kind}.{message.sequence}@{domain}>"


def compose_outbox_email(
    session: Session,
    message: OutboxMessage,
    ledger: SendLedger,
    settings: Settings,
    now: datetime,
) -> EmailMessage:
    advice_request = message.advice_request
    assessment = advice_request.assessment
    contact = council_contact(assessment, settings)
    attachments: list[tuple[str, str, bytes]] = []
    common = {
        "council_name": settings.council_name,
        "agency_label": advice_request.advice_name
        if advice_request.agency not in {"parent_carer", "young_person"}
        else "views and information",
        "reference": assessment.reference,
        "contributor_name": advice_request.contributor.name,
    }
    reply_to = contact.email
    if message.kind == MessageKind.ADVICE_REQUEST:
        raw = issue_link_token(
            session,
            advice_request,
            now=now,
            ttl=timedelta(days=settings.link_token_ttl_days),
        )
        template = load_template(advice_request.template_key, advice_request.template_version)
        context = {
            **common,
            "officer_name": contact.name,
            "officer_email": reply_to,
            "due_on": advice_request.due_on or advice_due_on(now),
            "link_url": link_url(settings.base_url, LinkPurpose.CONTRIBUTE, raw),
            "child_display": assessment.child_display,
            "organisation": advice_request.contributor.organisation,
            "template_title": template.title,
        }
    elif message.kind == MessageKind.ADVICE_REMINDER:
        raw = issue_link_token(
            session,
            advice_request,
            now=now,
            ttl=timedelta(days=settings.link_token_ttl_days),
        )
        template = load_template(advice_request.template_key, advice_request.template_version)
        due_on = advice_request.effective_due_on or advice_due_on(now)
        context = {
            **common,
            "officer_name": contact.name,
            "officer_email": reply_to,
            "due_on": due_on,
            "days_left": (due_on - london_date(now)).days,
            "link_url": link_url(settings.base_url, LinkPurpose.CONTRIBUTE, raw),
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
            ttl=timedelta(days=settings.link_token_ttl_days),
            purpose=LinkPurpose.REVIEW,
        )
        context = {
            **common,
            "reviewer_name": review.reviewer_name,
            "author_name": advice_request.contributor.name,
            "link_url": link_url(settings.base_url, LinkPurpose.REVIEW, raw),
        }
    elif message.kind == MessageKind.ADVICE_RETURNED:
        review = latest_returned(session, advice_request)
        if review is None:
            raise RuntimeError(f"return queued without a returned review for {advice_request.id}")
        raw = issue_link_token(
            session, advice_request, now=now, ttl=timedelta(days=settings.link_token_ttl_days)
        )
        context = {
            **common,
            "reviewer_name": review.reviewer_name,
            "comments": review.comments or "",
            "link_url": link_url(settings.base_url, LinkPurpose.CONTRIBUTE, raw),
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
            "officer_name": contact.name,
            "officer_email": reply_to,
            # Until when their own link takes an addendum (ADDENDUM_DAYS), as the receipt
            # page says; after it only an addendum request's link does.
            "addendum_until": addendum_window_ends(sealed, settings.addendum_days)
            if can_add_addendum(sealed, now, settings.addendum_days)
            else None,
            "assessment_closed": assessment.status == AssessmentStatus.CLOSED,
        }
        if settings.receipt_pdf:
            attachments = [_receipt_pdf(session, advice_request, settings, now)]
    elif message.kind in ADDENDUM_KINDS:
        context = {**common, **addendum_email_context(session, message, settings, now)}
    else:
        raise ValueError(f"unknown message kind {message.kind!r}")
    return compose(
        message.kind,
        to=ledger.recipient,
        sender=settings.mail_from,
        context=context,
        message_id=ledger.message_id,
        reply_to=reply_to,
        attachments=attachments,
    )


def _receipt_pdf(
    session: Session, advice_request: AdviceRequest, settings: Settings, now: datetime
) -> tuple[str, str, bytes]:
    """The contributor's own advice as sealed, as a PDF for their receipt email."""
    appendix = build_request_appendix(session, advice_request)
    pdf = render_pdf(
        "documents/appendix.html",
        title=f"Your sealed advice, assessment {appendix.reference}",
        appendix=appendix,
        verify_url=settings.base_url.rstrip("/") + "/verify",
        council_name=settings.council_name,
        produced_at=now,
        receipt=True,
    )
    return (f"sealed-advice-{appendix.reference}.pdf", "application/pdf", pdf)


def recipient_of(session: Session, message: OutboxMessage) -> str:
    """Who an email goes to: the reviewer for a sign-off request, otherwise the author."""
    if message.kind == MessageKind.SIGN_OFF_REQUEST:
        review = pending_review(session, message.advice_request)
        if review is not None:
            return review.reviewer_email
    return message.advice_request.contributor.email
