"""The contributor's journey: emailed link, start page, task list, one page per section,
check answers, declaration, receipt.

Link scanners open links before people do, so GET never changes anything: the token is
exchanged for a cookie only when the contributor presses Start (a POST).
"""

from __future__ import annotations

import json
import uuid
from typing import Any

from flask import (
    abort,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_wtf import FlaskForm
from sqlalchemy.orm.exc import StaleDataError

from advice_hub.deadlines import london_date
from advice_hub.models import (
    CLOSED_STATUSES,
    AdviceDraft,
    AdviceRequest,
    RequestStatus,
    utcnow,
)
from advice_hub.requests.attachments import KINDS, live_attachments
from advice_hub.requests.drafts import DraftConflictError, save_draft
from advice_hub.requests.seal import AlreadySealedError
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
from advice_hub.web.db_session import db
from advice_hub.web.formkit import error_list, form_page, page_errors
from forms import load_template
from forms.answers import (
    answer_key,
    missing_in_section,
    missing_required,
    section_skipped,
    section_status,
)
from forms.templates import AdviceTemplate, Section
from forms.wording import vague_terms, vague_wording_prompt
from forms.wtf import SKIP_FIELD, answers_from_form, form_data, section_form_class


def _template(advice_request: AdviceRequest) -> AdviceTemplate:
    return load_template(advice_request.template_key, advice_request.template_version)


def page_context(advice_request: AdviceRequest) -> dict[str, Any]:
    return {
        "advice_request": advice_request,
        "assessment": advice_request.assessment,
        "template": _template(advice_request),
        "home_url": url_for("contributor.form", request_id=advice_request.id),
        "access_seconds": access_seconds(),
    }


def _answers(advice_request: AdviceRequest) -> tuple[dict[str, Any], int | None]:
    draft = db().get(AdviceDraft, advice_request.id)
    return (dict(draft.answers), draft.version) if draft is not None else ({}, None)


def _closed_redirect(advice_request: AdviceRequest) -> Any | None:
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
    if (closed := _closed_redirect(advice_request)) is not None:
        return closed
    template, answers = _template(advice_request), _answers(advice_request)[0]
    statuses = {s.id: section_status(s, answers) for s in template.sections}
    return render_template(
        "contributor/task_list.html",
        page_title=template.title,
        statuses=statuses,
        completed=sum(1 for st in statuses.values() if st == "completed"),
        all_complete=not missing_required(template, answers),
        attachment_count=len(live_attachments(db(), advice_request)),
        returned=latest_returned(db(), advice_request)
        if advice_request.status == RequestStatus.RETURNED
        else None,
        **page_context(advice_request),
    )


def _section_or_404(template: AdviceTemplate, section_id: str) -> Section:
    found = template.section(section_id)
    if found is None:
        abort(404)
    return found


def _next_url(template: AdviceTemplate, section: Section, request_id: uuid.UUID) -> str:
    ids = [s.id for s in template.sections]
    position = ids.index(section.id)
    if position + 1 < len(ids):
        return url_for("contributor.section", request_id=request_id, section_id=ids[position + 1])
    return url_for("contributor.check", request_id=request_id)


def _vague_prompts(section: Section, form: FlaskForm) -> dict[str, str]:
    """Field ids whose text uses vague provision wording, with the prompt to show."""
    prompts: dict[str, str] = {}
    for question in section.questions:
        if question.kind != "group":
            continue
        for entry in form[question.id].entries:
            for field_def in question.fields:
                if field_def.check_vague_wording:
                    field = entry.form[field_def.id]
                    terms = vague_terms(field.data or "")
                    if terms:
                        prompts[field.id] = vague_wording_prompt(terms)
    return prompts


def _required_errors(section: Section, form: FlaskForm, answers: dict[str, Any]) -> None:
    """Put a message on each required question still unanswered."""
    for question in missing_in_section(section, answers):
        name = question.label.rstrip("?")
        if question.kind == "group":
            message = f"Add at least one {question.item_label}, filling in every required part"
        elif section.can_skip:
            message = f"Answer \u2018{name}\u2019, or tick that you have not assessed this area"
        else:
            message = f"Answer \u2018{name}\u2019"
        field = form[question.id]
        target = field.form.day if question.kind == "date" else field
        target.errors = [message]


@bp.route("/advice/<uuid:request_id>/section/<section_id>", methods=["GET", "POST"])
def section(request_id: uuid.UUID, section_id: str, stale_token: bool = False) -> Any:
    """One section of the form. Every button saves what passes its checks."""
    session = db()
    advice_request = granted_request(request_id, allow_stale=request.method == "POST")
    if (closed := _closed_redirect(advice_request)) is not None:
        return closed if request.method == "GET" else _closed_json_or_redirect(closed)
    template = _template(advice_request)
    section_def = _section_or_404(template, section_id)
    form_class = section_form_class(template.key, template.version, section_def.id)
    answers, version = _answers(advice_request)
    action = request.form.get("action", "")
    conflict = False
    status = 200
    if request.method == "GET" or stale_token:
        form = (
            form_class(data=form_data(section_def, answers)) if not stale_token else (form_class())
        )
        if stale_token:
            status = 400
    else:
        form = form_class()
        form.validate()
        if action.startswith("remove-"):
            _remove_item(section_def, form, action)
        elif action.startswith("add-"):
            _add_item(section_def, form, action)
        posted_version = request.form.get("draft_version", "")
        try:
            with committing(session):
                draft = save_draft(
                    session,
                    advice_request,
                    answers_from_form(section_def, form),
                    expected_version=int(posted_version) if posted_version.isdigit() else None,
                    now=utcnow(),
                    actor=contributor_actor(advice_request),
                )
            answers, version = dict(draft.answers), draft.version
        except (DraftConflictError, StaleDataError):
            conflict = True
            answers, version = _answers(advice_request)
        if action == "autosave":
            if conflict:
                return jsonify(saved=False, reason="conflict", version=version), 409
            return jsonify(saved=True, version=version, saved_at=utcnow().isoformat())
        if not error_list(form) and not conflict:
            if action == "continue" and not section_skipped(section_def, answers):
                _required_errors(section_def, form, answers)
            if not error_list(form):
                if action == "continue":
                    return redirect(_next_url(template, section_def, request_id), code=303)
                if action == "later":
                    flash(
                        "Your answers have been saved. You can close this page and come back "
                        "later with the link in your email."
                    )
                    return redirect(url_for("contributor.form", request_id=request_id), code=303)
        status = 400 if (error_list(form) or conflict) else 200
    errors = error_list(form)
    return render_template(
        "contributor/section.html",
        page_title=section_def.title,
        section=section_def,
        form=form,
        errors=errors,
        conflict=conflict,
        stale_token=stale_token,
        form_has_errors=bool(errors),
        draft_version=version if version is not None else "",
        vague=_vague_prompts(section_def, form),
        skip_field=SKIP_FIELD,
        position=[s.id for s in template.sections].index(section_def.id) + 1,
        **page_context(advice_request),
    ), status


def _closed_json_or_redirect(closed: Any) -> Any:
    if request.form.get("action") == "autosave":
        return jsonify(saved=False, reason="closed"), 409
    return closed


def _add_item(section_def: Section, form: FlaskForm, action: str) -> None:
    question_id = action.removeprefix("add-")
    question = next((q for q in section_def.questions if q.id == question_id), None)
    if question is None or question.kind != "group":
        return
    field = form[question.id]
    if len(field.entries) < question.max_items:
        field.append_entry()


def _remove_item(section_def: Section, form: FlaskForm, action: str) -> None:
    question_id, _, index = action.removeprefix("remove-").rpartition("-")
    question = next((q for q in section_def.questions if q.id == question_id), None)
    if question is None or question.kind != "group" or not index.isdigit():
        return
    field = form[question.id]
    position = int(index)
    if position >= len(field.entries):
        return
    # Rebuild the list so the remaining items are numbered from 0 again.
    kept = [entry.data for i, entry in enumerate(field.entries) if i != position]
    while field.entries:
        field.pop_entry()
    for data in kept:
        field.append_entry(data)


@bp.route("/advice/<uuid:request_id>/check")
def check(request_id: uuid.UUID) -> Any:
    advice_request = granted_request(request_id)
    if (closed := _closed_redirect(advice_request)) is not None:
        return closed
    template, answers = _template(advice_request), _answers(advice_request)[0]
    missing = {answer_key(s, q) for s, q in missing_required(template, answers)}
    return render_template(
        "contributor/check.html",
        page_title="Check your answers",
        answers=answers,
        missing=missing,
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
    if (closed := _closed_redirect(advice_request)) is not None:
        return closed
    template, answers = _template(advice_request), _answers(advice_request)[0]
    if missing_required(template, answers):
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
