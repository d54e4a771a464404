"""Vague provision wording that tribunals reject, so the form can ask for specifics.

The check only prompts; it never blocks a submission.
"""

from __future__ import annotations

import re

# Phrases that leave provision unquantified (DOMAIN.md: "access to", "regular", "as needed").
VAGUE_TERMS = (
    "access to",
    "regular",
    "regularly",
    "as required",
    "as needed",
    "when needed",
    "where needed",
    "as appropriate",
    "opportunities for",
    "opportunities to",
    "opportunity to",
    "may benefit",
    "would benefit",
    "might benefit",
    "could benefit",
    "if possible",
    "support as necessary",
)
_PATTERN = re.compile(
    r"\b(" + "|".join(re.escape(t) for t in sorted(VAGUE_TERMS, key=len, reverse=True)) + r")\b",
    re.IGNORECASE,
)


def vague_terms(text: str) -> list[str]:
    """The vague phrases in `text`, lower-cased, in order of first use, without repeats."""
    found: list[str] = []
    for match in _PATTERN.finditer(text or ""):
        term = match.group(1).lower()
        if term not in found:
            found.append(term)
    return found


def vague_wording_prompt(terms: list[str]) -> str:
    quoted = ", ".join(f"\u2018{t}\u2019" for t in terms)  # typographic quotes
    return (
        f"You wrote {quoted}. Provision that is not specific can be hard to deliver or "
        "enforce: say how often, for how long, and who delivers it. You can still continue."
    )
