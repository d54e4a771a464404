"""Forms case officers fill in."""

from __future__ import annotations

from typing import Any

from email_validator import EmailNotValidError, validate_email
from flask_wtf import FlaskForm
from wtforms import FieldList, Form, FormField, SelectChoice, SelectField, StringField, SubmitField
from wtforms.validators import DataRequired, Length

from advice_hub.models import Agency
from advice_hub.sealing.addenda import NOTE_MAX
from advice_hub.web.formkit import NoControlCharacters, date_field, required_textarea

YEAR_GROUPS = [
    SelectChoice("", "Not in education"),
    SelectChoice("-2", "Nursery (age 2)"),
    SelectChoice("-1", "Nursery (age 3 to 4)"),
    SelectChoice("0", "Reception"),
    *[SelectChoice(str(n), f"Year {n}") for n in range(1, 15)],
]
STATUTORY_AGENCIES = (
    Agency.PARENT_CARER,
    Agency.EDUCATION,
    Agency.EDUCATIONAL_PSYCHOLOGY,
    Agency.HEALTH,
    Agency.SOCIAL_CARE,
)


def _text(label: str, max_length: int = 200, required: bool = True) -> StringField:
    validators: list[Any] = [
        Length(max=max_length, message=f"{label} must be {max_length} characters or fewer"),
        NoControlCharacters(),
    ]
    if required:
        validators.insert(0, DataRequired(message=f"Enter the {label.lower()}"))
    return StringField(label, validators, filters=[lambda v: v.strip() if v else v])


class ContributorRow(Form):
    """One person to ask; a row left completely blank is ignored."""

    agency = SelectField(
        "Agency",
        choices=[
            SelectChoice("", "Choose an agency"),
            *[SelectChoice(a.value, a.label) for a in Agency],
        ],
    )
    name = _text("Name", required=False)
    email = _text("Email address", 320, required=False)
    organisation = _text("Organisation", required=False)
    role = _text("Role", required=False)

    def is_blank(self) -> bool:
        return not any((self.name.data, self.email.data, self.organisation.data, self.role.data))

    def validate(self, extra_validators: Any = None) -> bool:
        ok = super().validate(extra_validators)
        if self.is_blank():
            return ok
        for field, message in (
            (self.agency, "Choose the contributor's agency"),
            (self.name, "Enter the contributor's name"),
            (self.email, "Enter the contributor's email address"),
            (self.organisation, "Enter the contributor's organisation"),
            (self.role, "Enter the contributor's role"),
        ):
            if not field.data and not field.errors:
                field.errors = [message]
                ok = False
        if self.email.data and not self.email.errors:
            try:
                self.email.data = validate_email(
                    self.email.data, check_deliverability=False
                ).normalized
            except EmailNotValidError:
                self.email.errors = [
                    "Enter an email address in the correct format, like name@example.org"
                ]
                ok = False
        return ok


class NewAssessmentForm(FlaskForm):
    given_names = _text("Child's given names")
    family_name = _text("Child's family name")
    date_of_birth = date_field("the date of birth")
    year_group = SelectField("Year group", choices=YEAR_GROUPS)
    requested_on = date_field("the date the assessment was requested")
    contributors = FieldList(
        FormField(ContributorRow), label="Contributor", min_entries=1, max_entries=30
    )
    add_contributor = SubmitField("Add another contributor")
    save = SubmitField("Save assessment")


class AgreeForm(FlaskForm):
    decided_on = date_field("the date of the decision to assess")


class AddendumRequestForm(FlaskForm):
    note = required_textarea(
        "What you are asking the author for",
        "Enter what you are asking the author to add or correct",
        NOTE_MAX,
    )
