"""An agency lead's queue: every request made of one agency across the council's teams, a
page at a time, read only. What is still open comes earliest due first; the advice sealed
lately, newest first. Both walk by keyset cursors (``keyset``, through ``listing.walk``), and
each page, like the counts of both, is one statement whatever the page's depth or the data
held.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, Date, and_, func, literal, select
from sqlalchemy.orm import Session
from sqlalchemy.orm.interfaces import ORMOption

from advice_hub.assessments.keyset import KeyKind, SortKey
from advice_hub.assessments.listing import NO_DATE, Page, walk
from advice_hub.assessments.track import CLOSED_STATUSES_IN_SQL
from advice_hub.models import (
    AdviceRequest,
    Agency,
    Assessment,
    AssessmentStatus,
    RequestStatus,
)

OPEN_PAGE_SIZE = 50
SEALED_PAGE_SIZE = 25
SEALED_WITHIN = timedelta(days=90)
OPEN_ORDER = "agency_open:due"
SEALED_ORDER = "agency_sealed:submitted_at"

# When advice is now expected (an extension's or exception's date, else the statutory one),
# and a request not yet sent, which has neither, after every dated one. The far date is
# written into the SQL, not bound, so that an index on this expression matches it.
EFFECTIVE_DUE = func.coalesce(
    AdviceRequest.extended_due_on,
    AdviceRequest.due_on,
    literal(NO_DATE, Date(), literal_execute=True),
)
OPEN_KEYS = (
    SortKey(EFFECTIVE_DUE, KeyKind.DATE),
    SortKey(AdviceRequest.created_at, KeyKind.INSTANT),
)
SEALED_KEYS = (SortKey(AdviceRequest.submitted_at, KeyKind.INSTANT),)


def _still_open(agency: Agency) -> ColumnElement[bool]:
    """The agency's requests still waiting for advice, on assessments still going on; the
    statement must join ``Assessment``."""
    return and_(
        AdviceRequest.agency == agency.value,
        AdviceRequest.status.not_in(CLOSED_STATUSES_IN_SQL),
        Assessment.status != AssessmentStatus.CLOSED,
    )


def _sealed_since(agency: Agency, since: datetime) -> ColumnElement[bool]:
    return and_(
        AdviceRequest.agency == agency.value,
        AdviceRequest.status == RequestStatus.SUBMITTED,
        AdviceRequest.submitted_at >= since,
    )


def open_requests_page(
    session: Session,
    *,
    agency: Agency,
    cursor: str | None,
    size: int = OPEN_PAGE_SIZE,
    options: Sequence[ORMOption] = (),
) -> Page[AdviceRequest]:
    """One page of the agency's open requests, earliest due first (then the first made),
    from ``cursor``; CursorError (a ValueError) when the cursor cannot be used."""
    query = (
        select(AdviceRequest, *(k.expression for k in OPEN_KEYS))
        .join(Assessment, Assessment.id == AdviceRequest.assessment_id)
        .where(_still_open(agency))
        .options(*options)
    )
    return walk(
        session,
        query,
        keys=OPEN_KEYS,
        id_column=AdviceRequest.id,
        order=OPEN_ORDER,
        descending=False,
        cursor=cursor,
        size=size,
        row_id=lambda r: r.id,
    )


def sealed_advice_page(
    session: Session,
    *,
    agency: Agency,
    since: datetime,
    cursor: str | None,
    size: int = SEALED_PAGE_SIZE,
    options: Sequence[ORMOption] = (),
) -> Page[AdviceRequest]:
    """One page of the agency's advice submitted (and sealed) since ``since``, newest first,
    from ``cursor``; CursorError (a ValueError) when the cursor cannot be used."""
    query = (
        select(AdviceRequest, *(k.expression for k in SEALED_KEYS))
        .where(_sealed_since(agency, since))
        .options(*options)
    )
    return walk(
        session,
        query,
        keys=SEALED_KEYS,
        id_column=AdviceRequest.id,
        order=SEALED_ORDER,
        descending=True,
        cursor=cursor,
        size=size,
        row_id=lambda r: r.id,
    )


@dataclass(frozen=True)
class QueueCounts:
    """How many of the agency's requests are open, and how many it submitted lately."""

    open: int = 0
    sealed: int = 0


def queue_counts(session: Session, *, agency: Agency, since: datetime) -> QueueCounts:
    """Both counts in one statement: a subquery each, so each is counted on its own index."""
    still_open = (
        select(func.count())
        .select_from(AdviceRequest)
        .join(Assessment, Assessment.id == AdviceRequest.assessment_id)
        .where(_still_open(agency))
        .scalar_subquery()
    )
    sealed = (
        select(func.count())
        .select_from(AdviceRequest)
        .where(_sealed_since(agency, since))
        .scalar_subquery()
    )
    row = session.execute(select(still_open, sealed)).one()
    return QueueCounts(open=int(row[0] or 0), sealed=int(row[1] or 0))
