"""Access that lapses, in Chromium, with CONTRIBUTOR_ACCESS_SECONDS cut to a few seconds: the
page warns before access lapses and one button extends it (WCAG 2.2.1 Timing Adjustable), and a
save posted after access lapsed is still kept. Every page is scanned with axe-core."""

from __future__ import annotations

import time
from typing import Any

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import select

from advice_hub.models import AdviceDraft
from tests.browser.journey import FORM_URL, check_page, heading, open_section, start
from tests.factories import fresh

pytestmark = pytest.mark.browser

# The warning comes at four fifths of the time: 3 seconds leave time to see and press it.
# The browser keeps the access cookie for twice as long, for a save posted after it lapsed.
WARNED_SECONDS = 3
TYPED = "Typed slowly, between two clinic appointments, and saved too late."


def warning(page: Page) -> Any:
    return page.locator(".app-timeout-warning")


def wait_until_lapsed(started: float, access_seconds: int) -> None:
    """Sleep until access given at `started` has surely lapsed: the server counts whole
    seconds, so a second more than the setting."""
    time.sleep(max(0.0, started + access_seconds + 1.2 - time.monotonic()))


@pytest.mark.live_settings(CONTRIBUTOR_ACCESS_SECONDS=WARNED_SECONDS)
def test_the_page_warns_before_access_lapses_and_one_button_keeps_it(
    page: Page, health_link: str
) -> None:
    start(page, health_link)
    page.locator("#sections a.govuk-task-list__link").first.click()
    loaded = time.monotonic()  # access was renewed by this page's response
    expect(heading(page)).to_have_text("Your involvement")
    expect(warning(page)).to_have_count(0)

    expect(warning(page)).to_be_visible(timeout=WARNED_SECONDS * 1000)
    assert time.monotonic() - loaded < WARNED_SECONDS, "the warning came after access lapsed"
    expect(warning(page)).to_have_attribute("role", "alert")
    expect(warning(page)).to_contain_text("this page will stop working soon")
    check_page(page)
    warning(page).get_by_role("button", name="Stay on this page").click()
    expect(warning(page)).to_have_count(0)

    # Past the time access would have lapsed without the button, the form still opens.
    wait_until_lapsed(loaded, WARNED_SECONDS)
    page.get_by_role("link", name="Back to your advice").click()
    expect(page).to_have_url(FORM_URL)
    expect(heading(page)).to_have_text("Health advice")
    check_page(page)


@pytest.mark.live_settings(CONTRIBUTOR_ACCESS_SECONDS=WARNED_SECONDS)
def test_a_save_posted_after_access_lapsed_still_keeps_what_was_typed(
    page: Page, health_link: str, session: Any
) -> None:
    start(page, health_link)
    page.locator("#sections a.govuk-task-list__link").first.click()
    expect(heading(page)).to_have_text("Your involvement")
    loaded = time.monotonic()  # access was renewed by this page's response
    check_page(page)
    page.get_by_label("How do you know the child?").fill(TYPED)

    # They leave the page without pressing "Stay", and access lapses: the same browser, asking
    # for the page afresh, is told to open the link in the email again.
    wait_until_lapsed(loaded, WARNED_SECONDS)
    afresh = page.context.request.get(page.url)
    assert afresh.status == 403
    assert "For your security, open the link in your email again" in afresh.text()

    # Yet the save they press on the page left open is kept, and they carry on.
    page.get_by_role("button", name="Save and come back later").click()
    expect(page).to_have_url(FORM_URL)
    expect(page.get_by_text("Your answers have been saved")).to_be_visible()
    check_page(page)
    draft = fresh(session).scalar(select(AdviceDraft))
    assert draft is not None and draft.answers["involvement.involvement"] == TYPED
    open_section(page, "Your involvement")
    expect(page.get_by_label("How do you know the child?")).to_have_value(TYPED)
