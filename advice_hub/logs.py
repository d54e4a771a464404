"""Logging that never writes a link token: emailed link paths are redacted in every record."""

from __future__ import annotations

import logging
import re

TOKEN_PATH = re.compile(r"(/a/)[A-Za-z0-9_\-]{8,}")


class RedactLinkTokens(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        if record.args:
            record.args = tuple(
                TOKEN_PATH.sub(r"\1[redacted]", a) if isinstance(a, str) else a
                for a in (record.args if isinstance(record.args, tuple) else (record.args,))
            )
        if isinstance(record.msg, str):
            record.msg = TOKEN_PATH.sub(r"\1[redacted]", record.msg)
        return True


_configured = False


def configure_logging() -> None:
    """Attach the redaction filter to the handlers and loggers that print request lines."""
    global _configured
    if _configured:
        return
    _configured = True
    redact = RedactLinkTokens()
    for name in ("werkzeug", "gunicorn.access", "gunicorn.error", "advice_hub", ""):
        logging.getLogger(name).addFilter(redact)
    if not logging.getLogger().handlers:
        logging.basicConfig(
            level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
        )
    for handler in logging.getLogger().handlers:
        handler.addFilter(redact)
