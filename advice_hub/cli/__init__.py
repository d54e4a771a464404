"""The `advice-hub` command: every admin task, as a Flask CLI group.

- ``service``: ``db upgrade``, ``db grant``, ``seed``, ``serve``, ``clock``;
- ``templates``: check and publish advice templates;
- ``users`` (``users``, ``teams``): the first administrator and team of a new deployment;
- ``sign_off``, ``chasing`` (``leads``, ``simulate``), ``directory``, ``api_keys``, ``ledger``,
  ``reports``;
- ``demo_data`` and ``simulation``: the demo data behind ``seed``, and the 20-week simulation
  behind ``simulate``.
"""

from __future__ import annotations

import sys

import click
from flask import Flask
from flask.cli import FlaskGroup

from advice_hub.cli.api_keys import api_keys
from advice_hub.cli.chasing import leads, simulate
from advice_hub.cli.directory import directory
from advice_hub.cli.ledger import ledger
from advice_hub.cli.reports import reports
from advice_hub.cli.service import clock, db_group, seed, serve
from advice_hub.cli.sign_off import sign_off_group
from advice_hub.cli.templates import templates_group
from advice_hub.cli.users import teams, users
from advice_hub.config import ConfigError


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


for command in (
    db_group,
    seed,
    serve,
    clock,
    templates_group,
    sign_off_group,
    api_keys,
    leads,
    directory,
    users,
    teams,
    simulate,
    ledger,
    reports,
):
    main.add_command(command)
