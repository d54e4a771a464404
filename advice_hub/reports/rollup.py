"""The rollup the timeliness reports read: figures per month, team and agency for advice, per
month, team and officer for plans, and the open assessments' places on the 20-week track,
worked out by the clock every ``REPORTS_REFRESH_MINUTES`` (``refresh_reports``).

A report over a year of a national council's work then sums a few thousand cells instead of
reading half a million requests, and answers in the same few statements whatever the data
held. The figures are as of the last refresh, and the pages and the feed say when that was.

What a refresh works out again:
- **Each new day**, everything: open requests become late and assessments slip down the
  track as the days pass, without a row changing. This is also the refresh that heals
  anything the changes below could miss.
- **Otherwise**, the months holding a request or assessment changed since the last refresh
  began, less ``CHANGES_MARGIN`` (a transaction that began before the refresh read the rows
  but committed after it is caught by the next one), and the open assessments' track, which
  any change of theirs may move. Anything that changes a figure changes ``updated_at``: a
  request's own columns through its ``onupdate``, its escalations, exceptions and deadline
  reports, and an assessment's exceptions, through ``advice_hub.db``'s flush hook; a move to
  another team changes the assessment, and a month is always worked out for every team.
- A request's statutory date and a plan's issue date are set once, so a change never moves
  a row out of the month it was counted in before the next day's full refresh.

Two clocks refreshing at once queue on the one ``report_refreshes`` row.
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import cast

from sqlalchemy import Table, delete, insert, select, union
from sqlalchemy.orm import Session

from advice_hub.deadlines import london_date
from advice_hub.models import (
    AdviceRequest,
    Assessment,
    Base,
    ReportAdviceCell,
    ReportOpenTrack,
    ReportPlanCell,
    ReportRefresh,
    utcnow,
)
from advice_hub.reports.advice_timeliness import advice_cells
from advice_hub.reports.period import Month
from advice_hub.reports.plan_timeliness import open_tracks, plan_cells
from advice_hub.reports.sql import month_of


def _table(model: type[Base]) -> Table:
    # Rows are written through the tables (Core), not the models: one executemany a table.
    return cast(Table, model.__table__)


CHANGES_MARGIN = timedelta(minutes=10)
STATE_ID = 1


@dataclass(frozen=True)
class Refreshed:
    """What one refresh worked out: everything (``full``) or the months named."""

    full: bool
    advice_months: int
    plan_months: int
    seconds: float

    def as_dict(self) -> dict[str, object]:
        return {
            "full": self.full,
            "advice_months": self.advice_months,
            "plan_months": self.plan_months,
            "seconds": round(self.seconds, 3),
        }


def refresh_state(session: Session) -> ReportRefresh | None:
    """When the figures were last worked out (None: never, or before the rollup existed)."""
    state = session.get(ReportRefresh, STATE_ID)
    return state if state is not None and state.refreshed_at is not None else None


def refresh_due(session: Session, *, now: datetime, every: timedelta) -> bool:
    state = refresh_state(session)
    return (
        state is None
        or state.refreshed_at is None  # never, as refresh_state says; narrowed for the sum
        or state.as_of != london_date(now)
        or now - state.refreshed_at >= every
    )


def refresh_reports(
    session: Session,
    *,
    now: datetime | None = None,
    full: bool = False,
    margin: timedelta = CHANGES_MARGIN,
) -> Refreshed:
    """Work out the rollup again, as of ``now`` (the present by default): everything on a new
    day (or when ``full``), otherwise the months changed since the last refresh began, less
    ``margin``. The caller commits."""
    began = time.perf_counter()
    # The changes are stamped by the real clock, so the next refresh looks for changes from
    # this instant; ``now`` (a clock's own, in a simulation) is what the figures are as of.
    started = utcnow()
    now = now or started
    today = london_date(now)
    state = session.get(ReportRefresh, STATE_ID, with_for_update=True)
    if state is None:
        state = ReportRefresh(id=STATE_ID)
        session.add(state)
        session.flush()
    full = full or state.refreshed_at is None or state.started_at is None or state.as_of != today
    if full:
        advice_months: list[Month] | None = None
        plan_months: list[Month] | None = None
    else:
        assert state.started_at is not None
        since = state.started_at - margin
        advice_months = _changed_advice_months(session, since)
        plan_months = _changed_plan_months(session, since)
    _write_advice(session, advice_months, today=today)
    _write_plans(session, plan_months)
    _write_open_tracks(session, today=today)
    state.started_at = started
    state.refreshed_at = now
    state.as_of = today
    session.flush()
    return Refreshed(
        full=full,
        advice_months=-1 if advice_months is None else len(advice_months),
        plan_months=-1 if plan_months is None else len(plan_months),
        seconds=time.perf_counter() - began,
    )


def _months(keys: Iterable[str | None]) -> list[Month]:
    return sorted({Month.parse(key, "month") for key in keys if key})


def _changed_advice_months(session: Session, since: datetime) -> list[Month]:
    """The months holding a request changed since ``since``, or a request of an assessment
    changed since (a move to another team changes no request)."""
    month = month_of(AdviceRequest.due_on)
    changed = union(
        select(month.label("month")).where(
            AdviceRequest.updated_at >= since, AdviceRequest.due_on.is_not(None)
        ),
        select(month)
        .join(Assessment, Assessment.id == AdviceRequest.assessment_id)
        .where(Assessment.updated_at >= since, AdviceRequest.due_on.is_not(None)),
    )
    return _months(session.scalars(select(changed.subquery().c.month)))


def _changed_plan_months(session: Session, since: datetime) -> list[Month]:
    return _months(
        session.scalars(
            select(month_of(Assessment.final_plan_issued_on))
            .where(Assessment.updated_at >= since, Assessment.final_plan_issued_on.is_not(None))
            .distinct()
        )
    )


def _write_advice(session: Session, months: list[Month] | None, *, today: date) -> None:
    if months == []:
        return
    cells = advice_cells(session, months, today=today)
    _replace(
        session,
        ReportAdviceCell,
        months,
        [
            {
                "month": month,
                "team_id": team_id,
                "agency": agency,
                "due": f.due,
                "on_time": f.on_time,
                "late": f.late,
                "late_with_exception": f.late_with_exception,
                "open": f.open,
                "overdue": f.overdue,
                "escalations": f.escalations,
                "returned": f.returned,
                "days": {str(days): n for days, n in sorted(f.days.items())},
            }
            for (month, team_id, agency), f in cells.items()
        ],
    )


def _write_plans(session: Session, months: list[Month] | None) -> None:
    if months == []:
        return
    cells = plan_cells(session, months)
    _replace(
        session,
        ReportPlanCell,
        months,
        [
            {"month": month, "team_id": team_id, "officer_id": officer_id, **counts}
            for (month, team_id, officer_id), counts in cells.items()
        ],
    )


def _replace(
    session: Session,
    model: type[ReportAdviceCell] | type[ReportPlanCell],
    months: list[Month] | None,
    rows: list[dict[str, object]],
) -> None:
    """The rollup's rows of ``months`` (None: all) in ``model`` become ``rows``."""
    gone = delete(model)
    if months is not None:
        gone = gone.where(model.month.in_([m.key for m in months]))
    session.execute(gone)
    if rows:
        session.execute(insert(_table(model)), rows)


def _write_open_tracks(session: Session, *, today: date) -> None:
    tracks = open_tracks(session, today=today)
    session.execute(delete(ReportOpenTrack))
    if tracks:
        session.execute(
            insert(_table(ReportOpenTrack)),
            [
                {"team_id": team_id, "officer_id": officer_id, "track": track, "assessments": n}
                for (team_id, officer_id, track), n in tracks.items()
            ],
        )
