"""Delivery through Microsoft Graph: the real msal and requests code against a stand-in for the
sign-in service and Graph, served over https on loopback (pytest-httpserver) with a throwaway
certificate that REQUESTS_CA_BUNDLE trusts. Never Microsoft's servers."""

from __future__ import annotations

import base64
import email.policy
import logging
import socket
import ssl
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from email.parser import BytesParser
from email.utils import format_datetime
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

import pytest

from notifications import GraphBackend, MailDeliveryError, compose, links_in
from tests.graph_stand_in import (
    CLIENT_ID,
    CLIENT_SECRET,
    MAILBOX,
    SEND_PATH,
    TENANT_ID,
    TOKEN_PATH,
    StandIn,
    serving_graph,
)
from tests.notifications.conftest import LINK, make_context
from tests.tls import localhost_certificate

MESSAGE_ID = "<request-1@advice.northshire.gov.uk>"
PDF = b"%PDF-1.7\n% a receipt\n" + bytes(range(256))
# Short enough to keep the file fast, long enough for a TLS handshake on a busy machine.
SHORT_TIMEOUT = 0.5


@pytest.fixture(scope="module")
def tls(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    return localhost_certificate(tmp_path_factory.mktemp("graph-tls"))


@pytest.fixture
def graph(tls: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch) -> Iterator[StandIn]:
    cert, _ = tls
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(cert))
    with serving_graph(*tls) as stand_in:
        yield stand_in


def request_email(*, attachment: bool = True) -> EmailMessage:
    return compose(
        "advice_request",
        to="a.okafor@nhs.net",
        sender=f"Northshire advice <{MAILBOX}>",
        context=make_context("advice_request"),
        message_id=MESSAGE_ID,
        reply_to="priya.shah@northshire.gov.uk",
        attachments=[("advice-request.pdf", "application/pdf", PDF)] if attachment else (),
    )


def test_graph_takes_the_message_as_the_same_mime_with_a_bearer_token(graph: StandIn) -> None:
    graph.answer_send(202)
    message = request_email()

    acceptance = graph.backend().send(message)

    [sent] = graph.requests_to(SEND_PATH)
    assert sent.headers["Authorization"] == "Bearer graph-token-1"
    assert sent.headers["Content-Type"] == "text/plain"
    assert "%40" in sent.environ["REQUEST_URI"]  # the mailbox, percent-encoded
    raw = base64.b64decode(sent.get_data(), validate=True)
    assert raw == message.as_bytes(policy=email.policy.SMTP)
    delivered = BytesParser(policy=email.policy.default).parsebytes(raw)
    assert isinstance(delivered, EmailMessage)
    assert delivered["Subject"] == message["Subject"]
    assert delivered["Message-ID"] == MESSAGE_ID
    assert delivered["Reply-To"] == "priya.shah@northshire.gov.uk"
    assert links_in(delivered) == [LINK]
    html = delivered.get_body(preferencelist=("html",))
    assert html is not None and LINK in html.get_content()
    [attached] = list(delivered.iter_attachments())
    assert attached.get_filename() == "advice-request.pdf"
    assert attached.get_content() == PDF
    client_request_id = sent.headers["client-request-id"]
    assert uuid.UUID(client_request_id).version == 4
    assert acceptance.backend == "graph"
    assert acceptance.accepted_at.tzinfo is not None
    assert acceptance.detail == (
        f"202 request-id=9b2f6d4e-graph-request client-request-id={client_request_id}"
    )


def test_the_token_is_asked_for_once_for_two_sends_as_the_app_itself(graph: StandIn) -> None:
    graph.answer_send(202)
    backend = graph.backend()

    backend.send(request_email())
    backend.send(request_email())

    [token_request] = graph.requests_to(TOKEN_PATH)
    form = parse_qs(token_request.get_data(as_text=True))
    assert form["grant_type"] == ["client_credentials"]
    assert form["scope"] == [graph.server.url_for("/.default")]
    sent = graph.requests_to(SEND_PATH)
    assert [r.headers["Authorization"] for r in sent] == ["Bearer graph-token-1"] * 2
    assert sent[0].headers["client-request-id"] != sent[1].headers["client-request-id"]


@pytest.mark.parametrize(
    ("status", "code", "hint"),
    [
        (400, "ErrorMimeContentInvalid", "ErrorMimeContentInvalid"),
        (403, "ErrorAccessDenied", "Mail.Send"),
        (404, "ErrorInvalidUser", "mailbox address"),
        (413, "RequestEntityTooLarge", "larger than Graph accepts"),
    ],
)
def test_a_refused_message_is_a_permanent_failure_naming_graphs_error(
    graph: StandIn, status: int, code: str, hint: str
) -> None:
    graph.answer_send(status, {"error": {"code": code, "message": "Graph says no. " * 40}})
    message = request_email()

    with pytest.raises(MailDeliveryError) as failure:
        graph.backend().send(message)

    assert failure.value.transient is False
    assert failure.value.maybe_sent is False
    text = str(failure.value)
    assert f"{status} {code}: Graph says no." in text
    assert hint in text
    assert "request-id=9b2f6d4e-graph-request" in text
    assert len(text) < 800
    assert LINK not in text
    assert str(message["Subject"]) not in text


def test_a_refused_token_is_transient_and_the_next_attempt_fetches_a_new_one(
    graph: StandIn,
) -> None:
    graph.answer_next_send(401, {"error": {"code": "InvalidAuthenticationToken", "message": "x"}})
    graph.answer_send(202)
    backend = graph.backend()

    with pytest.raises(MailDeliveryError) as failure:
        backend.send(request_email())
    backend.send(request_email())

    assert failure.value.transient is True
    assert failure.value.maybe_sent is False
    assert graph.tokens == ["graph-token-1", "graph-token-2"]
    sent = graph.requests_to(SEND_PATH)
    assert [r.headers["Authorization"] for r in sent] == [
        "Bearer graph-token-1",
        "Bearer graph-token-2",
    ]


@pytest.mark.parametrize(
    ("status", "retry_after", "waited"),
    [(429, "17", 17.0), (503, "5", 5.0), (429, None, 60.0)],
)
def test_throttling_is_transient_and_says_how_long_to_wait(
    graph: StandIn, status: int, retry_after: str | None, waited: float
) -> None:
    headers = {"Retry-After": retry_after} if retry_after else {}
    graph.answer_send(
        status, {"error": {"code": "ApplicationThrottled", "message": "slow"}}, **headers
    )

    with pytest.raises(MailDeliveryError) as failure:
        graph.backend().send(request_email())

    assert failure.value.transient is True
    assert failure.value.retry_after == waited


def test_a_retry_after_given_as_a_date_is_turned_into_seconds(graph: StandIn) -> None:
    later = datetime.now(UTC) + timedelta(seconds=120)
    graph.answer_send(429, None, **{"Retry-After": format_datetime(later, usegmt=True)})

    with pytest.raises(MailDeliveryError) as failure:
        graph.backend().send(request_email())

    assert failure.value.transient is True
    assert failure.value.retry_after is not None
    assert 100 < failure.value.retry_after <= 120


@pytest.mark.parametrize("status", [500, 502, 503, 504])
def test_a_server_error_is_transient(graph: StandIn, status: int) -> None:
    graph.answer_send(status, {"error": {"code": "UnknownError", "message": ""}})

    with pytest.raises(MailDeliveryError) as failure:
        graph.backend().send(request_email())

    assert failure.value.transient is True
    assert failure.value.retry_after is None
    assert failure.value.maybe_sent is False


def test_no_answer_after_the_message_went_may_have_sent_it(graph: StandIn) -> None:
    graph.slow.add(SEND_PATH)
    graph.answer_send(202)

    with pytest.raises(MailDeliveryError) as failure:
        graph.backend(timeout=SHORT_TIMEOUT).send(request_email())

    assert failure.value.maybe_sent is True
    assert failure.value.transient is False
    assert "Sent Items" in str(failure.value)


def test_a_connection_closed_after_the_message_went_may_have_sent_it(
    graph: StandIn, tls: tuple[Path, Path]
) -> None:
    with tls_listener(*tls) as graph_url, pytest.raises(MailDeliveryError) as failure:
        graph.backend(graph_url=graph_url).send(request_email())

    assert failure.value.maybe_sent is True
    assert failure.value.transient is False


def test_an_untrusted_certificate_at_graph_is_a_permanent_failure_that_sent_nothing(
    graph: StandIn, untrusted_tls: tuple[Path, Path]
) -> None:
    with tls_listener(*untrusted_tls) as graph_url, pytest.raises(MailDeliveryError) as failure:
        graph.backend(graph_url=graph_url).send(request_email())

    assert failure.value.transient is False
    assert failure.value.maybe_sent is False
    assert "certificate" in str(failure.value)


def test_an_untrusted_certificate_at_the_sign_in_service_is_a_permanent_failure(
    graph: StandIn, untrusted_tls: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(untrusted_tls[0]))

    with pytest.raises(MailDeliveryError) as failure:
        graph.backend().send(request_email())

    assert failure.value.transient is False
    assert graph.server.log == []


def test_a_refused_connection_sent_nothing_and_is_transient(
    graph: StandIn, closed_port: int
) -> None:
    backend = graph.backend(graph_url=f"https://localhost:{closed_port}/v1.0")

    with pytest.raises(MailDeliveryError) as failure:
        backend.send(request_email())

    assert failure.value.transient is True
    assert failure.value.maybe_sent is False


def test_an_unreachable_sign_in_service_is_transient(graph: StandIn, closed_port: int) -> None:
    backend = graph.backend(authority=f"https://localhost:{closed_port}/{TENANT_ID}/v2.0")

    with pytest.raises(MailDeliveryError) as failure:
        backend.send(request_email())

    assert failure.value.transient is True
    assert graph.server.log == []


def test_a_token_endpoint_that_does_not_answer_in_time_is_transient(graph: StandIn) -> None:
    graph.slow.add(TOKEN_PATH)
    graph.answer_send(202)

    with pytest.raises(MailDeliveryError) as failure:
        graph.backend(timeout=SHORT_TIMEOUT).send(request_email())

    assert failure.value.transient is True
    assert failure.value.maybe_sent is False


def test_a_wrong_client_secret_is_permanent_and_never_shown(graph: StandIn) -> None:
    graph.answer_send(202)
    # A provider that echoes what it was sent: the secret must not reach the error anyway.
    graph.token_reply = (
        401,
        {
            "error": "invalid_client",
            "error_description": f"AADSTS7000215: Invalid client secret provided: {CLIENT_SECRET}",
        },
    )

    with pytest.raises(MailDeliveryError) as failure:
        graph.backend().send(request_email())

    assert failure.value.transient is False
    text = str(failure.value)
    assert "invalid_client" in text
    assert "client secret" in text
    assert CLIENT_SECRET not in text
    assert graph.requests_to(SEND_PATH) == []


def test_a_token_endpoint_in_trouble_is_transient(graph: StandIn) -> None:
    graph.token_reply = (503, {"error": "temporarily_unavailable"})

    with pytest.raises(MailDeliveryError) as failure:
        graph.backend().send(request_email())

    assert failure.value.transient is True


def test_sending_logs_the_message_id_but_no_body_link_or_token(
    graph: StandIn, caplog: pytest.LogCaptureFixture
) -> None:
    graph.answer_send(202)
    caplog.set_level(logging.DEBUG, logger="notifications")

    graph.backend().send(request_email())

    ours = "\n".join(r.getMessage() for r in caplog.records if r.name.startswith("notifications"))
    assert MESSAGE_ID in ours
    assert LINK not in ours
    assert "Sam T." not in ours
    assert "graph-token-1" not in ours
    assert CLIENT_SECRET not in ours


def test_graph_mail_is_never_resent_blindly() -> None:
    assert GraphBackend.resend_is_safe is False
    assert GraphBackend.name == "graph"


@pytest.mark.parametrize(
    ("option", "value", "named"),
    [
        ("client_secret", "", "client_secret"),
        ("client_id", " ", "client_id"),
        ("mailbox", "", "mailbox"),
        ("mailbox", "advice @northshire.gov.uk", "mailbox"),
        ("tenant_id", "../common", "tenant_id"),
        ("authority", "http://login.example.org/tenant", "authority"),
        ("authority", "https://login.example.org", "authority"),
        ("graph_url", "http://graph.microsoft.com/v1.0", "graph_url"),
        ("timeout", 0, "timeout"),
    ],
)
def test_settings_that_cannot_work_are_refused_by_name(option: str, value: Any, named: str) -> None:
    settings: dict[str, Any] = {
        "tenant_id": TENANT_ID,
        "client_id": CLIENT_ID,
        "client_secret": CLIENT_SECRET,
        "mailbox": MAILBOX,
        option: value,
    }

    with pytest.raises(ValueError, match=named):
        GraphBackend(**settings)


def test_the_backend_description_does_not_show_the_secret() -> None:
    backend = GraphBackend(
        tenant_id=TENANT_ID, client_id=CLIENT_ID, client_secret=CLIENT_SECRET, mailbox=MAILBOX
    )

    assert CLIENT_SECRET not in repr(backend)
    assert MAILBOX in repr(backend)


@pytest.fixture(scope="module")
def untrusted_tls(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """Another throwaway certificate for localhost, which nothing trusts."""
    return localhost_certificate(tmp_path_factory.mktemp("untrusted-tls"))


@contextmanager
def tls_listener(cert: Path, key: Path) -> Iterator[str]:
    """A Graph URL whose https server reads one whole request and closes without a word."""
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)
    listener = socket.create_server(("127.0.0.1", 0))
    listener.settimeout(5)

    def serve() -> None:
        try:
            raw, _ = listener.accept()
            with context.wrap_socket(raw, server_side=True) as connection:
                connection.settimeout(5)
                _read_request(connection)
        except OSError:  # includes the handshake a client refused
            return

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        yield f"https://localhost:{listener.getsockname()[1]}/v1.0"
    finally:
        listener.close()
        thread.join(timeout=5)


def _read_request(connection: ssl.SSLSocket) -> None:
    received = b""
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        head, _, body = received.partition(b"\r\n\r\n")
        length = next(
            (
                int(line.split(b":", 1)[1])
                for line in head.split(b"\r\n")
                if line.lower().startswith(b"content-length:")
            ),
            None,
        )
        if length is not None and len(body) >= length:
            return
        chunk = connection.recv(65536)
        if not chunk:
            return
        received += chunk
