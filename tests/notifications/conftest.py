"""Fixtures for the notifications tests: complete email contexts and real SMTP servers."""

from __future__ import annotations

import asyncio
import shutil
import socket
import ssl
import subprocess
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, AuthResult, Envelope, LoginPassword, Session

LINK = (
    "https://advice.northshire.gov.uk/contribute/start/"
    "Zx8Qk3v9Lm2Pq7Rt5Ws1Yb4Nc6Hd0Jf-Ug8Ke3Ta5Vx7Zq9Lm2Pq7Rt5W_s1Yb4Nc6"
)
SENDER = "Northshire advice <noreply@northshire.gov.uk>"
RECIPIENT = "a.okafor@nhs.net"
SMTP_USER = "advice-hub"
SMTP_PASSWORD = "correct horse battery staple"


def make_context(kind: str, **overrides: Any) -> dict[str, Any]:
    """A complete context for ``kind`` with realistic values; keywords replace any of them."""
    request = {
        "council_name": "Northshire County Council",
        "officer_name": "Priya Shah",
        "officer_email": "priya.shah@northshire.gov.uk",
        "agency_label": "health advice",
        "reference": "AH-7K2P-9QXM",
        "due_on": date(2026, 6, 14),
        "link_url": LINK,
        "contributor_name": "Dr Adaeze Okafor",
        "child_display": "Sam T., born 3 May 2016",
        "organisation": "Northshire Community Paediatrics",
        "template_title": "Health advice for an EHC needs assessment",
    }
    contexts: dict[str, dict[str, Any]] = {
        "advice_request": request,
        "advice_reminder": {**request, "days_left": 5},
        "advice_receipt": {
            "council_name": "Northshire County Council",
            "contributor_name": "Dr Adaeze Okafor",
            "agency_label": "health advice",
            "reference": "AH-7K2P-9QXM",
            "sealed_at": datetime(2026, 6, 2, 13, 5, 9, tzinfo=UTC),
            "content_sha256": "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
            "seal_sha256": "60303ae22b998861bce3b28f33eec1be758a213c86c93c076dbe9f558c11c752",
            "officer_name": "Priya Shah",
            "officer_email": "priya.shah@northshire.gov.uk",
            "addendum_until": datetime(2026, 6, 30, 13, 5, 9, tzinfo=UTC),
            "assessment_closed": False,
        },
    }
    return {**contexts[kind], **overrides}


@pytest.fixture
def context_for() -> Callable[..., dict[str, Any]]:
    """``make_context`` as a fixture, for tests that prefer injection to imports."""
    return make_context


@dataclass
class Received:
    """One message as the SMTP server saw it."""

    mail_from: str
    rcpt_tos: list[str]
    content: bytes
    authenticated: bool


@dataclass
class RecordingHandler:
    """An aiosmtpd handler that records deliveries and can refuse on demand."""

    received: list[Received] = field(default_factory=list)
    rcpt_reply: str | None = None  # e.g. "550 5.1.1 No such user" to refuse every recipient
    refuse: dict[str, str] = field(default_factory=dict)  # per-address refusals
    data_reply: str = "250 2.0.0 OK: queued as 4F2A9C1B"

    async def handle_RCPT(
        self,
        server: SMTP,
        session: Session,
        envelope: Envelope,
        address: str,
        rcpt_options: list[str],
    ) -> str:
        reply = self.refuse.get(address) or self.rcpt_reply
        if reply:
            return reply
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        if self.data_reply.startswith("2"):
            assert isinstance(envelope.content, bytes)
            self.received.append(
                Received(
                    mail_from=str(envelope.mail_from),
                    rcpt_tos=list(envelope.rcpt_tos),
                    content=envelope.content,
                    authenticated=bool(session.authenticated),
                )
            )
        return self.data_reply


class LoopbackController(Controller):
    """aiosmtpd's Controller listening on a free loopback port.

    aiosmtpd 1.4.6 checks the server is up by connecting to ``self.port``; with ``port=0``
    that is port 0 and ``start()`` fails with ConnectionRefusedError. Reading the port the
    socket was actually bound to just before that check makes ``port=0`` work.
    """

    def _trigger_server(self) -> None:
        assert isinstance(self.server, asyncio.Server)
        self.port = self.server.sockets[0].getsockname()[1]
        super()._trigger_server()


@dataclass
class LoopbackSMTP:
    """A running loopback SMTP server and the handler that records what it receives."""

    handler: RecordingHandler
    port: int
    host: str = "127.0.0.1"


def _authenticate(
    server: SMTP, session: Session, envelope: Envelope, mechanism: str, auth_data: Any
) -> AuthResult:
    ok = (
        isinstance(auth_data, LoginPassword)
        and auth_data.login == SMTP_USER.encode()
        and auth_data.password == SMTP_PASSWORD.encode()
    )
    return AuthResult(success=ok, handled=False)


@pytest.fixture
def start_smtp() -> Iterator[Callable[..., LoopbackSMTP]]:
    """Start loopback SMTP servers with the given aiosmtpd options; all stop at teardown."""
    controllers: list[Controller] = []

    def start(**options: Any) -> LoopbackSMTP:
        handler = RecordingHandler()
        controller = LoopbackController(
            handler, hostname="127.0.0.1", port=0, server_hostname="localhost", **options
        )
        controller.start()
        controllers.append(controller)
        return LoopbackSMTP(handler=handler, port=controller.port)

    yield start
    for controller in controllers:
        controller.stop()


@pytest.fixture
def smtp_server(start_smtp: Callable[..., LoopbackSMTP]) -> LoopbackSMTP:
    """A plain loopback SMTP server without TLS or AUTH."""
    return start_smtp()


@dataclass(frozen=True)
class Certificate:
    """A throwaway self-signed certificate for 127.0.0.1 and localhost."""

    cert: Path
    key: Path

    def server_context(self) -> ssl.SSLContext:
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(self.cert, self.key)
        return context

    def client_context(self) -> ssl.SSLContext:
        return ssl.create_default_context(cafile=str(self.cert))


@pytest.fixture(scope="session")
def certificate(tmp_path_factory: pytest.TempPathFactory) -> Certificate:
    """Generated with the openssl command line tool once per test session."""
    openssl = shutil.which("openssl")
    if openssl is None:
        pytest.skip("the openssl command is needed to make a test certificate")
    folder = tmp_path_factory.mktemp("tls")
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(
        [
            openssl,
            "req",
            "-x509",
            "-newkey",
            "ec",
            "-pkeyopt",
            "ec_paramgen_curve:prime256v1",
            "-nodes",
            "-days",
            "2",
            "-subj",
            "/CN=localhost",
            "-addext",
            "subjectAltName=DNS:localhost,IP:127.0.0.1",
            "-keyout",
            str(key),
            "-out",
            str(cert),
        ],
        check=True,
        capture_output=True,
    )
    return Certificate(cert=cert, key=key)


@pytest.fixture
def starttls_server(
    start_smtp: Callable[..., LoopbackSMTP], certificate: Certificate
) -> LoopbackSMTP:
    """A loopback server that demands STARTTLS and then AUTH, like a real submission port."""
    return start_smtp(
        tls_context=certificate.server_context(),
        require_starttls=True,
        authenticator=_authenticate,
        auth_required=True,
    )


@pytest.fixture
def closed_port() -> Iterator[int]:
    """A loopback port where nothing listens: bound but not listening, so it stays free."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        yield sock.getsockname()[1]


@pytest.fixture
def silent_port() -> Iterator[int]:
    """A port whose listener completes the TCP handshake but never says a word."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen(1)
        yield sock.getsockname()[1]


@pytest.fixture
def hang_up_port() -> Iterator[int]:
    """A port whose listener accepts one connection and closes it at once."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen(1)
        sock.settimeout(10)

        def hang_up() -> None:
            try:
                connection, _ = sock.accept()
            except OSError:
                return
            connection.close()

        thread = threading.Thread(target=hang_up, daemon=True)
        thread.start()
        yield sock.getsockname()[1]
        thread.join(timeout=10)
