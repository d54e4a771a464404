"""How fast each page answers at national scale: server time, SQL statements and size.

Each page is one entry in ``PAGES``: a name, how to build its URL, who is signed in, and a group
whose members must issue the same number of SQL statements (a list's first page and a deep
one, a small assessment and a big one, an officer's hundred cases and a manager's thousands).
An entry whose endpoint or path this build does not have is reported as "not in this build",
so the pages other work adds are measured once they are merged, with no change here.

Requests go through Flask's test client in this process; the time is ``time.perf_counter``
around each request after a warm-up, the statements are counted on the app's engine
(``before_cursor_execute``). The trivial endpoint (the health check) is measured in the same
run, and each page's p95 is printed beside it as a ratio, which depends on the machine less
than the milliseconds do. A page slower than ``SLOW_SECONDS`` on its warm-up is measured
``SLOW_REQUESTS`` times only, so that today's list does not take an hour.
"""

from __future__ import annotations

import re
import statistics
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote, unquote

from flask import Flask, url_for
from flask.testing import FlaskClient
from sqlalchemy import event, func, select
from werkzeug.exceptions import MethodNotAllowed, NotFound

from advice_hub.accounts.api_keys import SCOPES, create_api_key
from advice_hub.accounts.staff_sessions import start_staff_session
from advice_hub.models import AdviceRequest, Assessment, AssessmentStatus, Team, User, utcnow
from advice_hub.services import EXTENSION_KEY
from advice_hub.web.staff.session_store import SESSION_KEY
from bench.national_data import People

TARGET_MS = 150.0
REQUESTS = 30
SLOW_SECONDS = 2.0
SLOW_REQUESTS = 1
DEPTH = 5  # pages followed for "deep"
# A next-page link (HTML or JSON) carrying ?cursor=..., or a JSON "next_cursor" field.
CURSOR = re.compile(r"[?&;]cursor=([^&\"'\s<>]+)|\"next_cursor\"\s*:\s*\"([^\"]+)\"")
SEARCH = "zoe o'brien"


@dataclass
class Targets:
    """What the URL builders may name: the people and records the benchmark uses."""

    people: People
    small: uuid.UUID
    big: uuid.UUID


@dataclass(frozen=True)
class Page:
    name: str
    who: str  # "anyone", "officer", "manager", "agency_lead", "auditor", "api"
    endpoint: str | None = None  # built with url_for(endpoint, **values(targets))
    path: str | None = None  # or a path, for an endpoint whose name is not known here
    values: Callable[[Targets], dict[str, Any]] = lambda targets: {}
    same_statements: str | None = None  # a group whose members must issue as many statements
    depth: int = 0  # follow the "next page" cursor this many times first
    baseline: bool = False


PAGES: tuple[Page, ...] = (
    Page("Health check (baseline)", "anyone", endpoint="public.healthz", baseline=True),
    # Its statements are counted for 3 and 30 cases in tests/web/test_my_work.py.
    Page("My work", "officer", endpoint="staff.my_work"),
    # A manager with no cases of their own: fewer statements, as nothing is there to look up.
    Page("My work (manager)", "manager", endpoint="staff.my_work"),
    Page("Assessments, first page", "officer", endpoint="staff.assessments",
         same_statements="list"),
    Page("Assessments, deep page", "officer", endpoint="staff.assessments", depth=DEPTH,
         same_statements="list"),
    Page("Assessments, manager's first page", "manager", endpoint="staff.assessments",
         same_statements="list"),
    Page("Assessments, search", "manager", endpoint="staff.assessments",
         values=lambda t: {"q": SEARCH}, same_statements="list"),
    Page("Assessments, search, deep page", "manager", endpoint="staff.assessments",
         values=lambda t: {"q": SEARCH}, depth=DEPTH, same_statements="list"),
    Page("One assessment, fewest requests", "officer", endpoint="staff.assessment",
         values=lambda t: {"assessment_id": t.small}, same_statements="assessment"),
    Page("One assessment, most requests", "officer", endpoint="staff.assessment",
         values=lambda t: {"assessment_id": t.big}, same_statements="assessment"),
    Page("Agency lead's requests", "agency_lead", endpoint="staff.agency_requests"),
    # Its statements are counted for small and larger data in tests/web/test_timeliness_page.py.
    Page("Timeliness (manager)", "manager", endpoint="staff.timeliness"),
    # An agency lead sees advice figures only, never plan figures: fewer statements.
    Page("Timeliness (agency lead)", "agency_lead", endpoint="staff.timeliness"),
    Page("API timeliness feed", "api", path="/api/v1/reports/timeliness"),
    Page("API assessments, first page", "api", path="/api/v1/assessments",
         same_statements="api list"),
    Page("API assessments, deep page", "api", path="/api/v1/assessments", depth=DEPTH,
         same_statements="api list"),
)  # fmt: skip


@dataclass
class Measured:
    page: Page
    status: str = "ok"
    times_ms: list[float] = field(default_factory=list)
    statements: list[int] = field(default_factory=list)
    size: int = 0
    note: str = ""

    @property
    def p50(self) -> float:
        return statistics.median(self.times_ms) if self.times_ms else 0.0

    @property
    def p95(self) -> float:
        if len(self.times_ms) < 2:
            return self.times_ms[0] if self.times_ms else 0.0
        return statistics.quantiles(self.times_ms, n=20, method="inclusive")[18]

    @property
    def statement_count(self) -> str:
        low, high = min(self.statements), max(self.statements)
        return str(low) if low == high else f"{low}-{high}"


def in_this_build(app: Flask, page: Page) -> bool:
    if page.endpoint is not None:
        return page.endpoint in app.view_functions
    adapter = app.url_map.bind("localhost")
    try:
        endpoint, _ = adapter.match(page.path or "/", method="GET")
    except (NotFound, MethodNotAllowed):
        return False
    # The API's catch-all answers every unknown path with a JSON 404: not a page.
    rule = next(r for r in app.url_map.iter_rules(endpoint))
    return "<path:" not in rule.rule and rule.rule != "/api/v1/"


def targets_in(app: Flask, people: People) -> Targets:
    """The officer's own assessments with the fewest and the most requests."""
    factory = app.extensions[EXTENSION_KEY].session_factory
    officer = people.officers[0][0]
    with factory() as session:
        sizes = (
            select(Assessment.id, func.count(AdviceRequest.id).label("n"))
            .join(AdviceRequest)
            .where(
                Assessment.case_officer_id == officer,
                Assessment.status == AssessmentStatus.AGREED,
            )
            .group_by(Assessment.id)
        ).subquery()
        small = session.scalar(select(sizes.c.id).order_by(sizes.c.n, sizes.c.id).limit(1))
        big = session.scalar(select(sizes.c.id).order_by(sizes.c.n.desc(), sizes.c.id).limit(1))
    if small is None or big is None:
        raise RuntimeError("the benchmark's officer has no agreed assessment with requests")
    return Targets(people, small, big)


class Clients:
    """One test client per person, signed in as the tests do (a staff session held in the
    database, its token in Flask's session), and an API key for the first team."""

    def __init__(self, app: Flask, people: People) -> None:
        self.app = app
        self.people = people
        self.clients: dict[str, FlaskClient] = {}
        self.api_key = ""

    def __call__(self, who: str) -> tuple[FlaskClient, dict[str, str]]:
        if who == "api":
            if not self.api_key:
                self.api_key = self._key()
            return self.app.test_client(), {"Authorization": f"Bearer {self.api_key}"}
        if who not in self.clients:
            client = self.app.test_client()
            if who != "anyone":
                token = self._session_for(self._user_id(who))
                with client.session_transaction() as flask_session:
                    flask_session[SESSION_KEY] = token
            self.clients[who] = client
        return self.clients[who], {}

    def _user_id(self, who: str) -> int:
        team = self.people.officers[0][1]
        return {
            "officer": self.people.officers[0][0],
            "manager": self.people.managers[team],
            "agency_lead": self.people.agency_lead,
            "auditor": self.people.auditor,
        }[who]

    def _session_for(self, user_id: int) -> str:
        with self.app.extensions[EXTENSION_KEY].session_factory() as session:
            user = session.get(User, user_id)
            assert user is not None, f"no user {user_id}"
            token = start_staff_session(
                session, user, signed_in_with="development", now=utcnow(), replacing=None
            )
            session.commit()
        return token

    def _key(self) -> str:
        with self.app.extensions[EXTENSION_KEY].session_factory() as session:
            team = session.get(Team, self.people.officers[0][1])
            assert team is not None
            raw = create_api_key(
                session, f"bench-{uuid.uuid4().hex[:8]}", team=team, scopes=tuple(SCOPES)
            )
            session.commit()
        return raw


def measure(app: Flask, people: People, *, requests: int = REQUESTS) -> list[Measured]:
    engine = app.extensions[EXTENSION_KEY].engine
    counter = [0]

    def count(*_: Any) -> None:
        counter[0] += 1

    event.listen(engine, "before_cursor_execute", count)
    clients = Clients(app, people)
    targets = targets_in(app, people)
    results = []
    try:
        for page in PAGES:
            result = Measured(page)
            results.append(result)
            if not in_this_build(app, page):
                result.status = "not in this build"
                continue
            client, headers = clients(page.who)
            url = _url(app, page, targets)
            url = _deep(client, headers, url, page.depth, result)
            if result.status != "ok":
                continue
            # Two warm-up requests (the first fills the database's and the app's caches); the
            # faster tells whether the page is too slow to ask 30 times.
            warm_up = float("inf")
            for _ in range(2):
                started = time.perf_counter()
                first = client.get(url, headers=headers)
                warm_up = min(warm_up, time.perf_counter() - started)
                # Far too slow to be a cold cache: no second warm-up.
                if first.status_code != 200 or warm_up > 5 * SLOW_SECONDS:
                    break
            if first.status_code != 200:
                result.status, result.note = "error", f"HTTP {first.status_code} at {url}"
                continue
            repeat = requests if warm_up < SLOW_SECONDS else SLOW_REQUESTS
            if repeat < requests:
                result.note = f"{warm_up:.1f} s to warm up: measured {repeat} times only"
            for _ in range(repeat):
                counter[0] = 0
                started = time.perf_counter()
                response = client.get(url, headers=headers)
                result.times_ms.append((time.perf_counter() - started) * 1000)
                result.statements.append(counter[0])
                result.size = len(response.data)
                if response.status_code != 200:
                    result.status, result.note = "error", f"HTTP {response.status_code}"
                    break
    finally:
        event.remove(engine, "before_cursor_execute", count)
    return results


def _url(app: Flask, page: Page, targets: Targets) -> str:
    if page.endpoint is None:
        return page.path or "/"
    with app.test_request_context():
        return url_for(page.endpoint, **page.values(targets))


def _deep(
    client: FlaskClient, headers: dict[str, str], url: str, depth: int, result: Measured
) -> str:
    """The URL ``depth`` pages on, following each page's next-page cursor."""
    for n in range(depth):
        body = client.get(url, headers=headers).get_data(as_text=True)
        found = CURSOR.search(body.replace("&amp;", "&"))
        if found is None:
            result.status = "no next page"
            result.note = f"page {n + 1} has no next-page link with a cursor"
            return url
        base = url.split("?", 1)
        query = [
            p for p in (base[1].split("&") if len(base) > 1 else []) if not p.startswith("cursor=")
        ]
        cursor = unquote(found.group(1) or found.group(2))
        query.append(f"cursor={quote(cursor, safe='')}")
        url = f"{base[0]}?{'&'.join(query)}"
    return url


def report(label: str, results: list[Measured]) -> str:
    """The table, with each page's p95 beside the baseline's and the statement groups."""
    baseline = next((r for r in results if r.page.baseline and r.times_ms), None)
    base_p95 = baseline.p95 if baseline else 0.0
    lines = [
        f"pages at {label}: p95 of server time (target {TARGET_MS:.0f} ms), beside the "
        f"baseline's {base_p95:.1f} ms in the same run",
        f"  {'page':38} {'who':11} {'n':>3} {'p50 ms':>8} {'p95 ms':>8} {'x base':>7} "
        f"{'SQL':>6} {'KB':>8}  result",
    ]
    for r in results:
        if r.status == "not in this build":
            lines.append(f"  {r.page.name:38} {r.page.who:11} {'':>3} not in this build")
            continue
        if not r.times_ms:
            lines.append(f"  {r.page.name:38} {r.page.who:11} {'':>3} {r.status}: {r.note}")
            continue
        verdict = "" if r.page.baseline else ("ok" if r.p95 < TARGET_MS else "MISSED")
        ratio = f"{r.p95 / base_p95:6.1f}x" if base_p95 else "      -"
        lines.append(
            f"  {r.page.name:38} {r.page.who:11} {len(r.times_ms):>3} {r.p50:8.1f} "
            f"{r.p95:8.1f} {ratio:>7} {r.statement_count:>6} {r.size / 1024:8.1f}  {verdict}"
            + (f"  ({r.note})" if r.note else "")
        )
    groups: dict[str, list[Measured]] = {}
    for r in results:
        if r.page.same_statements and r.statements:
            groups.setdefault(r.page.same_statements, []).append(r)
    for group, members in groups.items():
        counts = {min(m.statements) for m in members}
        verdict = "fixed" if len(counts) == 1 else "MISSED: not fixed"
        each = ", ".join(f"{m.page.name} {m.statement_count}" for m in members)
        lines.append(f"  statements, {group}: {verdict} ({each})")
    return "\n".join(lines)
