"""The timeliness feed's contract (``GET /reports/timeliness``): flat arrays of rows with
stable keys, months as ISO 'YYYY-MM', shares as fractions from 0 to 1 (null when nothing was
counted), so that a Power BI or spreadsheet query reads each array as a table. The keys are
those of ``advice_hub.reports.feed``, which the CSV downloads use too."""

from __future__ import annotations

from datetime import date, datetime

from pydantic import Field

from advice_hub.web.api.schemas import ResponseBody


class AdviceRowOut(ResponseBody):
    """One agency's advice over the whole range (``month`` absent) or in one month."""

    agency: str
    month: str | None = Field(
        default=None, description="The month its 6-week date fell in, YYYY-MM (monthly rows)"
    )
    due: int = Field(description="Requests whose statutory date fell in the month or range")
    on_time: int = Field(description="Submitted on or before the statutory date")
    late: int = Field(description="Not on time, with no lawful exception")
    late_with_exception: int = Field(description="Not on time, with a reg 8(2) exception")
    share_within_6_weeks: float | None = Field(description="on_time / (on_time + late)")
    share_within_6_weeks_including_exceptions: float | None
    returned: int = Field(description="Submitted")
    median_days_to_return: float | None = Field(description="Days from receipt to submission")
    p90_days_to_return: float | None
    open: int
    overdue: int = Field(description="Open and past the date now expected (after extensions)")
    escalations: int = Field(description="Escalations to an agency lead or a manager")


class PlanRowOut(ResponseBody):
    """One team's figures, or one case officer's within it."""

    team_id: int
    team: str
    officer_id: int | None = Field(default=None, description="Officer rows: null for none named")
    officer: str | None = Field(default=None, description="Officer rows only")
    open: int
    on_track: int
    at_risk: int
    late: int
    on_hold: int
    plans_issued: int = Field(description="Final plans issued in the range")
    plans_issued_with_exception: int
    plans_issued_excluding_exceptions: int
    within_20_weeks: int = Field(description="Issued within 140 days of the request")
    share_within_20_weeks: float | None
    within_20_weeks_excluding_exceptions: int
    share_within_20_weeks_excluding_exceptions: float | None
    over_20_weeks_within_a_year: int
    over_a_year: int
    average_weeks_to_issue: float | None
    average_weeks_to_issue_excluding_exceptions: float | None


class NationalRowOut(ResponseBody):
    year: int = Field(description="The calendar year the plans were issued in")
    measure: str
    percent: float
    source: str
    source_url: str


class PeriodOut(ResponseBody):
    from_month: str = Field(description="The first month counted, YYYY-MM")
    to_month: str = Field(description="The last month counted, YYYY-MM")
    starts_on: date
    ends_before: date
    today: date = Field(description="The day open assessments and overdue advice were counted")
    figures_as_of: datetime = Field(
        description="When the figures were last worked out; they are worked out again every "
        "few minutes (REPORTS_REFRESH_MINUTES), so a change shows after the next refresh"
    )


class TimelinessOut(ResponseBody):
    """The key's team's timeliness figures."""

    period: PeriodOut
    team_id: int
    advice_by_agency: list[AdviceRowOut]
    advice_by_agency_and_month: list[AdviceRowOut]
    plans_by_team: list[PlanRowOut]
    plans_by_officer: list[PlanRowOut]
    national: list[NationalRowOut]
