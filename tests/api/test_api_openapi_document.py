"""GET /api/v1/openapi.json: a structurally valid OpenAPI 3.1 document that matches the routes.

openapi-spec-validator is not a dependency, so the checks below are the structural rules of
OpenAPI 3.1 that this document could plausibly break.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from advice_hub.accounts.api_keys import SCOPES
from advice_hub.models import Agency
from advice_hub.web.api.list_schemas import AdviceRequestList, AssessmentList
from advice_hub.web.api.schemas import (
    AssessmentAgreed,
    AssessmentCreated,
    AssessmentStatusOut,
    Error,
)
from advice_hub.web.authorization import POLICY, Gate
from tests.api.api_helpers import API, assessment_payload, bearer, issue_key, today

HTTP_METHODS = {"get", "put", "post", "delete", "options", "head", "patch", "trace"}
PATH_ITEM_KEYS = HTTP_METHODS | {"summary", "description", "servers", "parameters"}
JSON_SCHEMA_TYPES = {"string", "number", "integer", "boolean", "array", "object", "null"}
RESPONSE_KEY = re.compile(r"^(default|[1-5](\d\d|XX))$")


@pytest.fixture
def document(client: FlaskClient) -> dict[str, Any]:
    response = client.get(f"{API}/openapi.json")
    assert response.status_code == 200
    assert response.mimetype == "application/json"
    body: dict[str, Any] = response.json
    return body


def _operations(document: dict[str, Any]) -> Iterator[tuple[str, str, dict[str, Any]]]:
    for path, item in document["paths"].items():
        for method, operation in item.items():
            if method in HTTP_METHODS:
                yield path, method, operation


def _walk(node: Any, where: str = "#") -> Iterator[tuple[str, Any]]:
    yield where, node
    if isinstance(node, dict):
        for key, value in node.items():
            yield from _walk(value, f"{where}/{key}")
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from _walk(value, f"{where}/{index}")


def _resolve(document: dict[str, Any], ref: str) -> Any:
    assert ref.startswith("#/"), f"{ref} is not a local reference"
    node: Any = document
    for part in ref[2:].split("/"):
        node = node[part.replace("~1", "/").replace("~0", "~")]
    return node


def _answer_schema(document: dict[str, Any], method: str, path: str, code: int) -> Any:
    """The schema the document gives for one operation's JSON answer with this status."""
    response = document["paths"][path][method]["responses"][str(code)]
    if "$ref" in response:
        response = _resolve(document, response["$ref"])
    return response["content"]["application/json"]["schema"]


JSON_TYPES: dict[str, tuple[type, ...]] = {
    "string": (str,),
    "integer": (int,),
    "number": (int, float),
    "boolean": (bool,),
    "array": (list,),
    "object": (dict,),
    "null": (type(None),),
}


def _mismatches(document: dict[str, Any], schema: Any, value: Any, where: str = "$") -> list[str]:
    """Where `value` breaks `schema`, for the JSON Schema keywords the document uses."""
    if "$ref" in schema:
        return _mismatches(document, _resolve(document, schema["$ref"]), value, where)
    if "anyOf" in schema:
        options = [_mismatches(document, option, value, where) for option in schema["anyOf"]]
        return [] if [] in options else [f"{where}: matches none of {options}"]
    kind = schema.get("type")
    if kind is not None:
        allowed = JSON_TYPES[kind]
        if not isinstance(value, allowed) or (isinstance(value, bool) and bool not in allowed):
            return [f"{where}: {value!r} is not of type {kind}"]
    problems = []
    if "enum" in schema and value not in schema["enum"]:
        problems.append(f"{where}: {value!r} is not one of {schema['enum']}")
    if "pattern" in schema and not re.search(schema["pattern"], value):
        problems.append(f"{where}: {value!r} does not match {schema['pattern']}")
    if isinstance(value, dict):
        properties = schema.get("properties", {})
        problems += [
            f"{where}: lacks {key!r}" for key in schema.get("required", ()) if key not in value
        ]
        if schema.get("additionalProperties") is False:
            problems += [
                f"{where}: has {key!r}, which is not documented"
                for key in value
                if key not in properties
            ]
        for key, item in value.items():
            if key in properties:
                problems += _mismatches(document, properties[key], item, f"{where}.{key}")
    if isinstance(value, list) and "items" in schema:
        for index, item in enumerate(value):
            problems += _mismatches(document, schema["items"], item, f"{where}[{index}]")
    return problems


def _api_routes(app: Flask) -> dict[str, set[str]]:
    """The blueprint's real routes, spelled the OpenAPI way ({name}, relative to the server)."""
    routes: dict[str, set[str]] = {}
    for rule in app.url_map.iter_rules():
        if not rule.endpoint.startswith("api.") or rule.endpoint == "api.unmatched":
            continue
        path = re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", rule.rule.removeprefix(API))
        methods = {m.lower() for m in rule.methods or ()} - {"head", "options"}
        routes.setdefault(path, set()).update(methods)
    return routes


def test_the_document_is_openapi_3_1_and_needs_no_key(document: dict[str, Any]) -> None:
    assert document["openapi"] == "3.1.0"
    assert document["info"]["title"] and document["info"]["version"]
    assert document["servers"] == [{"url": API}]


def test_the_document_lists_every_route_and_method_and_nothing_else(
    app: Flask, document: dict[str, Any]
) -> None:
    documented = {
        path: {m for m in item if m in HTTP_METHODS} for path, item in document["paths"].items()
    }

    assert documented == _api_routes(app)
    assert set(documented) == {
        "/assessments",
        "/assessments/{assessment_id}",
        "/assessments/{assessment_id}/agree",
        "/advice-requests",
        "/assessments/{assessment_id}/milestones",
        "/advice-requests/{advice_request_id}/advice",
        "/reports/timeliness",
        "/openapi.json",
    }


def test_every_reference_resolves_inside_the_document(document: dict[str, Any]) -> None:
    refs = [
        node["$ref"] for _, node in _walk(document) if isinstance(node, dict) and "$ref" in node
    ]

    assert refs
    for ref in refs:
        assert isinstance(_resolve(document, ref), dict), ref


def test_every_operation_is_well_formed(document: dict[str, Any]) -> None:
    operation_ids = []
    schemes = set(document["components"]["securitySchemes"])
    for path, item in document["paths"].items():
        assert path.startswith("/")
        assert set(item) <= PATH_ITEM_KEYS
    for path, method, operation in _operations(document):
        where = f"{method.upper()} {path}"
        operation_ids.append(operation["operationId"])
        assert operation["summary"], where
        templated = set(re.findall(r"{(\w+)}", path))
        in_path = {p["name"] for p in operation.get("parameters", ()) if p["in"] == "path"}
        assert in_path == templated, where
        for parameter in operation.get("parameters", ()):
            assert parameter["in"] in {"path", "query", "header", "cookie"}
            assert parameter["required"] is True or parameter["in"] != "path"
            assert "schema" in parameter
        if "requestBody" in operation:
            assert method in {"post", "put", "patch"}, where
            assert operation["requestBody"]["content"]["application/json"]["schema"]
        assert operation["responses"], where
        for status, response in operation["responses"].items():
            assert RESPONSE_KEY.match(status), f"{where} {status}"
            resolved = _resolve(document, response["$ref"]) if "$ref" in response else response
            assert isinstance(resolved["description"], str), f"{where} {status}"
            for media in resolved.get("content", {}).values():
                assert "schema" in media
        for requirement in operation.get("security", document["security"]):
            assert set(requirement) <= schemes
    # Every operation was checked, and each has an id of its own.
    assert sorted(operation_ids) == [
        "agreeAssessment",
        "createAssessment",
        "getAssessment",
        "getOpenApiDocument",
        "getSealedAdvice",
        "getTimeliness",
        "listAdviceRequests",
        "listAssessments",
        "recordMilestone",
    ]


def _endpoints(app: Flask) -> dict[tuple[str, str], str]:
    """The endpoint behind each documented (method, path)."""
    found = {}
    for rule in app.url_map.iter_rules():
        if rule.endpoint.startswith("api.") and rule.endpoint != "api.unmatched":
            path = re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", rule.rule.removeprefix(API))
            for method in set(rule.methods or ()) - {"HEAD", "OPTIONS"}:
                found[(method.lower(), path)] = rule.endpoint
    return found


def test_every_endpoint_but_the_document_needs_a_key_with_the_scope_the_policy_names(
    app: Flask, document: dict[str, Any]
) -> None:
    (scheme,) = document["components"]["securitySchemes"].values()
    assert (scheme["type"], scheme["scheme"]) == ("http", "bearer")
    assert document["security"] == [{"apiKey": []}]
    endpoints = _endpoints(app)
    public, keyed = [], []
    for path, method, operation in _operations(document):
        access = POLICY[endpoints[(method, path)]]
        if path == "/openapi.json":
            assert access.gate is Gate.PUBLIC
            assert operation["security"] == []
            public.append(f"{method.upper()} {path}")
        else:
            assert access.gate is Gate.API_KEY and access.scope in SCOPES
            assert operation["security"] == [{"apiKey": [access.scope]}]
            assert access.scope in operation["description"]
            assert operation["responses"]["401"] == {"$ref": "#/components/responses/Unauthorized"}
            assert operation["responses"]["403"] == {
                "$ref": "#/components/responses/InsufficientScope"
            }
            keyed.append(f"{method.upper()} {path}")
    assert public == ["GET /openapi.json"]
    assert len(keyed) == 8


def test_the_security_scheme_describes_every_scope_and_the_team_reach(
    document: dict[str, Any],
) -> None:
    (scheme,) = document["components"]["securitySchemes"].values()

    for scope, what in SCOPES.items():
        assert f"- `{scope}`: {what}" in scheme["description"]
    assert "only that team's assessments" in scheme["description"]
    refused = document["components"]["responses"]["InsufficientScope"]
    assert "WWW-Authenticate" in refused["headers"]


def test_the_schemas_are_json_schema_2020_12_not_openapi_3_0(document: dict[str, Any]) -> None:
    schemas = document["components"]["schemas"]
    assert sorted(schemas) == [
        "AddendumOut",
        "AdviceRequestList",
        "AdviceRequestListItem",
        "AdviceRequestOut",
        "AdviceRowOut",
        "Agency",
        "AgreeAssessment",
        "AssessmentAgreed",
        "AssessmentCreated",
        "AssessmentList",
        "AssessmentListItem",
        "AssessmentStatus",
        "AssessmentStatusOut",
        "Child",
        "ContributorIn",
        "CreateAssessment",
        "Error",
        "ErrorDetail",
        "FieldError",
        "Milestone",
        "MilestoneRecorded",
        "MilestonesOut",
        "NationalRowOut",
        "PeriodOut",
        "PlanDecision",
        "PlanRowOut",
        "RecordMilestone",
        "RequestStatus",
        "SealedAdviceOut",
        "Stage",
        "TimelinessOut",
        "Track",
    ]
    for where, node in _walk(schemas):
        if isinstance(node, dict) and not where.endswith("/properties"):
            assert "nullable" not in node, where  # 3.0 only; 3.1 uses type null
            assert "$defs" not in node, where  # everything is collected into components
            kind = node.get("type")
            if kind is not None:
                kinds = kind if isinstance(kind, list) else [kind]
                assert set(kinds) <= JSON_SCHEMA_TYPES, where


def test_the_request_schemas_publish_the_rules_the_api_enforces(document: dict[str, Any]) -> None:
    schemas = document["components"]["schemas"]
    create = schemas["CreateAssessment"]
    contributor = schemas["ContributorIn"]

    assert create["additionalProperties"] is False
    assert set(create["required"]) == {"child", "requested_on", "contributors"}
    assert create["properties"]["contributors"]["minItems"] == 1
    assert create["properties"]["contributors"]["maxItems"] == 30
    assert create["properties"]["requested_on"]["format"] == "date"
    assert contributor["properties"]["email"]["format"] == "email"
    assert schemas["Agency"]["enum"] == [a.value for a in Agency]
    assert schemas["Child"]["properties"]["given_names"]["maxLength"] == 200
    assert set(schemas["AgreeAssessment"]["required"]) == {"decided_on"}
    officer = create["properties"]["case_officer_email"]
    assert {"type": "string", "format": "email"} in officer["anyOf"]
    assert {"type": "null"} in officer["anyOf"]
    assert {"type": "null"} in create["properties"]["team"]["anyOf"]
    status = schemas["AssessmentStatusOut"]
    assert {"team", "case_officer_email"} <= set(status["required"])


def test_the_answers_have_the_documented_shapes(
    client: FlaskClient, auth: dict[str, str], document: dict[str, Any]
) -> None:
    created = client.post(f"{API}/assessments", json=assessment_payload(), headers=auth)
    agreed = client.post(
        f"{created.headers['Location']}/agree",
        json={"decided_on": today().isoformat()},
        headers=auth,
    )
    status = client.get(created.headers["Location"], headers=auth)
    refused = client.post(f"{API}/assessments", json={"child": None}, headers=auth)
    reader = bearer(issue_key(client.application, "reader", scopes=["assessments:read"]))
    no_scope = client.post(f"{API}/assessments", json=assessment_payload(), headers=reader)
    listed = client.get(f"{API}/assessments", headers=auth)
    requests_listed = client.get(f"{API}/advice-requests?limit=2", headers=auth)
    bad_cursor = client.get(f"{API}/assessments?cursor=nonsense", headers=auth)

    answers = [
        ("get", "/assessments", listed, 200, AssessmentList),
        ("get", "/advice-requests", requests_listed, 200, AdviceRequestList),
        ("get", "/assessments", bad_cursor, 400, Error),
        ("post", "/assessments", created, 201, AssessmentCreated),
        ("post", "/assessments/{assessment_id}/agree", agreed, 202, AssessmentAgreed),
        ("get", "/assessments/{assessment_id}", status, 200, AssessmentStatusOut),
        ("post", "/assessments", refused, 422, Error),
        ("post", "/assessments", no_scope, 403, Error),
    ]
    for method, path, response, code, model in answers:
        where = f"{method.upper()} {path} {code}"
        assert response.status_code == code, where
        schema = _answer_schema(document, method, path, code)
        assert schema == {"$ref": f"#/components/schemas/{model.__name__}"}, where
        assert _mismatches(document, schema, response.json) == [], where
        model.model_validate(response.json)
    assert len(status.json["advice_requests"]) == 4  # so each item's shape was checked
    assert len(listed.json["items"]) == 1 and requests_listed.json["next_cursor"]
    assert refused.json["error"]["fields"]  # and each field error's


def test_the_shape_check_names_what_an_answer_gets_wrong(document: dict[str, Any]) -> None:
    error = {"$ref": "#/components/schemas/Error"}

    assert _mismatches(document, error, {"error": {"code": "x", "message": "y"}}) == []
    assert _mismatches(document, error, {"error": {"code": "x"}}) == ["$.error: lacks 'message'"]
    assert _mismatches(document, error, {"error": {"code": 1, "message": "y"}}) == [
        "$.error.code: 1 is not of type string"
    ]
    assert _mismatches(document, error, {"error": {"code": "x", "message": "y"}, "extra": 1}) == [
        "$: has 'extra', which is not documented"
    ]
    assert _mismatches(
        document, error, {"error": {"code": "x", "message": "y", "fields": [{"field": "a"}]}}
    ) == ["$.error.fields[0]: lacks 'message'"]


def test_sealed_advice_publishes_its_addenda_each_with_what_checks_it(
    document: dict[str, Any],
) -> None:
    schemas = document["components"]["schemas"]
    advice = schemas["SealedAdviceOut"]
    addendum = schemas["AddendumOut"]

    assert "addenda" in advice["required"]
    assert advice["properties"]["addenda"]["type"] == "array"
    assert advice["properties"]["addenda"]["items"] == {"$ref": "#/components/schemas/AddendumOut"}
    assert addendum["additionalProperties"] is False
    assert (
        set(addendum["required"])
        == set(addendum["properties"])
        == {
            "canonical",
            "content_sha256",
            "previous_seal_sha256",
            "seal_sha256",
            "sealed_at",
        }
    )
    for fingerprint in ("content_sha256", "previous_seal_sha256", "seal_sha256"):
        assert addendum["properties"][fingerprint]["pattern"] == "^[0-9a-f]{64}$"
    assert addendum["properties"]["sealed_at"]["format"] == "date-time"
