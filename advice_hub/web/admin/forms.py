"""The administration pages' forms. They check presence, length and format; the domain
(``accounts``) checks the rules and its refusals are shown on the form's first input."""

from __future__ import annotations

from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import SelectChoice, SelectField, SelectMultipleField, StringField
from wtforms.validators import AnyOf, InputRequired, Length

from advice_hub.accounts.api_keys import NAME_MAX_LENGTH, SCOPES
from advice_hub.accounts.teams import TEAM_NAME_MAX
from advice_hub.accounts.users import EMAIL_MAX, NAME_MAX
from advice_hub.directory.services import DIRECTORY_AGENCIES
from advice_hub.models import Agency
from advice_hub.web.formkit import (
    NoControlCharacters,
    clean_text,
    normalise_email,
    offer,
    required_text,
)

NO_AGENCY = ""
AGENCY_CHOICES = [SelectChoice(agency.value, agency.label) for agency in Agency]


def _choice(label: str, missing: str) -> SelectField:
    return SelectField(
        label,
        [InputRequired(missing), AnyOf([], message=missing)],
        choices=[],
        validate_choice=False,  # AnyOf says it in words a person can act on
    )


class ConfirmForm(FlaskForm):
    """Nothing to fill in: the button, and the security token."""


class TeamForm(FlaskForm):
    name = required_text("Team name", "Enter the team's name", TEAM_NAME_MAX)


class AddMemberForm(FlaskForm):
    user = _choice("Who should join the team?", "Choose who should join the team")


class AgencyForm(FlaskForm):
    agency = _choice("Which agency do they speak for?", "Choose the agency they speak for")

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        offer(self.agency, [SelectChoice(NO_AGENCY, "None yet"), *AGENCY_CHOICES])


class ContactForm(FlaskForm):
    """A named person for an agency: its lead (with a title) or its sign-off reviewer (with a
    role)."""

    name = required_text("Name", "Enter their name", NAME_MAX)
    email = required_text("Email address", "Enter their email address", EMAIL_MAX)
    title = required_text("Title", "Enter their title", NAME_MAX)

    def validate_email(self, field: StringField) -> None:
        normalise_email(field)


class ApiKeyForm(FlaskForm):
    name = required_text("Name", "Enter a name for the key", NAME_MAX_LENGTH)
    team = _choice("Which team's assessments may it reach?", "Choose the key's team")
    scopes = SelectMultipleField(
        "What may it do?",
        [Length(min=1, message="Choose at least one thing the key may do")],
        choices=[SelectChoice(scope, f"{scope}: {what}") for scope, what in SCOPES.items()],
    )


def _optional_text(label: str, limit: int = NAME_MAX) -> StringField:
    """Checked for length and hidden characters here; the domain checks the rest."""
    return StringField(
        label,
        [
            Length(max=limit, message=f"{label} must be {limit:,} characters or fewer"),
            NoControlCharacters(),
        ],
        filters=[clean_text],
    )


class ServiceForm(FlaskForm):
    """A directory service. The domain (``directory.services.check_service``) names every
    problem at once, each on its input (the inputs are named as the CSV's columns)."""

    agency = _choice("Which agency's advice does it give?", "Choose the service's agency")
    name = _optional_text("Service name")
    organisation = _optional_text("Organisation")
    contact_name = _optional_text("Contact's name")
    contact_role = _optional_text("Contact's role")
    contact_email = _optional_text("Contact's email address", EMAIL_MAX)
    reviewer_name = _optional_text("Reviewer's name")
    reviewer_role = _optional_text("Reviewer's role")
    reviewer_email = _optional_text("Reviewer's email address", EMAIL_MAX)

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        offer(
            self.agency,
            [
                SelectChoice("", "Choose an agency"),
                *(SelectChoice(a.value, a.label) for a in DIRECTORY_AGENCIES),
            ],
        )


class ImportForm(FlaskForm):
    file = FileField("Upload a CSV file", [FileRequired("Select a CSV file to import")])
