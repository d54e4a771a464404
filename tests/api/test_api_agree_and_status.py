"""Agreeing to assess through the API sends the requests; the status shows where each one is."""

from __future__ import annotations

import threading
import time
import uuid
from datetime import date, datetime, timedelta
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import create_engine, func, select, text

from advice_hub.deadlines import london_date
from advice_hub.models import AdviceRequest, AuditEvent, OutboxMessage
from notifications import links_in, list_messages, read_message
from tests.api.api_helpers import API, assessment_payload, bearer, issue_key, today, transaction
from tests.factories import CASEWORK_TEAM


def _create(client: FlaskClient, auth: dict[str, str], **overrides: Any) -> dict[str, Any]:
    response = client.post(f"{API}/assessments", json=assessment_payload(**overrides), headers=auth)
    assert response.status_code == 201, response.json
    body: dict[str, Any] = response.json
    return body


def _agree(client: FlaskClient, auth: dict[str, str], assessment_id: str, on: date) -> Any:
    return client.post(
        f"{API}/assessments/{assessment_id}/agree",
        json={"decided_on": on.isoformat()},
        headers=auth,
    )


def test_agreeing_answers_202_and_emails_each_contributor_their_own_link(
    svc: Any, client: FlaskClient, auth: dict[str, str], jobs: Any
) -> None:
    created = _create(client, auth)

    response = _agree(client, auth, created["id"], today())
    jobs.run()

    assert response.status_code == 202
    assert response.json == {**created, "status": "agreed"}
    assert response.headers["Location"] == f"{API}/assessments/{created['id']}"
    outbox = svc.settings.mail_outbox_dir
    messages = list_messages(outbox)
    assert sorted(m.to for m in messages) == sorted(
        f"{agency}.{n}@example.org"
        for n, agency in enumerate(
            ["education", "educational_psychology", "health", "social_care"], start=1
        )
    )
    links = {
        link for m in messages for link in links_in(read_message(outbox, m.name)) if "/a/" in link
    }
    assert len(links) == 4


def test_until_its_email_is_sent_a_request_is_queued_with_no_clock(
    any_db_app: Flask, db_client: FlaskClient, db_auth: dict[str, str]
) -> None:
    created = _create(db_client, db_auth)
    _agree(db_client, db_auth, created["id"], today())

    response = db_client.get(f"{API}/assessments/{created['id']}", headers=db_auth)

    assert response.status_code == 200
    requests = response.json["advice_requests"]
    assert [r["status"] for r in requests] == ["queued"] * 4
    assert all(r["due_on"] is None and r["sent_at"] is None for r in requests)


def test_the_status_shows_due_date_and_sent_time_once_each_email_is_sent(
    client: FlaskClient, auth: dict[str, str], jobs: Any
) -> None:
    created = _create(client, auth)
    _agree(client, auth, created["id"], today())
    jobs.run()

    response = client.get(f"{API}/assessments/{created['id']}", headers=auth)

    assert response.status_code == 200
    status = response.json
    assert status["status"] == "agreed"
    assert status["decided_on"] == today().isoformat()
    assert [r["agency"] for r in status["advice_requests"]] == [
        "education",
        "educational_psychology",
        "health",
        "social_care",
    ]
    for advice_request in status["advice_requests"]:
        assert advice_request["status"] == "sent"
        sent_at = datetime.fromisoformat(advice_request["sent_at"])
        assert sent_at.utcoffset() == timedelta(0)
        # Six weeks from the day the mail server accepted the email.
        assert advice_request["due_on"] == (london_date(sent_at) + timedelta(weeks=6)).isoformat()
        assert advice_request["submitted_at"] is None
        assert advice_request["content_sha256"] is None
        assert advice_request["seal_sha256"] is None


def test_before_the_decision_the_status_lists_no_requests(
    any_db_app: Flask, db_client: FlaskClient, db_auth: dict[str, str]
) -> None:
    created = _create(db_client, db_auth)

    response = db_client.get(f"{API}/assessments/{created['id']}", headers=db_auth)

    requested_on = today() - timedelta(days=20)
    assert response.status_code == 200
    assert response.json == {
        **created,
        "status": "requested",
        "requested_on": requested_on.isoformat(),
        "decided_on": None,
        "team": CASEWORK_TEAM,
        "case_officer_email": None,
        "milestones": {
            "decision_due_on": (requested_on + timedelta(weeks=6)).isoformat(),
            "decided_on": None,
            "draft_due_on": (requested_on + timedelta(weeks=16)).isoformat(),
            "plan_decision": None,
            "plan_decided_on": None,
            "draft_plan_sent_on": None,
            "final_due_on": (requested_on + timedelta(weeks=20)).isoformat(),
            "final_plan_issued_on": None,
        },
        "advice_requests": [],
    }


def test_agreeing_twice_is_a_conflict_and_queues_nothing_more(
    any_db_app: Flask, db_client: FlaskClient, db_auth: dict[str, str]
) -> None:
    created = _create(db_client, db_auth)
    assert _agree(db_client, db_auth, created["id"], today()).status_code == 202

    again = _agree(db_client, db_auth, created["id"], today())

    assert again.status_code == 409
    assert again.json["error"]["code"] == "conflict"
    assert "already been recorded" in again.json["error"]["message"]
    with transaction(any_db_app) as session:
        assert session.scalar(select(func.count()).select_from(AdviceRequest)) == 4
        assert session.scalar(select(func.count()).select_from(OutboxMessage)) == 4
        agreed = session.scalars(
            select(AuditEvent).where(AuditEvent.action == "assessment.agreed")
        ).one()
        assert agreed.actor == "api-key:case-system"


@pytest.mark.parametrize(
    ("decided_on", "message"),
    [
        (lambda: today() - timedelta(days=21), "on or after the date the council received"),
        (lambda: today() + timedelta(days=1), "must be today or in the past"),
    ],
    ids=["before-request", "future"],
)
def test_an_impossible_decision_date_is_refused_naming_decided_on(
    app: Flask, client: FlaskClient, auth: dict[str, str], decided_on: Any, message: str
) -> None:
    created = _create(client, auth)

    response = _agree(client, auth, created["id"], decided_on())

    assert response.status_code == 422
    (problem,) = response.json["error"]["fields"]
    assert problem["field"] == "decided_on"
    assert message in problem["message"]
    with transaction(app) as session:
        assert session.scalar(select(func.count()).select_from(AdviceRequest)) == 0


def test_a_late_decision_needs_late_reason_which_the_audit_log_keeps(
    app: Flask, client: FlaskClient, auth: dict[str, str]
) -> None:
    requested_on = today() - timedelta(weeks=6, days=1)
    created = _create(client, auth, requested_on=requested_on.isoformat())
    url = f"{API}/assessments/{created['id']}/agree"

    refused = client.post(url, json={"decided_on": today().isoformat()}, headers=auth)

    assert refused.status_code == 422
    (problem,) = refused.json["error"]["fields"]
    assert problem["field"] == "late_reason"
    assert "after its 6-week limit" in problem["message"]
    with transaction(app) as session:
        assert session.scalar(select(func.count()).select_from(AdviceRequest)) == 0

    reason = "The panel could not meet over the summer closure"
    body = {"decided_on": today().isoformat(), "late_reason": reason}
    accepted = client.post(url, json=body, headers=auth)

    assert accepted.status_code == 202
    with transaction(app) as session:
        agreed = session.scalar(select(AuditEvent).where(AuditEvent.action == "assessment.agreed"))
        assert agreed.detail["warnings"] == ["late_decision"]
        assert agreed.detail["warning_reason"] == reason


def test_a_decision_in_time_ignores_a_late_reason(
    app: Flask, client: FlaskClient, auth: dict[str, str]
) -> None:
    created = _create(client, auth)
    body = {"decided_on": today().isoformat(), "late_reason": "Not late at all"}

    response = client.post(f"{API}/assessments/{created['id']}/agree", json=body, headers=auth)

    assert response.status_code == 202
    with transaction(app) as session:
        agreed = session.scalar(select(AuditEvent).where(AuditEvent.action == "assessment.agreed"))
        assert "warning_reason" not in agreed.detail


@pytest.mark.parametrize(
    ("body", "status", "field"),
    [
        ({}, 422, "decided_on"),
        ({"decided_on": "yesterday"}, 422, "decided_on"),
        ({"decided_on": "2024-01-01", "notify": False}, 422, "notify"),
        ([], 400, None),
    ],
    ids=["missing", "not-a-date", "extra-field", "array"],
)
def test_a_bad_decision_body_is_refused(
    client: FlaskClient, auth: dict[str, str], body: Any, status: int, field: str | None
) -> None:
    created = _create(client, auth)

    response = client.post(f"{API}/assessments/{created['id']}/agree", json=body, headers=auth)

    assert response.status_code == status
    fields = [f["field"] for f in response.json["error"]["fields"]]
    assert fields == ([field] if field else [])


def test_unknown_assessments_are_404_whatever_the_method(
    any_db_app: Flask, db_client: FlaskClient, db_auth: dict[str, str]
) -> None:
    unknown = uuid.uuid4()

    got = db_client.get(f"{API}/assessments/{unknown}", headers=db_auth)
    agreed = _agree(db_client, db_auth, str(unknown), today())

    assert (got.status_code, agreed.status_code) == (404, 404)
    assert got.json["error"]["code"] == agreed.json["error"]["code"] == "not_found"


@pytest.mark.postgres
def test_two_simultaneous_decisions_send_one_set_of_requests(pg_app: Flask, pg_url: str) -> None:
    auth = bearer(issue_key(pg_app))
    client = pg_app.test_client()
    created = _create(client, auth)
    results: list[int] = []

    def agree() -> None:
        results.append(_agree(pg_app.test_client(), auth, created["id"], today()).status_code)

    # Hold the assessment's row lock so both requests arrive while it is taken; without a
    # lock in the view both would read "requested" and each queue a full set of emails.
    blocker = create_engine(pg_url)
    with blocker.connect() as connection:
        connection.execute(
            text("SELECT 1 FROM assessments WHERE id = :id FOR UPDATE"),
            {"id": uuid.UUID(created["id"])},
        )
        threads = [threading.Thread(target=agree) for _ in range(2)]
        for thread in threads:
            thread.start()
        _wait_for_lock_waiters(connection, 2)
        connection.rollback()
    for thread in threads:
        thread.join(timeout=30)
    blocker.dispose()

    assert sorted(results) == [202, 409]
    with transaction(pg_app) as session:
        assert session.scalar(select(func.count()).select_from(OutboxMessage)) == 4


def _wait_for_lock_waiters(connection: Any, count: int) -> None:
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        # Inside a transaction the statistics views are a snapshot; take a fresh one each time.
        connection.execute(text("SELECT pg_stat_clear_snapshot()"))
        waiting = connection.execute(
            text(
                "SELECT count(*) FROM pg_stat_activity "
                "WHERE wait_event_type = 'Lock' AND datname = current_database()"
            )
        ).scalar_one()
        if waiting >= count:
            return
        time.sleep(0.05)
    raise AssertionError(f"expected {count} requests waiting for the row lock")
