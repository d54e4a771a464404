"""The chase planner on real England calendars (Easter and Christmas 2027).

The main example is a health request received on Monday 1 February 2027, due Monday 15 March:
reminders on 1 and 8 March, the due-date message on 15 March, chases every 5 working days from
Monday 22 March (Good Friday and Easter Monday push the second to Wednesday 31 March), the DCO
told on 22 March and the manager on 31 March.
"""

from __future__ import annotations

import random
from dataclasses import replace
from datetime import UTC, date, datetime, time, timedelta

import pytest

from advice_hub.chasing.planner import (
    CHASED_STATUSES,
    ChaseKind,
    PlannedMessage,
    Recipient,
    RequestFacts,
    plan_escalations,
    plan_messages,
    plan_next,
    simulate_request,
)
from advice_hub.chasing.policy import AgencyPolicy, ChasePolicy, default_policy
from advice_hub.deadlines import (
    LONDON,
    add_working_days,
    advice_due_on,
    is_working_day,
    london_date,
    next_working_day,
)
from advice_hub.models import CLOSED_STATUSES, Agency, RequestStatus

POLICY = default_policy()


def london(
    year: int, month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0
) -> datetime:
    """The UTC instant of a London wall-clock time."""
    return datetime(year, month, day, hour, minute, second, tzinfo=LONDON).astimezone(UTC)


def at_nine(day: date) -> datetime:
    return datetime.combine(day, time(9, 0), tzinfo=LONDON).astimezone(UTC)


RECEIVED = london(2027, 2, 1, 10, 15)
UNSET: date = date.min


def make_facts(
    *,
    received_at: datetime | None = RECEIVED,
    due_on: date | None = UNSET,
    agency: str = Agency.HEALTH,
    status: str = RequestStatus.OPENED,
    **changes: object,
) -> RequestFacts:
    """A request received (by default) at 10:15 on Monday 1 February 2027, due 15 March."""
    if due_on is UNSET:
        due_on = advice_due_on(received_at) if received_at else None
    facts = RequestFacts(
        request_id="req-1",
        agency=str(agency),
        status=str(status),
        received_at=received_at,
        due_on=due_on,
    )
    return replace(facts, **changes)  # type: ignore[arg-type]


def after(facts: RequestFacts, *messages: PlannedMessage) -> RequestFacts:
    """``facts`` with ``messages`` queued."""
    sent = [*facts.sent, *((message.kind.value, message.send_at) for message in messages)]
    return replace(facts, sent=tuple(sent))


def sent_on(kind: ChaseKind, day: date) -> tuple[str, datetime]:
    return (kind.value, at_nine(day))


# --- Reminders, on their day or the working day before ------------------------------------------


def test_the_example_request_is_due_on_monday_15_march() -> None:
    assert make_facts().due_on == date(2027, 3, 15)


@pytest.mark.parametrize(
    ("day", "kind", "sequence", "key", "reason"),
    [
        (date(2027, 3, 1), ChaseKind.REMINDER, 14, "reminder:14:2027-03-15", "14 days before due"),
        (date(2027, 3, 8), ChaseKind.REMINDER, 7, "reminder:7:2027-03-15", "7 days before due"),
        (date(2027, 3, 15), ChaseKind.DUE_TODAY, None, "due_today:2027-03-15", "due today"),
    ],
)
def test_each_reminder_is_planned_for_nine_on_its_day(
    day: date, kind: ChaseKind, sequence: int | None, key: str, reason: str
) -> None:
    message = plan_next(make_facts(), POLICY, datetime.combine(day, time(0, 5), tzinfo=LONDON))
    assert message is not None
    assert (message.kind, message.sequence, message.key, message.reason) == (
        kind,
        sequence,
        key,
        reason,
    )
    assert message.send_at == at_nine(day)
    assert message.send_at.tzinfo is UTC
    assert message.recipient is Recipient.CONTRIBUTOR
    assert message.catch_up is False


def test_nothing_is_planned_between_milestones() -> None:
    facts = make_facts()
    assert plan_next(facts, POLICY, london(2027, 2, 26, 10)) is None
    first = plan_next(facts, POLICY, london(2027, 3, 1, 10))
    assert first is not None
    assert plan_next(after(facts, first), POLICY, london(2027, 3, 4, 10)) is None


def test_a_reminder_falling_on_good_friday_goes_on_the_thursday_before() -> None:
    # Due Friday 9 April 2027: 14 days before is Good Friday, 26 March.
    facts = make_facts(received_at=london(2027, 2, 26, 11))
    assert facts.due_on == date(2027, 4, 9)
    assert plan_next(facts, POLICY, london(2027, 3, 24, 12)) is None
    message = plan_next(facts, POLICY, london(2027, 3, 25, 12))
    assert message is not None
    assert (message.kind, message.sequence) == (ChaseKind.REMINDER, 14)
    assert message.send_at == london(2027, 3, 25, 12)


def test_a_reminder_falling_on_easter_monday_goes_on_the_thursday_before() -> None:
    # Due Monday 5 April 2027: 7 days before is Easter Monday, and Good Friday is a holiday too.
    facts = make_facts(received_at=london(2027, 2, 22, 9, 30))
    assert facts.due_on == date(2027, 4, 5)
    first = plan_next(facts, POLICY, london(2027, 3, 22, 9, 30))
    assert first is not None
    message = plan_next(after(facts, first), POLICY, london(2027, 3, 25, 9, 30))
    assert message is not None
    assert (message.kind, message.sequence) == (ChaseKind.REMINDER, 7)


def test_a_saturday_due_date_is_announced_on_the_friday_before() -> None:
    facts = make_facts(received_at=london(2027, 3, 6, 10))
    assert facts.due_on == date(2027, 4, 17)
    message = plan_next(
        replace(facts, sent=(sent_on(ChaseKind.REMINDER, date(2027, 4, 9)),)),
        POLICY,
        london(2027, 4, 16, 8),
    )
    assert message is not None
    assert message.kind is ChaseKind.DUE_TODAY
    assert message.reason == "due on Saturday 17 April 2027, not a working day"
    assert message.send_at == london(2027, 4, 16, 9)


def test_a_bank_holiday_due_date_at_christmas_is_announced_on_christmas_eve() -> None:
    # Due Monday 27 December 2027, the substitute day for Christmas Day.
    facts = make_facts(received_at=london(2027, 11, 15, 14))
    assert facts.due_on == date(2027, 12, 27)
    message = plan_next(
        replace(facts, sent=(sent_on(ChaseKind.REMINDER, date(2027, 12, 20)),)),
        POLICY,
        london(2027, 12, 24, 15, 59),
    )
    assert message is not None
    assert message.kind is ChaseKind.DUE_TODAY
    assert message.send_at == london(2027, 12, 24, 15, 59)


def test_a_reminder_is_never_sent_on_or_before_the_day_of_receipt() -> None:
    policy = ChasePolicy(default=AgencyPolicy(reminder_days_before=(42, 41)), agencies={})
    facts = make_facts()
    assert plan_next(facts, policy, london(2027, 2, 1, 12)) is None
    message = plan_next(facts, policy, london(2027, 2, 2, 12))
    assert message is not None
    assert message.sequence == 41


# --- Office hours --------------------------------------------------------------------------------


def test_planned_after_closing_the_message_waits_for_the_next_working_day_at_nine() -> None:
    # Thursday 25 March 16:30; Good Friday and Easter Monday follow, and the clocks go forward.
    facts = make_facts(received_at=london(2027, 2, 26, 11))
    message = plan_next(facts, POLICY, london(2027, 3, 25, 16, 30))
    assert message is not None
    assert (message.kind, message.sequence) == (ChaseKind.REMINDER, 14)
    assert message.send_at == london(2027, 3, 30, 9)
    assert message.send_at == datetime(2027, 3, 30, 8, 0, tzinfo=UTC)  # British Summer Time
    assert message.catch_up is True
    assert "meant for Thursday 25 March 2027, sent late" in message.reason


def test_the_office_hours_of_the_agency_policy_are_used() -> None:
    policy = ChasePolicy(
        default=AgencyPolicy(office_opens=time(8, 0), office_closes=time(18, 0)), agencies={}
    )
    message = plan_next(make_facts(), policy, london(2027, 3, 1, 0, 5))
    assert message is not None
    assert message.send_at == london(2027, 3, 1, 8)


def test_planned_before_opening_the_message_waits_until_nine() -> None:
    message = plan_next(make_facts(), POLICY, london(2027, 3, 8, 7, 45))
    assert message is not None
    assert message.send_at == london(2027, 3, 8, 9)


# --- One message a day, and no double-sending ----------------------------------------------------


def test_planning_twice_at_the_same_state_gives_the_same_key() -> None:
    facts = make_facts()
    first = plan_next(facts, POLICY, london(2027, 3, 1, 10, 0, 0))
    second = plan_next(facts, POLICY, london(2027, 3, 1, 10, 0, 30))
    assert first is not None and second is not None
    assert first.key == second.key


def test_a_second_sweep_in_the_same_minute_sends_nothing() -> None:
    facts = make_facts()
    first = plan_next(facts, POLICY, london(2027, 3, 1, 10, 0, 0))
    assert first is not None
    assert plan_messages(after(facts, first), POLICY, london(2027, 3, 1, 10, 0, 40)) == []


def test_nothing_more_is_planned_for_a_day_that_already_has_a_contributor_email() -> None:
    # A chase was sent by hand at 09:30 on the day of the 14-day reminder.
    facts = make_facts(sent=[sent_on(ChaseKind.OVERDUE_CHASE, date(2027, 3, 1))])
    assert plan_next(facts, POLICY, london(2027, 3, 1, 12)) is None


def test_nothing_is_planned_before_a_message_already_queued_for_later() -> None:
    facts = make_facts(sent=[(ChaseKind.REMINDER.value, london(2027, 3, 2, 9))])
    assert plan_next(facts, POLICY, london(2027, 3, 1, 12)) is None


# --- Catching up after the clock was down --------------------------------------------------------


def test_a_clock_down_over_both_reminders_sends_only_the_later_one() -> None:
    facts = make_facts()
    message = plan_next(facts, POLICY, london(2027, 3, 10, 11, 3))
    assert message is not None
    assert (message.kind, message.sequence, message.catch_up) == (ChaseKind.REMINDER, 7, True)
    facts = after(facts, message)
    # The 14-day reminder is skipped for good: the next message is the due-date one.
    for day in (11, 12):
        assert plan_next(facts, POLICY, london(2027, 3, day, 10)) is None
    # Planned over the weekend, it is queued for Monday's opening.
    due = plan_next(facts, POLICY, london(2027, 3, 13, 10))
    assert due is not None and due.kind is ChaseKind.DUE_TODAY
    assert due.send_at == london(2027, 3, 15, 9)


def test_a_three_day_outage_over_two_milestones_catches_up_with_one_message() -> None:
    # Chasing every working day; the clock is down from noon on the due date, Monday 15 March,
    # to noon on Thursday, over chases 1 and 2 (Tuesday, Wednesday) and Thursday's opening.
    policy = ChasePolicy(default=AgencyPolicy(overdue_chase_every_working_days=1), agencies={})
    facts = make_facts()
    messages = simulate_request(
        facts,
        policy,
        london(2027, 3, 1),
        london(2027, 3, 20),
        clock_down=[(london(2027, 3, 15, 12), london(2027, 3, 18, 12))],
    )
    contributor = [m for m in messages if m.recipient is Recipient.CONTRIBUTOR]
    by_day = {london_date(m.send_at): m for m in contributor}
    assert len(by_day) == len(contributor)
    # One message on Thursday afternoon, for that day's chase 3; chases 1 and 2 never go.
    assert sorted(by_day) == [
        date(2027, 3, 1),
        date(2027, 3, 8),
        date(2027, 3, 15),
        date(2027, 3, 18),
        date(2027, 3, 19),
    ]
    catch_up = by_day[date(2027, 3, 18)]
    assert (catch_up.kind, catch_up.sequence, catch_up.catch_up) == (
        ChaseKind.OVERDUE_CHASE,
        3,
        False,
    )
    assert catch_up.send_at == london(2027, 3, 18, 13)
    assert {m.sequence for m in contributor if m.kind is ChaseKind.OVERDUE_CHASE} == {3, 4}


def test_a_three_day_outage_sends_one_catch_up_message_per_request() -> None:
    # 30 requests received over a month; the clock is down from Monday 15 March after its last
    # sweep of office hours to the start of Friday 19 March.
    down_from, down_to = london(2027, 3, 15, 16), london(2027, 3, 19)
    received_days = [date(2027, 2, 1) + timedelta(days=n) for n in range(30)]
    caught_up = 0
    for n, received_on in enumerate(received_days):
        facts = replace(
            make_facts(received_at=at_nine(received_on) + timedelta(hours=n % 6)),
            request_id=f"req-{n}",
        )
        messages = simulate_request(
            facts,
            POLICY,
            london(2027, 2, 1),
            london(2027, 3, 26),
            clock_down=[(down_from, down_to)],
        )
        contributor = [m for m in messages if m.recipient is Recipient.CONTRIBUTOR]
        assert not [m for m in contributor if down_from <= m.send_at < down_to]
        on_friday = [m for m in contributor if london_date(m.send_at) == date(2027, 3, 19)]
        assert len(on_friday) <= 1
        missed = [
            m for m in contributor if m.catch_up and london_date(m.send_at) == date(2027, 3, 19)
        ]
        caught_up += len(missed)
        days = [london_date(m.send_at) for m in contributor]
        assert len(days) == len(set(days))
    assert caught_up >= 3  # some requests did have milestones inside the outage


# --- Stopping and pausing ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "status",
    [
        *sorted(CLOSED_STATUSES),
        RequestStatus.AWAITING_SIGN_OFF,
        RequestStatus.QUEUED,
        RequestStatus.SEND_FAILED,
    ],
)
def test_a_request_that_is_closed_or_waiting_on_someone_else_is_never_chased(
    status: RequestStatus,
) -> None:
    facts = make_facts(status=status)
    for day in (date(2027, 3, 1), date(2027, 3, 15), date(2027, 3, 22), date(2027, 3, 31)):
        assert plan_messages(facts, POLICY, at_nine(day)) == []


@pytest.mark.parametrize("status", sorted(CHASED_STATUSES))
def test_an_open_request_is_chased(status: RequestStatus) -> None:
    assert plan_next(make_facts(status=status), POLICY, london(2027, 3, 1, 10)) is not None


def test_every_status_is_either_chased_or_deliberately_not() -> None:
    not_chased = CLOSED_STATUSES | {
        RequestStatus.AWAITING_SIGN_OFF,
        RequestStatus.QUEUED,
        RequestStatus.SEND_FAILED,
    }
    assert not CHASED_STATUSES & not_chased
    assert CHASED_STATUSES | not_chased == set(RequestStatus)


def test_a_closed_assessment_stops_all_chasing() -> None:
    facts = make_facts(assessment_closed=True)
    assert plan_messages(facts, POLICY, london(2027, 3, 31, 10)) == []


def test_nothing_is_planned_before_the_first_email_is_received() -> None:
    assert plan_next(make_facts(received_at=None, due_on=None), POLICY, london(2027, 3, 1)) is None
    assert plan_next(make_facts(due_on=None), POLICY, london(2027, 3, 1, 10)) is None
    facts = make_facts(received_at=london(2027, 3, 1, 12), due_on=date(2027, 3, 15))
    assert plan_next(facts, POLICY, london(2027, 3, 1, 11)) is None


def test_a_naive_now_is_refused() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        plan_next(make_facts(), POLICY, datetime(2027, 3, 1, 10))


def test_no_message_goes_after_submission() -> None:
    facts = make_facts()
    submitted_at = london(2027, 3, 12, 17)  # Friday evening
    messages = simulate_request(
        facts, POLICY, london(2027, 2, 1), london(2027, 6, 30), submitted_at=submitted_at
    )
    assert [m.kind for m in messages] == [ChaseKind.REMINDER, ChaseKind.REMINDER]
    assert all(m.send_at < submitted_at for m in messages)


def test_a_message_queued_overnight_is_cancelled_by_a_submission_before_it_goes() -> None:
    # Planned at 16:30 on Friday 12 March for Monday; submitted on Sunday.
    facts = make_facts(sent=[sent_on(ChaseKind.REMINDER, date(2027, 3, 8))])
    messages = simulate_request(
        facts,
        POLICY,
        london(2027, 3, 12, 16, 30),
        london(2027, 3, 20),
        submitted_at=london(2027, 3, 14, 20),
        sweep_times=[time(16, 30)],
    )
    assert messages == []


def test_chasing_pauses_while_an_exception_holds_and_catches_up_after() -> None:
    facts = make_facts(exceptions=[(date(2027, 3, 5), date(2027, 3, 10))])
    first = plan_next(facts, POLICY, london(2027, 3, 1, 10))
    assert first is not None
    facts = after(facts, first)
    for day in range(5, 11):
        assert plan_messages(facts, POLICY, london(2027, 3, day, 10)) == []
    resumed = plan_next(facts, POLICY, london(2027, 3, 11, 10))
    assert resumed is not None
    assert (resumed.kind, resumed.sequence, resumed.catch_up) == (ChaseKind.REMINDER, 7, True)


def test_an_exception_starting_over_the_weekend_stops_a_message_planned_on_friday_evening() -> None:
    facts = make_facts(exceptions=[(date(2027, 3, 14), None)])
    assert plan_next(facts, POLICY, london(2027, 3, 12, 16, 30)) is None


def test_an_open_ended_exception_pauses_chasing_and_escalation_until_it_ends() -> None:
    facts = make_facts(exceptions=[(date(2027, 3, 10), None)])
    for day in (date(2027, 3, 15), date(2027, 3, 22), date(2027, 3, 31), date(2027, 6, 1)):
        assert plan_messages(facts, POLICY, at_nine(day)) == []
    ended = replace(facts, exceptions=[(date(2027, 3, 10), date(2027, 4, 1))])
    kinds = {m.kind for m in plan_messages(ended, POLICY, london(2027, 4, 2, 10))}
    assert kinds == {
        ChaseKind.ESCALATION_LEAD,
        ChaseKind.ESCALATION_MANAGER,
        ChaseKind.OVERDUE_CHASE,
    }


def test_an_extended_due_date_moves_every_message() -> None:
    facts = make_facts(extended_due_on=date(2027, 3, 29))  # Easter Monday
    # On the old due date, the extended date is 14 days away.
    message = plan_next(facts, POLICY, london(2027, 3, 15, 10))
    assert message is not None
    assert (message.kind, message.sequence, message.due_on) == (
        ChaseKind.REMINDER,
        14,
        date(2027, 3, 29),
    )
    assert message.key == "reminder:14:2027-03-29"
    facts = after(facts, message)
    assert plan_messages(facts, POLICY, london(2027, 3, 22, 10))[0].sequence == 7
    # Due on a bank holiday: the due-date message goes on the Thursday before Good Friday.
    assert plan_next(facts, POLICY, london(2027, 3, 25, 10)) is not None
    assert plan_escalations(facts, POLICY, london(2027, 4, 2, 10)) == []


# --- Overdue chases and escalation ---------------------------------------------------------------


def overdue_run(agency: str = Agency.HEALTH) -> list[PlannedMessage]:
    return simulate_request(
        make_facts(agency=agency), POLICY, london(2027, 2, 1), london(2027, 7, 31)
    )


def test_overdue_chases_go_every_five_working_days_and_stop_at_the_cap() -> None:
    chases = [m for m in overdue_run() if m.kind is ChaseKind.OVERDUE_CHASE]
    assert [london_date(m.send_at) for m in chases] == [
        date(2027, 3, 22),
        date(2027, 3, 31),  # after Good Friday and Easter Monday
        date(2027, 4, 7),
        date(2027, 4, 14),
        date(2027, 4, 21),
        date(2027, 4, 28),
    ]
    assert [m.sequence for m in chases] == [1, 2, 3, 4, 5, 6]
    assert chases[-1].reason == "30 working days overdue (chase 6 of 6)"
    assert all(m.send_at == at_nine(london_date(m.send_at)) for m in chases)


def test_an_overdue_health_request_is_escalated_to_the_dco_and_the_manager_once_each() -> None:
    escalations = [m for m in overdue_run() if m.recipient is not Recipient.CONTRIBUTOR]
    assert [(m.kind, london_date(m.send_at)) for m in escalations] == [
        (ChaseKind.ESCALATION_LEAD, date(2027, 3, 22)),
        (ChaseKind.ESCALATION_MANAGER, date(2027, 3, 31)),
    ]
    lead, manager = escalations
    assert lead.recipient is Recipient.LEAD
    assert lead.recipient_title == "designated clinical officer (DCO)"
    assert lead.reason == (
        "5 working days overdue: escalated to the designated clinical officer (DCO)"
    )
    assert lead.key == "escalation_lead:2027-03-15"
    assert manager.recipient_title == "case officer's manager"
    assert manager.key == "escalation_manager:2027-03-15"


def test_an_escalation_does_not_take_the_contributors_chase_for_the_day() -> None:
    messages = plan_messages(
        make_facts(sent=[sent_on(ChaseKind.DUE_TODAY, date(2027, 3, 15))]),
        POLICY,
        london(2027, 3, 22, 9),
    )
    assert {(m.kind, m.recipient) for m in messages} == {
        (ChaseKind.ESCALATION_LEAD, Recipient.LEAD),
        (ChaseKind.OVERDUE_CHASE, Recipient.CONTRIBUTOR),
    }


@pytest.mark.parametrize("agency", [Agency.PARENT_CARER, Agency.YOUNG_PERSON])
def test_a_familys_late_views_reach_the_manager_but_no_lead(agency: Agency) -> None:
    messages = overdue_run(agency)
    assert [m.kind for m in messages if m.recipient is not Recipient.CONTRIBUTOR] == [
        ChaseKind.ESCALATION_MANAGER
    ]
    assert len([m for m in messages if m.kind is ChaseKind.OVERDUE_CHASE]) == 2


def test_after_an_outage_over_both_thresholds_both_people_are_told_once() -> None:
    facts = make_facts(sent=[sent_on(ChaseKind.DUE_TODAY, date(2027, 3, 15))])
    messages = plan_messages(facts, POLICY, london(2027, 4, 1, 10))
    assert sorted(m.kind for m in messages) == sorted(
        [ChaseKind.ESCALATION_LEAD, ChaseKind.ESCALATION_MANAGER, ChaseKind.OVERDUE_CHASE]
    )
    contributor = [m for m in messages if m.recipient is Recipient.CONTRIBUTOR]
    assert len(contributor) == 1
    assert contributor[0].sequence == 2
    assert all(m.send_at == london(2027, 4, 1, 10) for m in messages)
    later = after(facts, *messages)
    assert plan_escalations(later, POLICY, london(2027, 4, 7, 10)) == []


def test_a_deadline_extended_after_escalation_is_escalated_again_if_missed() -> None:
    facts = make_facts(
        sent=[
            sent_on(ChaseKind.ESCALATION_LEAD, date(2027, 3, 22)),
            sent_on(ChaseKind.OVERDUE_CHASE, date(2027, 3, 22)),
        ],
        extended_due_on=date(2027, 4, 9),
    )
    assert plan_escalations(facts, POLICY, london(2027, 4, 15, 10)) == []
    again = plan_escalations(facts, POLICY, london(2027, 4, 16, 10))
    assert [(m.kind, m.key) for m in again] == [
        (ChaseKind.ESCALATION_LEAD, "escalation_lead:2027-04-09")
    ]


# --- Simulation: the invariants over many random requests ----------------------------------------

AGENCIES = [agency.value for agency in Agency]


def random_request(rng: random.Random, n: int) -> tuple[RequestFacts, dict[str, object]]:
    """A request received some time in 2027 with a random return pattern."""
    received_at = london(2027, 1, 4) + timedelta(minutes=rng.randrange(0, 330 * 24 * 60))
    due = advice_due_on(received_at)
    exceptions: list[tuple[date, date | None]] = []
    if rng.random() < 0.15:
        start = due + timedelta(days=rng.randrange(-20, 20))
        exceptions.append((start, start + timedelta(days=rng.randrange(0, 20))))
    extended = due + timedelta(days=rng.randrange(7, 29)) if rng.random() < 0.1 else None
    facts = RequestFacts(
        request_id=f"req-{n}",
        agency=rng.choice(AGENCIES),
        status=RequestStatus.SENT,
        received_at=received_at,
        due_on=due,
        exceptions=exceptions,
        extended_due_on=extended,
    )
    submitted_at = None
    if rng.random() < 0.7:
        submitted_at = received_at + timedelta(minutes=rng.randrange(60, 80 * 24 * 60))
    clock_down: list[tuple[datetime, datetime]] = []
    if rng.random() < 0.3:
        down_from = received_at + timedelta(minutes=rng.randrange(0, 90 * 24 * 60))
        clock_down.append((down_from, down_from + timedelta(hours=rng.randrange(1, 24 * 5))))
    return facts, {"submitted_at": submitted_at, "clock_down": clock_down}


def check_invariants(
    facts: RequestFacts,
    messages: list[PlannedMessage],
    end: datetime,
    submitted_at: datetime | None,
    clock_down: list[tuple[datetime, datetime]],
) -> None:
    policy = POLICY.for_agency(facts.agency)
    assert facts.received_at is not None
    contributor_days = [
        london_date(m.send_at) for m in messages if m.recipient is Recipient.CONTRIBUTOR
    ]
    assert len(contributor_days) == len(set(contributor_days)), "two emails on one day"
    for message in messages:
        local = message.send_at.astimezone(LONDON)
        assert is_working_day(local.date()), "sent on a weekend or bank holiday"
        assert policy.office_opens <= local.time() < policy.office_closes, "outside hours"
        assert submitted_at is None or message.send_at < submitted_at, "sent after submission"
        assert local.date() > london_date(facts.received_at)
        assert not facts.paused_on(local.date()), "sent during an exception"
    kinds = [m.kind for m in messages]
    assert kinds.count(ChaseKind.ESCALATION_LEAD) <= 1
    assert kinds.count(ChaseKind.ESCALATION_MANAGER) <= 1
    assert kinds.count(ChaseKind.OVERDUE_CHASE) <= policy.max_chases
    # Escalated on schedule: on the threshold day at opening when the clock was up at 00:05
    # and nothing paused it; and at the latest within two working weeks whatever happened.
    due = facts.effective_due_on
    assert due is not None
    thresholds = [(ChaseKind.ESCALATION_MANAGER, policy.escalate_to_manager_after_working_days)]
    if policy.escalate_to_lead:
        thresholds.append((ChaseKind.ESCALATION_LEAD, policy.escalate_to_lead_after_working_days))
    for kind, days in thresholds:
        on = add_working_days(due, days)
        opening = at_nine(on)
        sent = [m for m in messages if m.kind is kind]
        if submitted_at is not None and submitted_at <= opening:
            assert sent == []
            continue
        sweep = datetime.combine(on, time(0, 5), tzinfo=LONDON)
        clock_up = not any(a <= sweep < b for a, b in clock_down)
        if clock_up and not facts.paused_on(on) and opening <= end:
            assert [m.send_at for m in sent] == [opening], f"{kind} not on {on}"
        latest = add_working_days(on, 10)
        if facts.exceptions or (submitted_at is not None and submitted_at <= at_nine(latest)):
            continue
        if at_nine(latest) <= end:
            assert len(sent) == 1, f"{kind} never sent"
            assert on <= london_date(sent[0].send_at) <= latest


@pytest.mark.parametrize("seed", [1, 2, 3, 4])
def test_a_simulation_of_many_random_requests_never_breaks_the_rules(seed: int) -> None:
    rng = random.Random(seed)
    escalated = 0
    for n in range(50):
        facts, pattern = random_request(rng, n)
        assert facts.received_at is not None
        start = facts.received_at
        end = start + timedelta(weeks=20)
        submitted_at = pattern["submitted_at"]
        clock_down = pattern["clock_down"]
        assert submitted_at is None or isinstance(submitted_at, datetime)
        assert isinstance(clock_down, list)
        messages = simulate_request(
            facts, POLICY, start, end, submitted_at=submitted_at, clock_down=clock_down
        )
        check_invariants(facts, messages, end, submitted_at, clock_down)
        escalated += any(m.recipient is not Recipient.CONTRIBUTOR for m in messages)
    assert escalated > 5  # the patterns do include late requests


def test_the_simulation_starts_chasing_only_on_working_days_after_receipt() -> None:
    # Received on Christmas Eve 2027 at 15:00: the first working day after is Wednesday 29th.
    facts = make_facts(received_at=london(2027, 12, 24, 15))
    messages = simulate_request(facts, POLICY, london(2027, 12, 24), london(2028, 3, 31))
    assert messages
    assert london_date(messages[0].send_at) >= next_working_day(date(2027, 12, 25))
