"""The section K appendix: every piece of sealed advice for an assessment, verbatim.

`build_appendix` gathers what the appendix shows from the sealed rows alone (never from drafts or
the contributor records, which can change after sealing): each original with its addenda, the
questions it answered from its pinned template, its attached files' fingerprints and whether its
stored text still matches its seal. ``advice_hub.documents`` turns it into a tagged A4 PDF.
Both are free of Flask, so a command or a worker can build the same document.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from advice_hub.assessments.progress import advice_progress
from advice_hub.models import (
    AdviceRequest,
    Agency,
    Assessment,
    SealedAdvice,
)
from advice_hub.requests.attachments import KINDS, readable_size
from advice_hub.sealing.seals import verify_sealed
from forms import AdviceTemplate, TemplateError, load_template

AGENCY_ORDER = {agency.value: position for position, agency in enumerate(Agency)}
# Keys of a sealed document that describe it rather than say anything: the appendix shows them
# in its own words (author, dates, fingerprints), never as the author's text.
DESCRIPTIVE_KEYS = frozenset(
    {
        "format",
        "advice_request_id",
        "assessment_reference",
        "agency",
        "template",
        "answers",
        "attachments",
        "declaration",
        "reviewed_by",
        "sealed_at",
        "addendum_to",
    }
)


@dataclass(frozen=True)
class SealedFile:
    """A file sealed with the advice: the appendix lists it with its SHA-256."""

    filename: str
    kind: str
    size: str
    sha256: str
    id: str


@dataclass(frozen=True)
class SealedPiece:
    """One sealed row (the advice, or one addendum to it) as the appendix shows it."""

    id: int
    content_sha256: str
    seal_sha256: str
    sealed_at: datetime
    # False when the stored text no longer matches its fingerprint: its text is then left out.
    intact: bool
    document: dict[str, Any]
    template: AdviceTemplate | None
    files: list[SealedFile]
    # Free text sealed outside the template's answers (an addendum's own words), in key order.
    other_text: list[tuple[str, str]]

    @property
    def declaration(self) -> dict[str, Any]:
        value = self.document.get("declaration")
        return value if isinstance(value, dict) else {}

    @property
    def author(self) -> str:
        return str(self.declaration.get("name") or "Not given")

    @property
    def role(self) -> str:
        return str(self.declaration.get("role") or "Not given")

    @property
    def registration(self) -> str:
        body = str(self.declaration.get("registration_body") or "")
        number = str(self.declaration.get("registration_number") or "")
        return f"{body} {number}".strip()

    @property
    def reviewed_by(self) -> dict[str, Any] | None:
        value = self.document.get("reviewed_by")
        return value if isinstance(value, dict) else None

    @property
    def answers(self) -> dict[str, Any]:
        value = self.document.get("answers")
        return value if isinstance(value, dict) else {}


@dataclass(frozen=True)
class AppendixItem:
    """One contributor's advice: K1, K2... with its addenda, oldest first."""

    number: str
    agency_label: str
    advice_request_id: uuid.UUID
    advice: SealedPiece
    addenda: list[SealedPiece] = field(default_factory=list)

    @property
    def title(self) -> str:
        template = self.advice.template
        return template.title if template is not None else f"{self.agency_label} advice"

    @property
    def anchor(self) -> str:
        return f"advice-{self.number.lower()}"

    @property
    def intact(self) -> bool:
        return self.advice.intact and all(a.intact for a in self.addenda)


@dataclass(frozen=True)
class Appendix:
    """What the section K appendix of one assessment holds."""

    assessment_id: uuid.UUID
    reference: str
    child_name: str
    items: list[AppendixItem]
    # The advice still awaited, as a sentence names it ("health advice"), each piece once.
    outstanding: list[str]

    @property
    def fingerprints(self) -> list[str]:
        """Every fingerprint the appendix shows, for the audit log (never the text)."""
        return [
            piece.content_sha256 for item in self.items for piece in (item.advice, *item.addenda)
        ]


def _template_of(document: dict[str, Any]) -> AdviceTemplate | None:
    """The pinned template whose questions the document answers. An addendum names its
    advice's template without answering it, so it has none to show."""
    pinned = document.get("template")
    if not isinstance(pinned, dict) or not isinstance(document.get("answers"), dict):
        return None
    try:
        return load_template(str(pinned.get("key")), int(pinned.get("version", 0)))
    except (TemplateError, TypeError, ValueError):
        return None


def _files(document: dict[str, Any]) -> list[SealedFile]:
    files = document.get("attachments")
    if not isinstance(files, list):
        return []
    return [
        SealedFile(
            filename=str(f.get("filename", "")),
            kind=KINDS.get(str(f.get("content_type", "")), str(f.get("content_type", ""))),
            size=readable_size(int(f.get("size") or 0)),
            sha256=str(f.get("sha256", "")),
            id=str(f.get("id", "")),
        )
        for f in files
        if isinstance(f, dict)
    ]


# Headings for the text an addendum seals (advice_hub/domain/addenda.py); any other key is
# shown under its own name, so a later format still shows every word its author wrote.
TEXT_HEADINGS = {"addendum": "Addendum", "reason": "Why the author added it"}


def _other_text(document: dict[str, Any]) -> list[tuple[str, str]]:
    return [
        (TEXT_HEADINGS.get(key, key.replace("_", " ").capitalize()), value)
        for key, value in sorted(document.items())
        if key not in DESCRIPTIVE_KEYS and isinstance(value, str) and value.strip()
    ]


def sealed_piece(row: SealedAdvice) -> SealedPiece:
    """How one sealed row reads in the appendix; a row whose text no longer matches its seal
    keeps only its fingerprints, so a changed text is never presented as sealed."""
    intact = verify_sealed(row)
    try:
        document = json.loads(row.canonical) if intact else {}
    except ValueError:
        intact, document = False, {}
    if not isinstance(document, dict):
        intact, document = False, {}
    return SealedPiece(
        id=row.id,
        content_sha256=row.content_sha256,
        seal_sha256=row.seal_sha256,
        sealed_at=row.sealed_at,
        intact=intact,
        document=document,
        template=_template_of(document),
        files=_files(document),
        other_text=_other_text(document),
    )


def build_appendix(session: Session, assessment: Assessment) -> Appendix:
    """Gather every piece of sealed advice for the assessment, with its addenda.

    Advice is ordered by agency (education, EP, health, social care, family...) and then by when
    it was sealed, and numbered K1, K2... in that order.
    """
    rows = session.scalars(
        select(SealedAdvice)
        .join(AdviceRequest, SealedAdvice.advice_request_id == AdviceRequest.id)
        .where(AdviceRequest.assessment_id == assessment.id)
        .order_by(SealedAdvice.chain_index)
    ).all()
    originals = [r for r in rows if r.addendum_to_id is None]
    addenda: dict[int, list[SealedAdvice]] = {}
    for row in rows:
        if row.addendum_to_id is not None:
            addenda.setdefault(row.addendum_to_id, []).append(row)
    requests = {r.id: r for r in assessment.advice_requests}
    originals.sort(
        key=lambda r: (AGENCY_ORDER.get(requests[r.advice_request_id].agency, 99), r.chain_index)
    )
    items = [
        AppendixItem(
            number=f"K{n}",
            agency_label=requests[row.advice_request_id].agency_label,
            advice_request_id=row.advice_request_id,
            advice=sealed_piece(row),
            addenda=[sealed_piece(a) for a in addenda.get(row.id, [])],
        )
        for n, row in enumerate(originals, start=1)
    ]
    progress = advice_progress(assessment.advice_requests, assessment.advice_reuses)
    outstanding = [piece.advice_name for piece in progress.awaited]
    return Appendix(
        assessment_id=assessment.id,
        reference=assessment.reference,
        child_name=f"{assessment.child_given_names} {assessment.child_family_name}",
        items=items,
        outstanding=outstanding,
    )


def build_request_appendix(session: Session, advice_request: AdviceRequest) -> Appendix:
    """One contributor's own sealed advice and its addenda, for their receipt.

    It travels by email, so the child is named as emails name them (given names, initial
    and date of birth), never in full.
    """
    rows = session.scalars(
        select(SealedAdvice)
        .where(SealedAdvice.advice_request_id == advice_request.id)
        .order_by(SealedAdvice.chain_index)
    ).all()
    originals = [r for r in rows if r.addendum_to_id is None]
    items = [
        AppendixItem(
            number="K1",
            agency_label=advice_request.agency_label,
            advice_request_id=advice_request.id,
            advice=sealed_piece(original),
            addenda=[sealed_piece(r) for r in rows if r.addendum_to_id == original.id],
        )
        for original in originals[:1]
    ]
    assessment = advice_request.assessment
    return Appendix(
        assessment_id=assessment.id,
        reference=assessment.reference,
        child_name=assessment.child_display,
        items=items,
        outstanding=[],
    )
