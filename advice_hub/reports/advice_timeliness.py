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

Two statements whatever the number of requests: one for the counts, one for the percentiles
(``percentile_cont`` WITHIN GROUP on PostgreSQL; on SQLite, which has none, the days grouped
into a histogram and the percentiles read from it here).
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import (
    ColumnElement,
    and_,
    case,
    func,
    or_,
    select,
    true,
    tuple_,
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
    RequestException,
    RequestStatus,
)
from advice_hub.reports.period import Period, Scope
from advice_hub.reports.sql import days_between, london_day, month_of

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


@dataclass
class AdviceTimeliness:
    period: Period
    by_month: list[AdviceFigures] = field(default_factory=list)  # agency, then month
    by_agency: list[AdviceFigures] = field(default_factory=list)  # over the whole range
    all_agencies_by_month: list[AdviceFigures] = field(default_factory=list)

    @property
    def is_empty(self) -> bool:
        return not self.by_month


def requests_in_scope(scope: Scope) -> ColumnElement[bool]:
    """A WHERE clause on AdviceRequest joined to Assessment: the requests a scope counts."""
    clauses: list[ColumnElement[bool]] = [true()]
    if scope.team_ids is not None:
        clauses.append(Assessment.team_id.in_(sorted(scope.team_ids)))
    if scope.agency is not None:
        clauses.append(AdviceRequest.agency == scope.agency)
    return and_(*clauses)


def _counted(period: Period, scope: Scope) -> list[ColumnElement[bool]]:
    return [
        AdviceRequest.due_on >= period.starts_on,
        AdviceRequest.due_on < period.ends_before,
        AdviceRequest.status.not_in([str(s) for s in NOT_OWED]),
        # A request still open when its assessment closed is owed by nobody any more.
        or_(
            Assessment.status != str(AssessmentStatus.CLOSED),
            AdviceRequest.status.in_([str(s) for s in CLOSED_STATUSES]),
        ),
        requests_in_scope(scope),
    ]


def _days_to_return() -> ColumnElement[int]:
    return days_between(
        london_day(AdviceRequest.submitted_at), london_day(AdviceRequest.received_at)
    )


def advice_timeliness(
    session: Session, period: Period, scope: Scope, *, today: date
) -> AdviceTimeliness:
    """The advice figures for ``period`` within ``scope``, in two statements."""
    submitted = AdviceRequest.submitted_at.is_not(None)
    still_open = AdviceRequest.status.not_in([str(s) for s in CLOSED_STATUSES])
    submitted_day = london_day(AdviceRequest.submitted_at)
    on_time = and_(submitted, submitted_day <= AdviceRequest.due_on)
    not_on_time = or_(
        and_(submitted, submitted_day > AdviceRequest.due_on),
        and_(~submitted, still_open, AdviceRequest.due_on < today),
    )
    # Joined as sets, not asked row by row: a report reads hundreds of thousands of requests.
    excused_ids = union(
        select(RequestException.advice_request_id.label("id")),
        select(DeadlineReport.advice_request_id).where(
            DeadlineReport.is_lawful_exception.is_(True)
        ),
    ).subquery("excused")
    # Asked of each counted request through the chases' index on their request: grouping
    # the whole chase table first costs more than the rest of the report together.
    escalations = (
        select(func.count())
        .where(
            Chase.advice_request_id == AdviceRequest.id,
            Chase.kind.in_(ESCALATIONS),
            Chase.cancelled_at.is_(None),
        )
        .correlate(AdviceRequest)
        .scalar_subquery()
    )
    excused = excused_ids.c.id.is_not(None)
    each = (
        select(
            AdviceRequest.agency.label("agency"),
            month_of(AdviceRequest.due_on).label("month"),
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
            escalations.label("escalations"),
        )
        .join(Assessment, Assessment.id == AdviceRequest.assessment_id)
        .outerjoin(excused_ids, excused_ids.c.id == AdviceRequest.id)
        .where(*_counted(period, scope))
        .subquery()
    )
    rows = session.execute(
        select(
            each.c.agency,
            each.c.month,
            func.count(),
            func.sum(each.c.on_time),
            func.sum(each.c.late),
            func.sum(each.c.excused),
            func.sum(each.c.open),
            func.sum(each.c.overdue),
            func.sum(each.c.escalations),
            func.sum(each.c.returned),
        )
        .group_by(each.c.agency, each.c.month)
        .order_by(each.c.agency, each.c.month)
    ).all()
    by_month = [
        AdviceFigures(
            agency=agency,
            month=month,
            due=due,
            on_time=int(on or 0),
            late=int(late or 0),
            late_with_exception=int(excused or 0),
            open=int(still or 0),
            overdue=int(overdue or 0),
            escalations=int(escalated or 0),
            returned=int(returned or 0),
        )
        for agency, month, due, on, late, excused, still, overdue, escalated, returned in rows
    ]
    percentiles = _percentiles(session, period, scope)
    by_agency: dict[str, AdviceFigures] = {}
    by_whole_month: dict[str, AdviceFigures] = {}
    for figures in by_month:
        figures.median_days, figures.p90_days = percentiles.get(
            (figures.agency, figures.month), (None, None)
        )
        by_agency.setdefault(figures.agency, AdviceFigures(agency=figures.agency, month=None)).add(
            figures
        )
        assert figures.month is not None
        by_whole_month.setdefault(
            figures.month, AdviceFigures(agency="all", month=figures.month)
        ).add(figures)
    for agency, figures in by_agency.items():
        figures.median_days, figures.p90_days = percentiles.get((agency, None), (None, None))
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


Percentiles = Mapping[tuple[str, str | None], tuple[float | None, float | None]]


def _percentiles(session: Session, period: Period, scope: Scope) -> Percentiles:
    """The median and 90th percentile of the days to return, per agency and month and per
    agency over the range (month None): one statement."""
    days = _days_to_return().label("days")
    agency = AdviceRequest.agency.label("agency")
    month = month_of(AdviceRequest.due_on).label("month")
    where = [
        *_counted(period, scope),
        AdviceRequest.submitted_at.is_not(None),
        AdviceRequest.received_at.is_not(None),
    ]
    joined = AdviceRequest.__table__.join(
        Assessment.__table__, Assessment.id == AdviceRequest.assessment_id
    )
    if session.get_bind().dialect.name == "postgresql":
        rows = session.execute(
            select(
                agency,
                month,
                func.grouping(month_of(AdviceRequest.due_on)),
                func.percentile_cont(0.5).within_group(_days_to_return()),
                func.percentile_cont(0.9).within_group(_days_to_return()),
            )
            .select_from(joined)
            .where(*where)
            .group_by(
                func.grouping_sets(
                    tuple_(AdviceRequest.agency, month_of(AdviceRequest.due_on)),
                    tuple_(AdviceRequest.agency),
                )
            )
        ).all()
        return {
            (agency_key, None if grouping else month_key): (float(median), float(p90))
            for agency_key, month_key, grouping, median, p90 in rows
        }
    histogram: dict[tuple[str, str | None], dict[int, int]] = defaultdict(dict)
    for agency_key, month_key, day_count, how_many in session.execute(
        select(agency, month, days, func.count())
        .select_from(joined)
        .where(*where)
        .group_by(AdviceRequest.agency, month_of(AdviceRequest.due_on), days)
    ):
        for key in ((agency_key, month_key), (agency_key, None)):
            histogram[key][day_count] = histogram[key].get(day_count, 0) + how_many
    return {
        key: (percentile_cont(counts, 0.5), percentile_cont(counts, 0.9))
        for key, counts in histogram.items()
    }


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
