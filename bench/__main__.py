"""`make bench`: how fast agreed assessments turn into delivered emails, on each setup, and
how fast each page answers at national scale (``bench.pages``).

Throughput: both setups run the same code in the same process, one after the other, on the
same machine:
  embedded   SQLite + in-process broker + mail to files  (`make run`)
  services   PostgreSQL + Redis broker + mail to files   (production's shared parts)
Each agrees ASSESSMENTS assessments with five contributors and waits until every email is
written. The ratio is what matters; absolute figures depend on the machine.

Pages: the national data (``bench.national_data``) in PostgreSQL, 100,000 assessments and
500,000 requests (kept between runs as ``ah_bench_national_v1``; ``BENCH_FRESH=1`` rebuilds it),
and in SQLite, 10,000 and 50,000 (made afresh each run); each page's p95 beside the health
check's. Scale down for a quick run with ``BENCH_NATIONAL_ASSESSMENTS`` and
``BENCH_SQLITE_ASSESSMENTS``; ``BENCH_PAGE_REQUESTS`` sets the requests per page (30);
``BENCH_PARTS=pages`` or ``BENCH_PARTS=throughput`` runs one part only.
"""

from __future__ import annotations

import logging
import os
import shutil
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

import dramatiq
from sqlalchemy import create_engine, select, text, update
from sqlalchemy.engine import make_url

from advice_hub import create_app
from advice_hub.models import AdviceRequest, Agency, utcnow
from advice_hub.reports import refresh_reports
from advice_hub.transactions import transaction
from bench import pages
from bench.bulk_load import Loaded, generate, national_postgresql
from bench.national_data import Scale
from notifications.mailbox import list_messages
from tests.conftest import TEST_SECRET, migrate
from tests.factories import make_assessment

ASSESSMENTS = int(os.environ.get("BENCH_ASSESSMENTS", "40"))
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "3"))
AGENCIES = (
    Agency.PARENT_CARER,
    Agency.EDUCATION,
    Agency.EDUCATIONAL_PSYCHOLOGY,
    Agency.HEALTH,
    Agency.SOCIAL_CARE,
)
PG_URL = os.environ.get("TEST_DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/9")
NATIONAL = int(os.environ.get("BENCH_NATIONAL_ASSESSMENTS", "100000"))
EMBEDDED = int(os.environ.get("BENCH_SQLITE_ASSESSMENTS", "10000"))
PAGE_REQUESTS = int(os.environ.get("BENCH_PAGE_REQUESTS", str(pages.REQUESTS)))
PARTS = set(os.environ.get("BENCH_PARTS", "throughput,pages").split(","))


def run_once(config: dict[str, Any]) -> float:
    """Seconds from the first agreement to the last email written."""
    app = create_app(config)
    services = app.extensions["advice_hub"]
    worker = dramatiq.Worker(services.broker, worker_threads=4)
    worker.start()
    try:
        expected = ASSESSMENTS * len(AGENCIES)
        started = time.perf_counter()
        with services.session_factory() as session:
            for _ in range(ASSESSMENTS):
                make_assessment(session, agreed=True, agencies=AGENCIES)
                session.commit()
        folder = services.settings.mail_outbox_dir
        deadline = time.monotonic() + 300
        while len(list_messages(folder)) < expected:
            if time.monotonic() > deadline:
                raise RuntimeError("emails did not all arrive within 5 minutes")
            time.sleep(0.02)
        return time.perf_counter() - started
    finally:
        worker.stop()
        services.engine.dispose()


def embedded(workdir: Path) -> tuple[dict[str, Any], str | None]:
    db = workdir / f"{uuid.uuid4().hex}.sqlite3"
    migrate(f"sqlite:///{db}")
    return base(workdir, f"sqlite:///{db}", None), None


def with_services(workdir: Path) -> tuple[dict[str, Any], str | None]:
    import redis

    redis.Redis.from_url(REDIS_URL).flushdb()
    name = f"ah_bench_{uuid.uuid4().hex[:8]}"
    admin = create_engine(PG_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    url = make_url(PG_URL).set(database=name).render_as_string(hide_password=False)
    migrate(url)
    return base(workdir, url, REDIS_URL), name


def base(workdir: Path, database_url: str, redis_url: str | None) -> dict[str, Any]:
    mail = workdir / uuid.uuid4().hex
    return {
        "ENV": "testing",
        "DATABASE_URL": database_url,
        "REDIS_URL": redis_url,
        "SECRET_KEY": TEST_SECRET,
        "BASE_URL": "http://localhost",
        "MAIL_BACKEND": "file",
        "MAIL_OUTBOX_DIR": mail,
        "INSTANCE_DIR": workdir,
    }


def drop(name: str | None) -> None:
    if name:
        admin = create_engine(PG_URL, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def throughput() -> None:
    workdir = Path(tempfile.mkdtemp(prefix="advice-hub-bench-"))
    results: dict[str, list[float]] = {"embedded": [], "services": []}
    try:
        for _ in range(ROUNDS):
            # Interleaved rounds, so drift in machine load affects both setups alike.
            for label, make_config in (("embedded", embedded), ("services", with_services)):
                config, database = make_config(workdir)
                try:
                    results[label].append(run_once(config))
                finally:
                    drop(database)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    emails = ASSESSMENTS * len(AGENCIES)
    print(
        f"agree -> every email written: {ASSESSMENTS} assessments, {emails} emails, "
        f"median of {ROUNDS} interleaved rounds"
    )
    medians = {label: statistics.median(times) for label, times in results.items()}
    for label, seconds in medians.items():
        print(f"  {label:9} {seconds:7.2f} s  {emails / seconds:8.1f} emails/s")
    print(f"  ratio services/embedded throughput: {medians['embedded'] / medians['services']:.2f}")


def measure_pages(loaded: Loaded, label: str, workdir: Path) -> bool:
    """Print the pages' figures; False if a page answered with an error."""
    made = "kept from an earlier run" if loaded.reused else "generated"
    print(f"{label}: data {made} in {loaded.seconds:.1f} s", flush=True)
    app = create_app(base(workdir, loaded.url, None))
    try:
        print(refresh_rollup(app), flush=True)
        results = pages.measure(app, loaded.people, requests=PAGE_REQUESTS)
    finally:
        app.extensions["advice_hub"].engine.dispose()
    print(pages.report(label, results), flush=True)
    return all(r.status != "error" for r in results)


CHANGED_REQUESTS = 50


def refresh_rollup(app: Any) -> str:
    """Work the reports' rollup out as the clock does: everything (each new day), then again
    after CHANGED_REQUESTS requests changed (every few minutes); the line reporting both."""
    services = app.extensions["advice_hub"]
    session_factory = services.session_factory
    with transaction(session_factory) as session:
        everything = refresh_reports(session, full=True)
    with transaction(session_factory) as session:
        changed = select(AdviceRequest.id).where(AdviceRequest.submitted_at.is_not(None))
        session.execute(
            update(AdviceRequest)
            .where(AdviceRequest.id.in_(changed.limit(CHANGED_REQUESTS).scalar_subquery()))
            .values(updated_at=utcnow())
        )
    with transaction(session_factory) as session:
        since = refresh_reports(session)
    every = services.settings.reports_refresh_minutes
    return (
        f"  reports' rollup: everything in {everything.seconds:.2f} s (the clock, each new day); "
        f"after {CHANGED_REQUESTS} requests changed, {since.seconds * 1000:.0f} ms for "
        f"{since.advice_months} months of advice (every {every:g} minutes)"
    )


def pages_bench() -> bool:
    workdir = Path(tempfile.mkdtemp(prefix="advice-hub-pages-"))
    try:
        national = national_postgresql(PG_URL, Scale(NATIONAL))
        national_ok = measure_pages(
            national,
            f"PostgreSQL, {NATIONAL:,} assessments / {NATIONAL * 5:,} requests",
            workdir,
        )
        database = workdir / "national.sqlite3"
        url = f"sqlite:///{database}"
        migrate(url)
        engine = create_engine(url)
        try:
            embedded_data = generate(engine, Scale(EMBEDDED))
        finally:
            engine.dispose()
        embedded_ok = measure_pages(
            embedded_data, f"SQLite, {EMBEDDED:,} assessments / {EMBEDDED * 5:,} requests", workdir
        )
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    return national_ok and embedded_ok


def main() -> int:
    """0 whatever the figures (a missed target is printed, not failed); 1 on a page error."""
    logging.getLogger("alembic").setLevel(logging.WARNING)  # each migration's line is noise here
    if "throughput" in PARTS:
        throughput()
    if "pages" in PARTS and not pages_bench():
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
