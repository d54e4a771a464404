"""The emailed links: /a/ (a contributor's request), /r/ (a reviewer's sign-off) and /x/ (an
addendum request). Link scanners open links before people do, so GET shows a start page and
changes nothing; Start (a POST) exchanges the token for a `__Host-` cookie for that one request
(see ``access``) and redirects to a URL without the token.
"""

from __future__ import annotations

from typing import Any

from flask import redirect, render_template, url_for

from advice_hub.models import utcnow
from advice_hub.requests.links import find_usable_token, redeem_link_token
from advice_hub.sealing.addenda import LINK_PURPOSE, addendum_request_note
from advice_hub.transactions import committing
from advice_hub.web.contributor.access import grant_access
from advice_hub.web.contributor.addenda import addendum_context
from advice_hub.web.contributor.blueprint import bp
from advice_hub.web.contributor.form import page_context
from advice_hub.web.db_session import db
from forms import load_template


@bp.route("/a/<token>", methods=["GET"])
def start(token: str) -> Any:
    link = find_usable_token(db(), token, now=utcnow())
    if link is None:
        return render_template("contributor/link_invalid.html", page_title="Link not valid"), 404
    return render_template(
        "contributor/start.html", page_title="Give your advice", **page_context(link.advice_request)
    )


@bp.route("/a/<token>", methods=["POST"])
def redeem(token: str) -> Any:
    session = db()
    link = find_usable_token(session, token, now=utcnow())
    if link is None:
        return render_template("contributor/link_invalid.html", page_title="Link not valid"), 404
    with committing(session):
        advice_request = redeem_link_token(session, link, now=utcnow())
    response = redirect(url_for("contributor.form", request_id=advice_request.id), code=303)
    grant_access(response, link)
    return response


@bp.route("/r/<token>", methods=["GET"])
def review_start(token: str) -> Any:
    link = find_usable_token(db(), token, now=utcnow(), purpose="review")
    if link is None:
        return render_template("contributor/link_invalid.html", page_title="Link not valid"), 404
    advice_request = link.advice_request
    return render_template(
        "contributor/review/start.html",
        page_title="Sign off advice",
        advice_request=advice_request,
        assessment=advice_request.assessment,
        template=load_template(advice_request.template_key, advice_request.template_version),
    )


@bp.route("/r/<token>", methods=["POST"])
def review_redeem(token: str) -> Any:
    session = db()
    link = find_usable_token(session, token, now=utcnow(), purpose="review")
    if link is None:
        return render_template("contributor/link_invalid.html", page_title="Link not valid"), 404
    with committing(session):
        link.redeemed_at = link.redeemed_at or utcnow()
    response = redirect(url_for("contributor.review", request_id=link.advice_request_id), code=303)
    grant_access(response, link)
    return response


@bp.route("/x/<token>", methods=["GET"])
def addendum_start(token: str) -> Any:
    session = db()
    link = find_usable_token(session, token, now=utcnow(), purpose=LINK_PURPOSE)
    original = link.advice_request.sealed if link is not None else None
    if link is None or original is None:
        return render_template("contributor/link_invalid.html", page_title="Link not valid"), 404
    return render_template(
        "contributor/addenda/start.html",
        page_title="Add an addendum to your advice",
        note=addendum_request_note(session, link.advice_request),
        **addendum_context(link.advice_request, original),
    )


@bp.route("/x/<token>", methods=["POST"])
def addendum_redeem(token: str) -> Any:
    session = db()
    link = find_usable_token(session, token, now=utcnow(), purpose=LINK_PURPOSE)
    if link is None or link.advice_request.sealed is None:
        return render_template("contributor/link_invalid.html", page_title="Link not valid"), 404
    with committing(session):
        link.redeemed_at = link.redeemed_at or utcnow()
    response = redirect(
        url_for("contributor.add_addendum", request_id=link.advice_request_id), code=303
    )
    grant_access(response, link)
    return response
