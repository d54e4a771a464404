"""Hand composed emails to something that delivers them: a folder of .eml files or SMTP.

A backend either returns an ``Acceptance`` (the message is someone else's responsibility now)
or raises ``MailDeliveryError`` saying whether trying again later could help. Backends never
log message bodies: they hold advice requests and links that grant access.
"""

from __future__ import annotations

import email.policy
import hashlib
import logging
import os
import smtplib
import ssl
import tempfile
import threading
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from email.utils import parsedate_to_datetime
from pathlib import Path
from typing import Any, Final, Literal, Protocol, get_args

logger = logging.getLogger(__name__)

Security = Literal["none", "starttls", "ssl"]
SECURITY_MODES: Final[tuple[str, ...]] = get_args(Security)
BACKENDS: Final = ("file", "smtp", "graph", "notify")


@dataclass(frozen=True)
class Acceptance:
    """Proof that a backend took responsibility for a message."""

    accepted_at: datetime
    backend: str
    detail: str
    # The provider's own id for the message, where it gives one (GOV.UK Notify's notification
    # id), which its delivery receipts name.
    provider_id: str | None = None


class MailDeliveryError(Exception):
    """A message was not accepted. ``transient`` says whether a later retry may succeed;
    ``retry_after`` is how many seconds the provider asked us to wait first (its
    ``Retry-After``), and ``maybe_sent`` says the provider may have taken the message even so
    (it stopped answering after the message went), so it must not be sent again unseen."""

    def __init__(
        self,
        message: str,
        *,
        transient: bool,
        smtp_code: int | None = None,
        retry_after: float | None = None,
        maybe_sent: bool = False,
    ) -> None:
        super().__init__(message)
        self.transient = transient
        self.smtp_code = smtp_code
        self.retry_after = retry_after
        self.maybe_sent = maybe_sent


class MailBackend(Protocol):
    """Anything that can take responsibility for delivering an email.

    ``resend_is_safe`` says whether handing the same message over twice is harmless. It is for
    a file or an SMTP relay: the copy carries the same Message-ID, which mail clients treat as
    the same message. A web API that builds its own message (Microsoft Graph, GOV.UK Notify)
    would deliver a second email, so a send whose outcome was never recorded is not repeated.
    """

    name: str
    resend_is_safe: bool

    def send(self, message: EmailMessage) -> Acceptance:
        """Deliver ``message`` or raise ``MailDeliveryError``."""
        ...


def retry_after_seconds(value: str | None) -> float | None:
    """Seconds from an HTTP ``Retry-After`` header (a number of seconds or an HTTP date), or
    None when there is none or it cannot be read."""
    if not value or not value.strip():
        return None
    value = value.strip()
    if value.isascii() and value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - datetime.now(UTC)).total_seconds())


class FileBackend:
    """Writes each message as an RFC 5322 ``.eml`` file, for development and tests."""

    name = "file"
    resend_is_safe = True

    def __init__(self, directory: Path) -> None:
        self.directory = Path(directory)
        self._lock = threading.Lock()
        self._last: datetime | None = None

    def send(self, message: EmailMessage) -> Acceptance:
        """Write ``message`` atomically; the file name sorts by acceptance time."""
        data = message.as_bytes(policy=email.policy.SMTP)
        digest = hashlib.sha256(str(message["Message-ID"] or "").encode()).hexdigest()[:12]
        accepted_at = self._next_timestamp()
        name = f"{accepted_at:%Y%m%dT%H%M%S.%f}-{digest}.eml"
        try:
            self.directory.mkdir(parents=True, exist_ok=True)
            _write_atomically(self.directory, name, data)
        except OSError as error:
            raise MailDeliveryError(f"could not write {name}: {error}", transient=True) from error
        logger.info("Mail written: backend=file message_id=%s file=%s", message["Message-ID"], name)
        return Acceptance(accepted_at=accepted_at, backend=self.name, detail=name)

    def _next_timestamp(self) -> datetime:
        # File names must sort in sending order even when two sends share a clock tick or the
        # clock steps back, so each timestamp is at least a microsecond after the last.
        with self._lock:
            now = datetime.now(UTC)
            if self._last is not None and now <= self._last:
                now = self._last + timedelta(microseconds=1)
            self._last = now
            return now


def _write_atomically(directory: Path, name: str, data: bytes) -> None:
    # Readers (the development mailbox page, tests) must never see half a message: write a
    # hidden temp file in the same folder, flush it to disk, then rename it into place.
    fd, temp = tempfile.mkstemp(dir=directory, prefix=".", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temp, directory / name)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise
    if hasattr(os, "O_DIRECTORY"):
        dir_fd = os.open(directory, os.O_RDONLY | os.O_DIRECTORY)
        try:
            os.fsync(dir_fd)
        finally:
            os.close(dir_fd)


class _RecordingSMTP(smtplib.SMTP):
    """smtplib.SMTP that keeps the server's reply to DATA, which usually carries a queue id."""

    data_reply: tuple[int, bytes] | None = None

    def data(self, msg: Any) -> tuple[int, bytes]:
        reply = super().data(msg)
        self.data_reply = reply
        return reply


class _RecordingSMTPSSL(_RecordingSMTP, smtplib.SMTP_SSL):
    """The implicit-TLS variant of ``_RecordingSMTP``."""


class SMTPBackend:
    """Delivers through an SMTP relay, opening one connection per message.

    A connection per message costs a handshake but leaves nothing to go stale between the
    sporadic sends of a worker, and a failure affects only the message being sent.
    ``ssl_context`` defaults to the system's trusted certificates with hostname checks.
    """

    name = "smtp"
    resend_is_safe = True

    def __init__(
        self,
        host: str,
        port: int,
        *,
        username: str | None = None,
        password: str | None = None,
        security: Security = "starttls",
        timeout: float = 30.0,
        local_hostname: str | None = None,
        ssl_context: ssl.SSLContext | None = None,
    ) -> None:
        if security not in SECURITY_MODES:
            raise ValueError(
                f"security must be one of {', '.join(SECURITY_MODES)}; got {security!r}"
            )
        if username and security == "none":
            # Refuse rather than send a password in the clear.
            raise ValueError("SMTP credentials need security 'starttls' or 'ssl'")
        if bool(username) != bool(password):
            raise ValueError("SMTP username and password must be given together")
        self.host = host
        self.port = port
        self.username = username
        self._password = password
        self.security = security
        self.timeout = timeout
        self.local_hostname = local_hostname
        self._ssl_context = ssl_context

    def __repr__(self) -> str:
        return f"SMTPBackend({self.host!r}, {self.port!r}, security={self.security!r})"

    def send(self, message: EmailMessage) -> Acceptance:
        """Send ``message``; envelope sender and recipients come from its headers."""
        message_id = message["Message-ID"]
        try:
            client = self._connect()
        except (smtplib.SMTPException, OSError) as error:
            raise _delivery_error(error, "connect") from error
        try:
            if self.security == "starttls":
                # smtplib raises SMTPNotSupportedError when STARTTLS is not offered, so this
                # never falls back to sending in the clear.
                client.starttls(context=self._context())
            if self.username and self._password:
                client.login(self.username, self._password)
            refused = client.send_message(message)
        except (smtplib.SMTPException, OSError) as error:
            # No QUIT after a failure: a server that stopped answering would make the
            # caller wait a second full timeout.
            client.close()
            raise _delivery_error(error, "send") from error
        except BaseException:
            client.close()
            raise
        _close_quietly(client)
        accepted_at = datetime.now(UTC)
        code, text = client.data_reply or (250, b"")
        detail = f"{code} {text.decode('utf-8', 'replace')}".strip()
        if refused:
            # Some recipients took it: retrying would send them a second copy, so report
            # the refusals alongside the acceptance instead of failing.
            detail += "; refused: " + ", ".join(
                f"{address} {c} {t.decode('utf-8', 'replace')}"
                for address, (c, t) in sorted(refused.items())
            )
        logger.info("Mail accepted: backend=smtp message_id=%s reply=%s", message_id, detail)
        return Acceptance(accepted_at=accepted_at, backend=self.name, detail=detail)

    def _context(self) -> ssl.SSLContext:
        return self._ssl_context or ssl.create_default_context()

    def _connect(self) -> _RecordingSMTP:
        if self.security == "ssl":
            return _RecordingSMTPSSL(
                self.host,
                self.port,
                local_hostname=self.local_hostname,
                timeout=self.timeout,
                context=self._context(),
            )
        return _RecordingSMTP(
            self.host, self.port, local_hostname=self.local_hostname, timeout=self.timeout
        )


def _close_quietly(client: smtplib.SMTP) -> None:
    # Once DATA is accepted the message is the relay's; a failed QUIT must not turn that into
    # an error, or the caller would retry and the recipient would get it twice.
    try:
        client.quit()
    except (smtplib.SMTPException, OSError):
        client.close()


def _delivery_error(error: BaseException, stage: str) -> MailDeliveryError:
    """Classify an smtplib or socket failure as transient (retry later) or permanent."""
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        codes = [code for code, _ in error.recipients.values()]
        permanent = bool(codes) and all(code >= 500 for code in codes)
        summary = ", ".join(
            f"{address} {code} {text.decode('utf-8', 'replace')}"
            for address, (code, text) in sorted(error.recipients.items())
        )
        return MailDeliveryError(
            f"recipients refused: {summary}",
            transient=not permanent,
            smtp_code=max(codes) if codes else None,
        )
    if isinstance(error, smtplib.SMTPResponseException):
        text = error.smtp_error
        reply = text.decode("utf-8", "replace") if isinstance(text, bytes) else str(text)
        return MailDeliveryError(
            f"SMTP {stage} failed: {error.smtp_code} {reply}",
            transient=error.smtp_code < 500,
            smtp_code=error.smtp_code,
        )
    if isinstance(error, smtplib.SMTPServerDisconnected):
        return MailDeliveryError(f"SMTP server disconnected during {stage}", transient=True)
    if isinstance(error, ssl.SSLCertVerificationError):
        # An untrusted or mismatched certificate needs a person to look at it; retrying
        # would only repeat the refusal (or, worse, succeed against an impostor later).
        return MailDeliveryError(f"TLS certificate rejected: {error}", transient=False)
    if isinstance(error, smtplib.SMTPException):
        # Checked before OSError, its base class: STARTTLS or AUTH not offered, or no usable
        # AUTH mechanism, is configuration that retrying will not fix.
        return MailDeliveryError(f"SMTP {stage} failed: {error}", transient=False)
    # Refused connections, timeouts, resets and TLS handshake failures.
    return MailDeliveryError(f"SMTP {stage} failed: {error!r}", transient=True)
