"""`advice-hub ledger` and `advice-hub db grant`: proving and protecting the sealed history."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import click
from flask.cli import with_appcontext

from advice_hub.cli.common import services
from advice_hub.display import plural
from advice_hub.transactions import transaction


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
    from advice_hub.sealing.checkpoints import load_signing_key, verify_ledger

    svc = services()
    public_key = load_signing_key(svc.settings).public_key()
    outside = checkpoints_file.read_text().splitlines() if checkpoints_file else []
    with svc.session_factory() as session:
        result = verify_ledger(session, public_key, outside_copies=outside)
    click.echo(
        f"sealed advice: {plural(result.seal_head.index, 'row', 'rows')}, "
        f"head {result.seal_head.sha256}\n"
        f"audit log: {plural(result.audit_head.index, 'row', 'rows')}, "
        f"head {result.audit_head.sha256}\n"
        f"checkpoints checked: {result.checkpoints}"
    )
    for note in result.notes:
        click.echo(f"note: {note}")
    for problem in result.problems:
        click.echo(f"BROKEN: {problem}", err=True)
    if not result.ok:
        problems = plural(len(result.problems), "problem", "problems")
        click.echo(f"the ledger does not verify: {problems}", err=True)
        sys.exit(1)
    click.echo("the ledger verifies")


@ledger.command("checkpoint")
@with_appcontext
def checkpoint() -> None:
    """Sign the chains' heads now (the clock does this hourly when they have moved)."""
    from advice_hub.models import utcnow
    from advice_hub.sealing.checkpoints import load_signing_key, write_checkpoint

    svc = services()
    key = load_signing_key(svc.settings)
    with transaction(svc.session_factory) as session:
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
    from advice_hub.sealing.checkpoints import export_lines, load_signing_key

    svc = services()
    public_key = load_signing_key(svc.settings).public_key()
    with svc.session_factory() as session:
        for line in export_lines(session, public_key):
            destination.write(line + "\n")


@ledger.command("new-key")
def new_key() -> None:
    """Print a new signing key for LEDGER_SIGNING_KEY (keep it secret, keep a copy safe)."""
    from advice_hub.sealing.checkpoints import new_signing_key

    click.echo(new_signing_key())
