"""Forms case officers fill in, and the two things many of them share: the domain's date
rules checked with everything else (``ChecksDates``), and confirming a warning with the
reason (``ConfirmsWarnings``)."""

from __future__ import annotations

from datetime import date
from typing import Any, ClassVar

from email_validator import EmailNotValidError, validate_email
from flask_wtf import FlaskForm
from wtforms import (
    FieldList,
    Form,
    FormField,
    HiddenField,
    SelectChoice,
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import AnyOf, DataRequired, Length

from advice_hub.assessments.checks import REASON_MAX
from advice_hub.assessments.confirmations import MISSING_REASON, Confirmation, WarningsToConfirm
from advice_hub.assessments.dates import DateProblem, assessment_date_problems
from advice_hub.assessments.guard_rails import WarningKind
from advice_hub.assessments.recording import ContributorDetails
from advice_hub.deadlines import london_date
from advice_hub.models import Agency, utcnow
from advice_hub.sealing.addenda import NOTE_MAX
from advice_hub.web.formkit import NoControlCharacters, clean_text, date_field, required_textarea
from advice_hub.web.staff.directory_picker import (
    TYPE_INSTEAD,
    OfferedService,
    check_pick,
    service_choices,
)

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


class ChecksDates(FlaskForm):
    """A form whose dates the domain's rules (``advice_hub.assessments.dates``) check while
    the form checks everything else, so every mistake on the page shows at once. The domain
    checks them again when it acts."""

    # The domain's name for an input, where the form's differs.
    DATE_FIELDS: ClassVar[dict[str, str]] = {}

    def date_problems(self, today: date) -> list[DateProblem]:
        """What the domain finds wrong with the dates typed (each ``None`` if unreadable)."""
        return []

    def date_value(self, name: str) -> date | None:
        """The date typed into the date input ``name``, or ``None`` when it is not a date."""
        value: date | None = getattr(self[name].form, "value", None)
        return value

    def validate(self, extra_validators: Any = None) -> bool:
        ok = super().validate(extra_validators)
        for problem in self.date_problems(london_date(utcnow())):
            field = self._fields.get(self.DATE_FIELDS.get(problem.field, problem.field))
            if field is None:
                continue
            if isinstance(field, FormField):
                if any(part.errors for part in field.form):
                    continue  # not a date yet: that is the mistake to put right first
                field = field.form.day
            field.errors = [*field.errors, problem.message]
            ok = False
        return ok


class ConfirmsWarnings(FlaskForm):
    """A form whose action may give a warning (``advice_hub.assessments.guard_rails``): the
    page then shows it and asks why the officer is going ahead. The hidden input names the
    warnings shown, so a reason is never taken for a warning the officer did not see."""

    confirm_warnings = HiddenField()
    warning_reason = TextAreaField(
        "Why are you going ahead despite the warning?",
        [
            Length(
                max=REASON_MAX, message=f"The reason must be {REASON_MAX:,} characters or fewer"
            ),
            NoControlCharacters(),
        ],
        filters=[clean_text],
    )

    def confirmation(self) -> Confirmation | None:
        kinds = frozenset(k for k in (self.confirm_warnings.data or "").split(",") if k)
        if not kinds:
            return None
        return Confirmation(kinds=kinds, reason=self.warning_reason.data or "")

    def ask_to_confirm(self, exc: WarningsToConfirm) -> None:
        self.confirm_warnings.data = ",".join(sorted({w.kind.value for w in exc.warnings}))
        if exc.reason_missing:
            self.warning_reason.errors = [MISSING_REASON]

    def warnings_confirming(self) -> list[str]:
        """The warnings shown when the form was posted, in a few words each."""
        kinds = (self.confirm_warnings.data or "").split(",")
        return [WarningKind(k).label for k in kinds if k in WarningKind.__members__.values()]


class ContributorRow(Form):
    """One person to ask, typed in or picked from the directory (``service``: whatever is
    left blank is the service's contact's); a row left completely blank is ignored."""

    agency = SelectField(
        "Agency",
        choices=[
            SelectChoice("", "Choose an agency"),
            *[SelectChoice(a.value, a.label) for a in Agency],
        ],
    )
    service = SelectField("Pick from the directory", choices=[TYPE_INSTEAD], validate_choice=False)
    name = _text("Name", required=False)
    email = _text("Email address", 320, required=False)
    organisation = _text("Organisation", required=False)
    role = _text("Role", required=False)
    # The live services, set by the view (``NewAssessmentForm.use_directory``).
    offered: ClassVar[dict[str, OfferedService]] = {}

    def is_blank(self) -> bool:
        return not any(
            (
                self.service.data,
                self.name.data,
                self.email.data,
                self.organisation.data,
                self.role.data,
            )
        )

    def details(self) -> ContributorDetails:
        return ContributorDetails(
            agency=Agency(self.agency.data),
            name=self.name.data or "",
            email=self.email.data or "",
            organisation=self.organisation.data or "",
            role=self.role.data or "",
            service_id=int(self.service.data) if self.service.data else None,
        )

    def validate(self, extra_validators: Any = None) -> bool:
        ok = super().validate(extra_validators)
        if self.is_blank():
            return ok
        picked = check_pick(self, self.offered)
        if self.service.errors:
            ok = False
        for field, message in (
            (self.agency, "Choose the contributor's agency"),
            (self.name, "Enter the contributor's name"),
            (self.email, "Enter the contributor's email address"),
            (self.organisation, "Enter the contributor's organisation"),
            (self.role, "Enter the contributor's role"),
        ):
            if field is not self.agency and (picked is not None or self.service.errors):
                continue  # the service's contact fills it
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


NO_CONTRIBUTOR = "Enter the details of at least one person to ask for advice"


class NewAssessmentForm(ChecksDates):
    # The person's teams are the choices (``formkit.offer``); validation refuses any other.
    team = SelectField(
        "Team",
        [
            DataRequired("Choose the team the assessment is for"),
            AnyOf([], "Choose the team the assessment is for"),
        ],
        coerce=int,
        validate_choice=False,
    )
    given_names = _text("Child's given names")
    family_name = _text("Child's family name")
    date_of_birth = date_field("the date of birth")
    year_group = SelectField("Year group", choices=YEAR_GROUPS)
    requested_on = date_field("the date the council received the request")
    contributors = FieldList(
        FormField(ContributorRow), label="Contributor", min_entries=1, max_entries=30
    )
    add_contributor = SubmitField("Add another contributor")
    save = SubmitField("Save assessment")

    DATE_FIELDS: ClassVar[dict[str, str]] = {"child.date_of_birth": "date_of_birth"}

    def date_problems(self, today: date) -> list[DateProblem]:
        return assessment_date_problems(
            date_of_birth=self.date_value("date_of_birth"),
            requested_on=self.date_value("requested_on"),
            today=today,
        )

    def use_directory(self, offered: dict[str, OfferedService]) -> None:
        """Offer each row the live services of its agency (all, while it has none)."""
        for entry in self.contributors:
            entry.form.offered = offered
            entry.form.service.choices = service_choices(offered, entry.form.agency.data)

    def rows(self) -> list[ContributorRow]:
        """The contributors typed in; rows left blank are not among them."""
        return [row.form for row in self.contributors if not row.form.is_blank()]

    def validate(self, extra_validators: Any = None) -> bool:
        ok = super().validate(extra_validators)
        if not self.rows():  # said with the other mistakes, about the list as a whole
            self.contributors.errors = [*self.contributors.errors, NO_CONTRIBUTOR]
            ok = False
        return ok


class AgreeForm(ConfirmsWarnings):
    decided_on = date_field("the date of the decision to assess")


class AddendumRequestForm(FlaskForm):
    note = required_textarea(
        "What you are asking the author for",
        "Enter what you are asking the author to add or correct",
        NOTE_MAX,
    )
