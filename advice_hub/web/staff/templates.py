"""Staff preview of the advice templates: every agency's versions, and each version read-only."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask import abort, render_template

from advice_hub.display import joined
from advice_hub.models import Agency, agency_label
from advice_hub.web.staff.blueprint import bp
from forms.publish import published_keys, published_versions
from forms.templates import AdviceTemplate, Question, TemplateError, load_template

AUDIENCES = {
    "professional": "A professional",
    "family": "A parent or carer",
    "child": "The child or young person",
}


@dataclass(frozen=True)
class TemplateRow:
    """One agency on the list page: its versions and the one new requests use."""

    key: str
    label: str
    versions: list[int]
    latest: AdviceTemplate | None
    problem: str = ""


def _row(key: str) -> TemplateRow:
    versions = published_versions(key)
    if not versions:
        return TemplateRow(key, agency_label(key), versions, None)
    try:
        latest = load_template(key, versions[-1])
    except TemplateError as exc:
        return TemplateRow(key, agency_label(key), versions, None, problem=str(exc))
    return TemplateRow(key, agency_label(key), versions, latest)


def answer_kind(question: Question) -> str:
    """How a question is answered, in a case officer's words."""
    if question.kind == "text":
        return f"short text, up to {question.max_length:,} characters"
    if question.kind == "textarea":
        return f"long text, up to {question.max_length:,} characters"
    if question.kind == "group":
        return f"a list: they add one {question.item_label} at a time, up to {question.max_items}"
    return {
        "radios": "one choice from the list below",
        "checkboxes": "any number of choices from the list below",
        "yes_no": "yes or no",
        "date": "a date (day, month and year)",
    }[question.kind]


def registration_text(template: AdviceTemplate) -> str:
    """What the declaration asks about professional registration."""
    bodies = list(template.registration_bodies)
    if bodies:
        listed = joined(bodies, "or")
        return f"Registration body ({listed}) and number, or that they are not registered"
    if template.audience == "professional":
        return "Not asked: the people who write this advice are not on a statutory register"
    return "Not asked"


@bp.route("/templates")
def templates() -> Any:
    agency_keys = [a.value for a in Agency]
    keys = agency_keys + [k for k in published_keys() if k not in agency_keys]
    return render_template(
        "staff/templates.html",
        page_title="Advice templates",
        rows=[_row(key) for key in keys],
    )


@bp.route("/templates/<key>/v<int:version>")
def template_preview(key: str, version: int) -> Any:
    versions = published_versions(key)
    if version not in versions:
        abort(404)
    try:
        template = load_template(key, version)
    except TemplateError as exc:
        return render_template(
            "staff/template_broken.html",
            page_title=f"{agency_label(key)} template version {version} cannot be shown",
            key=key,
            version=version,
            problem=str(exc),
        ), 500
    return render_template(
        "staff/template_preview.html",
        page_title=f"{template.title} (version {version})",
        template=template,
        agency_label=agency_label(key),
        versions=versions,
        latest=versions[-1],
        audience=AUDIENCES[template.audience],
        registration=registration_text(template),
        answer_kind=answer_kind,
    )
