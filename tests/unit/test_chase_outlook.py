"""The next chase a request's row shows is the one the clock will send, and "chase now" is
offered for exactly the cases the chase itself accepts (pure functions over plain facts; the
pages and the refusal under lock are in tests/web/test_chase_outlook.py and
tests/web/test_officer_actions.py)."""

from __future__ import annotations

import random
from dataclasses import replace
from datetime import UTC, date, datetime, time, timedelta

import pytest

from advice_hub.chasing.outlook import chase_now_refusal, next_chase
from advice_hub.chasing.planner import ChaseKind, RequestFacts, simulate_request
from advice_hub.chasing.policy import default_policy
from advice_hub.deadlines import LONDON, advice_due_on
from advice_hub.models import Agency, RequestStatus

POLICY = default_policy()
RECEIVED = datetime(2027, 2, 1, 10, 15, tzinfo=LONDON).astimezone(UTC)  # Monday 1 February 2027


def london(day: date, at: time = time(0, 1)) -> datetime:
    return datetime.combine(day, at, tzinfo=LONDON).astimezone(UTC)


def facts(**changes: object) -> RequestFacts:
    base = RequestFacts(
        request_id="req-1",
        agency=Agency.HEALTH.value,
        status=RequestStatus.OPENED.value,
        received_at=RECEIVED,
        due_on=advice_due_on(RECEIVED),  # Monday 15 March 2027
    )
    return replace(base, **changes)  # type: ignore[arg-type]


def test_long_after_the_last_chase_went_there_is_no_next_chase() -> None:
    now = london(date(2027, 9, 1), time(10, 0))
    overdue = facts()
    caught_up, _ = next_chase(overdue, POLICY, now)
    assert caught_up is not None and caught_up.send_at == now  # one catch-up, now
    assert "chase 6 of 6" in caught_up.reason
    done = replace(overdue, sent=((ChaseKind.OVERDUE_CHASE.value, now),))
    assert next_chase(done, POLICY, now + timedelta(hours=1)) == (
        None,
        "No more chases: every reminder and chase has gone",
    )


def test_a_chase_already_queued_for_later_is_the_next_chase() -> None:
    now = london(date(2027, 2, 10), time(18, 0))
    tomorrow = london(date(2027, 2, 11), time(9, 0))
    queued = [(ChaseKind.MANUAL_CHASE.value, tomorrow, "chased by the case officer")]
    upcoming, _ = next_chase(
        facts(sent=((ChaseKind.MANUAL_CHASE.value, tomorrow),)), POLICY, now, queued
    )
    assert upcoming is not None
    assert (upcoming.send_at, upcoming.reason, upcoming.queued) == (
        tomorrow,
        "chased by the case officer",
        True,
    )


@pytest.mark.parametrize(
    ("status", "why"),
    [
        (RequestStatus.QUEUED, "Chasing starts when the request email is received"),
        (RequestStatus.SEND_FAILED, "Not chased: the request email could not be sent"),
        (RequestStatus.AWAITING_SIGN_OFF, "Not chased while the advice waits for sign-off"),
        (RequestStatus.SUBMITTED, "Not chased: submitted"),
    ],
)
def test_a_request_that_is_not_chased_says_why(status: RequestStatus, why: str) -> None:
    now = london(date(2027, 2, 10), time(10, 0))
    assert next_chase(facts(status=status.value), POLICY, now) == (None, why)
    assert chase_now_refusal(facts(status=status.value), now, contributor="Dr Lee") is not None


def test_chase_now_is_refused_on_a_day_the_contributor_already_gets_an_email() -> None:
    reminder_day = date(2027, 3, 1)  # the 14-day reminder
    sent = ((ChaseKind.REMINDER.value, london(reminder_day, time(9, 0))),)
    assert chase_now_refusal(
        facts(sent=sent), london(reminder_day, time(11, 0)), contributor="Dr Lee"
    ) == ("Dr Lee already gets an email today")
    # On Friday evening a chase would go on Monday: refused if Monday already has one.
    assert chase_now_refusal(
        facts(sent=sent), london(date(2027, 2, 26), time(18, 0)), contributor="Dr Lee"
    ) == ("Dr Lee already gets an email on Monday 1 March 2027")
    assert (
        chase_now_refusal(
            facts(sent=sent), london(date(2027, 3, 2), time(11, 0)), contributor="Dr Lee"
        )
        is None
    )


def test_chase_now_is_refused_when_the_day_it_would_go_is_paused() -> None:
    friday_evening = london(date(2027, 2, 26), time(18, 0))
    paused_from_monday = facts(exceptions=((date(2027, 3, 1), None),))
    assert chase_now_refusal(paused_from_monday, friday_evening, contributor="Dr Lee") == (
        "Chasing is paused while the exception recorded on this request holds"
    )


def random_facts(rng: random.Random) -> RequestFacts:
    exceptions: list[tuple[date, date | None]] = []
    if rng.random() < 0.5:
        start = date(2027, 2, 1) + timedelta(days=rng.randrange(0, 90))
        end = None if rng.random() < 0.2 else start + timedelta(days=rng.randrange(0, 30))
        exceptions.append((start, end))
    agency = rng.choice(list(Agency)).value
    return facts(agency=agency, exceptions=tuple(exceptions))


@pytest.mark.parametrize("seed", range(40))
def test_the_next_chase_shown_is_the_next_one_the_clock_sends(seed: int) -> None:
    rng = random.Random(seed)
    request = random_facts(rng)
    # History up to a moment, as the clock made it; then what the row says against what the
    # clock goes on to send.
    now = london(date(2027, 2, 2) + timedelta(days=rng.randrange(0, 150)))
    history = simulate_request(request, POLICY, RECEIVED, now - timedelta(minutes=2))
    sofar = replace(request, sent=tuple((m.kind.value, m.send_at) for m in history))
    upcoming, why_none = next_chase(sofar, POLICY, now)
    later = [
        m
        for m in simulate_request(sofar, POLICY, now, now + timedelta(days=400))
        if m.recipient.value == "contributor"
    ]
    if later:
        assert upcoming is not None, why_none
        assert (upcoming.day, upcoming.reason) == (
            later[0].send_at.astimezone(LONDON).date(),
            later[0].reason,
        )
    else:
        assert upcoming is None and why_none
