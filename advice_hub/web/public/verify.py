"""A public check of a fingerprint: is it sealed advice, and when was it sealed?

Anyone holding a copy of the section K appendix or a receipt (a family, a tribunal) can ask,
without signing in. The answer says nothing else: no text, no names, no agency, no assessment,
so a fingerprint reveals nothing about the child even to someone who guessed one.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from flask import render_template, request
from sqlalchemy import or_, select

from advice_hub.models import SealedAdvice
from advice_hub.web.db_session import db
from advice_hub.web.public.blueprint import bp

HEX_64 = re.compile(r"[0-9a-f]{64}")


class FingerprintError(ValueError):
    """What someone typed cannot be a fingerprint; the message says what to change."""


def normalise_fingerprint(typed: str) -> str:
    """A fingerprint as typed or pasted (any case, spaces, line breaks, or the receipt's groups
    of 8) in the lower-case form the seal uses."""
    value = "".join(typed.split()).lower()
    if not value:
        raise FingerprintError("Enter the fingerprint")
    if re.search(r"[^0-9a-f]", value):
        raise FingerprintError(
            "The fingerprint must only include the numbers 0 to 9 and the letters a to f"
        )
    if not HEX_64.fullmatch(value):
        raise FingerprintError(
            f"The fingerprint must be 64 characters long. You entered {len(value)}"
        )
    return value


@dataclass(frozen=True)
class Finding:
    """All the page may say about a fingerprint it knows."""

    what: str  # "fingerprint" or "seal"
    addendum: bool
    sealed_at: datetime


def find_sealed(fingerprint: str) -> Finding | None:
    row = (
        db()
        .execute(
            select(SealedAdvice.content_sha256, SealedAdvice.addendum_to_id, SealedAdvice.sealed_at)
            .where(
                or_(
                    SealedAdvice.content_sha256 == fingerprint,
                    SealedAdvice.seal_sha256 == fingerprint,
                )
            )
            .order_by(SealedAdvice.chain_index)
            .limit(1)
        )
        .first()
    )
    if row is None:
        return None
    return Finding(
        what="fingerprint" if row.content_sha256 == fingerprint else "seal",
        addendum=row.addendum_to_id is not None,
        sealed_at=row.sealed_at,
    )


@bp.route("/verify")
def verify() -> Any:
    typed = request.args.get("fingerprint")
    error = fingerprint = None
    finding: Finding | None = None
    if typed is not None:
        try:
            fingerprint = normalise_fingerprint(typed[:1000])
        except FingerprintError as exc:
            error = str(exc)
        else:
            finding = find_sealed(fingerprint)
    return render_template(
        "public/verify.html",
        page_title="Check a fingerprint of sealed advice",
        typed=(typed or "")[:1000],
        error=error,
        fingerprint=fingerprint,
        finding=finding,
        form_has_errors=error is not None,
    ), (400 if error else 200)
