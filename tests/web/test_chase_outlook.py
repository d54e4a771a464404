"""Each request's row says when its contributor is next chased (or why not), and offers "chase
now" only when a chase would go. The clock is held at known London times (time-machine) on the
England calendar of spring 2026: Good Friday 3 April and Easter Monday 6 April."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime, time
from typing import Any

import pytest
import time_machine
from flask.testing import FlaskClient
from sqlalchemy import select

from advice_hub.deadlines import LONDON, advice_due_on
from advice_hub.models import (
    AdviceRequest,
    Agency,
    Assessment,
    OutboxMessage,
    RequestException,
    RequestStatus,
)
from tests.factories import make_assessment
from tests.html import parse_page
from tests.journey import csrf_of, sign_in

RECEIVED = datetime(2026, 3, 2, 10, 0, tzinfo=LONDON)  # Monday 2 March 2026
DUE = date(2026, 4, 13)


def london(day: date, at: time) -> datetime:
    return datetime.combine(day, at, tzinfo=LONDON)


@pytest.fixture
def travel() -> Iterator[Any]:
    with time_machine.travel(london(date(2026, 3, 10), time(11, 0)), tick=False) as traveller:
        yield traveller


@pytest.fixture
def health(session: Any, travel: Any) -> AdviceRequest:
    """A health request received on Monday 2 March 2026, due Monday 13 April."""
    assessment = make_assessment(session, agreed=True, agencies=(Agency.HEALTH,))
    (advice_request,) = assessment.advice_requests
    advice_request.received_at = RECEIVED
    advice_request.due_on = advice_due_on(RECEIVED)
    advice_request.status = RequestStatus.SENT
    for message in session.scalars(select(OutboxMessage)):
        message.completed_at = RECEIVED
    session.commit()
    assert advice_request.due_on == DUE
    return advice_request


@pytest.fixture
def officer_client(client: FlaskClient, officer: Any, travel: Any) -> FlaskClient:
    return sign_in(client, officer.id)


def chase_url(r: AdviceRequest) -> str:
    return f"/assessments/{r.assessment_id}/requests/{r.id}/chase"


def row(client: FlaskClient, r: AdviceRequest) -> tuple[str, str | None, bool]:
    """The request row's next-chase line, its reason for no chase now, and whether it links
    to chase now."""
    page = parse_page(client.get(f"/assessments/{r.assessment_id}").data)
    no_chase = page.find(id=f"no-chase-now-{r.id}")
    return (
        page.find(id=f"next-chase-{r.id}").get_text(" ", strip=True),
        no_chase.get_text(" ", strip=True) if no_chase else None,
        page.select_one(f'a[href="{chase_url(r)}"]') is not None,
    )


def chase_now(client: FlaskClient, r: AdviceRequest) -> Any:
    page = client.get(chase_url(r))
    assert page.status_code == 200
    return client.post(chase_url(r), data={"csrf_token": csrf_of(page.data)})


def test_the_row_shows_the_next_reminder_the_clock_will_send_and_offers_chase_now(
    officer_client: FlaskClient, health: AdviceRequest
) -> None:
    assert row(officer_client, health) == (
        "Next chase: 30 March 2026, 14 days before due",
        None,
        True,
    )


def test_after_chase_now_in_office_hours_a_second_is_not_offered(
    officer_client: FlaskClient, health: AdviceRequest
) -> None:
    assert chase_now(officer_client, health).status_code == 303
    assert row(officer_client, health) == (
        "Next chase: 30 March 2026, 14 days before due",
        "No chase now. Health Contributor 1 already gets an email today.",
        False,
    )


def test_a_chase_planned_for_tomorrow_morning_is_the_next_chase_on_the_row(
    officer_client: FlaskClient, health: AdviceRequest, travel: Any, officer: Any
) -> None:
    travel.move_to(london(date(2026, 3, 10), time(18, 0)))  # after office hours
    sign_in(officer_client, officer.id)  # the morning's sign-in has lapsed
    assert chase_now(officer_client, health).status_code == 303
    assert row(officer_client, health) == (
        "Next chase: 11 March 2026, chased by the case officer",
        "No chase now. Health Contributor 1 already gets an email on Wednesday 11 March 2026.",
        False,
    )


def test_a_request_received_today_is_not_offered_a_chase_until_the_next_working_day(
    officer_client: FlaskClient, officer: Any, health: AdviceRequest, travel: Any
) -> None:
    travel.move_to(london(date(2026, 3, 2), time(11, 0)))
    sign_in(officer_client, officer.id)  # again: the fixture signed in a week "later"
    _, no_chase, offered = row(officer_client, health)
    assert not offered
    assert no_chase == (
        "No chase now. The request itself was received today: chase on the next working day."
    )
    travel.move_to(london(date(2026, 3, 3), time(9, 30)))
    sign_in(officer_client, officer.id)  # the sign-in of the day before has lapsed
    assert row(officer_client, health)[2]


def exception(session: Any, r: AdviceRequest, starts_on: date, ends_on: date | None) -> None:
    session.add(
        RequestException(
            advice_request_id=r.id,
            reason="missed_appointment",
            details="Missed clinic",
            starts_on=starts_on,
            ends_on=ends_on,
            recorded_at=london(date(2026, 3, 10), time(10, 0)),
            recorded_by="user:1",
            recorded_by_name="Olu Adeyemi",
        )
    )
    session.commit()


def test_while_an_exception_holds_there_is_no_next_chase_and_no_chase_now(
    officer_client: FlaskClient, health: AdviceRequest, session: Any
) -> None:
    exception(session, health, date(2026, 3, 10), None)
    assert row(officer_client, health) == (
        "No chase while the exception recorded on this request holds",
        "No chase now. Chasing is paused while the exception recorded on this request holds.",
        False,
    )


def test_after_an_exception_ends_the_row_shows_the_one_catch_up_the_clock_will_send(
    officer_client: FlaskClient, health: AdviceRequest, session: Any
) -> None:
    # Paused to Sunday 5 April; Easter Monday is a bank holiday, so chasing resumes on Tuesday
    # 7 April with the latest reminder missed (7 days before due, meant for Thursday 2 April).
    exception(session, health, date(2026, 3, 10), date(2026, 4, 5))
    next_chase, _, offered = row(officer_client, health)
    assert next_chase == (
        "Next chase: 7 April 2026, 7 days before due; meant for Thursday 2 April 2026, sent late"
    )
    assert not offered


def test_a_request_waiting_for_sign_off_says_it_is_not_chased(
    officer_client: FlaskClient, health: AdviceRequest, session: Any
) -> None:
    session.get(AdviceRequest, health.id).status = RequestStatus.AWAITING_SIGN_OFF
    session.commit()
    assert row(officer_client, health) == (
        "Not chased while the advice waits for sign-off",
        None,
        False,
    )


def test_the_assessment_page_reads_what_it_shows_of_all_its_requests_at_once(
    officer_client: FlaskClient, session: Any, svc: Any, travel: Any
) -> None:
    from tests.web.test_advice_counts import statements

    def statements_for(assessment: Assessment) -> int:
        with statements(svc.engine) as sent:
            officer_client.get(f"/assessments/{assessment.id}")
        return len(sent)

    one = make_assessment(session, agreed=True, agencies=(Agency.HEALTH,))
    four = make_assessment(session, agreed=True, given_names="Alex")
    session.commit()
    assert statements_for(four) == statements_for(one)
