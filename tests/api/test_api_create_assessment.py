"""POST /assessments: a valid request is recorded; anything else is refused, naming the field."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from advice_hub.directory.services import ServiceDetails, add_service
from advice_hub.models import Assessment, AuditEvent, Contributor, utcnow
from tests.api.api_helpers import API, assessment_payload, contributor_payload, today, transaction


def _post(client: FlaskClient, auth: dict[str, str], body: Any) -> Any:
    return client.post(f"{API}/assessments", json=body, headers=auth)


def _nothing_saved(app: Flask) -> bool:
    with transaction(app) as session:
        return session.scalar(select(func.count()).select_from(Assessment)) == 0


def test_creating_an_assessment_answers_201_with_its_id_reference_and_location(
    any_db_app: Flask, db_client: FlaskClient, db_auth: dict[str, str]
) -> None:
    response = _post(db_client, db_auth, assessment_payload())

    assert response.status_code == 201
    assert response.mimetype == "application/json"
    body = response.json
    assert body is not None and set(body) == {"id", "reference"}
    assert response.headers["Location"] == f"{API}/assessments/{body['id']}"
    with transaction(any_db_app) as session:
        assessment = session.get_one(Assessment, uuid.UUID(body["id"]))
        assert assessment.reference == body["reference"]
        assert assessment.child_family_name == "Taylor-Brown"
        assert assessment.status == "requested"
        agencies = session.scalars(select(Contributor.agency).order_by(Contributor.position)).all()
        assert agencies == ["education", "educational_psychology", "health", "social_care"]
        event = session.scalars(
            select(AuditEvent).where(AuditEvent.action == "assessment.created")
        ).one()
        assert event.actor == "api-key:case-system"
        assert event.assessment_id == assessment.id


def test_names_are_trimmed_and_year_group_may_be_null(
    app: Flask, client: FlaskClient, auth: dict[str, str]
) -> None:
    body = assessment_payload()
    body["child"].update(given_names="  Sam  ", year_group=None)

    response = _post(client, auth, body)

    assert response.status_code == 201
    with transaction(app) as session:
        assessment = session.scalars(select(Assessment)).one()
        assert (assessment.child_given_names, assessment.child_year_group) == ("Sam", None)


def _without_child(body: dict[str, Any]) -> None:
    del body["child"]


def _bad_email(body: dict[str, Any]) -> None:
    body["contributors"][0]["email"] = "not-an-email"


def _unknown_agency(body: dict[str, Any]) -> None:
    body["contributors"][2]["agency"] = "police"


def _extra_field(body: dict[str, Any]) -> None:
    body["child"]["nhs_number"] = "943 476 5919"


def _extra_top_level_field(body: dict[str, Any]) -> None:
    body["priority"] = "high"


def _year_group_too_high(body: dict[str, Any]) -> None:
    body["child"]["year_group"] = 15


def _year_group_as_text(body: dict[str, Any]) -> None:
    body["child"]["year_group"] = "4"


def _date_as_timestamp(body: dict[str, Any]) -> None:
    body["requested_on"] = 1_700_000_000


def _date_with_a_time(body: dict[str, Any]) -> None:
    body["child"]["date_of_birth"] = "2016-05-03T00:00:00"


def _impossible_date(body: dict[str, Any]) -> None:
    body["child"]["date_of_birth"] = "2016-02-30"


def _no_contributors(body: dict[str, Any]) -> None:
    body["contributors"] = []


def _too_many_contributors(body: dict[str, Any]) -> None:
    body["contributors"] = [contributor_payload("other", n) for n in range(31)]


def _blank_name(body: dict[str, Any]) -> None:
    body["contributors"][1]["name"] = "   "


def _name_too_long(body: dict[str, Any]) -> None:
    body["child"]["family_name"] = "x" * 201


def _nul_in_name(body: dict[str, Any]) -> None:
    body["child"]["given_names"] = "Sam\x00"


def _line_break_in_role(body: dict[str, Any]) -> None:
    body["contributors"][3]["role"] = "SENCO\r\nBcc: someone@example.org"


@pytest.mark.parametrize(
    ("change", "field"),
    [
        (_without_child, "child"),
        (_bad_email, "contributors.0.email"),
        (_unknown_agency, "contributors.2.agency"),
        (_extra_field, "child.nhs_number"),
        (_extra_top_level_field, "priority"),
        (_year_group_too_high, "child.year_group"),
        (_year_group_as_text, "child.year_group"),
        (_date_as_timestamp, "requested_on"),
        (_date_with_a_time, "child.date_of_birth"),
        (_impossible_date, "child.date_of_birth"),
        (_no_contributors, "contributors"),
        (_too_many_contributors, "contributors"),
        (_blank_name, "contributors.1.name"),
        (_name_too_long, "child.family_name"),
        (_nul_in_name, "child.given_names"),
        (_line_break_in_role, "contributors.3.role"),
    ],
    ids=lambda value: value.__name__.strip("_") if callable(value) else None,
)
def test_invalid_input_is_refused_with_422_naming_the_field(
    app: Flask, client: FlaskClient, auth: dict[str, str], change: Any, field: str
) -> None:
    body = assessment_payload()
    change(body)

    response = _post(client, auth, body)

    assert response.status_code == 422
    error = response.json["error"]
    assert error["code"] == "validation_failed"
    assert [f["field"] for f in error["fields"]] == [field]
    assert error["fields"][0]["message"]
    assert _nothing_saved(app)


def test_an_unknown_agency_is_refused_with_the_list_of_agencies(
    client: FlaskClient, auth: dict[str, str]
) -> None:
    body = assessment_payload()
    _unknown_agency(body)

    (problem,) = _post(client, auth, body).json["error"]["fields"]

    assert "educational_psychology" in problem["message"]
    assert "preparation_for_adulthood" in problem["message"]


def test_a_request_date_in_the_future_is_refused_naming_requested_on(
    app: Flask, client: FlaskClient, auth: dict[str, str]
) -> None:
    body = assessment_payload(requested_on=(today() + timedelta(days=1)).isoformat())

    response = _post(client, auth, body)

    assert response.status_code == 422
    assert response.json["error"]["fields"] == [
        {
            "field": "requested_on",
            "message": "The date the council received the request must be today or in the past",
        }
    ]
    assert _nothing_saved(app)


def test_a_date_of_birth_after_the_request_date_is_refused_naming_it(
    app: Flask, client: FlaskClient, auth: dict[str, str]
) -> None:
    body = assessment_payload(requested_on="2024-01-10")
    body["child"]["date_of_birth"] = "2024-01-11"

    response = _post(client, auth, body)

    assert response.status_code == 422
    (problem,) = response.json["error"]["fields"]
    assert problem["field"] == "child.date_of_birth"
    assert _nothing_saved(app)


def test_a_birth_in_2031_and_a_request_in_2030_are_both_refused_naming_each(
    app: Flask, client: FlaskClient, auth: dict[str, str]
) -> None:
    body = assessment_payload(requested_on="2030-06-01")
    body["child"]["date_of_birth"] = "2031-01-05"

    response = _post(client, auth, body)

    assert response.status_code == 422
    assert response.json["error"]["fields"] == [
        {
            "field": "child.date_of_birth",
            "message": "The date of birth must be today or in the past",
        },
        {
            "field": "requested_on",
            "message": "The date the council received the request must be today or in the past",
        },
    ]
    assert _nothing_saved(app)


def test_a_young_person_aged_25_on_the_request_date_is_refused_naming_the_date_of_birth(
    app: Flask, client: FlaskClient, auth: dict[str, str]
) -> None:
    body = assessment_payload(requested_on="2026-03-10")
    body["child"]["date_of_birth"] = "2001-03-10"

    response = _post(client, auth, body)

    assert response.status_code == 422
    (problem,) = response.json["error"]["fields"]
    assert problem["field"] == "child.date_of_birth"
    assert problem["message"].startswith("The child or young person must be under 25")
    assert _nothing_saved(app)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "not valid JSON"),
        (b"{", "not valid JSON"),
        (b"not json at all", "not valid JSON"),
        (b'{"child": {}, }', "not valid JSON"),
        (b"[" * 100_000 + b"]" * 100_000, "not valid JSON"),
        (b'{"child": "\xff\xfe"}', "not valid UTF-8"),
        (b"[1, 2]", "must be a JSON object"),
        (b'"a string"', "must be a JSON object"),
        (b"null", "must be a JSON object"),
    ],
    ids=[
        "empty",
        "truncated",
        "prose",
        "trailing-comma",
        "deeply-nested",
        "not-utf8",
        "array",
        "string",
        "null",
    ],
)
def test_a_body_that_is_not_a_json_object_is_a_bad_request(
    app: Flask, client: FlaskClient, auth: dict[str, str], data: bytes, message: str
) -> None:
    response = client.post(
        f"{API}/assessments", data=data, content_type="application/json", headers=auth
    )

    assert response.status_code == 400
    assert response.json["error"]["code"] == "bad_request"
    assert message in response.json["error"]["message"]
    assert _nothing_saved(app)


@pytest.mark.parametrize(
    "content_type",
    [None, "text/plain", "application/x-www-form-urlencoded", "application/jsonp"],
)
def test_a_body_sent_without_the_json_content_type_is_refused_with_415(
    app: Flask, client: FlaskClient, auth: dict[str, str], content_type: str | None
) -> None:
    import json

    response = client.post(
        f"{API}/assessments",
        data=json.dumps(assessment_payload()),
        content_type=content_type,
        headers=auth,
    )

    assert response.status_code == 415
    assert response.json["error"]["code"] == "unsupported_media_type"
    assert _nothing_saved(app)


def test_a_json_content_type_with_a_charset_is_accepted(
    client: FlaskClient, auth: dict[str, str]
) -> None:
    import json

    response = client.post(
        f"{API}/assessments",
        data=json.dumps(assessment_payload()).encode(),
        content_type="application/json; charset=utf-8",
        headers=auth,
    )

    assert response.status_code == 201


def test_an_oversized_body_is_refused_with_413_json(
    app: Flask, client: FlaskClient, auth: dict[str, str]
) -> None:
    response = client.post(
        f"{API}/assessments",
        data=b'{"padding": "' + b"x" * (3 * 1024 * 1024) + b'"}',
        content_type="application/json",
        headers=auth,
    )

    assert response.status_code == 413
    assert response.json["error"]["code"] == "payload_too_large"
    assert _nothing_saved(app)


def test_a_contributor_may_name_a_directory_service_of_their_agency(
    app: Flask, client: FlaskClient, auth: dict[str, str]
) -> None:
    with transaction(app) as session:
        spa = add_service(
            session,
            ServiceDetails("health", "SPA", "NHS Trust", "Duty", "SPA", "spa@nhs.example"),
            now=utcnow(),
            actor="test",
        )
        session.flush()
        spa_id = spa.id
    refused = _post(
        client,
        auth,
        assessment_payload(contributors=[contributor_payload("education", service_id=spa_id)]),
    )
    assert refused.status_code == 422
    [problem] = refused.json["error"]["fields"]
    assert problem["field"] == "service"
    assert "gives health advice, not education advice" in problem["message"]
    assert _nothing_saved(app)
    created = _post(
        client,
        auth,
        assessment_payload(contributors=[contributor_payload("health", service_id=spa_id)]),
    )
    assert created.status_code == 201
    with transaction(app) as session:
        assert session.scalars(select(Contributor.service_id)).all() == [spa_id]
