"""The pages one repeatable item is written on: a question a page, or the whole of a short item.

`/advice/<request>/section/<section>/<group>/<n>/<step>` writes item n (from 1) of a group,
step by step (`items.item_steps`). Each step saves exactly as its section page does
(`sections`): "Continue", "Save and come back later" and the page's autosave keep what was
typed, even an answer over its limit or a date not finished; what cannot be kept as typed
(bytes that are not text) is refused and asked for again; a post whose security token lapsed
shows the step again with what was typed; a save from a page whose access has gone shows what
was typed, to copy. "Continue" moves on only when the step's answers pass their checks. Saving
a step never completes the section: its own "Save and continue" does that, after the item's
card shows every answer. After the last step, or the one step opened from a card's "Change"
(`?change=yes`), the person is back at the item's card; from "Check your answers"
(`?return_to=check`), the section page still leads back there. A save to an item removed
meanwhile (from another tab) is a 404 showing what was typed, to copy.
"""

from __future__ import annotations

import uuid
from typing import Any

from flask import (
    Response,
    abort,
    flash,
    jsonify,
    make_response,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_wtf import FlaskForm
from flask_wtf.csrf import generate_csrf
from sqlalchemy.orm.exc import StaleDataError
from wtforms import Field

from advice_hub.models import AdviceDraft, AdviceRequest, utcnow
from advice_hub.requests.drafts import DraftConflictError, save_draft
from advice_hub.transactions import committing
from advice_hub.web.contributor.access import AccessDenied, contributor_actor, granted_request
from advice_hub.web.contributor.blueprint import bp
from advice_hub.web.contributor.form import closed_redirect, page_context, pinned_template
from advice_hub.web.contributor.items import item_steps, step_url
from advice_hub.web.contributor.sections import (
    SECTION_POST_LIMIT,
    closed_json_or_redirect,
    posted_version,
    returning,
    section_or_404,
    section_url,
)
from advice_hub.web.db_session import db
from forms.answers import answer_key
from forms.checks import item_problems
from forms.templates import Question, Section
from forms.wording import vague_terms, vague_wording_prompt
from forms.wtf import answers_from_form, field_has_errors, form_data, section_form_class


class Step:
    """One step of one item: where it is, and the section form holding the item."""

    def __init__(
        self,
        advice_request: AdviceRequest,
        section: Section,
        group: Question,
        index: int,
        number: int,
        form: FlaskForm,
        item_count: int,
    ) -> None:
        self.advice_request = advice_request
        self.section = section
        self.group = group
        self.index = index  # the item, from 0
        self.number = number  # the step, from 1
        self.form = form
        self.item_count = item_count
        self.steps = item_steps(group)
        self.parts = self.steps[number - 1]
        self.changing = request.args.get("change") == "yes"

    @property
    def entry(self) -> Any:
        return self.form[self.group.id].entries[self.index]

    def fields(self) -> list[tuple[Question, Field]]:
        return [(part, self.entry.form[part.id]) for part in self.parts]

    def url(self, number: int, *, anchor: str | None = None) -> str:
        return step_url(
            self.advice_request.id,
            self.section,
            self.group,
            self.index,
            number,
            returning=returning(),
            change=self.changing,
            anchor=anchor,
        )

    def card_url(self) -> str:
        """The section page, at this item's card."""
        return section_url(self.advice_request, self.section, anchor=self.entry.id)

    def next_url(self) -> str:
        if self.changing or self.number == len(self.steps):
            return self.card_url()
        return self.url(self.number + 1)

    def back_url(self) -> str:
        if self.changing or self.number == 1:
            return self.card_url()
        return self.url(self.number - 1)


def _step_or_404(
    advice_request: AdviceRequest, section_id: str, group_id: str, item: int, number: int
) -> Step:
    """The step the address names, its item as the draft holds it; 404 for any part that
    is not there (a section, group, item or step the form does not have)."""
    template = pinned_template(advice_request)
    section = section_or_404(template, section_id)
    group = _group(section, group_id)
    if group is None or not 1 <= number <= len(item_steps(group)):
        abort(404)
    draft = db().get(AdviceDraft, advice_request.id)
    answers = dict(draft.answers) if draft else {}
    items = answers.get(answer_key(section, group)) or []
    if not 1 <= item <= len(items):
        abort(
            _gone(advice_request, section, group, item, number) if request.method == "POST" else 404
        )
    form_class = section_form_class(template.key, template.version, section.id)
    # Built from the draft alone (never from the post): the step's own fields take what was
    # posted below, so every other answer stays as saved.
    form = form_class(formdata=None, data=form_data(section, answers))
    return Step(advice_request, section, group, item - 1, number, form, len(items))


@bp.route(
    "/advice/<uuid:request_id>/section/<section_id>/<group_id>/<int:item>/<int:step>",
    methods=["GET", "POST"],
)
def item_step(
    request_id: uuid.UUID,
    section_id: str,
    group_id: str,
    item: int,
    step: int,
    stale_token: bool = False,
) -> Any:
    """One step of one repeatable item. Every button, and the autosave, keeps what was typed."""
    try:
        advice_request = granted_request(request_id, allow_stale=request.method == "POST")
    except AccessDenied as denied:
        if request.method == "POST" and not stale_token:
            denied.typed = _typed_text(request_id, section_id, group_id, item, step)
        raise
    if (closed := closed_redirect(advice_request)) is not None:
        return closed if request.method == "GET" else closed_json_or_redirect(closed)
    found = _step_or_404(advice_request, section_id, group_id, item, step)
    draft = db().get(AdviceDraft, advice_request.id)
    if request.method == "GET":
        return _page(found, version=draft.version if draft else None)
    for _part, field in found.fields():
        field.process(request.form)
    if not stale_token:
        return _save(found)
    if request.form.get("action") == "autosave":
        return jsonify(saved=False, reason="expired", csrf_token=generate_csrf()), 400
    return _page(found, version=posted_version(), status=400, stale_token=True)


def _save(step: Step) -> Any:
    """Save the step's answers into the item, as typed, then go where its button leads."""
    session = db()
    action = request.form.get("action", "")
    for _part, field in step.fields():
        field.validate(step.form)  # refuses only what cannot be kept as typed
    refused = _errors(step)
    key = answer_key(step.section, step.group)
    # A group is saved whole, or (an answer refused) not at all.
    answers = {k: v for k, v in answers_from_form(step.section, step.form).items() if k == key}
    try:
        with committing(session):
            draft = save_draft(
                session,
                step.advice_request,
                answers,
                section_id=step.section.id,
                complete=False,
                expected_version=posted_version(),
                now=utcnow(),
                actor=contributor_actor(step.advice_request),
            )
    except (DraftConflictError, StaleDataError):
        current = session.get(AdviceDraft, step.advice_request.id)
        version = current.version if current is not None else None
        if action == "autosave":
            return jsonify(saved=False, reason="conflict", version=version), 409
        return _page(step, version=version, status=400, conflict=True)
    if action == "autosave":
        return jsonify(
            saved=True,
            version=draft.version,
            saved_at=utcnow().isoformat(),
            refused=[error["text"] for error in refused],
        )
    if refused:
        return _page(step, version=draft.version, status=400)
    if action == "later":
        flash(
            "Your answers have been saved. You can close this page and come back "
            "later with the link in your email."
        )
        return redirect(url_for("contributor.form", request_id=step.advice_request.id), code=303)
    saved = (dict(draft.answers).get(key) or [])[step.index]
    problems = [
        p
        for p in item_problems(step.section, step.group, step.index, saved)
        if p.part in step.parts
    ]
    if not problems:
        return redirect(step.next_url(), code=303)
    for problem in problems:
        field = step.entry.form[problem.part.id] if problem.part is not None else None
        if field is not None and problem.part is not None and problem.part.kind == "date":
            field = field.form.day
        if field is not None and not field.errors:
            field.errors = [problem.message]
    return _page(step, version=draft.version, status=400)


def _errors(step: Step) -> list[dict[str, str]]:
    """The step's errors as GOV.UK error summary items (a date's on its day box)."""
    errors = []
    for part, field in step.fields():
        if not field_has_errors(field):
            continue
        if part.kind == "date":
            day = field.form.day
            messages = day.errors or field.form.month.errors or field.form.year.errors
            errors.append({"text": messages[0], "href": f"#{day.id}"})
        else:
            errors.append({"text": field.errors[0], "href": f"#{field.id}"})
    return errors


def _vague_prompts(step: Step) -> dict[str, str]:
    prompts = {}
    for part, field in step.fields():
        if part.check_vague_wording and (terms := vague_terms(field.data or "")):
            prompts[field.id] = vague_wording_prompt(terms)
    return prompts


def _page(
    step: Step,
    *,
    version: int | None,
    status: int = 200,
    conflict: bool = False,
    stale_token: bool = False,
) -> Any:
    errors = _errors(step)
    item_name = f"{step.group.item_label} {step.index + 1}"
    where = f"{step.group.item_label.capitalize()} {step.index + 1} of {step.item_count}"
    if len(step.steps) > 1:
        where += f", question {step.number} of {len(step.steps)}"
    title = step.parts[0].label if len(step.parts) == 1 else item_name.capitalize()
    return render_template(
        "contributor/item_step.html",
        page_title=f"{title} ({where.lower()})",
        heading=title,
        # Short, so it keeps to a line or two on a phone: the item's name says the section.
        caption=where,
        item_name=item_name,
        fields=step.fields(),
        one_question=len(step.parts) == 1,
        form=step.form,
        form_action=step.url(step.number),
        back_url=step.back_url(),
        back_text="Back",
        errors=errors,
        form_has_errors=bool(errors),
        conflict=conflict,
        stale_token=stale_token,
        draft_version=version if version is not None else "",
        vague=_vague_prompts(step),
        post_limit=SECTION_POST_LIMIT,
        **page_context(step.advice_request),
    ), status


def _gone(
    advice_request: AdviceRequest, section: Section, group: Question, item: int, step: int
) -> Response:
    """A save to an item that is no longer there (removed from another tab or window):
    nothing can be saved, so the page says so and shows what was typed, to copy."""
    if request.form.get("action") == "autosave":
        return make_response(jsonify(saved=False, reason="gone"), 404)
    page = render_template(
        "contributor/item_gone.html",
        page_title=f"This {group.item_label} is no longer in your advice",
        section=section,
        section_url=section_url(advice_request, section, anchor=group.id),
        typed=_typed_text(advice_request.id, section.id, group.id, item, step),
        **page_context(advice_request),
    )
    return make_response(page, 404)


def _typed_text(
    request_id: uuid.UUID, section_id: str, group_id: str, item: int, step: int
) -> list[tuple[str, str]]:
    """The text a post to a step held, each with its question's label and item."""
    advice_request = db().get(AdviceRequest, request_id)
    section = pinned_template(advice_request).section(section_id) if advice_request else None
    group = _group(section, group_id) if section is not None else None
    if group is None or not 1 <= step <= len(item_steps(group)):
        return []
    typed = [
        (
            f"{group.item_label.capitalize()} {item}: {part.label}",
            f"{group.id}-{item - 1}-{part.id}",
        )
        for part in item_steps(group)[step - 1]
        if part.kind in {"text", "textarea"}
    ]
    return [(label, text) for label, name in typed if (text := request.form.get(name, ""))]


def _group(section: Section, group_id: str) -> Question | None:
    """The section's repeatable question `group_id`, if it has one."""
    return next((q for q in section.questions if q.id == group_id and q.kind == "group"), None)
