"""Repeatable items on a 360-pixel phone, in Chromium: each piece of provision not being
written is a short summary card, one is written at a time, and every button that adds,
changes or saves one lands the person back at it. On the published health template, whose
piece of provision asks seven questions with long hints (some 3,600 pixels at this width).
"""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import Page, expect

from advice_hub.models import Agency
from tests.browser.conftest import LiveServer, OpenContext
from tests.browser.journey import (
    answer_every_blank,
    check_page,
    heading,
    open_section,
    request_advice,
    save_and_continue,
    start,
)

pytestmark = pytest.mark.browser

PHONE = {"width": 360, "height": 740}
# A card shows an item's seven answers, one line or two each, and its two buttons: about a
# screen, where the item written out is five.
CARD_AT_MOST = PHONE["height"] * 1.5


def item(page: Page, number: int) -> Any:
    return page.locator(f"[id='provision-{number - 1}']")


def assert_no_horizontal_scrolling(page: Page) -> None:
    sizes = page.evaluate("({scroll: document.documentElement.scrollWidth, view: innerWidth})")
    assert sizes["scroll"] <= sizes["view"], f"{page.url} is {sizes['scroll']}px wide"


def test_on_a_phone_one_piece_of_provision_is_written_at_a_time_and_the_rest_are_short_cards(
    open_context: OpenContext, live_server: LiveServer, session: Any
) -> None:
    links = request_advice(live_server, session, Agency.HEALTH)
    page = open_context(viewport=PHONE, is_mobile=True).new_page()
    start(page, links[Agency.HEALTH])
    open_section(page, "Provision")

    page.get_by_role("button", name="Add a piece of provision").click()
    for number in (1, 2, 3):
        if number > 1:
            page.get_by_role("button", name="Add another piece of provision").click()
        # Back at the new piece, open at the top of the screen, not at the top of the page.
        expect(item(page, number)).to_be_in_viewport()
        expect(item(page, number).locator("legend").first).to_be_visible()
        check_page(page)
        answer_every_blank(page, text=f"Piece {number}")
        written = item(page, number).bounding_box()
        assert written is not None and written["height"] > 3 * PHONE["height"]

    # Only the one being written is open; the others are cards of their answers.
    expect(page.locator("fieldset.app-group-item")).to_have_count(1)
    cards = page.locator(".app-item-card")
    expect(cards).to_have_count(2)
    for number in (1, 2):
        expect(item(page, number)).to_contain_text(f"Piece {number}")
        box = item(page, number).bounding_box()
        assert box is not None and box["height"] < CARD_AT_MOST, box
    assert_no_horizontal_scrolling(page)

    # Saving the piece being written closes it to a card, in view.
    page.get_by_role("button", name="Save piece of provision 3").click()
    expect(page.locator("fieldset.app-group-item")).to_have_count(0)
    expect(item(page, 3)).to_be_in_viewport()
    expect(item(page, 3)).to_contain_text("Piece 3")
    check_page(page)

    # "Change" opens one again where it is; the others stay cards.
    item(page, 2).get_by_role("button", name="Change piece of provision 2").click()
    expect(item(page, 2).locator("legend").first).to_be_in_viewport()
    expect(item(page, 2).get_by_label("What is the provision?")).to_have_value(
        "Piece 2 for provision-1-what: weekly, 30 minutes, by a speech and language therapist"
    )
    expect(page.locator("fieldset.app-group-item")).to_have_count(1)
    expect(page.locator(".app-item-card")).to_have_count(2)
    check_page(page)
    assert_no_horizontal_scrolling(page)
    save_and_continue(page)
    expect(heading(page)).to_have_text("Other assessments needed")
