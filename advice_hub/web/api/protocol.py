"""How the API speaks: JSON errors in one shape, bearer-key authentication, strict parsing of
request bodies. The blueprint registers these handlers (see the package's ``__init__``).

The error handlers have nothing to undo: every endpoint changes the database only inside
``committing``, which has rolled the change back by the time its error reaches them."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import NoReturn, TypeVar

from flask import Response, current_app, g, request
from pydantic import BaseModel, ValidationError
from werkzeug.exceptions import HTTPException

from advice_hub.accounts.api_keys import authenticate_api_key, has_scope
from advice_hub.assessments.checks import OfficerActionError
from advice_hub.models import (
    ApiKey,
)
from advice_hub.web.api.schemas import (
    Error,
    ErrorDetail,
    FieldError,
    RequestBody,
)
from advice_hub.web.authorization import Gate, access_for
from advice_hub.web.db_session import db

log = logging.getLogger(__name__)

JSON = "application/json"
WWW_AUTHENTICATE = 'Bearer realm="advice_hub"'
HTTP_ERROR_CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
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


def json_response(
    model: BaseModel, status: int = 200, headers: dict[str, str] | None = None
) -> Response:
    return current_app.response_class(
        model.model_dump_json(), status=status, mimetype=JSON, headers=headers
    )


def error_response(
    status: int,
    code: str,
    message: str,
    *,
    fields: Iterable[FieldError] = (),
    headers: dict[str, str] | None = None,
) -> Response:
    body = Error(error=ErrorDetail(code=code, message=message, fields=list(fields)))
    return json_response(body, status, headers)


def api_error(exc: ApiError) -> Response:
    return error_response(exc.status, exc.code, exc.message, fields=exc.fields, headers=exc.headers)


def refused_by_domain(exc: OfficerActionError) -> Response:
    if exc.problems:  # every input at fault, each named
        return error_response(
            422,
            "validation_failed",
            str(exc),
            fields=[FieldError(field=p.field, message=p.message) for p in exc.problems],
        )
    # A refusal that no single input caused is a clash with the assessment's current state,
    # e.g. recording the decision to assess a second time.
    return error_response(409, "conflict", str(exc))


def http_error(exc: HTTPException) -> Response | HTTPException:
    if exc.code is None or exc.code < 400:
        return exc  # redirects are not errors
    headers = {k: v for k, v in exc.get_headers() if k.lower() != "content-type"}
    code = HTTP_ERROR_CODES.get(exc.code, exc.name.lower().replace(" ", "_"))
    return error_response(exc.code, code, exc.description or exc.name, headers=headers)


def unexpected_error(exc: Exception) -> Response:
    # Without this the app's HTML error page would answer an API client.
    log.exception("unhandled error in API request %s %s", request.method, request.path)
    return error_response(
        500,
        "internal_error",
        "Something went wrong on our side. Quote the X-Request-ID header if you report it.",
    )


# --- Authentication and parsing ---------------------------------------------------------


def authenticate() -> None:
    """Let the request through only with a live key that holds the scope the endpoint's
    entry in the one policy table names (``web.authorization.POLICY``)."""
    access = access_for(request.endpoint)
    if access is None:  # the app refuses to start with such an endpoint; never open one
        raise RuntimeError(f"{request.endpoint} has no entry in the authorization policy")
    if access.gate is Gate.PUBLIC:
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
    # Refused before the view looks anything up, so the answer says nothing about the record.
    if access.scope is not None and not has_scope(key, access.scope):
        raise ApiError(
            403,
            "insufficient_scope",
            f"This API key does not have the scope {access.scope}, which this request needs. "
            "Ask the council's administrator for a key that has it",
            headers={
                "WWW-Authenticate": f'{WWW_AUTHENTICATE}, error="insufficient_scope", '
                f'scope="{access.scope}"'
            },
        )
    g.api_key = key


def api_actor() -> str:
    return f"api-key:{api_key().name}"


def api_key() -> ApiKey:
    """The key this request was authenticated with."""
    key: ApiKey = g.api_key
    return key


def parse_body(model: type[Body]) -> Body:
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


def not_found(what: str) -> NoReturn:
    raise ApiError(404, "not_found", f"There is no {what} with this id")
