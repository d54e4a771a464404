"""Error pages that tell a person what happened and what to do next."""

from __future__ import annotations

import logging
from typing import Any

from flask import Flask, render_template, request
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

log = logging.getLogger(__name__)

TITLES = {
    400: "There is a problem with what was sent",
    403: "You cannot see this page",
    404: "Page not found",
    405: "That action is not possible here",
    413: "What you sent is too large",
    500: "Sorry, there is a problem with the service",
}


def expired_page(exc: CSRFError | None = None) -> Any:
    """A post whose security token lapsed or was forged, on a page that keeps nothing typed."""
    return render_template(
        "errors/csrf.html", page_title="Your page expired", back=request.path
    ), 400


def http_error_page(exc: HTTPException) -> Any:
    """The page (or, under /api/, the JSON error) for an HTTP error."""
    code = exc.code or 500
    if request.path.startswith("/api/"):
        return {
            "error": {
                "code": exc.name.lower().replace(" ", "_"),
                "message": exc.description,
                "fields": [],
            }
        }, code
    return render_template(
        "errors/http.html", page_title=TITLES.get(code, exc.name), code=code
    ), code


def register(app: Flask) -> None:
    app.register_error_handler(CSRFError, expired_page)
    app.register_error_handler(HTTPException, http_error_page)

    @app.errorhandler(Exception)
    def _unexpected(exc: Exception) -> Any:
        log.exception("unhandled error on %s", request.path)
        return render_template("errors/http.html", page_title=TITLES[500], code=500), 500
