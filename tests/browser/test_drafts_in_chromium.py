"""Saved answers in Chromium: across browsers and links, and between two tabs of one browser."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import select

from advice_hub.models import AdviceDraft, AdviceRequest, utcnow
from advice_hub.outbox import queue_message
from notifications.mailbox import links_in, read_message
from tests.browser.conftest import LiveServer, OpenContext, wait_for_mail
from tests.browser.journey import (
    FORM_URL,
    check_page,
    heading,
    open_section,
    request_id_of,
    save_and_continue_button,
    start,
)
from tests.factories import fresh

pytestmark = pytest.mark.browser

INVOLVEMENT = "Seen three times in the community clinic since March 2026."


def saved_answers(session: Any) -> dict[str, Any]:
    draft = fresh(session).scalar(select(AdviceDraft))
    return dict(draft.answers) if draft is not None else {}


def save_and_come_back_later(page: Page) -> None:
    page.get_by_role("button", name="Save and come back later").click()
    expect(page).to_have_url(FORM_URL)
    expect(page.get_by_text("Your answers have been saved")).to_be_visible()
    check_page(page)


def send_a_newer_link(live_server: LiveServer, session: Any, form_url: str, old: str) -> str:
    """Email the contributor a second link for the same request, as a reminder would."""
    advice_request = fresh(session).get_one(AdviceRequest, request_id_of(form_url))
    queue_message(session, advice_request, "advice_request", now=utcnow())
    session.commit()  # the after-commit hook hands the email to the running worker
    folder = live_server.mail_folder
    emails = wait_for_mail(folder, matching=lambda m: m.to.startswith("health."), count=2)
    links = [links_in(read_message(folder, m.name))[0] for m in emails]
    [newer] = [link for link in links if link != old]
    return newer


def test_a_draft_survives_closing_the_browser_and_opens_from_a_newer_link(
    open_context: OpenContext, health_link: str, live_server: LiveServer, session: Any
) -> None:
    first = open_context().new_page()
    form_url = start(first, health_link)
    open_section(first, "Your involvement")
    first.get_by_label("Speech and language therapy").check()
    first.get_by_label("How do you know the child?").fill(INVOLVEMENT)
    first.get_by_label("Day").fill("4")
    first.get_by_label("Month").fill("5")
    first.get_by_label("Year").fill("2026")
    save_and_come_back_later(first)
    expect(first.locator("#sections")).to_contain_text("In progress")
    first.context.close()

    newer = send_a_newer_link(live_server, session, form_url, health_link)
    later = open_context().new_page()
    # A new browser has no access cookie: the bookmarked page says to use the email instead.
    later.goto(form_url)
    expect(heading(later)).to_have_text("Open the link in your email")
    check_page(later)

    assert start(later, newer) == form_url
    expect(later.locator("#sections")).to_contain_text("In progress")
    open_section(later, "Your involvement")
    expect(later.get_by_label("Speech and language therapy")).to_be_checked()
    expect(later.get_by_label("How do you know the child?")).to_have_value(INVOLVEMENT)
    expect(later.get_by_label("Day")).to_have_value("4")
    expect(later.get_by_label("Month")).to_have_value("5")
    expect(later.get_by_label("Year")).to_have_value("2026")
    saved = saved_answers(session)
    assert saved["involvement.discipline"] == "salt"
    assert saved["involvement.involvement"] == INVOLVEMENT
    assert saved["involvement.seen_on"] == "2026-05-04"


def test_a_second_tab_cannot_silently_overwrite_what_the_first_tab_saved(
    open_context: OpenContext, health_link: str, session: Any
) -> None:
    context = open_context(viewport={"width": 1280, "height": 900})
    one = context.new_page()
    start(one, health_link)
    open_section(one, "Your involvement")
    two = context.new_page()
    two.goto(one.url)
    expect(heading(two)).to_have_text("Your involvement")
    check_page(two)

    one.get_by_label("How do you know the child?").fill("Typed in tab one.")
    save_and_come_back_later(one)
    assert saved_answers(session)["involvement.involvement"] == "Typed in tab one."

    typed_in_two = "Typed in tab two, which was opened before tab one saved."
    two.get_by_label("How do you know the child?").fill(typed_in_two)
    two.get_by_label("Paediatrics").check()
    save_and_continue_button(two).click()
    summary = two.locator(".govuk-error-summary")
    expect(summary).to_contain_text("Your answers were saved from another window")
    expect(summary).to_contain_text("Nothing was overwritten")
    expect(summary).to_be_focused()
    check_page(two)
    # Nothing was overwritten, and what tab two typed is still on its page.
    assert saved_answers(session)["involvement.involvement"] == "Typed in tab one."
    # Tab one saved the question unanswered; tab two's choice was not saved over it.
    assert saved_answers(session)["involvement.discipline"] == ""
    expect(two.get_by_label("How do you know the child?")).to_have_value(typed_in_two)
    expect(two.get_by_label("Paediatrics")).to_be_checked()

    # Having seen the message, the person saves again on purpose: now tab two's answers stand.
    two.get_by_role("button", name="Save and come back later").click()
    expect(two.get_by_text("Your answers have been saved")).to_be_visible()
    check_page(two)
    assert saved_answers(session)["involvement.involvement"] == typed_in_two


def test_autosave_every_30_seconds_keeps_the_focus_and_the_caret_where_they_were(
    open_context: OpenContext, health_link: str, session: Any
) -> None:
    page = open_context().new_page()
    # The page's own timers run on a clock the test moves, so 30 seconds take no time.
    page.clock.install()
    start(page, health_link)
    open_section(page, "Your involvement")
    box = page.get_by_label("How do you know the child?")
    box.fill(INVOLVEMENT)
    box.evaluate("b => b.setSelectionRange(5, 10)")  # "three" selected, mid-sentence

    def is_autosave(response: Any) -> bool:
        return response.request.method == "POST" and "/section/" in response.url

    page.clock.run_for(20_000)
    assert saved_answers(session) == {}, "nothing is saved before 30 seconds"
    with page.expect_response(is_autosave) as autosaved:
        page.clock.run_for(11_000)
    assert autosaved.value.ok
    expect(page.locator(".app-autosave-status")).to_contain_text("Saved automatically")
    assert saved_answers(session)["involvement.involvement"] == INVOLVEMENT
    # The person typing noticed nothing: same page, same focus, same selection.
    assert box.evaluate("b => document.activeElement === b")
    assert box.evaluate("b => [b.selectionStart, b.selectionEnd]") == [5, 10]
    expect(heading(page)).to_have_text("Your involvement")
    check_page(page)

    # Nothing typed since: the next 30 seconds send nothing.
    posts: list[str] = []
    page.on("request", lambda r: posts.append(r.url) if r.method == "POST" else None)
    page.clock.run_for(31_000)
    assert posts == []
    # Typing goes on where the person left off: over the word still selected.
    page.keyboard.type("four")
    with page.expect_response(is_autosave):
        page.clock.run_for(31_000)
    assert saved_answers(session)["involvement.involvement"] == INVOLVEMENT.replace("three", "four")
