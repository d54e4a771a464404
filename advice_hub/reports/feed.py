"""The timeliness report as flat tables: rows with stable keys and ISO months, the same for
the CSV downloads and the JSON feed, so that a spreadsheet or a Power BI report reads either
without reshaping. Shares are fractions from 0 to 1 (null when nothing was counted), days and
weeks numbers; a key, once published, is never renamed."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy.orm import Session

from advice_hub.reports.advice_timeliness import AdviceFigures, AdviceTimeliness, advice_timeliness
from advice_hub.reports.national import NATIONAL_FIGURES
from advice_hub.reports.period import Period, Scope
from advice_hub.reports.plan_timeliness import PlanFigures, PlanTimeliness, plan_timeliness
from advice_hub.reports.rollup import refresh_state

Row = dict[str, Any]


@dataclass(frozen=True)
class Timeliness:
    period: Period
    today: date  # the day open requests and assessments were judged against
    refreshed_at: datetime  # when the clock last worked the figures out
    advice: AdviceTimeliness
    plans: PlanTimeliness | None  # None for a scope limited to one agency


def timeliness(session: Session, period: Period, scope: Scope) -> Timeliness | None:
    """Every figure of the report, as of the clock's last refresh (None: the figures have
    never been worked out): five statements (three when the scope has no plans)."""
    state = refresh_state(session)
    if state is None or state.refreshed_at is None or state.as_of is None:
        return None
    return Timeliness(
        period=period,
        today=state.as_of,
        refreshed_at=state.refreshed_at,
        advice=advice_timeliness(session, period, scope),
        plans=plan_timeliness(session, period, scope, today=state.as_of)
        if scope.includes_plans
        else None,
    )


def _rounded(value: float | None, places: int = 4) -> float | None:
    return None if value is None else round(value, places)


def _advice_row(figures: AdviceFigures) -> Row:
    row: Row = {"agency": figures.agency}
    if figures.month is not None:
        row["month"] = figures.month
    row.update(
        {
            "due": figures.due,
            "on_time": figures.on_time,
            "late": figures.late,
            "late_with_exception": figures.late_with_exception,
            "share_within_6_weeks": _rounded(figures.within_six_weeks),
            "share_within_6_weeks_including_exceptions": _rounded(
                figures.within_six_weeks_including_exceptions
            ),
            "returned": figures.returned,
            "median_days_to_return": _rounded(figures.median_days, 1),
            "p90_days_to_return": _rounded(figures.p90_days, 1),
            "open": figures.open,
            "overdue": figures.overdue,
            "escalations": figures.escalations,
        }
    )
    return row


def _plan_row(figures: PlanFigures, *, officer: bool) -> Row:
    row: Row = {"team_id": figures.team_id, "team": figures.team}
    if officer:
        row["officer_id"] = figures.officer_id
        row["officer"] = figures.officer
    row.update(
        {
            "open": figures.open,
            "on_track": figures.on_track,
            "at_risk": figures.at_risk,
            "late": figures.late,
            "on_hold": figures.on_hold,
            "plans_issued": figures.issued,
            "plans_issued_with_exception": figures.issued_with_exception,
            "plans_issued_excluding_exceptions": figures.issued_excluding_exceptions,
            "within_20_weeks": figures.within_20_weeks,
            "share_within_20_weeks": _rounded(figures.share_within_20_weeks),
            "within_20_weeks_excluding_exceptions": figures.within_20_weeks_excluding_exceptions,
            "share_within_20_weeks_excluding_exceptions": _rounded(
                figures.share_within_20_weeks_excluding_exceptions
            ),
            "over_20_weeks_within_a_year": figures.over_20_weeks_within_a_year,
            "over_a_year": figures.over_a_year,
            "average_weeks_to_issue": _rounded(figures.average_weeks_to_issue, 1),
            "average_weeks_to_issue_excluding_exceptions": _rounded(
                figures.average_weeks_to_issue_excluding_exceptions, 1
            ),
        }
    )
    return row


# Each table's name (the CSV's `table=` and the feed's key) and what it holds.
TABLES: dict[str, str] = {
    "advice_by_agency": "Advice per agency over the whole range",
    "advice_by_agency_and_month": "Advice per agency and month of its statutory date",
    "plans_by_team": "Open assessments and plans issued, per team",
    "plans_by_officer": "Open assessments and plans issued, per case officer",
    "national": "Published national figures, England",
}


def tables(report: Timeliness) -> dict[str, list[Row]]:
    """Every table of the report, by name (the plan tables empty for one agency's scope)."""
    plans = report.plans
    return {
        "advice_by_agency": [_advice_row(f) for f in report.advice.by_agency],
        "advice_by_agency_and_month": [_advice_row(f) for f in report.advice.by_month],
        "plans_by_team": [_plan_row(f, officer=False) for f in plans.by_team] if plans else [],
        "plans_by_officer": [_plan_row(f, officer=True) for f in plans.by_officer] if plans else [],
        "national": [
            {
                "year": f.year,
                "measure": f.measure,
                "percent": f.percent,
                "source": f.source,
                "source_url": f.source_url,
            }
            for f in NATIONAL_FIGURES
        ],
    }


# Each table's columns, in order: the keys of its rows (a CSV of no rows still has them).
COLUMNS: dict[str, tuple[str, ...]] = {
    "advice_by_agency": tuple(_advice_row(AdviceFigures(agency="", month=None))),
    "advice_by_agency_and_month": tuple(_advice_row(AdviceFigures(agency="", month=""))),
    "plans_by_team": tuple(_plan_row(PlanFigures(team_id=0, team=""), officer=False)),
    "plans_by_officer": tuple(_plan_row(PlanFigures(team_id=0, team=""), officer=True)),
    "national": ("year", "measure", "percent", "source", "source_url"),
}
PLAN_TABLES = frozenset({"plans_by_team", "plans_by_officer"})
