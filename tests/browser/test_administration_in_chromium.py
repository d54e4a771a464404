"""The demo administrator in Chromium, signed in through development sign-in: adds a team,
adds a case officer to it and deactivates another user, who is signed out at once. Every
page is scanned with axe-core."""

from __future__ import annotations

import re
from typing import Any

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import select

from advice_hub.cli.demo_data import seed_demo_data
from advice_hub.models import StaffSession, Team, User
from tests.browser.conftest import LiveServer, OpenContext
from tests.browser.journey import check_page, heading
from tests.factories import fresh

pytestmark = pytest.mark.browser


def sign_in_as(page: Page, name: str) -> None:
    page.goto("/sign-in")
    check_page(page)
    page.get_by_label(name).check()
    page.get_by_role("button", name="Sign in").click()


def test_an_administrator_adds_a_team_and_a_member_and_deactivates_a_user(
    page: Page, open_context: OpenContext, live_server: LiveServer, session: Any
) -> None:
    seed_demo_data(session)
    session.commit()
    # Casey, a case officer, is signed in elsewhere.
    casey_page = open_context(viewport={"width": 1280, "height": 900}).new_page()
    sign_in_as(casey_page, "Casey Morgan")
    expect(heading(casey_page)).to_have_text("My work")
    check_page(casey_page)

    sign_in_as(page, "Kim Lee")
    expect(heading(page)).to_have_text("Administration")
    check_page(page)

    page.get_by_role("link", name="Teams", exact=True).click()
    expect(heading(page)).to_have_text("Teams")
    check_page(page)
    page.get_by_role("button", name="Add a team").click()
    expect(heading(page)).to_have_text("Add a team")
    check_page(page)
    page.get_by_role("button", name="Add the team").click()  # nothing typed
    expect(page.locator(".govuk-error-summary")).to_contain_text("Enter the team's name")
    check_page(page)
    page.get_by_label("Team name").fill("East casework team")
    page.get_by_role("button", name="Add the team").click()
    expect(heading(page)).to_have_text("East casework team")
    expect(page.locator(".govuk-notification-banner")).to_contain_text(
        "Added the team East casework team"
    )
    check_page(page)

    page.get_by_label("Who should join the team?").select_option(
        label="Olu Adeyemi (olu.adeyemi@demo-council.example)"
    )
    page.get_by_role("button", name="Add to the team").click()
    expect(page.locator(".govuk-notification-banner")).to_contain_text(
        "Olu Adeyemi is now in East casework team"
    )
    expect(page.locator("tbody")).to_contain_text("Case officer")
    check_page(page)

    page.get_by_role("link", name="Administration", exact=True).click()
    expect(page.locator("#count-teams")).to_have_text("3 teams")
    check_page(page)
    page.get_by_role("link", name="Users", exact=True).click()
    expect(heading(page)).to_have_text("Users")
    check_page(page)
    page.get_by_role("link", name="Casey Morgan").click()
    expect(heading(page)).to_have_text("Casey Morgan")
    check_page(page)
    page.get_by_role("button", name="Deactivate").click()
    expect(heading(page)).to_have_text("Deactivate Casey Morgan")
    check_page(page)
    page.get_by_role("button", name="Deactivate").click()
    expect(page.locator(".govuk-notification-banner")).to_contain_text(
        "Casey Morgan is deactivated"
    )
    expect(page.locator("#access")).to_contain_text("Deactivated on")
    check_page(page)

    # Casey's next request finds her signed out.
    casey_page.reload()
    expect(heading(casey_page)).to_have_text("Who are you signing in as?")
    expect(casey_page.get_by_label("Casey Morgan")).to_have_count(0)
    check_page(casey_page)

    fresh(session)
    team = session.scalar(select(Team).where(Team.name == "East casework team"))
    assert [member.name for member in team.members] == ["Olu Adeyemi"]
    casey = session.scalar(select(User).where(User.name == "Casey Morgan"))
    assert casey.deactivated_at is not None
    ended = session.scalars(select(StaffSession).where(StaffSession.user_id == casey.id)).all()
    assert ended and all(s.end_reason == "deactivated" for s in ended)


def test_an_administrator_names_a_lead_and_a_reviewer_and_creates_and_revokes_a_key(
    page: Page, live_server: LiveServer, session: Any
) -> None:
    seed_demo_data(session)
    session.commit()
    sign_in_as(page, "Kim Lee")
    expect(heading(page)).to_have_text("Administration")
    check_page(page)

    page.get_by_role("link", name="Agency leads", exact=True).click()
    check_page(page)
    page.get_by_role("link", name="Name one for education").click()
    expect(heading(page)).to_have_text("Education lead")
    check_page(page)
    page.get_by_label("Name", exact=True).fill("Pat Head")
    page.get_by_label("Email address").fill("pat.head@school.example.org")
    page.get_by_role("button", name="Save the lead").click()
    expect(page.locator("#education")).to_contain_text("Pat Head")
    check_page(page)

    page.get_by_role("link", name="Administration", exact=True).click()
    check_page(page)
    page.get_by_role("link", name="Sign-off reviewers", exact=True).click()
    check_page(page)
    page.get_by_role("link", name="Name one for health").click()
    check_page(page)
    page.get_by_label("Name", exact=True).fill("Dr Rae Review")
    page.get_by_label("Email address").fill("not an address")
    page.get_by_label("Their role").fill("Designated clinical officer")
    page.get_by_role("button", name="Save the reviewer").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text("Enter an email address")
    check_page(page)
    page.get_by_label("Email address").fill("rae@nhs.example.org")
    page.get_by_role("button", name="Save the reviewer").click()
    expect(page.locator("#health")).to_contain_text("Dr Rae Review")
    check_page(page)

    page.get_by_role("link", name="Administration", exact=True).click()
    check_page(page)
    page.get_by_role("link", name="API keys", exact=True).click()
    check_page(page)
    page.get_by_role("button", name="Create an API key").click()
    check_page(page)
    page.get_by_label("Name", exact=True).fill("Case system")
    page.get_by_label("Which team's assessments may it reach?").select_option(
        label="North casework team"
    )
    page.get_by_label("assessments:read", exact=False).check()
    page.get_by_role("button", name="Create the key").click()
    expect(heading(page)).to_have_text("Copy the new API key")
    expect(page.get_by_label("API key")).to_have_value(re.compile(r"^ahk_"))
    check_page(page)
    page.get_by_role("link", name="I have copied the key: back to API keys").click()
    check_page(page)
    page.get_by_role("link", name="Revoke Case system").click()
    expect(heading(page)).to_have_text("Revoke the API key Case system")
    check_page(page)
    page.get_by_role("button", name="Revoke the key").click()
    expect(page.locator(".govuk-notification-banner")).to_contain_text("is revoked")
    check_page(page)
