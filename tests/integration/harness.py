"""Real processes for the integration tests: a loopback SMTP server and a dramatiq worker.

Nothing here is mocked: the worker is `dramatiq advice_hub.jobs.worker` in its own process group,
the SMTP server is aiosmtpd listening on a free loopback port, and the queue is Redis.
"""

from __future__ import annotations

import email
import email.policy
import os
import signal
import subprocess
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from email.message import EmailMessage
from pathlib import Path
from typing import IO

import redis
from aiosmtpd.smtp import SMTP, Envelope, Session

from advice_hub.config import PROJECT_ROOT
from advice_hub.jobs.actors import MAIL_QUEUE
from tests.notifications.conftest import LoopbackController

WORKER_COMMAND = (
    ".venv/bin/dramatiq",
    "advice_hub.jobs.worker",
    "--processes",
    "1",
    "--threads",
    "2",
)
READY_LINE = "Worker process is ready for action"
# Generous: the worker polls an idle queue at most once a second, and CI machines are slow.
DEFAULT_TIMEOUT = 30.0


@dataclass(frozen=True)
class ReceivedMail:
    """One message exactly as the SMTP server took it."""

    envelope_from: str
    recipients: tuple[str, ...]
    raw: bytes

    def message(self) -> EmailMessage:
        parsed = email.message_from_bytes(self.raw, policy=email.policy.default)
        assert isinstance(parsed, EmailMessage)
        return parsed

    @property
    def subject(self) -> str:
        return str(self.message()["Subject"])


class RecordingHandler:
    """An aiosmtpd handler that keeps every message; safe to read from the test's thread."""

    def __init__(self) -> None:
        self._changed = threading.Condition()
        self._received: list[ReceivedMail] = []

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        raw = envelope.original_content
        assert isinstance(raw, bytes)
        mail = ReceivedMail(
            envelope_from=str(envelope.mail_from),
            recipients=tuple(envelope.rcpt_tos),
            raw=raw,
        )
        with self._changed:
            self._received.append(mail)
            self._changed.notify_all()
        return "250 2.0.0 OK: queued"

    def received(self) -> list[ReceivedMail]:
        with self._changed:
            return list(self._received)

    def clear(self) -> None:
        with self._changed:
            self._received.clear()

    def wait_for(
        self,
        done: Callable[[list[ReceivedMail]], bool],
        *,
        what: str,
        timeout: float = DEFAULT_TIMEOUT,
    ) -> list[ReceivedMail]:
        """Block until `done(received so far)` holds, or fail after `timeout` seconds."""
        with self._changed:
            if not self._changed.wait_for(lambda: done(self._received), timeout=timeout):
                subjects = [m.subject for m in self._received]
                raise AssertionError(f"no {what} within {timeout:.0f} s; received: {subjects}")
            return list(self._received)


@dataclass
class SmtpServer:
    handler: RecordingHandler
    controller: LoopbackController

    @property
    def port(self) -> int:
        return int(self.controller.port)


@contextmanager
def running_smtp_server() -> Iterator[SmtpServer]:
    handler = RecordingHandler()
    # server_hostname avoids a reverse DNS lookup for the greeting.
    controller = LoopbackController(
        handler, hostname="127.0.0.1", port=0, server_hostname="localhost"
    )
    controller.start()
    try:
        yield SmtpServer(handler=handler, controller=controller)
    finally:
        controller.stop()


class MailQueue:
    """What the Redis broker holds for the mail queue (dramatiq's own key layout)."""

    def __init__(self, url: str) -> None:
        self.client = redis.Redis.from_url(url)
        prefix = f"dramatiq:{MAIL_QUEUE}"
        # A message stays in `.msgs` from enqueue until its worker acks it, i.e. until the
        # actor has returned; a retry waits in the delay queue's `.msgs`.
        self._held = (f"{prefix}.msgs", f"{prefix}.DQ.msgs")
        self._dead = f"{prefix}.XQ"

    def pending(self) -> int:
        """Messages enqueued but not yet processed to the end, including retries."""
        return sum(int(self.client.hlen(key)) for key in self._held)

    def dead_lettered(self) -> int:
        return int(self.client.zcard(self._dead))

    def wait_until_empty(self, timeout: float = DEFAULT_TIMEOUT) -> None:
        deadline = time.monotonic() + timeout
        while (pending := self.pending()) > 0:
            if time.monotonic() > deadline:
                raise AssertionError(f"{pending} mail messages still unprocessed after {timeout} s")
            time.sleep(0.05)

    def close(self) -> None:
        self.client.close()


class WorkerProcess:
    """`dramatiq advice_hub.jobs.worker` as a child process group, its output kept in a file."""

    def __init__(self, env: dict[str, str], log_path: Path) -> None:
        self.log_path = log_path
        self._log: IO[bytes] = log_path.open("wb")
        self.process = subprocess.Popen(
            WORKER_COMMAND,
            cwd=PROJECT_ROOT,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=self._log,
            stderr=subprocess.STDOUT,
            # Its own process group, so that the forked worker process can be paused and,
            # if shutdown hangs, killed along with the master, and never outlives the tests.
            start_new_session=True,
        )

    def output(self) -> str:
        return self.log_path.read_bytes().decode("utf-8", "replace")

    def wait_until_ready(self, timeout: float = DEFAULT_TIMEOUT) -> None:
        deadline = time.monotonic() + timeout
        while READY_LINE not in self.output():
            if self.process.poll() is not None:
                raise RuntimeError(
                    f"the worker exited with {self.process.returncode}:\n{self.output()}"
                )
            if time.monotonic() > deadline:
                raise RuntimeError(f"the worker was not ready after {timeout} s:\n{self.output()}")
            time.sleep(0.05)

    def assert_alive(self) -> None:
        if self.process.poll() is not None:
            raise AssertionError(
                f"the worker died with {self.process.returncode}:\n{self.output()}"
            )

    @contextmanager
    def paused(self) -> Iterator[None]:
        """Freeze the worker (a stand-in for one busy elsewhere): messages wait in Redis."""
        os.killpg(self.process.pid, signal.SIGSTOP)
        try:
            yield
        finally:
            os.killpg(self.process.pid, signal.SIGCONT)

    def stop(self, timeout: float = 15.0) -> None:
        """SIGTERM (dramatiq shuts down gracefully), then SIGKILL the group if it hangs."""
        try:
            if self.process.poll() is None:
                with suppress(ProcessLookupError):
                    os.killpg(self.process.pid, signal.SIGCONT)
                self.process.send_signal(signal.SIGTERM)
                try:
                    self.process.wait(timeout)
                except subprocess.TimeoutExpired:
                    # Until the master is reaped its id cannot be reused, so the group
                    # signalled here is still the one this object started.
                    with suppress(ProcessLookupError):
                        os.killpg(self.process.pid, signal.SIGKILL)
                    self.process.wait(timeout)
        finally:
            self._log.close()
