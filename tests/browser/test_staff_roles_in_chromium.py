"""Staff sign in through Entra ID (the real msal code against the OpenID Connect provider on
loopback, tests/entra_provider.py) in Chromium, as a case officer, a team manager and an agency
lead, and each sees what their role reaches and nothing else. Every staff page they visit is
scanned with axe-core.

The provider's own pages are not ours to scan (nor reachable: they load their styles from the
internet): the person's choice of account at its authorize endpoint is made from here, with the
browser's own cookies, and the browser then follows the provider's real redirect back to
advice_hub with a real authorization code.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from advice_hub.models import Agency, Assessment
from tests.browser.conftest import LiveServer, OpenContext
from tests.browser.journey import check_page, heading
from tests.entra_provider import TENANT_ID, Provider, entra_config, entra_provider
from tests.factories import (
    casework_team,
    make_assessment,
    make_user,
    request_for,
    seal_advice,
)

pytestmark = pytest.mark.browser

__all__ = ["entra_provider"]

# Name, email, the app roles Entra ID gives, and the object id it knows them by.
PEOPLE = {
    "officer": ("Olu Adeyemi", "olu@council.example", ["CaseOfficer"], "1"),
    "manager": ("Mandy Price", "mandy@council.example", ["TeamManager"], "2"),
    "lead": ("Dana Okafor", "dana@icb.example", ["AgencyLead"], "3"),
}


@pytest.fixture
def app_config(
    app_config: dict[str, Any], entra_provider: Provider, monkeypatch: pytest.MonkeyPatch
) -> dict[str, Any]:
    # msal, in the server, trusts the provider's throwaway certificate; the browser never
    # fetches from the provider itself (see `sign_in`).
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(entra_provider.ca_bundle))
    return app_config | entra_config(entra_provider)


class Council:
    def __init__(self, session: Any) -> None:
        north = casework_team(session, "North team")
        south = casework_team(session, "South team")
        east = casework_team(session, "East team")
        officer = make_user(
            session,
            email=PEOPLE["officer"][1],
            name=PEOPLE["officer"][0],
            role="case_officer",
            teams=[north],
        )
        make_user(
            session,
            email=PEOPLE["manager"][1],
            name=PEOPLE["manager"][0],
            role="manager",
            teams=[north, south],
        )
        make_user(
            session,
            email=PEOPLE["lead"][1],
            name=PEOPLE["lead"][0],
            role="agency_lead",
            agency=Agency.HEALTH.value,
        )
        self.north = make_assessment(
            session,
            agreed=True,
            team=north,
            case_officer=officer,
            given_names="Noor",
            family_name="Northcote",
        )
        self.south = make_assessment(
            session, agreed=True, team=south, given_names="Sami", family_name="Southall"
        )
        self.east = make_assessment(
            session, agreed=True, team=east, given_names="Eden", family_name="Eastwood"
        )
        session.flush()
        self.south_health = request_for(self.south, Agency.HEALTH)
        self.south_education = request_for(self.south, Agency.EDUCATION)
        for advice_request in (self.south_health, self.south_education):
            seal_advice(session, advice_request, "Sami's needs, as the service sees them.")
        session.commit()


@pytest.fixture
def council(live_server: LiveServer, session: Any) -> Council:
    return Council(session)


@pytest.fixture
def staff_page(open_context: OpenContext) -> Iterator[Page]:
    yield open_context(viewport={"width": 1280, "height": 900}).new_page()


def sign_in(page: Page, provider: Provider, live_server: LiveServer, who: str) -> None:
    name, email, roles, number = PEOPLE[who]
    sub = f"{who}-sub"
    provider.set_user(
        sub,
        {
            "tid": TENANT_ID,
            "oid": f"00000000-0000-4000-8000-{number:0>12}",
            "name": name,
            "preferred_username": email,
            "roles": roles,
        },
    )

    page.goto("/sign-in")
    check_page(page)
    start = page.get_by_role("button", name="Sign in with your council account")
    # What pressing it does, with this browser's cookies: advice_hub starts msal's flow and
    # sends the browser to the provider, where the person picks their account (done here),
    # and the provider sends the browser back with the code.
    to_provider = page.context.request.get(start.get_attribute("href") or "", max_redirects=0)
    assert to_provider.status == 302, to_provider.status
    back = provider.authorize(to_provider.headers["location"], sub)
    page.goto(back)
    expect(page.get_by_role("button", name=f"Sign out ({name})")).to_be_visible()


def listed_references(page: Page) -> set[str]:
    return set(page.locator("table tbody tr td:first-child").all_inner_texts())


def test_a_case_officer_sees_only_their_teams_assessments(
    staff_page: Page, entra_provider: Provider, live_server: LiveServer, council: Council
) -> None:
    page = staff_page
    sign_in(page, entra_provider, live_server, "officer")
    expect(heading(page)).to_have_text("My work")  # a case officer's start page
    check_page(page)
    page.get_by_role("link", name="Assessments", exact=True).click()
    expect(heading(page)).to_have_text("Assessments")
    check_page(page)
    assert listed_references(page) == {council.north.reference}
    expect(page.get_by_text("Your team: North team.")).to_be_visible()
    expect(page.locator(".govuk-service-navigation")).not_to_contain_text("Your agency's requests")

    page.get_by_role("link", name=council.north.reference).click()
    expect(heading(page)).to_have_text(f"Assessment {council.north.reference}")
    check_page(page)

    response = page.goto(f"/assessments/{council.south.id}")
    assert response is not None and response.status == 403
    expect(heading(page)).to_have_text("You cannot open this page")
    expect(page.locator("main")).not_to_contain_text("Southall")
    check_page(page)


def test_a_manager_sees_every_assessment_of_their_teams_and_no_other(
    staff_page: Page, entra_provider: Provider, live_server: LiveServer, council: Council
) -> None:
    page = staff_page
    sign_in(page, entra_provider, live_server, "manager")
    expect(heading(page)).to_have_text("Timeliness")  # a manager's start page
    check_page(page)
    page.get_by_role("link", name="Assessments", exact=True).click()
    check_page(page)
    assert listed_references(page) == {council.north.reference, council.south.reference}
    expect(page.get_by_text("Your teams: North team and South team.")).to_be_visible()

    page.get_by_role("link", name=council.south.reference).click()
    check_page(page)
    page.get_by_role("link", name="Change case officer").click()
    expect(heading(page)).to_have_text("Change the case officer")
    check_page(page)
    page.get_by_label("Olu Adeyemi (North team)").check()
    page.get_by_label("Why is it moving?").fill("Sami's family moved to the north of the county")
    page.get_by_role("button", name="Change the case officer").click()
    expect(page.locator(".govuk-notification-banner")).to_contain_text(
        "Olu Adeyemi in North team is now the case officer"
    )
    check_page(page)

    response = page.goto(f"/assessments/{council.east.id}/appendix")
    assert response is not None and response.status == 403
    expect(page.locator("main")).not_to_contain_text("Eastwood")
    check_page(page)


def test_an_agency_lead_reads_their_agencys_requests_and_advice_and_nothing_else(
    staff_page: Page,
    entra_provider: Provider,
    live_server: LiveServer,
    council: Council,
    session: Any,
) -> None:
    page = staff_page
    sign_in(page, entra_provider, live_server, "lead")
    expect(heading(page)).to_have_text("Your agency's requests")
    check_page(page)
    main = page.locator("main")
    # Every team's open health requests, and the health advice sealed lately; no other agency's.
    for assessment in (council.north, council.east):
        expect(main).to_contain_text(f"Assessment {assessment.reference}")
    expect(main).not_to_contain_text(council.south_education.contributor.name)
    expect(page.locator(".govuk-service-navigation")).not_to_contain_text("New assessment")

    page.get_by_role("link", name=f"advice from {council.south_health.contributor.name}").click()
    expect(heading(page)).to_contain_text("Health advice")
    check_page(page)

    for refused in (
        f"/assessments/{council.south.id}",
        f"/assessments/{council.south.id}/advice/{council.south_education.id}",
        "/assessments",
    ):
        response = page.goto(refused)
        assert response is not None and response.status == 403, refused
        expect(heading(page)).to_have_text("You cannot open this page")
        check_page(page)
    assert session.get(Assessment, council.south.id) is not None
