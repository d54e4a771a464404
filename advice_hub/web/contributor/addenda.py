"""The author's addendum to advice already sealed, sealed in its own right beside it.

- /advice/<id>/addendum: from the submitted page, with the author's own access, for
  ADDENDUM_DAYS after sealing; or at any time with the access an addendum request's link gives.
- The link a case officer's addendum request emails (LinkPurpose.ADDENDUM, see ``links``):
  GET shows a start page and changes nothing (mail scanners open links first); Start (a POST)
  exchanges the token for a `__Host-` cookie for that one request, as the contributor's own
  link does, and redirects without the token.
- /advice/<id>/addenda/<n>: the confirmation, with the addendum's fingerprint.

Nothing typed is lost to a bad input or a lapsed page: every refusal shows the page again with
what was typed and a message on the input at fault.
"""

from __future__ import annotations

import json
import uuid
from typing import Any

from flask import abort, redirect, render_template, request, url_for
from wtforms.validators import DataRequired

from advice_hub.assessments.contact import council_contact
from advice_hub.deadlines import london_date
from advice_hub.models import AdviceRequest, LinkPurpose, SealedAdvice, utcnow
from advice_hub.sealing.addenda import (
    AddendumError,
    AddendumNotAllowedError,
    addenda_of,
    addendum_request_note,
    can_add_addendum,
    seal_addendum,
)
from advice_hub.services import current_services
from advice_hub.transactions import committing
from advice_hub.web.contributor.access import AccessDenied, contributor_actor, granted_request
from advice_hub.web.contributor.addenda_forms import AddendumForm
from advice_hub.web.contributor.blueprint import bp
from advice_hub.web.contributor.forms import (
    DeclarationForm,
    declaration_form,
    signed_declaration,
)
from advice_hub.web.db_session import db
from advice_hub.web.formkit import form_page, page_errors
from forms import load_template

BUTTON = "Seal and send addendum"


def _granted(request_id: uuid.UUID, *, allow_stale: bool = False) -> tuple[AdviceRequest, bool]:
    """The request this browser may add to, and whether through an addendum request's link.

    That link opens only this, with a cookie of its own (access.COOKIE_PREFIX), so the
    author's access to their form never stands in for it, nor it for theirs."""
    try:
        return (
            granted_request(request_id, allow_stale=allow_stale, purpose=LinkPurpose.ADDENDUM),
            True,
        )
    except AccessDenied as through_link:
        try:
            return granted_request(request_id, allow_stale=allow_stale), False
        except AccessDenied as own:
            reasons = {through_link.reason, own.reason}
            raise AccessDenied("expired" if "expired" in reasons else "no_access") from None


def addendum_context(
    advice_request: AdviceRequest, original: SealedAdvice, *, through_link: bool | None = None
) -> dict[str, Any]:
    """What every addendum page shows. `through_link` says which access this browser holds
    (None before it has any): the header leads where that access opens."""
    document = json.loads(original.canonical)
    submitted = url_for("contributor.submitted", request_id=advice_request.id)
    home_url = "/"
    if through_link is not None:
        home_url = (
            url_for("contributor.add_addendum", request_id=advice_request.id)
            if through_link
            else submitted
        )
    return {
        "home_url": home_url,
        "back_url": submitted if through_link is False else None,
        "advice_request": advice_request,
        "assessment": advice_request.assessment,
        "original": original,
        "document": document,
        "template": load_template(document["template"]["key"], document["template"]["version"]),
    }


def _forms(template: Any) -> tuple[AddendumForm, DeclarationForm]:
    declaration = declaration_form(template)
    declaration.confirm.label.text = (
        "I confirm this addendum is mine, given within my own knowledge and expertise"
        if template.audience == "professional"
        else "I confirm this is what I want to add"
    )
    # A new list for this form only: the field class's own list is shared by every form.
    declaration.confirm.validators = [DataRequired("Confirm this addendum is yours")]
    return AddendumForm(), declaration


def _refuse(texts: AddendumForm, declaration: DeclarationForm, exc: AddendumError) -> None:
    """Put the domain's message on the input it names (the addendum itself if none)."""
    field = texts._fields.get(exc.field or "") or declaration._fields.get(exc.field or "")
    field = field or texts.text
    field.errors = [*field.errors, str(exc)]


@bp.route("/advice/<uuid:request_id>/addendum", methods=["GET", "POST"])
def add_addendum(request_id: uuid.UUID, stale_token: bool = False) -> Any:
    session = db()
    advice_request, through_link = _granted(request_id, allow_stale=request.method == "POST")
    original = advice_request.sealed
    if original is None:
        return redirect(url_for("contributor.form", request_id=request_id))
    days = current_services().settings.addendum_days
    context = addendum_context(advice_request, original, through_link=through_link)
    if not can_add_addendum(original, utcnow(), days, through_addendum_request=through_link):
        return _period_over(context)
    texts, declaration = _forms(context["template"])
    if request.method == "GET":
        # The same author: their declaration as sealed with the advice, to check and confirm.
        signed = context["document"].get("declaration", {})
        declaration.name.data, declaration.role.data = signed.get("name"), signed.get("role")
        if "registration_body" in declaration._fields and signed.get("registration_body"):
            declaration.registration_body.data = signed["registration_body"]
            declaration.registration_number.data = signed.get("registration_number")
    elif not stale_token and texts.validate() & declaration.validate():
        try:
            with committing(session):
                seal_addendum(
                    session,
                    original,
                    text=texts.text.data,
                    reason=texts.reason.data,
                    declaration=signed_declaration(context["template"], declaration),
                    now=utcnow(),
                    actor=contributor_actor(advice_request),
                )
        except AddendumNotAllowedError:
            return _period_over(context)
        except AddendumError as exc:
            _refuse(texts, declaration, exc)
        else:
            number = len(original.addenda)
            return redirect(
                url_for("contributor.addendum_sealed", request_id=request_id, number=number),
                code=303,
            )
    errors = page_errors(
        texts, declaration, lapsed=stale_token, button=BUTTON, href=f"#{texts.text.id}"
    )
    return form_page(
        "contributor/addenda/add.html",
        title="Add an addendum to your advice",
        errors=errors,
        texts=texts,
        form=declaration,
        button=BUTTON,
        today=london_date(utcnow()),
        note=addendum_request_note(session, advice_request) if through_link else None,
        **context,
    )


def _period_over(context: dict[str, Any]) -> Any:
    contact = council_contact(context["assessment"], current_services().settings)
    return render_template(
        "contributor/addenda/period_over.html",
        page_title="You cannot add an addendum with this link",
        officer_name=contact.name,
        officer_email=contact.email,
        **context,
    ), 403


@bp.route("/advice/<uuid:request_id>/addenda/<int:number>")
def addendum_sealed(request_id: uuid.UUID, number: int) -> Any:
    """The confirmation: the addendum sealed, with its fingerprint and date."""
    advice_request, through_link = _granted(request_id)
    original = advice_request.sealed
    addenda = addenda_of(original)
    if original is None or not 1 <= number <= len(addenda):
        abort(404)
    return render_template(
        "contributor/addenda/sealed.html",
        page_title="Addendum sealed",
        addendum=addenda[number - 1],
        **addendum_context(advice_request, original, through_link=through_link),
    )
