"""Turn a message kind and its context into a ready-to-send email.

Each kind is a folder ``notifications/templates/<kind>/`` holding ``subject.txt``, ``body.txt``
and ``body.html``. Code that sends an email only builds the context; all wording lives in the
templates so it can be reviewed and changed without touching Python.
"""

from __future__ import annotations

import email.policy
import re
from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, date, datetime
from email.message import EmailMessage
from email.utils import format_datetime
from functools import cache
from pathlib import Path
from typing import Any, Final
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from jinja2 import (
    Environment,
    FileSystemLoader,
    StrictUndefined,
    TemplateNotFound,
    UndefinedError,
    meta,
    select_autoescape,
)

from advice_hub.display import joined, plural
from notifications.plaintext import flow

TEMPLATE_DIR: Final = Path(__file__).parent / "templates"
LONDON: Final = ZoneInfo("Europe/London")

_MONTHS: Final = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)
# Folder names only: a kind must never be able to name a path outside the templates folder,
# and folders starting with "_" hold shared pieces rather than sendable messages.
_KIND: Final = re.compile(r"[a-z][a-z0-9_]*")
_MESSAGE_ID: Final = re.compile(r"<[^<>\s]+@[^<>\s]+>")
_HEX: Final = re.compile(r"[0-9a-fA-F]+")
_PARTS: Final = ("subject.txt", "body.txt", "body.html")
# Names the message's kind (its template folder) for a backend that sends each kind through a
# template of its own (GOV.UK Notify).
KIND_HEADER: Final = "X-Advice-Hub-Kind"


def long_date(value: date) -> str:
    """Format a date the GOV.UK way: ``3 May 2026``.

    An aware datetime is first converted to Europe/London, so the date is the one people in
    England saw on the calendar at that instant.
    """
    if isinstance(value, datetime):
        value = _london(value).date()
    if not isinstance(value, date):
        raise TypeError(f"long_date expects a date, got {type(value).__name__}")
    # Month names come from a table because strftime("%B") follows the process locale.
    return f"{value.day} {_MONTHS[value.month - 1]} {value.year}"


def long_datetime(value: datetime) -> str:
    """Format an aware datetime in Europe/London the GOV.UK way: ``3 May 2026 at 2:05pm``.

    On-the-hour times drop the minutes (``2pm``); 12:00 and 00:00 read ``midday`` and
    ``midnight`` because "12am" and "12pm" are often misread.
    """
    local = _london(value)
    if local.hour == 12 and local.minute == 0:
        time = "midday"
    elif local.hour == 0 and local.minute == 0:
        time = "midnight"
    else:
        hour = local.hour % 12 or 12
        minutes = f":{local.minute:02d}" if local.minute else ""
        time = f"{hour}{minutes}{'am' if local.hour < 12 else 'pm'}"
    return f"{long_date(local.date())} at {time}"


def hex_groups(value: str, size: int = 8) -> list[str]:
    """Split a hex digest into groups of ``size`` characters, which people can read aloud."""
    if not isinstance(value, str) or not _HEX.fullmatch(value):
        raise ValueError("expected a hexadecimal digest")
    value = value.lower()
    return [value[i : i + size] for i in range(0, len(value), size)]


def http_url(value: str) -> str:
    """Return ``value`` if it is an absolute http(s) URL, else raise ValueError.

    Escaping stops markup injection but not a ``javascript:`` link, so every href in an email
    template goes through this filter.
    """
    parts = urlsplit(str(value))
    if parts.scheme not in ("http", "https") or not parts.netloc or any(c.isspace() for c in value):
        raise ValueError("expected an absolute http(s) URL")
    return str(value)


def _london(value: datetime) -> datetime:
    if not isinstance(value, datetime):
        raise TypeError(f"expected a datetime, got {type(value).__name__}")
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError("expected an aware datetime; naive times are ambiguous")
    return value.astimezone(LONDON)


@cache
def environment() -> Environment:
    """The Jinja2 environment for email templates (built once per process)."""
    env = Environment(
        loader=FileSystemLoader(TEMPLATE_DIR),
        # HTML parts are escaped; subject and plain text must not be, or "&" becomes "&amp;".
        autoescape=select_autoescape(
            enabled_extensions=("html",), default_for_string=False, default=False
        ),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters.update(
        long_date=long_date,
        long_datetime=long_datetime,
        hex_groups=hex_groups,
        http_url=http_url,
        # Counts and lists are worded by the same helpers as pages (advice_hub.display).
        plural=plural,
        joined=joined,
    )
    return env


@cache
def required_context(kind: str) -> frozenset[str]:
    """Names every template of ``kind`` (and the shared pieces they use) reads from context."""
    _check_kind(kind)
    env = environment()
    seen: set[str] = set()
    names: set[str] = set()
    pending = [f"{kind}/{part}" for part in _PARTS]
    while pending:
        name = pending.pop()
        if name in seen:
            continue
        seen.add(name)
        try:
            source, _, _ = env.loader.get_source(env, name)  # type: ignore[union-attr]
        except TemplateNotFound:
            raise ValueError(f"unknown email kind {kind!r}: missing {name}") from None
        tree = env.parse(source)
        names |= meta.find_undeclared_variables(tree)
        pending.extend(_referenced(meta.find_referenced_templates(tree)))
    return frozenset(names)


@cache
def sendable_kinds() -> tuple[str, ...]:
    """Every kind of email there is: each template folder not starting with "_"."""
    return tuple(
        sorted(
            path.name
            for path in TEMPLATE_DIR.iterdir()
            if path.is_dir() and _KIND.fullmatch(path.name)
        )
    )


def _referenced(names: Iterable[str | None]) -> list[str]:
    return [name for name in names if name is not None]


def _check_kind(kind: str) -> None:
    if not _KIND.fullmatch(kind) or not (TEMPLATE_DIR / kind).is_dir():
        raise ValueError(f"unknown email kind {kind!r}")


def compose(
    kind: str,
    *,
    to: str,
    sender: str,
    context: Mapping[str, Any],
    message_id: str,
    reply_to: str | None = None,
    attachments: Sequence[tuple[str, str, bytes]] = (),
) -> EmailMessage:
    """Render the templates of ``kind`` into a multipart/alternative email, with
    ``attachments`` as (file name, MIME type, bytes) after it (then multipart/mixed).

    Raises ``jinja2.UndefinedError`` naming every context key the templates need but
    ``context`` lacks, and ``ValueError`` for an unknown kind, a malformed Message-ID, or a
    subject that renders empty or on more than one line.
    """
    missing = sorted(required_context(kind) - context.keys())
    if missing:
        raise UndefinedError(f"{kind} email needs context keys: {', '.join(missing)}")
    if not _MESSAGE_ID.fullmatch(message_id):
        raise ValueError(f"message_id must look like <id@domain>; got {message_id!r}")

    env = environment()
    subject = env.get_template(f"{kind}/subject.txt").render(context).strip()
    if not subject or "\n" in subject or "\r" in subject:
        raise ValueError(f"{kind} subject must be a single non-empty line; got {subject!r}")
    text = flow(env.get_template(f"{kind}/body.txt").render(context))
    html = env.get_template(f"{kind}/body.html").render(context)

    message = EmailMessage(policy=email.policy.SMTP)
    message["From"] = sender
    message["To"] = to
    if reply_to:
        message["Reply-To"] = reply_to
    message["Subject"] = subject
    message["Date"] = format_datetime(datetime.now(UTC))
    message["Message-ID"] = message_id
    # RFC 3834: tells well-behaved autoresponders not to answer, and marks it as automated.
    message["Auto-Submitted"] = "auto-generated"
    message[KIND_HEADER] = kind
    # Quoted-printable keeps both parts 7-bit safe for any relay while leaving the source
    # readable, and decodes back to exactly the rendered text (links included).
    message.set_content(
        text, subtype="plain", cte="quoted-printable", params={"format": "flowed", "delsp": "no"}
    )
    message.add_alternative(html, subtype="html", cte="quoted-printable")
    for filename, mime_type, data in attachments:
        maintype, _, subtype = mime_type.partition("/")
        message.add_attachment(data, maintype=maintype, subtype=subtype, filename=filename)
    return message
