"""The contributor's declaration, signed when they submit."""

from __future__ import annotations

from typing import Any

from flask_wtf import FlaskForm
from wtforms import BooleanField, RadioField, SelectChoice, StringField
from wtforms.validators import DataRequired, Length, Optional

from advice_hub.deadlines import london_date
from advice_hub.models import utcnow
from forms.templates import AdviceTemplate
from forms.text import clean_text
from forms.wtf import NoControlCharacters

REGISTRATION_NAMES = {
    "HCPC": "Health and Care Professions Council (HCPC)",
    "GMC": "General Medical Council (GMC)",
    "NMC": "Nursing and Midwifery Council (NMC)",
    "Social Work England": "Social Work England",
}


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
    registration_body = RadioField("Professional registration", [Optional()], default="")
    registration_number = StringField(
        "Registration number",
        [Optional(), Length(max=50), NoControlCharacters()],
        filters=[clean_text],
    )
    confirm = BooleanField(
        "I confirm this is my advice, given within my own knowledge and expertise",
        [DataRequired("Confirm this is your advice")],
    )

    def validate(self, extra_validators: Any = None) -> bool:
        ok = super().validate(extra_validators)
        if (
            "registration_body" in self._fields
            and self.registration_body.data
            and not self.registration_number.data
        ):
            self.registration_number.errors = [
                *self.registration_number.errors,
                "Enter your registration number",
            ]
            ok = False
        return ok


def declaration_form(template: AdviceTemplate) -> DeclarationForm:
    """The declaration for a template: registration only where the profession has one."""
    form = DeclarationForm()
    if template.registration_bodies:
        form.registration_body.choices = [
            SelectChoice("", "Not registered"),
            *[SelectChoice(b, REGISTRATION_NAMES.get(b, b)) for b in template.registration_bodies],
        ]
    else:
        del form.registration_body
        del form.registration_number
    if template.audience != "professional":
        form.confirm.label.text = "I confirm this is what I want to say"
        form.role.label.text = "Your relationship to the child or young person"
        if template.audience == "child":
            form.role.label.text = "Who you are"
    return form


def signed_declaration(template: AdviceTemplate, form: DeclarationForm) -> dict[str, str]:
    """What the author declared, as sealed with their advice (or addendum): name, role, the
    day, and their registration where the profession has one and they gave it."""
    signed = {
        "name": form.name.data,
        "role": form.role.data,
        "signed_on": london_date(utcnow()).isoformat(),
    }
    if template.registration_bodies and form.registration_body.data:
        signed["registration_body"] = form.registration_body.data
        signed["registration_number"] = form.registration_number.data
    return signed
