"""`advice-hub sign-off`: who signs off each agency's advice before it is sealed."""

from __future__ import annotations

import click
from flask.cli import with_appcontext

from advice_hub.cli.common import agency_argument, email_option, services
from advice_hub.display import sentence
from advice_hub.models import Agency
from advice_hub.transactions import transaction


@click.group("sign-off")
def sign_off_group() -> None:
    """Who signs off each agency's advice before it is sealed."""


@sign_off_group.command("set")
@click.argument("agency")
@click.option("--name", required=True, help="The reviewer's name")
@click.option("--email", required=True, help="Where sign-off requests are emailed")
@click.option("--role", required=True, help='For example "Senior educational psychologist"')
@with_appcontext
def sign_off_set(agency: str, name: str, email: str, role: str) -> None:
    """Require sign-off of AGENCY's advice by this reviewer."""
    from advice_hub.models import utcnow
    from advice_hub.requests.sign_off import set_reviewer

    email = email_option(email, "--email")
    with transaction(services().session_factory) as session:
        set_reviewer(
            session,
            agency=agency_argument(agency),
            name=name,
            email=email,
            role=role,
            now=utcnow(),
            actor="cli",
        )
    advice = sentence(Agency(agency).advice_name)
    click.echo(f"{advice} now needs sign-off by {name} <{email}>")


@sign_off_group.command("clear")
@click.argument("agency")
@with_appcontext
def sign_off_clear(agency: str) -> None:
    """Stop requiring sign-off of AGENCY's advice."""
    from advice_hub.models import utcnow
    from advice_hub.requests.sign_off import clear_reviewer

    with transaction(services().session_factory) as session:
        cleared = clear_reviewer(session, agency=agency_argument(agency), now=utcnow(), actor="cli")
    advice = sentence(Agency(agency).advice_name)
    click.echo(
        f"{advice} no longer needs sign-off" if cleared else f"{advice} did not need sign-off"
    )


@sign_off_group.command("list")
@with_appcontext
def sign_off_list() -> None:
    """Which agencies' advice needs sign-off, and by whom."""
    from sqlalchemy import select

    from advice_hub.models import SignOffReviewer

    with services().session_factory() as session:
        reviewers = session.scalars(select(SignOffReviewer).order_by(SignOffReviewer.agency))
        lines = [f"{r.agency}: {r.name}, {r.role} <{r.email}>" for r in reviewers]
    click.echo("\n".join(lines) if lines else "no agency needs sign-off")
