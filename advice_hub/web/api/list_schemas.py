"""The list endpoints' contract: each page's items, its cursor, and the query parameters the
lists take (the staff list's filters), as the OpenAPI document publishes them."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any

from pydantic import Field

from advice_hub.assessments.list_filters import Stage
from advice_hub.assessments.listing import MAX_PAGE_SIZE, SortColumn
from advice_hub.assessments.track import Track
from advice_hub.models import Agency, AssessmentStatus, RequestStatus
from advice_hub.web.api.schemas import ResponseBody

API_DEFAULT_LIMIT = 50


class AssessmentListItem(ResponseBody):
    """One assessment of a list, without its requests (list those with /advice-requests)."""

    id: uuid.UUID
    reference: str
    status: AssessmentStatus
    stage: Stage = Field(description="Where the assessment has got to, from its milestones")
    track: Track | None = Field(
        description="Red, amber or green against the 20-week track; null once closed"
    )
    requested_on: date
    decided_on: date | None
    final_due_on: date | None = Field(
        description="The final plan's due date after exceptions; null while one holds it"
    )
    team: str
    case_officer_email: str | None
    updated_at: datetime = Field(
        description="When the assessment or one of its advice requests last changed"
    )


class AssessmentList(ResponseBody):
    """A page of assessments, and the cursor to the next page (null on the last)."""

    items: list[AssessmentListItem]
    next_cursor: str | None = Field(
        description="Pass as `cursor` for the next page, with the same other parameters"
    )


class AdviceRequestListItem(ResponseBody):
    """One advice request of a list."""

    id: uuid.UUID
    assessment_id: uuid.UUID
    assessment_reference: str
    agency: Agency
    status: RequestStatus
    due_on: date | None = Field(
        description="The date advice is now expected (an extension's, else 6 weeks from receipt)"
    )
    sent_at: datetime | None
    submitted_at: datetime | None
    updated_at: datetime = Field(description="When the request last changed")


class AdviceRequestList(ResponseBody):
    """A page of advice requests, and the cursor to the next page (null on the last)."""

    items: list[AdviceRequestListItem]
    next_cursor: str | None = Field(
        description="Pass as `cursor` for the next page, with the same other parameters"
    )


def _query(name: str, description: str, schema: dict[str, Any]) -> dict[str, Any]:
    return {"name": name, "in": "query", "required": False, "description": description,
            "schema": schema}  # fmt: skip


def _choices(values: list[str]) -> dict[str, Any]:
    return {"type": "string", "enum": values}


FILTER_PARAMETERS: tuple[dict[str, Any], ...] = (
    _query(
        "q",
        "Search: a reference (or its start), the child's name (each word starts a name; "
        "accents and case ignored) or a date of birth (2016-05-03, 3/5/2016, 3 May 2016)",
        {"type": "string", "maxLength": 100},
    ),
    _query("case_officer_email", "Only the assessments of this case officer", {"type": "string"}),
    _query(
        "agency", "Only those with a request of this agency", _choices([a.value for a in Agency])
    ),
    _query(
        "request_status",
        "Only those with a request in this status (with `agency`: a request of that agency)",
        _choices([s.value for s in RequestStatus]),
    ),
    _query("stage", "Only those at this stage", _choices([s.value for s in Stage])),
    _query("track", "Only those on this 20-week track", _choices([t.value for t in Track])),
    _query(
        "limit",
        f"Items a page (default {API_DEFAULT_LIMIT}, at most {MAX_PAGE_SIZE})",
        {"type": "integer", "minimum": 1, "maximum": MAX_PAGE_SIZE},
    ),
    _query("cursor", "The `next_cursor` of the page before", {"type": "string"}),
    _query(
        "updated_since",
        "Only what changed at or after this instant (ISO 8601 with its offset, e.g. "
        "2026-01-05T09:00:00Z); the list is then in order of `updated_at`, oldest first, so a "
        "sync walks forward and keeps the last item's `updated_at` for next time",
        {"type": "string", "format": "date-time"},
    ),
)
SORT_PARAMETERS: tuple[dict[str, Any], ...] = (
    _query(
        "sort",
        "Order (ignored with `updated_since`); newest request first by default",
        _choices([c.value for c in SortColumn]),
    ),
    _query("direction", "asc or desc", _choices(["asc", "desc"])),
)
