"""One page per section of the contributor's form.

Every way of leaving the page keeps what was typed: "Save and continue", "Save and come back
later" and the page's autosave all save the answers as typed, even an answer over its limit
or a date not finished, and only "Save and continue" with every answer passing its checks
completes the section (`requests.drafts.save_draft`). A post whose security token lapsed shows
the page again with what was typed (autosave is given a fresh token); a post too large for any
answer is refused whole, saying so. Reached from "Check your answers" (`?return_to=check`),
"Save and continue" goes back there. A repeatable item is written on pages of its own
(`items`, `steps`); this page shows each as a summary card.
"""

from __future__ import annotations

import uuid
from typing import Any

from flask import abort, flash, jsonify, redirect, render_template, request, url_for
from flask_wtf import FlaskForm
from flask_wtf.csrf import generate_csrf
from sqlalchemy.orm.exc import StaleDataError
from werkzeug.exceptions import RequestEntityTooLarge

from advice_hub.models import AdviceDraft, AdviceRequest, utcnow
from advice_hub.requests.drafts import DraftConflictError, save_draft
from advice_hub.transactions import committing
from advice_hub.web.contributor.access import AccessDenied, contributor_actor, granted_request
from advice_hub.web.contributor.blueprint import bp
from advice_hub.web.contributor.form import closed_redirect, page_context, pinned_template
from advice_hub.web.contributor.items import apply_item_action, item_action, step_of, step_url
from advice_hub.web.db_session import db
from advice_hub.web.formkit import error_list
from forms.checks import Problem, section_problems
from forms.templates import AdviceTemplate, Section
from forms.wording import vague_terms, vague_wording_prompt
from forms.wtf import SKIP_FIELD, answers_from_form, field_value, form_data, section_form_class

# The largest post a section page takes, in bytes. Far more than any section's answers need,
# even pasted over their limits (a draft keeps those whole); a paste of a megabyte is refused
# whole with a message saying so, never cut short. The page's script checks it before sending.
SECTION_POST_LIMIT = 750_000


def section_or_404(template: AdviceTemplate, section_id: str) -> Section:
    found = template.section(section_id)
    if found is None:
        abort(404)
    return found


def returning() -> bool:
    """Whether the page was opened from "Check your answers" (its "Change" links)."""
    return request.args.get("return_to") == "check"


def _after_continue(template: AdviceTemplate, section: Section, request_id: uuid.UUID) -> str:
    """Where "Save and continue" leads: back to "Check your answers", at this section, when
    it came from there; otherwise the next section (or the check page after the last). The
    page posts to its address without the fragment it was opened at (`form_action`), so the
    browser carries none over to where this leads."""
    if returning():
        return url_for("contributor.check", request_id=request_id, _anchor=f"section-{section.id}")
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


def _show_problems(form: FlaskForm, problems: list[Problem]) -> None:
    """Put each problem's message on its field (a date's on its day box), unless the field
    already shows why it was refused."""
    for problem in problems:
        field = form[problem.question.id]
        if problem.item is not None and problem.part is not None:
            field = field.entries[problem.item].form[problem.part.id]
        if (problem.part or problem.question).kind == "date":
            field = field.form.day
        if not field.errors:
            field.errors = [problem.message]


def _page(
    advice_request: AdviceRequest,
    section: Section,
    form: FlaskForm,
    *,
    version: int | None,
    status: int = 200,
    conflict: bool = False,
    stale_token: bool = False,
) -> Any:
    """The section page for `form`, each repeatable item a summary card."""
    template = pinned_template(advice_request)
    errors = error_list(form)
    if returning():
        back = url_for("contributor.check", request_id=advice_request.id)
        back_text = "Back to check your answers"
    else:
        back = url_for("contributor.form", request_id=advice_request.id)
        back_text = "Back to your advice"
    return render_template(
        "contributor/section.html",
        page_title=section.title,
        # Posted to without the fragment the page was opened at, so none is carried on.
        form_action=section_url(advice_request, section),
        item_value=field_value,
        section=section,
        form=form,
        errors=errors,
        conflict=conflict,
        stale_token=stale_token,
        form_has_errors=bool(errors),
        draft_version=version if version is not None else "",
        vague=_vague_prompts(section, form),
        skip_field=SKIP_FIELD,
        position=[s.id for s in template.sections].index(section.id) + 1,
        back_url=back,
        back_text=back_text,
        post_limit=SECTION_POST_LIMIT,
        **page_context(advice_request),
    ), status


def section_url(
    advice_request: AdviceRequest, section: Section, *, anchor: str | None = None
) -> str:
    """A section page's address, still leading back to "Check your answers" if this page came
    from there, with the fragment to scroll to (an item's card)."""
    return url_for(
        "contributor.section",
        request_id=advice_request.id,
        section_id=section.id,
        return_to="check" if returning() else None,
        _anchor=anchor,
    )


def posted_version() -> int | None:
    posted = request.form.get("draft_version", "")
    return int(posted) if posted.isdigit() else None


@bp.route("/advice/<uuid:request_id>/section/<section_id>", methods=["GET", "POST"])
def section(request_id: uuid.UUID, section_id: str, stale_token: bool = False) -> Any:
    """One section of the form. Every button, and the autosave, keeps what was typed."""
    session = db()
    try:
        advice_request = granted_request(request_id, allow_stale=request.method == "POST")
    except AccessDenied as denied:
        # A save (with its own valid security token) from a page whose access is gone:
        # nothing can be saved, so the page that says so shows what was typed, to copy.
        if request.method == "POST" and not stale_token:
            denied.typed = typed_text(request_id, section_id)
        raise
    if (closed := closed_redirect(advice_request)) is not None:
        return closed if request.method == "GET" else closed_json_or_redirect(closed)
    template = pinned_template(advice_request)
    section_def = section_or_404(template, section_id)
    form_class = section_form_class(template.key, template.version, section_def.id)
    if request.method == "GET":
        draft = session.get(AdviceDraft, advice_request.id)
        form = form_class(data=form_data(section_def, dict(draft.answers) if draft else {}))
        version = draft.version if draft else None
        return _page(advice_request, section_def, form, version=version)
    form = form_class()
    if not stale_token:
        return _save(advice_request, section_def, form)
    # Nothing is saved from a post without a valid security token.
    if request.form.get("action") == "autosave":
        return jsonify(saved=False, reason="expired", csrf_token=generate_csrf()), 400
    # The version the page was loaded with: saving again must not overwrite another save.
    return _page(
        advice_request,
        section_def,
        form,
        version=posted_version(),
        status=400,
        stale_token=True,
    )


def _save(advice_request: AdviceRequest, section: Section, form: FlaskForm) -> Any:
    """Save what the section's form holds, as typed, then go where its button leads."""
    session = db()
    action = request.form.get("action", "")
    form.validate()  # refuses only what cannot be kept as typed (bytes that are not text)
    if (act := item_action(section, action)) is not None:
        act = apply_item_action(form, act)
    refused = error_list(form)
    try:
        with committing(session):
            draft = save_draft(
                session,
                advice_request,
                answers_from_form(section, form),
                section_id=section.id,
                complete=action == "continue" and not refused,
                expected_version=posted_version(),
                now=utcnow(),
                actor=contributor_actor(advice_request),
            )
    except (DraftConflictError, StaleDataError):
        current = session.get(AdviceDraft, advice_request.id)
        version = current.version if current is not None else None
        if action == "autosave":
            return jsonify(saved=False, reason="conflict", version=version), 409
        return _page(advice_request, section, form, version=version, status=400, conflict=True)
    if action == "autosave":
        return jsonify(
            saved=True,
            version=draft.version,
            saved_at=utcnow().isoformat(),
            refused=[item["text"] for item in refused],
        )
    answers = dict(draft.answers)
    if act is not None and not refused and act.index is not None:
        if act.verb == "remove":
            return redirect(section_url(advice_request, section, anchor=act.group.id), code=303)
        # On to the item's own pages: all of them for an item just added, the one asking
        # the answer to change (and back to its card) for "Change".
        where = step_url(
            advice_request.id,
            section,
            act.group,
            act.index,
            step_of(act.group, act.part),
            returning=returning(),
            change=act.verb == "change",
        )
        return redirect(where, code=303)
    if action == "continue" and not refused:
        if section.id in (draft.completed_sections or ()):
            template = pinned_template(advice_request)
            return redirect(_after_continue(template, section, advice_request.id), code=303)
        _show_problems(form, section_problems(section, answers))
    elif action == "later" and not refused:
        flash(
            "Your answers have been saved. You can close this page and come back "
            "later with the link in your email."
        )
        return redirect(url_for("contributor.form", request_id=advice_request.id), code=303)
    status = 400 if error_list(form) else 200
    return _page(advice_request, section, form, version=draft.version, status=status)


def typed_text(request_id: uuid.UUID, section_id: str) -> list[tuple[str, str]]:
    """The text a post to a section held, each with its question's label (and item)."""
    advice_request = db().get(AdviceRequest, request_id)
    template = pinned_template(advice_request) if advice_request is not None else None
    section = template.section(section_id) if template is not None else None
    if template is None or section is None:
        return []
    form = section_form_class(template.key, template.version, section.id)()
    typed: list[tuple[str, str]] = []
    for question in section.questions:
        if question.kind in {"text", "textarea"}:
            typed.append((question.label, form[question.id].data or ""))
        elif question.kind == "group":
            for number, entry in enumerate(form[question.id].entries, start=1):
                item = f"{question.item_label.capitalize()} {number}"
                typed += [
                    (f"{item}: {part.label}", entry.form[part.id].data or "")
                    for part in question.fields
                    if part.kind in {"text", "textarea"}
                ]
    return [(label, text) for label, text in typed if text]


def closed_json_or_redirect(closed: Any) -> Any:
    if request.form.get("action") == "autosave":
        return jsonify(saved=False, reason="closed"), 409
    return closed


def too_large(exc: RequestEntityTooLarge) -> Any:
    """A section post over SECTION_POST_LIMIT: nothing is saved, and the person is told so
    (the page's script refuses such a post before it is sent, keeping the text in place)."""
    if request.accept_mimetypes.best == "application/json":  # the autosave
        return jsonify(saved=False, reason="too_large", limit=SECTION_POST_LIMIT), 413
    where = request.view_args or {}
    advice_request = granted_request(where["request_id"], allow_stale=True)
    section_def = section_or_404(pinned_template(advice_request), where["section_id"])
    return render_template(
        "contributor/too_large.html",
        page_title="Your answers have not been saved",
        section=section_def,
        limit_kb=SECTION_POST_LIMIT // 1000,
        **page_context(advice_request),
    ), 413
