"""Recording the plan milestones through the API: in order, dated, audited, the final plan
closing the assessment; refused out of order, with bad input, and for another team's key.
(Scopes are covered for every endpoint by test_api_scopes.)"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from advice_hub.models import AuditEvent
from tests.api.api_helpers import API, assessment_payload, bearer, issue_key, today, transaction


def _agreed(client: FlaskClient, auth: dict[str, str]) -> str:
    created = client.post(f"{API}/assessments", json=assessment_payload(), headers=auth)
    assert created.status_code == 201, created.json
    assessment_id: str = created.json["id"]
    agreed = client.post(
        f"{API}/assessments/{assessment_id}/agree",
        json={"decided_on": (today() - timedelta(days=10)).isoformat()},
        headers=auth,
    )
    assert agreed.status_code == 202, agreed.json
    return assessment_id


def _record(client: FlaskClient, auth: dict[str, str], assessment_id: str, **body: Any) -> Any:
    return client.post(f"{API}/assessments/{assessment_id}/milestones", json=body, headers=auth)


def test_each_milestone_in_turn_and_the_final_plan_closes_the_assessment(
    app: Flask, client: FlaskClient, auth: dict[str, str]
) -> None:
    assessment_id = _agreed(client, auth)
    decided = (today() - timedelta(days=8)).isoformat()
    first = _record(
        client, auth, assessment_id, milestone="plan_decision", on=decided, decision="issue"
    )
    assert first.status_code == 200, first.json
    assert first.json["milestones"]["plan_decision"] == "issue"
    assert first.json["milestones"]["plan_decided_on"] == decided
    sent = (today() - timedelta(days=7)).isoformat()
    assert (
        _record(client, auth, assessment_id, milestone="draft_plan_sent", on=sent).status_code
        == 200
    )

    early = _record(
        client, auth, assessment_id, milestone="final_plan_issued", on=today().isoformat()
    )
    assert early.status_code == 422
    assert early.json["error"]["fields"][0]["field"] == "early_reason"

    final = _record(
        client,
        auth,
        assessment_id,
        milestone="final_plan_issued",
        on=today().isoformat(),
        early_reason="The family agreed the draft",
    )
    assert final.status_code == 200, final.json
    assert final.json["status"] == "closed"
    status = client.get(f"{API}/assessments/{assessment_id}", headers=auth).json
    assert status["milestones"]["final_plan_issued_on"] == today().isoformat()
    with transaction(app) as session:
        actions = session.scalars(
            select(AuditEvent.action)
            .where(AuditEvent.actor.like("api-key:%"))
            .order_by(AuditEvent.id)
        ).all()
    assert [a for a in actions if a.startswith("assessment.")][-4:] == [
        "assessment.plan_decision_recorded",
        "assessment.draft_plan_sent",
        "assessment.final_plan_issued",
        "assessment.closed",
    ]


def test_out_of_order_is_a_conflict_and_bad_input_names_its_field(
    client: FlaskClient, auth: dict[str, str]
) -> None:
    assessment_id = _agreed(client, auth)
    draft = _record(
        client, auth, assessment_id, milestone="draft_plan_sent", on=today().isoformat()
    )
    assert draft.status_code == 409
    assert "decision to issue a plan first" in draft.json["error"]["message"]

    no_decision = _record(
        client, auth, assessment_id, milestone="plan_decision", on=today().isoformat()
    )
    assert (no_decision.status_code, no_decision.json["error"]["fields"][0]["field"]) == (
        422,
        "decision",
    )
    future = _record(
        client,
        auth,
        assessment_id,
        milestone="plan_decision",
        decision="issue",
        on=(today() + timedelta(days=1)).isoformat(),
    )
    assert (future.status_code, future.json["error"]["fields"][0]["field"]) == (422, "on")
    unknown = _record(client, auth, assessment_id, milestone="plan_issued", on=today().isoformat())
    assert unknown.status_code == 422


def test_another_teams_key_finds_no_such_assessment(
    app: Flask, client: FlaskClient, auth: dict[str, str]
) -> None:
    assessment_id = _agreed(client, auth)
    other = bearer(issue_key(app, "south-system", team="South casework team"))
    response = _record(
        client,
        other,
        assessment_id,
        milestone="plan_decision",
        decision="not_issue",
        on=today().isoformat(),
    )
    assert response.status_code == 404
    status = client.get(f"{API}/assessments/{assessment_id}", headers=auth).json
    assert status["status"] == "agreed"
