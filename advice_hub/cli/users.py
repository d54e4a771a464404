"""`advice-hub users` and `advice-hub teams`: staff accounts and teams from the command line,
so that a new deployment can have its first administrator and team before anyone has signed in
with Entra ID. Everything else about them is on the administration pages."""

from __future__ import annotations

import click
from flask.cli import with_appcontext

from advice_hub.accounts.access import Role
from advice_hub.cli.common import services
from advice_hub.models import agency_label
from advice_hub.transactions import transaction

ROLE_HELP = ", ".join(role.value for role in Role)


@click.group("users")
def users() -> None:
    """Staff accounts."""


@users.command("add")
@click.argument("email")
@click.option("--name", required=True, help="Their name, as the pages show it")
@click.option(
    "--role",
    "roles",
    multiple=True,
    required=True,
    help=f"A role they hold (repeat for more): {ROLE_HELP}",
)
@click.option("--team", "team_names", multiple=True, help="A team they join (repeat for more)")
@click.option("--agency", default=None, help="For an agency lead: the agency they speak for")
@with_appcontext
def users_add(
    email: str, name: str, roles: tuple[str, ...], team_names: tuple[str, ...], agency: str | None
) -> None:
    """Add a member of staff who can sign in with EMAIL (their Entra ID account's address).

    Their first Entra sign-in links this account to them; from then on their roles are the app
    roles Entra gives them.
    """
    from advice_hub.accounts.teams import team_named
    from advice_hub.accounts.users import UserError, add_user
    from advice_hub.models import utcnow

    try:
        with transaction(services().session_factory) as session:
            teams = []
            for team_name in team_names:
                team = team_named(session, team_name)
                if team is None:
                    raise UserError(
                        f"There is no team called {team_name!r}: add it with advice-hub teams add"
                    )
                teams.append(team)
            user = add_user(
                session,
                email=email,
                name=name,
                roles=roles,
                teams=teams,
                agency=agency,
                now=utcnow(),
                actor="cli",
            )
            held = ", ".join(Role(r).label.lower() for r in user.roles)
            added = f"Added {user.name} <{user.email}> ({held})"
    except UserError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(added)


@users.command("list")
@with_appcontext
def users_list() -> None:
    """Everyone, with their roles, teams and whether they are active."""
    from advice_hub.accounts.users import user_rows

    with services().session_factory() as session:
        rows = user_rows(session)
        lines = []
        for row in rows:
            user = row.user
            parts = [", ".join(role.value for role in row.roles) or "no role"]
            if row.teams:
                parts.append("teams: " + ", ".join(team.name for team in row.teams))
            if user.agency:
                parts.append(f"agency: {agency_label(user.agency)}")
            parts.append("Entra ID" if user.object_id else "not signed in with Entra ID")
            if user.deactivated_at is not None:
                parts.append(f"deactivated {user.deactivated_at:%Y-%m-%d %H:%M} UTC")
            lines.append(f"{user.email}  {user.name}  ({'; '.join(parts)})")
    click.echo("\n".join(lines) if lines else "No users.")


@users.command("deactivate")
@click.argument("email")
@with_appcontext
def users_deactivate(email: str) -> None:
    """Turn off EMAIL's access: every session they have ends now."""
    from advice_hub.accounts.users import UserError, deactivate_user, user_by_email
    from advice_hub.models import utcnow

    try:
        with transaction(services().session_factory) as session:
            user = user_by_email(session, email)
            if user is None:
                raise UserError(f"There is no user with the email address {email.strip()}")
            deactivate_user(session, user, now=utcnow(), actor="cli")
            name = user.name
    except UserError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"{name} is deactivated: their sessions have ended and they cannot sign in")


@users.command("set-manager")
@click.argument("officer_email")
@click.argument("manager_email")
@with_appcontext
def users_set_manager(officer_email: str, manager_email: str) -> None:
    """Escalate OFFICER_EMAIL's badly overdue requests to MANAGER_EMAIL."""
    from advice_hub.accounts.users import user_by_email

    with transaction(services().session_factory) as session:
        officer = user_by_email(session, officer_email)
        manager = user_by_email(session, manager_email)
        if officer is None:
            raise click.BadParameter("no such user", param_hint="OFFICER_EMAIL")
        if manager is None:
            raise click.BadParameter("no such user", param_hint="MANAGER_EMAIL")
        if manager.id == officer.id:
            raise click.BadParameter("an officer cannot be their own manager")
        officer.manager = manager
        names = (officer.name, manager.name)
    click.echo(f"{names[0]}'s escalations now go to {names[1]}")


@click.group("teams")
def teams() -> None:
    """Teams of case officers and managers."""


@teams.command("add")
@click.argument("name")
@with_appcontext
def teams_add(name: str) -> None:
    """Add a team called NAME."""
    from advice_hub.accounts.teams import TeamError, create_team
    from advice_hub.models import utcnow

    try:
        with transaction(services().session_factory) as session:
            team = create_team(session, name, now=utcnow(), actor="cli")
            added = team.name
    except TeamError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"Added the team {added}")


@teams.command("list")
@with_appcontext
def teams_list() -> None:
    """Every team, with how many members and open assessments it has."""
    from advice_hub.accounts.teams import team_summaries
    from advice_hub.display import plural

    with services().session_factory() as session:
        lines = [
            f"{row.team.name}: {plural(row.members, 'member', 'members')}, "
            f"{plural(row.open_assessments, 'open assessment', 'open assessments')}"
            for row in team_summaries(session)
        ]
    click.echo("\n".join(lines) if lines else "No teams.")
