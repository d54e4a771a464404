"""Sign-off before release, in Chromium: the author sends, the reviewer returns it with comments
through their own emailed link, the author sends again, the reviewer approves and the advice is
sealed naming both. Every page either of them sees is scanned with axe-core."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import select

from advice_hub.models import AdviceRequest, RequestStatus, SignOffReview, utcnow
from advice_hub.requests.sign_off import set_reviewer
from notifications.mailbox import StoredMessage, links_in, read_message
from tests.browser.conftest import LiveServer, OpenContext, wait_for_mail
from tests.browser.journey import (
    DECLARATION,
    FORM_URL,
    answer_every_blank,
    assert_sealed_as_shown,
    check_answers_and_continue,
    check_page,
    complete_every_section,
    heading,
    open_section,
    request_id_of,
    save_and_continue,
    see_receipt,
    start,
)
from tests.factories import fresh

pytestmark = pytest.mark.browser

REVIEWER = {
    "name": "Dr Morgan Okafor",
    "email": "dco@nhs.example.org",
    "role": "Designated clinical officer",
}
AUTHOR_EMAIL = "health.1@example.org"
COMMENTS = "Say how often the therapy happens and who delivers it.\nPlease name the <b>clinic</b>."
REVISED = "Seen weekly at the Riverside clinic since March 2026 by our speech therapist."


@pytest.fixture
def health_reviewer(session: Any) -> None:
    """Health advice must be signed off by the designated clinical officer before it is sealed.

    Set before any request is sent (the test asks for it before `health_link`): on SQLite a
    write from the test while the worker is still writing could find the database locked.
    """
    set_reviewer(session, agency="health", **REVIEWER, now=utcnow(), actor="test")
    session.commit()


def sign_for_sign_off(page: Page) -> None:
    """Sign the declaration and send: with a reviewer, the advice waits for them."""
    page.get_by_label("Your full name").fill(DECLARATION["name"])
    page.locator("input[name=role]").fill(DECLARATION["role"])
    page.get_by_label("Not registered").check()
    page.locator("input[name=confirm]").check()
    page.get_by_role("button", name="Send advice").click()
    expect(page).to_have_url(re.compile(r"/awaiting-sign-off$"))
    expect(page.locator(".govuk-panel__title")).to_have_text("Sent for sign-off")
    expect(page.locator("main")).to_contain_text(
        f"sent to {REVIEWER['name']} ({REVIEWER['role']}) to sign off"
    )
    check_page(page)


def link_in_newest(live_server: LiveServer, to: str, count: int, subject: str) -> str:
    """Wait for the `count`th email to `to` whose subject has `subject`; its link (the
    mailbox lists the newest first)."""

    def wanted(message: StoredMessage) -> bool:
        return message.to == to and subject in message.subject

    newest = wait_for_mail(live_server.mail_folder, matching=wanted, count=count)[0]
    return links_in(read_message(live_server.mail_folder, newest.name))[0]


def open_review(page: Page, link: str) -> None:
    """The reviewer follows their emailed link and presses Start now."""
    assert "/r/" in link
    page.goto(link)
    expect(heading(page)).to_have_text("Sign off health advice")
    expect(page.locator("main")).to_contain_text("You cannot change the text")
    check_page(page)
    page.get_by_role("button", name="Start now").click()
    expect(page).to_have_url(re.compile(r"/review/[0-9a-f-]{36}$"))
    expect(heading(page)).to_have_text("Sign off health advice")
    expect(page.locator("main")).to_contain_text(f"Written by {DECLARATION['name']}")
    check_page(page)


def decide(page: Page, decision: str, comments: str = "") -> None:
    page.get_by_label(decision).check()
    if comments:
        page.get_by_label("Comments for the author").fill(comments)
    page.get_by_role("button", name="Confirm decision").click()
    page.wait_for_load_state()


def test_advice_returned_by_the_reviewer_is_revised_by_its_author_then_approved_and_sealed(
    health_reviewer: None,
    open_context: OpenContext,
    health_link: str,
    live_server: LiveServer,
    session: Any,
) -> None:
    author = open_context().new_page()
    reviewer = open_context().new_page()

    form_url = start(author, health_link)
    complete_every_section(author, text="First draft")
    check_answers_and_continue(author)
    sign_for_sign_off(author)
    assert fresh(session).get_one(AdviceRequest, request_id_of(form_url)).sealed is None

    # The reviewer reads the advice as written and returns it, first forgetting the comments.
    open_review(reviewer, link_in_newest(live_server, REVIEWER["email"], 1, "Sign-off needed"))
    expect(reviewer.locator("main")).to_contain_text("First draft for involvement")
    decide(reviewer, "Return it to the author with comments")
    summary = reviewer.locator(".govuk-error-summary")
    expect(summary).to_be_focused()
    expect(summary.get_by_role("link")).to_have_text(["Say what the author should change"])
    check_page(reviewer)
    decide(reviewer, "Return it to the author with comments", COMMENTS)
    expect(heading(reviewer)).to_have_text("Returned to the author")
    check_page(reviewer)

    # The author's email brings them back to their saved answers, with the comments shown.
    returned_link = link_in_newest(live_server, AUTHOR_EMAIL, 1, "returned with comments")
    assert returned_link.startswith(f"{live_server.url}/a/") and returned_link != health_link
    assert start(author, returned_link) == form_url
    banner = author.get_by_role("region", name="Returned with comments")
    expect(banner).to_contain_text(f"{REVIEWER['name']} returned your advice")
    expect(banner).to_contain_text("Please name the <b>clinic</b>.")  # as text, not markup
    check_page(author)
    open_section(author, "Your involvement")
    author.get_by_label("How do you know the child?").fill(REVISED)
    answer_every_blank(author)
    # Saved and continued, the section is completed again, so the advice can be sent again.
    save_and_continue(author)
    author.get_by_role("link", name="Back to your advice").click()
    expect(author).to_have_url(FORM_URL)
    check_page(author)
    author.get_by_role("link", name="Check your answers and send your advice").click()
    expect(author.locator("main")).to_contain_text(REVISED)
    check_page(author)
    check_answers_and_continue(author)
    sign_for_sign_off(author)

    # A new email, a new link: the reviewer sees the revised words and approves them.
    open_review(reviewer, link_in_newest(live_server, REVIEWER["email"], 2, "Sign-off needed"))
    expect(reviewer.locator("main")).to_contain_text(REVISED)
    decide(reviewer, "Approve: seal it and send it to the council")
    expect(reviewer.locator(".govuk-panel__title")).to_have_text("Advice approved and sealed")
    fingerprint = reviewer.locator(".app-fingerprint").inner_text().strip()
    check_page(reviewer)

    # The author's receipt shows the same fingerprint as the reviewer's page.
    author.goto(form_url)
    assert see_receipt(author) == fingerprint
    sealed = assert_sealed_as_shown(session, form_url, fingerprint)
    document = json.loads(sealed.canonical)
    assert document["declaration"]["name"] == DECLARATION["name"]
    assert document["declaration"]["role"] == DECLARATION["role"]
    assert document["reviewed_by"]["name"] == REVIEWER["name"]
    assert document["reviewed_by"]["role"] == REVIEWER["role"]
    assert document["answers"]["involvement.involvement"] == REVISED
    assert sealed.advice_request.status == RequestStatus.SUBMITTED
    reviews = session.scalars(
        select(SignOffReview)
        .where(SignOffReview.advice_request_id == sealed.advice_request_id)
        .order_by(SignOffReview.id)
    ).all()
    assert [(r.decision, r.comments) for r in reviews] == [
        ("returned", COMMENTS),
        ("approved", None),
    ]
