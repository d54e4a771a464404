"""Which dates cannot be true: pure functions over the dates an officer or a council system
gives, each answering every problem it finds at once (not only the first), each naming the
input at fault.

The staff forms run these same rules while they check what was typed, so a page shows every
mistake together; the domain functions run them again before changing anything, so the API
and every other caller get the same refusals.

A date that cannot be known yet (in the future where the past is meant), a date before the
thing it follows (a decision before the request, advice written before the child was born)
and a person too old for the law (an EHC needs assessment is of a child or a young person,
and a young person is under 25: Children and Families Act 2014, section 83(2)) are refused.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from advice_hub.display import long_date

# Children and Families Act 2014, s.83(2): a young person is over compulsory school age but
# under 25. Nobody aged 25 or over can be assessed.
AGE_LIMIT = 25


@dataclass(frozen=True)
class DateProblem:
    """One date that cannot be true: the input at fault and what to do about it."""

    field: str
    message: str


def age_on(date_of_birth: date, day: date) -> int:
    """Completed years of age on ``day`` (someone born on 29 February turns a year older on
    1 March in a year with no 29 February)."""
    years = day.year - date_of_birth.year
    if (day.month, day.day) < (date_of_birth.month, date_of_birth.day):
        years -= 1
    return years


def _not_after_today(
    value: date | None, today: date, *, field: str, what: str
) -> DateProblem | None:
    if value is not None and value > today:
        return DateProblem(field, f"{what} must be today or in the past")
    return None


def assessment_date_problems(
    *, date_of_birth: date | None, requested_on: date | None, today: date
) -> list[DateProblem]:
    """What is wrong with a new assessment's dates: the child's date of birth
    (``child.date_of_birth``) and the day the council received the request
    (``requested_on``). A date left out (``None``) is not checked here."""
    problems = [
        problem
        for problem in (
            _not_after_today(
                date_of_birth, today, field="child.date_of_birth", what="The date of birth"
            ),
            _not_after_today(
                requested_on,
                today,
                field="requested_on",
                what="The date the council received the request",
            ),
        )
        if problem is not None
    ]
    if date_of_birth is None or requested_on is None or problems:
        return problems
    if date_of_birth > requested_on:
        problems.append(
            DateProblem(
                "child.date_of_birth",
                "The date of birth must be on or before the date the council received the "
                f"request, {long_date(requested_on)}",
            )
        )
    elif age_on(date_of_birth, requested_on) >= AGE_LIMIT:
        problems.append(
            DateProblem(
                "child.date_of_birth",
                f"The child or young person must be under {AGE_LIMIT} on the date the council "
                f"received the request, {long_date(requested_on)}. Check the date of birth",
            )
        )
    return problems


def decision_date_problems(
    *, decided_on: date | None, requested_on: date, today: date
) -> list[DateProblem]:
    """What is wrong with the date of the decision to assess (``decided_on``)."""
    if decided_on is None:
        return []
    if decided_on > today:
        return [DateProblem("decided_on", "The date of the decision must be today or in the past")]
    if decided_on < requested_on:
        return [
            DateProblem(
                "decided_on",
                "The date of the decision must be on or after the date the council received "
                f"the request, {long_date(requested_on)}",
            )
        ]
    return []


@dataclass(frozen=True)
class Agreement:
    """One of the three agreements reuse needs (reg 6(4)): its input, date and who agreed."""

    field: str
    agreed_on: date | None
    who: str  # "the author", "the local authority", "the parent or young person"


def reuse_agreements(
    *, author_agreed_on: date | None, la_agreed_on: date | None, family_agreed_on: date | None
) -> list[Agreement]:
    """The three agreements reuse needs, each with its input and who agreed."""
    return [
        Agreement("author_agreed_on", author_agreed_on, "the author"),
        Agreement("la_agreed_on", la_agreed_on, "the local authority"),
        Agreement("family_agreed_on", family_agreed_on, "the parent or young person"),
    ]


def reuse_date_problems(
    *,
    advice_dated: date | None,
    agreements: Iterable[Agreement],
    date_of_birth: date | None,
    today: date,
) -> list[DateProblem]:
    """What is wrong with the dates of existing advice reused under reg 6(4): when it was
    written (``advice_dated``), never before the child was born nor in the future, and each
    agreement that it is sufficient, never before it was written nor in the future."""
    problems = []
    written = None
    if advice_dated is not None:
        if advice_dated > today:
            problems.append(
                DateProblem("advice_dated", "The date of the advice must be today or in the past")
            )
        elif date_of_birth is not None and advice_dated < date_of_birth:
            problems.append(
                DateProblem(
                    "advice_dated",
                    "The date of the advice must be on or after the child's date of birth, "
                    f"{long_date(date_of_birth)}",
                )
            )
        else:
            written = advice_dated
    for agreement in agreements:
        agreed_on = agreement.agreed_on
        if agreed_on is None:
            continue
        if agreed_on > today:
            problems.append(
                DateProblem(
                    agreement.field,
                    f"The date {agreement.who} agreed must be today or in the past",
                )
            )
        elif written is not None and agreed_on < written:
            problems.append(
                DateProblem(
                    agreement.field,
                    f"The date {agreement.who} agreed must be on or after the date of the advice, "
                    f"{long_date(written)}",
                )
            )
    return problems


def exception_period_problems(
    starts_on: date | None, ends_on: date | None, *, at_least_four_weeks: bool
) -> list[DateProblem]:
    """What is wrong with an exception's period: it cannot end (``ends_on``) before it
    starts (``starts_on``), and a reason that counts only for 4 weeks or more in a row
    (``at_least_four_weeks``) cannot be shorter."""
    if starts_on is None or ends_on is None:
        return []
    if ends_on < starts_on:
        return [DateProblem("ends_on", "The end date cannot be before the start date")]
    if at_least_four_weeks and (ends_on - starts_on).days + 1 < 28:
        return [
            DateProblem(
                "ends_on",
                "This exception applies only for 4 weeks or more in a row. For a shorter "
                "time, extend the deadline instead",
            )
        ]
    return []
