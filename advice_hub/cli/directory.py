"""`advice-hub directory`: the contributor directory from the command line."""

from __future__ import annotations

import sys
from pathlib import Path

import click
from flask.cli import with_appcontext

from advice_hub.cli.common import services
from advice_hub.transactions import transaction


@click.group("directory")
def directory() -> None:
    """The contributor directory: services per agency, their leads and reviewers."""


@directory.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@with_appcontext
def directory_import(file: Path) -> None:
    """Add or update the services in FILE (CSV, UTF-8), all or nothing.

    Every line is checked first; with any problem nothing is imported, each problem is
    printed with its line number and column, and the command exits with status 1.
    """
    from advice_hub.directory.csv_import import MAX_BYTES, import_services
    from advice_hub.models import utcnow

    with file.open("rb") as handle:
        data = handle.read(MAX_BYTES + 1)
    with transaction(services().session_factory) as session:
        result = import_services(session, data, now=utcnow(), actor="cli")
    if not result.ok:
        count = len(result.problems)
        click.echo(
            f"Nothing was imported: {file.name} has {count} "
            f"{'problem' if count == 1 else 'problems'}.",
            err=True,
        )
        for problem in result.problems:
            click.echo(str(problem), err=True)
        sys.exit(1)
    click.echo(f"Directory imported from {file.name}: {result.summary()}")


@directory.command("list")
@with_appcontext
def directory_list() -> None:
    """Every service, by agency, with its contact and leads."""
    from advice_hub.directory.services import find_services

    with services().session_factory() as session:
        for service in find_services(session, retired=True):
            retired = " (retired)" if service.retired_at else ""
            leads = ", ".join(f"{lead.name} <{lead.email}>" for lead in service.leads) or "none"
            click.echo(
                f"{service.agency}: {service.name}{retired}: {service.contact_name} "
                f"<{service.contact_email}>; leads: {leads}"
            )
