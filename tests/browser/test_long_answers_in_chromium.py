"""Fifty thousand characters pasted into every long answer, in Chromium, and the page left by
each way there is: "Save and continue", "Save and come back later", the autosave, "Stay on
this page", a post whose security token lapsed, and a save after access lapsed. Opening the
emailed link again, in a browser that has never seen the form, finds every word.

On the tests' small template (health v90): "How do you know the child?" takes 500
characters, "What are their needs?" and a piece of provision's "What" 10,000 each, so each
paste is far over its limit; the draft keeps it whole, and "Save and continue" names the
question and says by how much it is over. A piece of provision is written on pages of its own,
a question a page, so its "What" is pasted on its first step, whose "Continue" does the same.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from typing import Any

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import select

from advice_hub.models import AdviceDraft
from advice_hub.web.contributor.sections import SECTION_POST_LIMIT
from tests.browser.conftest import OpenContext
from tests.browser.journey import FORM_URL, check_page, heading, start
from tests.factories import fresh

pytestmark = pytest.mark.browser

PARAGRAPH = (
    "Seen in clinic with mum \u2013 \u201cshe\u2019s happier\u201d; na\u00efve caf\u00e9 notes.\n"
)
LONG = (PARAGRAPH * (50_000 // len(PARAGRAPH) + 1))[:49_999] + "."
SHORT_ACCESS = 20  # seconds: the warning comes at 16, before the first autosave at 30
LAPSING_ACCESS = 5  # the browser keeps the cookie for 10, for a save left this late


# Each long answer: its section, its label, and what "Save and continue" says of the paste.
LONG_ANSWERS = [
    (
        "involvement",
        "How do you know the child?",
        "\u2018How do you know the child\u2019 must be 500 characters or fewer: "
        "you have 49,500 too many",
    ),
    (
        "communication",
        "What are their needs?",
        "\u2018What are their needs\u2019 must be 10,000 characters or fewer: "
        "you have 40,000 too many",
    ),
    (
        "provision",
        "What",
        "\u2018What\u2019 must be 10,000 characters or fewer: you have 40,000 too many",
    ),
]
# Where each answer is asked when the page is opened again: a piece of provision's on its step.
ASKED_AT = {"provision": "provision/items/1/1"}


def open_section(page: Page, form_url: str, section_id: str) -> None:
    page.goto(f"{form_url}/section/{section_id}")
    check_page(page)
    add = page.get_by_role("button", name="Add a piece of provision")
    if add.count():
        add.click()
        expect(page).to_have_url(re.compile(r"/section/provision/items/1/1$"))
        expect(page.get_by_label("What", exact=True)).to_be_visible()
        check_page(page)


def is_autosave(response: Any) -> bool:
    return response.request.method == "POST" and "/section/" in response.url


def save_and_continue(page: Page, message: str) -> None:
    # "Continue" on a step of a piece of provision.
    page.get_by_role("button", name=re.compile(r"^(Save and continue|Continue)$")).click()
    expect(page.locator(".govuk-error-summary")).to_contain_text(message)
    check_page(page)


def save_and_come_back_later(page: Page, message: str) -> None:
    page.get_by_role("button", name="Save and come back later").click()
    expect(page).to_have_url(FORM_URL)
    expect(page.get_by_text("Your answers have been saved")).to_be_visible()
    check_page(page)


def autosave(page: Page, message: str) -> None:
    with page.expect_response(is_autosave) as saved:
        page.clock.run_for(31_000)
    assert saved.value.ok
    expect(page.locator(".app-autosave-status")).to_contain_text("Saved automatically")
    check_page(page)


def stay_on_this_page(page: Page, message: str) -> None:
    page.clock.run_for((SHORT_ACCESS - SHORT_ACCESS // 5) * 1000 + 500)
    warning = page.locator(".app-timeout-warning")
    expect(warning).to_be_visible()
    check_page(page)
    with page.expect_response(lambda r: r.url.endswith("/keep-alive")) as renewed:
        warning.get_by_role("button", name="Stay on this page").click()
    assert renewed.value.ok
    expect(warning).to_have_count(0)


def post_with_a_lapsed_security_token(page: Page, message: str) -> None:
    # The browser lost its session (restarted, or hours passed): the page's token is refused.
    page.context.clear_cookies(name="session")
    page.get_by_role("button", name="Save and come back later").click()
    summary = page.locator(".govuk-error-summary")
    expect(summary).to_contain_text("Your answers have not been saved yet")
    check_page(page)
    # Everything typed is still on the page, and saving again keeps it.
    save_and_come_back_later(page, message)


def save_after_access_lapsed(page: Page, message: str) -> None:
    # Access was renewed by the page's own response; the server counts whole seconds.
    loaded = page.evaluate(
        "performance.timeOrigin + performance.getEntriesByType('navigation')[0].responseEnd"
    )
    time.sleep(max(0.0, loaded / 1000 + LAPSING_ACCESS + 1.2 - time.time()))
    assert page.context.request.get(page.url).status == 403, "access has lapsed"
    save_and_come_back_later(page, message)


EXITS: list[Any] = [
    pytest.param(save_and_continue, False, id="save-and-continue"),
    pytest.param(save_and_come_back_later, False, id="save-and-come-back-later"),
    pytest.param(autosave, True, id="autosave"),
    pytest.param(
        stay_on_this_page,
        True,
        id="stay-on-this-page",
        marks=pytest.mark.live_settings(CONTRIBUTOR_ACCESS_SECONDS=SHORT_ACCESS),
    ),
    pytest.param(post_with_a_lapsed_security_token, False, id="lapsed-security-token"),
    pytest.param(
        save_after_access_lapsed,
        False,
        id="access-lapsed",
        marks=pytest.mark.live_settings(CONTRIBUTOR_ACCESS_SECONDS=LAPSING_ACCESS),
    ),
]


@pytest.mark.parametrize(("leave", "clock"), EXITS)
def test_fifty_thousand_characters_in_every_long_answer_survive_every_way_of_leaving(
    open_context: OpenContext,
    health_link: str,
    session: Any,
    leave: Callable[[Page, str], None],
    clock: bool,
) -> None:
    page = open_context(viewport={"width": 1280, "height": 900}).new_page()
    if clock:
        page.clock.install()  # the page's timers run on a clock the test moves
    form_url = start(page, health_link)
    for section_id, label, message in LONG_ANSWERS:
        open_section(page, form_url, section_id)
        page.get_by_label(label, exact=True).fill(LONG)
        leave(page, message)

    draft = fresh(session).scalar(select(AdviceDraft))
    assert draft is not None
    assert draft.answers["involvement.involvement"] == LONG
    assert draft.answers["communication.needs"] == LONG
    assert draft.answers["provision.items"][0]["what"] == LONG
    assert draft.completed_sections == []

    # The emailed link, opened again in a browser that has never seen the form.
    later = open_context().new_page()
    start(later, health_link)
    expect(later.locator("#sections")).not_to_contain_text("Completed")
    for section_id, label, _ in LONG_ANSWERS:
        later.goto(f"{form_url}/section/{ASKED_AT.get(section_id, section_id)}")
        expect(later.get_by_label(label, exact=True)).to_have_value(LONG)
        check_page(later)


def test_a_paste_too_large_for_any_answer_is_refused_on_the_page_and_stays_there(
    page: Page, health_link: str, session: Any
) -> None:
    page.clock.install()
    form_url = start(page, health_link)
    open_section(page, form_url, "communication")
    huge = "A megabyte pasted by mistake. " * (1_000_000 // 30)
    box = page.get_by_label("What are their needs?")
    box.fill(huge)
    posts: list[str] = []
    page.on("request", lambda r: posts.append(r.url) if r.method == "POST" else None)

    page.clock.run_for(31_000)  # the autosave sends nothing, and says why
    expect(page.locator(".app-autosave-status")).to_contain_text("too large to save")
    page.get_by_role("button", name="Save and come back later").click()
    summary = page.locator(".app-too-large")
    expect(summary).to_be_focused()
    expect(summary).to_contain_text("Your answers have not been saved")
    expect(summary).to_contain_text(f"larger than {SECTION_POST_LIMIT // 1000} KB")
    expect(summary.get_by_role("link")).to_have_text(
        "\u2018What are their needs?\u2019 has 999,990 characters"
    )
    assert posts == [], "nothing was sent"
    expect(heading(page)).to_have_text("Communication and interaction")
    assert box.input_value() == huge
    check_page(page)
    assert fresh(session).scalar(select(AdviceDraft)) is None
