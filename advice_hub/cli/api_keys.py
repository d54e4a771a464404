"""`advice-hub api-keys`: create, list and revoke the keys council systems use for the API."""

from __future__ import annotations

import click
from flask.cli import with_appcontext
from sqlalchemy import select
from sqlalchemy.orm import Session

from advice_hub.accounts.api_keys import (
    SCOPES,
    create_api_key,
    list_api_keys,
    revoke_api_key,
)
from advice_hub.accounts.teams import team_named
from advice_hub.cli.common import services
from advice_hub.models import Team, utcnow
from advice_hub.transactions import transaction


@click.group("api-keys")
def api_keys() -> None:
    """Manage API keys for council case-management systems."""


@api_keys.command("create")
@click.argument("name")
@click.option("--team", "team_name", required=True, help="The team whose assessments it reaches.")
@click.option(
    "--scope",
    "scopes",
    multiple=True,
    type=click.Choice(list(SCOPES)),
    help="What it may do (repeat for more); every scope when none is given.",
)
@with_appcontext
def create_command(name: str, team_name: str, scopes: tuple[str, ...]) -> None:
    """Create a key called NAME for one team's assessments and print it once."""
    factory = services().session_factory
    try:
        with transaction(factory) as session:
            team = team_named(session, team_name)
            if team is None:
                raise ValueError(_no_such_team(session, team_name))
            held = scopes or tuple(SCOPES)
            raw = create_api_key(session, name, team=team, scopes=held)
            team_name = team.name
    except ValueError as exc:
        raise click.ClickException(str(exc)) from exc
    # Printed only after the commit, so a key that is shown always works.
    click.echo(
        f"API key {name.strip()!r} created for {team_name}, "
        f"with the scopes {', '.join(s for s in SCOPES if s in held)}:"
    )
    click.echo(raw)
    click.echo(
        "Copy it now into the system that will use it: it will not be shown again "
        "(only its SHA-256 is stored)."
    )


@api_keys.command("list")
@with_appcontext
def list_command() -> None:
    """List every key: its name, team, scopes, when it was created and whether it is revoked."""
    factory = services().session_factory
    with factory() as session:
        rows = [
            (
                key.name,
                key.team.name,
                " ".join(key.scopes),
                f"created {key.created_at:%Y-%m-%d %H:%M} UTC",
                f"revoked {key.revoked_at:%Y-%m-%d %H:%M} UTC"
                if key.revoked_at is not None
                else "active",
            )
            for key in list_api_keys(session)
        ]
    if not rows:
        click.echo("No API keys.")
        return
    # Columns padded to line up; the last, the state, is not.
    widths = [max(len(row[column]) for row in rows) for column in range(len(rows[0]))]
    widths[-1] = 0
    for row in rows:
        click.echo("  ".join(f"{cell:<{width}}" for cell, width in zip(row, widths, strict=True)))


@api_keys.command("revoke")
@click.argument("name")
@with_appcontext
def revoke_command(name: str) -> None:
    """Revoke the key called NAME; requests using it are refused from now on."""
    factory = services().session_factory
    try:
        with transaction(factory) as session:
            revoke_api_key(session, name, utcnow())
    except ValueError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"API key {name.strip()!r} revoked.")


def _no_such_team(session: Session, name: str) -> str:
    teams = session.scalars(select(Team.name).order_by(Team.name)).all()
    if not teams:
        return f"There is no team called {name!r}: there are no teams yet, so add one first"
    return f"There is no team called {name!r}; the teams are: {', '.join(teams)}"
