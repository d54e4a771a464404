"""The contributor's journey in Debian's Chromium, from the link in the email to sealed advice.

The same journey as tests/web/test_contributor_journey.py, here with the real browser: cookies,
the app's scripts under its Content-Security-Policy, keyboard focus, small screens. Every page is
scanned with axe-core.
"""

from __future__ import annotations

import hashlib
import re
from typing import Any

import pytest
from playwright.sync_api import Locator, Page, expect
from sqlalchemy import select

from advice_hub.models import AdviceDraft, SealedAdvice
from notifications.mailbox import links_in, read_message
from tests.browser.conftest import LiveServer, OpenContext, axe_check, wait_for_mail
from tests.factories import fresh, make_assessment

pytestmark = pytest.mark.browser

# The health template's questions, in page order, with answers a paediatrician might give.
ANSWERS = {
    "involvement__involvement": "Seen three times in the community clinic since March 2026.",
    "involvement__assessments": "Developmental assessment, 4 May 2026.",
    "needs__strengths": "Curious, kind and persistent; enjoys building things.",
    "needs__needs": "Cognition and learning: slow processing speed.\nSensory: café noise is hard.",
    "provision__provision": "Speech and language therapy, 30 minutes weekly, one to one.",
    "provision__outcomes": "By the end of key stage 2, reads aloud at age-related level.",
}
DECLARATION = {
    "name": "Dr Chris Jones",
    "role": "Community paediatrician",
    "registration_number": "7654321",
}
FORM_URL = re.compile(r"/advice/[0-9a-f-]{36}$")
# Markup a template escaped by mistake shows on the page as text.
SHOWN_MARKUP = re.compile(r"</?(?:span|strong|br|p|a|div)\b[^<]*>")


@pytest.fixture
def health_link(live_server: LiveServer, session: Any) -> str:
    """Agree an assessment and return the link emailed to its health contributor."""
    make_assessment(session, agreed=True)
    session.commit()  # the after-commit hook hands the emails to the running worker
    folder = live_server.mail_folder
    [email] = wait_for_mail(folder, matching=lambda m: m.to.startswith("health."))
    link = links_in(read_message(folder, email.name))[0]
    assert link.startswith(f"{live_server.url}/a/")
    return link


def check_page(page: Page) -> None:
    """What every page must pass: no markup shown as text, and axe finds nothing."""
    expect(page.locator("body")).not_to_contain_text(SHOWN_MARKUP)
    axe_check(page)


# --- Steps of the journey, with the mouse ------------------------------------------------


def open_start_page(page: Page, link: str) -> None:
    page.goto(link)
    expect(page.get_by_role("heading", level=1)).to_have_text("Health advice")
    expect(page.get_by_text("Sam T., born 3 May 2016")).to_be_visible()
    check_page(page)


def press_start(page: Page) -> None:
    page.get_by_role("button", name="Start now").click()
    expect(page).to_have_url(FORM_URL)
    check_page(page)


def answer_every_question(page: Page) -> None:
    textareas = page.locator("textarea")
    names = [textareas.nth(i).get_attribute("name") for i in range(textareas.count())]
    assert names == list(ANSWERS), "the health template's questions changed"
    for name, answer in ANSWERS.items():
        page.locator(f"textarea[name='{name}']").fill(answer)


def save_and_continue(page: Page) -> None:
    page.get_by_role("button", name="Save and continue").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Check your answers")
    check_page(page)


def see_every_answer_exactly_as_typed(page: Page) -> None:
    shown = [value.inner_text() for value in page.locator(".govuk-summary-list__value").all()]
    assert shown == list(ANSWERS.values())  # line breaks included


def continue_to_declaration(page: Page) -> None:
    page.get_by_role("button", name="Continue to declaration").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Declaration")
    check_page(page)


def sign_and_submit(page: Page) -> str:
    page.get_by_label("Your full name").fill(DECLARATION["name"])
    page.get_by_label("Your role").fill(DECLARATION["role"])
    page.get_by_label("General Medical Council (GMC)").check()
    page.get_by_label("Registration number").fill(DECLARATION["registration_number"])
    page.get_by_label("I confirm this is my advice").check()
    page.get_by_role("button", name="Submit advice").click()
    return see_receipt(page)


def see_receipt(page: Page) -> str:
    expect(page.locator(".govuk-panel__title")).to_have_text("Advice submitted")
    expect(page.locator(".govuk-panel__body")).to_have_text(re.compile(r"^\s*Reference\s*AH-"))
    fingerprint = page.locator("#fingerprint")
    expect(fingerprint).to_have_text(re.compile(r"^\s*[0-9a-f]{64}\s*$"))
    check_page(page)
    return fingerprint.inner_text().strip()


def assert_sealed_as_shown(session: Any, fingerprint: str) -> None:
    sealed = fresh(session).scalar(select(SealedAdvice))
    assert sealed is not None
    assert hashlib.sha256(sealed.canonical.encode("utf-8")).hexdigest() == sealed.content_sha256
    assert fingerprint == sealed.content_sha256
    assert "café noise" in sealed.canonical


# --- Tests -------------------------------------------------------------------------------


def test_a_contributor_gives_advice_from_the_emailed_link_and_sees_its_fingerprint(
    page: Page, health_link: str, session: Any, live_server: LiveServer
) -> None:
    open_start_page(page, health_link)
    press_start(page)
    # Chromium counts http://127.0.0.1 as a secure context, so it keeps the Secure __Host-
    # cookie there; the form having loaded shows it was sent back too.
    [access] = [c for c in page.context.cookies() if c["name"].startswith("__Host-advice-")]
    assert access["secure"] and access["httpOnly"] and access["path"] == "/"

    answer_every_question(page)
    save_and_continue(page)
    see_every_answer_exactly_as_typed(page)
    continue_to_declaration(page)
    fingerprint = sign_and_submit(page)

    assert_sealed_as_shown(session, fingerprint)
    [receipt] = wait_for_mail(live_server.mail_folder, matching=lambda m: "received" in m.subject)
    assert receipt.to.startswith("health.")


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


def test_the_whole_journey_can_be_completed_with_the_keyboard_alone(
    page: Page, health_link: str, session: Any
) -> None:
    open_start_page(page, health_link)
    tab_to(page, page.get_by_role("button", name="Start now"))
    page.keyboard.press("Enter")
    expect(page).to_have_url(FORM_URL)
    check_page(page)

    # Answer the first question only and try to continue: the error summary takes the focus.
    tab_to(page, page.locator("textarea").first)
    page.keyboard.type(ANSWERS["involvement__involvement"])
    tab_to(page, page.get_by_role("button", name="Save and continue"))
    page.keyboard.press("Enter")
    summary = page.locator(".govuk-error-summary")
    expect(summary).to_be_focused()
    check_page(page)

    # Each error's link names its question and takes the focus there; Tab moves on to the next.
    links = summary.get_by_role("link")
    expect(links).to_have_text(
        [
            "What are their strengths? Answer this question to continue",
            re.compile(r"^What are their special educational needs"),
            re.compile(r"^What provision is needed"),
            re.compile(r"^What outcomes should"),
        ]
    )
    tab_to(page, links.first)
    page.keyboard.press("Enter")
    expect(page.locator("textarea[name='needs__strengths']")).to_be_focused()
    for name in ("needs__strengths", "needs__needs", "provision__provision"):
        expect(page.locator(f"textarea[name='{name}']")).to_be_focused()
        page.keyboard.type(ANSWERS[name])
        page.keyboard.press("Tab")
    outcomes = page.locator("textarea[name='provision__outcomes']")
    expect(outcomes).to_be_focused()
    page.keyboard.type(ANSWERS["provision__outcomes"])
    # Back up one question with Shift+Tab to add to an answer already given.
    tab_to(page, page.locator("textarea[name='provision__provision']"), backwards=True)
    page.keyboard.press("Control+End")
    page.keyboard.type(" Reviewed each term.")
    tab_to(page, page.get_by_role("button", name="Save and continue"))
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text("Check your answers")
    expect(page.get_by_text("one to one. Reviewed each term.")).to_be_visible()
    check_page(page)

    # A link styled as a button answers the Space bar, as a button does.
    tab_to(page, page.get_by_role("button", name="Continue to declaration"))
    page.keyboard.press("Space")
    expect(page.get_by_role("heading", level=1)).to_have_text("Declaration")
    check_page(page)

    tab_to(page, page.get_by_label("Your full name"))
    page.keyboard.type(DECLARATION["name"])
    page.keyboard.press("Tab")
    expect(page.get_by_label("Your role")).to_be_focused()
    page.keyboard.type(DECLARATION["role"])
    page.keyboard.press("Tab")
    # Tab enters the radios at the checked one; the arrow keys move the choice along.
    expect(page.get_by_label("Not registered with a professional body")).to_be_focused()
    page.keyboard.press("ArrowDown")
    page.keyboard.press("ArrowDown")
    expect(page.get_by_label("General Medical Council (GMC)")).to_be_checked()
    page.keyboard.press("Tab")
    expect(page.get_by_label("Registration number")).to_be_focused()
    page.keyboard.type(DECLARATION["registration_number"])
    tab_to(page, page.get_by_label("I confirm this is my advice"))
    page.keyboard.press("Space")
    expect(page.get_by_label("I confirm this is my advice")).to_be_checked()
    tab_to(page, page.get_by_role("button", name="Submit advice"))
    page.keyboard.press("Enter")
    fingerprint = see_receipt(page)

    assert_sealed_as_shown(session, fingerprint)


def assert_no_horizontal_scrolling(page: Page, width: int) -> None:
    scroll_width = page.evaluate("document.documentElement.scrollWidth")
    assert scroll_width <= width, f"{page.url} is {scroll_width}px wide on a {width}px screen"


def test_a_contributor_on_a_360_pixel_phone_never_scrolls_sideways_and_can_submit(
    open_context: OpenContext, health_link: str, session: Any
) -> None:
    width = 360
    page = open_context(viewport={"width": width, "height": 740}, is_mobile=True).new_page()

    open_start_page(page, health_link)
    assert_no_horizontal_scrolling(page, width)
    press_start(page)
    assert_no_horizontal_scrolling(page, width)
    page.get_by_role("button", name="Save and continue").click()
    expect(page.locator(".govuk-error-summary")).to_be_focused()
    check_page(page)
    assert_no_horizontal_scrolling(page, width)
    answer_every_question(page)
    save_and_continue(page)
    assert_no_horizontal_scrolling(page, width)
    see_every_answer_exactly_as_typed(page)
    continue_to_declaration(page)
    assert_no_horizontal_scrolling(page, width)
    fingerprint = sign_and_submit(page)
    assert_no_horizontal_scrolling(page, width)

    assert_sealed_as_shown(session, fingerprint)


def test_saved_answers_are_waiting_when_the_emailed_link_is_opened_in_a_new_browser(
    open_context: OpenContext, health_link: str, session: Any
) -> None:
    first = open_context().new_page()
    open_start_page(first, health_link)
    press_start(first)
    form_url = first.url
    first.locator("textarea[name='involvement__involvement']").fill(
        ANSWERS["involvement__involvement"]
    )
    first.locator("textarea[name='needs__needs']").fill(ANSWERS["needs__needs"])
    first.get_by_role("button", name="Save and come back later").click()
    expect(first.get_by_text("Your answers have been saved")).to_be_visible()
    expect(first).to_have_url(form_url)
    check_page(first)
    saved_version = first.locator("input[name='draft_version']").input_value()
    first.context.close()

    later = open_context().new_page()
    # A new browser has no access cookie: the bookmarked page says to use the email instead.
    later.goto(form_url)
    expect(later.get_by_role("heading", level=1)).to_have_text("Open the link in your email")
    check_page(later)

    open_start_page(later, health_link)
    press_start(later)
    expect(later).to_have_url(form_url)
    for name, field_value in ANSWERS.items():
        expected = field_value if name in {"involvement__involvement", "needs__needs"} else ""
        expect(later.locator(f"textarea[name='{name}']")).to_have_value(expected)
    expect(later.locator("input[name='draft_version']")).to_have_value(saved_version)

    draft = fresh(session).scalar(select(AdviceDraft))
    assert draft is not None
    assert {key: text for key, text in draft.answers.items() if text} == {
        "involvement.involvement": ANSWERS["involvement__involvement"],
        "needs.needs": ANSWERS["needs__needs"],
    }
