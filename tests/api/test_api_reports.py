"""The timeliness feed: only a key with ``reports:read``, only its own team's figures, in flat
rows with stable keys and ISO months that a reporting tool reads as tables, on both
databases."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from flask import Flask
from flask.testing import FlaskClient

from advice_hub.models import Agency, AssessmentStatus, RequestStatus
from advice_hub.reports import COLUMNS, Period, refresh_reports
from tests.api.api_helpers import API, bearer, issue_key, today, transaction
from tests.factories import casework_team, make_assessment

FEED = f"{API}/reports/timeliness"


def _advice(app: Flask, team: str, agency: Agency, *, late: bool) -> None:
    with transaction(app) as session:
        assessment = make_assessment(
            session, agreed=True, agencies=(agency,), team=casework_team(session, team)
        )
        (advice_request,) = assessment.advice_requests
        received = datetime.combine(today() - timedelta(days=60), datetime.min.time(), UTC)
        advice_request.received_at = received
        advice_request.due_on = received.date() + timedelta(weeks=6)
        advice_request.status = RequestStatus.SUBMITTED
        advice_request.submitted_at = received + timedelta(days=50 if late else 20)
        plan = make_assessment(session, team=casework_team(session, team))
        plan.requested_on = today() - timedelta(days=200)
        plan.final_plan_issued_on = today() - timedelta(days=10)
        plan.status = AssessmentStatus.CLOSED


def _refreshed(app: Flask) -> None:
    """The figures worked out, as the clock does every few minutes."""
    with transaction(app) as session:
        refresh_reports(session)


def test_a_key_without_reports_read_is_refused_403(app: Flask, client: FlaskClient) -> None:
    key = issue_key(app, scopes=["assessments:read", "assessments:write", "advice:read"])

    response = client.get(FEED, headers=bearer(key))

    assert response.status_code == 403
    assert response.json["error"]["code"] == "insufficient_scope"
    assert 'scope="reports:read"' in response.headers["WWW-Authenticate"]


def test_no_key_is_refused_401(client: FlaskClient) -> None:
    assert client.get(FEED).status_code == 401


def test_the_feed_holds_the_keys_team_only_in_flat_rows_with_stable_keys(
    any_db_app: Flask, db_client: FlaskClient
) -> None:
    key = issue_key(any_db_app, scopes=["reports:read"])
    _advice(any_db_app, "Casework team", Agency.HEALTH, late=False)
    _advice(any_db_app, "North team", Agency.HEALTH, late=True)
    _advice(any_db_app, "North team", Agency.EDUCATION, late=True)
    _refreshed(any_db_app)

    response = db_client.get(FEED, headers=bearer(key))

    assert response.status_code == 200, response.json
    body = response.json
    period = Period.ending(today())
    assert body["period"]["from_month"] == period.first.key
    assert body["period"]["to_month"] == period.last.key
    assert body["period"]["today"] == today().isoformat()
    assert body["period"]["figures_as_of"].startswith(today().isoformat()[:4])
    with transaction(any_db_app) as session:
        team_id = casework_team(session).id
    assert body["team_id"] == team_id
    (health,) = body["advice_by_agency"]
    assert (health["agency"], health["due"], health["on_time"], health["late"]) == (
        "health",
        1,
        1,
        0,
    )
    assert health["share_within_6_weeks"] == 1.0
    assert health["median_days_to_return"] == 20.0
    (monthly,) = body["advice_by_agency_and_month"]
    assert monthly["month"] == f"{today() - timedelta(days=18):%Y-%m}"
    assert set(monthly) == set(COLUMNS["advice_by_agency_and_month"])
    (team,) = body["plans_by_team"]
    assert (team["team"], team["plans_issued"], team["over_20_weeks_within_a_year"]) == (
        "Casework team",
        1,
        1,
    )
    assert set(team) == set(COLUMNS["plans_by_officer"])  # every row has every key
    assert {r["team"] for r in body["plans_by_officer"]} == {"Casework team"}
    assert {r["year"] for r in body["national"]} >= {2019, 2023, 2024}


def test_another_team_or_a_bad_month_is_refused_422_naming_the_parameter(
    app: Flask, client: FlaskClient
) -> None:
    key = issue_key(app, scopes=["reports:read"])
    with transaction(app) as session:
        north = casework_team(session, "North team").id
        own = casework_team(session).id
    _refreshed(app)

    other = client.get(f"{FEED}?team={north}", headers=bearer(key))
    missing = client.get(f"{FEED}?team=987654", headers=bearer(key))
    bad = client.get(f"{FEED}?from=2026-00", headers=bearer(key))

    assert other.status_code == missing.status_code == 422
    assert other.json == missing.json  # another team answers as one that does not exist
    assert other.json["error"]["fields"][0]["field"] == "team"
    assert bad.status_code == 422
    assert bad.json["error"]["fields"][0]["field"] == "from"
    assert client.get(f"{FEED}?team={own}", headers=bearer(key)).status_code == 200


def test_a_range_of_months_narrows_the_feed(app: Flask, client: FlaskClient) -> None:
    key = issue_key(app, scopes=["reports:read"])
    _advice(app, "Casework team", Agency.HEALTH, late=False)
    _refreshed(app)

    response = client.get(f"{FEED}?from=2001-01&to=2001-06", headers=bearer(key))

    assert response.status_code == 200
    assert response.json["advice_by_agency"] == []
    # Open assessments are counted as they stand today; no plan was issued in those months.
    assert [r["plans_issued"] for r in response.json["plans_by_team"]] == [0]
    assert response.json["period"]["starts_on"] == "2001-01-01"
    assert response.json["period"]["ends_before"] == "2001-07-01"


def test_before_the_first_refresh_the_feed_answers_503_with_retry_after(
    app: Flask, client: FlaskClient
) -> None:
    key = issue_key(app, scopes=["reports:read"])
    _advice(app, "Casework team", Agency.HEALTH, late=False)

    response = client.get(FEED, headers=bearer(key))

    assert response.status_code == 503
    assert response.headers["Retry-After"] == "60"
    assert response.json["error"]["code"] == "figures_not_ready"
    _refreshed(app)
    assert client.get(FEED, headers=bearer(key)).status_code == 200
