"""The timeliness feed for council reporting tools (Power BI, spreadsheets): the key's team's
figures as flat arrays of rows, filtered like the staff page (``from`` and ``to`` months,
``team``). A key reaches its own team only: any other team, existing or not, is refused
alike."""

from __future__ import annotations

from flask import Response, request

from advice_hub.deadlines import london_date
from advice_hub.models import utcnow
from advice_hub.reports import Period, PeriodError, Scope, tables, timeliness
from advice_hub.web.api.blueprint import bp
from advice_hub.web.api.protocol import ApiError, api_key, json_response
from advice_hub.web.api.report_schemas import PeriodOut, TimelinessOut
from advice_hub.web.api.schemas import FieldError
from advice_hub.web.db_session import db


def _invalid(field: str, message: str) -> ApiError:
    return ApiError(
        422,
        "validation_failed",
        "Some query parameters are not valid",
        fields=[FieldError(field=field, message=message)],
    )


@bp.get("/reports/timeliness")
def timeliness_feed() -> Response:
    """Advice per agency and month, open assessments and plans issued per team and officer."""
    key = api_key()
    today = london_date(utcnow())
    try:
        period = Period.parse(request.args.get("from"), request.args.get("to"), today=today)
    except PeriodError as exc:
        raise _invalid(exc.field, exc.message) from exc
    team = request.args.get("team")
    if team is not None and team.strip() != str(key.team_id):
        raise _invalid("team", "This API key reaches its own team only; leave team out")
    report = timeliness(db(), period, Scope(team_ids=frozenset({key.team_id})))
    if report is None:
        raise ApiError(
            503,
            "figures_not_ready",
            "The figures have not been worked out yet; they are worked out every few minutes",
            headers={"Retry-After": "60"},
        )
    body = {
        "period": PeriodOut(
            from_month=period.first.key,
            to_month=period.last.key,
            starts_on=period.starts_on,
            ends_before=period.ends_before,
            today=report.today,
            figures_as_of=report.refreshed_at,
        ),
        "team_id": key.team_id,
        **tables(report),
    }
    return json_response(TimelinessOut.model_validate(body))
