"""What a report covers: a range of whole months, and whose work (its scope).

The range is given as months, 'YYYY-MM' to 'YYYY-MM', both included; by default the twelve
months up to and including the current one. A scope says which teams' assessments and which
agency's requests a report may count: a manager's teams, an agency lead's agency in every
team, an API key's team, everything for an auditor.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date

DEFAULT_MONTHS = 12
# A report over more than this many months is refused: a page, not an archive.
LONGEST_MONTHS = 60
MONTH_PATTERN = re.compile(r"^(\d{4})-(\d{2})$")


class PeriodError(ValueError):
    """A range of months that cannot be read; the message says what to type instead."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.message = message


@dataclass(frozen=True, order=True)
class Month:
    year: int
    month: int

    @classmethod
    def of(cls, day: date) -> Month:
        return cls(day.year, day.month)

    @classmethod
    def parse(cls, text: str, field: str) -> Month:
        found = MONTH_PATTERN.match(text.strip())
        if found is None or not 1 <= int(found.group(2)) <= 12 or int(found.group(1)) < 2000:
            raise PeriodError(field, "Enter a month as a year and month, like 2026-04")
        return cls(int(found.group(1)), int(found.group(2)))

    def plus(self, months: int) -> Month:
        index = self.year * 12 + self.month - 1 + months
        return Month(index // 12, index % 12 + 1)

    @property
    def first_day(self) -> date:
        return date(self.year, self.month, 1)

    @property
    def key(self) -> str:
        """The month as the database groups it and the feeds show it: '2026-04'."""
        return f"{self.year:04d}-{self.month:02d}"

    @property
    def label(self) -> str:
        return self.first_day.strftime("%B %Y")


@dataclass(frozen=True)
class Period:
    first: Month
    last: Month

    @classmethod
    def ending(cls, today: date, months: int = DEFAULT_MONTHS) -> Period:
        last = Month.of(today)
        return cls(last.plus(1 - months), last)

    @classmethod
    def parse(cls, first: str | None, last: str | None, *, today: date) -> Period:
        """The range typed (either end may be left out), or PeriodError naming the field."""
        default = cls.ending(today)
        end = Month.parse(last, "to") if last else default.last
        start = Month.parse(first, "from") if first else end.plus(1 - DEFAULT_MONTHS)
        if start > end:
            raise PeriodError("from", "The first month must be the same as or before the last")
        period = cls(start, end)
        if len(period) > LONGEST_MONTHS:
            raise PeriodError("from", f"Choose at most {LONGEST_MONTHS} months")
        return period

    @property
    def starts_on(self) -> date:
        return self.first.first_day

    @property
    def ends_before(self) -> date:
        """The first day after the range."""
        return self.last.plus(1).first_day

    def months(self) -> Iterator[Month]:
        month = self.first
        while month <= self.last:
            yield month
            month = month.plus(1)

    def __len__(self) -> int:
        return (self.last.year - self.first.year) * 12 + self.last.month - self.first.month + 1

    @property
    def label(self) -> str:
        if self.first == self.last:
            return self.first.label
        return f"{self.first.label} to {self.last.label}"


@dataclass(frozen=True)
class Scope:
    """Whose work a report counts. ``team_ids`` None: every team; ``agency`` None: every
    agency. A scope limited to one agency shows no plan figures: those are whole assessments,
    which an agency lead does not reach."""

    team_ids: frozenset[int] | None = None
    agency: str | None = None

    @property
    def includes_plans(self) -> bool:
        return self.agency is None

    def narrowed_to(self, team_id: int | None) -> Scope:
        """This scope, limited to one team (which the caller has checked it reaches)."""
        if team_id is None:
            return self
        return Scope(team_ids=frozenset({team_id}), agency=self.agency)
