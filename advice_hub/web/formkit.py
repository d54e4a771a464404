"""Form pieces shared by the web pages: GOV.UK date inputs, text hygiene, email addresses,
error summaries, and rendering a page with its errors."""

from __future__ import annotations

from datetime import date
from typing import Any

from email_validator import EmailNotValidError, validate_email
from flask import render_template
from flask_wtf import FlaskForm
from wtforms import Field, Form, FormField, SelectChoice, StringField, TextAreaField
from wtforms.validators import AnyOf, DataRequired, Length, ValidationError

from forms.text import clean_text
from forms.wtf import NoControlCharacters

__all__ = [
    "DateParts",
    "NoControlCharacters",
    "clean_text",
    "date_field",
    "error_list",
    "form_page",
    "normalise_email",
    "page_errors",
    "required_text",
    "required_textarea",
]


class DateParts(Form):
    """A GOV.UK date input: day, month and year, checked together into one date."""

    day = StringField()
    month = StringField()
    year = StringField()
    what = "the date"
    required = True

    def validate(self, extra_validators: Any = None) -> bool:
        super().validate(extra_validators)
        self.value: date | None = None
        parts = [(f.data or "").strip() for f in (self.day, self.month, self.year)]
        if not any(parts):
            if self.required:
                self.day.errors = [f"Enter {self.what}"]
                return False
            return True
        names = ("a day", "a month", "a year")
        missing = [name for name, part in zip(names, parts, strict=True) if not part]
        if missing:
            self.day.errors = [f"{self.what.capitalize()} must include {' and '.join(missing)}"]
            return False
        try:
            day, month, year = (int(p) for p in parts)
            if not 1000 <= year <= 9999:
                raise ValueError
            self.value = date(year, month, day)
        except ValueError:
            self.day.errors = [f"{self.what.capitalize()} must be a real date"]
            return False
        return True

    def fill(self, value: date | None) -> None:
        if value is not None:
            self.day.data, self.month.data, self.year.data = (
                str(value.day),
                str(value.month),
                str(value.year),
            )


def offer(field: Field, choices: list[SelectChoice]) -> None:
    """The choices a radio or select offers now; its AnyOf validator accepts only these."""
    field.choices = choices  # type: ignore[attr-defined]
    for validator in field.validators:
        if isinstance(validator, AnyOf):
            validator.values = [choice.value for choice in choices]


def date_field(what: str, *, required: bool = True) -> FormField:
    """A date input field; `what` names the date in messages ("the date of birth")."""
    parts = type("DateParts", (DateParts,), {"what": what, "required": required})
    return FormField(parts, separator="-")


def error_list(form: Form) -> list[dict[str, str]]:
    """Every error in a form, in page order, as GOV.UK error summary items."""
    items: list[dict[str, str]] = []

    def walk(field: Field, prefix: str = "") -> None:
        if isinstance(field, FormField):
            for sub in field.form:
                walk(sub, prefix)
            return
        if hasattr(field, "entries"):  # FieldList: say which row, as rows repeat their labels
            own = [m for m in field.errors or () if isinstance(m, str)]
            if own:  # about the list as a whole, e.g. "add at least one"
                items.append({"text": prefix + own[0], "href": f"#{field.id}"})
            for number, entry in enumerate(field.entries, start=1):
                walk(entry, f"{field.label.text} {number}: ")
            return
        for message in field.errors or ():
            if isinstance(message, str):
                items.append({"text": prefix + message, "href": f"#{field.id}"})
                break

    for field in form:
        walk(field)
    return items


def required_text(
    label: str, missing: str, limit: int, *, field: type[StringField] = StringField
) -> StringField:
    """A text input (or, with ``field=TextAreaField``, a text area) that must be filled in,
    at most ``limit`` characters, with hidden control characters refused."""
    return field(
        label,
        [
            DataRequired(missing),
            Length(max=limit, message=f"{label} must be {limit:,} characters or fewer"),
            NoControlCharacters(),
        ],
        filters=[clean_text],
    )


def required_textarea(label: str, missing: str, limit: int) -> TextAreaField:
    """A text area that must be filled in (see ``required_text``)."""
    area: TextAreaField = required_text(label, missing, limit, field=TextAreaField)
    return area


def normalise_email(field: StringField) -> None:
    """An email field's address in its normal form, or refused in words a person can act on
    (a field already refused for its length or a control character is left as it is)."""
    if field.errors:
        return
    try:
        field.data = validate_email(field.data, check_deliverability=False).normalized
    except EmailNotValidError:
        raise ValidationError(
            "Enter an email address in the correct format, like name@example.org"
        ) from None


LAPSED = (
    "This page had been open for a long time, so for your security nothing was {nothing}. "
    "Check what you typed below and press \u2018{button}\u2019 again."
)


def page_errors(
    *forms: FlaskForm, lapsed: bool = False, button: str = "", href: str = "", nothing: str = "sent"
) -> list[dict[str, str]]:
    """The error summary of a page's forms, without the security token's own message; led,
    when the token lapsed (``lapsed``), by what happened and what to press again."""
    tokens = {f"#{form.csrf_token.id}" for form in forms if "csrf_token" in form}
    errors = [item for form in forms for item in error_list(form) if item["href"] not in tokens]
    if lapsed or any("csrf_token" in form and form.csrf_token.errors for form in forms):
        errors.insert(0, {"text": LAPSED.format(nothing=nothing, button=button), "href": href})
    return errors


def form_page(
    page: str, /, *, title: str, errors: list[dict[str, str]], **context: Any
) -> tuple[str, int]:
    """The template ``page`` with a form: 400 while it shows errors (its title then starts
    "Error: "). Positional, so the context may hold a ``template`` (an advice template)."""
    html = render_template(
        page, page_title=title, errors=errors, form_has_errors=bool(errors), **context
    )
    return html, (400 if errors else 200)
