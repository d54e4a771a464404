"""The timeliness figures, worked out by hand on a small made-up set and computed by the
database, on SQLite and on PostgreSQL alike: advice on time, late and late with a lawful
exception, the median and 90th percentile of the days to return, escalations, the scope a
report counts, and the plans' SEN2 bands."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta

import pytest
from flask import Flask
from sqlalchemy.orm import Session

from advice_hub.models import (
    AdviceRequest,
    Agency,
    Assessment,
    AssessmentException,
    AssessmentStatus,
    Chase,
    DeadlineReport,
    RequestException,
    RequestStatus,
)
from advice_hub.reports import (
    Month,
    Period,
    PeriodError,
    Scope,
    Timeliness,
    refresh_reports,
    tables,
    timeliness,
)
from advice_hub.reports.advice_timeliness import percentile_cont
from advice_hub.reports.national import latest
from tests.conftest import services
from tests.factories import casework_team, make_assessment, make_user

TODAY = date(2026, 6, 15)
PERIOD = Period(Month(2026, 1), Month(2026, 6))
NOW = datetime(2026, 6, 15, 9, tzinfo=UTC)


@pytest.fixture
def db(any_db_app: Flask) -> Iterator[Session]:
    with services(any_db_app).session_factory() as session:
        yield session


def _request(
    session: Session,
    *,
    agency: Agency = Agency.HEALTH,
    received: datetime,
    submitted: datetime | None = None,
    status: RequestStatus | None = None,
    team_name: str | None = None,
) -> AdviceRequest:
    team = casework_team(session, team_name) if team_name else casework_team(session)
    assessment = make_assessment(session, agreed=True, agencies=(agency,), team=team)
    (advice_request,) = assessment.advice_requests
    advice_request.received_at = received
    advice_request.due_on = received.date() + timedelta(weeks=6)
    advice_request.submitted_at = submitted
    advice_request.status = status or (RequestStatus.SUBMITTED if submitted else RequestStatus.SENT)
    return advice_request


def _at(day: date, hour: int = 10, minute: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=UTC)


def _chase(advice_request: AdviceRequest, kind: str, *, cancelled: bool = False) -> Chase:
    return Chase(
        advice_request=advice_request,
        kind=kind,
        key=f"{kind}:{advice_request.due_on}",
        due_on=advice_request.due_on,
        milestone_on=advice_request.due_on,
        send_at=NOW,
        planned_at=NOW,
        planned_by="clock",
        reason="test",
        cancelled_at=NOW if cancelled else None,
    )


def _deadline_report(advice_request: AdviceRequest, *, lawful: bool) -> DeadlineReport:
    return DeadlineReport(
        advice_request=advice_request,
        reason="missed_appointment" if lawful else "other",
        is_lawful_exception=lawful,
        details="As told",
        recorded_by="test",
        recorded_by_name="Test",
        reported_by_contributor=True,
    )


@pytest.fixture
def advice(db: Session) -> Session:
    """Health advice due on 3 March 2026 (received 20 January) unless said otherwise."""
    received = _at(date(2026, 1, 20))
    _request(db, received=received, submitted=_at(date(2026, 2, 20)))  # 31 days, on time
    # 23:30 UTC on 3 March is still 3 March in London (GMT): on time, 42 days.
    _request(db, received=received, submitted=_at(date(2026, 3, 3), 23, 30))
    _request(db, received=received, submitted=_at(date(2026, 3, 13)))  # 52 days, late
    excepted = _request(db, received=received, submitted=_at(date(2026, 3, 23)))  # 62, excused
    db.add(
        RequestException(
            advice_request=excepted,
            reason="exceptional_circumstances",
            details="Family bereavement",
            starts_on=date(2026, 2, 1),
            recorded_at=NOW,
            recorded_by="test",
            recorded_by_name="Test",
        )
    )
    overdue = _request(db, received=received)  # open, late and overdue
    db.add_all(
        [
            _chase(overdue, "escalation_lead"),
            _chase(overdue, "escalation_manager"),
            _chase(overdue, "overdue_chase"),  # a chase, not an escalation
        ]
    )
    cancelled = _request(db, received=received)  # open, late; its escalation never went
    db.add(_chase(cancelled, "escalation_lead", cancelled=True))
    db.add(_deadline_report(_request(db, received=received), lawful=True))  # open, excused
    db.add(_deadline_report(cancelled, lawful=False))  # a waiting list excuses nothing
    _request(db, received=received, status=RequestStatus.WITHDRAWN)  # owed by nobody
    # Still open when its assessment closed: owed by nobody any more either.
    _request(db, received=received).assessment.status = AssessmentStatus.CLOSED
    # Submitted on time before its assessment closed: counted.
    _request(
        db, received=received, submitted=_at(date(2026, 2, 20))
    ).assessment.status = AssessmentStatus.CLOSED
    # Due 5 May; 23:30 UTC that day is 00:30 on 6 May in London (BST): late, 43 days.
    _request(db, received=_at(date(2026, 3, 24)), submitted=_at(date(2026, 5, 5), 23, 30))
    _request(db, received=_at(date(2026, 5, 9)))  # due 20 June: open, not yet due
    # Another team's education advice, due in March, on time.
    _request(
        db,
        agency=Agency.EDUCATION,
        received=received,
        submitted=_at(date(2026, 2, 2)),
        team_name="North team",
    )
    db.commit()
    return db


def _figures(session: Session, period: Period, scope: Scope) -> Timeliness:
    """The report as the clock would leave it on TODAY: worked out, then read back."""
    refresh_reports(session, now=NOW)
    report = timeliness(session, period, scope)
    assert report is not None
    assert report.today == TODAY
    return report


def _row(rows: list[dict], **match: object) -> dict:
    (found,) = [r for r in rows if all(r.get(k) == v for k, v in match.items())]
    return found


def test_health_advice_due_in_march_is_counted_on_time_late_and_excused(advice: Session) -> None:
    report = tables(_figures(advice, PERIOD, Scope()))
    march = _row(report["advice_by_agency_and_month"], agency="health", month="2026-03")
    assert march == {
        "agency": "health",
        "month": "2026-03",
        "due": 8,
        "on_time": 3,
        "late": 3,
        "late_with_exception": 2,
        "share_within_6_weeks": 0.5,  # 3 of the 6 decided, exceptions apart
        "share_within_6_weeks_including_exceptions": round(3 / 8, 4),
        "returned": 5,
        "median_days_to_return": 42.0,  # of 31, 31, 42, 52 and 62
        "p90_days_to_return": 58.0,  # 52 + 0.6 x 10
        "open": 3,
        "overdue": 3,
        "escalations": 2,
    }


def test_a_submission_after_midnight_in_london_is_late_though_the_utc_date_is_not(
    advice: Session,
) -> None:
    report = tables(_figures(advice, PERIOD, Scope()))
    may = _row(report["advice_by_agency_and_month"], agency="health", month="2026-05")
    assert (may["on_time"], may["late"], may["median_days_to_return"]) == (0, 1, 43.0)


def test_advice_not_yet_due_is_open_but_in_no_share(advice: Session) -> None:
    report = tables(_figures(advice, PERIOD, Scope()))
    june = _row(report["advice_by_agency_and_month"], agency="health", month="2026-06")
    assert (june["due"], june["open"], june["overdue"], june["late"]) == (1, 1, 0, 0)
    assert june["share_within_6_weeks"] is None


def test_the_whole_range_per_agency_takes_its_percentiles_over_every_month(
    advice: Session,
) -> None:
    report = tables(_figures(advice, PERIOD, Scope()))
    health = _row(report["advice_by_agency"], agency="health")
    assert (health["due"], health["on_time"], health["late"], health["returned"]) == (10, 3, 4, 6)
    assert health["median_days_to_return"] == 42.5  # of 31, 31, 42, 43, 52, 62
    assert health["p90_days_to_return"] == 57.0  # 52 + 0.5 x 10
    assert [r["agency"] for r in report["advice_by_agency"]] == ["education", "health"]


def test_a_scope_counts_only_its_teams_and_its_agency(advice: Session) -> None:
    casework = casework_team(advice).id
    one_team = tables(_figures(advice, PERIOD, Scope(team_ids=frozenset({casework}))))
    assert [r["agency"] for r in one_team["advice_by_agency"]] == ["health"]
    education = tables(_figures(advice, PERIOD, Scope(agency="education")))
    assert [(r["agency"], r["due"]) for r in education["advice_by_agency"]] == [("education", 1)]
    assert education["plans_by_team"] == education["plans_by_officer"] == []


def test_a_range_that_ends_before_march_counts_none_of_it(advice: Session) -> None:
    report = tables(_figures(advice, Period(Month(2026, 1), Month(2026, 2)), Scope()))
    assert report["advice_by_agency"] == []


def _plan(
    session: Session,
    officer: object,
    *,
    requested: date,
    issued: date,
    exception: bool = False,
) -> Assessment:
    assessment = make_assessment(session, case_officer=officer)  # type: ignore[arg-type]
    assessment.requested_on = requested
    assessment.final_plan_issued_on = issued
    assessment.status = AssessmentStatus.CLOSED
    if exception:
        session.add(
            AssessmentException(
                assessment=assessment,
                reason="setting_closed",
                details="School closed",
                starts_on=requested + timedelta(days=10),
                ends_on=requested + timedelta(days=50),
                recorded_at=NOW,
                recorded_by="test",
                recorded_by_name="Test",
            )
        )
    return assessment


def _open(session: Session, officer: object, *, decided: bool, **due: date | None) -> None:
    assessment = make_assessment(session, case_officer=officer)  # type: ignore[arg-type]
    assessment.requested_on = date(2026, 5, 20)
    assessment.decided_on = date(2026, 6, 1) if decided else None
    assessment.decision_due_on = due.get("decision", date(2026, 7, 1))
    assessment.draft_due_on = due.get("draft", date(2026, 9, 9))
    assessment.final_due_on = due.get("final", date(2026, 10, 7))


@pytest.fixture
def plans(db: Session) -> Session:
    olu = make_user(db, email="olu@council.example", name="Olu Adeyemi", role="case_officer")
    _plan(db, olu, requested=date(2025, 10, 1), issued=date(2026, 2, 10))  # 132 days
    _plan(db, olu, requested=date(2025, 9, 1), issued=date(2026, 3, 1), exception=True)  # 181
    _plan(db, olu, requested=date(2025, 1, 5), issued=date(2026, 4, 1))  # 451 days
    _plan(db, olu, requested=date(2025, 11, 1), issued=date(2026, 3, 20), exception=True)  # 139
    _plan(db, olu, requested=date(2025, 6, 1), issued=date(2025, 12, 1))  # before the range
    priya = make_user(db, email="priya@council.example", name="Priya Shah", role="case_officer")
    _open(db, priya, decided=True)  # on track
    _open(db, priya, decided=True, final=date(2026, 6, 25), draft=date(2026, 6, 1))  # late
    _open(db, priya, decided=False, decision=date(2026, 6, 1))  # late: no decision by week 6
    _open(db, priya, decided=True, final=None)  # on hold: an exception holds its milestones
    db.commit()
    return db


def test_plans_issued_fall_into_the_sen2_bands(plans: Session) -> None:
    report = _figures(plans, PERIOD, Scope())
    assert report.plans is not None
    olu = _row(tables(report)["plans_by_officer"], officer="Olu Adeyemi")
    assert {k: olu[k] for k in olu if k.startswith(("plans_", "within", "over", "share"))} == {
        "plans_issued": 4,
        "plans_issued_with_exception": 2,
        "plans_issued_excluding_exceptions": 2,
        "within_20_weeks": 2,  # 132 and 139 days (the second with an exception)
        "share_within_20_weeks": 0.5,
        "within_20_weeks_excluding_exceptions": 1,
        "share_within_20_weeks_excluding_exceptions": 0.5,
        "over_20_weeks_within_a_year": 1,
        "over_a_year": 1,
    }
    (figures,) = [f for f in report.plans.by_officer if f.officer == "Olu Adeyemi"]
    assert figures.average_weeks_to_issue == pytest.approx((132 + 181 + 451 + 139) / 4 / 7)
    assert figures.average_weeks_to_issue_excluding_exceptions == pytest.approx(583 / 2 / 7)


def test_open_assessments_are_counted_on_the_twenty_week_track(plans: Session) -> None:
    rows = tables(_figures(plans, PERIOD, Scope()))
    priya = _row(rows["plans_by_officer"], officer="Priya Shah")
    # The second's draft was due on 1 June and neither a decision nor a draft came: late too.
    assert (priya["on_track"], priya["at_risk"], priya["late"], priya["on_hold"]) == (1, 0, 2, 1)
    team = _row(rows["plans_by_team"], team="Casework team")
    assert (team["open"], team["plans_issued"]) == (4, 4)


def test_an_open_assessment_with_its_final_plan_due_within_two_weeks_is_at_risk(
    db: Session,
) -> None:
    priya = make_user(db, email="priya@council.example", name="Priya Shah", role="case_officer")
    _open(db, priya, decided=True, final=date(2026, 6, 25), draft=date(2026, 6, 20))
    db.commit()
    rows = tables(_figures(db, PERIOD, Scope()))
    assert _row(rows["plans_by_officer"], officer="Priya Shah")["at_risk"] == 1


def test_the_national_figures_name_their_year_and_source() -> None:
    figure = latest()
    assert (figure.year, figure.percent) == (2024, 46.4)
    assert "Education, health and care plans" in figure.source


def test_percentile_cont_interpolates_as_postgresql_does() -> None:
    assert percentile_cont({31: 1, 42: 1, 52: 1, 62: 1}, 0.5) == 47.0
    assert percentile_cont({10: 3}, 0.9) == 10.0
    assert percentile_cont({1: 1, 2: 1}, 0.9) == pytest.approx(1.9)
    assert percentile_cont({}, 0.5) is None


@pytest.mark.parametrize(
    ("first", "last", "field"),
    [
        ("2026-13", None, "from"),
        ("April", None, "from"),
        ("2026-05", "2026-04", "from"),
        (None, "26-4", "to"),
        ("2020-01", "2026-01", "from"),
    ],
)
def test_a_range_that_cannot_be_read_names_the_field(
    first: str | None, last: str | None, field: str
) -> None:
    with pytest.raises(PeriodError) as refused:
        Period.parse(first, last, today=TODAY)
    assert refused.value.field == field


def test_the_default_range_is_the_twelve_months_to_this_one() -> None:
    period = Period.parse(None, None, today=TODAY)
    assert (period.first, period.last, len(period)) == (Month(2025, 7), Month(2026, 6), 12)
