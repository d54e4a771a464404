"""The contributor's journey in Debian's Chromium, with the keyboard alone and on a small phone.

The small template (health v90, tests/small_template.py) has every kind of question, so these
tests can say exactly what is typed where: radios, yes/no, a text area with a character count,
a date, checkboxes, an area that can be skipped, and a repeatable group. Every page is scanned
with axe-core.
"""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from playwright.sync_api import Locator, Page, expect

from tests.browser.conftest import OpenContext
from tests.browser.journey import (
    CHECK_URL,
    DECLARATION,
    FORM_URL,
    ITEM_STEP_URL,
    SECTION_URL,
    add_one_item_to_each_empty_group,
    answer_every_blank,
    assert_sealed_as_shown,
    check_answers_and_continue,
    check_page,
    heading,
    open_start_page,
    save_and_continue,
    save_and_continue_button,
    section_links,
    see_receipt,
    sign_and_send,
    start,
)

pytestmark = pytest.mark.browser

INVOLVEMENT = "Seen three times in the community clinic since March 2026.\nCafé noise is hard."
PROVISION = "Speech and language therapy, 30 minutes weekly, one to one."


def tab_to(page: Page, target: Locator, *, backwards: bool = False, limit: int = 40) -> None:
    """Press Tab (or Shift+Tab) until `target` has the focus, as a keyboard user would."""
    key = "Shift+Tab" if backwards else "Tab"
    target.wait_for()
    for _ in range(limit):
        page.keyboard.press(key)
        if target.evaluate("element => element === document.activeElement"):
            return
    focused = page.evaluate("document.activeElement && document.activeElement.outerHTML")
    raise AssertionError(f"{key} x{limit} never reached {target}; focus is on {focused}")


def press_and_wait(page: Page, key: str, url: re.Pattern[str]) -> None:
    """Press a key that follows a link or sends a form; wait for the page it leads to."""
    before = page.url
    page.keyboard.press(key)
    expect(page).not_to_have_url(before)
    expect(page).to_have_url(url)
    check_page(page)


def test_the_whole_journey_can_be_completed_with_the_keyboard_alone(
    page: Page, health_link: str, session: Any
) -> None:
    open_start_page(page, health_link)
    tab_to(page, page.get_by_role("button", name="Start now"))
    press_and_wait(page, "Enter", FORM_URL)
    form_url = page.url

    tab_to(page, section_links(page).first)
    press_and_wait(page, "Enter", SECTION_URL)
    expect(heading(page)).to_have_text("Your involvement")

    # Tab enters a radio group with nothing chosen at its first radio; Space chooses it and
    # the arrow keys move the choice along.
    tab_to(page, page.get_by_label("Paediatrics"))
    page.keyboard.press("Space")
    page.keyboard.press("ArrowDown")
    expect(page.get_by_label("Speech and language therapy")).to_be_checked()
    # Continue with questions unanswered: the error summary takes the focus.
    tab_to(page, save_and_continue_button(page))
    page.keyboard.press("Enter")
    summary = page.locator(".govuk-error-summary")
    expect(summary).to_be_focused()
    check_page(page)
    links = summary.get_by_role("link")
    expect(links).to_have_text(
        [
            re.compile("^Answer .Is the child on your caseload"),
            re.compile("^Answer .How do you know the child"),
            re.compile("^Answer .When did you last see them"),
        ]
    )
    expect(page.get_by_label("Speech and language therapy")).to_be_checked()

    # Each error's link takes the focus to its question; from there Tab moves on in order.
    tab_to(page, links.first)
    page.keyboard.press("Enter")
    expect(page.locator("[id='on_caseload']")).to_be_focused()
    page.keyboard.press("Space")
    page.keyboard.press("Tab")
    expect(page.get_by_label("How do you know the child?")).to_be_focused()
    first_line, second_line = INVOLVEMENT.split("\n")
    page.keyboard.type(first_line)
    page.keyboard.press("Enter")  # a new line in a text area, not a submitted form
    page.keyboard.type(second_line)
    for part, value in (("day", "3"), ("month", "11"), ("year", "2026")):
        page.keyboard.press("Tab")
        expect(page.locator(f"[id='seen_on-{part}']")).to_be_focused()
        page.keyboard.type(value)
    page.keyboard.press("Tab")
    expect(page.get_by_label("Clinic")).to_be_focused()
    page.keyboard.press("Space")
    page.keyboard.press("Tab")
    page.keyboard.press("Tab")
    page.keyboard.press("Space")
    expect(page.get_by_label("Home")).to_be_checked()
    tab_to(page, save_and_continue_button(page))
    press_and_wait(page, "Enter", SECTION_URL)

    # An area not assessed: tick it with Space and move on.
    expect(heading(page)).to_have_text("Communication and interaction")
    tab_to(page, page.get_by_label("I have not assessed this area"))
    page.keyboard.press("Space")
    tab_to(page, save_and_continue_button(page))
    press_and_wait(page, "Enter", SECTION_URL)

    # A repeatable group: add an item with Enter, then write it a question a page.
    expect(heading(page)).to_have_text("Provision")
    tab_to(page, page.get_by_role("button", name="Add a piece of provision"))
    press_and_wait(page, "Enter", ITEM_STEP_URL)
    expect(heading(page)).to_have_text("What")
    tab_to(page, page.locator("[id='items-0-what']"))
    page.keyboard.type(PROVISION)
    tab_to(page, page.get_by_role("button", name="Continue", exact=True))
    press_and_wait(page, "Enter", ITEM_STEP_URL)
    expect(heading(page)).to_have_text("Delivered by")
    tab_to(page, page.locator("[id='items-0-who']"))
    page.keyboard.type("NHS speech and language therapist")
    press_and_wait(page, "Enter", ITEM_STEP_URL)  # Enter in a text box sends it: Continue
    expect(heading(page)).to_have_text("Starting on (optional)")
    tab_to(page, page.get_by_role("button", name="Continue", exact=True))
    press_and_wait(page, "Enter", ITEM_STEP_URL)
    tab_to(page, page.locator("[id='items-0-section']"))
    page.keyboard.press("Space")
    tab_to(page, page.get_by_role("button", name="Continue", exact=True))
    press_and_wait(page, "Enter", SECTION_URL)
    # Back at its card, from which the section is saved and continued.
    expect(page.locator("[id='items-0']")).to_contain_text("NHS speech and language therapist")
    tab_to(page, save_and_continue_button(page))
    press_and_wait(page, "Enter", CHECK_URL)

    expect(heading(page)).to_have_text("Check your answers")
    answers = page.locator(".govuk-summary-list__value")
    expect(answers.filter(has_text="Café noise is hard.")).to_have_text(
        re.compile(r"since March 2026\.\s*Café noise")
    )
    expect(answers.filter(has_text="3 November 2026")).to_have_count(1)
    expect(answers.filter(has_text="Not assessed by me")).to_have_count(1)
    # A link styled as a button answers the Space bar, as a button does.
    tab_to(page, page.get_by_role("button", name="Continue to declaration"))
    press_and_wait(page, "Space", re.compile("/declaration$"))

    tab_to(page, page.get_by_label("Your full name"))
    page.keyboard.type(DECLARATION["name"])
    page.keyboard.press("Tab")
    expect(page.get_by_label("Your role")).to_be_focused()
    page.keyboard.type(DECLARATION["role"])
    page.keyboard.press("Tab")
    # Tab enters the radios at the checked one; the arrow keys move the choice along.
    expect(page.get_by_label("Not registered")).to_be_focused()
    page.keyboard.press("ArrowDown")
    page.keyboard.press("ArrowDown")
    expect(page.get_by_label("General Medical Council (GMC)")).to_be_checked()
    page.keyboard.press("Tab")
    expect(page.get_by_label("Registration number")).to_be_focused()
    page.keyboard.type(DECLARATION["registration_number"])
    confirm = page.get_by_label("I confirm this is my advice")
    tab_to(page, confirm)
    page.keyboard.press("Space")
    expect(confirm).to_be_checked()
    tab_to(page, page.get_by_role("button", name="Send advice"))
    page.keyboard.press("Enter")
    fingerprint = see_receipt(page)

    sealed = assert_sealed_as_shown(session, form_url, fingerprint)
    document = json.loads(sealed.canonical)
    assert INVOLVEMENT in json.dumps(document, ensure_ascii=False).replace("\\n", "\n")


def assert_no_horizontal_scrolling(page: Page) -> None:
    sizes = page.evaluate(
        "({scroll: document.documentElement.scrollWidth, view: window.innerWidth})"
    )
    assert sizes["scroll"] <= sizes["view"], (
        f"{page.url} is {sizes['scroll']}px wide on a {sizes['view']}px screen"
    )


def visit_from_the_task_list(page: Page, link_text: str) -> None:
    """Follow a link on the task list, check the page fits, and come back."""
    page.get_by_role("link", name=link_text).click()
    expect(page.get_by_role("link", name="Back to your advice")).to_be_visible()
    check_page(page)
    assert_no_horizontal_scrolling(page)
    page.get_by_role("link", name="Back to your advice").click()
    expect(page).to_have_url(FORM_URL)
    check_page(page)


def test_a_contributor_on_a_360_pixel_phone_never_scrolls_sideways_and_can_send_advice(
    open_context: OpenContext, health_link: str, session: Any
) -> None:
    page = open_context(viewport={"width": 360, "height": 740}, is_mobile=True).new_page()
    open_start_page(page, health_link)
    assert_no_horizontal_scrolling(page)
    form_url = start(page, health_link)
    assert_no_horizontal_scrolling(page)
    for alternative in (
        "This child or young person is not known to our service",
        "Someone else should give this advice",
        "I cannot give this advice by the deadline",
    ):
        visit_from_the_task_list(page, alternative)

    section_links(page).first.click()
    expect(page).to_have_url(SECTION_URL)
    check_page(page)
    assert_no_horizontal_scrolling(page)
    # With an error summary and a date input in error, still no sideways scrolling.
    save_and_continue_button(page).click()
    expect(page.locator(".govuk-error-summary")).to_be_focused()
    check_page(page)
    assert_no_horizontal_scrolling(page)
    answer_every_blank(page)
    save_and_continue(page)
    while SECTION_URL.search(page.url):
        assert_no_horizontal_scrolling(page)
        add_one_item_to_each_empty_group(page)
        assert_no_horizontal_scrolling(page)  # a group item, with a date input in it
        answer_every_blank(page)
        save_and_continue(page)

    assert_no_horizontal_scrolling(page)
    check_answers_and_continue(page)
    assert_no_horizontal_scrolling(page)
    fingerprint = sign_and_send(page)
    assert_no_horizontal_scrolling(page)
    assert_sealed_as_shown(session, form_url, fingerprint)
