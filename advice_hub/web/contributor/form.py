"""The contributor's journey after the emailed link: the task list, check answers, the
declaration, the receipt (each section's page is `sections`).

Link scanners open links before people do, so GET never changes anything: the token is
exchanged for a cookie only when the contributor presses Start (a POST).
"""

from __future__ import annotations

import json
import uuid
from typing import Any

from flask import jsonify, redirect, render_template, request, url_for

from advice_hub.deadlines import london_date
from advice_hub.models import (
    CLOSED_STATUSES,
    AdviceDraft,
    AdviceRequest,
    RequestStatus,
    utcnow,
)
from advice_hub.requests.attachments import KINDS, live_attachments
from advice_hub.requests.seal import AlreadySealedError, NotReadyToSendError
from advice_hub.requests.sign_off import (
    latest_returned,
    pending_review,
)
from advice_hub.requests.submission import submit_advice
from advice_hub.transactions import committing
from advice_hub.web.contributor.access import (
    access_seconds,
    contributor_actor,
    granted_request,
)
from advice_hub.web.contributor.blueprint import bp
from advice_hub.web.contributor.forms import declaration_form, signed_declaration
from advice_hub.web.contributor.items import step_of, step_url
from advice_hub.web.db_session import db
from advice_hub.web.formkit import form_page, page_errors
from forms import load_template
from forms.answers import (
    answer_key,
    completed_sections,
    missing_required,
    section_skipped,
    section_status,
)
from forms.checks import Problem, advice_problems, invalid_answers
from forms.templates import AdviceTemplate


def pinned_template(advice_request: AdviceRequest) -> AdviceTemplate:
    """The template version the request was sent with."""
    return load_template(advice_request.template_key, advice_request.template_version)


def page_context(advice_request: AdviceRequest) -> dict[str, Any]:
    return {
        "advice_request": advice_request,
        "assessment": advice_request.assessment,
        "template": pinned_template(advice_request),
        "home_url": url_for("contributor.form", request_id=advice_request.id),
        "access_seconds": access_seconds(),
    }


def _draft(advice_request: AdviceRequest) -> tuple[dict[str, Any], set[str]]:
    """The draft's answers, and the sections the contributor completed."""
    draft = db().get(AdviceDraft, advice_request.id)
    if draft is None:
        return {}, set()
    answers = dict(draft.answers)
    template = pinned_template(advice_request)
    return answers, completed_sections(template, answers, draft.completed_sections)


def closed_redirect(advice_request: AdviceRequest) -> Any | None:
    if advice_request.status == RequestStatus.AWAITING_SIGN_OFF:
        return redirect(url_for("contributor.awaiting_sign_off", request_id=advice_request.id))
    if advice_request.status == RequestStatus.SUBMITTED:
        return redirect(url_for("contributor.submitted", request_id=advice_request.id))
    if advice_request.status in CLOSED_STATUSES:
        return redirect(url_for("contributor.closed", request_id=advice_request.id))
    return None


@bp.route("/advice/<uuid:request_id>")
def form(request_id: uuid.UUID) -> Any:
    """The task list: every section with how far it has got."""
    advice_request = granted_request(request_id)
    if (closed := closed_redirect(advice_request)) is not None:
        return closed
    template, (answers, completed) = pinned_template(advice_request), _draft(advice_request)
    statuses = {s.id: section_status(s, answers, completed) for s in template.sections}
    return render_template(
        "contributor/task_list.html",
        page_title=template.title,
        statuses=statuses,
        completed=len(completed),
        all_complete=len(completed) == len(template.sections),
        attachment_count=len(live_attachments(db(), advice_request)),
        returned=latest_returned(db(), advice_request)
        if advice_request.status == RequestStatus.RETURNED
        else None,
        **page_context(advice_request),
    )


def _change_url(problem: Problem) -> str:
    """Where "Check your answers" sends the person to change an answer: the page asking it
    (an item's answer, the step asking it), leading back here."""
    request_id = request.view_args["request_id"] if request.view_args else None
    if problem.item is not None and problem.part is not None:
        return step_url(
            request_id,
            problem.section,
            problem.question,
            problem.item,
            step_of(problem.question, problem.part),
            returning=True,
            change=True,
            anchor=problem.anchor,
        )
    return url_for(
        "contributor.section",
        request_id=request_id,
        section_id=problem.section.id,
        return_to="check",
        _anchor=problem.anchor,
    )


@bp.route("/advice/<uuid:request_id>/check")
def check(request_id: uuid.UUID) -> Any:
    advice_request = granted_request(request_id)
    if (closed := closed_redirect(advice_request)) is not None:
        return closed
    template, answers = pinned_template(advice_request), _draft(advice_request)[0]
    missing = {answer_key(s, q) for s, q in missing_required(template, answers)}
    invalid = [p for s in template.sections for p in invalid_answers(s, answers)]
    to_change: dict[str, list[str]] = {}
    for problem in invalid:
        to_change.setdefault(answer_key(problem.section, problem.question), []).append(
            problem.summary
        )
    errors = [{"text": problem.summary, "href": _change_url(problem)} for problem in invalid]
    return render_template(
        "contributor/check.html",
        page_title="Check your answers",
        errors=errors,
        form_has_errors=bool(errors),
        answers=answers,
        missing=missing,
        to_change=to_change,
        answer_key=answer_key,
        section_skipped=section_skipped,
        attachments=live_attachments(db(), advice_request),
        kinds=KINDS,
        **page_context(advice_request),
    )


@bp.route("/advice/<uuid:request_id>/declaration", methods=["GET", "POST"])
def declaration(request_id: uuid.UUID, stale_token: bool = False) -> Any:
    session = db()
    advice_request = granted_request(request_id, allow_stale=request.method == "POST")
    if (closed := closed_redirect(advice_request)) is not None:
        return closed
    template, answers = pinned_template(advice_request), _draft(advice_request)[0]
    if advice_problems(template, answers):  # "Check your answers" says what to change
        return redirect(url_for("contributor.check", request_id=request_id))
    form = declaration_form(template)
    if not stale_token and form.validate_on_submit():
        try:
            with committing(session):
                submit_advice(
                    session,
                    advice_request,
                    answers=answers,
                    declaration=signed_declaration(template, form),
                    now=utcnow(),
                    actor=contributor_actor(advice_request),
                )
        except AlreadySealedError:
            pass  # sent from another tab meanwhile: the receipt shows what was sealed
        except NotReadyToSendError:  # changed from another tab meanwhile
            return redirect(url_for("contributor.check", request_id=request_id))
        if advice_request.status == RequestStatus.AWAITING_SIGN_OFF:
            return redirect(
                url_for("contributor.awaiting_sign_off", request_id=request_id), code=303
            )
        return redirect(url_for("contributor.submitted", request_id=request_id), code=303)
    errors = page_errors(form, lapsed=stale_token, button="Send advice", href="#name")
    return form_page(
        "contributor/declaration.html",
        title="Declaration",
        errors=errors,
        form=form,
        today=london_date(utcnow()),
        **page_context(advice_request),
    )


@bp.route("/advice/<uuid:request_id>/submitted")
def submitted(request_id: uuid.UUID) -> Any:
    advice_request = granted_request(request_id)
    sealed = advice_request.sealed
    if sealed is None:
        return redirect(url_for("contributor.form", request_id=request_id))
    return render_template(
        "contributor/submitted.html",
        page_title="Advice submitted",
        sealed=sealed,
        document=json.loads(sealed.canonical),
        **page_context(advice_request),
    )


@bp.route("/advice/<uuid:request_id>/awaiting-sign-off")
def awaiting_sign_off(request_id: uuid.UUID) -> Any:
    advice_request = granted_request(request_id)
    if advice_request.status != RequestStatus.AWAITING_SIGN_OFF:
        return redirect(url_for("contributor.form", request_id=request_id))
    return render_template(
        "contributor/awaiting_sign_off.html",
        page_title="Sent for sign-off",
        review=pending_review(db(), advice_request),
        **page_context(advice_request),
    )


@bp.route("/advice/<uuid:request_id>/keep-alive", methods=["POST"])
def keep_alive(request_id: uuid.UUID) -> Any:
    """Renews the contributor's access from the timeout warning's button."""
    granted_request(request_id, allow_stale=True)
    return jsonify(renewed=True, seconds=access_seconds())
