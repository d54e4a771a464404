"""Read back what the file backend wrote: for the development mailbox page and for tests."""

from __future__ import annotations

import email.policy
import re
from dataclasses import dataclass
from datetime import datetime
from email.message import EmailMessage
from email.parser import BytesParser
from pathlib import Path
from typing import Final

from notifications.plaintext import unflow

_URL: Final = re.compile(r"https?://[^\s<>\"']+")
# Sentence punctuation that ends up glued to a link in running text, never part of our links.
_TRAILING: Final = ".,;:!?)]}"


@dataclass(frozen=True)
class StoredMessage:
    """The headers of one stored email, enough for a list view."""

    name: str
    subject: str
    to: str
    sender: str
    date: datetime | None
    size: int


def list_messages(directory: Path) -> list[StoredMessage]:
    """The ``.eml`` files in ``directory``, newest first; ``[]`` if it does not exist.

    File backend names begin with the UTC acceptance time, so name order is sending order.
    Hidden files (including the backend's half-written temp files) are skipped.
    """
    directory = Path(directory)
    try:
        entries = list(directory.iterdir())
    except FileNotFoundError:
        return []
    parser = BytesParser(policy=email.policy.default)
    found: list[StoredMessage] = []
    for path in entries:
        if not _is_message_name(path.name):
            continue
        try:
            with path.open("rb") as handle:
                headers = parser.parse(handle, headersonly=True)
            size = path.stat().st_size
        except (FileNotFoundError, IsADirectoryError):
            continue  # removed or not a file: nothing to list
        found.append(
            StoredMessage(
                name=path.name,
                subject=str(headers.get("Subject", "")),
                to=str(headers.get("To", "")),
                sender=str(headers.get("From", "")),
                date=_header_date(headers),
                size=size,
            )
        )
    found.sort(key=lambda stored: stored.name, reverse=True)
    return found


def read_message(directory: Path, name: str) -> EmailMessage:
    """Parse the stored message ``name`` from ``directory``.

    ``name`` comes from a URL, so anything but a plain ``*.eml`` file name directly inside
    ``directory`` (a path, ``..``, a hidden file, a symlink leading elsewhere) raises
    ``FileNotFoundError`` exactly as a missing file does.
    """
    directory = Path(directory)
    if not _is_message_name(name):
        raise FileNotFoundError(name)
    path = directory / name
    try:
        inside = path.resolve(strict=True).parent == directory.resolve(strict=True)
    except (FileNotFoundError, RuntimeError):
        inside = False
    if not inside or not path.is_file():
        raise FileNotFoundError(name)
    with path.open("rb") as handle:
        message = BytesParser(policy=email.policy.default).parse(handle)
    if not isinstance(message, EmailMessage):  # pragma: no cover - policy.default makes one
        raise TypeError("expected an EmailMessage")
    return message


def message_text(message: EmailMessage) -> str:
    """The decoded plain-text part, with format=flowed paragraphs joined back up."""
    part = message.get_body(preferencelist=("plain",))
    if part is None or not isinstance(part, EmailMessage):
        return ""
    text = str(part.get_content())
    if str(part.get_param("format", "", header="content-type")).lower() == "flowed":
        return unflow(text)
    return text


def message_html(message: EmailMessage) -> str | None:
    """The decoded HTML part, or None if the message has none."""
    part = message.get_body(preferencelist=("html",))
    if part is None or not isinstance(part, EmailMessage):
        return None
    return str(part.get_content())


def links_in(message: EmailMessage) -> list[str]:
    """The http(s) URLs in the plain-text part, in order of appearance."""
    return [match.rstrip(_TRAILING) for match in _URL.findall(message_text(message))]


def _is_message_name(name: str) -> bool:
    return (
        name.endswith(".eml")
        and not name.startswith(".")
        and "/" not in name
        and "\\" not in name
        and "\x00" not in name
        and Path(name).name == name
    )


def _header_date(headers: EmailMessage) -> datetime | None:
    header = headers.get("Date")
    # A malformed Date parses to a header whose datetime is None rather than raising.
    value = getattr(header, "datetime", None)
    return value if isinstance(value, datetime) else None
