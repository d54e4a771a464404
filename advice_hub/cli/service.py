"""`advice-hub` commands that run the service: migrations and database roles, demo data, the
embedded single-process service and the clock."""

from __future__ import annotations

import os
import signal
import sys
import threading

import click
from flask import current_app
from flask.cli import with_appcontext

from advice_hub.cli.common import services
from advice_hub.config import PROJECT_ROOT
from advice_hub.transactions import transaction


@click.group("db")
def db_group() -> None:
    """Database migrations."""


@db_group.command("upgrade")
@click.argument("revision", default="head")
@with_appcontext
def db_upgrade(revision: str) -> None:
    """Apply migrations up to REVISION (default: the latest)."""
    from alembic import command
    from alembic.config import Config

    config = Config(str(PROJECT_ROOT / "alembic.ini"))
    settings = services().settings
    # Migrations run as the tables' owner when one is given (see `db grant`).
    config.attributes["url"] = settings.migration_database_url or settings.database_url
    command.upgrade(config, revision)
    click.echo(f"database at {revision}")
    if settings.database_app_role:
        # The release step keeps the app's role to what it needs after every migration.
        click.get_current_context().invoke(grant, role=settings.database_app_role)


@db_group.command("grant")
@click.argument("role")
@with_appcontext
def grant(role: str) -> None:
    """Give the application's database ROLE what it needs and no more (PostgreSQL).

    Every table: SELECT and INSERT; UPDATE and DELETE except on the append-only tables
    (sealed advice, audit log, checkpoints), where UPDATE, DELETE and TRUNCATE are revoked.
    Run as the tables' owner after each migration.
    """
    from sqlalchemy import text

    from advice_hub.models import IMMUTABLE_MODELS, Base

    svc = services()
    url = svc.settings.migration_database_url or svc.settings.database_url
    if not url.startswith("postgresql"):
        raise click.UsageError("roles and grants are for PostgreSQL")
    immutable = {model.__tablename__ for model in IMMUTABLE_MODELS}
    from sqlalchemy import create_engine

    engine = create_engine(url)
    quoted = '"' + role.replace('"', '""') + '"'
    with engine.begin() as connection:
        connection.execute(text(f"GRANT USAGE ON SCHEMA public TO {quoted}"))
        for table in Base.metadata.sorted_tables:
            name = table.name
            connection.execute(text(f"REVOKE ALL ON {name} FROM {quoted}"))
            rights = "SELECT, INSERT" if name in immutable else "SELECT, INSERT, UPDATE, DELETE"
            connection.execute(text(f"GRANT {rights} ON {name} TO {quoted}"))
        connection.execute(text(f"GRANT SELECT ON alembic_version TO {quoted}"))
        connection.execute(
            text(f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO {quoted}")
        )
    engine.dispose()
    click.echo(
        f"{role} may read and write every table, and only add to {', '.join(sorted(immutable))}"
    )


@click.command("seed")
@with_appcontext
def seed() -> None:
    """Add the demo users and a demo assessment if they are missing (safe to repeat)."""
    from advice_hub.cli.demo_data import seed_demo_data
    from advice_hub.reports import refresh_reports

    with transaction(services().session_factory) as session:
        done = seed_demo_data(session)
        if done:
            refresh_reports(session)  # so the demo's figures show before the clock's next refresh
    click.echo("\n".join(done) if done else "demo data already present")


@click.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=lambda: int(os.environ.get("PORT", "5000")), type=int)
@with_appcontext
def serve(host: str, port: int) -> None:
    """Serve the whole service in one process (the embedded default: worker and clock inside).

    Once it is listening, prints its address and how to sign in as a demo user."""
    from werkzeug.serving import make_server

    from advice_hub.cli.demo_data import sign_in_hint
    from advice_hub.jobs.broker import start_in_process_worker
    from advice_hub.jobs.clock import start_clock_thread

    app = current_app._get_current_object()  # type: ignore[attr-defined]
    svc = services()
    # Bound before anything starts: a port in use stops the command here, and what is printed
    # below is true when it is printed. Port 0 takes any free port.
    server = make_server(host, port, app, threaded=True)
    worker = None
    stop_clock = None
    if not svc.settings.redis_url:
        # The in-process broker can only be served by an in-process worker.
        worker = start_in_process_worker(svc.broker, threads=2)
        _, stop_clock = start_clock_thread(app)
        click.echo("embedded worker and clock started")
    address = f"http://{host}:{server.server_port}"
    with transaction(svc.session_factory) as session:
        hint = sign_in_hint(session, svc.settings, address)
    click.echo("\n".join([f"advice_hub is up on {address}", *hint]))
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
        if stop_clock is not None:
            stop_clock.set()
        if worker is not None:
            worker.stop()


@click.command("clock")
@with_appcontext
def clock() -> None:
    """Run the scheduler: relays unsent messages (one clock per deployment is enough)."""
    from advice_hub.jobs.clock import run_clock

    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    click.echo("clock running")
    try:
        run_clock(current_app._get_current_object(), stop)  # type: ignore[attr-defined]
    except KeyboardInterrupt:
        stop.set()
