"""Where a request stands with chasing: still chased (waiting for advice on an open
assessment), or paused by a reg 8(2) exception that holds today. Read by the sweep, by "chase
now" and by delivery, which re-checks a chase when it is sent."""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from advice_hub.chasing import CHASED_STATUSES
from advice_hub.deadlines import london_date
from advice_hub.models import (
    AdviceRequest,
    AssessmentStatus,
    RequestException,
)


def columns_by_request(
    session: Session, columns: tuple[Any, ...], request_column: Any, ids: list[Any], *where: Any
) -> dict[Any, list[tuple[Any, ...]]]:
    """Plain rows of ``columns`` grouped by request id: the sweep reads every open request's
    history on each run, so it reads tuples rather than building ORM objects."""
    grouped: dict[Any, list[tuple[Any, ...]]] = defaultdict(list)
    for start in range(0, len(ids), 500):
        rows = session.execute(
            select(request_column, *columns).where(
                request_column.in_(ids[start : start + 500]), *where
            )
        )
        for request_id, *values in rows:
            grouped[request_id].append(tuple(values))
    return grouped


def exception_periods(session: Session, ids: list[Any]) -> dict[Any, list[tuple[Any, ...]]]:
    return columns_by_request(
        session,
        (RequestException.starts_on, RequestException.ends_on),
        RequestException.advice_request_id,
        ids,
    )


def still_chased(advice_request: AdviceRequest) -> bool:
    """True while the request waits for advice and its assessment is open."""
    return (
        advice_request.status in CHASED_STATUSES
        and advice_request.assessment.status == AssessmentStatus.AGREED
    )


def paused_request_ids(session: Session, ids: list[Any], *, now: datetime) -> set[Any]:
    if not ids:
        return set()
    today = london_date(now)
    return {
        request_id
        for request_id, periods in exception_periods(session, ids).items()
        if any(start <= today and (end is None or today <= end) for start, end in periods)
    }


def is_paused(session: Session, advice_request: AdviceRequest, *, now: datetime) -> bool:
    """True when a reg 8(2) exception recorded on the request holds today."""
    return advice_request.id in paused_request_ids(session, [advice_request.id], now=now)
