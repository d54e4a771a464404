"""The API's lists: assessments and advice requests, with the staff list's filters, keyset
cursors and ``updated_since``, so a council case system can sync without polling every id.

Both lists reach only the key's team (``within_reach``) and read ``assessments.listing``, so
they page the way the staff list does: a fixed number of statements whatever the limit or
the data held. With ``updated_since`` a list is in order of (``updated_at``, id), oldest
first; an assessment's ``updated_at`` moves when one of its requests changes (``db``), so
syncing assessments alone sees every request's change too.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from flask import Response, request
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from advice_hub.accounts.api_keys import within_reach
from advice_hub.assessments.keyset import CursorError
from advice_hub.assessments.list_filters import ListFilter, ListingError, parse_filter, stage_of
from advice_hub.assessments.listing import (
    Sort,
    SortColumn,
    advice_request_page,
    assessment_page,
    parse_page_size,
    parse_sort,
    request_figures,
)
from advice_hub.assessments.track import track_of
from advice_hub.deadlines import london_date
from advice_hub.models import (
    AdviceRequest,
    Agency,
    Assessment,
    AssessmentStatus,
    RequestStatus,
    User,
    utcnow,
)
from advice_hub.web.api.blueprint import bp
from advice_hub.web.api.list_schemas import (
    API_DEFAULT_LIMIT,
    AdviceRequestList,
    AdviceRequestListItem,
    AssessmentList,
    AssessmentListItem,
)
from advice_hub.web.api.protocol import ApiError, api_key, json_response
from advice_hub.web.api.schemas import FieldError
from advice_hub.web.db_session import db

# No staff user has this id: a case officer email nobody has finds nothing.
NOBODY = 0


def _bad_parameter(field: str, message: str) -> ApiError:
    return ApiError(
        400, "invalid_parameter", message, fields=[FieldError(field=field, message=message)]
    )


def _updated_since() -> datetime | None:
    raw = request.args.get("updated_since")
    if not raw:
        return None
    try:
        instant = datetime.fromisoformat(raw)
    except ValueError:
        instant = None
    if instant is None or instant.tzinfo is None:
        raise _bad_parameter(
            "updated_since",
            "updated_since must be an ISO 8601 instant with its offset, e.g. 2026-01-05T09:00:00Z",
        )
    return instant


def _listing() -> ListFilter:
    """The filters of the query string; the officer named by email, as the API names them."""
    listing = parse_filter(request.args)
    email = request.args.get("case_officer_email")
    if email:
        officer = db().scalar(select(User.id).where(func.lower(User.email) == email.lower()))
        listing = ListFilter(**{**listing.__dict__, "officer_id": officer or NOBODY})
    return listing


def _page_args() -> dict[str, Any]:
    return {
        "size": parse_page_size(request.args.get("limit"), default=API_DEFAULT_LIMIT),
        "cursor": request.args.get("cursor"),
        "updated_since": _updated_since(),
        "today": london_date(utcnow()),
    }


@bp.get("/assessments")
def list_assessments() -> Response:
    """The key's team's assessments, a page at a time."""
    session = db()
    try:
        listing = _listing()
        page_args = _page_args()
        sort = (
            Sort(SortColumn.UPDATED, descending=False)
            if page_args["updated_since"] is not None
            else parse_sort(request.args.get("sort"), request.args.get("direction"))
        )
        page = assessment_page(
            session,
            scope=within_reach(api_key()),
            listing=listing,
            sort=sort,
            options=(selectinload(Assessment.team), selectinload(Assessment.case_officer)),
            **page_args,
        )
    except (ListingError, CursorError) as exc:
        raise _bad_parameter(exc.field, str(exc)) from exc
    today = page_args["today"]
    figures = request_figures(session, [a.id for a in page.rows], today=today)
    return json_response(
        AssessmentList(
            items=[
                AssessmentListItem(
                    id=a.id,
                    reference=a.reference,
                    status=AssessmentStatus(a.status),
                    stage=stage_of(a),
                    track=track_of(a, today=today, advice_overdue=figures[a.id].overdue > 0),
                    requested_on=a.requested_on,
                    decided_on=a.decided_on,
                    final_due_on=a.final_due_on,
                    team=a.team.name,
                    case_officer_email=a.case_officer.email if a.case_officer else None,
                    updated_at=a.updated_at,
                )
                for a in page.rows
            ],
            next_cursor=page.next_cursor,
        )
    )


@bp.get("/advice-requests")
def list_advice_requests() -> Response:
    """The advice requests of the key's team's assessments, a page at a time."""
    session = db()
    try:
        page = advice_request_page(
            session,
            scope=within_reach(api_key()),
            listing=_listing(),
            options=(selectinload(AdviceRequest.assessment),),
            **_page_args(),
        )
    except (ListingError, CursorError) as exc:
        raise _bad_parameter(exc.field, str(exc)) from exc
    return json_response(
        AdviceRequestList(
            items=[
                AdviceRequestListItem(
                    id=r.id,
                    assessment_id=r.assessment_id,
                    assessment_reference=r.assessment.reference,
                    agency=Agency(r.agency),
                    status=RequestStatus(r.status),
                    due_on=r.effective_due_on,
                    sent_at=r.received_at,
                    submitted_at=r.submitted_at,
                    updated_at=r.updated_at,
                )
                for r in page.rows
            ],
            next_cursor=page.next_cursor,
        )
    )
