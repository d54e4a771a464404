"""What a case officer sees of chasing on one request's row: the next email the service plans
to send the contributor (or why there is none), and whether "chase now" would be accepted.

``chase_now_refusal`` is the one place that decides whether a chase may go now: the page asks
it before offering the action, and ``control.chase_now`` asks it again, under the request's
lock, when the officer presses the button, so the page never offers what would be refused and
a change made in between (another officer's chase, a new exception) is still refused.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from sqlalchemy.orm import Session

from advice_hub.chasing.planner import (
    CHASED_STATUSES,
    RECIPIENT_OF,
    ChaseKind,
    Recipient,
    RequestFacts,
    contributor_schedule,
    plan_next,
)
from advice_hub.chasing.policy import ChasePolicy
from advice_hub.chasing.state import columns_by_request, exception_periods
from advice_hub.chasing.sweep import request_facts
from advice_hub.deadlines import LONDON, london_date, next_sending_instant, next_working_day
from advice_hub.display import long_date
from advice_hub.models import AdviceRequest, Chase, RequestStatus

# Why a request in a status that is not chased gets no chase; any other status is closed.
NOT_CHASED = {
    RequestStatus.QUEUED: "Chasing starts when the request email is received",
    RequestStatus.SEND_FAILED: "Not chased: the request email could not be sent",
    RequestStatus.AWAITING_SIGN_OFF: "Not chased while the advice waits for sign-off",
}


@dataclass(frozen=True)
class NextChase:
    """The next email to the contributor: already queued, or what the clock will plan."""

    send_at: datetime
    reason: str
    queued: bool

    @property
    def day(self) -> date:
        return london_date(self.send_at)


@dataclass(frozen=True)
class ChaseOutlook:
    next_chase: NextChase | None
    no_next_chase: str  # why there is no next chase; empty when there is one
    chase_now_refusal: str | None  # why "chase now" would be refused; None when it would go

    @property
    def can_chase_now(self) -> bool:
        return self.chase_now_refusal is None


def chase_now_refusal(facts: RequestFacts, now: datetime, *, contributor: str) -> str | None:
    """Why a case officer's "chase now" would be refused at ``now``, or None when it would be
    queued: at most one email to the contributor a working day, never while an exception
    holds, never on the day the request itself arrived."""
    if facts.assessment_closed:
        return "This assessment is closed, so its requests are not chased"
    if facts.status not in CHASED_STATUSES:
        return (
            f"This request is not waiting for advice ({RequestStatus(facts.status).label.lower()})"
        )
    if facts.received_at is None or facts.due_on is None:
        return "The first email has not been received yet, so there is nothing to chase"
    day = london_date(next_sending_instant(now))
    if facts.paused_on(london_date(now)) or facts.paused_on(day):
        return "Chasing is paused while the exception recorded on this request holds"
    if london_date(facts.received_at) == day:
        return "The request itself was received today: chase on the next working day"
    if day in facts.days_sent(Recipient.CONTRIBUTOR):
        when = "today" if day == london_date(now) else f"on {day:%A} {long_date(day)}"
        return f"{contributor} already gets an email {when}"
    return None


def _planning_instants(
    facts: RequestFacts, policy: ChasePolicy, now: datetime
) -> Iterator[datetime]:
    """``now``, then the opening of each working day until the contributor's schedule (and any
    exception that holds back its last message) has run out."""
    agency = policy.for_agency(facts.agency)
    due = facts.effective_due_on
    assert facts.received_at is not None and due is not None
    schedule = contributor_schedule(london_date(facts.received_at), due, agency)
    last = max([m.on for m in schedule] + [end for _, end in facts.exceptions if end is not None])
    yield now
    day = next_working_day(london_date(now) + timedelta(days=1))
    while day <= next_working_day(last + timedelta(days=1)):
        yield datetime.combine(day, agency.office_opens, tzinfo=LONDON).astimezone(UTC)
        day = next_working_day(day + timedelta(days=1))


def next_chase(
    facts: RequestFacts,
    policy: ChasePolicy,
    now: datetime,
    queued: Sequence[tuple[str, datetime, str]] = (),
) -> tuple[NextChase | None, str]:
    """The next email the contributor gets if nothing changes, or why there is none.

    ``queued`` holds the request's live chases as (kind, send_at, reason): one still to go is
    the next chase. Otherwise the planner is asked, as the clock will ask it, at each working
    day's opening until the schedule has run out.
    """
    if facts.assessment_closed:
        return None, "Not chased: the assessment is closed"
    if facts.status not in CHASED_STATUSES:
        status = RequestStatus(facts.status)
        return None, NOT_CHASED.get(status, f"Not chased: {status.label.lower()}")
    if facts.received_at is None or facts.effective_due_on is None:
        return None, NOT_CHASED[RequestStatus.QUEUED]
    waiting = sorted(
        (send_at, reason)
        for kind, send_at, reason in queued
        if RECIPIENT_OF[ChaseKind(kind)] is Recipient.CONTRIBUTOR and send_at > now
    )
    if waiting:
        send_at, reason = waiting[0]
        return NextChase(send_at, reason, queued=True), ""
    for at in _planning_instants(facts, policy, now):
        planned = plan_next(facts, policy, at)
        if planned is not None:
            return NextChase(planned.send_at, planned.reason, queued=False), ""
    if any(end is None for _, end in facts.exceptions):
        return None, "No chase while the exception recorded on this request holds"
    return None, "No more chases: every reminder and chase has gone"


def chase_outlooks(
    session: Session,
    advice_requests: Sequence[AdviceRequest],
    policy: ChasePolicy,
    *,
    now: datetime,
) -> dict[uuid.UUID, ChaseOutlook]:
    """Each request's outlook, read in two statements however many requests there are."""
    ids = [r.id for r in advice_requests]
    live = columns_by_request(
        session,
        (Chase.kind, Chase.send_at, Chase.reason),
        Chase.advice_request_id,
        ids,
        Chase.cancelled_at.is_(None),
    )
    exceptions = exception_periods(session, ids)
    outlooks = {}
    for advice_request in advice_requests:
        chases = live.get(advice_request.id, [])
        facts = request_facts(
            advice_request,
            [(kind, send_at) for kind, send_at, _ in chases],
            exceptions.get(advice_request.id, ()),  # type: ignore[arg-type]
        )
        upcoming, why_none = next_chase(facts, policy, now, chases)  # type: ignore[arg-type]
        outlooks[advice_request.id] = ChaseOutlook(
            next_chase=upcoming,
            no_next_chase=why_none,
            chase_now_refusal=chase_now_refusal(
                facts, now, contributor=advice_request.contributor.name
            ),
        )
    return outlooks
