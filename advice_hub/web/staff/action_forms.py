"""Forms for a case officer's actions on an assessment and its requests.

Field names match the `field` the domain names in its refusals, so each refusal lands on the
input it is about. The forms check presence, length and format, and run the domain's date
rules with them (``ChecksDates``) so every mistake shows at once; the domain checks the rules.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from flask_wtf import FlaskForm
from wtforms import RadioField, SelectChoice, SelectField, StringField
from wtforms.validators import AnyOf, InputRequired, ValidationError

from advice_hub.assessments.assessment_actions import MILESTONE_CLOSURES
from advice_hub.assessments.checks import EMAIL_MAX, NAME_MAX
from advice_hub.assessments.dates import (
    DateProblem,
    exception_period_problems,
    reuse_agreements,
    reuse_date_problems,
)
from advice_hub.assessments.recording import ContributorDetails
from advice_hub.assessments.request_actions import DETAILS_MAX, NOT_AN_EXCEPTION, REASON_MAX
from advice_hub.models import (
    Agency,
    AssessmentExceptionReason,
    ClosureReason,
    DeadlineReason,
    PlanDecision,
)
from advice_hub.web.formkit import (
    date_field,
    normalise_email,
    required_text,
    required_textarea,
)
from advice_hub.web.staff.directory_picker import (
    DETAIL_FIELDS,
    TYPE_INSTEAD,
    OfferedService,
    check_pick,
    service_choices,
)
from advice_hub.web.staff.forms import ChecksDates, ConfirmsWarnings


def _text(label: str, missing: str, limit: int = NAME_MAX) -> StringField:
    return required_text(label, missing, limit)


def _choice(label: str, missing: str, choices: list[SelectChoice]) -> RadioField:
    values = [choice.value for choice in choices]
    return RadioField(
        label,
        [InputRequired(missing), AnyOf(values, message=missing)],
        choices=choices,
        validate_choice=False,  # AnyOf says it in words a person can act on
    )


AGENCY_CHOICES = [SelectChoice(agency.value, agency.label) for agency in Agency]
# Only the three reasons the law allows (reg 8(2)); "other" is never offered as an exception.
LAWFUL_REASONS = [
    SelectChoice(reason.value, reason.label)
    for reason in DeadlineReason
    if reason.is_lawful_exception
]


class ChaseForm(FlaskForm):
    """Nothing to fill in: the button, and the security token."""


class ExtendForm(ConfirmsWarnings):
    new_due_on = date_field("the new due date")
    reason = required_textarea("Reason", "Enter the reason for the extension", REASON_MAX)


class ExceptionPeriodForm(ChecksDates):
    """An exception's period, checked as the domain checks it (``exception_period_problems``)."""

    def at_least_four_weeks(self) -> bool:
        """Whether the reason chosen counts only for 4 weeks or more in a row."""
        return False

    def date_problems(self, today: date) -> list[DateProblem]:
        return exception_period_problems(
            self.date_value("starts_on"),
            self.date_value("ends_on"),
            at_least_four_weeks=self.at_least_four_weeks(),
        )


class RequestExceptionForm(ExceptionPeriodForm, ConfirmsWarnings):
    # "other" is never offered; posted anyway, it is refused saying why (validate_reason).
    reason = RadioField(
        "Reason",
        [
            InputRequired("Choose the reason for the exception"),
            AnyOf(
                [reason.value for reason in DeadlineReason],
                message="Choose the reason for the exception",
            ),
        ],
        choices=LAWFUL_REASONS,
        validate_choice=False,
    )
    details = required_textarea("Details", "Enter the details of the exception", DETAILS_MAX)
    starts_on = date_field("the date the exception started")
    ends_on = date_field("the date the exception ended", required=False)
    new_due_on = date_field("the new due date", required=False)

    def validate_reason(self, field: RadioField) -> None:
        # Said with the form's other mistakes, not only once they are put right.
        if field.data == DeadlineReason.OTHER:
            raise ValidationError(NOT_AN_EXCEPTION)

    def at_least_four_weeks(self) -> bool:
        return bool(self.reason.data == DeadlineReason.ABSENT_FROM_AREA)


class EndRequestExceptionForm(ConfirmsWarnings):
    ends_on = date_field("the last day of the exception")
    new_due_on = date_field("the new due date", required=False)


class WithdrawForm(FlaskForm):
    reason = required_textarea("Reason", "Enter why the request is withdrawn", REASON_MAX)


class AddContributorForm(FlaskForm):
    """One more person to ask, typed in or picked from the directory (``service``): the
    details left blank are then its contact's."""

    agency = SelectField(
        "Agency",
        [AnyOf([c.value for c in AGENCY_CHOICES], message="Choose the contributor's agency")],
        choices=[SelectChoice("", "Choose an agency"), *AGENCY_CHOICES],
        validate_choice=False,
    )
    service = SelectField("Pick from the directory", choices=[TYPE_INSTEAD], validate_choice=False)
    name = _text("Full name", "Enter the contributor's full name")
    email = _text("Email address", "Enter the contributor's email address", EMAIL_MAX)
    organisation = _text("Organisation", "Enter the contributor's organisation")
    role = _text("Role", "Enter the contributor's role")
    parent_requested = _choice(
        "Did the parent or young person ask for this contributor?",
        "Say whether the parent or young person asked for this contributor",
        [SelectChoice("yes", "Yes"), SelectChoice("no", "No")],
    )

    def use_directory(self, offered: dict[str, OfferedService]) -> None:
        self.offered = offered
        self.service.choices = service_choices(offered, None)

    def validate(self, extra_validators: Any = None) -> bool:
        offered: dict[str, OfferedService] = getattr(self, "offered", {})
        chosen = offered.get(str(self.service.data)) if self.service.data else None
        if chosen is not None and not self.agency.data:
            self.agency.data = chosen.agency  # picking a service says whose advice it is
        super().validate(extra_validators)
        if check_pick(self, offered) is not None:  # what is left blank is its contact's
            for name in DETAIL_FIELDS:
                if not self[name].data:
                    self[name].errors = []
        return not any(field.errors for field in self)

    def validate_email(self, field: StringField) -> None:
        if field.data or not self.service.data:
            normalise_email(field)

    def details(self) -> ContributorDetails:
        return ContributorDetails(
            agency=self.agency.data,
            name=self.name.data or "",
            email=self.email.data or "",
            organisation=self.organisation.data or "",
            role=self.role.data or "",
            service_id=int(self.service.data) if self.service.data else None,
        )


class ReuseForm(ChecksDates):
    agency = SelectField(
        "Whose advice is it?",
        [AnyOf([c.value for c in AGENCY_CHOICES], message="Choose whose advice it is")],
        choices=[SelectChoice("", "Choose an agency"), *AGENCY_CHOICES],
        validate_choice=False,
    )
    description = required_textarea("Which advice", "Enter which advice it is", REASON_MAX)
    author_name = _text("Author", "Enter the author's name")
    advice_dated = date_field("the date of the advice")
    author_agreed_on = date_field("the date the author agreed the advice is sufficient")
    la_agreed_on = date_field("the date the local authority agreed the advice is sufficient")
    family_agreed_on = date_field(
        "the date the parent or young person agreed the advice is sufficient"
    )
    family_agreed_by = _text(
        "Parent or young person who agreed",
        "Enter the name of the parent or young person who agreed",
    )
    # Choices are the assessment's open requests, set by the view.
    replaced_request = SelectField(
        "Request this advice replaces", choices=[], validate_choice=False
    )

    # The child's date of birth, set by the view: no advice about them is older.
    child_born_on: date | None = None

    def set_requests(self, choices: list[SelectChoice]) -> None:
        self.replaced_request.choices = [SelectChoice("", "None"), *choices]
        allowed = {choice.value for choice in self.replaced_request.choices}
        self.replaced_request.validators = [
            AnyOf(allowed, message="Choose a request of this assessment, or none")
        ]

    def date_problems(self, today: date) -> list[DateProblem]:
        return reuse_date_problems(
            advice_dated=self.date_value("advice_dated"),
            agreements=reuse_agreements(
                author_agreed_on=self.date_value("author_agreed_on"),
                la_agreed_on=self.date_value("la_agreed_on"),
                family_agreed_on=self.date_value("family_agreed_on"),
            ),
            date_of_birth=self.child_born_on,
            today=today,
        )


class AssessmentExceptionForm(ExceptionPeriodForm):
    reason = _choice(
        "Reason",
        "Choose the reason for the exception",
        [SelectChoice(r.value, r.label) for r in AssessmentExceptionReason],
    )
    details = required_textarea("Details", "Enter the details of the exception", DETAILS_MAX)
    starts_on = date_field("the date the exception started")
    ends_on = date_field("the date the exception ended", required=False)

    def at_least_four_weeks(self) -> bool:
        chosen = self.reason.data
        return chosen in {r.value for r in AssessmentExceptionReason} and (
            chosen != AssessmentExceptionReason.FAMILY_CIRCUMSTANCES
        )


class EndAssessmentExceptionForm(FlaskForm):
    ends_on = date_field("the last day of the exception")


class CloseForm(FlaskForm):
    # A plan issued, or a decision not to issue, is a milestone recorded with its date.
    reason = _choice(
        "Why is the assessment closing?",
        "Choose why the assessment is closing",
        [SelectChoice(r.value, r.label) for r in ClosureReason if r not in MILESTONE_CLOSURES],
    )


class PlanDecisionForm(FlaskForm):
    decision = _choice(
        "What did the council decide?",
        "Choose whether the council will issue an EHC plan",
        [SelectChoice(d.value, d.label) for d in PlanDecision],
    )
    on = date_field("the date of the decision")


class DraftPlanForm(FlaskForm):
    on = date_field("the date the draft plan was sent")


class FinalPlanForm(ConfirmsWarnings):
    on = date_field("the date the final plan was issued")


class AssignForm(FlaskForm):
    # "team_id:user_id", offered by the page from the teams the person is in.
    officer = _choice("Who should be the case officer?", "Choose the new case officer", [])
    reason = required_textarea("Reason", "Enter why the assessment is moving", REASON_MAX)
