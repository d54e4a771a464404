"""The case officer asks the author of sealed advice for an addendum.

Linked from the sealed advice page. The note is required: it is what the author reads in the
email, beside a fresh link that takes an addendum at any time. POST/redirect/GET; a refusal or
a lapsed security token shows the page again with what was typed.
"""

from __future__ import annotations

import uuid
from typing import Any

from flask import abort, flash, redirect, request, url_for

from advice_hub.models import AdviceRequest, AssessmentStatus, utcnow
from advice_hub.sealing.addenda import (
    AddendumError,
    AddendumNotAllowedError,
    addendum_requests,
    request_addendum,
)
from advice_hub.transactions import committing
from advice_hub.web.db_session import db
from advice_hub.web.formkit import form_page, page_errors
from advice_hub.web.staff.blueprint import bp
from advice_hub.web.staff.forms import AddendumRequestForm
from advice_hub.web.staff.lookup import request_or_404
from advice_hub.web.staff.sign_in import staff_actor

BUTTON = "Send the request"
SUBMIT_ID = "submit-action"  # where a refusal about no one input links to


def _sealed_request(assessment_id: uuid.UUID, request_id: uuid.UUID) -> AdviceRequest:
    advice_request = request_or_404(assessment_id, request_id)
    if advice_request.sealed is None:
        abort(404)
    return advice_request


@bp.route(
    "/assessments/<uuid:assessment_id>/advice/<uuid:request_id>/addendum-request",
    methods=["GET", "POST"],
    endpoint="request_addendum",
)
def request_addendum_page(
    assessment_id: uuid.UUID, request_id: uuid.UUID, stale_token: bool = False
) -> Any:
    session = db()
    advice_request = _sealed_request(assessment_id, request_id)
    back_url = url_for("staff.sealed_advice", assessment_id=assessment_id, request_id=request_id)
    if request.method == "GET" and advice_request.assessment.status == AssessmentStatus.CLOSED:
        flash("This assessment is closed, so its advice cannot change")
        return redirect(back_url, code=303)
    form = AddendumRequestForm()
    general: list[dict[str, str]] = []
    if request.method == "POST" and not stale_token and form.validate_on_submit():
        try:
            with committing(session):
                request_addendum(
                    session, advice_request, note=form.note.data, now=utcnow(), actor=staff_actor()
                )
        except AddendumNotAllowedError as exc:  # nothing on this page can change that
            flash(str(exc))
            return redirect(back_url, code=303)
        except AddendumError as exc:
            if exc.field == "note":
                form.note.errors = [*form.note.errors, str(exc)]
            else:
                general.append({"text": str(exc), "href": f"#{SUBMIT_ID}"})
        else:
            flash(
                f"Addendum requested: {advice_request.contributor.name} is emailed a link "
                "to add one"
            )
            return redirect(back_url, code=303)
    errors = general + page_errors(form, lapsed=stale_token, button=BUTTON, href=f"#{form.note.id}")
    return form_page(
        "staff/request_addendum.html",
        title="Ask the author for an addendum",
        errors=errors,
        form=form,
        advice_request=advice_request,
        assessment=advice_request.assessment,
        earlier=addendum_requests(session, advice_request),
        back_url=back_url,
        button=BUTTON,
        submit_id=SUBMIT_ID,
    )
