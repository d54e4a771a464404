"""Sealing submitted advice: a canonical form, its SHA-256, and a chain of seals.

Canonical form: a JSON object, strings in Unicode NFC, keys sorted, separators "," and ":",
no insignificant white space, non-ASCII characters as themselves, encoded as UTF-8.
    content_sha256 = SHA-256(canonical bytes)
    seal_sha256    = SHA-256(ASCII(previous seal_sha256 or 64 zeros + ":" + content_sha256))
so each seal commits to every seal before it.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from advice_hub.models import (
    AdviceRequest,
    SealedAdvice,
)
from advice_hub.sealing.ledger import (
    GENESIS,  # noqa: F401 - part of this module's public face: the first seal's "previous"
    canonical_json,
    chain_link,
    sha256_hex,
    take_ledger_lock,
)
from forms import load_template
from forms.answers import complete_answers

FORMAT = "advice-hub-seal/1"


def chain_seal(previous_seal_sha256: str | None, content_sha256: str) -> str:
    """The seal that commits to this advice and, through the previous seal, to all before."""
    return chain_link(previous_seal_sha256, content_sha256)


def sealed_document(
    advice_request: AdviceRequest,
    answers: dict[str, Any],
    declaration: dict[str, str],
    sealed_at: datetime,
    attachments: list[dict[str, Any]],
) -> dict[str, Any]:
    """What a seal covers: the answers against the pinned template, the attached files'
    fingerprints, and the declaration."""
    template = load_template(advice_request.template_key, advice_request.template_version)
    return {
        "format": FORMAT,
        "advice_request_id": str(advice_request.id),
        "assessment_reference": advice_request.assessment.reference,
        "agency": advice_request.agency,
        "template": {"key": template.key, "version": template.version},
        "answers": complete_answers(template, answers),
        "attachments": attachments,
        "declaration": declaration,
        "sealed_at": sealed_at.isoformat(),
    }


def _chain_head(session: Session) -> SealedAdvice | None:
    """The last sealed row (advice or addendum), with the ledger's append lock held."""
    # On SQLite the transaction began IMMEDIATE, which already serialises writers.
    take_ledger_lock(session)
    return session.scalar(select(SealedAdvice).order_by(SealedAdvice.chain_index.desc()).limit(1))


def append_to_seal_chain(
    session: Session,
    advice_request: AdviceRequest,
    document: dict[str, Any],
    *,
    sealed_at: datetime,
    addendum_to_id: int | None = None,
) -> SealedAdvice:
    """Seal ``document`` as the next link of the chain (advice, or an addendum to it)."""
    canonical = canonical_json(document)
    content = sha256_hex(canonical)
    head = _chain_head(session)
    previous = head.seal_sha256 if head is not None else None
    sealed = SealedAdvice(
        advice_request=advice_request,
        # The id, not the relationship: setting `addendum_to` would also append to the
        # original's `addenda`, and the session refuses any change to a sealed row.
        addendum_to_id=addendum_to_id,
        chain_index=(head.chain_index + 1) if head is not None else 1,
        canonical=canonical,
        content_sha256=content,
        previous_seal_sha256=previous,
        seal_sha256=chain_seal(previous, content),
        sealed_at=sealed_at,
    )
    session.add(sealed)
    session.flush()
    return sealed


def verify_sealed(sealed: SealedAdvice) -> bool:
    """Whether a sealed row's canonical text still matches its fingerprint and seal."""
    return sha256_hex(sealed.canonical) == sealed.content_sha256 and sealed.seal_sha256 == (
        chain_seal(sealed.previous_seal_sha256, sealed.content_sha256)
    )
