"""How every case officer action page runs, one page each (see ``request_actions`` and
``assessment_actions``).

Each page posts to itself and, on success, redirects to the assessment with a message
(POST/redirect/GET). A refusal, whether from the form or the domain, shows the same page again
with what was typed and the message on the input at fault (each date at fault, when the
domain names several); so does a lapsed security token. An action that gives a warning
(``WarningsToConfirm``) shows the page again with the warning and asks why the officer is
going ahead; posted again with the reason, it goes ahead.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from flask import flash, redirect, request, url_for
from flask_wtf import FlaskForm
from wtforms import FormField

from advice_hub.assessments.confirmations import WarningsToConfirm
from advice_hub.assessments.dates import DateProblem
from advice_hub.assessments.guard_rails import GuardRailWarning
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
from advice_hub.web.staff.forms import ConfirmsWarnings

SUBMIT_ID = "submit-action"  # where a refusal about no one input links to


def _back(assessment_id: uuid.UUID) -> str:
    return url_for("staff.assessment", assessment_id=assessment_id)


def _refuse(form: FlaskForm, exc: ValueError) -> list[dict[str, str]]:
    """Put the domain's messages on the inputs they name (every date at fault, when it is
    about dates); those about no input are returned."""
    general = []
    problems = getattr(exc, "problems", ()) or [
        DateProblem(getattr(exc, "field", None) or "", str(exc))
    ]
    for problem in problems:
        field = form._fields.get(problem.field)
        if field is None:
            general.append({"text": problem.message, "href": f"#{SUBMIT_ID}"})
            continue
        if isinstance(field, FormField):
            field = field.form.day
        field.errors = [*field.errors, problem.message]
    return general


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
    pending: list[GuardRailWarning] = []
    if request.method == "POST" and not stale_token and form.validate_on_submit():
        try:
            # A refusal rolls back whatever the action had changed before it was refused.
            with committing(db()):
                message = act()
        except WarningsToConfirm as exc:  # shown, with the reason asked for; nothing changed
            assert isinstance(form, ConfirmsWarnings), "an action that warns asks to confirm"
            form.ask_to_confirm(exc)
            pending = exc.warnings
        except (OfficerActionError, ChaseError) as exc:
            general += _refuse(form, exc)
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
        pending_warnings=pending,
        submit_id=SUBMIT_ID,
        back_url=_back(assessment.id),
        **context,
    )
