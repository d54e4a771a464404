"""What every page template can use beyond GOV.UK Frontend: date, count and list filters, the
addenda of sealed advice (shown wherever the advice is), and the strict environment pages
render in, with what the base layout reads when a page says nothing of it."""

from __future__ import annotations

from collections.abc import MutableMapping
from datetime import datetime
from functools import cached_property
from typing import Any

from flask import Flask
from flask.templating import Environment
from jinja2 import Template, Undefined

from advice_hub.display import iso_long_date, joined, london_datetime, long_date, plural
from advice_hub.models import SealedAdvice, agency_label, utcnow
from advice_hub.sealing.addenda import addenda_of, addendum_window_ends, can_add_addendum
from advice_hub.services import current_services

GOVUK_TEMPLATES = "govuk_frontend_jinja/"


class PageEnvironment(Environment):
    """The pages' Jinja environment, made strict in ``advice_hub.app`` (``StrictUndefined``): a
    name, attribute or key that a page template reads and nobody supplied raises
    ``UndefinedError`` instead of rendering as an empty string.

    GOV.UK Frontend's own templates (``govuk_frontend_jinja/``) are loaded into a linked copy
    of this environment that keeps Jinja's lenient ``Undefined``: ported from Nunjucks, they
    read each optional param as ``if params.classes`` and compare with ``undefined`` and
    ``null`` as if they were keywords. What a page passes them stays strict: a misspelt
    variable in a macro's params raises where the macro uses it.
    """

    def get_template(
        self,
        name: str | Template,
        parent: str | None = None,
        globals: MutableMapping[str, Any] | None = None,
    ) -> Template:
        if isinstance(name, str) and name.startswith(GOVUK_TEMPLATES) and self.linked_to is None:
            return self._govuk.get_template(name, parent, globals)
        return super().get_template(name, parent, globals)

    @cached_property
    def _govuk(self) -> Environment:
        # Made when first used, so that it copies the settings the app gave this one.
        govuk: Environment = self.overlay(undefined=Undefined)
        return govuk


def addendum_window(sealed: SealedAdvice | None) -> datetime | None:
    """Until when the author's own link takes an addendum to `sealed`; None once it does not."""
    days = current_services().settings.addendum_days
    if sealed is None or not can_add_addendum(sealed, utcnow(), days):
        return None
    return addendum_window_ends(sealed, days)


def addendum_days() -> int:
    """How many days after sealing the author's own link takes an addendum (ADDENDUM_DAYS)."""
    return current_services().settings.addendum_days


def page_defaults() -> dict[str, Any]:
    """What ``base.html`` reads beyond each page's own ``page_title`` (and ``council_name`` and
    ``footer_links``, which the app supplies), as a page that says nothing of it gets it.

    A view passes its own value; the staff blueprint passes its home page and navigation
    whenever someone is signed in. Anything else a template reads, its view passes, unless the
    template itself says it is optional (``is defined``, ``default``).
    """
    return {
        "form_has_errors": False,  # True starts the page's title with "Error: "
        "home_url": "/",  # where the header and the service name link to
        "navigation": [],  # the service navigation's links, as govukServiceNavigation takes them
        # The signed-in member of staff's name: a sign-out button then ends the navigation.
        "sign_out_as": None,
        # Where the "Find an assessment" box above each staff page searches; None: no box.
        "find_url": None,
    }


def register(app: Flask) -> None:
    app.jinja_env.filters["long_date"] = long_date
    app.jinja_env.filters["iso_long_date"] = iso_long_date
    app.jinja_env.filters["london_datetime"] = london_datetime
    # Counts and lists are worded in one place (advice_hub.display), never by hand.
    app.jinja_env.filters["plural"] = plural
    app.jinja_env.filters["joined"] = joined
    # An agency key (a contributor's, a template's) named as Agency.label names it.
    app.jinja_env.filters["agency"] = agency_label
    app.add_template_global(addendum_window, "addendum_window")
    app.add_template_global(addendum_days, "addendum_days")
    # Pages that show sealed advice show its addenda too, each read from its own sealed text.
    app.add_template_global(addenda_of, "addenda_of")
    # App-wide, so that it runs before a blueprint's own (the staff navigation) and a view's.
    app.context_processor(page_defaults)
