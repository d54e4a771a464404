"""Timeliness in Chromium: the demo manager reaches their teams' figures on signing in, the
demo agency lead in one more click, each chart beside its table; a month typed wrongly is
shown on its field. Every page is scanned with axe-core."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from advice_hub.cli.demo_data import DEMO_TEAMS, seed_demo_data
from advice_hub.deadlines import london_date
from advice_hub.models import Agency, AssessmentStatus, RequestStatus, utcnow
from advice_hub.reports import refresh_reports
from advice_hub.transactions import transaction
from tests.browser.conftest import LiveServer
from tests.browser.journey import check_page, heading
from tests.conftest import services
from tests.factories import casework_team, make_assessment

pytestmark = pytest.mark.browser


def _figures(session: Any) -> None:
    """Health advice returned on time and late, and a plan issued, in the demo's first team."""
    today = london_date(utcnow())
    team = casework_team(session, DEMO_TEAMS[0])
    for days in (25, 50):
        assessment = make_assessment(session, agreed=True, agencies=(Agency.HEALTH,), team=team)
        (advice_request,) = assessment.advice_requests
        received = datetime.combine(today - timedelta(days=60), datetime.min.time(), UTC)
        advice_request.received_at = received
        advice_request.due_on = received.date() + timedelta(weeks=6)
        advice_request.status = RequestStatus.SUBMITTED
        advice_request.submitted_at = received + timedelta(days=days)
    plan = make_assessment(session, team=team)
    plan.requested_on = today - timedelta(days=130)
    plan.final_plan_issued_on = today - timedelta(days=5)
    plan.status = AssessmentStatus.CLOSED
    session.commit()


def _refreshed(live_server: LiveServer) -> None:
    """The figures worked out as the clock does every few minutes, written as the app writes
    (its sessions take SQLite's write lock up front, while the live server's worker sends)."""
    with transaction(services(live_server.app).session_factory) as writer:
        refresh_reports(writer)


def _sign_in_as(page: Page, name: str) -> None:
    page.goto("/sign-in")
    check_page(page)
    page.get_by_label(name).check()
    page.get_by_role("button", name="Sign in").click()  # the first click


def test_a_manager_sees_timeliness_on_signing_in(
    page: Page, live_server: LiveServer, session: Any
) -> None:
    seed_demo_data(session)
    session.commit()
    _figures(session)
    _refreshed(live_server)

    _sign_in_as(page, "Mandy Price")

    expect(heading(page)).to_have_text("Timeliness")
    by_agency = page.locator("#table-advice-by-agency")
    expect(by_agency.get_by_role("row", name="Health")).to_contain_text("50%")
    expect(
        page.get_by_role("img", name="Advice returned within 6 weeks, by agency")
    ).to_be_visible()
    expect(page.locator("#table-plans-by-team")).to_contain_text(DEMO_TEAMS[0])
    expect(
        page.get_by_role("img", name="Plans issued within 20 weeks", exact=False)
    ).to_contain_text("England 2024: 46.4%")
    check_page(page)

    page.get_by_label("From month").fill("last spring")
    page.get_by_role("button", name="Show figures").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text(
        "Enter a month as a year and month, like 2026-04"
    )
    check_page(page)

    page.goto("/reports/timeliness")
    check_page(page)
    with page.expect_download() as download:
        page.locator("#table-advice-by-agency ~ p a").click()
    assert download.value.suggested_filename.startswith("timeliness-advice_by_agency-")


def test_an_agency_lead_reaches_their_agencys_timeliness_in_two_clicks(
    page: Page, live_server: LiveServer, session: Any
) -> None:
    seed_demo_data(session)
    session.commit()
    _figures(session)
    _refreshed(live_server)

    _sign_in_as(page, "Dana Okafor")
    expect(heading(page)).to_have_text("Your agency's requests")
    check_page(page)
    page.get_by_role("link", name="Timeliness", exact=True).click()  # the second click

    expect(heading(page)).to_have_text("Timeliness")
    expect(
        page.locator("#table-advice-by-agency").get_by_role("row", name="Health")
    ).to_be_visible()
    expect(page.locator("#table-plans-by-team")).to_have_count(0)
    check_page(page)
