"""Notes which fields of a URL-encoded form were not valid UTF-8, so they get a clear message.

Werkzeug keeps undecodable %XX sequences as literal text; without this a contributor would
see "caf%E9" saved silently instead of being asked to retype it.
"""

from __future__ import annotations

from urllib.parse import unquote_to_bytes

from flask import Flask, g, request

FORM_TYPE = "application/x-www-form-urlencoded"


def undecodable_fields(body: bytes) -> set[str]:
    """Names of fields whose values are not valid UTF-8 once percent-decoded."""
    bad: set[str] = set()
    for pair in body.split(b"&"):
        name, _, value = pair.partition(b"=")
        try:
            unquote_to_bytes(value.replace(b"+", b" ")).decode("utf-8")
        except UnicodeDecodeError:
            try:
                bad.add(unquote_to_bytes(name.replace(b"+", b" ")).decode("utf-8"))
            except UnicodeDecodeError:
                continue
    return bad


def install(app: Flask) -> None:
    @app.before_request
    def _note_undecodable_fields() -> None:
        if request.method == "POST" and request.mimetype == FORM_TYPE:
            # Cached, so form parsing afterwards reads the same bytes.
            g.undecodable_fields = undecodable_fields(request.get_data(cache=True))
