"""One story about declining and correcting: every email and page to a contributor says what
the product lets them do.

- Instead of advice, the form's task list offers three choices; the request and reminder
  emails name those choices rather than asking people to email the case officer.
- Corrections are addenda: through the author's own link for ADDENDUM_DAYS after sealing,
  afterwards only through a link the case officer sends (advice_hub.sealing.addenda). The check
  page, the receipt page and the receipt email all say so, with the same dates.
"""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from pathlib import Path
from typing import Any

import pytest
import time_machine
from flask.testing import FlaskClient
from sqlalchemy import select

from advice_hub.assessments.assessment_actions import close_assessment
from advice_hub.assessments.request_actions import extend_deadline
from advice_hub.chasing.control import chase_now
from advice_hub.deadlines import LONDON
from advice_hub.models import AdviceRequest, Agency, SealedAdvice, User
from notifications import long_date, message_html, message_text
from notifications.mailbox import links_in, list_messages, read_message
from tests.conftest import base_config
from tests.factories import fresh, make_assessment
from tests.html import parse_page, text_of
from tests.journey import complete_every_section, csrf_of, mail_folder, open_link, sign_and_send

ADDENDUM_DAYS = 10  # not the default 28, so a page that hard-codes the number fails
AGREED_AT = datetime(2026, 3, 2, 10, 0, tzinfo=LONDON)  # a Monday, in office hours
# What the emails used to ask instead of pointing at the form's own choices.
EMAIL_THE_OFFICER = ("Email Olu", "if:", "tell us who, if you know")


@pytest.fixture
def app_config(tmp_path: Path, sqlite_url: str) -> dict[str, Any]:
    return {**base_config(tmp_path, sqlite_url), "ADDENDUM_DAYS": ADDENDUM_DAYS}


@pytest.fixture
def travel() -> Any:
    with time_machine.travel(AGREED_AT, tick=False) as traveller:
        yield traveller


@pytest.fixture
def health(session: Any, jobs: Any, officer: User, travel: Any) -> AdviceRequest:
    """A health request, emailed and received on AGREED_AT."""
    make_assessment(session, agreed=True, agencies=(Agency.HEALTH,), case_officer=officer)
    session.commit()
    jobs.run()
    return fresh(session).scalars(select(AdviceRequest)).one()


def emails_to(svc: Any, address: str) -> list[Any]:
    """Every email to `address`, oldest first."""
    folder = mail_folder(svc)
    return [
        read_message(folder, stored.name)
        for stored in reversed(list_messages(folder))
        if stored.to == address
    ]


def task_list_choices(client: FlaskClient, form_url: str) -> list[str]:
    """The choices the task list offers under "If you cannot give this advice"."""
    soup = parse_page(client.get(form_url).data)
    heading = soup.find("h2", string="If you cannot give this advice")
    assert heading is not None
    return [a.get_text(strip=True) for a in heading.find_next("ul").find_all("a")]


def test_the_request_and_reminder_emails_name_the_choices_the_task_list_offers(
    client: FlaskClient, session: Any, svc: Any, jobs: Any, travel: Any, health: AdviceRequest
) -> None:
    [request_email] = emails_to(svc, health.contributor.email)
    form_url = open_link(client, links_in(request_email)[0]).headers["Location"]
    choices = task_list_choices(client, form_url)
    assert choices == [
        "This child or young person is not known to our service",
        "Someone else should give this advice",
        "I cannot give this advice by the deadline",
    ]

    travel.move_to(datetime(2026, 3, 10, 11, 0, tzinfo=LONDON))
    chase_now(
        session,
        fresh(session).get_one(AdviceRequest, health.id),
        now=datetime.now(UTC),
        actor="user:1",
    )
    session.commit()
    jobs.run()
    reminder = emails_to(svc, health.contributor.email)[-1]
    assert reminder is not request_email and "Reminder" in str(reminder["Subject"])

    for email in (request_email, reminder):
        for part in (message_text(email), message_html(email) or ""):
            for choice in choices:
                assert choice in part, (email["Subject"], choice)
            assert "You do not need to email anyone" in part
            for words in EMAIL_THE_OFFICER:
                assert words not in part, words


def test_an_overdue_reminder_names_the_deadline_choice_for_what_stopped_them(
    session: Any, svc: Any, jobs: Any, travel: Any, health: AdviceRequest
) -> None:
    due = health.due_on
    assert due is not None
    travel.move_to(datetime.combine(due + timedelta(days=3), time(11), tzinfo=LONDON))
    chase_now(
        session,
        fresh(session).get_one(AdviceRequest, health.id),
        now=datetime.now(UTC),
        actor="user:1",
    )
    session.commit()
    jobs.run()
    text = message_text(emails_to(svc, health.contributor.email)[-1])
    assert (
        'missed an appointment you made, open the link and choose "I cannot give this advice '
        'by the deadline" to tell Olu'
    ) in text.replace("\n", "").replace("  ", " ")


def sent(client: FlaskClient, svc: Any, health: AdviceRequest) -> str:
    """Open the request's link, complete every section and send it; the form's URL."""
    [request_email] = emails_to(svc, health.contributor.email)
    form_url = open_link(client, links_in(request_email)[0]).headers["Location"]
    complete_every_section(client, form_url)
    return form_url


def test_the_check_page_says_for_how_long_an_addendum_can_be_added_and_what_then(
    client: FlaskClient, svc: Any, health: AdviceRequest
) -> None:
    form_url = sent(client, svc, health)
    shown = text_of(parse_page(client.get(f"{form_url}/check").data))
    assert (
        f"you can add an addendum with the link in your email for {ADDENDUM_DAYS} days after "
        "your advice is sealed"
    ) in shown
    assert "After that, the case officer can send you a link to add one." in shown
    assert "contact the case officer" not in shown


def test_the_receipt_email_and_page_give_the_same_last_day_for_an_addendum_and_what_after(
    client: FlaskClient, session: Any, svc: Any, jobs: Any, officer: User, health: AdviceRequest
) -> None:
    form_url = sent(client, svc, health)
    assert sign_and_send(client, form_url).status_code == 303
    jobs.run()
    sealed = fresh(session).scalars(select(SealedAdvice)).one()
    last_day = long_date(sealed.sealed_at + timedelta(days=ADDENDUM_DAYS))

    receipt = emails_to(svc, health.contributor.email)[-1]
    assert "received" in str(receipt["Subject"])
    for part in (message_text(receipt).replace("\n", " "), message_html(receipt) or ""):
        assert f"{last_day} at" in part
        assert "you can add an addendum yourself" in part
        assert "Add an addendum" in part
        assert officer.email in part
        assert "they can send you a link to add one" in part
        assert "contact the case officer" not in part

    # What the email says to do works: the link, Start, then "Add an addendum".
    request_email = emails_to(svc, health.contributor.email)[0]
    landed = open_link(client, links_in(request_email)[0])
    page = client.get(landed.headers["Location"], follow_redirects=True)
    soup = parse_page(page.data)
    shown = text_of(soup)
    assert f"Until {last_day} at" in shown
    assert "After that, the case officer can send you a link to add one." in shown
    assert soup.find("a", string="Add an addendum") is not None


def test_after_the_addendum_window_the_receipt_page_says_to_ask_the_case_officer(
    client: FlaskClient, svc: Any, travel: Any, health: AdviceRequest
) -> None:
    form_url = sent(client, svc, health)
    assert sign_and_send(client, form_url).status_code == 303
    travel.move_to(AGREED_AT + timedelta(days=ADDENDUM_DAYS, minutes=1))
    # Days later, through the link in their email again.
    landed = open_link(client, links_in(emails_to(svc, health.contributor.email)[0])[0])
    soup = parse_page(client.get(landed.headers["Location"], follow_redirects=True).data)
    shown = text_of(soup)
    assert f"({ADDENDUM_DAYS} days after it was sealed) has passed" in shown
    assert "they can send you a link to add an addendum" in shown
    assert soup.find("a", string="Add an addendum") is None


def test_once_the_assessment_is_closed_no_page_or_email_offers_an_addendum(
    client: FlaskClient, session: Any, svc: Any, jobs: Any, health: AdviceRequest
) -> None:
    form_url = sent(client, svc, health)
    close_assessment(
        session,
        fresh(session).get_one(AdviceRequest, health.id).assessment,
        reason="moved_away",
        now=datetime.now(UTC),
        actor="user:1",
    )
    session.commit()
    check = text_of(parse_page(client.get(f"{form_url}/check").data))
    assert "This assessment is closed, so once it is sealed no addendum can be added" in check
    assert sign_and_send(client, form_url).status_code == 303
    jobs.run()
    submitted = text_of(parse_page(client.get(f"{form_url}/submitted").data))
    receipt = message_text(emails_to(svc, health.contributor.email)[-1]).replace("\n", " ")
    for shown in (submitted, receipt):
        assert "This assessment is closed, so no addendum can be added to your advice" in shown
        assert "you can add an addendum" not in shown


def test_the_deadline_pages_give_the_due_date_the_case_officer_agreed(
    client: FlaskClient, session: Any, svc: Any, health: AdviceRequest
) -> None:
    """An extension moves the due date; the pages about being late say the new one."""
    due = health.due_on
    assert due is not None
    later = due + timedelta(days=14)
    extend_deadline(
        session,
        fresh(session).get_one(AdviceRequest, health.id),
        new_due_on=later,
        reason="The family asked for more time",
        now=datetime.now(UTC),
        actor="user:1",
        actor_name="Olu Adeyemi",
    )
    session.commit()
    form_url = open_link(client, links_in(emails_to(svc, health.contributor.email)[0])[0]).headers[
        "Location"
    ]
    page = text_of(parse_page(client.get(f"{form_url}/deadline").data))
    assert f"Your advice is due by {long_date(later)}." in page
    assert long_date(due) not in page
    reported = client.post(
        f"{form_url}/deadline",
        data={
            "csrf_token": csrf_of(client.get(f"{form_url}/deadline").data),
            "reason": "other",
            "details": "Our waiting list is 18 weeks.",
        },
        follow_redirects=True,
    )
    assert f"your advice is still due by {long_date(later)}" in text_of(parse_page(reported.data))
