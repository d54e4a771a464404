"""Two clocks sweeping the same PostgreSQL database at the same moment queue each chase once."""

from __future__ import annotations

import threading
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import func, select

from advice_hub.deadlines import LONDON, add_working_days
from advice_hub.jobs.clock import tick
from advice_hub.models import AdviceRequest, Agency, AgencyLead, Chase, OutboxMessage, StaffMessage
from tests.conftest import services
from tests.factories import make_assessment

pytestmark = pytest.mark.postgres

# A Wednesday in office hours, long after the requests were received.
NOW = datetime.combine(date(2026, 6, 10), time(10, 0), tzinfo=LONDON).astimezone(UTC)


def overdue_requests(app: Flask, count: int) -> None:
    """`count` health requests received long ago, due 10 working days before NOW."""
    svc = services(app)
    with svc.session_factory() as session, session.begin():
        session.add(AgencyLead(agency="health", name="D", email="dco@icb.example", title="DCO"))
        for _ in range(count):
            make_assessment(session, agreed=True, agencies=(Agency.HEALTH,))
        session.flush()
        for advice_request in session.scalars(select(AdviceRequest)):
            advice_request.status = "sent"
            advice_request.due_on = add_working_days(date(2026, 6, 10), -10)
            advice_request.received_at = NOW - timedelta(weeks=8)


def test_two_clocks_at_the_same_moment_queue_each_chase_and_escalation_once(
    pg_app: Flask,
) -> None:
    overdue_requests(pg_app, 20)
    svc = services(pg_app)
    start = threading.Barrier(2)
    results: list[dict[str, Any]] = []
    errors: list[BaseException] = []

    def clock() -> None:
        try:
            start.wait()
            results.append(tick(svc, now=NOW))
        except BaseException as exc:  # reported below, not lost in the thread
            errors.append(exc)

    threads = [threading.Thread(target=clock) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not errors, errors
    # One sweep did the work; the other found the lock taken (or nothing left to do).
    assert sorted(r["reminders"] for r in results) == [0, 20]
    with svc.session_factory() as session:
        per_request = session.execute(
            select(Chase.advice_request_id, Chase.kind, func.count()).group_by(
                Chase.advice_request_id, Chase.kind
            )
        ).all()
        assert {kind for _, kind, _ in per_request} == {
            "overdue_chase",
            "escalation_lead",
            "escalation_manager",
        }
        assert all(count == 1 for _, _, count in per_request)
        reminders = session.scalar(
            select(func.count())
            .select_from(OutboxMessage)
            .where(OutboxMessage.kind == "advice_reminder")
        )
        assert reminders == 20
        # One escalation email per recipient, listing all twenty requests.
        lead = session.scalars(
            select(StaffMessage).where(StaffMessage.kind == "lead_escalation")
        ).one()
        assert len(lead.payload["request_ids"]) == 20

    # And a sweep a minute later adds nothing.
    again = tick(svc, now=NOW + timedelta(minutes=1))
    assert again["reminders"] == 0 and again["escalations"] == 0
