"""`advice-hub` commands for chasing: agency leads, managers, the policy and the simulation."""

from __future__ import annotations

import sys
from datetime import date

import click
from flask.cli import with_appcontext

from advice_hub.cli.common import agency_argument, email_option, services
from advice_hub.models import agency_label
from advice_hub.transactions import transaction


@click.group("leads")
def leads() -> None:
    """Who hears when an agency's advice is overdue (DCO, DSCO, principal EP...)."""


@leads.command("set")
@click.argument("agency")
@click.option("--name", required=True, help="The lead's name")
@click.option("--email", required=True, help="Where escalations are emailed")
@click.option(
    "--title", default=None, help="Their title; the chase policy's lead_title if left out"
)
@with_appcontext
def leads_set(agency: str, name: str, email: str, title: str | None) -> None:
    """Send AGENCY's escalations to this lead."""
    from advice_hub.accounts.agency_leads import set_agency_lead
    from advice_hub.accounts.users import UserError
    from advice_hub.models import utcnow

    agency = agency_argument(agency)
    email = email_option(email, "--email")
    svc = services()
    title = title or svc.chase_policy.for_agency(agency).lead_title
    try:
        with transaction(svc.session_factory) as session:
            set_agency_lead(
                session,
                agency=agency,
                name=name,
                email=email,
                title=title,
                now=utcnow(),
                actor="cli",
            )
    except UserError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"{agency_label(agency)} escalations now go to {name}, {title} <{email}>")


@leads.command("list")
@with_appcontext
def leads_list() -> None:
    """Every agency lead, and the agencies without one."""
    from sqlalchemy import select

    from advice_hub.models import Agency, AgencyLead

    with services().session_factory() as session:
        found = {lead.agency: lead for lead in session.scalars(select(AgencyLead))}
    for agency in Agency:
        lead = found.get(agency.value)
        click.echo(
            f"{agency.value}: {lead.name}, {lead.title} <{lead.email}>"
            if lead
            else f"{agency.value}: none (escalations go to the SEND team's mailbox)"
        )


@leads.command("clear")
@click.argument("agency")
@with_appcontext
def leads_clear(agency: str) -> None:
    """Stop sending AGENCY's escalations to a named lead."""
    from advice_hub.accounts.agency_leads import clear_agency_lead
    from advice_hub.models import utcnow

    agency = agency_argument(agency)
    with transaction(services().session_factory) as session:
        removed = clear_agency_lead(session, agency=agency, now=utcnow(), actor="cli")
    click.echo(
        f"{agency_label(agency)} has no named lead now"
        if removed
        else f"{agency_label(agency)} had no named lead"
    )


@click.command("simulate")
@click.option("--assessments", default=1000, show_default=True, type=click.IntRange(1, 20000))
@click.option("--seed", default=1, show_default=True, type=int)
@click.option(
    "--start",
    default="2026-01-05",
    show_default=True,
    type=click.DateTime(formats=["%Y-%m-%d"]),
    help="The first day assessments may be agreed",
)
@click.option(
    "--database-url",
    default=None,
    help="An empty database to run in (default: a throwaway SQLite file)",
)
@click.option("--quiet", is_flag=True, help="Print the summary only")
@with_appcontext
def simulate(
    assessments: int, seed: int, start: date, database_url: str | None, quiet: bool
) -> None:
    """Run ASSESSMENTS assessments through 20 weeks on the real clock and check the chase log.

    Exits non-zero when any rule is broken. Never touches the service's own database.
    """
    from advice_hub.cli.simulation import run_simulation

    svc = services()
    report = run_simulation(
        assessments=assessments,
        seed=seed,
        start=start.date() if hasattr(start, "date") else start,
        settings=svc.settings,
        policy=svc.chase_policy,
        database_url=database_url,
        progress=(lambda _: None) if quiet else (lambda line: click.echo(line, err=True)),
    )
    click.echo("\n".join(report.lines()))
    if not report.ok:
        sys.exit(1)
