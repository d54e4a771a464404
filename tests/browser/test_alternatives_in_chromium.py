"""Instead of advice, in Chromium: not known to our service, pass to a colleague, and the
deadline cannot be met. Each is reached from the task list, as a contributor finds it, and every
page is scanned with axe-core."""

from __future__ import annotations

import re
from datetime import date
from typing import Any

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import select

from advice_hub.deadlines import london_date
from advice_hub.models import AdviceRequest, DeadlineReport, RequestStatus, utcnow
from notifications.mailbox import links_in, read_message
from tests.browser.conftest import LiveServer, OpenContext, wait_for_mail
from tests.browser.journey import FORM_URL, check_page, heading, request_id_of, start
from tests.factories import fresh

pytestmark = pytest.mark.browser

NOT_KNOWN_LINK = "This child or young person is not known to our service"
PASS_ON_LINK = "Someone else should give this advice"
DEADLINE_LINK = "I cannot give this advice by the deadline"

# The contributor's words, with a line break, typographic quotes and markup that must stay text.
WHAT_WE_KNOW = (
    "Referred by the GP in March 2026 and not yet seen.\n"
    "Known to the CAMHS duty team \u2014 ask Dr O\u2019Neill. <b>Not</b> on our caseload."
)
COLLEAGUE = {
    "name": "Priya Shah",
    "email": "priya.shah@nhs.example.org",
    "role": "Speech and language therapist",
    "note": "Priya saw Sam in clinic last month.",
}
AWAY = "The family is abroad until the end of June.\nThey return on 28 June."
WAITING_LIST = "Our waiting list for an assessment is 18 weeks."


def follow_from_the_task_list(page: Page, link_text: str, title: str) -> None:
    page.get_by_role("link", name=link_text).click()
    expect(heading(page)).to_have_text(title)
    check_page(page)


def press(page: Page, button: str) -> None:
    page.get_by_role("button", name=button).click()
    page.wait_for_load_state()


def stored_request(session: Any, form_url: str) -> AdviceRequest:
    return fresh(session).get_one(AdviceRequest, request_id_of(form_url))


# --- Not known to our service -------------------------------------------------------------


def test_a_practitioner_who_does_not_know_the_child_says_so_and_the_request_closes(
    page: Page, health_link: str, session: Any
) -> None:
    form_url = start(page, health_link)
    follow_from_the_task_list(page, NOT_KNOWN_LINK, NOT_KNOWN_LINK)
    # Their name comes filled in from the request; they clear it by mistake.
    name = page.get_by_label("Your full name")
    expect(name).to_have_value("Health Contributor 1")
    page.get_by_label("What do you know about them?").fill(WHAT_WE_KNOW)
    name.fill("")
    page.get_by_label("Your role").fill("Community paediatrician")
    page.get_by_label("I confirm this child or young person is not known").check()
    press(page, "Send to the case officer")

    summary = page.locator(".govuk-error-summary")
    expect(summary).to_be_focused()
    expect(page).to_have_title(re.compile("^Error: "))
    expect(summary.get_by_role("link")).to_have_text(["Enter your full name"])
    expect(page.locator("#name-error")).to_contain_text("Enter your full name")
    check_page(page)
    # Nothing typed is lost, and nothing was sent.
    expect(page.get_by_label("What do you know about them?")).to_have_value(WHAT_WE_KNOW)
    expect(page.get_by_label("Your role")).to_have_value("Community paediatrician")
    expect(page.get_by_label("I confirm this child or young person is not known")).to_be_checked()
    assert stored_request(session, form_url).status == RequestStatus.OPENED

    # The summary's link takes them to the field that needs their name.
    summary.get_by_role("link", name="Enter your full name").click()
    expect(name).to_be_focused()
    name.fill("Dr Chris Jones")
    press(page, "Send to the case officer")

    expect(page).to_have_url(f"{form_url}/closed")
    expect(heading(page)).to_have_text(
        "You told us this child or young person is not known to your service"
    )
    shown = page.locator(".govuk-summary-list")
    expect(shown).to_contain_text("Referred by the GP in March 2026 and not yet seen.")
    expect(shown).to_contain_text("<b>Not</b> on our caseload.")  # as text, never as markup
    expect(shown).to_contain_text("Dr Chris Jones")
    expect(page.locator("main")).to_contain_text("will not chase you for this advice")
    check_page(page)

    stored = stored_request(session, form_url)
    assert stored.status == RequestStatus.DECLINED
    assert stored.declined_what_they_know == WHAT_WE_KNOW
    assert stored.declined_by_name == "Dr Chris Jones"
    assert stored.declined_by_role == "Community paediatrician"
    # The form is closed to them now: the task list sends them to the closed page.
    page.goto(form_url)
    expect(page).to_have_url(f"{form_url}/closed")
    check_page(page)


# --- Passing on to a colleague ------------------------------------------------------------


def test_a_request_passed_to_a_colleague_reaches_them_with_a_new_link_and_the_old_one_stops(
    page: Page,
    open_context: OpenContext,
    health_link: str,
    live_server: LiveServer,
    session: Any,
) -> None:
    form_url = start(page, health_link)
    follow_from_the_task_list(page, PASS_ON_LINK, "Pass this request to a colleague")
    expect(page.get_by_label("Their organisation")).to_have_value("Health Service")
    page.get_by_label("Your colleague\u2019s full name").fill(COLLEAGUE["name"])
    page.get_by_label("Your colleague\u2019s email address").fill(COLLEAGUE["email"])
    page.get_by_label("Their role").fill(COLLEAGUE["role"])
    page.get_by_label("Why you are passing this on").fill(COLLEAGUE["note"])
    press(page, "Pass on this request")

    expect(page.locator(".govuk-panel__title")).to_have_text("Request passed to your colleague")
    passed_to = f"This request was passed to {COLLEAGUE['name']} at Health Service on "
    expect(page.locator("#what-happened")).to_contain_text(passed_to)
    expect(page.locator("main")).not_to_contain_text(COLLEAGUE["email"])
    expect(page.locator("main")).to_contain_text("The link in your email no longer works")
    check_page(page)

    # Back, to the page they passed it on from: it says what happened, not "open the link".
    page.go_back()
    expect(page).to_have_url(f"{form_url}/pass-on")
    expect(heading(page)).to_have_text("This request was passed to a colleague")
    expect(page.locator("#what-happened")).to_contain_text(passed_to)
    expect(page.get_by_role("button", name="Pass on this request")).to_have_count(0)
    check_page(page)

    folder = live_server.mail_folder
    [email] = wait_for_mail(folder, matching=lambda m: m.to == COLLEAGUE["email"])
    colleague_link = links_in(read_message(folder, email.name))[0]
    assert colleague_link.startswith(f"{live_server.url}/a/")
    assert colleague_link != health_link

    # The old link, followed again, and the old task list say the same, and open nothing.
    for url in (health_link, form_url):
        page.goto(url)
        expect(heading(page)).to_have_text("This request was passed to a colleague")
        expect(page.locator("#what-happened")).to_contain_text(passed_to)
        expect(page.get_by_role("button", name="Start now")).to_have_count(0)
        check_page(page)

    # The colleague, in their own browser, opens the form with their link.
    colleague = open_context().new_page()
    colleague_form = start(colleague, colleague_link)
    assert colleague_form != form_url
    expect(heading(colleague)).to_have_text("Health advice")
    expect(colleague.locator("#sections a.govuk-task-list__link")).to_have_count(3)

    old = stored_request(session, form_url)
    assert old.status == RequestStatus.PASSED_ON
    new = old.passed_on_to
    assert new is not None and new.id == request_id_of(colleague_form)
    assert new.contributor.name == COLLEAGUE["name"]
    assert new.contributor.role == COLLEAGUE["role"]
    assert new.status == RequestStatus.OPENED


# --- The deadline cannot be met -----------------------------------------------------------


def report_lateness(page: Page, reason: str, details: str, expected_by: date | None) -> None:
    follow_from_the_task_list(page, DEADLINE_LINK, "Tell us your advice will be late")
    page.get_by_label(reason).check()
    page.get_by_label("Details").fill(details)
    if expected_by is not None:
        page.get_by_label("Day").fill(str(expected_by.day))
        page.get_by_label("Month").fill(str(expected_by.month))
        page.get_by_label("Year").fill(str(expected_by.year))
    press(page, "Send to the case officer")
    expect(page).to_have_url(re.compile(r"/deadline/reported$"))
    expect(heading(page)).to_have_text("We have recorded that your advice will be late")


def test_a_late_return_is_recorded_as_an_exception_only_for_a_reason_the_law_allows(
    page: Page, health_link: str, session: Any
) -> None:
    form_url = start(page, health_link)
    expected_by = date(london_date(utcnow()).year + 1, 7, 10)

    report_lateness(page, "is away from the area for at least 4 weeks in a row", AWAY, expected_by)
    inset = page.locator(".govuk-inset-text")
    expect(inset).to_contain_text("The reason you gave is one the law allows")
    summary = page.locator(".govuk-summary-list")
    expect(summary).to_contain_text("Away from the area for 4 weeks or more")
    expect(summary).to_contain_text("They return on 28 June.")
    expect(summary).to_contain_text(f"10 July {expected_by.year}")
    check_page(page)

    # They can still give their advice; a second report, for a waiting list, is not excused.
    page.get_by_role("button", name="Continue to your advice").click()
    expect(page).to_have_url(FORM_URL)
    check_page(page)
    report_lateness(page, "Another reason", WAITING_LIST, None)
    expect(inset).to_contain_text("is not one the law allows")
    expect(inset).to_contain_text("your advice is still due by")
    expect(summary).to_contain_text("Another reason")
    expect(summary).to_contain_text("Not given")
    check_page(page)

    reports = (
        fresh(session)
        .scalars(
            select(DeadlineReport)
            .where(DeadlineReport.advice_request_id == request_id_of(form_url))
            .order_by(DeadlineReport.id)
        )
        .all()
    )
    assert [(r.reason, r.is_lawful_exception) for r in reports] == [
        ("absent_from_area", True),
        ("other", False),
    ]
    assert [r.details for r in reports] == [AWAY, WAITING_LIST]
    assert [r.expected_by for r in reports] == [expected_by, None]
    assert all(r.reported_by_contributor for r in reports)
    # Reporting lateness closes nothing: the request is still open for advice.
    assert stored_request(session, form_url).status == RequestStatus.OPENED
