"""The clock's chasing, run through whole assessments with the time travelled (time-machine).

Each test agrees an assessment on a known day, then sweeps the real clock (`tick`) at fixed
London times every day, running the worker after each sweep, and reads what was sent from the
send ledger and the staff messages. Easter 2026 (Good Friday 3 April, Easter Monday 6 April)
and the early May bank holiday (4 May) fall inside the period, so holidays move messages.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any

import pytest
import time_machine
from sqlalchemy import select

from advice_hub.chasing.control import ChaseError, chase_now
from advice_hub.deadlines import LONDON, is_working_day, london_date
from advice_hub.jobs.clock import tick
from advice_hub.models import (
    AdviceRequest,
    Agency,
    AgencyLead,
    Chase,
    MessageKind,
    RequestException,
    SendLedger,
    StaffMessage,
    StaffMessageKind,
    User,
)
from advice_hub.requests.seal import seal_submission
from notifications.mailbox import links_in, list_messages, read_message
from tests.factories import first_text_key, fresh, make_assessment, make_officer, make_user
from tests.journey import csrf_of

AGREED_AT = datetime(2026, 3, 2, 10, 0, tzinfo=LONDON)  # Monday 2 March 2026
DUE = date(2026, 4, 13)  # 6 weeks after the day of receipt
SWEEP_TIMES = (time(0, 5), time(9, 0), time(13, 0), time(16, 30))


def london(day: date, at: time) -> datetime:
    return datetime.combine(day, at, tzinfo=LONDON)


@pytest.fixture
def travel() -> Iterator[time_machine.travel]:
    with time_machine.travel(AGREED_AT, tick=False) as traveller:
        yield traveller


@pytest.fixture
def health_request(session: Any, svc: Any, jobs: Any, travel: Any) -> AdviceRequest:
    """A health request received at AGREED_AT, with a DCO and a manager to escalate to."""
    manager = make_user(session, email="manager@council.example", name="Mo Manager", role="manager")
    officer = make_officer(session)
    officer.manager = manager
    session.add(
        AgencyLead(
            agency="health",
            name="Dee Cee-Oh",
            email="dco@icb.example",
            title="designated clinical officer (DCO)",
        )
    )
    make_assessment(session, agreed=True, agencies=(Agency.HEALTH,), case_officer=officer)
    session.commit()
    jobs.run()
    advice_request = fresh(session).scalars(select(AdviceRequest)).one()
    assert advice_request.due_on == DUE
    return advice_request


def run_days(
    svc: Any,
    jobs: Any,
    travel: Any,
    start: date,
    end: date,
    *,
    skip: tuple[date, date] | None = None,
    each_day: Any = None,
) -> None:
    """Sweep at SWEEP_TIMES every day from start to end inclusive (none while `skip` holds)."""
    day = start
    while day <= end:
        for at in SWEEP_TIMES:
            if skip and skip[0] <= day <= skip[1]:
                continue
            travel.move_to(london(day, at))
            tick(svc)
            jobs.run()
        if each_day is not None:
            each_day(day)
        day += timedelta(days=1)


def contributor_emails(session: Any) -> list[SendLedger]:
    return list(
        fresh(session).scalars(
            select(SendLedger)
            .where(SendLedger.kind == MessageKind.ADVICE_REMINDER)
            .order_by(SendLedger.sent_at)
        )
    )


def staff_emails(session: Any, kind: StaffMessageKind) -> list[StaffMessage]:
    return list(
        fresh(session).scalars(
            select(StaffMessage)
            .where(StaffMessage.kind == kind, StaffMessage.sent_at.is_not(None))
            .order_by(StaffMessage.sent_at)
        )
    )


def in_office_hours(instant: datetime) -> bool:
    local = instant.astimezone(LONDON)
    return is_working_day(local.date()) and time(9) <= local.time() < time(16)


def test_a_request_left_unanswered_is_reminded_chased_and_escalated_on_schedule(
    session: Any, svc: Any, jobs: Any, travel: Any, health_request: AdviceRequest
) -> None:
    run_days(svc, jobs, travel, date(2026, 3, 2), date(2026, 7, 20))

    sent = contributor_emails(session)
    days = [london_date(s.sent_at) for s in sent]
    assert days == [
        date(2026, 3, 30),  # 14 days before
        date(2026, 4, 2),  # 7 days before is Easter Monday: the working day before Good Friday
        date(2026, 4, 13),  # due today
        date(2026, 4, 20),  # 5 working days overdue
        date(2026, 4, 27),  # 10
        date(2026, 5, 5),  # 15: the early May bank holiday moves it a day
        date(2026, 5, 12),
        date(2026, 5, 19),
        date(2026, 5, 27),  # 30: the spring bank holiday (25 May) moves it too
    ], "six chases at most, then the cap holds"
    assert all(in_office_hours(s.sent_at) for s in sent)
    assert len(set(days)) == len(days), "never two emails to the contributor in a day"

    [lead] = staff_emails(session, StaffMessageKind.LEAD_ESCALATION)
    assert lead.recipient == "dco@icb.example"
    assert london_date(lead.sent_at) == date(2026, 4, 20)
    [manager] = staff_emails(session, StaffMessageKind.MANAGER_ESCALATION)
    assert manager.recipient == "manager@council.example"
    assert london_date(manager.sent_at) == date(2026, 4, 27)
    assert in_office_hours(lead.sent_at) and in_office_hours(manager.sent_at)


def test_every_chase_carries_a_working_link_to_the_same_request(
    session: Any, svc: Any, jobs: Any, travel: Any, health_request: AdviceRequest, client: Any
) -> None:
    run_days(svc, jobs, travel, date(2026, 3, 29), date(2026, 3, 30))
    folder = Path(svc.settings.mail_outbox_dir)
    messages = list_messages(folder)
    reference = health_request.assessment.reference
    subject = f"Reminder: health advice due by 13 April 2026: reference {reference}"
    assert [m.subject for m in messages].count(subject) == 1
    reminder = next(m for m in messages if m.subject.startswith("Reminder"))
    [link] = links_in(read_message(folder, reminder.name))[:1]
    start = client.get(link.removeprefix("http://localhost"))
    assert start.status_code == 200
    opened = client.post(
        link.removeprefix("http://localhost"), data={"csrf_token": csrf_of(start.data)}
    )
    assert opened.status_code == 303
    assert opened.headers["Location"].endswith(f"/advice/{health_request.id}")
    # No child's full name and no personal data in the subject.
    assert "Taylor-Brown" not in read_message(folder, reminder.name).as_string()


def test_a_second_sweep_in_the_same_minute_sends_nothing(
    session: Any, svc: Any, jobs: Any, travel: Any, health_request: AdviceRequest
) -> None:
    travel.move_to(london(date(2026, 3, 30), time(9, 0)))
    first = tick(svc)
    second = tick(svc)
    jobs.run()
    assert first["reminders"] == 1
    assert second["reminders"] == 0 and second["escalations"] == 0
    assert len(contributor_emails(session)) == 1


def test_a_clock_down_for_three_days_catches_up_with_one_message(
    session: Any, svc: Any, jobs: Any, travel: Any, health_request: AdviceRequest
) -> None:
    # Down from Thursday 16 April to Monday 20 April inclusive: the due-date message (13 April)
    # went, and both the first chase and the lead's escalation (20 April) were missed.
    run_days(svc, jobs, travel, date(2026, 4, 10), date(2026, 4, 15))
    before = len(contributor_emails(session))
    run_days(
        svc,
        jobs,
        travel,
        date(2026, 4, 16),
        date(2026, 4, 24),
        skip=(date(2026, 4, 16), date(2026, 4, 21)),
    )
    sent = contributor_emails(session)[before:]
    assert [london_date(s.sent_at) for s in sent] == [date(2026, 4, 22)]
    chases = fresh(session).scalars(select(Chase).where(Chase.kind == "overdue_chase")).all()
    # The missed chase went late, once; Friday's last sweep queued Monday's for 09:00 on time.
    assert [(c.milestone_on, c.catch_up) for c in chases] == [
        (date(2026, 4, 20), True),
        (date(2026, 4, 27), False),
    ]
    [lead] = staff_emails(session, StaffMessageKind.LEAD_ESCALATION)
    assert london_date(lead.sent_at) == date(2026, 4, 22)


def test_no_message_goes_after_the_advice_is_submitted(
    session: Any, svc: Any, jobs: Any, travel: Any, health_request: AdviceRequest
) -> None:
    run_days(svc, jobs, travel, date(2026, 4, 12), date(2026, 4, 19))
    # Sunday evening's sweep queued the first overdue chase for Monday 09:00...
    queued = fresh(session).scalars(select(Chase).where(Chase.kind == "overdue_chase")).one()
    assert queued.send_at == london(date(2026, 4, 20), time(9, 0))
    # ...and the advice arrives at 08:00 on Monday, before it goes.
    travel.move_to(london(date(2026, 4, 20), time(8, 0)))
    advice_request = fresh(session).get_one(AdviceRequest, health_request.id)
    seal_submission(
        session,
        advice_request,
        answers={first_text_key(advice_request): "Seen in clinic."},
        declaration={"name": "Dr Chris Jones", "role": "Paediatrician"},
        now=datetime.now(UTC),
        actor="contributor",
    )
    session.commit()
    jobs.run()
    submitted_at = datetime.now(UTC)
    run_days(svc, jobs, travel, date(2026, 4, 20), date(2026, 6, 1))
    after = [s for s in contributor_emails(session) if s.sent_at >= submitted_at]
    assert after == []
    assert staff_emails(session, StaffMessageKind.LEAD_ESCALATION) == []
    cancelled = fresh(session).scalars(select(Chase).where(Chase.cancelled_at.is_not(None))).all()
    # Both what Sunday's sweep queued for Monday morning were called off: the chase, and the
    # DCO's escalation (which had nothing left to say).
    assert sorted(c.kind for c in cancelled) == ["escalation_lead", "overdue_chase"]


def test_chasing_pauses_while_a_reg_8_2_exception_holds_and_resumes_after(
    session: Any, svc: Any, jobs: Any, travel: Any, health_request: AdviceRequest
) -> None:
    session.add(
        RequestException(
            advice_request_id=health_request.id,
            reason="absent_from_area",
            details="The family are abroad until 1 May.",
            starts_on=date(2026, 4, 1),
            ends_on=date(2026, 5, 1),
            recorded_at=datetime.now(UTC),
            recorded_by="user:1",
            recorded_by_name="Olu Officer",
        )
    )
    session.commit()
    run_days(svc, jobs, travel, date(2026, 3, 30), date(2026, 5, 8))
    days = [london_date(s.sent_at) for s in contributor_emails(session)]
    assert days[0] == date(2026, 3, 30)
    assert not any(date(2026, 4, 1) <= d <= date(2026, 5, 1) for d in days)
    # After the exception: one catch-up on the next working day, not the missed backlog.
    assert days[1:] == [date(2026, 5, 5)]


def test_a_case_officer_can_chase_once_a_working_day(
    session: Any, svc: Any, jobs: Any, travel: Any, health_request: AdviceRequest
) -> None:
    travel.move_to(london(date(2026, 3, 10), time(11, 0)))
    advice_request = fresh(session).get_one(AdviceRequest, health_request.id)
    chase = chase_now(session, advice_request, now=datetime.now(UTC), actor="user:1")
    session.commit()
    jobs.run()
    assert chase.send_at == datetime.now(UTC)
    assert len(contributor_emails(session)) == 1
    with pytest.raises(ChaseError, match="already gets an email today"):
        chase_now(
            session,
            fresh(session).get_one(AdviceRequest, health_request.id),
            now=datetime.now(UTC),
            actor="user:1",
        )
    session.rollback()
    # On a Saturday evening the chase waits for Monday 09:00.
    travel.move_to(london(date(2026, 3, 14), time(19, 0)))
    later = chase_now(
        session,
        fresh(session).get_one(AdviceRequest, health_request.id),
        now=datetime.now(UTC),
        actor="user:1",
    )
    session.commit()
    assert later.send_at == london(date(2026, 3, 16), time(9, 0))


def test_a_case_officer_gets_one_digest_each_working_day_without_children_s_names(
    session: Any, svc: Any, jobs: Any, travel: Any, health_request: AdviceRequest
) -> None:
    run_days(svc, jobs, travel, date(2026, 4, 9), date(2026, 4, 15))
    digests = staff_emails(session, StaffMessageKind.OFFICER_DIGEST)
    days = [london_date(d.sent_at) for d in digests]
    assert days == [
        date(2026, 4, 9),
        date(2026, 4, 10),
        date(2026, 4, 13),
        date(2026, 4, 14),
        date(2026, 4, 15),
    ]
    officer = fresh(session).scalars(select(User).where(User.role == "case_officer")).one()
    folder = Path(svc.settings.mail_outbox_dir)
    to_officer = [m for m in list_messages(folder) if m.to == officer.email]
    assert len(to_officer) == 5
    text = "\n".join(read_message(folder, m.name).as_string() for m in to_officer)
    assert health_request.assessment.reference in text
    assert "Sam" not in text and "Taylor-Brown" not in text
    assert Counter(d.user_id for d in digests) == {officer.id: 5}
