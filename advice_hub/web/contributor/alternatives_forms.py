"""Forms for what a contributor can do instead of giving advice."""

from __future__ import annotations

from typing import Any

from flask_wtf import FlaskForm
from wtforms import BooleanField, RadioField, SelectChoice, StringField, TextAreaField
from wtforms.validators import AnyOf, DataRequired, InputRequired, Length

from advice_hub.models import DeadlineReason
from advice_hub.requests.alternatives import (
    DETAILS_MAX,
    EMAIL_MAX,
    NAME_MAX,
    NOTE_MAX,
    WHAT_THEY_KNOW_MAX,
)
from advice_hub.web.formkit import NoControlCharacters, clean_text, date_field, normalise_email


def _limit(what: str, limit: int) -> Length:
    return Length(max=limit, message=f"{what} must be {limit:,} characters or fewer")


def _text(label: str, what: str, limit: int, *, missing: str | None = None) -> StringField:
    """A one-line text field; `what` names it in messages ("Your colleague's name")."""
    validators: list[Any] = [_limit(what, limit), NoControlCharacters()]
    if missing:
        validators.insert(0, DataRequired(missing))
    return StringField(label, validators, filters=[clean_text])


class NotKnownForm(FlaskForm):
    # Labels here name a field in messages; the pages show their own, fuller wording.
    what_we_know = TextAreaField(
        "What you know about them",
        [_limit("What you know about them", WHAT_THEY_KNOW_MAX), NoControlCharacters()],
        filters=[clean_text],
    )
    name = _text("Your full name", "Your full name", NAME_MAX, missing="Enter your full name")
    role = _text("Your role", "Your role", NAME_MAX, missing="Enter your role")
    confirm = BooleanField(
        "I confirm this child or young person is not known to our service",
        [DataRequired("Confirm that this child or young person is not known to your service")],
    )


class PassOnForm(FlaskForm):
    colleague_name = _text(
        "Your colleague's full name",
        "Your colleague's name",
        NAME_MAX,
        missing="Enter your colleague's full name",
    )
    colleague_email = _text(
        "Your colleague's email address",
        "Your colleague's email address",
        EMAIL_MAX,
        missing="Enter your colleague's email address",
    )
    colleague_role = _text(
        "Their role", "Their role", NAME_MAX, missing="Enter your colleague's role"
    )
    colleague_organisation = _text(
        "Their organisation",
        "Their organisation",
        NAME_MAX,
        missing="Enter your colleague's organisation",
    )
    note = TextAreaField(
        "Why you are passing this on",
        [_limit("Why you are passing this on", NOTE_MAX), NoControlCharacters()],
        filters=[clean_text],
    )

    def validate_colleague_email(self, field: StringField) -> None:
        normalise_email(field)


DEADLINE_REASONS = [reason.value for reason in DeadlineReason]


class DeadlineForm(FlaskForm):
    reason = RadioField(
        "Why will your advice be late?",
        [
            InputRequired("Choose why your advice will be late"),
            AnyOf(DEADLINE_REASONS, message="Choose why your advice will be late"),
        ],
        choices=[SelectChoice(reason.value, reason.label) for reason in DeadlineReason],
        validate_choice=False,  # AnyOf says it in words a person can act on
    )
    details = TextAreaField(
        "Details",
        [
            DataRequired("Enter the details of why your advice will be late"),
            _limit("Details", DETAILS_MAX),
            NoControlCharacters(),
        ],
        filters=[clean_text],
    )
    expected_by = date_field("the date you expect to give your advice", required=False)
