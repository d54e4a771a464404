"""What every case officer action checks first, and the refusals it raises: the row locks
(assessment first, then request, so two officers never deadlock), closed assessments and
requests, text and date inputs, exception periods. Each refusal names the input at fault.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from sqlalchemy import inspect
from sqlalchemy.orm import Session

from advice_hub.assessments.dates import DateProblem, exception_period_problems
from advice_hub.models import (
    CLOSED_STATUSES,
    AdviceRequest,
    Assessment,
    AssessmentException,
    AssessmentStatus,
    RequestException,
    RequestStatus,
)
from forms.text import CONTROL_CHARACTERS

# The longest text each input takes; the web forms check the same limits first.
NAME_MAX = 200
EMAIL_MAX = 320
REASON_MAX = 2000
DETAILS_MAX = 5000


class OfficerActionError(ValueError):
    """An input the domain refuses; `field` names the input at fault when there is one.

    ``problems`` holds every input at fault, each with its message: all the dates found
    wrong at once (see ``dates``), whose first gives the message and field; otherwise the one
    input named, if any.
    """

    def __init__(
        self,
        message: str,
        *,
        field: str | None = None,
        problems: Sequence[DateProblem] = (),
    ) -> None:
        super().__init__(message)
        self.field = field
        self.problems = tuple(problems) or (
            (DateProblem(field, message),) if field is not None else ()
        )


def refuse_dates(
    problems: Sequence[DateProblem], error: type[OfficerActionError] = OfficerActionError
) -> None:
    """Refuse, naming every date at fault, when there is any problem."""
    if problems:
        raise error(problems[0].message, field=problems[0].field, problems=problems)


class RequestClosedError(OfficerActionError):
    """The request is closed: submitted, declined, passed on or withdrawn."""

    def __init__(self, advice_request: AdviceRequest) -> None:
        status = RequestStatus(advice_request.status)
        super().__init__(f"This request is closed ({status.label.lower()}), so it cannot change")


class AssessmentClosedError(OfficerActionError):
    def __init__(self) -> None:
        super().__init__("This assessment is closed, so it cannot change")


def lock_assessment(session: Session, assessment: Assessment) -> None:
    # Two officers at once (or a double click) must not both act: lock the row and re-read it.
    # SQLite's immediate transactions already serialise writers.
    if inspect(assessment).persistent:
        # Flushed first: refreshing would otherwise drop what this transaction changed so far.
        session.flush()
        session.refresh(assessment, with_for_update=True)
    if assessment.status == AssessmentStatus.CLOSED:
        raise AssessmentClosedError()


def lock_request(session: Session, advice_request: AdviceRequest) -> None:
    lock_assessment(session, advice_request.assessment)
    if inspect(advice_request).persistent:
        session.refresh(advice_request, with_for_update=True)
    if advice_request.status in CLOSED_STATUSES:
        raise RequestClosedError(advice_request)


def checked_text(value: str, *, field: str, what: str, limit: int, required: bool = True) -> str:
    if required and not value.strip():
        raise OfficerActionError(f"Enter {what}", field=field)
    if len(value) > limit:
        raise OfficerActionError(
            f"{what[:1].upper()}{what[1:]} must be {limit:,} characters or fewer", field=field
        )
    if CONTROL_CHARACTERS.search(value):
        raise OfficerActionError(
            f"{what[:1].upper()}{what[1:]} contains a control character", field=field
        )
    return value


def required_date(value: date | None, *, field: str, what: str) -> date:
    if value is None:
        raise OfficerActionError(f"Enter {what}", field=field)
    return value


def exception_start(
    starts_on: date | None, ends_on: date | None, *, at_least_four_weeks: bool
) -> date:
    start = required_date(starts_on, field="starts_on", what="the date the exception started")
    refuse_dates(exception_period_problems(start, ends_on, at_least_four_weeks=at_least_four_weeks))
    return start


def exception_last_day(
    session: Session, exception: RequestException | AssessmentException, ends_on: date | None
) -> date:
    session.refresh(exception)  # under the lock just taken: another officer may have ended it
    if exception.ends_on is not None:
        raise OfficerActionError("This exception has already ended")
    last_day = required_date(ends_on, field="ends_on", what="the last day of the exception")
    if last_day < exception.starts_on:
        raise OfficerActionError(
            "The exception cannot end before it started, "
            f"{exception.starts_on.day} {exception.starts_on:%B %Y}",
            field="ends_on",
        )
    return last_day
