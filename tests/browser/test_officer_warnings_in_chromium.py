"""A case officer in Chromium: impossible dates on a new assessment named at once, and a late
decision recorded only with its reason, then shown tagged beside its warning on the assessment
and in the list. Every page is scanned with axe-core."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from advice_hub.deadlines import london_date
from advice_hub.models import Agency, utcnow
from tests.browser.conftest import LiveServer
from tests.browser.journey import check_page, heading
from tests.factories import FOUR_AGENCIES, make_assessment, make_officer

pytestmark = pytest.mark.browser

TODAY = london_date(utcnow())
REASON = "The panel could not meet over the summer closure"


def sign_in(page: Page, name: str) -> None:
    page.goto("/sign-in")
    check_page(page)
    page.get_by_label(name).check()
    page.get_by_role("button", name="Sign in").click()
    expect(heading(page)).to_have_text("My work")
    check_page(page)


def test_every_impossible_date_is_named_at_once(
    page: Page, live_server: LiveServer, session: Any
) -> None:
    officer = make_officer(session)
    session.commit()
    sign_in(page, officer.name)
    page.get_by_role("link", name="New assessment").first.click()
    check_page(page)
    page.get_by_label("Family name").fill("Okafor")
    birth = page.get_by_role("group", name="Date of birth")
    for label, value in (("Day", "5"), ("Month", "1"), ("Year", "2031")):
        birth.get_by_label(label).fill(value)
    received = page.get_by_role("group", name="Date the council received the request")
    for label, value in (("Day", "1"), ("Month", "6"), ("Year", "2030")):
        received.get_by_label(label).fill(value)
    page.get_by_role("button", name="Save assessment").click()
    summary = page.locator(".govuk-error-summary")
    expect(summary).to_be_focused()
    expect(summary.locator("a")).to_have_text(
        [
            "Enter the child's given names",
            "The date of birth must be today or in the past",
            "The date the council received the request must be today or in the past",
            "Enter the details of at least one person to ask for advice",
        ]
    )
    check_page(page)


def test_a_late_decision_is_confirmed_with_its_reason_and_shown_beside_its_warning(
    page: Page, live_server: LiveServer, session: Any
) -> None:
    officer = make_officer(session)
    assessment = make_assessment(
        session,
        agencies=(Agency.PARENT_CARER, *FOUR_AGENCIES),
        case_officer=officer,
        requested_on=TODAY - timedelta(weeks=7),
    )
    session.commit()
    sign_in(page, officer.name)
    page.get_by_role("link", name=assessment.reference, exact=True).click()
    check_page(page)
    page.get_by_role("button", name="Record decision and send requests").click()
    confirm = page.locator("#confirm-warnings")
    expect(confirm).to_contain_text("after its 6-week limit")
    check_page(page)
    page.get_by_role("button", name="Record decision and send requests").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text(
        "Enter why you are going ahead despite the warning"
    )
    check_page(page)
    page.get_by_label("Why are you going ahead despite the warning?").fill(REASON)
    page.get_by_role("button", name="Record decision and send requests").click()
    expect(page.locator(".govuk-notification-banner")).to_contain_text("Decision recorded")
    warning = page.locator(".app-warnings li")
    expect(warning).to_contain_text("after its 6-week limit")
    expect(warning).to_contain_text(f"Reason given by {officer.name}")
    expect(warning).to_contain_text(REASON)
    check_page(page)
    page.get_by_role("link", name="Back to assessments").click()
    expect(page.locator("tbody tr").first).to_contain_text("Warning Decision after 6 weeks")
    check_page(page)
