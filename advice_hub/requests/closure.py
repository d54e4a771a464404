"""What happened to a request that no longer takes advice, as its contributor is told it.

A request closes without advice in one of three ways: its contributor says the child or young
person is not known to their service (DECLINED), passes it to a colleague (PASSED_ON), or the
case officer withdraws it (WITHDRAWN), which they also do when existing advice is used instead
(reg 6(4)). Whoever opens the request's old link, or comes back to one of its pages, is told
which, when, and to whom the request went. Of a colleague it was passed to, only their name and
organisation are told: never their email address, role or link.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from advice_hub.models import AdviceRequest, AdviceReuse, RequestStatus


@dataclass(frozen=True)
class PassedTo:
    """The colleague a request was passed to, as much as the old link may show."""

    name: str
    organisation: str


@dataclass(frozen=True)
class ReusedAdvice:
    """The existing advice used instead of the request (reg 6(4))."""

    author_name: str
    advice_dated: date


@dataclass(frozen=True)
class Closure:
    """What closed a request: `status` (DECLINED, PASSED_ON or WITHDRAWN) and when (`at`,
    None only for a row older than the column that records it); for a request passed on, to
    whom; for one withdrawn because existing advice is used, which advice."""

    status: RequestStatus
    at: datetime | None
    passed_to: PassedTo | None = None
    reused: ReusedAdvice | None = None


def closure_of(session: Session, advice_request: AdviceRequest) -> Closure | None:
    """How `advice_request` closed without advice, or None while it is open or once it was
    submitted (the receipt tells that story)."""
    status = RequestStatus(advice_request.status)
    if status == RequestStatus.DECLINED:
        return Closure(status, advice_request.declined_at)
    if status == RequestStatus.PASSED_ON:
        successor = advice_request.passed_on_to
        if successor is None:
            return Closure(status, None)
        colleague = successor.contributor
        # The colleague's request is made in the same transaction as the hand-over.
        return Closure(
            status, successor.created_at, passed_to=PassedTo(colleague.name, colleague.organisation)
        )
    if status == RequestStatus.WITHDRAWN:
        reuse = session.scalar(
            select(AdviceReuse).where(AdviceReuse.replaced_request_id == advice_request.id)
        )
        reused = ReusedAdvice(reuse.author_name, reuse.advice_dated) if reuse else None
        return Closure(status, advice_request.withdrawn_at, reused=reused)
    return None
