"""Driving the contributor's form in Chromium, whatever the template asks.

The browser's counterpart of tests/journey.py: the filler reads each section page as a person
would and answers every control still blank: text for text boxes and text areas, the first
choice of radios and checkboxes, a date for date inputs, and one item for each repeatable group.
Every page it loads is scanned with axe-core.
"""

from __future__ import annotations

import hashlib
import re
import uuid
from typing import Any

from playwright.sync_api import Locator, Page, expect
from sqlalchemy import select

from advice_hub.models import Agency, SealedAdvice
from notifications.mailbox import links_in, read_message
from tests.browser.conftest import LiveServer, axe_check, wait_for_mail
from tests.factories import fresh, make_assessment

FORM_URL = re.compile(r"/advice/[0-9a-f-]{36}$")
SECTION_URL = re.compile(r"/advice/[0-9a-f-]{36}/section/[a-z0-9_]+(\?return_to=check)?(#.*)?$")
ITEM_STEP_URL = re.compile(r"/advice/[0-9a-f-]{36}/section/[a-z0-9_]+/[a-z0-9_]+/\d+/\d+(\?.*)?$")
CHECK_URL = re.compile(r"/advice/[0-9a-f-]{36}/check$")
# Markup a template escaped by mistake shows on the page as text.
SHOWN_MARKUP = re.compile(r"</?(?:span|strong|br|p|a|div|dl|dt|dd)\b[^<]*>")
DATE_PARTS = {"day": "3", "month": "11", "year": "2026"}
DECLARATION = {
    "name": "Dr Chris Jones",
    "role": "Community paediatrician",
    "registration_number": "7654321",
}

# Every control of the section's form a person could answer, in page order.
_CONTROLS_JS = """form => Array.from(form.elements)
    .filter(e => e.name && !e.disabled && !['hidden', 'submit', 'button'].includes(e.type))
    .map(e => ({id: e.id, name: e.name, type: e.type, checked: e.checked, value: e.value}))"""


def check_page(page: Page) -> None:
    """What every page must pass: no markup shown as text, and axe finds nothing."""
    expect(page.locator("body")).not_to_contain_text(SHOWN_MARKUP)
    axe_check(page)


def heading(page: Page) -> Locator:
    return page.get_by_role("heading", level=1)


def request_id_of(form_url: str) -> uuid.UUID:
    match = re.search(r"/advice/([0-9a-f-]{36})", form_url)
    assert match, form_url
    return uuid.UUID(match.group(1))


def request_advice(live_server: LiveServer, session: Any, *agencies: Agency) -> dict[Agency, str]:
    """Agree an assessment asking these agencies; returns the link emailed to each."""
    make_assessment(session, agreed=True, agencies=agencies)
    session.commit()  # the after-commit hook hands the emails to the running worker
    folder = live_server.mail_folder
    emails = wait_for_mail(folder, matching=lambda m: "@" in m.to, count=len(agencies))
    links = {Agency(m.to.split(".")[0]): links_in(read_message(folder, m.name))[0] for m in emails}
    assert set(links) == set(agencies)
    assert all(link.startswith(f"{live_server.url}/a/") for link in links.values())
    return links


# --- The start page and the task list ----------------------------------------------------


def open_start_page(page: Page, link: str) -> None:
    page.goto(link)
    expect(page.get_by_role("button", name="Start now")).to_be_visible()
    check_page(page)


def start(page: Page, link: str) -> str:
    """Open the emailed link and press Start now; returns the task list's address."""
    open_start_page(page, link)
    page.get_by_role("button", name="Start now").click()
    expect(page).to_have_url(FORM_URL)
    check_page(page)
    return page.url


def section_links(page: Page) -> Locator:
    return page.locator("#sections a.govuk-task-list__link")


# --- A section page ----------------------------------------------------------------------


def save_and_continue_button(page: Page) -> Locator:
    # One only: the form's implicit submit button (what Enter presses) is hidden from
    # screen readers, so they do not meet a second one before the first question.
    return page.get_by_role("button", name="Save and continue", exact=True)


def open_section(page: Page, title: str) -> None:
    """From the task list, open one section."""
    section_links(page).filter(has_text=title).click()
    expect(heading(page)).to_have_text(title)
    check_page(page)


def write_item(page: Page, *, text: str = "Answer") -> None:
    """On an item's first step: answer each step's blanks and press Continue, step by step,
    until back on the section page (at the item's card)."""
    while ITEM_STEP_URL.search(page.url):
        check_page(page)
        answer_every_blank(page, text=text)
        before = page.url
        page.get_by_role("button", name="Continue", exact=True).click()
        expect(page).not_to_have_url(before)
    expect(page).to_have_url(SECTION_URL)
    check_page(page)


def add_one_item_to_each_empty_group(page: Page, *, text: str = "Answer") -> None:
    """Press each group's "Add a ..." button once and write the item it leads to, as a person
    writes one item at a time: each press saves the page, and the item's last step comes
    back to its card."""
    empty_groups = page.locator(
        "button[name=action][value^='add-']", has_text=re.compile(r"^\s*Add an? ")
    )
    while empty_groups.count():
        button = empty_groups.first
        value = button.get_attribute("value")
        button.click()
        expect(page).to_have_url(ITEM_STEP_URL)
        write_item(page, text=text)
        expect(page.locator(f"button[name=action][value='{value}']")).to_have_text(
            re.compile(r"^\s*Add another ")
        )


def answer_every_blank(page: Page, *, text: str = "Answer") -> None:
    """Answer every control still blank, as a person filling in the page would."""
    form = page.locator("form[data-autosave-url]")
    controls: list[dict[str, Any]] = form.evaluate(_CONTROLS_JS)
    chosen = {c["name"] for c in controls if c["type"] in {"radio", "checkbox"} and c["checked"]}
    for control in controls:
        name, kind = control["name"], control["type"]
        field = page.locator(f"[id='{control['id']}']")
        if kind in {"radio", "checkbox"}:
            # The first choice of each question; "not assessed" stays unticked, so the
            # area's questions are answered instead.
            if name not in chosen and name != "not_assessed":
                field.check()
                chosen.add(name)
        elif control["value"]:
            continue
        elif (part := name.rpartition("-")[2]) in DATE_PARTS:
            field.fill(DATE_PARTS[part])
        elif kind == "textarea":
            field.fill(f"{text} for {name}: weekly, 30 minutes, by a speech and language therapist")
        else:
            field.fill(f"{text} {name}")


def save_and_continue(page: Page) -> None:
    before = page.url
    save_and_continue_button(page).click()
    expect(page).not_to_have_url(before)
    check_page(page)


def complete_section(page: Page, *, text: str = "Answer") -> None:
    """On a section page: add a group item where needed, answer everything, continue."""
    add_one_item_to_each_empty_group(page, text=text)
    answer_every_blank(page, text=text)
    save_and_continue(page)


def complete_every_section(page: Page, *, text: str = "Answer") -> int:
    """From the task list, answer every section in turn; ends on Check your answers.

    Returns how many section pages were completed.
    """
    count = section_links(page).count()
    section_links(page).first.click()
    expect(page).to_have_url(SECTION_URL)
    check_page(page)
    done = 0
    while SECTION_URL.search(page.url):
        complete_section(page, text=text)
        done += 1
    expect(page).to_have_url(CHECK_URL)
    assert done == count, f"{done} sections completed, the task list has {count}"
    return done


# --- Check, declaration, receipt ---------------------------------------------------------


def check_answers_and_continue(page: Page) -> None:
    expect(heading(page)).to_have_text("Check your answers")
    expect(page.get_by_text("Not answered", exact=True)).to_have_count(0)
    page.get_by_role("button", name="Continue to declaration").click()
    expect(heading(page)).to_have_text("Declaration")
    check_page(page)


def sign_and_send(page: Page) -> str:
    """Sign the declaration (registered with the first body offered, if any) and send."""
    page.get_by_label("Your full name").fill(DECLARATION["name"])
    page.locator("input[name=role]").fill(DECLARATION["role"])
    bodies = page.locator("input[name=registration_body]")
    if bodies.count():
        bodies.nth(1).check()  # the first after "Not registered"
        page.get_by_label("Registration number").fill(DECLARATION["registration_number"])
    page.locator("input[name=confirm]").check()
    page.get_by_role("button", name="Send advice").click()
    return see_receipt(page)


def see_receipt(page: Page) -> str:
    expect(page.locator(".govuk-panel__title")).to_have_text("Advice submitted")
    expect(page.locator(".govuk-panel__body")).to_have_text(re.compile(r"^\s*Reference\s*AH-"))
    fingerprint = page.locator("#fingerprint")
    expect(fingerprint).to_have_text(re.compile(r"^\s*[0-9a-f]{64}\s*$"))
    check_page(page)
    return fingerprint.inner_text().strip()


def assert_sealed_as_shown(session: Any, form_url: str, fingerprint: str) -> SealedAdvice:
    """The receipt's fingerprint is the SHA-256 of exactly what the database sealed."""
    sealed = fresh(session).scalar(
        select(SealedAdvice).where(SealedAdvice.advice_request_id == request_id_of(form_url))
    )
    assert sealed is not None, "nothing was sealed"
    assert fingerprint == hashlib.sha256(sealed.canonical.encode("utf-8")).hexdigest()
    assert fingerprint == sealed.content_sha256
    return sealed
