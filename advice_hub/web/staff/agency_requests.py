"""An agency lead's page: every request made of their agency across the council's teams,
read only: what is still open (the earliest due first) and the advice sealed lately, each
sealed piece one click away (that view is audited like any other).

Each list pages on its own by keyset cursor (``assessments.agency_queue``), its position in
the query string (``open``, ``sealed``) kept in the other's links. The page sends the same
statements whatever the data held or the depth of either list: a page of each, one count of
both."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from flask import render_template, request, url_for
from sqlalchemy.orm import joinedload

from advice_hub.assessments.agency_queue import (
    SEALED_WITHIN,
    open_requests_page,
    queue_counts,
    sealed_advice_page,
)
from advice_hub.assessments.keyset import CursorError
from advice_hub.assessments.listing import Page
from advice_hub.deadlines import london_date
from advice_hub.models import AdviceRequest, Agency, Assessment, utcnow
from advice_hub.web.db_session import db
from advice_hub.web.staff.blueprint import bp
from advice_hub.web.staff.sign_in import signed_in_user

# The query string's names for where each list starts, and the section each link lands on.
OPEN, SEALED = "open", "sealed"
SECTIONS = {OPEN: "open-requests", SEALED: "sealed-advice"}
# Everything each line shows, in the page's own statement: no query per line.
ROW_OPTIONS = (
    joinedload(AdviceRequest.contributor),
    joinedload(AdviceRequest.assessment).joinedload(Assessment.team),
    joinedload(AdviceRequest.assessment).joinedload(Assessment.case_officer),
)


def _link(kept: dict[str, str | None], **changes: str | None) -> str:
    """This page with one list moved to ``changes`` and the other where it is."""
    merged = {**kept, **changes}
    query = {k: v for k, v in merged.items() if v}
    (moved,) = changes  # the section whose position changes: the link lands on it
    return (
        url_for("staff.agency_requests")
        + ("?" + urlencode(query) if query else "")
        + f"#{SECTIONS[moved]}"
    )


@bp.route("/agency-requests")
def agency_requests() -> Any:
    user = signed_in_user()
    if user.agency is None:
        return render_template(
            "staff/agency_requests.html", page_title="Your agency's requests", agency=None
        )
    session = db()
    now = utcnow()
    agency = Agency(user.agency)
    since = now - SEALED_WITHIN
    kept: dict[str, str | None] = {name: request.args.get(name) or None for name in SECTIONS}
    errors: list[dict[str, str]] = []
    broken: set[str] = set()
    open_page = sealed_page = Page[AdviceRequest]([], None, None)
    try:
        open_page = open_requests_page(
            session, agency=agency, cursor=kept[OPEN], options=ROW_OPTIONS
        )
    except CursorError as exc:
        errors.append({"text": str(exc), "href": f"#{SECTIONS[OPEN]}"})
        broken.add(OPEN)
    try:
        sealed_page = sealed_advice_page(
            session, agency=agency, since=since, cursor=kept[SEALED], options=ROW_OPTIONS
        )
    except CursorError as exc:
        errors.append({"text": str(exc), "href": f"#{SECTIONS[SEALED]}"})
        broken.add(SEALED)
    for name in broken:  # the other list's links do not carry a link that cannot be used
        kept[name] = None
    context = {
        "page_title": "Your agency's requests",
        "errors": errors,
        "form_has_errors": bool(errors),
        "broken": broken,
        "agency": agency,
        "open_page": open_page,
        "sealed_page": sealed_page,
        "counts": queue_counts(session, agency=agency, since=since),
        "sealed_within_days": SEALED_WITHIN.days,
        "sections": SECTIONS,
        "link": lambda **changes: _link(kept, **changes),
        "today": london_date(now),
    }
    return render_template("staff/agency_requests.html", **context), (400 if errors else 200)
