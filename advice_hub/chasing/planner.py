"""Which chase message a request should get now: pure functions over plain data.

Nothing here reads the clock or the database. The clock's sweep builds a ``RequestFacts`` for
each open request, calls ``plan_messages`` and queues what comes back through the outbox, with
each message's ``key`` under a unique constraint per request, so two clocks planning from the
same state produce the same key and only one of them wins.

Two tracks, decided separately:

* **The contributor's track** (``plan_next``): reminders before the due date, a message on it,
  then a chase every N working days while overdue, up to a cap. At most one email to the
  contributor per working day. The plan is state-based: the message due now is the *latest*
  milestone that has come, and it is sent unless a contributor message already went on or after
  that milestone's day. So a clock that was down over several milestones sends one catch-up
  message (the latest) and the missed ones are never produced afterwards.
* **Escalations** (``plan_escalations``): to the agency's lead and to the case officer's manager,
  once each per due date, when the request is that many working days overdue. They go to other
  people, so they do not use up the contributor's one email a day (an escalation and a chase
  may fall on the same day, as they do by default at 5 working days overdue); each recipient
  still gets at most one a day. After an outage over both thresholds both people are told:
  neither message is a repeat for its reader.

Both tracks stop for a closed request or assessment, wait for the first email to be received,
and pause on any day covered by an exception.

Planned outside office hours, a message is for the next working day's opening (``send_at``),
and the milestone chosen is the latest one due by that day. What the caller must do:

* record each queued message in ``sent`` with ``at = send_at``;
* queue under a unique (request, ``key``) constraint, so the second of two racing clocks fails;
* cancel a queued chase that has not gone when the request stops or pauses (or re-check at
  send time), and leave cancelled rows out of ``sent`` and of the uniqueness check, so the
  milestone can be planned again after a pause.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache

from advice_hub.chasing.policy import AgencyPolicy, ChasePolicy
from advice_hub.deadlines import (
    LONDON,
    add_working_days,
    is_working_day,
    london_date,
    next_sending_instant,
)
from advice_hub.display import plural
from advice_hub.models import RequestStatus


class ChaseKind(enum.StrEnum):
    REMINDER = "reminder"  # before the due date; PlannedMessage.sequence says how many days
    DUE_TODAY = "due_today"
    OVERDUE_CHASE = "overdue_chase"  # sequence: the chase's number, 1 to max_chases
    ESCALATION_LEAD = "escalation_lead"  # to the agency's lead (DCO, DSCO, principal EP, ...)
    ESCALATION_MANAGER = "escalation_manager"  # to the case officer's manager
    MANUAL_CHASE = "manual_chase"  # a case officer pressed "chase now"


class Recipient(enum.StrEnum):
    CONTRIBUTOR = "contributor"
    LEAD = "lead"
    MANAGER = "manager"


RECIPIENT_OF = {
    ChaseKind.REMINDER: Recipient.CONTRIBUTOR,
    ChaseKind.DUE_TODAY: Recipient.CONTRIBUTOR,
    ChaseKind.OVERDUE_CHASE: Recipient.CONTRIBUTOR,
    ChaseKind.ESCALATION_LEAD: Recipient.LEAD,
    ChaseKind.ESCALATION_MANAGER: Recipient.MANAGER,
    ChaseKind.MANUAL_CHASE: Recipient.CONTRIBUTOR,
}

# An allowlist, so a status added later is not chased until someone decides it should be.
# Closed statuses are never chased; nor is awaiting_sign_off (the author has done their part),
# queued (not received yet) or send_failed (chasing a failed address only adds noise; the
# case officer has to fix it).
CHASED_STATUSES = frozenset(
    {RequestStatus.SENT, RequestStatus.OPENED, RequestStatus.DRAFT, RequestStatus.RETURNED}
)


ExceptionPeriod = tuple[date, date | None]
SentMessage = tuple[str, datetime]


@dataclass(frozen=True)
class RequestFacts:
    """What the planner needs to know about one advice request.

    ``exceptions``: periods ``(start, end)`` of London dates, both inclusive, during which
    chasing pauses; ``end`` is ``None`` while the exception still holds. ``extended_due_on``
    replaces ``due_on`` for every message when a lawful exception moved the deadline.
    ``sent``: the chase messages already sent or queued for this request, as ``(kind, at)``
    with ``at`` the instant the message went or will go out (its ``send_at``), in UTC. The
    first request email is not in it.
    """

    request_id: str
    agency: str
    status: str
    received_at: datetime | None
    due_on: date | None
    assessment_closed: bool = False
    exceptions: Sequence[ExceptionPeriod] = ()
    extended_due_on: date | None = None
    sent: Sequence[SentMessage] = ()

    @property
    def effective_due_on(self) -> date | None:
        return self.extended_due_on or self.due_on

    def paused_on(self, day: date) -> bool:
        """True when an exception covers ``day``."""
        return any(start <= day and (end is None or day <= end) for start, end in self.exceptions)

    def days_sent(self, recipient: Recipient) -> list[date]:
        """The London dates of messages already sent or queued to ``recipient``."""
        return [
            london_date(at) for kind, at in self.sent if RECIPIENT_OF[ChaseKind(kind)] is recipient
        ]

    def days_sent_of(self, kind: ChaseKind) -> list[date]:
        return [london_date(at) for sent_kind, at in self.sent if ChaseKind(sent_kind) is kind]


@dataclass(frozen=True, slots=True)
class Milestone:
    """One scheduled message: the working day it is meant to go on."""

    on: date
    kind: ChaseKind
    sequence: int | None
    label: str


@dataclass(frozen=True, slots=True)
class PlannedMessage:
    """A message to queue now, to go out at ``send_at`` (inside office hours, UTC).

    ``key`` is stable for a given request state (kind, number and due date), for a unique
    constraint per request. ``milestone_on`` is the day it was meant for; ``catch_up`` is true
    when it goes later than that (the clock was down or chasing was paused).
    """

    request_id: str
    kind: ChaseKind
    recipient: Recipient
    recipient_title: str
    key: str
    reason: str
    send_at: datetime
    due_on: date
    milestone_on: date
    sequence: int | None
    catch_up: bool


# --- The schedule ------------------------------------------------------------------------------


def _long_date(day: date) -> str:
    return f"{day:%A} {day.day} {day:%B %Y}"


def _days(count: int) -> str:
    return plural(count, "day", "days")


def _working_days(count: int) -> str:
    return plural(count, "working day", "working days")


def _previous_working_day(day: date) -> date:
    while not is_working_day(day):
        day -= timedelta(days=1)
    return day


@lru_cache(maxsize=4096)
def contributor_schedule(
    received_on: date, due: date, policy: AgencyPolicy
) -> tuple[Milestone, ...]:
    """The contributor's messages for a request received on ``received_on``, due on ``due``.

    A reminder (or the due-date message) meant for a weekend or bank holiday goes on the
    working day before: a reminder is useful early, not late. One meant for the day of
    receipt or earlier is dropped. When two land on the same working day the one nearer the
    due date is kept. Overdue chases count working days from the due date.
    """
    before: list[tuple[date, ChaseKind, int | None, str]] = [
        (due - timedelta(days=days), ChaseKind.REMINDER, days, f"{_days(days)} before due")
        for days in policy.reminder_days_before
    ]
    if policy.remind_on_due_date:
        label = "due today"
        if not is_working_day(due):
            label = f"due on {_long_date(due)}, not a working day"
        before.append((due, ChaseKind.DUE_TODAY, None, label))
    by_day: dict[date, Milestone] = {}
    for meant_for, kind, sequence, label in sorted(before, key=lambda item: item[0]):
        on = _previous_working_day(meant_for)
        if on > received_on:
            by_day[on] = Milestone(on, kind, sequence, label)  # later in the loop: nearer due
    milestones = sorted(by_day.values(), key=lambda milestone: milestone.on)
    every = policy.overdue_chase_every_working_days
    for number in range(1, policy.max_chases + 1):
        milestones.append(
            Milestone(
                add_working_days(due, number * every),
                ChaseKind.OVERDUE_CHASE,
                number,
                f"{_working_days(number * every)} overdue (chase {number} of {policy.max_chases})",
            )
        )
    return tuple(milestones)


@lru_cache(maxsize=4096)
def escalation_schedule(due: date, policy: AgencyPolicy) -> tuple[Milestone, ...]:
    """The escalations for a request due on ``due``: lead (if the agency has one), manager."""
    escalations = []
    if policy.escalate_to_lead:
        days = policy.escalate_to_lead_after_working_days
        escalations.append(
            Milestone(
                add_working_days(due, days),
                ChaseKind.ESCALATION_LEAD,
                days,
                f"{_working_days(days)} overdue: escalated to the {policy.lead_title}",
            )
        )
    days = policy.escalate_to_manager_after_working_days
    escalations.append(
        Milestone(
            add_working_days(due, days),
            ChaseKind.ESCALATION_MANAGER,
            days,
            f"{_working_days(days)} overdue: escalated to the case officer's manager",
        )
    )
    return tuple(escalations)


# --- Planning ------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Moment:
    policy: AgencyPolicy
    due: date
    received_on: date
    send_at: datetime
    send_day: date


def _moment(facts: RequestFacts, policy: ChasePolicy, now: datetime) -> _Moment | None:
    """Where planning stands at ``now``, or None when nothing may be planned at all."""
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    due = facts.effective_due_on
    if (
        facts.status not in CHASED_STATUSES
        or facts.assessment_closed
        or facts.received_at is None
        or due is None
        or now < facts.received_at
    ):
        return None
    agency_policy = policy.for_agency(facts.agency)
    send_at = next_sending_instant(
        now, opens=agency_policy.office_opens, closes=agency_policy.office_closes
    )
    send_day = london_date(send_at)
    if facts.paused_on(london_date(now)) or facts.paused_on(send_day):
        return None
    return _Moment(agency_policy, due, london_date(facts.received_at), send_at, send_day)


def _message(
    facts: RequestFacts, moment: _Moment, milestone: Milestone, key: str
) -> PlannedMessage:
    catch_up = milestone.on < moment.send_day
    reason = milestone.label
    if catch_up:
        reason += f"; meant for {_long_date(milestone.on)}, sent late"
    recipient = RECIPIENT_OF[milestone.kind]
    title = {
        Recipient.CONTRIBUTOR: "contributor",
        Recipient.LEAD: moment.policy.lead_title,
        Recipient.MANAGER: "case officer's manager",
    }[recipient]
    return PlannedMessage(
        request_id=facts.request_id,
        kind=milestone.kind,
        recipient=recipient,
        recipient_title=title,
        key=key,
        reason=reason,
        send_at=moment.send_at,
        due_on=moment.due,
        milestone_on=milestone.on,
        sequence=milestone.sequence,
        catch_up=catch_up,
    )


def _contributor_key(milestone: Milestone, due: date) -> str:
    if milestone.sequence is None:
        return f"{milestone.kind}:{due.isoformat()}"
    return f"{milestone.kind}:{milestone.sequence}:{due.isoformat()}"


def plan_next(facts: RequestFacts, policy: ChasePolicy, now: datetime) -> PlannedMessage | None:
    """The one message the contributor should get now, or None.

    The latest milestone on or before the day the message would go out is sent, unless a
    contributor message already went (or is queued) on or after that milestone's day, or
    already on that day. Earlier missed milestones are skipped for good.
    """
    moment = _moment(facts, policy, now)
    if moment is None:
        return None
    days_sent = facts.days_sent(Recipient.CONTRIBUTOR)
    if any(day >= moment.send_day for day in days_sent):
        return None  # one email a working day, and never one before a message already queued
    schedule = contributor_schedule(moment.received_on, moment.due, moment.policy)
    come = [milestone for milestone in schedule if milestone.on <= moment.send_day]
    if not come:
        return None
    latest = come[-1]
    if any(day >= latest.on for day in days_sent):
        return None  # this milestone (or its catch-up) has been sent
    return _message(facts, moment, latest, _contributor_key(latest, moment.due))


def plan_escalations(
    facts: RequestFacts, policy: ChasePolicy, now: datetime
) -> list[PlannedMessage]:
    """Escalations due now: each once per due date, on or after its working day."""
    moment = _moment(facts, policy, now)
    if moment is None:
        return []
    planned = []
    for milestone in escalation_schedule(moment.due, moment.policy):
        if milestone.on > moment.send_day:
            continue
        # Sent after this due date means sent for it; an extension earns a fresh escalation.
        if any(day > moment.due for day in facts.days_sent_of(milestone.kind)):
            continue
        planned.append(
            _message(facts, moment, milestone, f"{milestone.kind}:{moment.due.isoformat()}")
        )
    return planned


def plan_messages(facts: RequestFacts, policy: ChasePolicy, now: datetime) -> list[PlannedMessage]:
    """Everything to queue for one request at ``now``: escalations, then the contributor's."""
    planned = plan_escalations(facts, policy, now)
    contributor = plan_next(facts, policy, now)
    if contributor is not None:
        planned.append(contributor)
    return planned


# --- Simulation ----------------------------------------------------------------------------------

# London wall-clock times the simulated clock sweeps at each day: before, at and after opening,
# and after closing, so deferral to the next working day is exercised.
DEFAULT_SWEEP_TIMES = (time(0, 5), time(9, 0), time(13, 0), time(16, 30))


def sweep_instants(
    start: datetime, end: datetime, sweep_times: Iterable[time] = DEFAULT_SWEEP_TIMES
) -> Iterator[datetime]:
    """Each day's sweep times (London wall clock) from ``start`` to ``end``, in UTC."""
    times = sorted(sweep_times)
    day = london_date(start)
    while day <= london_date(end):
        for at in times:
            instant = datetime.combine(day, at, tzinfo=LONDON).astimezone(UTC)
            if start <= instant <= end:
                yield instant
        day += timedelta(days=1)


def simulate_request(
    facts: RequestFacts,
    policy: ChasePolicy,
    start: datetime,
    end: datetime,
    submitted_at: datetime | None = None,
    *,
    clock_down: Sequence[tuple[datetime, datetime]] = (),
    sweep_times: Iterable[time] = DEFAULT_SWEEP_TIMES,
) -> list[PlannedMessage]:
    """The messages one request would receive between ``start`` and ``end``.

    A clock sweeps at ``sweep_times`` each day, except while ``clock_down`` (periods
    ``[from, to)``), queuing what ``plan_messages`` returns into the request's history. At
    ``submitted_at`` the request is submitted: no more planning, and a message queued for
    later is cancelled (the outbox must do the same). Returns the messages that go out,
    in order.
    """
    history = list(facts.sent)
    delivered: list[PlannedMessage] = []
    for now in sweep_instants(start, end, sweep_times):
        if submitted_at is not None and now >= submitted_at:
            break
        if any(down_from <= now < down_to for down_from, down_to in clock_down):
            continue
        for message in plan_messages(replace(facts, sent=tuple(history)), policy, now):
            history.append((message.kind.value, message.send_at))
            if message.send_at <= end and (submitted_at is None or message.send_at < submitted_at):
                delivered.append(message)
    return sorted(delivered, key=lambda message: message.send_at)
