"""`advice-hub reports`: the timeliness reports' figures from the command line."""

from __future__ import annotations

import click
from flask.cli import with_appcontext

from advice_hub.cli.common import services
from advice_hub.transactions import transaction


@click.group("reports")
def reports() -> None:
    """The timeliness reports, which the clock works out every REPORTS_REFRESH_MINUTES."""


@reports.command("refresh")
@click.option(
    "--full", is_flag=True, help="Work every month out again, not only those changed since."
)
@with_appcontext
def reports_refresh(full: bool) -> None:
    """Work the figures out now, as the clock would (after a bulk import, say)."""
    from advice_hub.display import plural
    from advice_hub.reports import refresh_reports

    with transaction(services().session_factory) as session:
        refreshed = refresh_reports(session, full=full)
    what = (
        "every month"
        if refreshed.full
        else f"{plural(refreshed.advice_months, 'month', 'months')} of advice and "
        f"{plural(refreshed.plan_months, 'month', 'months')} of plans again"
    )
    click.echo(f"Worked out {what} in {refreshed.seconds:.1f} s")
