"""Repeatable items on a 360-pixel phone, in Chromium: a piece of provision is written a
question a page, each page short enough to reach its Continue button within a screen and a
half, and saying which piece and which question it is; saved, each piece is a summary card
whose "Change" buttons open the one question and come back to the card. On the published
health template, whose piece of provision asks seven questions with long hints (some 2,600
pixels at this width written on one page).
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import select

from advice_hub.models import AdviceDraft, Agency
from tests.browser.conftest import LiveServer, OpenContext
from tests.browser.journey import (
    FORM_URL,
    ITEM_STEP_URL,
    answer_every_blank,
    check_page,
    heading,
    open_section,
    request_advice,
    save_and_continue,
    start,
)
from tests.factories import fresh

pytestmark = pytest.mark.browser

PHONE = {"width": 360, "height": 740}
# How tall a step may be, from the top of the page's main content (below the council's
# header) to the bottom of its Continue button: about a screen and a half.
STEP_AT_MOST = 1_000
QUESTIONS = 7  # a piece of provision in the health template
# An answer as long as people write them: a text box's typed answer wraps to many lines
# in its summary card, and a text area shows its character count's message.
TYPED = (
    "Three 30-minute sessions a week in a quiet room, planned by the speech and language "
    "therapist, delivered by a trained teaching assistant and reviewed each half term"
)


def card(page: Page, number: int) -> Any:
    return page.locator(f"[id='provision-{number - 1}']")


def step_height(page: Page) -> float:
    """From the top of the main content to the bottom of the page's main button (Continue,
    or a section page's "Save and continue")."""
    button = page.locator("form[data-autosave-url] > .govuk-button-group > .govuk-button").first
    return float(
        button.evaluate(
            "b => b.getBoundingClientRect().bottom"
            " - document.querySelector('main').getBoundingClientRect().top"
        )
    )


def assert_no_horizontal_scrolling(page: Page) -> None:
    sizes = page.evaluate("({scroll: document.documentElement.scrollWidth, view: innerWidth})")
    assert sizes["scroll"] <= sizes["view"], f"{page.url} is {sizes['scroll']}px wide"


def write_piece(page: Page, number: int, of: int) -> list[float]:
    """On the first step of piece `number`: answer every step and continue, checking each
    step says where it is and is short; returns each step's height."""
    heights = []
    for question in range(1, QUESTIONS + 1):
        page.wait_for_load_state()
        for box in page.locator("form textarea, form input[type=text]").all():
            box.fill(f"Piece {number}: {TYPED}")
        answer_every_blank(page)
        heights.append(height := step_height(page))
        assert height <= STEP_AT_MOST, f"question {question} is on a page {height:.0f}px tall"
        expect(page).to_have_url(ITEM_STEP_URL)
        expect(page.locator(".govuk-caption-m")).to_have_text(
            f"Piece of provision {number} of {of}, question {question} of {QUESTIONS}"
        )
        expect(heading(page)).to_be_visible()
        check_page(page)
        assert_no_horizontal_scrolling(page)
        if question > 1:  # Back goes to the question before
            back = page.locator(".govuk-back-link").get_attribute("href") or ""
            assert back.endswith(f"/provision/{number}/{question - 1}"), back
        page.get_by_role("button", name="Continue", exact=True).click()
        expect(page).not_to_have_url(re.compile(rf"/{number}/{question}$"))
    # The last step leads back to the section, at the piece's card, in view.
    expect(page).to_have_url(re.compile(rf"/section/provision#provision-{number - 1}$"))
    expect(card(page, number)).to_be_in_viewport()
    check_page(page)
    return heights


def test_on_a_phone_a_piece_of_provision_is_written_a_short_page_at_a_time(
    open_context: OpenContext, live_server: LiveServer, session: Any
) -> None:
    links = request_advice(live_server, session, Agency.HEALTH)
    page = open_context(viewport=PHONE, is_mobile=True).new_page()
    start(page, links[Agency.HEALTH])
    open_section(page, "Provision")

    page.get_by_role("button", name="Add a piece of provision").click()
    heights = write_piece(page, 1, 1)
    page.get_by_role("button", name="Add another piece of provision").click()
    heights += write_piece(page, 2, 2)
    tallest = max(heights)
    assert tallest <= STEP_AT_MOST, f"a step is {tallest:.0f}px tall: {heights}"

    # Each piece is a card of its answers; none is written on the section page.
    expect(page.locator(".app-item-card")).to_have_count(2)
    expect(page.locator("form textarea")).to_have_count(0)
    expect(card(page, 1)).to_contain_text(f"Piece 1: {TYPED}")
    assert_no_horizontal_scrolling(page)

    # "Change" beside one answer opens that question of that piece, and comes back to it.
    card(page, 1).get_by_role("button", name=re.compile("^Change how often")).click()
    expect(page.locator(".govuk-caption-m")).to_have_text(
        f"Piece of provision 1 of 2, question 4 of {QUESTIONS}"
    )
    expect(heading(page)).to_have_text("How often, and how long is each session?")
    asked = page.get_by_label("How often, and how long is each session?")
    expect(asked).to_have_value(f"Piece 1: {TYPED}")
    check_page(page)
    asked.fill("Daily, 15 minutes")
    page.get_by_role("button", name="Continue", exact=True).click()
    expect(page).to_have_url(re.compile(r"/section/provision#provision-0$"))
    expect(card(page, 1)).to_be_in_viewport()
    expect(card(page, 1)).to_contain_text("Daily, 15 minutes")
    expect(card(page, 2)).to_contain_text(f"Piece 2: {TYPED}")
    check_page(page)

    # What is typed on a step survives "Save and come back later".
    card(page, 2).get_by_role("button", name=re.compile("^Change what is the provision")).click()
    expect(heading(page)).to_have_text("What is the provision?")
    check_page(page)
    page.get_by_label("What is the provision?").fill("Weekly social communication group")
    page.get_by_role("button", name="Save and come back later").click()
    expect(page).to_have_url(FORM_URL)
    expect(page.get_by_text("Your answers have been saved")).to_be_visible()
    check_page(page)
    items = fresh(session).scalar(select(AdviceDraft)).answers["provision.provision"]
    assert [item["what"] for item in items] == [
        f"Piece 1: {TYPED}",
        "Weekly social communication group",
    ]
    assert items[0]["how_often"] == "Daily, 15 minutes"
    open_section(page, "Provision")
    expect(card(page, 2)).to_contain_text("Weekly social communication group")
    save_and_continue(page)
    expect(heading(page)).to_have_text("Other assessments needed")
