"""Words as people in England read them, on pages, in emails, documents, the timeline and the
command's output: dates and times, counts of things, and lists.

Every count of something is worded by ``plural`` and every list in a sentence by ``joined``
(pages, emails and documents have both as Jinja filters), so "1 requests" or a list with a
stray "and" is not written by hand anywhere.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime

from advice_hub.deadlines import LONDON


def long_date(value: date | None) -> str:
    return f"{value.day} {value:%B %Y}" if value else ""


def london_datetime(value: datetime | None) -> str:
    if value is None:
        return ""
    local = value.astimezone(LONDON)
    hour = local.hour % 12 or 12
    return f"{local.day} {local:%B %Y} at {hour}:{local:%M}{'am' if local.hour < 12 else 'pm'}"


def iso_long_date(value: str | None) -> str:
    """An ISO date string (as answers keep dates) for reading."""
    return long_date(date.fromisoformat(value)) if value else ""


def plural(count: int, one: str, many: str, *, with_count: bool = True) -> str:
    """``count`` things: "1 request", "0 requests", "1,200 requests".

    Both forms are given, so irregular ones read right ("1 addendum", "2 addenda") and a
    phrase can agree with its number ("1 service does", "2 services do"). With
    ``with_count=False`` only the words: "the addendum", "the addenda".
    """
    words = one if count == 1 else many
    return f"{count:,} {words}" if with_count else words


def sentence(text: str) -> str:
    """``text`` starting with a capital, the rest as it is, to start a sentence with a name
    made for the middle of one ("health advice")."""
    return text[:1].upper() + text[1:]


def joined(items: Iterable[str], last: str = "and") -> str:
    """A list as a sentence says it: "health", "health and social care",
    "education, health and social care" (``last="or"`` for a choice)."""
    words = list(items)
    if len(words) <= 1:
        return "".join(words)
    return f"{', '.join(words[:-1])} {last} {words[-1]}"
