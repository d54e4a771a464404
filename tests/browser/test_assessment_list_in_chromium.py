"""A manager in Chromium finds a child's case by name in two clicks from signing in: type the
name without its accent in the "Find an assessment" box above every staff page, press Find,
open the case. Then sorts, filters by track and pages.
Every page is scanned with axe-core."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from advice_hub.deadlines import london_date
from advice_hub.models import Agency, utcnow
from tests.browser.conftest import LiveServer
from tests.browser.journey import check_page, heading
from tests.factories import casework_team, make_assessment, make_user

pytestmark = pytest.mark.browser

TODAY = london_date(utcnow())


def test_a_manager_finds_a_child_by_name_in_two_clicks(
    page: Page, live_server: LiveServer, session: Any
) -> None:
    east, west = casework_team(session, "East"), casework_team(session, "West")
    manager = make_user(
        session, email="mo@council.example", name="Mo Manager", role="manager", teams=[east, west]
    )
    for i in range(30):
        make_assessment(
            session,
            given_names=f"Child{i}",
            family_name="Other",
            team=east if i % 2 else west,
            agencies=(Agency.HEALTH,),
        )
    wanted = make_assessment(
        session,
        given_names="Zoë",
        family_name="Émond",
        team=west,
        agencies=(Agency.HEALTH,),
        requested_on=TODAY - timedelta(days=60),
    )
    session.commit()

    page.goto("/sign-in")
    check_page(page)
    page.get_by_label(manager.name).check()
    page.get_by_role("button", name="Sign in").click()
    expect(heading(page)).to_have_text("Timeliness")  # a manager's start page
    check_page(page)

    # From any staff page: type the name without its accents, press Find, open the case.
    page.get_by_label("Find an assessment by reference, child's name or date of birth").fill(
        "zoe emo"
    )
    page.get_by_role("button", name="Find").click()  # the first click
    expect(heading(page)).to_have_text("Assessments")
    rows = page.locator("tbody tr")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("Zoë Émond")
    expect(rows.first.locator(".govuk-tag--red").first).to_have_text("Late")
    expect(page.get_by_label("Search by reference, child's name or date of birth")).to_have_value(
        "zoe emo"
    )
    check_page(page)
    page.get_by_role("link", name=wanted.reference).click()  # the second click
    expect(heading(page)).to_have_text(f"Assessment {wanted.reference}")
    check_page(page)

    # The whole list: 25 a page, sorted by child, then the next page and back.
    page.goto("/assessments?sort=child&direction=asc")
    expect(page.locator("tbody tr")).to_have_count(25)
    expect(page.get_by_text("Showing 25 of 31 assessments")).to_be_visible()
    check_page(page)
    page.get_by_role("link", name="Next page").click()
    expect(page.locator("tbody tr")).to_have_count(6)
    check_page(page)
    page.get_by_role("link", name="Previous page").click()
    expect(page.locator("tbody tr")).to_have_count(25)
    check_page(page)

    page.get_by_label("Track against 20 weeks").select_option("red")
    page.get_by_role("button", name="Search").click()
    expect(page.locator("tbody tr")).to_have_count(1)
    check_page(page)
    page.get_by_label("Search by reference, child's name or date of birth").fill("nobody here")
    page.get_by_role("button", name="Search").click()
    expect(page.get_by_role("heading", name="No assessments match “nobody here”")).to_be_visible()
    check_page(page)
