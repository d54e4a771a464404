"""What every page template can use beyond GOV.UK Frontend: date filters, and the addenda of
sealed advice (shown wherever the advice is)."""

from __future__ import annotations

from datetime import datetime

from flask import Flask

from advice_hub.display import iso_long_date, london_datetime, long_date
from advice_hub.models import SealedAdvice, utcnow
from advice_hub.sealing.addenda import addenda_of, addendum_window_ends, can_add_addendum
from advice_hub.services import current_services


def addendum_window(sealed: SealedAdvice | None) -> datetime | None:
    """Until when the author's own link takes an addendum to `sealed`; None once it does not."""
    days = current_services().settings.addendum_days
    if sealed is None or not can_add_addendum(sealed, utcnow(), days):
        return None
    return addendum_window_ends(sealed, days)


def register(app: Flask) -> None:
    app.jinja_env.filters["long_date"] = long_date
    app.jinja_env.filters["iso_long_date"] = iso_long_date
    app.jinja_env.filters["london_datetime"] = london_datetime
    app.add_template_global(addendum_window, "addendum_window")
    # Pages that show sealed advice show its addenda too, each read from its own sealed text.
    app.add_template_global(addenda_of, "addenda_of")
