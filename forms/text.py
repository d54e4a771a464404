"""Text hygiene for answers: line endings, and characters that never come from a keyboard."""

from __future__ import annotations

import re

# C0 control characters other than tab, newline and carriage return cannot be stored safely
# (PostgreSQL refuses NUL) and never come from a keyboard.
CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def clean_text(value: str | None) -> str:
    """Browser line endings to \\n and surrounding white space trimmed; content untouched."""
    if value is None:
        return ""
    return value.replace("\r\n", "\n").replace("\r", "\n").strip()
