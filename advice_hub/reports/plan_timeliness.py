"""Plan timeliness: where each team's and each officer's open assessments stand against the
20-week track, and how soon their plans were issued, in the DfE's SEN2 measures so that a
council can set its figures beside the national ones (``reports.national``).

- **Open assessments** are counted now (the date range does not apply), by the one rule of
  ``assessments.track``: on track, at risk, late, or on hold while an assessment exception
  holds its milestones.
- **Plans issued** are those whose final plan was issued (``final_plan_issued_on``) in the
  range, measured from the request (``requested_on``), as SEN2 measures them: within 20 weeks
  (140 days) including and excluding plans with an exception (an ``AssessmentException`` row
  on the assessment, reg 10(4) or 13(3)), over 20 weeks but within a year (52 weeks), over a
  year, and the average weeks to issue, with and without the exceptions.

The clock works both out (``plan_cells`` and ``open_tracks``, one statement each over the
assessments, in ``reports.rollup``); a report reads them back in two statements whatever the
number of assessments.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, fields
from datetime import date
from typing import Any

from sqlalchemy import ColumnElement, and_, case, exists, func, select, true
from sqlalchemy.orm import Session

from advice_hub.assessments.track import Track, track_expression
from advice_hub.models import (
    Assessment,
    AssessmentException,
    AssessmentStatus,
    ReportOpenTrack,
    ReportPlanCell,
    Team,
    User,
)
from advice_hub.reports.period import Month, Period, Scope
from advice_hub.reports.sql import days_between, falls_in, month_of

WITHIN_20_WEEKS = 20 * 7
WITHIN_A_YEAR = 52 * 7
NO_OFFICER = "No case officer named"


@dataclass
class PlanFigures:
    """One team's figures (``officer_id`` None and ``officer`` empty: the team as a whole) or
    one officer's within a team."""

    team_id: int
    team: str
    officer_id: int | None = None
    officer: str = ""
    on_track: int = 0
    at_risk: int = 0
    late: int = 0
    on_hold: int = 0
    issued: int = 0
    issued_with_exception: int = 0
    within_20_weeks: int = 0
    within_20_weeks_excluding_exceptions: int = 0
    over_20_weeks_within_a_year: int = 0
    over_a_year: int = 0
    days_to_issue: int = 0
    days_to_issue_excluding_exceptions: int = 0

    @property
    def open(self) -> int:
        return self.on_track + self.at_risk + self.late + self.on_hold

    @property
    def issued_excluding_exceptions(self) -> int:
        return self.issued - self.issued_with_exception

    @property
    def share_within_20_weeks(self) -> float | None:
        """Including exceptions: of every plan issued."""
        return self.within_20_weeks / self.issued if self.issued else None

    @property
    def share_within_20_weeks_excluding_exceptions(self) -> float | None:
        whole = self.issued_excluding_exceptions
        return self.within_20_weeks_excluding_exceptions / whole if whole else None

    @property
    def average_weeks_to_issue(self) -> float | None:
        return self.days_to_issue / self.issued / 7 if self.issued else None

    @property
    def average_weeks_to_issue_excluding_exceptions(self) -> float | None:
        whole = self.issued_excluding_exceptions
        return self.days_to_issue_excluding_exceptions / whole / 7 if whole else None

    def add(self, other: PlanFigures) -> None:
        for f in fields(self):
            if f.type == "int" and f.name not in {"team_id", "officer_id"}:
                setattr(self, f.name, getattr(self, f.name) + getattr(other, f.name))


@dataclass
class PlanTimeliness:
    period: Period
    today: date
    by_team: list[PlanFigures] = field(default_factory=list)
    by_officer: list[PlanFigures] = field(default_factory=list)
    council: PlanFigures = field(default_factory=lambda: PlanFigures(team_id=0, team="All teams"))

    @property
    def is_empty(self) -> bool:
        return not self.by_officer


OfficerKey = tuple[int, int | None]  # team, officer
PLAN_COUNTS = (
    "issued",
    "issued_with_exception",
    "within_20_weeks",
    "within_20_weeks_excluding_exceptions",
    "over_20_weeks_within_a_year",
    "over_a_year",
    "days_to_issue",
    "days_to_issue_excluding_exceptions",
)
TRACK_ATTRIBUTE = {
    Track.ON_TRACK.value: "on_track",
    Track.AT_RISK.value: "at_risk",
    Track.LATE.value: "late",
    Track.ON_HOLD.value: "on_hold",
}


def plan_cells(
    session: Session, months: Sequence[Month] | None
) -> dict[tuple[str, int, int | None], dict[str, int]]:
    """The plans issued in ``months`` (None: all) per month, team and officer, in the SEN2
    bands: one statement over the assessments."""
    days = days_between(Assessment.final_plan_issued_on, Assessment.requested_on)
    excepted = exists().where(AssessmentException.assessment_id == Assessment.id)
    within = days <= WITHIN_20_WEEKS

    def counted(condition: ColumnElement[bool]) -> ColumnElement[int]:
        return func.sum(case((condition, 1), else_=0))

    key = (
        month_of(Assessment.final_plan_issued_on),
        Assessment.team_id,
        Assessment.case_officer_id,
    )
    cells: dict[tuple[str, int, int | None], dict[str, int]] = {}
    for month, team_id, officer_id, *counts in session.execute(
        select(
            *key,
            func.count(),
            counted(excepted),
            counted(within),
            counted(and_(within, ~excepted)),
            counted(and_(days > WITHIN_20_WEEKS, days <= WITHIN_A_YEAR)),
            counted(days > WITHIN_A_YEAR),
            func.sum(days),
            func.sum(case((~excepted, days), else_=0)),
        )
        .where(falls_in(Assessment.final_plan_issued_on, months))
        .group_by(*key)
    ):
        cells[(month, team_id, officer_id)] = dict(
            zip(PLAN_COUNTS, (int(n or 0) for n in counts), strict=True)
        )
    return cells


def open_tracks(session: Session, *, today: date) -> dict[tuple[int, int | None, str], int]:
    """How many open assessments each officer of each team has at each place on the 20-week
    track on ``today``: one statement over the open assessments."""
    tracked = (
        select(
            Assessment.team_id,
            Assessment.case_officer_id,
            track_expression(today).label("track"),
        )
        .where(Assessment.status != str(AssessmentStatus.CLOSED))
        .subquery()
    )
    columns = list(tracked.c)
    counted: dict[tuple[int, int | None, str], int] = {}
    for row in session.execute(select(*columns, func.count()).group_by(*columns)):
        team_id, officer_id, track, how_many = tuple(row)
        if track in TRACK_ATTRIBUTE:
            counted[(team_id, officer_id, track)] = how_many
    return counted


def plan_timeliness(
    session: Session, period: Period, scope: Scope, *, today: date
) -> PlanTimeliness:
    """The plan figures within ``scope``, read from the rollup in two statements: the open
    assessments on the day of the last refresh (``today``), and the plans issued in
    ``period``."""
    officers: dict[OfficerKey, PlanFigures] = {}

    def figures_of(
        team_id: int, team: str, officer_id: int | None, officer: str | None
    ) -> PlanFigures:
        key = (team_id, officer_id)
        if key not in officers:
            officers[key] = PlanFigures(
                team_id=team_id, team=team, officer_id=officer_id, officer=officer or NO_OFFICER
            )
        return officers[key]

    def in_scope(team_column: Any) -> ColumnElement[bool]:
        if scope.team_ids is None:
            return true()
        return team_column.in_(sorted(scope.team_ids))

    for team_id, team, officer_id, officer, track, how_many in session.execute(
        select(
            ReportOpenTrack.team_id,
            Team.name,
            ReportOpenTrack.officer_id,
            User.name,
            ReportOpenTrack.track,
            ReportOpenTrack.assessments,
        )
        .join(Team, Team.id == ReportOpenTrack.team_id)
        .outerjoin(User, User.id == ReportOpenTrack.officer_id)
        .where(in_scope(ReportOpenTrack.team_id))
    ):
        figures = figures_of(team_id, team, officer_id, officer)
        name = TRACK_ATTRIBUTE[track]
        setattr(figures, name, getattr(figures, name) + how_many)

    owner = (ReportPlanCell.team_id, Team.name, ReportPlanCell.officer_id, User.name)
    for team_id, team, officer_id, officer, *counts in session.execute(
        select(*owner, *(func.sum(getattr(ReportPlanCell, name)) for name in PLAN_COUNTS))
        .join(Team, Team.id == ReportPlanCell.team_id)
        .outerjoin(User, User.id == ReportPlanCell.officer_id)
        .where(
            ReportPlanCell.month >= period.first.key,
            ReportPlanCell.month <= period.last.key,
            in_scope(ReportPlanCell.team_id),
        )
        .group_by(*owner)
    ):
        figures = figures_of(team_id, team, officer_id, officer)
        for name, value in zip(PLAN_COUNTS, counts, strict=True):
            setattr(figures, name, int(value or 0))

    by_officer = sorted(officers.values(), key=lambda f: (f.team, f.officer_id is None, f.officer))
    result = PlanTimeliness(period=period, today=today, by_officer=by_officer)
    result.by_team = _teams(by_officer)
    for figures in result.by_team:
        result.council.add(figures)
    return result


def _teams(by_officer: Iterable[PlanFigures]) -> list[PlanFigures]:
    teams: dict[int, PlanFigures] = {}
    for figures in by_officer:
        teams.setdefault(
            figures.team_id, PlanFigures(team_id=figures.team_id, team=figures.team)
        ).add(figures)
    return list(teams.values())
