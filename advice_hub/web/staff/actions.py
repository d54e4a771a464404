"""How every case officer action page runs, one page each (see ``request_actions`` and
``assessment_actions``).

Each page posts to itself and, on success, redirects to the assessment with a message
(POST/redirect/GET). A refusal, whether from the form or the domain, shows the same page again
with what was typed and the message on the input at fault; so does a lapsed security token.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from flask import flash, redirect, request, url_for
from flask_wtf import FlaskForm
from wtforms import FormField

from advice_hub.assessments.request_actions import (
    OfficerActionError,
)
from advice_hub.chasing.control import ChaseError
from advice_hub.models import (
    CLOSED_STATUSES,
    AdviceRequest,
    Assessment,
    AssessmentStatus,
    RequestStatus,
)
from advice_hub.transactions import committing
from advice_hub.web.db_session import db
from advice_hub.web.formkit import form_page, page_errors

SUBMIT_ID = "submit-action"  # where a refusal about no one input links to


def _back(assessment_id: uuid.UUID) -> str:
    return url_for("staff.assessment", assessment_id=assessment_id)


def _refuse(form: FlaskForm, exc: ValueError) -> dict[str, str] | None:
    """Put the domain's message on the input it names; one about no input is returned."""
    field = form._fields.get(getattr(exc, "field", None) or "")
    if field is None:
        return {"text": str(exc), "href": f"#{SUBMIT_ID}"}
    if isinstance(field, FormField):
        field = field.form.day
    field.errors = [*field.errors, str(exc)]
    return None


def _closed(assessment: Assessment, advice_request: AdviceRequest | None) -> str | None:
    if assessment.status == AssessmentStatus.CLOSED:
        return "This assessment is closed, so it cannot change"
    if advice_request is not None and advice_request.status in CLOSED_STATUSES:
        status = RequestStatus(advice_request.status).label.lower()
        return f"The request to {advice_request.contributor.name} is closed ({status})"
    return None


@dataclass(frozen=True)
class ActionPage:
    """One action's page: its template under ``templates/staff/actions/``, its title and the
    words on its button (which the lapsed-page message repeats)."""

    template: str
    title: str
    button: str


def run_action(
    page: ActionPage,
    form: FlaskForm,
    act: Callable[[], str],
    *,
    stale_token: bool,
    advice_request: AdviceRequest | None = None,
    assessment: Assessment | None = None,
    refused: Callable[[], str | None] | None = None,
    **context: Any,
) -> Any:
    """Run one action on POST and redirect with its message; otherwise show its page.

    The action is on ``advice_request`` (and so its assessment) or on ``assessment`` itself.
    ``refused`` says why the action would be refused now, if it would; its page is then not
    shown (the POST refuses by itself, from the domain).
    """
    if assessment is None:
        assert advice_request is not None, "an action is on a request or on an assessment"
        assessment = advice_request.assessment
    if request.method == "GET" and (
        unavailable := _closed(assessment, advice_request) or (refused and refused())
    ):
        flash(unavailable)  # the page's links are gone; an old tab or bookmark lands here
        return redirect(_back(assessment.id), code=303)
    general: list[dict[str, str]] = []
    if request.method == "POST" and not stale_token and form.validate_on_submit():
        try:
            # A refusal rolls back whatever the action had changed before it was refused.
            with committing(db()):
                message = act()
        except (OfficerActionError, ChaseError) as exc:
            if (item := _refuse(form, exc)) is not None:
                general.append(item)
        else:
            flash(message)
            return redirect(_back(assessment.id), code=303)
    # A refusal comes only from an action that ran, so never beside a lapsed page's message.
    errors = general + page_errors(
        form, lapsed=stale_token, button=page.button, href=f"#{SUBMIT_ID}", nothing="saved"
    )
    return form_page(
        f"staff/actions/{page.template}.html",
        title=page.title,
        errors=errors,
        form=form,
        assessment=assessment,
        advice_request=advice_request,
        button=page.button,
        submit_id=SUBMIT_ID,
        back_url=_back(assessment.id),
        **context,
    )
