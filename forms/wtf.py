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
from wtforms.validators import Length, Optional, ValidationError

from forms.answers import answer_key, empty_value
from forms.templates import AdviceTemplate, Question, Section, load_template, skip_key
from forms.text import CONTROL_CHARACTERS, clean_text

SKIP_FIELD = "not_assessed"


class DateParts(Form):
    """A GOV.UK date input whose three parts are checked together."""

    day = StringField("Day", filters=[clean_text])
    month = StringField("Month", filters=[clean_text])
    year = StringField("Year", filters=[clean_text])
    what = "the date"

    def validate(self, extra_validators: Any = None) -> bool:
        super().validate(extra_validators)
        self.value: str = ""
        parts = [self.day.data or "", self.month.data or "", self.year.data or ""]
        if not any(parts):
            return True
        if not all(parts):
            self.day.errors = [f"Enter a complete date for {self.what}, or leave it blank"]
            return False
        try:
            day, month, year = (int(p) for p in parts)
            if not 1900 <= year <= 2100:
                raise ValueError
            self.value = date(year, month, day).isoformat()
        except ValueError:
            self.day.errors = [f"The date for {self.what} must be a real date, like 27 3 2026"]
            return False
        return True


def _field(question: Question) -> Field:
    label = question.label
    text_validators: list[Any] = [
        Optional(),
        Length(
            max=question.max_length,
            message=f"Your answer must be {question.max_length:,} characters or fewer",
        ),
        NoControlCharacters(),
    ]
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
        parts = type("DateParts", (DateParts,), {"what": label.rstrip("?").lower()})
        return FormField(parts, label=label, separator="-")
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
        if not value:
            return {"day": "", "month": "", "year": ""}
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


def _field_value(question: Question, field: Field) -> Any:
    if question.kind == "date":
        return getattr(field.form, "value", "")
    if question.kind == "group":
        return [
            {f.id: _field_value(f, entry.form[f.id]) for f in question.fields}
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
    """The answers a validated section form holds, leaving out any field with an error
    (a group is all or nothing, so a bad item keeps the saved version of the group)."""
    answers: dict[str, Any] = {}
    for question in section.questions:
        field = form[question.id]
        if not field_has_errors(field):
            answers[answer_key(section, question)] = _field_value(question, field)
    if section.can_skip:
        answers[skip_key(section)] = "yes" if form[SKIP_FIELD].data else "no"
    return answers


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
