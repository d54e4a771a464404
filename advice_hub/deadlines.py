"""Statutory date arithmetic for EHC needs assessments (SEND Regulations 2014, SI 2014/1530).

Everything here is a pure function: nothing reads the clock, so callers pass "now" in.

Conventions:

* A *date* is a ``datetime.date`` meaning a calendar day in England (Europe/London).
* An *instant* is an aware ``datetime``; instants are stored and returned in UTC.
  ``london_date`` is the one bridge from an instant to the day it fell on in England.
* Statutory periods run in calendar days and weeks. Weekends and bank holidays do not move a
  statutory deadline; they only move when we send messages (``next_sending_instant``).
* Working days are Monday to Friday except the England and Wales bank holidays, taken from the
  maintained ``holidays`` library (substitute days and one-off days such as the 2022 state
  funeral and the 2023 coronation included), never from a hand-kept list.

Exceptions (reg 8(2) for a body's advice; reg 5(4), 10(4) and 13(3) for the local authority's
own milestones) excuse or move these dates and are recorded elsewhere; a waiting list is never
one of them.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import cache
from zoneinfo import ZoneInfo

import holidays

LONDON = ZoneInfo("Europe/London")

ADVICE_PERIOD = timedelta(weeks=6)  # reg 8(1): advice within 6 weeks of receiving the request
DECISION_PERIOD = timedelta(weeks=6)  # reg 5(1): decision whether to assess
DRAFT_PERIOD = timedelta(weeks=16)  # reg 10(1) and practice: draft out by week 16
FINAL_PERIOD = timedelta(weeks=20)  # reg 13(2): final plan
COMMENTS_DAYS = 15  # reg 13(1)(a): at least 15 days, beginning with the day served

OFFICE_OPENS = time(9, 0)
OFFICE_CLOSES = time(16, 0)


def london_date(instant: datetime) -> date:
    """The calendar date in England at an aware instant.

    23:30 UTC on 30 June is 00:30 British Summer Time on 1 July, so it is 1 July here; in winter
    (GMT) 23:30 UTC is still the same day. A naive datetime is refused rather than guessed at.
    """
    if instant.tzinfo is None:
        raise ValueError("an instant must be timezone-aware")
    return instant.astimezone(LONDON).date()


def advice_due_on(received_at: datetime) -> date:
    """The last day for advice: 6 weeks from the day the request was received (reg 8(1)).

    ``received_at`` is the instant the request's first email was delivered; the day of receipt
    is that instant's date in England (``london_date``), so a request delivered at 23:30 UTC in
    summer was received the next day.

    "Within 6 weeks of the day it receives the request" is read as the day of receipt plus 42
    days: the day of receipt itself is not counted (where the regulations mean to count the first
    day they say so, as reg 13(1)(a) does with "beginning with the day"), and a period of weeks
    ends on the corresponding weekday (the corresponding-date rule). A request received on
    Monday 5 January 2026 is therefore due by the end of Monday 16 February 2026. Advice that
    arrives any time on that day is on time.

    The date is never moved off a weekend or bank holiday: reg 8 counts calendar weeks and has
    no working-day rule. Only reg 8(2) exceptions excuse a late return.
    """
    return london_date(received_at) + ADVICE_PERIOD


# --- Working days ---------------------------------------------------------------------------


@cache
def _bank_holidays(year: int) -> frozenset[date]:
    """England and Wales bank holidays in ``year``, substitute days included (cached per year).

    The library's England subdivision ("GB", "ENG") is the England and Wales calendar: Easter
    Monday, Boxing Day and the rest, with weekend holidays moved to the following weekdays.
    """
    return frozenset(holidays.country_holidays("GB", subdiv="ENG", years=year))


def is_bank_holiday(day: date) -> bool:
    """True when ``day`` is an England and Wales bank holiday (substitute days included)."""
    return day in _bank_holidays(day.year)


def is_working_day(day: date) -> bool:
    """True on Monday to Friday unless it is an England and Wales bank holiday."""
    return day.weekday() < 5 and not is_bank_holiday(day)


def next_working_day(day: date) -> date:
    """``day`` itself if it is a working day, otherwise the first working day after it."""
    while not is_working_day(day):
        day += timedelta(days=1)
    return day


def add_working_days(day: date, n: int) -> date:
    """The date ``n`` working days after ``day`` (before it when ``n`` is negative).

    Each step lands on a working day, so from Friday ``+1`` is Monday (Tuesday after a bank
    holiday Monday) and from Saturday ``+1`` is Monday and ``-1`` is Friday. ``n == 0`` returns
    ``day`` unchanged, even if it is not a working day (use ``next_working_day`` for that).

    For every ``day`` and ``n``: ``working_days_between(day, add_working_days(day, n)) == n``.
    """
    step = timedelta(days=1 if n > 0 else -1)
    remaining = abs(n)
    while remaining:
        day += step
        if is_working_day(day):
            remaining -= 1
    return day


def working_days_between(start: date, end: date) -> int:
    """How many working days from ``start`` to ``end``: ``start`` excluded, ``end`` included.

    Friday to the following Monday is 1; a day to itself is 0. When ``end`` is before ``start``
    the count is negative, still excluding ``start`` and including ``end`` (the working days in
    ``[end, start)``), which makes it the inverse of ``add_working_days``.
    """
    if end < start:
        return -_count_working_days(end - timedelta(days=1), start - timedelta(days=1))
    return _count_working_days(start, end)


def _count_working_days(after: date, through: date) -> int:
    """Working days ``d`` with ``after < d <= through`` (``after <= through``)."""
    return sum(
        is_working_day(after + timedelta(days=offset))
        for offset in range(1, (through - after).days + 1)
    )


# --- Office hours for sending messages -------------------------------------------------------


def next_sending_instant(
    after: datetime, *, opens: time = OFFICE_OPENS, closes: time = OFFICE_CLOSES
) -> datetime:
    """The first instant at or after ``after`` inside office hours in England, in UTC.

    Office hours are ``opens`` (inclusive) to ``closes`` (exclusive), London wall-clock time, on
    working days. So 16:00 exactly is closed, a Friday evening waits until Monday (Tuesday after
    a bank holiday) and a bank holiday waits for the next working day. Opening time is
    London time on the day it opens, so across the clock changes (last Sunday of March and of
    October) 09:00 is 08:00 UTC in summer and 09:00 UTC in winter, whatever the offset was
    when ``after`` fell.
    """
    if after.tzinfo is None:
        raise ValueError("an instant must be timezone-aware")
    if not opens < closes:
        raise ValueError("office hours must open before they close on the same day")
    local = after.astimezone(LONDON)
    day = local.date()
    if is_working_day(day):
        if opens <= local.time() < closes:
            return after.astimezone(UTC)
        if local.time() < opens:
            return _london_instant(day, opens)
    return _london_instant(next_working_day(day + timedelta(days=1)), opens)


def _london_instant(day: date, at: time) -> datetime:
    """The UTC instant of wall-clock ``at`` on ``day`` in London (the earlier one if ambiguous)."""
    return datetime.combine(day, at, tzinfo=LONDON).astimezone(UTC)


# --- The local authority's milestones ---------------------------------------------------------


@dataclass(frozen=True, slots=True)
class AssessmentMilestones:
    """The LA's statutory milestones, counted from the day it received the request.

    ``decision_due``: whether to assess, within 6 weeks (reg 5(1)).
    ``draft_due``: the draft plan by week 16. Reg 10(1) sets 16 weeks for a decision not to
    issue a plan; in practice the draft goes out by then too, so that the 15 days for comments
    (reg 13(1)(a)) and the final plan fit before week 20.
    ``final_due``: the final plan, within 20 weeks (reg 13(2)).

    Reg 5(4), 10(4) and 13(3) exceptions, recorded on the assessment, move these; reg 8(2)
    exceptions on a single advice request do not.
    """

    decision_due: date
    draft_due: date
    final_due: date


def assessment_milestones(requested_on: date) -> AssessmentMilestones:
    """Decision, draft and final plan dates for a request received on ``requested_on``.

    Like the advice period, each is whole weeks after the day of the request (the day itself
    not counted): a request on Friday 2 January 2026 gives 13 February, 24 April and 22 May 2026.
    """
    return AssessmentMilestones(
        decision_due=requested_on + DECISION_PERIOD,
        draft_due=requested_on + DRAFT_PERIOD,
        final_due=requested_on + FINAL_PERIOD,
    )


def comments_due(served_on: date) -> date:
    """The last day of the parents' time to comment on a draft plan (reg 13(1)(a)).

    "At least 15 days, beginning with the day on which the draft plan was served": the day served
    is day 1, so a draft served on the 1st may be commented on up to and including the 15th
    (served_on + 14 days). The final plan should not be issued before the day after this.
    ``served_on`` is the day of service as recorded by the caller; this does not apply any
    deemed-service rule for post.
    """
    return served_on + timedelta(days=COMMENTS_DAYS - 1)


@dataclass(frozen=True, slots=True)
class AdjustedMilestones:
    """The LA's milestones once its own exceptions (reg 5(4), 10(4), 13(3)) are taken in.

    ``statutory`` is what the regulations give with no exception. A milestone is ``None`` while
    it is on hold: an exception that began on or before it still holds, so nobody can yet say
    when it falls.
    """

    statutory: AssessmentMilestones
    decision_due: date | None
    draft_due: date | None
    final_due: date | None

    @property
    def on_hold(self) -> bool:
        return None in (self.decision_due, self.draft_due, self.final_due)


def adjusted_milestones(
    requested_on: date, exceptions: Iterable[tuple[date, date | None]]
) -> AdjustedMilestones:
    """The milestones for a request received on ``requested_on``, moved by its exceptions.

    ``exceptions`` are periods ``(starts_on, ends_on)`` of London dates, both inclusive;
    ``ends_on`` is ``None`` while the exception still holds. The LA's clock stops on every day
    an exception covers, so a milestone moves by the days covered on or before it (counting
    the days it has already moved into): a closed 4-week exception in week 3 moves every
    milestone 28 days, while one in week 18 leaves the decision and the draft where they were.
    Overlapping exceptions count each day once; days before the request, and the day of the
    request itself (which the periods never count), move nothing. An exception still holding
    that began on or before a milestone puts it, and every later one, on hold (``None``).
    """
    statutory = assessment_milestones(requested_on)
    periods = _merged_periods(requested_on + timedelta(days=1), exceptions)

    def moved(due: date) -> date | None:
        for starts_on, ends_on in periods:
            if starts_on > due:
                break
            if ends_on is None:
                return None
            due += timedelta(days=(ends_on - starts_on).days + 1)
        return due

    return AdjustedMilestones(
        statutory=statutory,
        decision_due=moved(statutory.decision_due),
        draft_due=moved(statutory.draft_due),
        final_due=moved(statutory.final_due),
    )


def _merged_periods(
    first_day: date, exceptions: Iterable[tuple[date, date | None]]
) -> list[tuple[date, date | None]]:
    """Periods clipped to start on or after ``first_day``, sorted, with overlapping or
    touching ones joined (an open one absorbs every later one)."""
    clipped: list[tuple[date, date | None]] = []
    for starts_on, ends_on in exceptions:
        if ends_on is not None and ends_on < starts_on:
            raise ValueError(f"an exception cannot end ({ends_on}) before it starts ({starts_on})")
        starts_on = max(starts_on, first_day)
        if ends_on is None or ends_on >= starts_on:
            clipped.append((starts_on, ends_on))
    merged: list[tuple[date, date | None]] = []
    for starts_on, ends_on in sorted(clipped, key=lambda period: period[0]):
        if merged:
            last_start, last_end = merged[-1]
            if last_end is None:
                break  # an open period covers everything after it
            if starts_on <= last_end + timedelta(days=1):
                merged[-1] = (last_start, None if ends_on is None else max(last_end, ends_on))
                continue
        merged.append((starts_on, ends_on))
    return merged
