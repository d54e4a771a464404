"""Addenda: how an author corrects or adds to advice that is already sealed.

Sealed advice never changes (DOMAIN.md, "Why lock verbatim matters"); a correction comes only
as an addendum by the advice's author. An addendum is a new row of ``sealed_advice`` pointing
at the original (``addendum_to_id``), sealed in its own right as the next link of the one seal
chain, with a canonical document of its own (format ``advice-hub-addendum/1``) that commits to
the original's fingerprint and seal. The original stays exactly as it was.

The author may add one through their own link for ``ADDENDUM_DAYS`` after sealing, or at any
time through the link a case officer sends with an addendum request. The functions change the
session and never commit.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from advice_hub.models import (
    AdviceRequest,
    AssessmentStatus,
    AuditEvent,
    MessageKind,
    OutboxMessage,
    RequestStatus,
    SealedAdvice,
)
from advice_hub.outbox import queue_message
from advice_hub.sealing.audit import record_event

# The one definition of "the head of the seal chain, under the ledger's lock": an addendum
# must take the same lock and read the same head as a seal, or the chain could fork.
from advice_hub.sealing.seals import append_to_seal_chain, verify_sealed
from forms.text import CONTROL_CHARACTERS

FORMAT = "advice-hub-addendum/1"
REQUESTED = "addendum.requested"
SEALED = "advice.addendum_sealed"

# The longest text each input takes; the web forms check the same limits first.
TEXT_MAX = 10_000
REASON_MAX = 2_000
NOTE_MAX = 2_000
NAME_MAX = 200
REGISTRATION_MAX = 100
DECLARATION_KEYS = ("name", "role", "signed_on", "registration_body", "registration_number")


class AddendumError(ValueError):
    """An input the domain refuses; `field` names the input at fault when there is one."""

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


class AddendumNotAllowedError(AddendumError):
    """No addendum can be added (or asked for) here: not sealed, not the original, or the
    assessment is closed."""


def _text(value: Any, *, field: str, what: str, limit: int, required: bool = True) -> str:
    if not isinstance(value, str):
        raise AddendumError(f"Enter {what}", field=field)
    if required and not value.strip():
        raise AddendumError(f"Enter {what}", field=field)
    if len(value) > limit:
        raise AddendumError(
            f"{what[:1].upper()}{what[1:]} must be {limit:,} characters or fewer", field=field
        )
    if CONTROL_CHARACTERS.search(value):
        raise AddendumError(
            f"{what[:1].upper()}{what[1:]} contains a hidden control character that cannot be "
            "saved. Retype the text rather than pasting it.",
            field=field,
        )
    return value


def _checked_declaration(declaration: dict[str, Any]) -> dict[str, str]:
    unknown = set(declaration) - set(DECLARATION_KEYS)
    if unknown:
        raise AddendumError(f"Unknown declaration entries: {', '.join(sorted(unknown))}")
    checked = {
        "name": _text(declaration.get("name"), field="name", what="your full name", limit=NAME_MAX),
        "role": _text(declaration.get("role"), field="role", what="your role", limit=NAME_MAX),
    }
    for key in ("signed_on", "registration_body", "registration_number"):
        if declaration.get(key):
            what = key.replace("_", " ")
            checked[key] = _text(declaration[key], field=key, what=what, limit=REGISTRATION_MAX)
    return checked


def _ensure_original_open(original: SealedAdvice) -> AdviceRequest:
    if original.addendum_to_id is not None:
        raise AddendumNotAllowedError("An addendum is added to the advice itself, not to another")
    advice_request = original.advice_request
    if advice_request.assessment.status == AssessmentStatus.CLOSED:
        raise AddendumNotAllowedError("This assessment is closed, so its advice cannot change")
    return advice_request


def addendum_window_ends(original: SealedAdvice, addendum_days: int) -> datetime:
    """When the author's own link stops taking addenda to this advice (ADDENDUM_DAYS)."""
    return original.sealed_at + timedelta(days=addendum_days)


def can_add_addendum(
    original: SealedAdvice,
    now: datetime,
    addendum_days: int,
    *,
    through_addendum_request: bool = False,
) -> bool:
    """Whether the author may add an addendum to `original` now.

    Through their own link: for ADDENDUM_DAYS after the advice was sealed. Through the link
    of an addendum request a case officer sent (`through_addendum_request`): at any time.
    Never to an addendum, and never once the assessment is closed.
    """
    try:
        _ensure_original_open(original)
    except AddendumNotAllowedError:
        return False
    return through_addendum_request or now < addendum_window_ends(original, addendum_days)


def addendum_document(
    original: SealedAdvice,
    *,
    text: str,
    reason: str,
    declaration: dict[str, str],
    sealed_at: datetime,
) -> dict[str, Any]:
    """What an addendum's seal covers: the original it refers to (by fingerprint and seal),
    the pinned template, the addendum and why it was added, and its author's declaration."""
    advice_request = original.advice_request
    return {
        "format": FORMAT,
        "addendum_to": {
            "content_sha256": original.content_sha256,
            "seal_sha256": original.seal_sha256,
        },
        "advice_request_id": str(advice_request.id),
        "assessment_reference": advice_request.assessment.reference,
        "agency": advice_request.agency,
        "template": {
            "key": advice_request.template_key,
            "version": advice_request.template_version,
        },
        # Top-level strings, so a reader that knows only the seal format (the section K
        # appendix) still shows the author's words, as "Addendum" then "Reason".
        "addendum": text,
        "reason": reason,
        "declaration": declaration,
        "sealed_at": sealed_at.isoformat(),
    }


def seal_addendum(
    session: Session,
    original: SealedAdvice,
    *,
    text: str,
    reason: str,
    declaration: dict[str, Any],
    now: datetime,
    actor: str,
) -> SealedAdvice:
    """Seal an addendum to `original` as the next link of the seal chain; queue its receipt.

    `text` and `reason` are the author's words, kept exactly as given; `declaration` holds
    their name and role, and the date and registration where given. The caller decides
    whether the author may add one now (`can_add_addendum`). Raises AddendumError naming the
    input at fault, or AddendumNotAllowedError.
    """
    advice_request = _ensure_original_open(original)
    _text(text, field="text", what="your addendum", limit=TEXT_MAX)
    _text(reason, field="reason", what="why you are adding it", limit=REASON_MAX)
    signed = _checked_declaration(declaration)
    document = addendum_document(
        original, text=text, reason=reason, declaration=signed, sealed_at=now
    )
    addendum = append_to_seal_chain(
        session, advice_request, document, sealed_at=now, addendum_to_id=original.id
    )
    session.expire(original, ["addenda"])  # read afresh, with the new addendum in chain order
    queue_message(session, advice_request, MessageKind.ADDENDUM_RECEIPT, now=now)
    # The audit log never holds the author's words, only the fingerprints.
    record_event(
        session,
        actor=actor,
        action=SEALED,
        now=now,
        advice_request=advice_request,
        content_sha256=addendum.content_sha256,
        addendum_to=original.content_sha256,
    )
    return addendum


def request_addendum(
    session: Session,
    advice_request: AdviceRequest,
    *,
    note: str,
    now: datetime,
    actor: str,
) -> OutboxMessage:
    """Ask the author of sealed advice for an addendum: an email with the case officer's note
    and a fresh link (LinkPurpose.ADDENDUM) that takes one at any time.

    The note is kept in the audit event, the only record of the request; the email is
    composed from it when it is sent.
    """
    original = advice_request.sealed
    if original is None or advice_request.status != RequestStatus.SUBMITTED:
        raise AddendumNotAllowedError("There is no sealed advice to add to yet")
    _ensure_original_open(original)
    _text(note, field="note", what="what you are asking the author for", limit=NOTE_MAX)
    message = queue_message(session, advice_request, MessageKind.ADDENDUM_REQUEST, now=now)
    record_event(
        session,
        actor=actor,
        action=REQUESTED,
        now=now,
        advice_request=advice_request,
        sequence=message.sequence,
        note=note,
    )
    return message


def addendum_requests(session: Session, advice_request: AdviceRequest) -> list[AuditEvent]:
    """Every addendum request a case officer sent for this advice, oldest first."""
    return list(
        session.scalars(
            select(AuditEvent)
            .where(
                AuditEvent.advice_request_id == advice_request.id,
                AuditEvent.action == REQUESTED,
            )
            .order_by(AuditEvent.id)
        )
    )


def addendum_request_note(
    session: Session, advice_request: AdviceRequest, sequence: int | None = None
) -> str | None:
    """The case officer's note for the addendum request sent as email `sequence` (the latest
    when None)."""
    events = addendum_requests(session, advice_request)
    if sequence is not None:
        events = [e for e in events if e.detail.get("sequence") == sequence]
    return str(events[-1].detail["note"]) if events else None


@dataclass(frozen=True)
class AddendumView:
    """One sealed addendum as pages show it."""

    sealed: SealedAdvice
    number: int
    text: str
    reason: str
    declaration: dict[str, str]
    intact: bool


def addenda_of(original: SealedAdvice | None) -> list[AddendumView]:
    """The addenda to `original` in chain order, each read from its own sealed text."""
    if original is None:
        return []
    views = []
    for number, sealed in enumerate(original.addenda, start=1):
        document = json.loads(sealed.canonical)
        views.append(
            AddendumView(
                sealed=sealed,
                number=number,
                text=document["addendum"],
                reason=document["reason"],
                declaration=document["declaration"],
                intact=verify_sealed(sealed),
            )
        )
    return views
