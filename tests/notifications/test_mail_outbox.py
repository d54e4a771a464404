"""The file backend and the development mailbox that reads what it wrote."""

from __future__ import annotations

import email.policy
import hashlib
import os
import threading
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from email.parser import BytesParser
from pathlib import Path
from typing import Any

import pytest

from notifications import (
    FileBackend,
    MailDeliveryError,
    compose,
    links_in,
    list_messages,
    message_html,
    message_text,
    read_message,
)
from notifications import backends as backends_module

ContextFor = Callable[..., dict[str, Any]]


def request_email(context_for: ContextFor, number: int = 1, **overrides: Any) -> EmailMessage:
    return compose(
        "advice_request",
        to=f"contributor{number}@nhs.net",
        sender="Northshire advice <noreply@northshire.gov.uk>",
        context=context_for("advice_request", reference=f"AH-0000-000{number}", **overrides),
        message_id=f"<request-{number}@advice.northshire.gov.uk>",
    )


def test_file_backend_writes_a_parseable_eml_whose_message_id_and_links_survive(
    tmp_path: Path, context_for: ContextFor
) -> None:
    message = request_email(context_for)
    link = context_for("advice_request")["link_url"]

    acceptance = FileBackend(tmp_path).send(message)

    assert acceptance.backend == "file"
    assert acceptance.accepted_at.tzinfo is not None
    stored = read_message(tmp_path, acceptance.detail)
    assert stored["Message-ID"] == "<request-1@advice.northshire.gov.uk>"
    assert stored["Subject"] == message["Subject"]
    assert links_in(stored) == [link]
    assert f'href="{link}"' in (message_html(stored) or "")
    assert message_text(stored) == message_text(message)
    # The file is the exact wire form: CRLF line ends, as an SMTP relay would receive it.
    raw = (tmp_path / acceptance.detail).read_bytes()
    assert raw == message.as_bytes(policy=email.policy.SMTP)
    assert BytesParser(policy=email.policy.default).parsebytes(raw).defects == []


def test_file_name_is_the_utc_acceptance_time_then_a_hash_of_the_message_id(
    tmp_path: Path, context_for: ContextFor
) -> None:
    acceptance = FileBackend(tmp_path).send(request_email(context_for))

    stamp, digest = acceptance.detail.removesuffix(".eml").split("-")
    written = datetime.strptime(stamp, "%Y%m%dT%H%M%S.%f").replace(tzinfo=UTC)
    assert written == acceptance.accepted_at
    assert abs(written - datetime.now(UTC)) < timedelta(minutes=1)
    # The first 12 hex characters of the SHA-256 of the Message-ID header, angle brackets and all.
    message_id = b"<request-1@advice.northshire.gov.uk>"
    assert digest == hashlib.sha256(message_id).hexdigest()[:12]


def test_file_backend_creates_its_folder_when_missing(
    tmp_path: Path, context_for: ContextFor
) -> None:
    outbox = tmp_path / "instance" / "outbox"

    FileBackend(outbox).send(request_email(context_for))

    assert len(list(outbox.glob("*.eml"))) == 1


def test_listing_is_newest_first(tmp_path: Path, context_for: ContextFor) -> None:
    backend = FileBackend(tmp_path)
    for number in (1, 2, 3):
        backend.send(request_email(context_for, number))

    listed = list_messages(tmp_path)

    assert [stored.to for stored in listed] == [
        "contributor3@nhs.net",
        "contributor2@nhs.net",
        "contributor1@nhs.net",
    ]
    newest = listed[0]
    assert newest.subject == "Request for health advice: reference AH-0000-0003"
    assert newest.sender == "Northshire advice <noreply@northshire.gov.uk>"
    assert newest.date is not None and newest.date.tzinfo is not None
    assert newest.size == (tmp_path / newest.name).stat().st_size


def test_listing_ignores_temp_files_and_anything_that_is_not_an_eml_file(
    tmp_path: Path, context_for: ContextFor
) -> None:
    FileBackend(tmp_path).send(request_email(context_for))
    (tmp_path / ".tmp1234.tmp").write_bytes(b"Subject: half written")
    (tmp_path / ".hidden.eml").write_bytes(b"Subject: hidden")
    (tmp_path / "notes.txt").write_text("not mail")
    (tmp_path / "folder.eml").mkdir()

    assert len(list_messages(tmp_path)) == 1


def test_listing_a_folder_that_does_not_exist_is_empty(tmp_path: Path) -> None:
    assert list_messages(tmp_path / "never-created") == []


def test_a_failed_write_leaves_no_partial_message_behind(
    tmp_path: Path, context_for: ContextFor, monkeypatch: pytest.MonkeyPatch
) -> None:
    def disk_full(source: str, target: Path) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(backends_module.os, "replace", disk_full)

    with pytest.raises(MailDeliveryError) as failure:
        FileBackend(tmp_path).send(request_email(context_for))

    assert failure.value.transient is True
    assert os.listdir(tmp_path) == []


def test_messages_sent_from_many_threads_each_get_their_own_file_in_order(
    tmp_path: Path, context_for: ContextFor
) -> None:
    backend = FileBackend(tmp_path)
    # Distinct messages: flattening picks a MIME boundary on first use, so one message object
    # should not be flattened from several threads at once.
    messages = [request_email(context_for, number) for number in range(1, 25)]
    names: list[str] = []
    lock = threading.Lock()

    def send(message: EmailMessage) -> None:
        name = backend.send(message).detail
        with lock:
            names.append(name)

    threads = [threading.Thread(target=send, args=(message,)) for message in messages]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert len(set(names)) == 24
    assert sorted(os.listdir(tmp_path)) == sorted(names)


@pytest.mark.parametrize(
    "name",
    [
        "../secret.eml",
        "..",
        ".",
        "",
        "outbox/../../secret.eml",
        "sub/message.eml",
        ".hidden.eml",
        "message.txt",
        "message.eml\x00.txt",
        "..\\secret.eml",
    ],
)
def test_reading_a_name_that_is_not_a_plain_eml_file_in_the_folder_is_refused(
    tmp_path: Path, name: str
) -> None:
    outbox = tmp_path / "outbox"
    (outbox / "sub").mkdir(parents=True)
    (outbox / "sub" / "message.eml").write_bytes(b"Subject: nested\r\n\r\nhi\r\n")
    (outbox / ".hidden.eml").write_bytes(b"Subject: hidden\r\n\r\nhi\r\n")
    (tmp_path / "secret.eml").write_bytes(b"Subject: secret\r\n\r\nhi\r\n")

    with pytest.raises(FileNotFoundError):
        read_message(outbox, name)


def test_reading_an_absolute_path_is_refused_even_inside_the_folder(
    tmp_path: Path, context_for: ContextFor
) -> None:
    name = FileBackend(tmp_path).send(request_email(context_for)).detail

    with pytest.raises(FileNotFoundError):
        read_message(tmp_path, str(tmp_path / name))


def test_reading_through_a_symlink_that_leads_out_of_the_folder_is_refused(
    tmp_path: Path,
) -> None:
    outbox = tmp_path / "outbox"
    outbox.mkdir()
    (tmp_path / "secret.eml").write_bytes(b"Subject: secret\r\n\r\nhi\r\n")
    (outbox / "link.eml").symlink_to(tmp_path / "secret.eml")

    with pytest.raises(FileNotFoundError):
        read_message(outbox, "link.eml")


def test_reading_a_folder_named_like_a_message_is_refused(tmp_path: Path) -> None:
    (tmp_path / "folder.eml").mkdir()

    with pytest.raises(FileNotFoundError):
        read_message(tmp_path, "folder.eml")


def test_links_are_found_in_order_without_trailing_punctuation() -> None:
    message = EmailMessage()
    message.set_content(
        "First https://a.example/one, then (https://b.example/two?x=1&y=2).\n"
        "Not mail:to or ftp://c.example.\nhttp://d.example/three\n"
    )

    assert links_in(message) == [
        "https://a.example/one",
        "https://b.example/two?x=1&y=2",
        "http://d.example/three",
    ]
