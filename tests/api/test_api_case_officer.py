"""POST /assessments names its case officer and team: the officer must be one of the key's
team, the team the key's own, and the officer then gets the assessment's daily digest."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import time_machine
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from advice_hub.deadlines import LONDON
from advice_hub.jobs.clock import tick
from advice_hub.models import Assessment, AuditEvent, User, utcnow
from notifications.mailbox import list_messages, read_message
from tests.api.api_helpers import API, assessment_payload, seal, today, transaction
from tests.conftest import services
from tests.factories import CASEWORK_TEAM, casework_team, make_user

OFFICER = "olu.adeyemi@council.example"
NORTH = "North locality team"


def _people(app: Flask) -> None:
    """An officer and a manager of the casework team, an officer of another team, one whose
    access was turned off and an auditor, who works no cases."""
    with transaction(app) as session:
        north = casework_team(session, NORTH)
        make_user(session, email=OFFICER, name="Olu Adeyemi", role="case_officer")
        make_user(session, email="mo@council.example", name="Mo Manager", role="manager")
        make_user(
            session,
            email="nia@council.example",
            name="Nia North",
            role="case_officer",
            teams=[north],
        )
        gone = make_user(
            session, email="gone@council.example", name="Gone Officer", role="case_officer"
        )
        gone.deactivated_at = utcnow()
        make_user(session, email="aud@council.example", name="Ade Auditor", role="auditor")


def _post(client: FlaskClient, auth: dict[str, str], **fields: Any) -> Any:
    return client.post(f"{API}/assessments", json=assessment_payload(**fields), headers=auth)


def _nothing_saved(app: Flask) -> bool:
    with transaction(app) as session:
        return session.scalar(select(func.count()).select_from(Assessment)) == 0


def test_an_assessment_names_its_officer_by_email_in_any_case(
    any_db_app: Flask, db_client: FlaskClient, db_auth: dict[str, str]
) -> None:
    _people(any_db_app)

    created = _post(db_client, db_auth, case_officer_email="Olu.ADEYEMI@Council.Example")
    status = db_client.get(created.headers["Location"], headers=db_auth)

    assert created.status_code == 201, created.json
    assert status.json["case_officer_email"] == OFFICER
    assert status.json["team"] == CASEWORK_TEAM
    with transaction(any_db_app) as session:
        assessment = session.get_one(Assessment, uuid.UUID(created.json["id"]))
        assert assessment.case_officer is not None
        assert assessment.case_officer.email == OFFICER
        assert assessment.team.name == CASEWORK_TEAM
        event = session.scalars(
            select(AuditEvent).where(AuditEvent.action == "assessment.created")
        ).one()
        assert event.detail["case_officer"] == OFFICER
        assert event.detail["team"] == CASEWORK_TEAM


def test_a_team_manager_may_hold_the_assessment_too(
    app: Flask, client: FlaskClient, auth: dict[str, str]
) -> None:
    _people(app)

    created = _post(client, auth, case_officer_email="mo@council.example")

    assert created.status_code == 201
    assert client.get(created.headers["Location"], headers=auth).json["case_officer_email"] == (
        "mo@council.example"
    )


def test_the_key_s_own_team_may_be_named_in_any_case(
    app: Flask, client: FlaskClient, auth: dict[str, str]
) -> None:
    _people(app)

    created = _post(client, auth, team=f"  {CASEWORK_TEAM.upper()} ", case_officer_email=OFFICER)

    assert created.status_code == 201, created.json
    assert client.get(created.headers["Location"], headers=auth).json["team"] == CASEWORK_TEAM


def test_without_an_officer_the_assessment_has_none_and_the_key_s_team(
    app: Flask, client: FlaskClient, auth: dict[str, str]
) -> None:
    created = _post(client, auth)

    status = client.get(created.headers["Location"], headers=auth).json
    assert (status["team"], status["case_officer_email"]) == (CASEWORK_TEAM, None)


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        (
            {"case_officer_email": "nobody@council.example"},
            "case_officer_email",
            "There is no case officer with the email address nobody@council.example",
        ),
        (
            {"case_officer_email": "nia@council.example"},
            "case_officer_email",
            f"Nia North is not a case officer in {CASEWORK_TEAM}",
        ),
        (
            {"case_officer_email": "gone@council.example"},
            "case_officer_email",
            "There is no case officer with the email address gone@council.example",
        ),
        (
            {"case_officer_email": "aud@council.example"},
            "case_officer_email",
            "There is no case officer with the email address aud@council.example",
        ),
        (
            {"team": NORTH, "case_officer_email": OFFICER},
            "team",
            f"This API key can only record assessments for {CASEWORK_TEAM}",
        ),
        ({"team": "Nowhere team"}, "team", "There is no team called Nowhere team"),
    ],
    ids=[
        "unknown-officer",
        "officer-of-another-team",
        "deactivated-officer",
        "not-a-case-worker",
        "another-team",
        "unknown-team",
    ],
)
def test_an_officer_or_team_the_key_cannot_use_is_refused_422_naming_it(
    any_db_app: Flask,
    db_client: FlaskClient,
    db_auth: dict[str, str],
    fields: dict[str, str],
    field: str,
    message: str,
) -> None:
    _people(any_db_app)

    response = _post(db_client, db_auth, **fields)

    assert response.status_code == 422
    assert response.json == {
        "error": {
            "code": "validation_failed",
            "message": message,
            "fields": [{"field": field, "message": message}],
        }
    }
    assert _nothing_saved(any_db_app)


def test_an_officer_email_that_is_not_an_address_is_refused_naming_it(
    app: Flask, client: FlaskClient, auth: dict[str, str]
) -> None:
    response = _post(client, auth, case_officer_email="olu at the council")

    assert response.status_code == 422
    assert [f["field"] for f in response.json["error"]["fields"]] == ["case_officer_email"]
    assert _nothing_saved(app)


# Monday 2 March 2026, in office hours: the clock queues digests on a working day from 09:00.
MONDAY = datetime(2026, 3, 2, 10, 0, tzinfo=LONDON)


def _digests_to(app: Flask, email: str) -> list[str]:
    folder = Path(services(app).settings.mail_outbox_dir)
    return [
        read_message(folder, m.name).as_string() for m in list_messages(folder) if m.to == email
    ]


def test_an_officer_named_through_the_api_gets_the_assessment_s_digest(
    app: Flask, client: FlaskClient, auth: dict[str, str], jobs: Any
) -> None:
    _people(app)
    with time_machine.travel(MONDAY, tick=False) as travel:
        created = _post(client, auth, case_officer_email=OFFICER).json
        client.post(
            f"{API}/assessments/{created['id']}/agree",
            json={"decided_on": today().isoformat()},
            headers=auth,
        )
        jobs.run()
        requests = client.get(f"{API}/assessments/{created['id']}", headers=auth).json
        seal(app, requests["advice_requests"][0]["id"])  # advice arrived: the digest says so

        travel.move_to(MONDAY + timedelta(minutes=5))
        tick(services(app))
        jobs.run()

    (digest,) = _digests_to(app, OFFICER)
    assert created["reference"] in digest
    assert "Taylor-Brown" not in digest
    assert _digests_to(app, "mo@council.example") == []


def test_an_assessment_recorded_without_an_officer_sends_no_digest(
    app: Flask, client: FlaskClient, auth: dict[str, str], jobs: Any
) -> None:
    _people(app)
    with time_machine.travel(MONDAY, tick=False) as travel:
        created = _post(client, auth).json
        client.post(
            f"{API}/assessments/{created['id']}/agree",
            json={"decided_on": today().isoformat()},
            headers=auth,
        )
        jobs.run()
        requests = client.get(f"{API}/assessments/{created['id']}", headers=auth).json
        seal(app, requests["advice_requests"][0]["id"])
        travel.move_to(MONDAY + timedelta(minutes=5))
        tick(services(app))
        jobs.run()

    with transaction(app) as session:
        staff = session.scalars(select(User.email)).all()
    assert len(staff) == 5
    assert [email for email in staff if _digests_to(app, email)] == []
