"""Sealed advice from four agencies, written to be hard to show faithfully: hostile markup,
emoji, Welsh and accented letters, words too long for a line, and answers over many lines.
Shared by the appendix and /verify tests."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from advice_hub.models import (
    AdviceRequest,
    Agency,
    Assessment,
    Attachment,
    SealedAdvice,
    utcnow,
)
from advice_hub.requests.seal import seal_submission
from advice_hub.sealing.ledger import canonical_json, chain_link, sha256_hex
from forms import load_template
from tests.factories import make_assessment

HOSTILE = "<script>alert(1)</script>"
BROKEN_MARKUP = "</p><b>x"
LONG_WORD = "Llanfairpwllgwyngyllgogerychwyrndrobwllllantysiliogogogoch" * 3
LONG_URL = "https://example.org/reports/" + "speech-and-language-" * 8 + "final.pdf"

# Per agency: the first free-text answers of its template, in order.
TEXTS: dict[Agency, list[str]] = {
    Agency.EDUCATION: [
        f"Known since Reception. {HOSTILE} appears in her writing book.",
        f'She types {BROKEN_MARKUP} when asked about tags & says "it\'s fine" <3',
        "Needs <b>daily</b> phonics, 20 minutes, 1:1 with a trained TA.",
    ],
    Agency.EDUCATIONAL_PSYCHOLOGY: [
        "Mae Siân yn hoffi darllen gyda’i thad; ŵyr, ŷd, Llŷr. Zoë, Chloë, façade, naïve.",  # noqa: RUF001 - a typographic apostrophe, as people type it
        "Loves 🦕 dinosaurs and 🎨 painting 😀 👍🏽 👨‍👩‍👧 — em dash, “quotes”, £20, 5 °C.",
        "Åsa Müller-Łukasiewicz assessed with BAS-3 on 3 March.",
    ],
    Agency.HEALTH: [
        f"Seen at the clinic in {LONG_WORD} and at home.",
        f"The report is at {LONG_URL} (sent by post).",
        "0123456789abcdef" * 6 + " is the NHS system's record key.",
    ],
    Agency.SOCIAL_CARE: [
        "Line one of the history\nLine two\n\nAfter a blank line\n- first point\n- second point",
        "Short breaks:\n  one weekend a month\n  two evenings a week",
        "Known to the disability team since 2022.",
        # Longer than a page, so it crosses a page break.
        "\n".join(
            f"Week {n}: short break at Ty Gwyn, settled well; no concerns." for n in range(60)
        ),
    ],
}
ADDENDUM_TEXT = "Correction: the sessions are 30 minutes, not 20.\nAdded <i>after</i> review."
ADDENDUM_REASON = "The timetable changed after I wrote it & I'd like it right."
DECLARATIONS = {
    Agency.EDUCATION: {"name": "Priya Shah", "role": "SENCO", "signed_on": "2026-05-01"},
    Agency.EDUCATIONAL_PSYCHOLOGY: {
        "name": "Dr Rhiannon Ellis",
        "role": "Educational psychologist",
        "registration_body": "HCPC",
        "registration_number": "PYL01234",
    },
    Agency.HEALTH: {"name": "Dr Chris Jones", "role": "Community paediatrician"},
    Agency.SOCIAL_CARE: {"name": "Tom O'Neill", "role": "Social worker"},
}


@dataclass
class SealedCase:
    assessment: Assessment
    sealed: dict[Agency, SealedAdvice]
    answers: dict[Agency, list[str]]
    addendum: SealedAdvice
    file_sha256: str
    extra: dict[str, Any] = field(default_factory=dict)

    def every_text(self) -> list[str]:
        return [
            *(text for texts in self.answers.values() for text in texts),
            ADDENDUM_TEXT,
            ADDENDUM_REASON,
        ]


def free_text_keys(advice_request: AdviceRequest) -> list[str]:
    template = load_template(advice_request.template_key, advice_request.template_version)
    return [f"{s.id}.{q.id}" for s, q in template.questions() if q.kind in {"textarea", "text"}]


def seal_addendum(session: Session, original: SealedAdvice, text: str) -> SealedAdvice:
    """An addendum as its author's correction is sealed (format advice-hub-addendum/1): its
    own row in the same chain, naming the fingerprint and seal of the advice it amends."""
    now = utcnow()
    request = original.advice_request
    document = {
        "format": "advice-hub-addendum/1",
        "addendum_to": {
            "content_sha256": original.content_sha256,
            "seal_sha256": original.seal_sha256,
        },
        "advice_request_id": str(request.id),
        "assessment_reference": request.assessment.reference,
        "agency": request.agency,
        "template": {"key": request.template_key, "version": request.template_version},
        "addendum": text,
        "reason": ADDENDUM_REASON,
        "declaration": json.loads(original.canonical)["declaration"],
        "sealed_at": now.isoformat(),
    }
    canonical = canonical_json(document)
    head = session.scalar(select(SealedAdvice).order_by(SealedAdvice.chain_index.desc()).limit(1))
    assert head is not None
    content = sha256_hex(canonical)
    row = SealedAdvice(
        advice_request=request,
        addendum_to_id=original.id,
        chain_index=head.chain_index + 1,
        canonical=canonical,
        content_sha256=content,
        previous_seal_sha256=head.seal_sha256,
        seal_sha256=chain_link(head.seal_sha256, content),
        sealed_at=now,
    )
    session.add(row)
    session.commit()
    return row


def seal_four_agencies(session: Session) -> SealedCase:
    """An agreed assessment whose four professional agencies have all sealed their advice;
    the health advice has a file attached and the education advice an addendum."""
    assessment = make_assessment(
        session, agreed=True, given_names="Seren", family_name="Pritchard-Owain"
    )
    session.commit()
    by_agency = {Agency(r.agency): r for r in assessment.advice_requests}
    file_sha256 = hashlib.sha256(b"%PDF-1.7 the clinic letter").hexdigest()
    session.add(
        Attachment(
            advice_request=by_agency[Agency.HEALTH],
            filename="Clinic letter <March> & plan.pdf",
            content_type="application/pdf",
            size=245_760,
            sha256=file_sha256,
            uploaded_at=utcnow(),
        )
    )
    session.flush()
    sealed: dict[Agency, SealedAdvice] = {}
    for agency, texts in TEXTS.items():
        request = by_agency[agency]
        keys = free_text_keys(request)
        sealed[agency] = seal_submission(
            session,
            request,
            answers=dict(zip(keys, texts, strict=False)),
            declaration=DECLARATIONS[agency],
            now=utcnow(),
            actor="test",
        )
        session.commit()
    addendum = seal_addendum(session, sealed[Agency.EDUCATION], ADDENDUM_TEXT)
    return SealedCase(
        assessment=assessment,
        sealed=sealed,
        answers=TEXTS,
        addendum=addendum,
        file_sha256=file_sha256,
    )
