"""Form pieces shared by the web pages: GOV.UK date inputs, text hygiene, error summaries."""

from __future__ import annotations

from datetime import date
from typing import Any

from wtforms import Field, Form, FormField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length

from forms.text import clean_text
from forms.wtf import NoControlCharacters

__all__ = [
    "DateParts",
    "NoControlCharacters",
    "clean_text",
    "date_field",
    "error_list",
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
