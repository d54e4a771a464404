"""A case officer in Chromium answers "which of my cases have overdue advice?" and "what is
due this week?" from My work, their start page, in at most two clicks from signing in, and is
one click from acting on a line. Every page is scanned with axe-core."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from advice_hub.models import Agency, utcnow
from tests.browser.conftest import LiveServer
from tests.browser.journey import check_page, heading
from tests.factories import FOUR_AGENCIES, make_assessment, make_officer, make_user, mark_sent

pytestmark = pytest.mark.browser

WITH_PARENT = (Agency.PARENT_CARER, *FOUR_AGENCIES)


def test_an_officer_sees_overdue_advice_and_what_is_due_this_week_in_two_clicks(
    page: Page, live_server: LiveServer, session: Any
) -> None:
    officer = make_officer(session)
    other = make_user(session, email="casey@council.example", name="Casey", role="case_officer")
    now = utcnow()
    overdue = make_assessment(
        session, agreed=True, agencies=WITH_PARENT, case_officer=officer, family_name="Late"
    )
    mark_sent(overdue, now - timedelta(days=52))
    due_soon = make_assessment(
        session, agreed=True, agencies=WITH_PARENT, case_officer=officer, family_name="Soon"
    )
    mark_sent(due_soon, now - timedelta(days=39))
    theirs = make_assessment(
        session, agreed=True, agencies=WITH_PARENT, case_officer=other, family_name="Theirs"
    )
    mark_sent(theirs, now - timedelta(days=52))
    session.commit()

    page.goto("/sign-in")
    check_page(page)
    page.get_by_label(officer.name).check()
    page.get_by_role("button", name="Sign in").click()  # the first click
    expect(heading(page)).to_have_text("My work")
    check_page(page)

    # Which of my cases have overdue advice? On the start page itself.
    overdue_table = page.locator("#overdue-table")
    expect(overdue_table).to_contain_text(overdue.reference)
    expect(overdue_table).to_contain_text("days overdue")
    expect(overdue_table).not_to_contain_text(due_soon.reference)
    expect(page.locator("main")).not_to_contain_text(theirs.reference)

    # What is due this week? One more click, to its section.
    page.get_by_role("link", name="Advice due in the next 7 days").click()  # the second click
    due_table = page.locator("#due-soon-table")
    expect(due_table).to_be_in_viewport()
    expect(due_table).to_contain_text(due_soon.reference)
    expect(due_table).to_contain_text("in 3 days")
    expect(due_table).not_to_contain_text(overdue.reference)
    check_page(page)

    # Each line is one click from acting on it.
    health = next(r for r in overdue.advice_requests if r.agency == Agency.HEALTH)
    row = overdue_table.locator("tr", has_text=health.contributor.name)
    row.get_by_role("link", name="Extend the deadline").click()
    expect(heading(page)).to_have_text("Extend the deadline")
    check_page(page)
