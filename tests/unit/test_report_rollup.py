"""The timeliness rollup, on SQLite and PostgreSQL: a refresh after changes (advice submitted,
an exception, an escalation, a deadline report, a move to another team, a plan issued, an
assessment exception) leaves exactly the figures a refresh of everything would; it works out
only the months changed; a new day works everything out again; a write that changes what a
figure counts moves the row's ``updated_at``; the clock refreshes when due and not before."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select
from sqlalchemy.orm import Session

from advice_hub.jobs.clock import tick
from advice_hub.models import (
    AdviceRequest,
    Agency,
    Assessment,
    AssessmentException,
    AssessmentStatus,
    Chase,
    DeadlineReport,
    ReportAdviceCell,
    ReportOpenTrack,
    ReportPlanCell,
    RequestException,
    RequestStatus,
)
from advice_hub.reports import Month, Period, Scope, refresh_reports, tables, timeliness
from tests.conftest import services
from tests.factories import casework_team, make_assessment, make_user

NOW = datetime(2026, 6, 15, 9, tzinfo=UTC)
PERIOD = Period(Month(2025, 7), Month(2026, 6))
NO_MARGIN = timedelta(0)


@pytest.fixture
def db(any_db_app: Flask) -> Iterator[Session]:
    with services(any_db_app).session_factory() as session:
        yield session


def _at(day: date, hour: int = 10) -> datetime:
    return datetime(day.year, day.month, day.day, hour, tzinfo=UTC)


def _request(
    session: Session, *, received: date, submitted: date | None = None, team: str | None = None
) -> AdviceRequest:
    assessment = make_assessment(
        session,
        agreed=True,
        agencies=(Agency.HEALTH,),
        team=casework_team(session, team) if team else casework_team(session),
    )
    (advice_request,) = assessment.advice_requests
    advice_request.received_at = _at(received)
    advice_request.due_on = received + timedelta(weeks=6)
    advice_request.submitted_at = _at(submitted) if submitted else None
    advice_request.status = RequestStatus.SUBMITTED if submitted else RequestStatus.SENT
    return advice_request


def _plan(session: Session, *, requested: date, issued: date) -> Assessment:
    officer = make_user(session, email="olu@council.example", name="Olu", role="case_officer")
    assessment = make_assessment(session, case_officer=officer)
    assessment.requested_on = requested
    assessment.final_plan_issued_on = issued
    assessment.status = AssessmentStatus.CLOSED
    return assessment


def _escalation(advice_request: AdviceRequest) -> Chase:
    return Chase(
        advice_request=advice_request,
        kind="escalation_lead",
        key=f"escalation_lead:{advice_request.due_on}",
        due_on=advice_request.due_on,
        milestone_on=advice_request.due_on,
        send_at=NOW,
        planned_at=NOW,
        planned_by="clock",
        reason="test",
    )


def _assessment_exception(assessment: Assessment) -> AssessmentException:
    return AssessmentException(
        assessment=assessment,
        reason="setting_closed",
        details="School closed",
        starts_on=date(2025, 11, 20),
        ends_on=date(2025, 12, 20),
        recorded_at=NOW,
        recorded_by="test",
        recorded_by_name="Test",
    )


def _rollup(session: Session) -> dict[str, Any]:
    """Every row of the rollup, comparable whatever order and ids they were written with."""
    return {
        "advice": sorted(
            tuple(getattr(c, column.key) for column in ReportAdviceCell.__table__.columns)
            for c in session.scalars(select(ReportAdviceCell))
        ),
        "plans": sorted(
            tuple(
                -1 if getattr(c, column.key) is None else getattr(c, column.key)
                for column in ReportPlanCell.__table__.columns
                if column.key != "id"
            )
            for c in session.scalars(select(ReportPlanCell))
        ),
        "tracks": sorted(
            (t.team_id, t.officer_id or 0, t.track, t.assessments)
            for t in session.scalars(select(ReportOpenTrack))
        ),
    }


@pytest.fixture
def worked_out(db: Session) -> dict[str, Any]:
    """Requests due in three months and a plan issued, worked out once in full."""
    made = {
        "march": _request(db, received=date(2026, 1, 20), submitted=date(2026, 3, 13)),  # late
        "april_open": _request(db, received=date(2026, 2, 20)),  # due 3 April, open
        "may": _request(db, received=date(2026, 3, 24), submitted=date(2026, 4, 20)),
        "plan": _plan(db, requested=date(2025, 11, 1), issued=date(2026, 3, 20)),
    }
    db.commit()
    assert refresh_reports(db, now=NOW).full
    db.commit()
    return made


def test_a_refresh_after_changes_gives_the_figures_a_refresh_of_everything_would(
    db: Session, worked_out: dict[str, Any]
) -> None:
    before = tables(_report(db))
    late = worked_out["march"]
    db.add(
        RequestException(
            advice_request=late,
            reason="exceptional_circumstances",
            details="Bereavement",
            starts_on=date(2026, 2, 1),
            recorded_at=NOW,
            recorded_by="test",
            recorded_by_name="Test",
        )
    )
    still_open = worked_out["april_open"]
    db.add(_escalation(still_open))
    db.add(
        DeadlineReport(
            advice_request=worked_out["may"],
            reason="missed_appointment",
            is_lawful_exception=True,
            details="As told",
            recorded_by="test",
            recorded_by_name="Test",
            reported_by_contributor=True,
        )
    )
    worked_out["may"].assessment.team = casework_team(db, "North team")
    db.add(_assessment_exception(worked_out["plan"]))
    _request(db, received=date(2026, 1, 22), submitted=date(2026, 2, 25))  # a new one, March
    db.commit()

    refreshed = refresh_reports(db, now=NOW, margin=NO_MARGIN)
    db.commit()
    incremental = _rollup(db)
    after = tables(_report(db))
    assert not refreshed.full
    assert (refreshed.advice_months, refreshed.plan_months) == (3, 1)  # March, April, May
    assert refresh_reports(db, now=NOW, full=True).full
    db.commit()
    assert _rollup(db) == incremental

    (health_before,) = before["advice_by_agency"]
    (health_after,) = after["advice_by_agency"]
    assert (health_before["due"], health_before["late"], health_before["escalations"]) == (3, 2, 0)
    # The late March advice is excused now, the new March one on time, the open April one
    # escalated; the May one moved to North team, which this scope still counts.
    assert (health_after["due"], health_after["on_time"], health_after["late"]) == (4, 2, 1)
    assert (health_after["late_with_exception"], health_after["escalations"]) == (1, 1)
    (plans,) = [row for row in after["plans_by_team"] if row["plans_issued"]]
    assert (plans["plans_issued"], plans["plans_issued_with_exception"]) == (1, 1)


def _report(session: Session, scope: Scope | None = None) -> Any:
    report = timeliness(session, PERIOD, scope or Scope())
    assert report is not None
    return report


def test_a_refresh_with_nothing_changed_works_out_no_month(
    db: Session, worked_out: dict[str, Any]
) -> None:
    refreshed = refresh_reports(db, now=NOW, margin=NO_MARGIN)
    assert not refreshed.full
    assert (refreshed.advice_months, refreshed.plan_months) == (0, 0)

    worked_out["may"].submitted_at = _at(date(2026, 4, 21))
    db.commit()
    refreshed = refresh_reports(db, now=NOW, margin=NO_MARGIN)
    assert (refreshed.advice_months, refreshed.plan_months) == (1, 0)  # May only


def test_a_new_day_works_everything_out_again_and_the_open_request_turns_late(
    db: Session, worked_out: dict[str, Any]
) -> None:
    on_the_day = datetime(2026, 4, 3, 9, tzinfo=UTC)  # the open request's statutory date
    refresh_reports(db, now=on_the_day, full=True)
    db.commit()
    april = Period(Month(2026, 4), Month(2026, 4))
    report = timeliness(db, april, Scope())
    assert report is not None and report.today == date(2026, 4, 3)
    (figures,) = tables(report)["advice_by_agency"]
    assert (figures["open"], figures["late"], figures["overdue"]) == (1, 0, 0)

    assert refresh_reports(db, now=on_the_day + timedelta(days=1), margin=NO_MARGIN).full
    db.commit()
    (figures,) = tables(_report_for(db, april))["advice_by_agency"]
    assert (figures["open"], figures["late"], figures["overdue"]) == (1, 1, 1)


def _report_for(session: Session, period: Period) -> Any:
    report = timeliness(session, period, Scope())
    assert report is not None
    return report


def test_what_a_figure_counts_changing_moves_the_updated_at_it_is_found_by(
    db: Session, worked_out: dict[str, Any]
) -> None:
    still_open: AdviceRequest = worked_out["april_open"]
    plan: Assessment = worked_out["plan"]
    stamps = (still_open.updated_at, plan.updated_at)
    db.add(_escalation(still_open))
    db.add(_assessment_exception(plan))
    db.commit()
    assert still_open.updated_at > stamps[0]
    assert still_open.assessment.updated_at > stamps[0]
    assert plan.updated_at > stamps[1]

    moved = still_open.updated_at
    (chase,) = db.scalars(select(Chase).where(Chase.advice_request_id == still_open.id))
    chase.cancelled_at = NOW
    db.commit()
    assert still_open.updated_at > moved


def test_the_clock_refreshes_when_due_and_not_before(any_db_app: Flask) -> None:
    svc = services(any_db_app)
    with svc.session_factory() as session:
        _request(session, received=date(2026, 1, 20), submitted=date(2026, 3, 1))
        session.commit()
        assert timeliness(session, PERIOD, Scope()) is None  # never worked out yet

    first = tick(svc, now=NOW)["reports"]
    assert first is not None and first["full"]
    assert tick(svc, now=NOW + timedelta(minutes=1))["reports"] is None  # every 5 minutes
    again = tick(svc, now=NOW + timedelta(minutes=5))["reports"]
    assert again is not None and not again["full"]
    assert tick(svc, now=NOW + timedelta(days=1))["reports"]["full"]  # a new day

    with svc.session_factory() as session:
        report = timeliness(session, PERIOD, Scope())
        assert report is not None
        assert report.refreshed_at == NOW + timedelta(days=1)
        (health,) = tables(report)["advice_by_agency"]
        assert (health["due"], health["on_time"]) == (1, 1)


def test_the_command_line_works_the_figures_out_now(app: Flask) -> None:
    from click.testing import CliRunner
    from flask.cli import ScriptInfo

    from advice_hub.cli import main

    svc = services(app)
    with svc.session_factory() as session:
        _request(session, received=date(2026, 1, 20), submitted=date(2026, 3, 1))
        session.commit()
    info = ScriptInfo(create_app=lambda: app)

    first = CliRunner().invoke(main, ["reports", "refresh"], obj=info)
    again = CliRunner().invoke(main, ["reports", "refresh"], obj=info)
    full = CliRunner().invoke(main, ["reports", "refresh", "--full"], obj=info)

    assert first.exit_code == again.exit_code == full.exit_code == 0, first.output
    assert first.output.startswith("Worked out every month in")
    assert again.output.startswith("Worked out 1 month of advice and 0 months of plans again")
    assert full.output.startswith("Worked out every month in")
    with svc.session_factory() as session:
        report = timeliness(session, PERIOD, Scope())
        assert report is not None and len(tables(report)["advice_by_agency"]) == 1
