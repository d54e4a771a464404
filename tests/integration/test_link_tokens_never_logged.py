"""No link token is ever written to a request log: every purpose's link requested over real
HTTP, through werkzeug's request log and through gunicorn's access log, each line read back.

Each link is requested as a browser would: the link itself, then (for werkzeug) Start, and
(for gunicorn) with the link in the Referer, as the page after Start is requested, and in the
query string. The raw tokens must appear nowhere in what either server wrote.
"""

from __future__ import annotations

import logging
import os
import re
import signal
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from datetime import timedelta
from http.cookiejar import CookieJar
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from flask import Flask
from sqlalchemy.orm import Session
from werkzeug.serving import make_server

from advice_hub.config import PROJECT_ROOT
from advice_hub.models import Agency, LinkPurpose, utcnow
from advice_hub.requests.links import LINK_PATHS, issue_link_token
from advice_hub.requests.seal import seal_submission
from tests.conftest import TEST_SECRET
from tests.factories import first_text_key, make_assessment
from tests.journey import csrf_of

GUNICORN = str(Path(sys.executable).with_name("gunicorn"))
# gunicorn's default format, then the path, the query, the Referer header and the raw URI.
ACCESS_FORMAT = (
    '%(h)s %(l)s %(u)s %(t)s "%(r)s" %(s)s %(b)s "%(f)s" "%(a)s"'
    " U=%(U)s q=%(q)s referer=%({referer}i)s raw=%({raw_uri}e)s"
)
LISTENING = re.compile(r"Listening at: http://127\.0\.0\.1:(\d+)")
COLOURS = re.compile(r"\x1b\[[0-9;]*m")  # werkzeug colours its lines but for a 200
TIMEOUT = 30.0


@pytest.fixture
def links(session: Session) -> dict[LinkPurpose, str]:
    """A live link token for every purpose: a contributor's and a reviewer's on an open
    request, an addendum request's on sealed advice."""
    assessment = make_assessment(session, agreed=True, agencies=(Agency.HEALTH, Agency.EDUCATION))
    open_request, sealed_request = assessment.advice_requests
    seal_submission(
        session,
        sealed_request,
        answers={first_text_key(sealed_request): "Needs a quiet space to work"},
        declaration={"name": "Dr Chris Jones", "role": "Community paediatrician"},
        now=utcnow(),
        actor="test",
    )
    raws = {
        purpose: issue_link_token(
            session,
            sealed_request if purpose == LinkPurpose.ADDENDUM else open_request,
            now=utcnow(),
            ttl=timedelta(days=10),
            purpose=purpose,
        )
        for purpose in LinkPurpose
    }
    session.commit()
    return raws


def fetch(
    opener: urllib.request.OpenerDirector,
    url: str,
    *,
    data: dict[str, str] | None = None,
    referer: str | None = None,
) -> tuple[int, str]:
    body = None if data is None else "&".join(f"{k}={quote(v)}" for k, v in data.items())
    request = urllib.request.Request(  # noqa: S310 -- http://127.0.0.1 only, built here
        url, data=body.encode() if body is not None else None
    )
    if referer is not None:
        request.add_header("Referer", referer)
    try:
        with opener.open(request, timeout=TIMEOUT) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as refused:
        return refused.code, refused.read().decode()


def assert_never_written(text: str, links: dict[LinkPurpose, str]) -> None:
    for purpose, raw in links.items():
        assert raw not in text, f"the {purpose} token was logged"
        assert raw[:16] not in text and raw[-16:] not in text, f"part of the {purpose} token"


# --- werkzeug -------------------------------------------------------------------------------


class Lines(logging.Handler):
    def __init__(self) -> None:
        super().__init__()
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(self.format(record))


@pytest.fixture
def werkzeug_lines() -> Iterator[list[str]]:
    """Every line werkzeug's request log writes, formatted as its handlers format it."""
    logger = logging.getLogger("werkzeug")
    handler, level = Lines(), logger.level
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    yield handler.lines
    logger.removeHandler(handler)
    logger.setLevel(level)


@pytest.fixture
def werkzeug_server(app: Flask) -> Iterator[str]:
    """The app served by werkzeug on a free loopback port, as `advice-hub serve` serves it."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(TIMEOUT)
    server.server_close()


def test_no_purpose_s_token_reaches_werkzeug_s_request_log(
    links: dict[LinkPurpose, str], werkzeug_server: str, werkzeug_lines: list[str]
) -> None:
    for purpose, raw in links.items():
        path = LINK_PATHS[purpose]
        opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(CookieJar()))
        status, page = fetch(opener, f"{werkzeug_server}{path}{raw}")
        assert status == 200, purpose
        # Start: the token is exchanged, and the browser sent on without it.
        fetch(opener, f"{werkzeug_server}{path}{raw}", data={"csrf_token": csrf_of(page)})
        plain = [COLOURS.sub("", line) for line in werkzeug_lines]
        assert any(f'"GET {path}[redacted] HTTP/1.1" 200' in line for line in plain)
        assert any(f'"POST {path}[redacted] HTTP/1.1" 303' in line for line in plain)
    assert len(werkzeug_lines) == 3 * len(links)  # each GET, POST and the redirect's GET
    assert_never_written("\n".join(werkzeug_lines), links)


# --- gunicorn -------------------------------------------------------------------------------


class Gunicorn:
    """`gunicorn advice_hub:create_app()` as the Procfile runs it, configured only through its
    environment, its access log on stdout and its error log on stderr, each kept in a file."""

    def __init__(self, env: dict[str, str], folder: Path) -> None:
        self.out, self.err = folder / "access.log", folder / "error.log"
        with self.out.open("wb") as out, self.err.open("wb") as err:
            self.process = subprocess.Popen(
                [
                    GUNICORN,
                    "--workers=1",
                    "--bind=127.0.0.1:0",
                    "--access-logfile=-",
                    f"--access-logformat={ACCESS_FORMAT}",
                    "advice_hub:create_app()",
                ],
                cwd=PROJECT_ROOT,
                env=env,
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=err,
                start_new_session=True,
            )

    def output(self) -> str:
        return self.out.read_text() + self.err.read_text()

    def wait_until_listening(self) -> str:
        deadline = time.monotonic() + TIMEOUT
        while not (found := LISTENING.search(self.err.read_text())):
            if self.process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"gunicorn did not start:\n{self.output()}")
            time.sleep(0.05)
        return f"http://127.0.0.1:{found.group(1)}"

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(TIMEOUT)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(TIMEOUT)


@pytest.fixture
def gunicorn(sqlite_url: str, tmp_path: Path, links: Any) -> Iterator[Gunicorn]:
    """Started once the links are committed, on the same (migrated) SQLite database."""
    instance = tmp_path / "gunicorn"
    instance.mkdir()
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "ADVICE_HUB_INSTANCE": str(instance),
        "DATABASE_URL": sqlite_url,
        "SECRET_KEY": TEST_SECRET,
        "BASE_URL": "http://localhost",
        "MAIL_BACKEND": "file",
    }
    server = Gunicorn(env, instance)
    try:
        yield server
    finally:
        server.stop()


def test_no_purpose_s_token_reaches_gunicorn_s_access_log(
    links: dict[LinkPurpose, str], gunicorn: Gunicorn
) -> None:
    base = gunicorn.wait_until_listening()
    opener = urllib.request.build_opener()
    for purpose, raw in links.items():
        path, url = LINK_PATHS[purpose], f"{base}{LINK_PATHS[purpose]}{raw}"
        status, _ = fetch(opener, f"{url}?from={quote(url, safe='')}", referer=url)
        assert status == 200, purpose
    gunicorn.stop()
    access = gunicorn.out.read_text().splitlines()
    assert len(access) == len(links), gunicorn.output()
    for purpose, line in zip(links, access, strict=True):
        path = LINK_PATHS[purpose]
        redacted_url = f"{base}{path}[redacted]"
        assert f'"GET {path}[redacted]?from=' in line
        assert 'HTTP/1.1" 200 ' in line
        assert f'"{redacted_url}"' in line  # %(f)s, the Referer
        assert f" U={path}[redacted] " in line
        assert f" referer={redacted_url} " in line
        assert f" raw={path}[redacted]?from=" in line
        assert line.count("[redacted]") == 8  # r and raw twice (path, query), U, q, f, referer
    assert "Logging error" not in gunicorn.output()
    assert_never_written(gunicorn.output(), links)
