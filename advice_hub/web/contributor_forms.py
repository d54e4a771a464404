"""The contributor's declaration, signed when they submit."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import BooleanField, HiddenField, SelectChoice, SelectField, StringField
from wtforms.validators import DataRequired, Length, Optional

from forms.text import NoControlCharacters, clean_text

REGISTRATION_BODIES = [
    SelectChoice("", "Not registered with a professional body"),
    SelectChoice("HCPC", "Health and Care Professions Council (HCPC)"),
    SelectChoice("GMC", "General Medical Council (GMC)"),
    SelectChoice("NMC", "Nursing and Midwifery Council (NMC)"),
    SelectChoice("Social Work England", "Social Work England"),
]


class DeclarationForm(FlaskForm):
    name = StringField(
        "Your full name",
        [DataRequired("Enter your full name"), Length(max=200), NoControlCharacters()],
        filters=[clean_text],
    )
    role = StringField(
        "Your role",
        [DataRequired("Enter your role"), Length(max=200), NoControlCharacters()],
        filters=[clean_text],
    )
    registration_body = SelectField("Professional registration", choices=REGISTRATION_BODIES)
    registration_number = StringField(
        "Registration number",
        [Optional(), Length(max=50), NoControlCharacters()],
        filters=[clean_text],
    )
    confirm = BooleanField(
        "I confirm this is my advice, given within my own knowledge and expertise",
        [DataRequired("Confirm this is your advice")],
    )

    def validate(self, extra_validators: object = None) -> bool:
        ok = super().validate(extra_validators)  # type: ignore[arg-type]
        if self.registration_body.data and not self.registration_number.data:
            self.registration_number.errors = [
                *self.registration_number.errors,
                "Enter your registration number",
            ]
            ok = False
        return ok


class DraftVersionForm(FlaskForm):
    """Carries the draft version a page was loaded with, to catch a second tab's save."""

    draft_version = HiddenField()
