"""The JSON API's contract: request and response bodies, and the OpenAPI document built from them.

Request models are strict: unknown fields are refused, numbers are never read from strings,
and dates are ISO `YYYY-MM-DD` only (bodies are validated as JSON, where strict mode still
reads dates from strings). The OpenAPI document (``web.api.openapi``) is built from these same
models, so what is published is what is enforced.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Annotated

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    EmailStr,
    Field,
    StringConstraints,
)

from advice_hub.assessments.checks import REASON_MAX
from advice_hub.assessments.plan_milestones import Milestone
from advice_hub.models import Agency, AssessmentStatus, PlanDecision, RequestStatus
from forms.text import CONTROL_CHARACTERS

# Control characters (NUL above all) have no place in a name; PostgreSQL cannot even store NUL.
NO_CONTROL_CHARACTERS = r"^[^\x00-\x1f\x7f]*$"
MAX_CONTRIBUTORS = 30


def _no_control_characters(value: str) -> str:
    if any(ord(c) < 0x20 or ord(c) == 0x7F for c in value):
        raise ValueError("must not contain control characters or line breaks")
    return value


def _no_control_characters_but_line_breaks(value: str) -> str:
    if CONTROL_CHARACTERS.search(value):
        raise ValueError("must not contain control characters")
    return value


# One line of text, as the matching String(200) columns in the models hold it.
ShortText = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1, max_length=200),
    AfterValidator(_no_control_characters),
    Field(json_schema_extra={"pattern": NO_CONTROL_CHARACTERS}),
]
# Free text a person wrote, line breaks allowed; control characters otherwise refused.
ReasonText = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1, max_length=REASON_MAX),
    AfterValidator(_no_control_characters_but_line_breaks),
]
Sha256 = Annotated[str, Field(pattern=r"^[0-9a-f]{64}$", description="SHA-256, lowercase hex")]


class RequestBody(BaseModel):
    """Base for request bodies: strict, and unknown fields are an error, not ignored."""

    model_config = ConfigDict(extra="forbid", strict=True, str_strip_whitespace=True)


class ResponseBody(BaseModel):
    """Base for response bodies."""

    model_config = ConfigDict(extra="forbid")


# --- Requests ---------------------------------------------------------------------------


class Child(RequestBody):
    """The child or young person being assessed."""

    given_names: ShortText
    family_name: ShortText
    date_of_birth: date
    year_group: Annotated[int, Field(ge=-2, le=14)] | None = Field(
        default=None,
        description="-2 and -1 nursery, 0 reception, 1 to 14 school and college years; "
        "null when not in education",
    )


class ContributorIn(RequestBody):
    """A person the council will ask for advice once it agrees to assess."""

    agency: Agency
    name: ShortText
    email: EmailStr
    organisation: ShortText
    role: ShortText
    service_id: int | None = Field(
        default=None,
        description="The contributor directory's service of the contributor's agency they "
        "work in, if any: its leads then hear of their late advice and its reviewer signs it "
        "off, instead of the agency's. Refused (422, field service) if it is retired or "
        "another agency's",
    )


class CreateAssessment(RequestBody):
    """A request for an EHC needs assessment, with the people who will be asked for advice."""

    child: Child
    requested_on: date = Field(description="When the council received the request to assess")
    contributors: Annotated[list[ContributorIn], Field(min_length=1, max_length=MAX_CONTRIBUTORS)]
    team: ShortText | None = Field(
        default=None,
        description="The team the assessment belongs to. A key records assessments for its "
        "own team only: give its name (in any case) to have that checked, or leave it out",
    )
    case_officer_email: EmailStr | None = Field(
        default=None,
        description="The email address (in any case) of the case officer or team manager in "
        "the team who will hold the assessment and get its daily digest; null for none yet",
    )


class AgreeAssessment(RequestBody):
    """The council's decision to assess; advice requests are sent once it is recorded."""

    decided_on: date = Field(description="The date of the decision to assess")
    late_reason: ReasonText | None = Field(
        default=None,
        description="Why the decision is after its 6-week limit (regulation 5(1)); required "
        "then, and kept in the audit log. Ignored for a decision in time",
    )


class RecordMilestone(RequestBody):
    """A plan milestone as it happens: the decision whether to issue a plan, the draft plan
    sent, or the final plan issued. Each follows the one before; a decision not to issue, and
    the final plan, close the assessment."""

    milestone: Milestone = Field(description="Which milestone happened")
    on: date = Field(description="The day it happened: today or in the past")
    decision: PlanDecision | None = Field(
        default=None,
        description="For plan_decision only, and required then: whether a plan will be issued",
    )
    early_reason: ReasonText | None = Field(
        default=None,
        description="For final_plan_issued: why the final plan is issued before the 15 days "
        "for comments on the draft end (regulation 13(1)(a)); required then, and kept in the "
        "audit log",
    )


# --- Responses --------------------------------------------------------------------------


class AssessmentCreated(ResponseBody):
    """The assessment just recorded."""

    id: uuid.UUID
    reference: str = Field(description="The reference to quote on the phone and in emails")


class AssessmentAgreed(ResponseBody):
    """The decision to assess is recorded; the advice requests are being sent."""

    id: uuid.UUID
    reference: str
    status: AssessmentStatus


class AdviceRequestOut(ResponseBody):
    """One request for advice and where it has got to."""

    id: uuid.UUID
    agency: Agency
    status: RequestStatus
    due_on: date | None = Field(
        description="The last day for advice (6 weeks from receipt); null until sent"
    )
    sent_at: datetime | None = Field(
        description="When the mail server accepted the first email: the 6-week clock starts here"
    )
    submitted_at: datetime | None
    content_sha256: Sha256 | None = Field(description="Fingerprint of the sealed advice")
    seal_sha256: Sha256 | None = Field(description="The seal, chained to the seal before it")


class MilestonesOut(ResponseBody):
    """The council's milestones: when each is due (after assessment exceptions; null while an
    exception holds them) and what happened, as recorded."""

    decision_due_on: date | None = Field(description="The decision whether to assess (6 weeks)")
    decided_on: date | None = Field(description="When the council decided to assess")
    draft_due_on: date | None = Field(description="The draft plan, or a decision not to issue")
    plan_decision: PlanDecision | None
    plan_decided_on: date | None
    draft_plan_sent_on: date | None
    final_due_on: date | None = Field(description="The final plan (20 weeks)")
    final_plan_issued_on: date | None


class MilestoneRecorded(ResponseBody):
    """The milestone is recorded; the assessment as it now stands."""

    id: uuid.UUID
    reference: str
    status: AssessmentStatus
    milestones: MilestonesOut


class AssessmentStatusOut(ResponseBody):
    """An assessment and each of its advice requests."""

    id: uuid.UUID
    reference: str
    status: AssessmentStatus
    requested_on: date
    decided_on: date | None
    team: str = Field(description="The name of the team the assessment belongs to")
    case_officer_email: str | None = Field(
        description="The email address of the assessment's case officer; null when none is named"
    )
    milestones: MilestonesOut
    advice_requests: list[AdviceRequestOut]


class AddendumOut(ResponseBody):
    """An addendum its author added to sealed advice, sealed in its own right.

    Checked like the advice: SHA-256 of `canonical` is `content_sha256`, and `seal_sha256` is
    SHA-256 of `"<previous_seal_sha256>:<content_sha256>"`. Its canonical JSON (format
    `advice-hub-addendum/1`) names the advice it adds to in `addendum_to` (that advice's
    `content_sha256` and `seal_sha256`), and holds the author's words in `addendum` and
    `reason`, their `declaration` and `sealed_at`.
    """

    canonical: str = Field(description="Canonical JSON text of the addendum; never re-encode it")
    content_sha256: Sha256
    previous_seal_sha256: Sha256 = Field(
        description="The seal this one is chained to (the advice's own seal, or a seal after it)"
    )
    seal_sha256: Sha256
    sealed_at: datetime


class SealedAdviceOut(ResponseBody):
    """Submitted advice exactly as sealed, and its author's addenda.

    `canonical` is the exact text that was hashed: SHA-256 of its UTF-8 bytes is
    `content_sha256`, and `seal_sha256` is SHA-256 of the ASCII text
    `"<previous_seal_sha256 or 64 zeros>:<content_sha256>"`. The advice never changes; its
    author corrects or adds to it only with addenda, listed oldest first.
    """

    advice_request_id: uuid.UUID
    agency: Agency
    canonical: str = Field(description="Canonical JSON text of the advice; never re-encode it")
    content_sha256: Sha256
    previous_seal_sha256: Sha256 | None = Field(
        description="The seal this one is chained to; null for the first seal"
    )
    seal_sha256: Sha256
    sealed_at: datetime
    addenda: list[AddendumOut] = Field(
        description="The author's addenda to this advice, in the order they were sealed"
    )


class FieldError(ResponseBody):
    """One problem with one input."""

    field: str = Field(description="Dotted path to the input, e.g. contributors.0.email")
    message: str


class ErrorDetail(ResponseBody):
    """What went wrong, in words for a developer and a stable code for a program."""

    code: str = Field(description="Stable machine-readable code, e.g. validation_failed")
    message: str
    fields: list[FieldError] = Field(default_factory=list)


class Error(ResponseBody):
    """Every error the API returns has this shape."""

    error: ErrorDetail
