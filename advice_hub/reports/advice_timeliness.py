"""Advice timeliness: per agency and month, how much advice came back within the 6 weeks the
law allows (SEND Regulations 2014, reg 8(1)), how long it took, what is still open and overdue,
and how often it was escalated.

A request counts in the month its statutory date (``due_on``, 6 weeks from receipt) falls in,
so a month's figures are those whose deadline fell in it, and an extension the officer agreed
never moves a request to another month. Requests withdrawn, passed on (the colleague's own
request counts instead) or declined as "not known to our service" are advice nobody owes and
are not counted, nor are requests still open when their assessment closed; requests not yet
sent have no date and are not counted either.

- **On time**: submitted on or before the statutory date (the day in London).
- **Late**: not on time (submitted after the date, or still open after it), with no lawful
  exception.
- **Late with an exception**: not on time, but a reg 8(2) exception holds: the council recorded
  one (``RequestException``) or the contributor reported a reason the law accepts
  (``DeadlineReport.is_lawful_exception``). Counted apart, as the DfE counts the plans' own.
- **Within 6 weeks** is on time over on time and late (exceptions excluded); "including
  exceptions" adds them to the denominator. Open requests whose date has not come are in
  neither: their outcome is not known yet.
- **Days to return**: from the day received to the day submitted, for submitted advice; the
  median and the 90th percentile are ``percentile_cont`` (interpolated, as PostgreSQL has it).
- **Open** and **overdue now**: still open, and past the date now expected (an agreed
  extension moves it, as on the officer's pages: ``assessments.track.advice_overdue_clause``).
- **Escalations**: the escalations planned for these requests, to an agency lead or to the
  officer's manager (``Chase`` rows of the two escalation kinds, not cancelled).

The figures are worked out per month, team and agency (``advice_cells``, two statements over
the requests, run by the clock's refresh in ``reports.rollup``) and a report sums the cells of
its range and scope (``advice_timeliness``, two statements over a few thousand cells whatever
the number of requests). The percentiles are read from each cell's histogram of days to
return, so the rollup gives exactly what the requests would.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import (
    ColumnElement,
    and_,
    case,
    func,
    or_,
    select,
    union,
)
from sqlalchemy.orm import Session

from advice_hub.chasing.planner import ChaseKind
from advice_hub.models import (
    CLOSED_STATUSES,
    AdviceRequest,
    Agency,
    Assessment,
    AssessmentStatus,
    Chase,
    DeadlineReport,
    ReportAdviceCell,
    RequestException,
    RequestStatus,
)
from advice_hub.reports.period import Month, Period, Scope
from advice_hub.reports.sql import days_between, falls_in, london_day, month_of

NOT_OWED = (RequestStatus.WITHDRAWN, RequestStatus.PASSED_ON, RequestStatus.DECLINED)
ESCALATIONS = (ChaseKind.ESCALATION_LEAD.value, ChaseKind.ESCALATION_MANAGER.value)


@dataclass
class AdviceFigures:
    """The figures of one agency, in one month or over the whole range (``month`` None)."""

    agency: str
    month: str | None
    due: int = 0
    on_time: int = 0
    late: int = 0
    late_with_exception: int = 0
    open: int = 0
    overdue: int = 0
    escalations: int = 0
    returned: int = 0
    median_days: float | None = None
    p90_days: float | None = None
    # How many returned requests took each number of days: the percentiles' source.
    days: dict[int, int] = field(default_factory=dict, repr=False)

    @property
    def agency_label(self) -> str:
        return Agency(self.agency).label if self.agency in set(Agency) else self.agency

    @property
    def decided(self) -> int:
        """Requests whose outcome is known, exceptions excluded."""
        return self.on_time + self.late

    @property
    def within_six_weeks(self) -> float | None:
        """The share on time, exceptions excluded (None when nothing was decided)."""
        return self.on_time / self.decided if self.decided else None

    @property
    def within_six_weeks_including_exceptions(self) -> float | None:
        whole = self.decided + self.late_with_exception
        return self.on_time / whole if whole else None

    def add(self, other: AdviceFigures) -> None:
        for name in ("due", "on_time", "late", "late_with_exception", "open", "overdue"):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        self.escalations += other.escalations
        self.returned += other.returned
        for days, how_many in other.days.items():
            self.days[days] = self.days.get(days, 0) + how_many

    def work_out_percentiles(self) -> None:
        self.median_days = percentile_cont(self.days, 0.5)
        self.p90_days = percentile_cont(self.days, 0.9)


@dataclass
class AdviceTimeliness:
    period: Period
    by_month: list[AdviceFigures] = field(default_factory=list)  # agency, then month
    by_agency: list[AdviceFigures] = field(default_factory=list)  # over the whole range
    all_agencies_by_month: list[AdviceFigures] = field(default_factory=list)

    @property
    def is_empty(self) -> bool:
        return not self.by_month


def _counted() -> list[ColumnElement[bool]]:
    return [
        AdviceRequest.due_on.is_not(None),
        AdviceRequest.status.not_in([str(s) for s in NOT_OWED]),
        # A request still open when its assessment closed is owed by nobody any more.
        or_(
            Assessment.status != str(AssessmentStatus.CLOSED),
            AdviceRequest.status.in_([str(s) for s in CLOSED_STATUSES]),
        ),
    ]


def _days_to_return() -> ColumnElement[int]:
    return days_between(
        london_day(AdviceRequest.submitted_at), london_day(AdviceRequest.received_at)
    )


CellKey = tuple[str, int, str]  # month, team, agency


def advice_cells(
    session: Session, months: Sequence[Month] | None, *, today: date
) -> dict[CellKey, AdviceFigures]:
    """The advice figures of every team and agency in ``months`` (None: all), judged on
    ``today``, with their days to return, worked out from the requests in two statements."""
    submitted = AdviceRequest.submitted_at.is_not(None)
    still_open = AdviceRequest.status.not_in([str(s) for s in CLOSED_STATUSES])
    submitted_day = london_day(AdviceRequest.submitted_at)
    on_time = and_(submitted, submitted_day <= AdviceRequest.due_on)
    not_on_time = or_(
        and_(submitted, submitted_day > AdviceRequest.due_on),
        and_(~submitted, still_open, AdviceRequest.due_on < today),
    )
    # Joined as sets, not asked row by row: a refresh reads hundreds of thousands of requests.
    excused_ids = union(
        select(RequestException.advice_request_id.label("id")),
        select(DeadlineReport.advice_request_id).where(
            DeadlineReport.is_lawful_exception.is_(True)
        ),
    ).subquery("excused")
    # Grouped once and joined: a refresh reads most requests of the months it works out, and
    # one pass over the escalations costs less than a look-up per request.
    escalated = (
        select(Chase.advice_request_id.label("id"), func.count().label("escalations"))
        .where(Chase.kind.in_(ESCALATIONS), Chase.cancelled_at.is_(None))
        .group_by(Chase.advice_request_id)
        .subquery("escalated")
    )
    excused = excused_ids.c.id.is_not(None)
    each = (
        select(
            month_of(AdviceRequest.due_on).label("month"),
            Assessment.team_id.label("team_id"),
            AdviceRequest.agency.label("agency"),
            case((on_time, 1), else_=0).label("on_time"),
            case((and_(not_on_time, ~excused), 1), else_=0).label("late"),
            case((and_(not_on_time, excused), 1), else_=0).label("excused"),
            case((and_(~submitted, still_open), 1), else_=0).label("open"),
            case(
                (
                    and_(
                        ~submitted,
                        still_open,
                        func.coalesce(AdviceRequest.extended_due_on, AdviceRequest.due_on) < today,
                    ),
                    1,
                ),
                else_=0,
            ).label("overdue"),
            case((submitted, 1), else_=0).label("returned"),
            func.coalesce(escalated.c.escalations, 0).label("escalations"),
        )
        .join(Assessment, Assessment.id == AdviceRequest.assessment_id)
        .outerjoin(excused_ids, excused_ids.c.id == AdviceRequest.id)
        .outerjoin(escalated, escalated.c.id == AdviceRequest.id)
        .where(*_counted(), falls_in(AdviceRequest.due_on, months))
        .subquery()
    )
    key = (each.c.month, each.c.team_id, each.c.agency)
    result: dict[CellKey, AdviceFigures] = {}
    for month, team_id, agency, due, *sums in session.execute(
        select(
            *key,
            func.count(),
            *(
                func.sum(column)
                for column in (
                    each.c.on_time,
                    each.c.late,
                    each.c.excused,
                    each.c.open,
                    each.c.overdue,
                    each.c.escalations,
                    each.c.returned,
                )
            ),
        ).group_by(*key)
    ):
        on, late, excused_late, still, overdue, escalation_count, returned = (
            int(n or 0) for n in sums
        )
        result[(month, team_id, agency)] = AdviceFigures(
            agency=agency,
            month=month,
            due=due,
            on_time=on,
            late=late,
            late_with_exception=excused_late,
            open=still,
            overdue=overdue,
            escalations=escalation_count,
            returned=returned,
        )
    days = _days_to_return()
    cell = (month_of(AdviceRequest.due_on), Assessment.team_id, AdviceRequest.agency)
    for month, team_id, agency, day_count, how_many in session.execute(
        select(*cell, days, func.count())
        .join(Assessment, Assessment.id == AdviceRequest.assessment_id)
        .where(
            *_counted(),
            falls_in(AdviceRequest.due_on, months),
            AdviceRequest.submitted_at.is_not(None),
            AdviceRequest.received_at.is_not(None),
        )
        .group_by(*cell, days)
    ):
        result[(month, team_id, agency)].days[int(day_count)] = how_many
    return result


def advice_timeliness(session: Session, period: Period, scope: Scope) -> AdviceTimeliness:
    """The advice figures for ``period`` within ``scope``, read from the rollup in one
    statement (a cell per month, team and agency: a few thousand at most) and summed here."""
    where: list[ColumnElement[bool]] = [
        ReportAdviceCell.month >= period.first.key,
        ReportAdviceCell.month <= period.last.key,
    ]
    if scope.team_ids is not None:
        where.append(ReportAdviceCell.team_id.in_(sorted(scope.team_ids)))
    if scope.agency is not None:
        where.append(ReportAdviceCell.agency == scope.agency)
    monthly: dict[tuple[str, str], AdviceFigures] = {}
    for cell in session.scalars(select(ReportAdviceCell).where(*where)):
        figures = monthly.setdefault(
            (cell.agency, cell.month), AdviceFigures(agency=cell.agency, month=cell.month)
        )
        figures.add(
            AdviceFigures(
                agency=cell.agency,
                month=cell.month,
                due=cell.due,
                on_time=cell.on_time,
                late=cell.late,
                late_with_exception=cell.late_with_exception,
                open=cell.open,
                overdue=cell.overdue,
                escalations=cell.escalations,
                returned=cell.returned,
                days={int(days): how_many for days, how_many in cell.days.items()},
            )
        )
    by_month = [monthly[key] for key in sorted(monthly)]
    by_agency: dict[str, AdviceFigures] = {}
    by_whole_month: dict[str, AdviceFigures] = {}
    for each in by_month:
        each.work_out_percentiles()
        by_agency.setdefault(each.agency, AdviceFigures(agency=each.agency, month=None)).add(each)
        assert each.month is not None
        by_whole_month.setdefault(each.month, AdviceFigures(agency="all", month=each.month)).add(
            each
        )
    for whole in by_agency.values():
        whole.work_out_percentiles()
    order = list(Agency)
    return AdviceTimeliness(
        period=period,
        by_month=by_month,
        by_agency=sorted(
            by_agency.values(),
            key=lambda f: order.index(Agency(f.agency)) if f.agency in set(Agency) else 99,
        ),
        all_agencies_by_month=[by_whole_month[m] for m in sorted(by_whole_month)],
    )


def percentile_cont(counts: Mapping[int, int], fraction: float) -> float | None:
    """PostgreSQL's ``percentile_cont`` over values given as value -> how many times: the
    value at position fraction x (n - 1) of the sorted values, interpolated between the two
    either side."""
    values = sorted(counts)
    total = sum(counts.values())
    if total == 0:
        return None
    position = fraction * (total - 1)
    below = _nth(values, counts, math.floor(position))
    above = _nth(values, counts, math.ceil(position))
    return below + (above - below) * (position - math.floor(position))


def _nth(values: Iterable[int], counts: Mapping[int, int], index: int) -> float:
    seen = 0
    for value in values:
        seen += counts[value]
        if index < seen:
            return float(value)
    raise IndexError(index)
