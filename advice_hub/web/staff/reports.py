"""Timeliness for managers, agency leads and auditors: a page of charts, each with its table
beside it, filtered by a range of months and a team, and each table as a CSV download.

What each figure means is in ``advice_hub.reports``; who sees whose figures in
``reports.scopes``. A filter that cannot be read shows the page again with the error on the
field and no figures (400), never figures for a range nobody asked for.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from typing import Any

from flask import Response, abort, render_template, request, url_for

from advice_hub.accounts.access import Reach, admitted
from advice_hub.deadlines import london_date
from advice_hub.models import Agency, utcnow
from advice_hub.reports import (
    COLUMNS,
    PLAN_TABLES,
    TABLES,
    Month,
    Period,
    PeriodError,
    Timeliness,
    tables,
    timeliness,
)
from advice_hub.reports.national import NATIONAL_FIGURES, latest
from advice_hub.reports.scopes import StaffScope, staff_scope
from advice_hub.services import current_services
from advice_hub.web.authorization import POLICY
from advice_hub.web.charts import Bar, Reference, bar_chart, percent
from advice_hub.web.db_session import db
from advice_hub.web.staff.blueprint import bp
from advice_hub.web.staff.exports import safe_cell
from advice_hub.web.staff.sign_in import signed_in_user

NOT_READY = (
    "The figures have not been worked out yet: advice_hub works them out every {minutes} "
    "minutes. Try again shortly."
)


@dataclass(frozen=True)
class Filters:
    period: Period | None
    team_id: int | None
    errors: list[dict[str, str]]  # for the error summary: text and href
    typed: dict[str, str]


def _staff_scope(endpoint: str) -> StaffScope:
    user = signed_in_user()
    grants = admitted(user, POLICY[endpoint].grants)
    reach = max(r for r in grants.values() if r is not None)
    return staff_scope(db(), user, reach)


def _filters(staff: StaffScope) -> Filters:
    typed = {name: request.args.get(name, "").strip() for name in ("from", "to", "team")}
    errors: list[dict[str, str]] = []
    period = None
    try:
        period = Period.parse(typed["from"] or None, typed["to"] or None, today=_today())
    except PeriodError as exc:
        errors.append({"text": exc.message, "href": f"#{exc.field}"})
    team_id = None
    if typed["team"]:
        offered = {str(t.id): t.id for t in staff.teams}
        if typed["team"] not in offered:
            errors.append({"text": "Choose a team from the list", "href": "#team"})
        else:
            team_id = offered[typed["team"]]
    return Filters(period if not errors else None, team_id, errors, typed)


def _today() -> Any:
    return london_date(utcnow())


def _report(staff: StaffScope, filters: Filters) -> Timeliness | None:
    if staff.scope is None or filters.period is None:
        return None
    return timeliness(db(), filters.period, staff.scope.narrowed_to(filters.team_id))


@bp.get("/reports/timeliness", endpoint="timeliness")
def timeliness_page() -> Any:
    staff = _staff_scope("staff.timeliness")
    filters = _filters(staff)
    report = _report(staff, filters)
    user = signed_in_user()
    national = latest()
    # Asked for figures that have never been worked out: a new deployment before the
    # clock's first refresh.
    not_ready = report is None and staff.scope is not None and filters.period is not None
    return (
        render_template(
            "staff/timeliness.html",
            page_title="Timeliness",
            form_has_errors=bool(filters.errors),
            errors=filters.errors,
            field_errors={e["href"][1:]: {"text": e["text"]} for e in filters.errors},
            download_url=lambda table: _download_url(table, report, filters),
            typed=filters.typed,
            teams=staff.teams,
            team_name=next((t.name for t in staff.teams if t.id == filters.team_id), None),
            agency=Agency(user.agency) if staff.reach is Reach.AGENCY and user.agency else None,
            no_agency=staff.scope is None,
            whole_council=staff.reach is Reach.ANY,
            report=report,
            not_ready=not_ready,
            refresh_minutes=_refresh_minutes(),
            charts=_charts(report, national) if report else {},
            national=national,
            national_figures=NATIONAL_FIGURES,
            percent=percent,
            month_label=_month_label,
            table_names=TABLES,
        ),
        400 if filters.errors else 200,
    )


def _refresh_minutes() -> str:
    minutes = current_services().settings.reports_refresh_minutes
    return f"{minutes:g}"


def _download_url(table: str, report: Timeliness | None, filters: Filters) -> str:
    months: dict[str, Any] = {}
    if report is not None:
        months = {"from": report.period.first.key, "to": report.period.last.key}
    return url_for(
        "staff.timeliness_csv", table=table, team=filters.typed["team"] or None, **months
    )


def _charts(report: Timeliness, national: Any) -> dict[str, Any]:
    advice = report.advice
    charts = {
        "advice_by_agency": bar_chart(
            chart_id="chart-advice-by-agency",
            title="Advice returned within 6 weeks, by agency",
            description=f"{report.period.label}. Exceptions excluded. "
            + "; ".join(
                f"{f.agency_label}: {percent(f.within_six_weeks, 'no advice due yet')}"
                for f in advice.by_agency
            ),
            bars=[
                Bar(f.agency_label, f.within_six_weeks, percent(f.within_six_weeks, "None due"))
                for f in advice.by_agency
            ],
            maximum=1.0,
        ),
        "advice_by_month": bar_chart(
            chart_id="chart-advice-by-month",
            title="Advice returned within 6 weeks, by month of its date",
            description="All agencies in these figures, exceptions excluded. "
            + "; ".join(
                f"{_month_label(f.month)}: {percent(f.within_six_weeks, 'none due yet')}"
                for f in advice.all_agencies_by_month
            ),
            bars=[
                Bar(
                    _month_label(f.month),
                    f.within_six_weeks,
                    percent(f.within_six_weeks, "None due"),
                )
                for f in advice.all_agencies_by_month
            ],
            maximum=1.0,
        ),
    }
    plans = report.plans
    if plans is not None:
        charts["plans_by_team"] = bar_chart(
            chart_id="chart-plans-by-team",
            title="Plans issued within 20 weeks, exceptions excluded, by team",
            description=f"{report.period.label}, beside {national.label} (DfE). "
            + "; ".join(
                f"{f.team}: {percent(f.share_within_20_weeks_excluding_exceptions, 'none issued')}"
                for f in plans.by_team
            ),
            bars=[
                Bar(
                    f.team,
                    f.share_within_20_weeks_excluding_exceptions,
                    percent(f.share_within_20_weeks_excluding_exceptions, "None issued"),
                )
                for f in plans.by_team
            ],
            maximum=1.0,
            reference=Reference(national.percent / 100, national.label),
        )
        council = plans.council
        tracks = [
            ("On track", council.on_track),
            ("At risk", council.at_risk),
            ("Late", council.late),
            ("On hold", council.on_hold),
        ]
        charts["open_by_track"] = bar_chart(
            chart_id="chart-open-by-track",
            title="Open assessments against the 20-week track, today",
            description="; ".join(f"{label}: {n}" for label, n in tracks),
            bars=[Bar(label, n, str(n)) for label, n in tracks],
            maximum=max([n for _, n in tracks] + [1]),
        )
    return charts


def _month_label(key: str | None) -> str:
    year, month = (key or "2000-01").split("-")
    return Month(int(year), int(month)).label


@bp.get("/reports/timeliness.csv", endpoint="timeliness_csv")
def timeliness_csv() -> Response:
    staff = _staff_scope("staff.timeliness_csv")
    table = request.args.get("table", "")
    if table not in TABLES:
        abort(404)
    filters = _filters(staff)
    if filters.errors:
        return Response(
            "; ".join(e["text"] for e in filters.errors) + "\n", 400, mimetype="text/plain"
        )
    if staff.scope is None or (table in PLAN_TABLES and not staff.scope.includes_plans):
        abort(404)
    report = _report(staff, filters)
    if report is None:
        return Response(
            NOT_READY.format(minutes=_refresh_minutes()) + "\n",
            503,
            mimetype="text/plain",
            headers={"Retry-After": "60"},
        )
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    columns = COLUMNS[table]
    writer.writerow(columns)
    for row in tables(report)[table]:
        writer.writerow([safe_cell(row[column]) for column in columns])
    period = report.period
    filename = f"timeliness-{table}-{period.first.key}-to-{period.last.key}.csv"
    return Response(
        # A byte-order mark, so spreadsheet programs read the names' accents correctly.
        "\ufeff" + buffer.getvalue(),
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )
