"""Dates and times as people in England read them: on pages, in emails, documents and the
timeline."""

from __future__ import annotations

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
