"""`advice-hub ledger` and `advice-hub db grant`: proving and protecting the sealed history."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import click
from flask.cli import with_appcontext


def _services() -> Any:
    from advice_hub.services import current_services

    return current_services()


@click.group("ledger")
def ledger() -> None:
    """The hash chains over sealed advice and the audit log, and their signed checkpoints."""


@ledger.command("verify")
@click.option(
    "--checkpoints",
    "checkpoints_file",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="Exported checkpoints kept outside the database, to hold the chains to as well",
)
@with_appcontext
def verify(checkpoints_file: Path | None) -> None:
    """Recompute every fingerprint and link; exit 1 naming each row that does not hold up."""
    from advice_hub.domain.checkpoints import load_signing_key, verify_ledger

    services = _services()
    public_key = load_signing_key(services.settings).public_key()
    outside = checkpoints_file.read_text().splitlines() if checkpoints_file else []
    with services.session_factory() as session:
        result = verify_ledger(session, public_key, outside_copies=outside)
    click.echo(
        f"sealed advice: {result.seal_head.index} rows, head {result.seal_head.sha256}\n"
        f"audit log: {result.audit_head.index} rows, head {result.audit_head.sha256}\n"
        f"checkpoints checked: {result.checkpoints}"
    )
    for note in result.notes:
        click.echo(f"note: {note}")
    for problem in result.problems:
        click.echo(f"BROKEN: {problem}", err=True)
    if not result.ok:
        click.echo(f"the ledger does not verify: {len(result.problems)} problems", err=True)
        sys.exit(1)
    click.echo("the ledger verifies")


@ledger.command("checkpoint")
@with_appcontext
def checkpoint() -> None:
    """Sign the chains' heads now (the clock does this hourly when they have moved)."""
    from advice_hub.domain.checkpoints import load_signing_key, write_checkpoint
    from advice_hub.models import utcnow

    services = _services()
    key = load_signing_key(services.settings)
    with services.session_factory() as session, session.begin():
        written = write_checkpoint(session, key, now=utcnow(), actor="cli")
        click.echo(
            f"checkpoint {written.id}: sealed advice at {written.seal_chain_index}, "
            f"audit log at {written.audit_chain_index}"
        )


@ledger.command("export-checkpoints")
@click.argument("destination", type=click.File("w"), default="-")
@with_appcontext
def export_checkpoints(destination: Any) -> None:
    """Write every checkpoint as JSON lines (to DESTINATION, or standard output), to keep
    outside the database; `ledger verify --checkpoints FILE` holds the chains to them."""
    from advice_hub.domain.checkpoints import export_lines, load_signing_key

    services = _services()
    public_key = load_signing_key(services.settings).public_key()
    with services.session_factory() as session:
        for line in export_lines(session, public_key):
            destination.write(line + "\n")


@ledger.command("new-key")
def new_key() -> None:
    """Print a new signing key for LEDGER_SIGNING_KEY (keep it secret, keep a copy safe)."""
    from advice_hub.domain.checkpoints import new_signing_key

    click.echo(new_signing_key())


@click.command("grant")
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

    services = _services()
    url = services.settings["MIGRATION_DATABASE_URL"] or services.settings["DATABASE_URL"]
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
