"""Statutory date arithmetic (SEND Regulations 2014). Dates are Europe/London; instants UTC."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

LONDON = ZoneInfo("Europe/London")
ADVICE_PERIOD = timedelta(weeks=6)  # reg 8(1): advice within 6 weeks of receiving the request


def london_date(instant: datetime) -> date:
    """The calendar date in England at an aware instant."""
    if instant.tzinfo is None:
        raise ValueError("an instant must be timezone-aware")
    return instant.astimezone(LONDON).date()


def advice_due_on(received_at: datetime) -> date:
    """The last day for advice: 6 weeks from the day the request was received."""
    return london_date(received_at) + ADVICE_PERIOD
