"""Browser fixtures: Debian's Chromium through Playwright, driving a live server with its worker.

The live server is the whole service in one process, as `advice-hub serve` runs it: werkzeug's
threaded server, an in-process dramatiq worker on the app's StubBroker and mail written to files.
BASE_URL is the server's real address, so the links in the emails work in the browser.

Every page a test visits is scanned with axe-core (`axe_check`); a test that loads a page and
never scans it fails, as does any script error or Content-Security-Policy violation. When a test
fails, a screenshot of each page it scanned, and of each tab as it was left, is written to
tests/browser/artifacts/.
"""

from __future__ import annotations

import contextlib
import re
import threading
import time
from collections.abc import Callable, Generator, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from flask import Flask
from playwright.sync_api import (
    Browser,
    BrowserContext,
    ConsoleMessage,
    Page,
    Playwright,
    Response,
    sync_playwright,
)
from playwright.sync_api import Error as PlaywrightError
from werkzeug.serving import BaseWSGIServer, make_server

from advice_hub.config import PROJECT_ROOT
from advice_hub.models import Agency
from notifications.mailbox import StoredMessage, links_in, list_messages, read_message
from tests.conftest import JobRunner, base_config, service_missing, services
from tests.factories import make_assessment

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
AXE_JS = PROJECT_ROOT / "node_modules" / "axe-core" / "axe.min.js"
# axe is given to each browser context as an init script: Chromium evaluates it in every
# document before the page's own scripts, outside the page's Content-Security-Policy, so the
# policy stays enforced exactly as in production (`add_script_tag` would inject an inline
# script, which the policy refuses). It also spares a 650 kB transfer for every scan.
AXE_RUN = """tags => axe.run(document, {
        runOnly: {type: 'tag', values: tags}, resultTypes: ['violations']
    }).then(r => ({passes: r.passes.length, violations: r.violations}))"""
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
ARTIFACTS = Path(__file__).resolve().parent / "artifacts"
DEFAULT_TIMEOUT_MS = 10_000

_REPORTS = pytest.StashKey[dict[str, pytest.TestReport]]()


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    """Keep each phase's report on the item, so fixtures can tell whether the test failed."""
    report = yield
    item.stash.setdefault(_REPORTS, {})[report.when] = report
    return report


def _failed(request: pytest.FixtureRequest) -> bool:
    reports = request.node.stash.get(_REPORTS, {})
    return any(report.failed for report in reports.values())


# --- Chromium ----------------------------------------------------------------------------


@pytest.fixture(scope="session")
def playwright() -> Iterator[Playwright]:
    if not CHROMIUM.exists():
        service_missing(f"Debian's Chromium is not installed at {CHROMIUM} (make test installs it)")
    if not AXE_JS.exists():
        service_missing(f"axe-core is missing at {AXE_JS} (run `npm ci`)")
    driver = sync_playwright().start()
    yield driver
    driver.stop()


@pytest.fixture(scope="session")
def browser(playwright: Playwright) -> Iterator[Browser]:
    chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
    yield chromium
    chromium.close()


# --- The live server ---------------------------------------------------------------------


class LateBoundApp:
    """A WSGI app to hand the server before the real app exists.

    The server must be bound first to learn its port; the app is built after, with that port
    in BASE_URL, and then put in place.
    """

    def __init__(self) -> None:
        self.target: Flask | None = None

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        if self.target is None:
            start_response("503 Service Unavailable", [("Content-Type", "text/plain")])
            return [b"the app is not ready yet"]
        return self.target(environ, start_response)


@dataclass
class LiveServer:
    url: str
    app: Flask
    mail_folder: Path


@pytest.fixture
def http_server() -> Iterator[BaseWSGIServer]:
    """Bound and listening, not yet serving: the port is known before the app is built."""
    server = make_server("127.0.0.1", 0, LateBoundApp(), threaded=True)
    yield server
    server.server_close()


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "live_settings(**settings): settings for this test's live server, e.g. "
        "CONTRIBUTOR_ACCESS_SECONDS=8",
    )


@pytest.fixture
def app_config(
    tmp_path: Path,
    sqlite_url: str,
    http_server: BaseWSGIServer,
    request: pytest.FixtureRequest,
) -> dict[str, Any]:
    """Overrides the shared fixture: the app links to the live server's real address, with
    any settings the test's `live_settings` marker gives."""
    config = base_config(tmp_path, sqlite_url)
    config["BASE_URL"] = f"http://127.0.0.1:{http_server.server_port}"
    if (marker := request.node.get_closest_marker("live_settings")) is not None:
        config.update(marker.kwargs)
    return config


@pytest.fixture
def live_server(app: Flask, http_server: BaseWSGIServer, jobs: JobRunner) -> Iterator[LiveServer]:
    """The service on a real port, with its worker sending mail to the file outbox."""
    late: LateBoundApp = http_server.app  # type: ignore[assignment]
    late.target = app
    thread = threading.Thread(target=http_server.serve_forever, name="live-server", daemon=True)
    thread.start()
    settings = services(app).settings
    yield LiveServer(url=settings.base_url, app=app, mail_folder=settings.mail_outbox_dir)
    http_server.shutdown()
    thread.join(timeout=10)
    # Let mail the journey queued (receipts) finish before the worker and database go away;
    # an actor that failed fails the test here.
    jobs.run()


def wait_for_mail(
    folder: Path, *, matching: Callable[[StoredMessage], bool], count: int = 1, timeout: float = 10
) -> list[StoredMessage]:
    """Wait until the worker has written `count` emails that match, as a person waits for mail."""
    deadline = time.monotonic() + timeout
    while True:
        found = [m for m in list_messages(folder) if matching(m)]
        if len(found) >= count:
            return found
        if time.monotonic() > deadline:
            everything = [(m.to, m.subject) for m in list_messages(folder)]
            raise AssertionError(f"{count} matching emails not sent in {timeout}s: {everything}")
        time.sleep(0.05)


# --- The health contributor's link -------------------------------------------------------


@pytest.fixture
def health_link(live_server: LiveServer, session: Any, small_template: None) -> str:
    """Agree an assessment asking health alone, on the small template (tests/small_template.py);
    returns the link emailed to the contributor."""
    make_assessment(session, agreed=True, agencies=(Agency.HEALTH,))
    session.commit()  # the after-commit hook hands the email to the running worker
    folder = live_server.mail_folder
    [email] = wait_for_mail(folder, matching=lambda m: m.to.startswith("health."))
    link = links_in(read_message(folder, email.name))[0]
    assert link.startswith(f"{live_server.url}/a/")
    return link


# --- Browser contexts and pages ----------------------------------------------------------


@dataclass
class Visit:
    url: str
    scanned: bool = False
    screenshot: bytes | None = None  # taken when scanned; written out only if the test fails


@dataclass
class PageRecord:
    """What happened in one tab: the documents it loaded, whether each was scanned, errors."""

    visits: list[Visit] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


_RECORDS: dict[int, PageRecord] = {}


def _watch(page: Page) -> None:
    record = _RECORDS.setdefault(id(page), PageRecord())

    def loaded(loaded_page: Page) -> None:
        # Not "framenavigated": that also fires when only the #fragment changes.
        record.visits.append(Visit(loaded_page.url))

    def console(message: ConsoleMessage) -> None:
        # A page served with an error status (403, 400 with form errors) is logged as a failed
        # load too; failed scripts and styles are caught below, by their responses.
        if message.type == "error" and not message.text.startswith("Failed to load resource"):
            record.errors.append(f"{page.url}: console error: {message.text}")

    def response(answer: Response) -> None:
        # 304 is a cached script or style confirmed unchanged: a success.
        if answer.request.resource_type != "document" and answer.status >= 400:
            record.errors.append(f"{page.url}: {answer.status} for {answer.url}")

    page.on("domcontentloaded", loaded)
    page.on("console", console)
    page.on("response", response)
    page.on(
        "requestfailed", lambda failed: record.errors.append(f"{page.url}: {failed.url} failed")
    )
    page.on("pageerror", lambda error: record.errors.append(f"{page.url}: {error}"))


OpenContext = Callable[..., BrowserContext]


@pytest.fixture
def open_context(
    browser: Browser, live_server: LiveServer, request: pytest.FixtureRequest
) -> Iterator[OpenContext]:
    """Opens fresh browser contexts (a browser with no cookies) on the live server."""
    opened: list[BrowserContext] = []

    def open_one(**options: Any) -> BrowserContext:
        context = browser.new_context(base_url=live_server.url, **options)
        context.set_default_timeout(DEFAULT_TIMEOUT_MS)
        context.add_init_script(path=AXE_JS)
        context.on("page", _watch)
        opened.append(context)
        return context

    yield open_one

    failed = _failed(request)
    if failed:
        _write_screenshots(request.node.name, [p for c in opened for p in c.pages])
    for context in opened:
        with contextlib.suppress(PlaywrightError):  # the test may have closed it already
            context.close()
    records = [_RECORDS.pop(key) for key in list(_RECORDS)]
    if not failed:
        _check_records(records)


@pytest.fixture
def page(open_context: OpenContext) -> Page:
    """A page in a fresh context at the default desktop size."""
    return open_context(viewport={"width": 1280, "height": 900}).new_page()


def _write_screenshots(test_name: str, open_pages: list[Page]) -> None:
    """Each page the failed test scanned, in order, then each tab as the test left it."""
    ARTIFACTS.mkdir(exist_ok=True)
    prefix = re.sub(r"[^A-Za-z0-9_.-]+", "_", test_name)
    for old in ARTIFACTS.glob(f"{prefix}-*.*"):
        old.unlink()  # from an earlier run, so the folder shows this failure only
    step = 0
    for tab, record in enumerate(_RECORDS.values(), start=1):
        for visit in record.visits:
            if visit.screenshot is not None:
                step += 1
                name = f"{prefix}-{step:02d}-tab{tab}-{_page_name(visit.url)}.jpeg"
                (ARTIFACTS / name).write_bytes(visit.screenshot)
    for tab, open_page in enumerate(open_pages, start=1):
        try:
            open_page.screenshot(path=ARTIFACTS / f"{prefix}-last-{tab}.png", full_page=True)
        except PlaywrightError as exc:
            print(f"no screenshot of {open_page.url}: {exc}")


def _page_name(url: str) -> str:
    """The page's path for a file name, with a link token (a credential) left out."""
    path = re.sub(r"^/a/[^/]+", "/start", urlsplit(url).path)
    return re.sub(r"[^A-Za-z0-9]+", "-", path).strip("-")[:60] or "home"


def _check_records(records: list[PageRecord]) -> None:
    problems = [error for record in records for error in record.errors]
    problems += [
        f"{visit.url} was loaded but never scanned with axe_check"
        for record in records
        for visit in record.visits
        if not visit.scanned
    ]
    if problems:
        pytest.fail("\n".join(problems), pytrace=False)


# --- Accessibility -----------------------------------------------------------------------


def axe_check(page: Page) -> None:
    """Scan the page with axe-core against WCAG 2.2 A and AA; fail listing every violation."""
    page.wait_for_load_state("load")
    results = page.evaluate(AXE_RUN, WCAG_TAGS)
    assert results["passes"], f"axe checked nothing on {page.url}"
    record = _RECORDS.get(id(page))
    if record is not None and record.visits:
        record.visits[-1].scanned = True
        # What the person saw, as a JPEG: quick enough to take at every scan (a full-page PNG
        # takes three times as long). A failed test also gets a full page of each tab.
        record.visits[-1].screenshot = page.screenshot(type="jpeg", quality=70)
    violations = results["violations"]
    if violations:
        lines = [f"axe found {len(violations)} violations on {page.url}:"]
        for violation in violations:
            lines.append(f"- {violation['id']} ({violation['impact']}): {violation['help']}")
            lines.append(f"  {violation['helpUrl']}")
            for node in violation["nodes"]:
                summary = node["failureSummary"].replace("\n", "\n    ")
                lines.append(f"  at {node['target']}: {summary}")
        pytest.fail("\n".join(lines), pytrace=False)
