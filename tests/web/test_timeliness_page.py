"""The timeliness page and its CSV downloads: a manager sees their teams' figures, an agency
lead their agency's advice in every team and no plan figures, others are refused; filters that
cannot be read say so; downloads are CSV a spreadsheet cannot be tricked into running; and the
page costs the same number of statements whatever the data held."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from advice_hub.deadlines import london_date
from advice_hub.models import Agency, AssessmentStatus, RequestStatus, Team, User, utcnow
from advice_hub.reports import Period, refresh_reports
from advice_hub.services import Services
from tests.factories import casework_team, make_assessment, make_user
from tests.html import parse_page, text_of
from tests.journey import sign_in
from tests.statements import statements

TODAY = london_date(utcnow())
PAGE = "/reports/timeliness"
CSV = "/reports/timeliness.csv"
# A team name a spreadsheet would run as a formula, were it not defused.
FORMULA_TEAM = '=HYPERLINK("http://evil.example","x")'


def _advice(session: Session, team: Team, agency: Agency, *, on_time: bool) -> None:
    assessment = make_assessment(session, agreed=True, agencies=(agency,), team=team)
    (advice_request,) = assessment.advice_requests
    received = datetime.combine(TODAY - timedelta(days=60), datetime.min.time(), UTC)
    advice_request.received_at = received
    advice_request.due_on = received.date() + timedelta(weeks=6)
    advice_request.status = RequestStatus.SUBMITTED
    advice_request.submitted_at = received + timedelta(days=30 if on_time else 50)


def _plan(session: Session, team: Team, officer: User | None = None) -> None:
    assessment = make_assessment(session, team=team, case_officer=officer)
    assessment.requested_on = TODAY - timedelta(days=150)
    assessment.final_plan_issued_on = TODAY - timedelta(days=20)  # 130 days: within 20 weeks
    assessment.status = AssessmentStatus.CLOSED


@pytest.fixture
def people(session: Session) -> dict[str, User]:
    casework = casework_team(session)
    north = casework_team(session, "North team")
    formula = casework_team(session, FORMULA_TEAM)
    people = {
        "manager": make_user(
            session,
            email="mandy@council.example",
            name="Mandy Price",
            role="manager",
            teams=[casework, formula],
        ),
        "lead": make_user(
            session,
            email="dana@icb.example",
            name="Dana Okafor",
            role="agency_lead",
            agency=Agency.HEALTH.value,
        ),
        "officer": make_user(session, email="olu@council.example", name="Olu", role="case_officer"),
        "auditor": make_user(session, email="ari@council.example", name="Ari", role="auditor"),
        "admin": make_user(session, email="kim@council.example", name="Kim", role="admin"),
    }
    _advice(session, casework, Agency.HEALTH, on_time=True)
    _advice(session, casework, Agency.HEALTH, on_time=False)
    _advice(session, casework, Agency.EDUCATION, on_time=True)
    _advice(session, north, Agency.HEALTH, on_time=False)
    _advice(session, north, Agency.SOCIAL_CARE, on_time=True)
    _plan(session, casework, people["officer"])
    _plan(session, north)
    _plan(session, formula)
    session.commit()
    refresh_reports(session)  # as the clock does every few minutes
    session.commit()
    return people


def _as(app: Flask, user: User) -> FlaskClient:
    return sign_in(app.test_client(), user.id)


def _table(soup: Any, table_id: str) -> list[list[str]]:
    table = soup.find("table", id=table_id)
    return [[text_of(c) for c in row.find_all(["th", "td"])] for row in table.find_all("tr")]


def test_a_manager_starts_at_the_timeliness_page(app: Flask, people: dict[str, User]) -> None:
    response = _as(app, people["manager"]).get("/")
    assert response.status_code == 302
    assert response.location == PAGE


def test_a_manager_sees_their_teams_advice_and_plans_with_a_chart_beside_each_table(
    app: Flask, people: dict[str, User]
) -> None:
    response = _as(app, people["manager"]).get(PAGE)

    assert response.status_code == 200
    soup = parse_page(response.data)
    by_agency = _table(soup, "table-advice-by-agency")
    assert [row[:5] for row in by_agency[1:]] == [
        ["Education", "100%", "1", "0", "0"],
        ["Health", "50%", "1", "1", "0"],  # North team's late health advice is not theirs
    ]
    teams = [row[0] for row in _table(soup, "table-plans-by-team")[1:]]
    assert teams == [
        "All teams",
        FORMULA_TEAM,
        "Casework team",
        f"{FORMULA_TEAM}: No case officer named",
        "Casework team: Olu",
    ]
    assert "North team" not in text_of(soup)
    for svg in soup.find_all("svg"):
        assert svg["role"] == "img"
        assert svg.find("title").get_text() and svg.find("desc").get_text()
        assert set(svg["aria-labelledby"].split()) == {svg.title["id"], svg.desc["id"]}
    assert len(soup.find_all("svg")) == 4
    chart = soup.find("svg", id="chart-advice-by-agency")
    assert [t.get_text() for t in chart.find_all("text")] == ["Education", "100%", "Health", "50%"]
    assert "England 2024: 46.4%" in soup.find("svg", id="chart-plans-by-team").get_text()
    for table in soup.find_all("table"):
        assert table.caption and text_of(table.caption)
    assert "Timeliness" in [text_of(a) for a in soup.select(".govuk-service-navigation a")]


def test_an_agency_lead_sees_their_agencys_advice_in_every_team_and_no_plans(
    app: Flask, people: dict[str, User]
) -> None:
    response = _as(app, people["lead"]).get(PAGE)

    assert response.status_code == 200
    soup = parse_page(response.data)
    rows = _table(soup, "table-advice-by-agency")[1:]
    assert [row[:5] for row in rows] == [["Health", "33%", "1", "2", "0"]]
    assert soup.find("table", id="table-plans-by-team") is None
    assert "Plans and the 20-week track" not in text_of(soup)
    options = [text_of(o) for o in soup.select("#team option")]
    assert options == ["Every team", FORMULA_TEAM, "Casework team", "North team"]


def test_an_agency_lead_narrowed_to_one_team_sees_that_teams_advice(
    app: Flask, people: dict[str, User], session: Session
) -> None:
    north = casework_team(session, "North team")
    soup = parse_page(_as(app, people["lead"]).get(f"{PAGE}?team={north.id}").data)
    assert [row[:5] for row in _table(soup, "table-advice-by-agency")[1:]] == [
        ["Health", "0%", "0", "1", "0"]
    ]


def test_an_auditor_sees_every_team(app: Flask, people: dict[str, User]) -> None:
    soup = parse_page(_as(app, people["auditor"]).get(PAGE).data)
    agencies = [row[0] for row in _table(soup, "table-advice-by-agency")[1:]]
    assert agencies == ["Education", "Health", "Social care"]
    assert "North team" in [row[0] for row in _table(soup, "table-plans-by-team")]


@pytest.mark.parametrize("who", ["officer", "admin"])
def test_case_officers_and_administrators_are_refused(
    app: Flask, people: dict[str, User], who: str
) -> None:
    client = _as(app, people[who])
    assert client.get(PAGE).status_code == 403
    assert client.get(f"{CSV}?table=advice_by_agency").status_code == 403


def test_no_session_is_sent_to_sign_in(client: FlaskClient) -> None:
    for url in (PAGE, f"{CSV}?table=advice_by_agency"):
        response = client.get(url)
        assert response.status_code == 302
        assert "/sign-in" in response.location


@pytest.mark.parametrize(
    ("query", "field", "message"),
    [
        ("from=2026-13", "from", "Enter a month as a year and month, like 2026-04"),
        ("from=2026-05&to=2026-01", "from", "The first month must be the same as or before"),
        ("to=next+year", "to", "Enter a month as a year and month"),
        ("team=999999", "team", "Choose a team from the list"),
        ("team=abc", "team", "Choose a team from the list"),
    ],
)
def test_filters_that_cannot_be_read_say_so_on_the_field_and_show_no_figures(
    app: Flask, people: dict[str, User], query: str, field: str, message: str
) -> None:
    response = _as(app, people["manager"]).get(f"{PAGE}?{query}")

    assert response.status_code == 400
    soup = parse_page(response.data)
    summary = soup.select_one(".govuk-error-summary")
    assert summary.find("a", href=f"#{field}") and message in text_of(summary)
    assert message in text_of(soup.find(id=f"{field}-error"))
    assert soup.find("table", id="table-advice-by-agency") is None
    assert soup.title.get_text().startswith("Error: ")


def test_another_managers_team_is_refused_as_a_filter(
    app: Flask, people: dict[str, User], session: Session
) -> None:
    north = casework_team(session, "North team")
    response = _as(app, people["manager"]).get(f"{PAGE}?team={north.id}")
    assert response.status_code == 400
    assert "North team" not in response.get_data(as_text=True)


def test_a_range_with_nothing_in_it_says_what_nothing_means(
    app: Flask, people: dict[str, User]
) -> None:
    soup = parse_page(_as(app, people["manager"]).get(f"{PAGE}?from=2001-01&to=2001-03").data)
    assert "No advice had its 6-week date in January 2001 to March 2001" in text_of(
        soup.find(id="advice-empty")
    )
    assert soup.find("svg", id="chart-advice-by-agency") is None
    # Open assessments are counted as they stand today, whatever the months chosen.
    assert soup.find("svg", id="chart-open-by-track") is not None


def _csv(response: Any) -> list[dict[str, str]]:
    text = response.get_data(as_text=True)
    assert text.startswith("\ufeff")
    return list(csv.DictReader(io.StringIO(text[1:])))


def test_each_table_downloads_as_csv_with_a_filename_and_its_columns(
    app: Flask, people: dict[str, User]
) -> None:
    response = _as(app, people["manager"]).get(f"{CSV}?table=advice_by_agency_and_month")
    period = Period.ending(TODAY)  # the default: the twelve months to this one

    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert response.mimetype_params.get("charset", "utf-8").lower() == "utf-8"
    assert response.headers["Content-Disposition"] == (
        "attachment; filename="
        f'"timeliness-advice_by_agency_and_month-{period.first.key}-to-{period.last.key}.csv"'
    )
    rows = _csv(response)
    assert {(r["agency"], r["due"], r["on_time"], r["late"]) for r in rows} == {
        ("education", "1", "1", "0"),
        ("health", "2", "1", "1"),
    }
    assert all(r["month"] == f"{TODAY - timedelta(days=18):%Y-%m}" for r in rows)


def test_a_cell_a_spreadsheet_would_run_as_a_formula_is_defused(
    app: Flask, people: dict[str, User]
) -> None:
    rows = _csv(_as(app, people["manager"]).get(f"{CSV}?table=plans_by_team"))
    teams = [r["team"] for r in rows]
    assert "'" + FORMULA_TEAM in teams
    assert not any(t.startswith(("=", "+", "-", "@")) for t in teams)


def test_an_agency_lead_cannot_download_plan_figures(app: Flask, people: dict[str, User]) -> None:
    client = _as(app, people["lead"])
    assert client.get(f"{CSV}?table=plans_by_officer").status_code == 404
    assert client.get(f"{CSV}?table=advice_by_agency").status_code == 200
    assert client.get(f"{CSV}?table=nonsense").status_code == 404
    assert client.get(f"{CSV}?table=advice_by_agency&from=bad").status_code == 400


def test_the_page_sends_as_many_statements_for_many_assessments_as_for_few(
    app: Flask, svc: Services, session: Session, people: dict[str, User]
) -> None:
    client = _as(app, people["manager"])
    client.get(PAGE)  # warm: the session row, the templates
    with statements(svc.engine) as few:
        assert client.get(PAGE).status_code == 200
    casework = casework_team(session)
    for n in range(12):
        _advice(session, casework, list(Agency)[n % 5], on_time=n % 2 == 0)
        _plan(session, casework, people["officer"] if n % 3 else None)
    session.commit()
    refresh_reports(session)
    session.commit()
    with statements(svc.engine) as many:
        assert client.get(PAGE).status_code == 200
    assert len(many) == len(few), "\n".join(many)
    assert len(few) <= 12


def test_the_page_says_when_the_figures_were_worked_out_and_a_change_shows_after_a_refresh(
    app: Flask, session: Session, people: dict[str, User]
) -> None:
    client = _as(app, people["manager"])
    soup = parse_page(client.get(PAGE).data)
    assert "Figures as of" in text_of(soup.find(id="figures-as-of"))
    assert "every 5 minutes" in text_of(soup.find(id="figures-as-of"))

    def health(page: Any) -> list[str]:
        (row,) = [r[:5] for r in _table(page, "table-advice-by-agency") if r[0] == "Health"]
        return row

    assert health(soup) == ["Health", "50%", "1", "1", "0"]

    _advice(session, casework_team(session), Agency.HEALTH, on_time=True)
    session.commit()
    before = parse_page(client.get(PAGE).data)
    assert health(before) == ["Health", "50%", "1", "1", "0"]  # until the next refresh
    refresh_reports(session)
    session.commit()
    after = parse_page(client.get(PAGE).data)
    assert health(after) == ["Health", "67%", "2", "1", "0"]


def test_before_the_first_refresh_the_page_and_downloads_say_the_figures_are_coming(
    app: Flask, session: Session
) -> None:
    manager = make_user(
        session,
        email="mandy@council.example",
        name="Mandy Price",
        role="manager",
        teams=[casework_team(session)],
    )
    session.commit()
    client = _as(app, manager)

    response = client.get(PAGE)
    soup = parse_page(response.data)
    assert response.status_code == 200
    assert "have not been worked out yet" in text_of(soup.find(id="figures-not-ready"))
    assert soup.find("table", id="table-advice-by-agency") is None
    download = client.get(f"{CSV}?table=advice_by_agency")
    assert download.status_code == 503
    assert download.headers["Retry-After"] == "60"
    assert "not been worked out yet" in download.get_data(as_text=True)
