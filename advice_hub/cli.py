"""The `advice-hub` command: every admin task, as a Flask CLI group."""

from __future__ import annotations

import os
import signal
import sys
import threading
from typing import Any

import click
from flask import Flask, current_app
from flask.cli import FlaskGroup, with_appcontext

from advice_hub.cli_api_keys import api_keys
from advice_hub.cli_chasing import leads, simulate, users
from advice_hub.cli_ledger import grant, ledger
from advice_hub.config import PROJECT_ROOT, ConfigError


def register_commands(app: Flask) -> None:
    """Commands are attached to the group below; nothing is needed per app."""


def _create_app() -> Flask:
    from advice_hub import create_app

    try:
        return create_app()
    except ConfigError as exc:
        click.echo(str(exc), err=True)
        sys.exit(2)


@click.group(cls=FlaskGroup, create_app=_create_app, add_default_commands=False)
def main() -> None:
    """Administer advice_hub."""


def _services() -> Any:
    from advice_hub.services import current_services

    return current_services()


@main.group("db")
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
    settings = _services().settings
    # Migrations run as the tables' owner when one is given (see `db grant`).
    config.attributes["url"] = settings["MIGRATION_DATABASE_URL"] or settings["DATABASE_URL"]
    command.upgrade(config, revision)
    click.echo(f"database at {revision}")
    if settings.get("DATABASE_APP_ROLE"):
        # The release step keeps the app's role to what it needs after every migration.
        click.get_current_context().invoke(grant, role=settings["DATABASE_APP_ROLE"])


@main.command("seed")
@with_appcontext
def seed() -> None:
    """Add the demo users and a demo assessment if they are missing (safe to repeat)."""
    from advice_hub.seed import seed_demo_data

    with _services().session_factory() as session, session.begin():
        done = seed_demo_data(session)
    click.echo("\n".join(done) if done else "demo data already present")


@main.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=lambda: int(os.environ.get("PORT", "5000")), type=int)
@with_appcontext
def serve(host: str, port: int) -> None:
    """Serve the whole service in one process (the embedded default: worker and clock inside)."""
    import dramatiq

    from advice_hub.clock import start_clock_thread

    app = current_app._get_current_object()  # type: ignore[attr-defined]
    services = _services()
    worker = None
    stop_clock = None
    if not services.settings["REDIS_URL"]:
        # The in-process broker can only be served by an in-process worker.
        worker = dramatiq.Worker(services.broker, worker_threads=2)
        worker.start()
        _, stop_clock = start_clock_thread(app)
        click.echo("embedded worker and clock started")
    click.echo(f"advice_hub on http://{host}:{port}")
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    try:
        # Flask's app.run() refuses to run under its own CLI, so call werkzeug directly.
        from werkzeug.serving import run_simple

        run_simple(host, port, app, threaded=True, use_reloader=False)
    finally:
        if stop_clock is not None:
            stop_clock.set()
        if worker is not None:
            worker.stop()


@main.command("clock")
@with_appcontext
def clock() -> None:
    """Run the scheduler: relays unsent messages (one clock per deployment is enough)."""
    from advice_hub.clock import run_clock

    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    click.echo("clock running")
    try:
        run_clock(current_app._get_current_object(), stop)  # type: ignore[attr-defined]
    except KeyboardInterrupt:
        stop.set()


@main.group("templates")
def templates_group() -> None:
    """Advice templates."""


@templates_group.command("check")
def templates_check() -> None:
    """Validate every template file; exits non-zero naming each broken file."""
    from forms import check_all

    problems = check_all()
    for problem in problems:
        click.echo(problem, err=True)
    if problems:
        sys.exit(1)
    click.echo("all templates are valid")


@templates_group.command("publish")
@click.argument("source", type=click.Path(dir_okay=False))
def templates_publish(source: str) -> None:
    """Publish SOURCE (<key>.v<version>.json) as the next version of its template.

    A published version never changes: the file must be the next version of an agency's
    template. Publishing an identical file again changes nothing and succeeds.
    """
    from pathlib import Path

    from forms.publish import AlreadyPublished, publish_template
    from forms.templates import TemplateError, parse_template_file

    try:
        target = publish_template(Path(source))
    except AlreadyPublished as exc:
        click.echo(str(exc))
        return
    except TemplateError as exc:
        click.echo(f"not published: {exc}", err=True)
        sys.exit(1)
    template = parse_template_file(target)
    click.echo(
        f"published {template.key} version {template.version} ({template.title}) as {target}\n"
        f"new {template.key} requests use version {template.version}; "
        "requests already sent keep the version they were sent with"
    )


main.add_command(api_keys)
main.add_command(leads)
main.add_command(users)
main.add_command(simulate)
main.add_command(ledger)
db_group.add_command(grant)


@main.group("sign-off")
def sign_off_group() -> None:
    """Who signs off each agency's advice before it is sealed."""


def _agency(value: str) -> str:
    from advice_hub.models import Agency

    try:
        return Agency(value).value
    except ValueError:
        raise click.BadParameter(
            f"must be one of {', '.join(a.value for a in Agency)}", param_hint="AGENCY"
        ) from None


@sign_off_group.command("set")
@click.argument("agency")
@click.option("--name", required=True, help="The reviewer's name")
@click.option("--email", required=True, help="Where sign-off requests are emailed")
@click.option("--role", required=True, help='For example "Senior educational psychologist"')
@with_appcontext
def sign_off_set(agency: str, name: str, email: str, role: str) -> None:
    """Require sign-off of AGENCY's advice by this reviewer."""
    from email_validator import EmailNotValidError, validate_email

    from advice_hub.domain.sign_off import set_reviewer
    from advice_hub.models import utcnow

    try:
        email = validate_email(email, check_deliverability=False).normalized
    except EmailNotValidError as exc:
        raise click.BadParameter(str(exc), param_hint="--email") from None
    with _services().session_factory() as session, session.begin():
        set_reviewer(
            session,
            agency=_agency(agency),
            name=name,
            email=email,
            role=role,
            now=utcnow(),
            actor="cli",
        )
    click.echo(f"{agency} advice now needs sign-off by {name} <{email}>")


@sign_off_group.command("clear")
@click.argument("agency")
@with_appcontext
def sign_off_clear(agency: str) -> None:
    """Stop requiring sign-off of AGENCY's advice."""
    from advice_hub.domain.sign_off import clear_reviewer
    from advice_hub.models import utcnow

    with _services().session_factory() as session, session.begin():
        cleared = clear_reviewer(session, agency=_agency(agency), now=utcnow(), actor="cli")
    click.echo(
        f"{agency} advice no longer needs sign-off"
        if cleared
        else f"{agency} advice did not need sign-off"
    )


@sign_off_group.command("list")
@with_appcontext
def sign_off_list() -> None:
    """Which agencies' advice needs sign-off, and by whom."""
    from sqlalchemy import select

    from advice_hub.models import SignOffReviewer

    with _services().session_factory() as session:
        reviewers = session.scalars(select(SignOffReviewer).order_by(SignOffReviewer.agency))
        lines = [f"{r.agency}: {r.name}, {r.role} <{r.email}>" for r in reviewers]
    click.echo("\n".join(lines) if lines else "no agency needs sign-off")
