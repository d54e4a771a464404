"""What the two addendum emails say, built when they are sent (advice_hub.jobs.delivery).

- ``addendum_request``: the case officer's note and a fresh link (LinkPurpose.ADDENDUM)
  that lets the author add an addendum at any time.
- ``addendum_receipt``: the addendum's fingerprint and seal, beside the original's.

Outbox rows carry ids only, so each email is rebuilt from the database: the n-th request
email from the audit event that asked for it, the n-th receipt from the n-th addendum.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session

from advice_hub.assessments.contact import council_contact
from advice_hub.config import Settings
from advice_hub.models import LinkPurpose, MessageKind, OutboxMessage, SealedAdvice
from advice_hub.requests.links import issue_link_token, link_url
from advice_hub.sealing.addenda import addendum_request_note
from forms import load_template

ADDENDUM_KINDS = frozenset({MessageKind.ADDENDUM_REQUEST, MessageKind.ADDENDUM_RECEIPT})


def _original(message: OutboxMessage) -> SealedAdvice:
    original = message.advice_request.sealed
    if original is None:
        raise RuntimeError(
            f"{message.kind} queued for unsealed request {message.advice_request_id}"
        )
    return original


def addendum_email_context(
    session: Session, message: OutboxMessage, settings: Settings, now: datetime
) -> dict[str, Any]:
    """The context one addendum email needs beyond what every email to an author has."""
    advice_request = message.advice_request
    original = _original(message)
    if message.kind == MessageKind.ADDENDUM_REQUEST:
        note = addendum_request_note(session, advice_request, message.sequence)
        if note is None:
            raise RuntimeError(f"addendum request email without its request: {message.id}")
        raw = issue_link_token(
            session,
            advice_request,
            now=now,
            ttl=timedelta(days=settings.link_token_ttl_days),
            purpose=LinkPurpose.ADDENDUM,
        )
        contact = council_contact(advice_request.assessment, settings)
        template = load_template(advice_request.template_key, advice_request.template_version)
        return {
            "officer_name": contact.name,
            "officer_email": contact.email,
            "note": note,
            "link_url": link_url(settings.base_url, LinkPurpose.ADDENDUM, raw),
            "child_display": advice_request.assessment.child_display,
            "template_title": template.title,
            "original_sealed_at": original.sealed_at,
        }
    if message.kind == MessageKind.ADDENDUM_RECEIPT:
        # Each sealed addendum queues one receipt, so the n-th receipt is for the n-th addendum.
        addenda = original.addenda
        if not 1 <= message.sequence <= len(addenda):
            raise RuntimeError(f"addendum receipt {message.sequence} without its addendum")
        addendum = addenda[message.sequence - 1]
        return {
            "sealed_at": addendum.sealed_at,
            "content_sha256": addendum.content_sha256,
            "seal_sha256": addendum.seal_sha256,
            "original_sealed_at": original.sealed_at,
            "original_content_sha256": original.content_sha256,
        }
    raise ValueError(f"not an addendum email: {message.kind!r}")
