"""Text hygiene for answers: line endings, and characters that never come from a keyboard."""

from __future__ import annotations

import re
from typing import Any

from flask import g
from wtforms.validators import ValidationError

# C0 control characters other than tab, newline and carriage return cannot be stored safely
# (PostgreSQL refuses NUL) and never come from a keyboard.
CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def clean_text(value: str | None) -> str:
    """Browser line endings to \\n and surrounding white space trimmed; content untouched."""
    if value is None:
        return ""
    return value.replace("\r\n", "\n").replace("\r", "\n").strip()


class NoControlCharacters:
    """Refuses text with NUL or other control characters, with a message a person can act on."""

    def __call__(self, form: Any, field: Any) -> None:
        # Bytes that are not UTF-8 arrive as U+FFFD (multipart) or are noted per field by
        # advice_hub.web.encoding (URL-encoded forms, where they stay as %XX).
        if field.name in g.get("undecodable_fields", ()) or (
            isinstance(field.data, str) and "\ufffd" in field.data
        ):
            raise ValidationError(
                f"{field.label.text} contains characters that could not be read, perhaps "
                "pasted from another program. Retype the parts marked \ufffd."
            )
        if isinstance(field.data, str) and CONTROL_CHARACTERS.search(field.data):
            raise ValidationError(
                f"{field.label.text} contains a hidden control character that cannot be "
                "saved. Retype the text rather than pasting it."
            )
