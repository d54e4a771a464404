"""The JSON API for council case-management systems, under /api/v1.

Every endpoint except the OpenAPI document needs `Authorization: Bearer <key>` (keys come from
`advice-hub api-keys create`). Every answer, errors included, is JSON in the shape of
`advice_hub.api_schemas.Error`: the blueprint's own error handlers answer before the app's
HTML error pages can, and a catch-all route keeps unknown URLs and methods under /api/v1 inside
the blueprint too. Views stay thin: parse with pydantic, call the domain, commit, respond.
"""

from __future__ import annotations

import json
import logging
import uuid
from collections.abc import Iterable
from typing import NoReturn, TypeVar

from flask import Blueprint, Response, current_app, g, request, url_for
from pydantic import BaseModel, ValidationError
from sqlalchemy.orm import Session, selectinload
from werkzeug.exceptions import HTTPException, MethodNotAllowed, NotFound

from advice_hub.api_schemas import (
    AddendumOut,
    AdviceRequestOut,
    AgreeAssessment,
    AssessmentAgreed,
    AssessmentCreated,
    AssessmentStatusOut,
    CreateAssessment,
    Error,
    ErrorDetail,
    FieldError,
    RequestBody,
    SealedAdviceOut,
    openapi_document,
)
from advice_hub.db_session import db
from advice_hub.domain.api_keys import authenticate_api_key
from advice_hub.domain.assessments import (
    AssessmentError,
    ChildDetails,
    ContributorDetails,
    agree_assessment,
    create_assessment,
)
from advice_hub.domain.audit import record_event
from advice_hub.domain.ledger import GENESIS
from advice_hub.models import (
    AdviceRequest,
    Agency,
    ApiKey,
    Assessment,
    AssessmentStatus,
    RequestStatus,
    SealedAdvice,
    utcnow,
)

log = logging.getLogger(__name__)

bp = Blueprint("api", __name__, url_prefix="/api/v1")

JSON = "application/json"
PUBLIC_ENDPOINTS = frozenset({"api.openapi"})
WWW_AUTHENTICATE = 'Bearer realm="advice_hub"'
HTTP_ERROR_CODES = {
    400: "bad_request",
    401: "unauthorized",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "payload_too_large",
    415: "unsupported_media_type",
    422: "validation_failed",
    500: "internal_error",
}

Body = TypeVar("Body", bound=RequestBody)


class ApiError(Exception):
    """An error answered as JSON: status, stable code, message and the fields at fault."""

    def __init__(
        self,
        status: int,
        code: str,
        message: str,
        *,
        fields: Iterable[FieldError] = (),
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.fields = list(fields)
        self.headers = headers or {}


# --- Responses and errors ---------------------------------------------------------------


def _json(model: BaseModel, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    return current_app.response_class(
        model.model_dump_json(), status=status, mimetype=JSON, headers=headers
    )


def _error(
    status: int,
    code: str,
    message: str,
    *,
    fields: Iterable[FieldError] = (),
    headers: dict[str, str] | None = None,
) -> Response:
    body = Error(error=ErrorDetail(code=code, message=message, fields=list(fields)))
    return _json(body, status, headers)


def _discard_changes() -> None:
    # Nothing from a refused request may reach a later commit in the same session. A session
    # not yet used has no transaction, so this costs nothing then.
    db().rollback()


@bp.errorhandler(ApiError)
def _api_error(exc: ApiError) -> Response:
    return _error(exc.status, exc.code, exc.message, fields=exc.fields, headers=exc.headers)


@bp.errorhandler(AssessmentError)
def _refused_by_domain(exc: AssessmentError) -> Response:
    _discard_changes()
    if exc.field is not None:
        return _error(
            422,
            "validation_failed",
            str(exc),
            fields=[FieldError(field=exc.field, message=str(exc))],
        )
    # A refusal that no single input caused is a clash with the assessment's current state,
    # e.g. recording the decision to assess a second time.
    return _error(409, "conflict", str(exc))


@bp.errorhandler(HTTPException)
def _http_error(exc: HTTPException) -> Response | HTTPException:
    if exc.code is None or exc.code < 400:
        return exc  # redirects are not errors
    headers = {k: v for k, v in exc.get_headers() if k.lower() != "content-type"}
    code = HTTP_ERROR_CODES.get(exc.code, exc.name.lower().replace(" ", "_"))
    return _error(exc.code, code, exc.description or exc.name, headers=headers)


@bp.errorhandler(Exception)
def _unexpected(exc: Exception) -> Response:
    # Without this the app's HTML error page would answer an API client.
    log.exception("unhandled error in API request %s %s", request.method, request.path)
    try:
        _discard_changes()
    except Exception:
        # The session is closed at teardown anyway; the client still gets a JSON answer.
        log.exception("rollback failed after an unhandled error")
    return _error(
        500,
        "internal_error",
        "Something went wrong on our side. Quote the X-Request-ID header if you report it.",
    )


# --- Authentication and parsing ---------------------------------------------------------


@bp.before_request
def _authenticate() -> None:
    if request.endpoint in PUBLIC_ENDPOINTS:
        return
    scheme, _, raw = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not raw.strip():
        raise ApiError(
            401,
            "unauthorized",
            "Send an API key in the header Authorization: Bearer <key>",
            headers={"WWW-Authenticate": WWW_AUTHENTICATE},
        )
    key = authenticate_api_key(db(), raw.strip())
    if key is None:
        raise ApiError(
            401,
            "unauthorized",
            "The API key is not valid, or has been revoked",
            headers={"WWW-Authenticate": f'{WWW_AUTHENTICATE}, error="invalid_token"'},
        )
    g.api_key = key


def _actor() -> str:
    key: ApiKey = g.api_key
    return f"api-key:{key.name}"


def _parse(model: type[Body]) -> Body:
    """The request body as `model`, or an ApiError that says what is wrong with it."""
    if request.mimetype != JSON:
        raise ApiError(
            415,
            "unsupported_media_type",
            "Send the body as JSON with the header Content-Type: application/json",
        )
    try:
        text = request.get_data(cache=False).decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ApiError(400, "bad_request", "The body is not valid UTF-8") from exc
    try:
        # Validated as JSON text, not as parsed Python: strict mode then reads ISO dates
        # from strings and nothing else (no timestamps, no "3" for 3).
        return model.model_validate_json(text)
    except ValidationError as exc:
        errors = exc.errors(include_url=False, include_input=False)
        if any(e["type"] == "json_invalid" for e in errors):
            raise ApiError(400, "bad_request", "The body is not valid JSON") from exc
        if any(e["type"] == "model_type" and not e["loc"] for e in errors):
            raise ApiError(400, "bad_request", "The body must be a JSON object") from exc
        fields = [
            FieldError(field=".".join(str(p) for p in e["loc"]) or "body", message=e["msg"])
            for e in errors
        ]
        raise ApiError(
            422, "validation_failed", "Some fields are missing or not valid", fields=fields
        ) from exc


def _not_found(what: str) -> NoReturn:
    raise ApiError(404, "not_found", f"There is no {what} with this id")


# --- Endpoints --------------------------------------------------------------------------


@bp.post("/assessments")
def create() -> Response:
    """Record a request for assessment and the people to be asked for advice."""
    body = _parse(CreateAssessment)
    session = db()
    child = body.child
    assessment = create_assessment(
        session,
        child=ChildDetails(
            given_names=child.given_names,
            family_name=child.family_name,
            date_of_birth=child.date_of_birth,
            year_group=child.year_group,
        ),
        requested_on=body.requested_on,
        contributors=[
            ContributorDetails(
                agency=c.agency,
                name=c.name,
                email=c.email,
                organisation=c.organisation,
                role=c.role,
            )
            for c in body.contributors
        ],
        now=utcnow(),
        actor=_actor(),
    )
    session.commit()
    return _json(
        AssessmentCreated(id=assessment.id, reference=assessment.reference),
        201,
        {"Location": url_for(".assessment_status", assessment_id=assessment.id)},
    )


@bp.post("/assessments/<uuid:assessment_id>/agree")
def agree(assessment_id: uuid.UUID) -> Response:
    """Record the decision to assess; the advice requests are emailed after the commit."""
    # Parsed before the row is locked, so a slow client never holds the lock.
    body = _parse(AgreeAssessment)
    session = db()
    # Locked so that two concurrent calls cannot both see "requested" and send twice
    # (on SQLite the transaction's BEGIN IMMEDIATE already serialises writers).
    assessment = session.get(
        Assessment, assessment_id, with_for_update=True, populate_existing=True
    )
    if assessment is None:
        _not_found("assessment")
    agree_assessment(session, assessment, decided_on=body.decided_on, now=utcnow(), actor=_actor())
    session.commit()
    return _json(
        AssessmentAgreed(
            id=assessment.id,
            reference=assessment.reference,
            status=AssessmentStatus(assessment.status),
        ),
        202,
        {"Location": url_for(".assessment_status", assessment_id=assessment.id)},
    )


@bp.get("/assessments/<uuid:assessment_id>")
def assessment_status(assessment_id: uuid.UUID) -> Response:
    """An assessment and where each of its advice requests has got to."""
    assessment = _load_assessment(db(), assessment_id)
    requests = sorted(assessment.advice_requests, key=lambda r: r.contributor.position)
    return _json(
        AssessmentStatusOut(
            id=assessment.id,
            reference=assessment.reference,
            status=AssessmentStatus(assessment.status),
            requested_on=assessment.requested_on,
            decided_on=assessment.decided_on,
            advice_requests=[_request_out(r) for r in requests],
        )
    )


@bp.get("/advice-requests/<uuid:advice_request_id>/advice")
def sealed_advice(advice_request_id: uuid.UUID) -> Response:
    """The sealed advice exactly as submitted, and its addenda; every read is in the audit log."""
    session = db()
    advice_request = session.get(
        AdviceRequest, advice_request_id, options=[selectinload(AdviceRequest.sealed)]
    )
    if advice_request is None:
        _not_found("advice request")
    sealed = advice_request.sealed
    if sealed is None:
        raise ApiError(
            404,
            "not_sealed",
            "This advice has not been submitted yet "
            f"(the request's status is {advice_request.status!s})",
        )
    record_event(
        session,
        actor=_actor(),
        action="advice.viewed",
        now=utcnow(),
        advice_request=advice_request,
        content_sha256=sealed.content_sha256,
    )
    session.commit()
    return _json(
        SealedAdviceOut(
            advice_request_id=advice_request.id,
            agency=Agency(advice_request.agency),
            canonical=sealed.canonical,
            content_sha256=sealed.content_sha256,
            previous_seal_sha256=sealed.previous_seal_sha256,
            seal_sha256=sealed.seal_sha256,
            sealed_at=sealed.sealed_at,
            addenda=[_addendum_out(addendum) for addendum in sealed.addenda],
        )
    )


def _addendum_out(addendum: SealedAdvice) -> AddendumOut:
    return AddendumOut(
        canonical=addendum.canonical,
        content_sha256=addendum.content_sha256,
        # Never empty: the advice comes before its addenda in the chain. Were it so, the
        # genesis value is what the seal was computed from, so the published rule still holds.
        previous_seal_sha256=addendum.previous_seal_sha256 or GENESIS,
        seal_sha256=addendum.seal_sha256,
        sealed_at=addendum.sealed_at,
    )


@bp.get("/openapi.json")
def openapi() -> Response:
    """The OpenAPI 3.1 description of this API (no key needed)."""
    return current_app.response_class(json.dumps(openapi_document()), mimetype=JSON)


ANY_METHOD = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE"]


@bp.route("/", defaults={"path": ""}, methods=ANY_METHOD)
@bp.route("/<path:path>", methods=ANY_METHOD)
def unmatched(path: str) -> NoReturn:
    """Unknown URLs and methods under /api/v1.

    Flask never runs a blueprint's error handlers for routing failures (no rule matched, so
    no blueprint is known), which would leave these to the app's HTML pages. Werkzeug tries
    this rule last, after every real one, so it only sees what nothing else accepted.
    """
    allowed = _methods_of_other_rules()
    if allowed:
        raise MethodNotAllowed(valid_methods=allowed)
    raise NotFound("There is nothing at this URL; see /api/v1/openapi.json")


def _methods_of_other_rules() -> list[str]:
    adapter = current_app.create_url_adapter(request)
    allowed: set[str] = set()
    if adapter is None:
        return []
    for method in ANY_METHOD:
        try:
            rule, _ = adapter.match(method=method, return_rule=True)
        except HTTPException:
            continue
        if rule.endpoint != request.endpoint:
            allowed.update(rule.methods or ())
    return sorted(allowed)


# --- Helpers ----------------------------------------------------------------------------


def _load_assessment(session: Session, assessment_id: uuid.UUID) -> Assessment:
    requests = selectinload(Assessment.advice_requests)
    assessment = session.get(
        Assessment,
        assessment_id,
        options=[
            requests.selectinload(AdviceRequest.sealed),
            requests.selectinload(AdviceRequest.contributor),
        ],
    )
    if assessment is None:
        _not_found("assessment")
    return assessment


def _request_out(advice_request: AdviceRequest) -> AdviceRequestOut:
    sealed = advice_request.sealed
    return AdviceRequestOut(
        id=advice_request.id,
        agency=Agency(advice_request.agency),
        status=RequestStatus(advice_request.status),
        due_on=advice_request.due_on,
        sent_at=advice_request.received_at,
        submitted_at=advice_request.submitted_at,
        content_sha256=sealed.content_sha256 if sealed is not None else None,
        seal_sha256=sealed.seal_sha256 if sealed is not None else None,
    )
