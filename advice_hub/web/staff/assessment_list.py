"""The list of assessments each role's scope reaches: searched, filtered, sorted and paged by
keyset cursors (``assessments.listing``), with the counts beside each filter and each row's
due and overdue advice. A fixed number of statements whatever the page size or data held."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from flask import render_template, request, url_for
from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from advice_hub.accounts.access import Reach, Role, admitted, assessments_visible_to
from advice_hub.accounts.teams import teams_of
from advice_hub.assessments.guard_rails import warnings_for
from advice_hub.assessments.keyset import CursorError
from advice_hub.assessments.list_filters import ListFilter, ListingError, Stage, parse_filter
from advice_hub.assessments.listing import (
    DEFAULT_SORT,
    FilterCounts,
    Page,
    SortColumn,
    assessment_page,
    filter_counts,
    parse_page_size,
    parse_sort,
    request_figures,
)
from advice_hub.assessments.progress import advice_progress
from advice_hub.assessments.track import Track, track_of
from advice_hub.deadlines import london_date
from advice_hub.models import (
    Agency,
    Assessment,
    RequestStatus,
    Team,
    TeamMembership,
    User,
    utcnow,
)
from advice_hub.web.authorization import POLICY
from advice_hub.web.db_session import db
from advice_hub.web.staff.blueprint import bp
from advice_hub.web.staff.sign_in import signed_in_user

# The query string's names, as the form and the links write them.
FILTER_PARAMS = ("q", "officer", "team", "agency", "request_status", "stage", "track")
ORDER_PARAMS = ("sort", "direction")
# Column headings the list sorts by, in the table's order.
SORTABLE = {
    SortColumn.REFERENCE: "Reference",
    SortColumn.CHILD: "Child",
    SortColumn.CASE_OFFICER: "Case officer",
    SortColumn.REQUESTED_ON: "Requested",
    SortColumn.FINAL_DUE: "Final plan due",
    SortColumn.TRACK: "Track",
}
TRACK_TAGS = {
    Track.LATE: "govuk-tag--red",
    Track.AT_RISK: "govuk-tag--orange",
    Track.ON_TRACK: "govuk-tag--green",
    Track.ON_HOLD: "govuk-tag--grey",
}
# What each row shows, loaded for the whole page in one statement a relationship.
ROW_OPTIONS = (
    selectinload(Assessment.case_officer),
    selectinload(Assessment.team),
    selectinload(Assessment.advice_requests),
    selectinload(Assessment.advice_reuses),
    selectinload(Assessment.contributors),
)
FIELD_IDS = {
    "q": "q",
    "officer": "officer",
    "team": "team",
    "agency": "agency",
    "request_status": "request_status",
    "stage": "stage",
    "track": "track",
}


def _choosable_teams(session: Session, user: User, reach: Reach | None) -> list[Team]:
    if reach is Reach.ANY:
        return list(session.scalars(select(Team).order_by(Team.name)))
    return teams_of(session, user)


def _officers(session: Session, teams: list[Team]) -> list[User]:
    """Who may be named case officer of an assessment in these teams."""
    if not teams:
        return []
    return list(
        session.scalars(
            select(User)
            .where(
                User.id.in_(
                    select(TeamMembership.user_id).where(
                        TeamMembership.team_id.in_([t.id for t in teams])
                    )
                )
            )
            .order_by(User.name, User.id)
        )
    )


def _link(args: dict[str, str], **changes: str | None) -> str:
    merged = {**args, **changes}
    kept = {k: v for k, v in merged.items() if v}
    return url_for("staff.assessments") + ("?" + urlencode(kept) if kept else "")


@bp.route("/assessments")
def assessments() -> Any:
    session = db()
    user = signed_in_user()
    grants = admitted(user, POLICY["staff.assessments"].grants)
    reach = max((r for r in grants.values() if r is not None), default=None)
    scope = assessments_visible_to(user, grants)
    today = london_date(utcnow())
    args = {k: v for k, v in request.args.items() if k in (*FILTER_PARAMS, *ORDER_PARAMS, "size")}
    errors: list[dict[str, str]] = []
    listing, sort, page = ListFilter(), DEFAULT_SORT, Page[Assessment]([], None, None)
    try:
        listing = parse_filter(request.args)
        sort = parse_sort(request.args.get("sort"), request.args.get("direction"))
        page = assessment_page(
            session,
            scope=scope,
            listing=listing,
            sort=sort,
            size=parse_page_size(request.args.get("size")),
            cursor=request.args.get("cursor"),
            today=today,
            options=ROW_OPTIONS,
        )
    except (ListingError, CursorError) as exc:
        href = f"#{FIELD_IDS[exc.field]}" if exc.field in FIELD_IDS else "#results"
        errors.append({"text": str(exc), "href": href})
    counts = (
        filter_counts(session, scope=scope, listing=listing, today=today)
        if not errors
        else FilterCounts()
    )
    rows = page.rows
    figures = request_figures(session, [a.id for a in rows], today=today)
    teams = teams_of(session, user)
    choosable = _choosable_teams(session, user, reach) if reach is not None else []
    context = {
        "page_title": "Assessments",
        "errors": errors,
        "form_has_errors": bool(errors),
        "assessments": rows,
        "page": page,
        "counts": counts,
        "listing": listing,
        "sort": sort,
        "args": args,
        "link": lambda **changes: _link(args, **changes),
        "teams": teams,
        "team_choices": choosable,
        "officer_choices": _officers(session, choosable),
        "agencies": list(Agency),
        "request_statuses": list(RequestStatus),
        "stages": list(Stage),
        "tracks": list(Track),
        "track_tags": TRACK_TAGS,
        "sortable": SORTABLE,
        "figures": figures,
        "tracks_of": {
            a.id: track_of(a, today=today, advice_overdue=figures[a.id].overdue > 0) for a in rows
        },
        # Who works cases opens each assessment; an auditor, its sealed advice.
        "casework": bool(admitted(user, POLICY["staff.assessment"].grants)),
        "auditor": Role.AUDITOR in grants,
        "progress": {a.id: advice_progress(a.advice_requests, a.advice_reuses) for a in rows},
        "today": today,
        "warnings": warnings_for(session, rows),
    }
    return render_template("staff/assessments.html", **context), (400 if errors else 200)
