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

Two statements whatever the number of assessments.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field, fields
from datetime import date

from sqlalchemy import ColumnElement, and_, case, exists, func, select, true
from sqlalchemy.orm import Session

from advice_hub.assessments.track import Track, track_expression
from advice_hub.models import Assessment, AssessmentException, AssessmentStatus, Team, User
from advice_hub.reports.period import Period, Scope
from advice_hub.reports.sql import days_between

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


def assessments_in_scope(scope: Scope) -> ColumnElement[bool]:
    if scope.team_ids is None:
        return true()
    return Assessment.team_id.in_(sorted(scope.team_ids))


def plan_timeliness(
    session: Session, period: Period, scope: Scope, *, today: date
) -> PlanTimeliness:
    """The plan figures within ``scope``: open assessments now, plans issued in ``period``."""
    officers: dict[tuple[int, int | None], PlanFigures] = {}

    def figures_of(
        team_id: int, team: str, officer_id: int | None, officer: str | None
    ) -> PlanFigures:
        key = (team_id, officer_id)
        if key not in officers:
            officers[key] = PlanFigures(
                team_id=team_id, team=team, officer_id=officer_id, officer=officer or NO_OFFICER
            )
        return officers[key]

    owner = (Assessment.team_id, Team.name, Assessment.case_officer_id, User.name)
    track = track_expression(today).label("track")
    tracked = (
        select(*owner, track)
        .join(Team, Team.id == Assessment.team_id)
        .outerjoin(User, User.id == Assessment.case_officer_id)
        .where(Assessment.status != str(AssessmentStatus.CLOSED), assessments_in_scope(scope))
        .subquery()
    )
    attribute = {
        Track.ON_TRACK.value: "on_track",
        Track.AT_RISK.value: "at_risk",
        Track.LATE.value: "late",
        Track.ON_HOLD.value: "on_hold",
    }
    columns = list(tracked.c)
    for row in session.execute(select(*columns, func.count()).group_by(*columns)):
        team_id, team, officer_id, officer, where, how_many = tuple(row)
        if where in attribute:
            figures = figures_of(team_id, team, officer_id, officer)
            setattr(figures, attribute[where], getattr(figures, attribute[where]) + how_many)

    days = days_between(Assessment.final_plan_issued_on, Assessment.requested_on)
    excepted = exists().where(AssessmentException.assessment_id == Assessment.id)
    within = days <= WITHIN_20_WEEKS

    def counted(condition: ColumnElement[bool]) -> ColumnElement[int]:
        return func.sum(case((condition, 1), else_=0))

    for row in session.execute(
        select(
            *owner,
            func.count(),
            counted(excepted),
            counted(within),
            counted(and_(within, ~excepted)),
            counted(and_(days > WITHIN_20_WEEKS, days <= WITHIN_A_YEAR)),
            counted(days > WITHIN_A_YEAR),
            func.sum(days),
            func.sum(case((~excepted, days), else_=0)),
        )
        .join(Team, Team.id == Assessment.team_id)
        .outerjoin(User, User.id == Assessment.case_officer_id)
        .where(
            Assessment.final_plan_issued_on >= period.starts_on,
            Assessment.final_plan_issued_on < period.ends_before,
            assessments_in_scope(scope),
        )
        .group_by(*owner)
    ):
        team_id, team, officer_id, officer, *counts = row
        figures = figures_of(team_id, team, officer_id, officer)
        (
            figures.issued,
            figures.issued_with_exception,
            figures.within_20_weeks,
            figures.within_20_weeks_excluding_exceptions,
            figures.over_20_weeks_within_a_year,
            figures.over_a_year,
            figures.days_to_issue,
            figures.days_to_issue_excluding_exceptions,
        ) = (int(n or 0) for n in counts)

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
