"""Logging that never writes a link token: every emailed link's path is redacted in every record.

The pattern is built from `LINK_PATHS`, so a link purpose added there is redacted too. It finds
a link path anywhere in a text (a request line, a bare path, a full URL in a Referer), with any
of its characters percent-encoded (a server decodes them before routing), and replaces what
follows it up to the next character a token cannot hold.
"""

from __future__ import annotations

import copy
import logging
import re
from collections.abc import Iterable, Mapping
from typing import Any

from advice_hub.requests.links import LINK_PATHS

REDACTED = "[redacted]"


def _as_written(text: str) -> str:
    """A pattern for `text` with any of its characters written as `%XX`."""
    return "".join(f"(?:{re.escape(c)}|%{ord(c):02x})" for c in text)


def token_pattern(paths: Iterable[str]) -> re.Pattern[str]:
    """Matches a link path (group 1) and the token after it."""
    return re.compile(
        "(" + "|".join(_as_written(path) for path in paths) + ")"
        r"(?:[A-Za-z0-9_.~\-]|%[0-9a-f]{2})+",
        re.IGNORECASE,
    )


TOKEN_PATH = token_pattern(LINK_PATHS.values())


def redact(value: Any) -> Any:
    """`value` with every link token in it redacted, if it is text; anything else as it is."""
    if isinstance(value, str):
        return TOKEN_PATH.sub(rf"\1{REDACTED}", value)
    return value


def _redacted_args(args: Any) -> Any:
    """A record's arguments redacted, in the shape they came: a tuple (werkzeug's request
    line) or a mapping (gunicorn's access log atoms: the request line, path, query, headers
    such as the Referer, the environ), a copy of its own type so its lookups still work."""
    if isinstance(args, tuple):
        return tuple(redact(a) for a in args)
    if isinstance(args, Mapping):
        redacted = copy.copy(args) if isinstance(args, dict) else dict(args)
        for key, value in args.items():
            redacted[key] = redact(value)
        return redacted
    return args


class RedactLinkTokens(logging.Filter):
    """Redacts the message, its arguments (which a logging error prints as they are), and
    then the line they make: a token split between message and arguments, or inside an
    object's text, is redacted too. Tracebacks and stacks are redacted as well."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.msg = redact(record.msg)
        record.args = _redacted_args(record.args)
        try:
            message = record.getMessage()
        except Exception:  # noqa: S110 -- a broken format is the handler's to report
            pass
        else:
            if TOKEN_PATH.search(message):
                record.msg, record.args = redact(message), ()
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        record.exc_text = redact(record.exc_text)
        record.stack_info = redact(record.stack_info)
        return True


_configured = False


def configure_logging() -> None:
    """Attach the redaction filter to the handlers and loggers that print request lines."""
    global _configured
    if _configured:
        return
    _configured = True
    redact_tokens = RedactLinkTokens()
    for name in ("werkzeug", "gunicorn.access", "gunicorn.error", "advice_hub", ""):
        logging.getLogger(name).addFilter(redact_tokens)
    if not logging.getLogger().handlers:
        logging.basicConfig(
            level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
        )
    for handler in logging.getLogger().handlers:
        handler.addFilter(redact_tokens)
