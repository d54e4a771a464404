"""The contributor directory in Chromium: the demo administrator imports a CSV file with a
mistake, sees each problem with its line on the page and nothing imported, then imports it
corrected; a case officer records an assessment picking the health contributor from the
directory (the script fills the details in as the service is chosen). Every page is scanned
with axe-core."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import select

from advice_hub.cli.demo_data import seed_demo_data
from advice_hub.deadlines import london_date
from advice_hub.directory.csv_import import HEADER
from advice_hub.models import Assessment, Service, utcnow
from tests.browser.conftest import LiveServer
from tests.browser.journey import check_page, heading
from tests.factories import fresh

pytestmark = pytest.mark.browser

TODAY = london_date(utcnow())
SALT = (
    "health,Speech and Language Therapy,Northshire NHS Trust,SALT duty therapist,"
    "Speech and language therapist,salt@nhs.example,,,,Ali Khan,ali.khan@nhs.example,"
    "Head of SALT\r\n"
)


def sign_in_as(page: Page, name: str) -> None:
    page.goto("/sign-in")
    check_page(page)
    page.get_by_label(name).check()
    page.get_by_role("button", name="Sign in").click()


def _csv(*lines: str) -> dict[str, Any]:
    data = (",".join(HEADER) + "\r\n" + "".join(lines)).encode()
    return {"name": "services.csv", "mimeType": "text/csv", "buffer": data}


def test_an_administrator_imports_the_directory_and_sees_each_problem_first(
    page: Page, live_server: LiveServer, session: Any
) -> None:
    seed_demo_data(session)
    session.commit()
    sign_in_as(page, "Kim Lee")
    expect(heading(page)).to_have_text("Administration")
    check_page(page)
    page.get_by_role("link", name="Contributor directory").click()
    expect(heading(page)).to_have_text("Contributor directory")
    expect(page.locator("#agency-health + table")).to_contain_text("Children's Single Point")
    check_page(page)
    page.get_by_role("link", name="Import from a CSV file").click()
    expect(heading(page)).to_have_text("Import services from a CSV file")
    check_page(page)
    page.get_by_label("Upload a CSV file").set_input_files(
        _csv(SALT, "education,Elm Academy,Elm Trust,Jo Senco,SENCO,jo at elm,,,,,,\r\n")
    )
    page.get_by_role("button", name="Import").click()
    summary = page.locator(".govuk-error-summary")
    expect(summary).to_be_focused()
    expect(summary).to_contain_text("Nothing was imported: the file has 1 problem")
    expect(page.locator("#problems tbody tr")).to_have_count(1)
    expect(page.locator("#problems tbody tr").first).to_contain_text("3")
    expect(page.locator("#problems tbody tr").first).to_contain_text("contact_email")
    check_page(page)
    assert fresh(session).scalar(select(Service).where(Service.name == "Elm Academy")) is None

    page.get_by_label("Upload a CSV file").set_input_files(
        _csv(SALT, "education,Elm Academy,Elm Trust,Jo Senco,SENCO,jo@elm.example,,,,,,\r\n")
    )
    page.get_by_role("button", name="Import").click()
    expect(heading(page)).to_have_text("Contributor directory")
    expect(page.locator(".govuk-notification-banner")).to_contain_text(
        "Directory imported: 2 services added, 0 services updated, 1 lead in all"
    )
    expect(page.locator("#agency-education + table")).to_contain_text("Elm Academy")
    check_page(page)
    page.get_by_role("link", name="Speech and Language Therapy").click()
    expect(page.locator("#leads + table")).to_contain_text("Ali Khan")
    check_page(page)


def test_an_officer_picks_a_contributor_from_the_directory_when_recording(
    page: Page, live_server: LiveServer, session: Any
) -> None:
    seed_demo_data(session)
    session.commit()
    sign_in_as(page, "Olu Adeyemi")
    expect(heading(page)).to_have_text("My work")  # a case officer's start page
    check_page(page)
    page.get_by_role("link", name="New assessment").first.click()
    check_page(page)
    page.get_by_label("Given names").fill("Riley")
    page.get_by_label("Family name").fill("Okafor")
    birth = page.get_by_role("group", name="Date of birth")
    for label, value in (("Day", "3"), ("Month", "5"), ("Year", "2016")):
        birth.get_by_label(label).fill(value)
    received = page.get_by_role("group", name="Date the council received the request")
    for label, value in (("Day", TODAY.day), ("Month", TODAY.month), ("Year", TODAY.year)):
        received.get_by_label(label).fill(str(value))
    health = page.get_by_role("group", name="Contributor 4")
    health.get_by_label("Pick from the directory").select_option(
        label="Children's Single Point of Access (SPA duty clinician, Single point of access)"
    )
    # The script fills in the service's contact, which stays editable.
    expect(health.get_by_label("Email address")).to_have_value("spa@nhs.example.org")
    expect(health.get_by_label("Organisation")).to_have_value(
        "Northshire Community Health NHS Trust"
    )
    health.get_by_label("Role").fill("Community paediatrician")
    check_page(page)
    page.get_by_role("button", name="Save assessment").click()
    expect(page.locator(".govuk-notification-banner")).to_contain_text("saved")
    expect(page.locator("main")).to_contain_text("spa@nhs.example.org")
    check_page(page)
    assessment = (
        fresh(session)
        .scalars(select(Assessment).where(Assessment.child_given_names == "Riley"))
        .one()
    )
    [picked] = [c for c in assessment.contributors if c.service_id is not None]
    assert (picked.agency, picked.role) == ("health", "Community paediatrician")
