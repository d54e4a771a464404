"""A case officer in Chromium reads when each contributor is next chased, chases one now, and is
then not offered a second chase that day. Every page is scanned with axe-core."""

from __future__ import annotations

import time
from datetime import timedelta
from typing import Any

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import select

from advice_hub.deadlines import advice_due_on
from advice_hub.models import AdviceRequest, Agency, RequestStatus, utcnow
from tests.browser.conftest import LiveServer, wait_for_mail
from tests.browser.journey import check_page, heading
from tests.factories import fresh, make_assessment, make_officer

pytestmark = pytest.mark.browser


def received(session: Any, timeout: float = 10) -> AdviceRequest:
    """The request, once the worker has recorded its email as received."""
    deadline = time.monotonic() + timeout
    while (
        advice_request := fresh(session).scalars(select(AdviceRequest)).one()
    ).received_at is None:
        assert time.monotonic() < deadline, "the request email was never recorded as received"
        time.sleep(0.05)
    return advice_request


def test_an_officer_chases_once_and_is_not_offered_a_second_chase_the_same_day(
    page: Page, live_server: LiveServer, session: Any
) -> None:
    officer = make_officer(session)
    assessment = make_assessment(
        session, agreed=True, agencies=(Agency.HEALTH,), case_officer=officer
    )
    session.commit()
    wait_for_mail(live_server.mail_folder, matching=lambda m: m.to.startswith("health."))
    advice_request = received(session)
    # As if the request had arrived ten days ago, so it may be chased today.
    ten_days_ago = utcnow() - timedelta(days=10)
    advice_request.received_at = ten_days_ago
    advice_request.due_on = advice_due_on(ten_days_ago)
    advice_request.status = RequestStatus.SENT
    session.commit()

    page.goto("/sign-in")
    check_page(page)
    page.get_by_label(officer.name).check()
    page.get_by_role("button", name="Sign in").click()
    expect(heading(page)).to_have_text("My work")
    check_page(page)
    page.goto(f"/assessments/{assessment.id}")
    expect(heading(page)).to_have_text(f"Assessment {assessment.reference}")
    next_chase = page.locator(f"#next-chase-{advice_request.id}")
    expect(next_chase).to_contain_text("Next chase: ")
    expect(next_chase).to_contain_text("14 days before due")
    check_page(page)

    page.get_by_role(
        "link", name="Chase now for the health advice from Health Contributor 1"
    ).click()
    expect(heading(page)).to_have_text("Chase this request now")
    check_page(page)
    page.get_by_role("button", name="Send a chase").click()
    expect(page.locator(".govuk-notification-banner")).to_contain_text(
        "Chase planned: Health Contributor 1 is emailed"
    )
    expect(
        page.get_by_role("link", name="Chase now for the health advice from Health Contributor 1")
    ).to_have_count(0)
    expect(page.locator(f"#no-chase-now-{advice_request.id}")).to_contain_text(
        "Health Contributor 1 already gets an email"
    )
    check_page(page)
