"""The OpenAPI 3.1 document, built from the request and response models (``schemas``) and from
the one authorization policy (``web.authorization.POLICY``): each operation lists the scope
its endpoint's entry names, so what is published is what is enforced."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel
from pydantic.json_schema import models_json_schema

from advice_hub.accounts.api_keys import SCOPES
from advice_hub.web.api.list_schemas import (
    FILTER_PARAMETERS,
    SORT_PARAMETERS,
    AdviceRequestList,
    AssessmentList,
)
from advice_hub.web.api.report_schemas import TimelinessOut
from advice_hub.web.api.schemas import (
    AgreeAssessment,
    AssessmentAgreed,
    AssessmentCreated,
    AssessmentStatusOut,
    CreateAssessment,
    Error,
    MilestoneRecorded,
    RecordMilestone,
    SealedAdviceOut,
)
from advice_hub.web.authorization import Gate, access_for

OPENAPI_VERSION = "3.1.0"
API_VERSION = "1.0.0"
API_PREFIX = "/api/v1"
SCHEMA_REF = "#/components/schemas/{model}"
SECURITY_SCHEME = "apiKey"
REQUEST_MODELS: tuple[type[BaseModel], ...] = (CreateAssessment, AgreeAssessment, RecordMilestone)
RESPONSE_MODELS: tuple[type[BaseModel], ...] = (
    AssessmentCreated,
    AssessmentAgreed,
    AssessmentStatusOut,
    MilestoneRecorded,
    SealedAdviceOut,
    AssessmentList,
    AdviceRequestList,
    TimelinessOut,
    Error,
)
# status: (name under components/responses, description)
ERROR_RESPONSES: dict[int, tuple[str, str]] = {
    400: (
        "BadRequest",
        "The body is not valid JSON in UTF-8, or not a JSON object; or a query parameter is "
        "not valid (code invalid_parameter, `fields` names it), e.g. a damaged cursor",
    ),
    401: ("Unauthorized", "No API key was sent, or it is unknown or revoked"),
    403: (
        "InsufficientScope",
        "The API key does not have the scope this operation needs (code insufficient_scope)",
    ),
    404: (
        "NotFound",
        "Nothing this key reaches has this id (code not_found: another team's record is "
        "answered the same way), or the advice is not yet submitted (not_sealed)",
    ),
    409: ("Conflict", "The assessment's state does not allow this, e.g. already agreed"),
    413: ("PayloadTooLarge", "The body is larger than the server accepts (2 MB)"),
    415: ("UnsupportedMediaType", "The Content-Type is not application/json"),
    422: (
        "ValidationFailed",
        "Inputs (body or query parameters) are missing or not valid; `fields` names each one",
    ),
    503: (
        "NotReady",
        "The figures have not been worked out yet (code figures_not_ready), as on a new "
        "deployment before the first refresh; `Retry-After` says when to ask again",
    ),
}
BODY_ERRORS = (400, 413, 415, 422)


def _ref(model: type[BaseModel]) -> dict[str, str]:
    return {"$ref": SCHEMA_REF.format(model=model.__name__)}


def _json_content(schema: dict[str, Any]) -> dict[str, Any]:
    return {"application/json": {"schema": schema}}


def _uuid_parameter(name: str, description: str) -> dict[str, Any]:
    return {
        "name": name,
        "in": "path",
        "required": True,
        "description": description,
        "schema": {"type": "string", "format": "uuid"},
    }


def _month_parameter(name: str, description: str) -> dict[str, Any]:
    return {
        "name": name,
        "in": "query",
        "required": False,
        "description": description,
        "schema": {"type": "string", "pattern": "^[0-9]{4}-[0-9]{2}$", "examples": ["2026-04"]},
    }


TIMELINESS_PARAMETERS = (
    _month_parameter("from", "The first month, YYYY-MM (default: 11 months before `to`)"),
    _month_parameter("to", "The last month, YYYY-MM (default: this month)"),
    {
        "name": "team",
        "in": "query",
        "required": False,
        "description": "The key's own team id (the only one it reaches); may be left out",
        "schema": {"type": "integer"},
    },
)


def _scope_of(endpoint: str) -> str:
    access = access_for(endpoint)
    if access is None or access.gate is not Gate.API_KEY or access.scope is None:
        raise RuntimeError(f"{endpoint} has no scope in the authorization policy")
    return access.scope


def _operation(
    operation_id: str,
    summary: str,
    *,
    endpoint: str,
    success: tuple[int, str, type[BaseModel]],
    errors: tuple[int, ...],
    body: type[BaseModel] | None = None,
    parameters: tuple[dict[str, Any], ...] = (),
    location: bool = False,
) -> dict[str, Any]:
    status, description, model = success
    scope = _scope_of(endpoint)
    ok: dict[str, Any] = {"description": description, "content": _json_content(_ref(model))}
    if location:
        ok["headers"] = {
            "Location": {
                "description": "The URL of the assessment's status",
                "schema": {"type": "string", "format": "uri-reference"},
            }
        }
    responses: dict[str, Any] = {str(status): ok}
    for error in sorted({401, 403, *errors}):
        responses[str(error)] = {"$ref": f"#/components/responses/{ERROR_RESPONSES[error][0]}"}
    responses["default"] = {"description": "Any other error", "content": _json_content(_ref(Error))}
    operation: dict[str, Any] = {
        "operationId": operation_id,
        "summary": summary,
        "description": f"Needs an API key with the scope `{scope}`.",
        # For a bearer scheme OpenAPI 3.1 lets the list name what the key must hold.
        "security": [{SECURITY_SCHEME: [scope]}],
        "responses": responses,
    }
    if parameters:
        operation["parameters"] = list(parameters)
    if body is not None:
        operation["requestBody"] = {"required": True, "content": _json_content(_ref(body))}
    return operation


def _scheme_description() -> str:
    scopes = "\n".join(f"- `{scope}`: {what}" for scope, what in SCOPES.items())
    return (
        "A key from `advice-hub api-keys create NAME --team TEAM [--scope SCOPE ...]`. "
        "Each key belongs to one team and reaches only that team's assessments and their "
        "advice requests; another team's are answered exactly as ones that do not exist "
        "(404 not_found). Each operation names the scope it needs; a key without it is "
        'refused with 403 insufficient_scope and `WWW-Authenticate: Bearer realm="advice_hub", '
        'error="insufficient_scope", scope="..."`. The scopes:\n' + scopes
    )


def _components() -> dict[str, Any]:
    _, top = models_json_schema(
        [(m, "validation") for m in REQUEST_MODELS]
        + [(m, "serialization") for m in RESPONSE_MODELS],
        ref_template=SCHEMA_REF,
    )
    responses: dict[str, Any] = {
        name: {"description": description, "content": _json_content(_ref(Error))}
        for name, description in ERROR_RESPONSES.values()
    }
    responses["Unauthorized"]["headers"] = {
        "WWW-Authenticate": {
            "description": "Always Bearer, as RFC 6750 asks",
            "schema": {"type": "string"},
        }
    }
    responses["InsufficientScope"]["headers"] = {
        "WWW-Authenticate": {
            "description": 'Bearer with error="insufficient_scope" and the scope needed, as '
            "RFC 6750 asks",
            "schema": {"type": "string"},
        }
    }
    return {
        "schemas": dict(sorted(top["$defs"].items())),
        "responses": responses,
        "securitySchemes": {
            SECURITY_SCHEME: {
                "type": "http",
                "scheme": "bearer",
                "description": _scheme_description(),
            }
        },
    }


def openapi_document() -> dict[str, Any]:
    """The OpenAPI 3.1 description of the API, built from the models and the policy."""
    assessment_id = _uuid_parameter("assessment_id", "The assessment's id")
    advice_request_id = _uuid_parameter("advice_request_id", "The advice request's id")
    return {
        "openapi": OPENAPI_VERSION,
        "info": {
            "title": "advice_hub API",
            "version": API_VERSION,
            "summary": "Statutory advice for EHC needs assessments, for council systems",
            "description": "Record assessments, record the decision to assess (which sends "
            "the requests for advice), follow each request, and read sealed advice exactly "
            "as submitted. Every read of sealed advice is recorded in the audit log. A key "
            "reaches only its own team's assessments, and does only what its scopes allow.",
        },
        "servers": [{"url": API_PREFIX}],
        "security": [{SECURITY_SCHEME: []}],
        "paths": {
            "/assessments": {
                "post": _operation(
                    "createAssessment",
                    "Record a request for an EHC needs assessment",
                    endpoint="api.create",
                    body=CreateAssessment,
                    success=(201, "The assessment was recorded", AssessmentCreated),
                    errors=BODY_ERRORS,
                    location=True,
                ),
                "get": _operation(
                    "listAssessments",
                    "The team's assessments, filtered, a page at a time",
                    endpoint="api.list_assessments",
                    parameters=(*FILTER_PARAMETERS, *SORT_PARAMETERS),
                    success=(200, "A page of assessments", AssessmentList),
                    errors=(400,),
                ),
            },
            "/advice-requests": {
                "get": _operation(
                    "listAdviceRequests",
                    "The advice requests of the team's assessments, a page at a time",
                    endpoint="api.list_advice_requests",
                    parameters=FILTER_PARAMETERS,
                    success=(200, "A page of advice requests, oldest first", AdviceRequestList),
                    errors=(400,),
                )
            },
            "/assessments/{assessment_id}": {
                "get": _operation(
                    "getAssessment",
                    "An assessment and the status of each advice request",
                    endpoint="api.assessment_status",
                    parameters=(assessment_id,),
                    success=(200, "The assessment", AssessmentStatusOut),
                    errors=(404,),
                )
            },
            "/assessments/{assessment_id}/agree": {
                "post": _operation(
                    "agreeAssessment",
                    "Record the decision to assess; the advice requests are then emailed",
                    endpoint="api.agree",
                    parameters=(assessment_id,),
                    body=AgreeAssessment,
                    success=(202, "Recorded; the requests are being sent", AssessmentAgreed),
                    errors=(*BODY_ERRORS, 404, 409),
                    location=True,
                )
            },
            "/assessments/{assessment_id}/milestones": {
                "post": _operation(
                    "recordMilestone",
                    "Record a plan milestone: the decision whether to issue a plan, the draft "
                    "plan sent, or the final plan issued",
                    endpoint="api.record_milestone",
                    parameters=(assessment_id,),
                    body=RecordMilestone,
                    success=(200, "Recorded; the assessment as it now stands", MilestoneRecorded),
                    errors=(*BODY_ERRORS, 404, 409),
                    location=True,
                )
            },
            "/advice-requests/{advice_request_id}/advice": {
                "get": _operation(
                    "getSealedAdvice",
                    "Submitted advice exactly as sealed, with its fingerprints and addenda",
                    endpoint="api.sealed_advice",
                    parameters=(advice_request_id,),
                    success=(200, "The sealed advice", SealedAdviceOut),
                    errors=(404,),
                )
            },
            "/reports/timeliness": {
                "get": _operation(
                    "getTimeliness",
                    "The team's timeliness figures, as flat tables for reporting tools",
                    endpoint="api.timeliness_feed",
                    parameters=TIMELINESS_PARAMETERS,
                    success=(
                        200,
                        "Advice per agency and month; open assessments and plans issued per "
                        "team and case officer (SEN2 measures); the national figures",
                        TimelinessOut,
                    ),
                    errors=(422, 503),
                )
            },
            "/openapi.json": {
                "get": {
                    "operationId": "getOpenApiDocument",
                    "summary": "This document",
                    "security": [],
                    "responses": {
                        "200": {
                            "description": "The OpenAPI 3.1 document",
                            "content": _json_content({"type": "object"}),
                        }
                    },
                }
            },
        },
        "components": _components(),
    }
