"""Turns one section of an advice template into a flask-wtf form, and back into answers.

Field names on a section page are the question ids; a group's items are
`<question>-<n>-<field>` (WTForms FieldList naming). Answers are shaped as forms/answers.py says.
"""

from __future__ import annotations

from datetime import date
from functools import cache
from typing import Any

from flask import g
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    Field,
    FieldList,
    Form,
    FormField,
    RadioField,
    SelectChoice,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import Optional, ValidationError

from forms.answers import DATE_PARTS, answer_key, date_answer, empty_value
from forms.checks import unreadable_message
from forms.templates import AdviceTemplate, Question, Section, load_template, skip_key
from forms.text import CONTROL_CHARACTERS, clean_text

SKIP_FIELD = "not_assessed"


class DateParts(Form):
    """A GOV.UK date input: its parts are kept as typed, and checked when the advice is sent
    (`forms.checks`)."""

    day = StringField("Day", filters=[clean_text])
    month = StringField("Month", filters=[clean_text])
    year = StringField("Year", filters=[clean_text])


def _field(question: Question) -> Field:
    label = question.label
    # Only what cannot be kept as typed is refused here; a draft keeps text over its limit
    # (`forms.checks` asks for it to be shortened before the advice is sent).
    text_validators: list[Any] = [Optional(), ArrivedAsTyped(question)]
    if question.kind == "textarea":
        return TextAreaField(label, text_validators, filters=[clean_text])
    if question.kind == "text":
        return StringField(label, text_validators, filters=[clean_text])
    if question.kind == "radios":
        return RadioField(
            label,
            [Optional()],
            choices=[SelectChoice(o.value, o.label) for o in question.options],
        )
    if question.kind == "yes_no":
        return RadioField(
            label, [Optional()], choices=[SelectChoice("yes", "Yes"), SelectChoice("no", "No")]
        )
    if question.kind == "checkboxes":
        return SelectMultipleField(
            label,
            [Optional()],
            choices=[SelectChoice(o.value, o.label) for o in question.options],
        )
    if question.kind == "date":
        return FormField(DateParts, label=label, separator="-")
    if question.kind == "group":
        item = type(f"Item_{question.id}", (Form,), {f.id: _field(f) for f in question.fields})
        return FieldList(
            FormField(item, separator="-"),
            label=question.item_label.capitalize(),
            min_entries=0,
            max_entries=question.max_items,
        )
    raise ValueError(f"unknown question kind {question.kind!r}")


@cache
def section_form_class(key: str, version: int, section_id: str) -> type[FlaskForm]:
    """The form for one section of one pinned template version (cached: versions never change)."""
    template: AdviceTemplate = load_template(key, version)
    section = template.section(section_id)
    if section is None:
        raise KeyError(section_id)
    attributes: dict[str, Any] = {q.id: _field(q) for q in section.questions}
    if section.can_skip:
        attributes[SKIP_FIELD] = BooleanField(section.skip_label)
    return type(f"SectionForm_{key}_v{version}_{section_id}", (FlaskForm,), attributes)


def _value_to_form(question: Question, value: Any) -> Any:
    if question.kind == "date":
        if isinstance(value, dict):  # typed in part, or not a real date yet
            return {part: value.get(part, "") for part in DATE_PARTS}
        if not value:
            return dict.fromkeys(DATE_PARTS, "")
        parsed = date.fromisoformat(value)
        return {"day": str(parsed.day), "month": str(parsed.month), "year": str(parsed.year)}
    if question.kind == "group":
        return [
            {f.id: _value_to_form(f, item.get(f.id, empty_value(f))) for f in question.fields}
            for item in value or []
        ]
    return value


def form_data(section: Section, answers: dict[str, Any]) -> dict[str, Any]:
    """Saved answers as the `data` to build a section form with."""
    data = {
        q.id: _value_to_form(q, answers.get(answer_key(section, q), empty_value(q)))
        for q in section.questions
    }
    if section.can_skip:
        data[SKIP_FIELD] = answers.get(skip_key(section)) == "yes"
    return data


def field_value(question: Question, field: Field) -> Any:
    """A field's answer, shaped as forms/answers.py says."""
    if question.kind == "date":
        return date_answer(*(field.form[part].data or "" for part in DATE_PARTS))
    if question.kind == "group":
        return [
            {f.id: field_value(f, entry.form[f.id]) for f in question.fields}
            for entry in field.entries
        ]
    if question.kind == "checkboxes":
        return list(field.data or [])
    return field.data or ""


def field_has_errors(field: Field) -> bool:
    if isinstance(field, FormField):
        return any(field_has_errors(sub) for sub in field.form)
    if isinstance(field, FieldList):
        return any(field_has_errors(entry) for entry in field.entries)
    return bool(field.errors)


def answers_from_form(section: Section, form: FlaskForm) -> dict[str, Any]:
    """The answers a validated section form holds, as typed, leaving out only a field it
    refused (text whose bytes were not UTF-8, a choice the question does not offer): a group
    is all or nothing, so a refused item keeps the saved version of the group."""
    answers: dict[str, Any] = {}
    for question in section.questions:
        field = form[question.id]
        if not field_has_errors(field):
            answers[answer_key(section, question)] = field_value(question, field)
    if section.can_skip:
        answers[skip_key(section)] = "yes" if form[SKIP_FIELD].data else "no"
    return answers


class ArrivedAsTyped:
    """Refuses an answer whose bytes were not UTF-8 (a URL-encoded form keeps them as %XX,
    noted per field by advice_hub.web.encoding): what arrived is not what was typed, so it
    is not kept, and the page asks for it again."""

    def __init__(self, question: Question) -> None:
        self.message = unreadable_message(question)

    def __call__(self, form: Any, field: Any) -> None:
        if field.name in g.get("undecodable_fields", ()):
            raise ValidationError(self.message)


class NoControlCharacters:
    """Refuses text with NUL or other control characters, with a message a person can act on."""

    def __call__(self, form: Any, field: Any) -> None:
        # Bytes that are not UTF-8 arrive as U+FFFD (multipart) or are noted per field by
        # advice_hub.web.encoding (URL-encoded forms, where they stay as %XX).
        if field.name in g.get("undecodable_fields", ()) or (
            isinstance(field.data, str) and "\ufffd" in field.data
        ):
            raise ValidationError(
                f"{field.label.text} contains characters that could not be read, perhaps "
                "pasted from another program. Retype the parts marked \ufffd."
            )
        if isinstance(field.data, str) and CONTROL_CHARACTERS.search(field.data):
            raise ValidationError(
                f"{field.label.text} contains a hidden control character that cannot be "
                "saved. Retype the text rather than pasting it."
            )
