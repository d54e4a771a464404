"""What a contributor can do instead of giving advice, and the page a closed request shows.

- /advice/<id>/not-known: the child or young person is not known to their service.
- /advice/<id>/pass-on: a colleague should answer; they get a request and a link of their own.
- /advice/<id>/deadline: the advice will be late, and why (reg 8(2)).
- /advice/<id>/closed: declined, passed on or withdrawn, with when and to whom
  (``closure``; submitted goes to the receipt).

Access is the contributor's cookie for one request, as on the form itself. Nothing typed is
lost to a bad input: every refusal shows the page again with what was typed and a message.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from flask import redirect, render_template, request, url_for
from flask_wtf import FlaskForm
from wtforms import Field, FormField

from advice_hub.assessments.contact import council_contact
from advice_hub.models import CLOSED_STATUSES, AdviceRequest, RequestStatus, utcnow
from advice_hub.requests.alternatives import (
    AlternativeError,
    ClosedRequestError,
    decline_not_known,
    pass_on,
    report_deadline_cannot_be_met,
)
from advice_hub.services import current_services
from advice_hub.transactions import committing
from advice_hub.web.contributor.access import (
    AccessDenied,
    contributor_actor,
    end_access,
    granted_request,
    passed_on_here,
    remember_passed_on,
)
from advice_hub.web.contributor.alternatives_forms import DeadlineForm, NotKnownForm, PassOnForm
from advice_hub.web.contributor.blueprint import bp
from advice_hub.web.contributor.closure import closure_page
from advice_hub.web.db_session import db
from advice_hub.web.formkit import form_page, page_errors


def _context(advice_request: AdviceRequest) -> dict[str, Any]:
    assessment = advice_request.assessment
    contact = council_contact(assessment, current_services().settings)
    return {
        "advice_request": advice_request,
        "assessment": assessment,
        "officer_name": contact.name,
        "officer_email": contact.email,
        "home_url": url_for("contributor.form", request_id=advice_request.id),
    }


def _closed_redirect(advice_request: AdviceRequest) -> Any | None:
    if advice_request.status in CLOSED_STATUSES:
        return redirect(url_for("contributor.closed", request_id=advice_request.id), code=303)
    return None


def _show_refusal(form: FlaskForm, exc: AlternativeError, first: Field) -> None:
    """Put the domain's message on the field it names (the first field if none)."""
    field = form._fields.get(exc.field or "", first)
    if isinstance(field, FormField):
        field = field.form.day
    field.errors = [*field.errors, str(exc)]


@dataclass(frozen=True)
class Page:
    """One of the pages: its template, title and the words on its button."""

    template: str
    title: str
    button: str


def _offer(
    page: Page,
    form: FlaskForm,
    first: Field,
    act: Callable[[], None],
    then: Callable[[], Any],
    advice_request: AdviceRequest,
    *,
    stale_token: bool,
) -> Any:
    """On a valid POST, do what the contributor asked in one transaction and go on (``then``);
    a refusal shows the page again with what was typed and the message on the input it names
    (``first`` when it names none). Otherwise, the page."""
    if request.method == "POST" and not stale_token and form.validate():
        try:
            with committing(db()):
                act()
        except ClosedRequestError:
            return _see("contributor.closed", advice_request.id)
        except AlternativeError as exc:
            _show_refusal(form, exc, first)
        else:
            return then()
    # A radio group's errors link to its first radio, whose id is the group's own.
    errors = page_errors(form, lapsed=stale_token, button=page.button, href=f"#{first.id}")
    return form_page(
        page.template,
        title=page.title,
        errors=errors,
        form=form,
        button=page.button,
        **_context(advice_request),
    )


def _see(endpoint: str, request_id: uuid.UUID) -> Any:
    return redirect(url_for(endpoint, request_id=request_id), code=303)


NOT_KNOWN = Page(
    "contributor/alternatives/not_known.html",
    "This child or young person is not known to our service",
    "Send to the case officer",
)


@bp.route("/advice/<uuid:request_id>/not-known", methods=["GET", "POST"])
def not_known(request_id: uuid.UUID, stale_token: bool = False) -> Any:
    advice_request = granted_request(request_id, allow_stale=request.method == "POST")
    if (closed_page := _closed_redirect(advice_request)) is not None:
        return closed_page
    contributor = advice_request.contributor
    if request.method == "GET":
        form = NotKnownForm(data={"name": contributor.name, "role": contributor.role})
    else:
        form = NotKnownForm()

    def act() -> None:
        decline_not_known(
            db(),
            advice_request,
            what_we_know=form.what_we_know.data,
            name=form.name.data,
            role=form.role.data,
            now=utcnow(),
            actor=contributor_actor(advice_request),
        )

    def then() -> Any:
        return _see("contributor.closed", request_id)

    return _offer(
        NOT_KNOWN, form, form.what_we_know, act, then, advice_request, stale_token=stale_token
    )


PASS_ON = Page(
    "contributor/alternatives/pass_on.html",
    "Pass this request to a colleague",
    "Pass on this request",
)


@bp.route("/advice/<uuid:request_id>/pass-on", methods=["GET", "POST"], endpoint="pass_on")
def pass_on_page(request_id: uuid.UUID, stale_token: bool = False) -> Any:
    advice_request = granted_request(request_id, allow_stale=request.method == "POST")
    if (closed_page := _closed_redirect(advice_request)) is not None:
        return closed_page
    if request.method == "GET":
        form = PassOnForm(data={"colleague_organisation": advice_request.contributor.organisation})
    else:
        form = PassOnForm()

    def act() -> None:
        pass_on(
            db(),
            advice_request,
            colleague_name=form.colleague_name.data,
            colleague_email=form.colleague_email.data,
            colleague_role=form.colleague_role.data,
            colleague_organisation=form.colleague_organisation.data,
            note=form.note.data,
            now=utcnow(),
            actor=contributor_actor(advice_request),
        )

    def then() -> Any:
        return _passed_on_redirect(request_id)

    return _offer(
        PASS_ON, form, form.colleague_name, act, then, advice_request, stale_token=stale_token
    )


def _passed_on_redirect(request_id: uuid.UUID) -> Any:
    # The link is revoked, so the cookie opens nothing: drop it, and let this browser's
    # session show the confirmation, and what happened on any page it comes back to.
    remember_passed_on(request_id)
    response = redirect(url_for("contributor.passed_on", request_id=request_id), code=303)
    end_access(response, request_id)
    return response


@bp.route("/advice/<uuid:request_id>/passed-on")
def passed_on(request_id: uuid.UUID) -> Any:
    """The confirmation, for the browser that passed the request on (its link is revoked)."""
    if not passed_on_here(request_id):
        raise AccessDenied("no_access")
    advice_request = db().get(AdviceRequest, request_id)
    if advice_request is None or advice_request.status != RequestStatus.PASSED_ON:
        raise AccessDenied("no_access")
    return closure_page(advice_request, confirmed=True)


DEADLINE = Page(
    "contributor/alternatives/deadline.html",
    "Tell us your advice will be late",
    "Send to the case officer",
)


@bp.route("/advice/<uuid:request_id>/deadline", methods=["GET", "POST"])
def deadline(request_id: uuid.UUID, stale_token: bool = False) -> Any:
    advice_request = granted_request(request_id, allow_stale=request.method == "POST")
    if (closed_page := _closed_redirect(advice_request)) is not None:
        return closed_page
    form = DeadlineForm()

    def act() -> None:
        report_deadline_cannot_be_met(
            db(),
            advice_request,
            reason=form.reason.data,
            details=form.details.data,
            expected_by=form.expected_by.form.value,
            now=utcnow(),
            actor=contributor_actor(advice_request),
        )

    def then() -> Any:
        return _see("contributor.deadline_reported", request_id)

    return _offer(DEADLINE, form, form.reason, act, then, advice_request, stale_token=stale_token)


@bp.route("/advice/<uuid:request_id>/deadline/reported")
def deadline_reported(request_id: uuid.UUID) -> Any:
    advice_request = granted_request(request_id)
    if (closed_page := _closed_redirect(advice_request)) is not None:
        return closed_page
    reports = [r for r in advice_request.deadline_reports if r.reported_by_contributor]
    if not reports:
        return redirect(url_for("contributor.deadline", request_id=request_id))
    return render_template(
        "contributor/alternatives/deadline_reported.html",
        page_title="We have recorded that your advice will be late",
        report=reports[-1],
        **_context(advice_request),
    )


@bp.route("/advice/<uuid:request_id>/closed")
def closed(request_id: uuid.UUID) -> Any:
    """What a closed request shows: the form engine sends every closed request here."""
    advice_request = granted_request(request_id)
    if advice_request.status == RequestStatus.SUBMITTED:
        return redirect(url_for("contributor.submitted", request_id=request_id))
    if advice_request.status not in CLOSED_STATUSES:
        return redirect(url_for("contributor.form", request_id=request_id))
    return closure_page(advice_request)
