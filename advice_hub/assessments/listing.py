"""The list of assessments, a page at a time: sorted, narrowed (``list_filters``), counted
per filter and walked by keyset cursors (``keyset``), never by OFFSET.

Each function here sends one statement whatever the page size or the data held: a page of
rows (``assessment_page``), the counts the filter panel shows (``filter_counts``), the due
and overdue figures of the page's rows (``request_figures``). The staff list and the JSON API
read the same functions, within the scope the caller gives (``accounts.access`` for staff,
``accounts.api_keys.within_reach`` for a key).
"""

from __future__ import annotations

import enum
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any, Generic, TypeVar

from sqlalchemy import ColumnElement, Select, and_, case, func, literal, select
from sqlalchemy.orm import Session
from sqlalchemy.orm.interfaces import ORMOption

from advice_hub.assessments.keyset import (
    Cursor,
    Expression,
    KeyKind,
    SortKey,
    continues_from,
    decode_cursor,
    encode_cursor,
    ordering,
)
from advice_hub.assessments.list_filters import (
    ListFilter,
    ListingError,
    Stage,
    filter_clause,
    stage_expression,
)
from advice_hub.assessments.track import Track, track_expression
from advice_hub.models import CLOSED_STATUSES, AdviceRequest, Assessment, User

DEFAULT_PAGE_SIZE = 25
MAX_PAGE_SIZE = 200
DUE_SOON = timedelta(days=7)
# Far enough ahead to sort after any real date: an assessment whose milestones an exception
# holds has no final due date and sorts last.
NO_DATE = date(9999, 12, 31)
# Red first: the order a manager reads the track column in.
TRACK_RANK = {Track.LATE: 0, Track.AT_RISK: 1, Track.ON_HOLD: 2, Track.ON_TRACK: 3}
CLOSED_RANK = 4
Row = TypeVar("Row")


class SortColumn(enum.StrEnum):
    REFERENCE = "reference"
    CHILD = "child"
    REQUESTED_ON = "requested_on"
    FINAL_DUE = "final_due"
    CASE_OFFICER = "case_officer"
    TRACK = "track"
    # The API's sync order, with ``updated_since``.
    UPDATED = "updated_at"


@dataclass(frozen=True)
class Sort:
    column: SortColumn = SortColumn.REQUESTED_ON
    descending: bool = True

    @property
    def name(self) -> str:
        return f"{self.column.value}:{'desc' if self.descending else 'asc'}"


DEFAULT_SORT = Sort()


def parse_sort(column: str | None, direction: str | None) -> Sort:
    """A Sort from ``sort`` and ``direction`` values; newest request first by default."""
    if not column:
        return DEFAULT_SORT if not direction else Sort(descending=_descending(direction))
    try:
        chosen = SortColumn(column)
    except ValueError:
        names = ", ".join(c.value for c in SortColumn)
        raise ListingError("sort", f"Sort by one of {names}") from None
    # Dates newest first unless asked otherwise; names and references A to Z.
    if not direction:
        return Sort(chosen, descending=chosen is SortColumn.REQUESTED_ON)
    return Sort(chosen, descending=_descending(direction))


def _descending(direction: str) -> bool:
    if direction not in ("asc", "desc"):
        raise ListingError("direction", "Sort direction must be asc or desc")
    return direction == "desc"


def parse_page_size(raw: str | None, *, default: int = DEFAULT_PAGE_SIZE) -> int:
    if raw is None or raw == "":
        return default
    if not raw.isascii() or not raw.isdigit() or not 1 <= int(raw) <= MAX_PAGE_SIZE:
        raise ListingError("limit", f"Ask for between 1 and {MAX_PAGE_SIZE} rows at a time")
    return int(raw)


def _track_rank(today: date) -> ColumnElement[int]:
    track = track_expression(today)
    return case(
        *((track == t.value, literal(rank)) for t, rank in TRACK_RANK.items()),
        else_=literal(CLOSED_RANK),
    )


def sort_keys(column: SortColumn, today: date) -> list[SortKey]:
    """The order's columns before the id, none of them NULL."""
    if column is SortColumn.REFERENCE:
        return [SortKey(Assessment.reference, KeyKind.TEXT)]
    if column is SortColumn.CHILD:
        return [
            SortKey(Assessment.child_family_folded, KeyKind.TEXT),
            SortKey(Assessment.child_given_folded, KeyKind.TEXT),
        ]
    if column is SortColumn.REQUESTED_ON:
        return [SortKey(Assessment.requested_on, KeyKind.DATE)]
    if column is SortColumn.FINAL_DUE:
        no_date = literal(NO_DATE, Assessment.final_due_on.type)
        return [SortKey(func.coalesce(Assessment.final_due_on, no_date), KeyKind.DATE)]
    if column is SortColumn.CASE_OFFICER:
        officer = select(User.name).where(User.id == Assessment.case_officer_id)
        name = func.coalesce(officer.scalar_subquery(), literal(""))
        return [SortKey(name, KeyKind.TEXT)]
    if column is SortColumn.TRACK:
        return [SortKey(_track_rank(today), KeyKind.NUMBER)]
    return [SortKey(Assessment.updated_at, KeyKind.INSTANT)]


@dataclass(frozen=True)
class Page(Generic[Row]):
    """One page of rows in order, and the cursors to the pages either side of it."""

    rows: list[Row]
    next_cursor: str | None
    previous_cursor: str | None


def walk(
    session: Session,
    query: Select[Any, *tuple[Any, ...]],
    *,
    keys: Sequence[SortKey],
    id_column: Expression,
    order: str,
    descending: bool,
    cursor: str | None,
    size: int,
    row_id: Callable[[Any], uuid.UUID],
) -> Page[Any]:
    """One page of ``query`` (which selects the row then each key's value) from ``cursor``:
    the one walk every keyset list here and in ``agency_queue`` takes."""
    at: Cursor | None = None
    if cursor:
        at = decode_cursor(cursor, order=order, keys=keys)
        query = query.where(continues_from(keys, id_column, at, descending=descending))
    forward = at is None or at.forward
    # Backwards: the rows before the cursor, nearest first, then put back in order.
    query = query.order_by(*ordering(keys, id_column, descending=descending != (not forward)))
    found = list(session.execute(query.limit(size + 1)).all())
    more = len(found) > size
    found = found[:size]
    if not forward:
        found.reverse()

    def cursor_at(row: Any, ahead: bool) -> str:
        values = tuple(row[1 : 1 + len(keys)])
        return encode_cursor(Cursor(order, values, row_id(row[0]), forward=ahead))

    has_next = more if forward else True
    has_previous = at is not None if forward else more
    return Page(
        rows=[row[0] for row in found],
        next_cursor=cursor_at(found[-1], True) if found and has_next else None,
        previous_cursor=cursor_at(found[0], False) if found and has_previous else None,
    )


def assessment_page(
    session: Session,
    *,
    scope: ColumnElement[bool],
    listing: ListFilter,
    sort: Sort = DEFAULT_SORT,
    size: int = DEFAULT_PAGE_SIZE,
    cursor: str | None = None,
    today: date,
    updated_since: datetime | None = None,
    options: Sequence[ORMOption] = (),
) -> Page[Assessment]:
    """One page of the assessments ``scope`` reaches that ``listing`` finds, in ``sort``
    order, from ``cursor``; CursorError (a ValueError) when the cursor cannot be used."""
    keys = sort_keys(sort.column, today)
    query = (
        select(Assessment, *(k.expression for k in keys))
        .where(scope, filter_clause(listing, today=today))
        .options(*options)
    )
    if updated_since is not None:
        query = query.where(Assessment.updated_at >= updated_since)
    return walk(
        session,
        query,
        keys=keys,
        id_column=Assessment.id,
        order=sort.name,
        descending=sort.descending,
        cursor=cursor,
        size=size,
        row_id=lambda a: a.id,
    )


REQUEST_ORDER = "requests:created_at"
REQUEST_SYNC_ORDER = "requests:updated_at"


def advice_request_page(
    session: Session,
    *,
    scope: ColumnElement[bool],
    listing: ListFilter,
    size: int,
    cursor: str | None,
    today: date,
    updated_since: datetime | None = None,
    options: Sequence[ORMOption] = (),
) -> Page[AdviceRequest]:
    """One page of the advice requests of the assessments ``scope`` reaches and ``listing``
    finds (its agency and request status on the request itself), oldest first, or by when
    they last changed when ``updated_since`` is given."""
    assessment_filter = ListFilter(
        search=listing.search,
        officer_id=listing.officer_id,
        team_id=listing.team_id,
        stage=listing.stage,
        track=listing.track,
    )
    if updated_since is None:
        keys, order = [SortKey(AdviceRequest.created_at, KeyKind.INSTANT)], REQUEST_ORDER
    else:
        keys, order = [SortKey(AdviceRequest.updated_at, KeyKind.INSTANT)], REQUEST_SYNC_ORDER
    query = (
        select(AdviceRequest, *(k.expression for k in keys))
        .join(Assessment, Assessment.id == AdviceRequest.assessment_id)
        .where(scope, filter_clause(assessment_filter, today=today))
        .options(*options)
    )
    if listing.agency is not None:
        query = query.where(AdviceRequest.agency == listing.agency.value)
    if listing.request_status is not None:
        query = query.where(AdviceRequest.status == listing.request_status.value)
    if updated_since is not None:
        query = query.where(AdviceRequest.updated_at >= updated_since)
    return walk(
        session,
        query,
        keys=keys,
        id_column=AdviceRequest.id,
        order=order,
        descending=False,
        cursor=cursor,
        size=size,
        row_id=lambda r: r.id,
    )


# --- Counts and figures ------------------------------------------------------------------------


@dataclass(frozen=True)
class FilterCounts:
    """How many assessments the scope and the search find (``total``), how many of those
    every filter keeps too (``matching``), and how many are at each track and stage."""

    total: int = 0
    matching: int = 0
    tracks: dict[Track, int] = field(default_factory=dict)
    closed: int = 0  # on no track
    stages: dict[Stage, int] = field(default_factory=dict)


def filter_counts(
    session: Session, *, scope: ColumnElement[bool], listing: ListFilter, today: date
) -> FilterCounts:
    """The filter panel's counts, in one aggregate statement: the rows grouped by track,
    stage and whether every filter keeps them (at most 5 x 5 x 2 groups), so the track rule
    is evaluated once a row and the sums are made here."""
    inner = (
        select(
            track_expression(today).label("track"),
            stage_expression().label("stage"),
            filter_clause(listing, today=today).label("kept"),
        )
        .where(scope, filter_clause(listing.filters_only, today=today))
        .subquery()
    )
    groups = session.execute(
        select(inner.c.track, inner.c.stage, inner.c.kept, func.count()).group_by(
            inner.c.track, inner.c.stage, inner.c.kept
        )
    ).all()
    tracks = dict.fromkeys(Track, 0)
    stages = dict.fromkeys(Stage, 0)
    total = matching = closed = 0
    for track, stage, kept, count in groups:
        total += count
        matching += count if kept else 0
        if track is None:
            closed += count
        else:
            tracks[Track(track)] += count
        stages[Stage(stage)] += count
    return FilterCounts(total=total, matching=matching, tracks=tracks, closed=closed, stages=stages)


@dataclass(frozen=True)
class RequestFigures:
    """An assessment's open advice requests past their date, and due within a week."""

    overdue: int = 0
    due_soon: int = 0


def request_figures(
    session: Session, assessment_ids: Sequence[uuid.UUID], *, today: date
) -> dict[uuid.UUID, RequestFigures]:
    """The due and overdue figures of these assessments (a page's), in one grouped query."""
    if not assessment_ids:
        return {}
    due = func.coalesce(AdviceRequest.extended_due_on, AdviceRequest.due_on)
    is_open = AdviceRequest.status.not_in([str(s) for s in CLOSED_STATUSES])
    overdue = func.sum(case((and_(is_open, due < today), 1), else_=0))
    soon = func.sum(case((and_(is_open, due >= today, due <= today + DUE_SOON), 1), else_=0))
    rows = session.execute(
        select(AdviceRequest.assessment_id, overdue, soon)
        .where(AdviceRequest.assessment_id.in_(list(assessment_ids)))
        .group_by(AdviceRequest.assessment_id)
    )
    figures = dict.fromkeys(assessment_ids, RequestFigures())
    for assessment_id, late, coming in rows:
        figures[assessment_id] = RequestFigures(overdue=int(late or 0), due_soon=int(coming or 0))
    return figures
