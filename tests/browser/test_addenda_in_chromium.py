"""Addenda in Debian's Chromium: the author adds one from the page their advice was submitted
on, and again through the link a case officer's addendum request emails, long after their own
link has stopped offering one. Every page either visit shows is scanned with axe-core.

The author's words carry markup (`<b>bold</b>`): they must be sealed exactly as typed and shown
as text, never as markup. The original advice must stay exactly as it was sealed.
"""

from __future__ import annotations

import hashlib
import json
import re
from typing import Any
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import select

from advice_hub.models import AdviceRequest, SealedAdvice, utcnow
from advice_hub.sealing.addenda import request_addendum
from notifications.mailbox import StoredMessage, links_in, read_message
from tests.browser.conftest import LiveServer, OpenContext, wait_for_mail
from tests.browser.journey import (
    DECLARATION,
    assert_sealed_as_shown,
    check_answers_and_continue,
    check_page,
    complete_every_section,
    heading,
    request_id_of,
    sign_and_send,
    start,
)
from tests.conftest import JobRunner
from tests.factories import fresh

pytestmark = pytest.mark.browser

ADDENDUM = "Therapy is 2 sessions a week, not 1.\nThe <b>bold</b> tag is part of my words."
REASON = "The timetable changed after my assessment."
NOTE = "Please give the weekly hours of therapy.\nThe <b>clinic</b> asked too."
ADDENDUM_URL = re.compile(r"/advice/[0-9a-f-]{36}/addendum$")
CONFIRMATION_URL = re.compile(r"/advice/[0-9a-f-]{36}/addenda/1$")
FINGERPRINT = re.compile(r"^\s*[0-9a-f]{64}\s*$")
# What a sealed row is; none of it may change when an addendum is added.
SEALED_COLUMNS = (
    "id",
    "advice_request_id",
    "addendum_to_id",
    "chain_index",
    "canonical",
    "content_sha256",
    "previous_seal_sha256",
    "seal_sha256",
    "sealed_at",
)


def submit_advice(page: Page, link: str) -> tuple[str, str]:
    """The author answers everything and sends; returns the form's address and fingerprint."""
    form_url = start(page, link)
    complete_every_section(page)
    check_answers_and_continue(page)
    return form_url, sign_and_send(page)


def as_sealed(row: SealedAdvice) -> dict[str, Any]:
    return {column: getattr(row, column) for column in SEALED_COLUMNS}


def addendum_field(page: Page) -> Any:
    return page.get_by_label("Your addendum", exact=True)


def reason_field(page: Page) -> Any:
    return page.get_by_label("Why you are adding it", exact=True)


def on_the_addendum_page(page: Page) -> None:
    expect(page).to_have_url(ADDENDUM_URL)
    expect(heading(page)).to_have_text("Add an addendum to your advice")
    # The declaration the advice was sealed with, ready to confirm again.
    expect(page.get_by_label("Your full name")).to_have_value(DECLARATION["name"])
    expect(page.locator("input[name=role]")).to_have_value(DECLARATION["role"])
    check_page(page)


def seal_and_see_confirmation(page: Page, *, original_fingerprint: str) -> str:
    """Confirm and seal what is typed; returns the fingerprint the confirmation shows."""
    page.get_by_label("I confirm this addendum is mine").check()
    page.get_by_role("button", name="Seal and send addendum").click()
    expect(page).to_have_url(CONFIRMATION_URL)
    expect(page.locator(".govuk-panel__title")).to_have_text("Addendum sealed")
    fingerprint = page.locator("#fingerprint")
    expect(fingerprint).to_have_text(FINGERPRINT)
    expect(page.locator("main")).to_contain_text(original_fingerprint)
    # The author's words as text, line break and markup alike; no element made of them.
    words = page.locator("main .app-verbatim")
    assert words.first.inner_text() == ADDENDUM
    assert words.nth(1).inner_text() == REASON
    expect(page.locator("main b")).to_have_count(0)
    check_page(page)
    return fingerprint.inner_text().strip()


def addenda_to(session: Any, original: dict[str, Any]) -> list[SealedAdvice]:
    query = select(SealedAdvice).where(SealedAdvice.addendum_to_id == original["id"])
    return list(fresh(session).scalars(query))


def assert_addendum_sealed_beside(
    session: Any, original: dict[str, Any], fingerprint: str
) -> SealedAdvice:
    """One addendum row, pointing at the original, sealed as shown; the original unchanged."""
    [addendum] = addenda_to(session, original)
    assert hashlib.sha256(addendum.canonical.encode("utf-8")).hexdigest() == addendum.content_sha256
    assert addendum.content_sha256 == fingerprint
    assert addendum.advice_request_id == original["advice_request_id"]
    document = json.loads(addendum.canonical)
    assert (document["addendum"], document["reason"]) == (ADDENDUM, REASON), "kept verbatim"
    assert document["addendum_to"] == {
        "content_sha256": original["content_sha256"],
        "seal_sha256": original["seal_sha256"],
    }
    assert as_sealed(session.get_one(SealedAdvice, original["id"])) == original
    return addendum


def test_the_author_adds_an_addendum_from_the_submitted_page_after_first_sending_it_empty(
    page: Page, health_link: str, session: Any
) -> None:
    form_url, original_fingerprint = submit_advice(page, health_link)
    original = as_sealed(assert_sealed_as_shown(session, form_url, original_fingerprint))

    page.get_by_role("link", name="Add an addendum").click()
    on_the_addendum_page(page)
    expect(page.get_by_role("link", name="Back to your advice")).to_be_visible()

    # The reason typed, the addendum itself forgotten and nothing confirmed.
    reason_field(page).fill(REASON)
    page.get_by_role("button", name="Seal and send addendum").click()
    summary = page.locator(".govuk-error-summary")
    expect(summary).to_be_focused()
    expect(page).to_have_title(re.compile("^Error: "))
    links = summary.get_by_role("link")
    expect(links).to_have_text(["Enter your addendum", re.compile("^Confirm ")])
    assert [links.nth(i).get_attribute("href") for i in range(2)] == ["#text", "#confirm"]
    expect(reason_field(page)).to_have_value(REASON)
    expect(page.get_by_label("Your full name")).to_have_value(DECLARATION["name"])
    check_page(page)
    assert addenda_to(session, original) == [], "nothing sealed"

    # The summary's link leads to the addendum's box, where the author types it.
    links.first.click()
    expect(addendum_field(page)).to_be_focused()
    addendum_field(page).fill(ADDENDUM)
    fingerprint = seal_and_see_confirmation(page, original_fingerprint=original_fingerprint)

    assert_addendum_sealed_beside(session, original, fingerprint)
    # Back at their advice, the author finds the addendum listed with its fingerprint.
    page.goto(form_url)
    expect(page.locator("main")).to_contain_text("Addendum 1, sealed on")
    expect(page.locator("main")).to_contain_text(fingerprint)
    check_page(page)


def addendum_request_link(live_server: LiveServer) -> str:
    """Wait for the email asking the author for an addendum; its /x/ link."""

    def wanted(message: StoredMessage) -> bool:
        return message.to.startswith("health.") and "Addendum to your" in message.subject

    [email] = wait_for_mail(live_server.mail_folder, matching=wanted)
    links = links_in(read_message(live_server.mail_folder, email.name))
    [link] = [u for u in links if urlsplit(u).path.startswith("/x/")]
    assert link.startswith(live_server.url)
    return link


def shows_the_note_as_text(page: Page) -> None:
    note = page.locator(".govuk-inset-text .app-verbatim")
    assert note.inner_text() == NOTE
    expect(note.locator("b")).to_have_count(0)


@pytest.mark.live_settings(ADDENDUM_DAYS=0)
def test_an_officer_s_addendum_request_lets_the_author_add_one_after_their_own_link_stopped(
    open_context: OpenContext,
    health_link: str,
    live_server: LiveServer,
    jobs: JobRunner,
    session: Any,
) -> None:
    author = open_context().new_page()
    form_url, original_fingerprint = submit_advice(author, health_link)
    original = as_sealed(assert_sealed_as_shown(session, form_url, original_fingerprint))
    expect(author.get_by_role("link", name="Add an addendum")).to_have_count(0)

    # The case officer asks, once the worker has sent the receipt and left the database be.
    wait_for_mail(live_server.mail_folder, matching=lambda m: "has been received" in m.subject)
    jobs.run()
    advice_request = fresh(session).get_one(AdviceRequest, request_id_of(form_url))
    request_addendum(session, advice_request, note=NOTE, now=utcnow(), actor="user:officer")
    session.commit()  # the after-commit hook hands the email to the running worker
    link = addendum_request_link(live_server)

    # Another browser, with only the emailed link: opening it shows a start page.
    page = open_context().new_page()
    page.goto(link)
    expect(heading(page)).to_have_text("Add an addendum to your advice")
    expect(page.locator("main")).to_contain_text("You have been asked to add an addendum")
    shows_the_note_as_text(page)
    check_page(page)
    page.get_by_role("button", name="Start now").click()
    on_the_addendum_page(page)
    assert request_id_of(page.url) == request_id_of(form_url)
    assert urlsplit(link).path not in page.url, "the token leaves the address bar"
    expect(page.get_by_role("heading", name="What the case officer asked")).to_be_visible()
    shows_the_note_as_text(page)

    addendum_field(page).fill(ADDENDUM)
    reason_field(page).fill(REASON)
    fingerprint = seal_and_see_confirmation(page, original_fingerprint=original_fingerprint)

    assert_addendum_sealed_beside(session, original, fingerprint)
