"""The emailed links: a contributor's request, a reviewer's sign-off and an addendum request,
one pair of routes for each LinkPurpose at its path in ``LINK_PATHS``. Link scanners open links
before people do, so GET shows a start page and changes nothing; Start (a POST) exchanges the
token for a `__Host-` cookie for that one request (see ``access``) and redirects to a URL
without the token.

What differs by purpose is a `StartPage`: the page GET shows and the page Start leads to.

A contributor's link to a request closed without advice (passed on, declined, withdrawn) opens
the page that says what happened, when and to whom, whether or not the link still stands; a
link past its expiry says so, and who can send a new one.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from flask import redirect, render_template, url_for
from sqlalchemy.orm import Session

from advice_hub.assessments.contact import council_contact
from advice_hub.models import AdviceRequest, LinkPurpose, utcnow
from advice_hub.requests.links import (
    LINK_PATHS,
    exchange_link_token,
    find_token,
    find_usable_token,
)
from advice_hub.sealing.addenda import addendum_request_note
from advice_hub.services import current_services
from advice_hub.transactions import committing
from advice_hub.web.contributor.access import grant_access, tells_closure
from advice_hub.web.contributor.addenda import addendum_context
from advice_hub.web.contributor.blueprint import bp
from advice_hub.web.contributor.closure import closure_page
from advice_hub.web.contributor.form import page_context
from advice_hub.web.db_session import db
from forms import load_template


@dataclass(frozen=True)
class StartPage:
    template: str
    title: str
    context: Callable[[Session, AdviceRequest], dict[str, Any]]
    then: str  # the endpoint Start redirects to, given the request's id


def _review_context(session: Session, advice_request: AdviceRequest) -> dict[str, Any]:
    return {
        "advice_request": advice_request,
        "assessment": advice_request.assessment,
        "template": load_template(advice_request.template_key, advice_request.template_version),
    }


def _addendum_context(session: Session, advice_request: AdviceRequest) -> dict[str, Any]:
    assert advice_request.sealed is not None  # an addendum link opens only sealed advice
    return {
        "note": addendum_request_note(session, advice_request),
        **addendum_context(advice_request, advice_request.sealed),
    }


START_PAGES: dict[LinkPurpose, StartPage] = {
    LinkPurpose.CONTRIBUTE: StartPage(
        "contributor/start.html",
        "Give your advice",
        lambda _session, advice_request: page_context(advice_request),
        then="contributor.form",
    ),
    LinkPurpose.REVIEW: StartPage(
        "contributor/review/start.html",
        "Sign off advice",
        _review_context,
        then="contributor.review",
    ),
    LinkPurpose.ADDENDUM: StartPage(
        "contributor/addenda/start.html",
        "Add an addendum to your advice",
        _addendum_context,
        then="contributor.add_addendum",
    ),
}


def _link_invalid(session: Session, raw: str, purpose: LinkPurpose) -> Any:
    """A link that opens nothing, saying why: what happened to its request if it closed
    without advice, when it expired, or (not one of ours) that it may be incomplete."""
    token = find_token(session, raw)
    if token is None or token.purpose != purpose:
        return render_template(
            "contributor/link_invalid.html", page_title="This link is not valid", assessment=None
        ), 404
    advice_request = token.advice_request
    if tells_closure(advice_request, purpose):
        return closure_page(advice_request, status=410)
    contact = council_contact(advice_request.assessment, current_services().settings)
    expired = token.expires_at if token.expires_at <= utcnow() else None
    return render_template(
        "contributor/link_invalid.html",
        page_title="This link has expired" if expired else "This link no longer works",
        expired=expired,
        reminded=purpose == LinkPurpose.CONTRIBUTE,  # each reminder carries a fresh link
        assessment=advice_request.assessment,
        officer_name=contact.name,
        officer_email=contact.email,
    ), 410


def link_start(token: str, purpose: LinkPurpose) -> Any:
    """GET: the purpose's start page, changing nothing."""
    session = db()
    link = find_usable_token(session, token, now=utcnow(), purpose=purpose)
    if link is None:
        return _link_invalid(session, token, purpose)
    if tells_closure(link.advice_request, purpose):
        # Declined: the link still stands, but there is nothing to start.
        return closure_page(link.advice_request)
    page = START_PAGES[purpose]
    return render_template(
        page.template, page_title=page.title, **page.context(session, link.advice_request)
    )


def link_redeem(token: str, purpose: LinkPurpose) -> Any:
    """Start: the token for this browser's access to its one request, then on without it."""
    session = db()
    with committing(session):
        link = exchange_link_token(session, token, purpose=purpose, now=utcnow())
    if link is None:
        return _link_invalid(session, token, purpose)
    response = redirect(
        url_for(START_PAGES[purpose].then, request_id=link.advice_request_id), code=303
    )
    grant_access(response, link)
    return response


if START_PAGES.keys() != LINK_PATHS.keys():
    raise RuntimeError("every link purpose needs a start page (START_PAGES) and a path")

# One endpoint for every purpose's start page and one for its Start, the purpose a default
# of each path's rule: url_for("contributor.link_start", purpose=..., token=...).
for _purpose, _path in LINK_PATHS.items():
    for _endpoint, _view, _method in (
        ("link_start", link_start, "GET"),
        ("link_redeem", link_redeem, "POST"),
    ):
        bp.add_url_rule(
            f"{_path}<token>",
            endpoint=_endpoint,
            view_func=_view,
            methods=[_method],
            defaults={"purpose": _purpose},
        )
