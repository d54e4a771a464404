"""Staff preview of the templates: the list, each version read-only, and sign-in first."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from flask.testing import FlaskClient

from advice_hub.models import AGENCY_LABELS, Agency
from forms.templates import DEFINITIONS, FILE_NAME, load_template
from tests.html import parse_page, text_of

VERSIONS = sorted(
    (m["key"], int(m["version"]))
    for path in DEFINITIONS.glob("*.json")
    if (m := FILE_NAME.match(path.name))
)


@pytest.mark.parametrize("url", ["/templates", "/templates/health/v2"])
def test_the_template_pages_ask_staff_to_sign_in_first(client: FlaskClient, url: str) -> None:
    response = client.get(url)
    assert response.status_code == 302
    assert response.headers["Location"] == f"/sign-in?next={url}"


def test_the_list_shows_every_agency_with_its_versions_and_co_production(
    signed_in: FlaskClient,
) -> None:
    response = signed_in.get("/templates")
    assert response.status_code == 200
    soup = parse_page(response.data)
    assert soup.h1.get_text(strip=True) == "Advice templates"
    rows = soup.select("tbody tr")
    assert [row.th.get_text(strip=True) for row in rows] == [AGENCY_LABELS[a] for a in Agency]
    for agency, row in zip(Agency, rows, strict=True):
        latest = load_template(agency.value, 2)
        links = {a["href"] for a in row.find_all("a")}
        assert links == {f"/templates/{agency.value}/v2", f"/templates/{agency.value}/v1"}
        text = text_of(row)
        assert latest.title in text and "Version 2" in text
        assert f"Co-produced with {latest.co_production.with_}; approved 16 November 2026" in text


def test_templates_is_in_the_navigation_and_marked_current(signed_in: FlaskClient) -> None:
    soup = parse_page(signed_in.get("/templates/education/v2").data)
    active = soup.select_one(".govuk-service-navigation__item--active")
    assert active is not None and active.get_text(strip=True) == "Templates"
    officer_page = parse_page(signed_in.get("/assessments").data)
    nav = [a.get_text(strip=True) for a in officer_page.select(".govuk-service-navigation a")]
    assert "Templates" in nav


@pytest.mark.parametrize(("key", "version"), VERSIONS, ids=[f"{k}.v{v}" for k, v in VERSIONS])
def test_every_version_is_shown_read_only_as_the_contributor_sees_it(
    signed_in: FlaskClient, key: str, version: int
) -> None:
    template = load_template(key, version)
    response = signed_in.get(f"/templates/{key}/v{version}")
    assert response.status_code == 200
    soup = parse_page(response.data)
    # The page's own content takes no input (the navigation's sign-out button aside).
    preview = soup.find("main")
    assert preview.find("h1") and preview.find("h2")
    assert not preview.find_all(["form", "input", "textarea", "select"]), "a preview takes no input"
    assert soup.h1.get_text(strip=True) == template.title
    assert soup.title.string.startswith(f"{template.title} (version {version}) \N{EN DASH} ")
    assert soup.select_one(".govuk-back-link")["href"] == "/templates"
    text = text_of(soup)
    assert template.introduction in text
    assert template.co_production.with_ in text
    for section in template.sections:
        heading = soup.find(id=f"section-{section.id}")
        assert heading is not None and heading.get_text(strip=True) == section.title
        assert soup.find("a", href=f"#section-{section.id}") is not None
        if section.description:
            assert section.description in text
        if section.can_skip:
            assert f"Optional area: the writer can choose “{section.skip_label}”" in text
        for question in section.questions:
            for q in (question, *question.fields):
                assert q.label in text
                assert q.hint in text
                for option in q.options:
                    assert option.label in text and option.hint in text
            if question.kind == "group":
                assert f"Each {question.item_label} asks:" in text
    declaration = text_of(soup.find(id="declaration").find_next("dl"))
    for body in template.registration_bodies:
        assert body in declaration


def test_the_preview_shows_the_registration_bodies_the_declaration_offers(
    signed_in: FlaskClient,
) -> None:
    def registration(key: str) -> str:
        soup = parse_page(signed_in.get(f"/templates/{key}/v2").data)
        row = next(
            r
            for r in soup.select("#declaration ~ dl .govuk-summary-list__row")
            if r.dt.get_text(strip=True) == "Professional registration"
        )
        return row.dd.get_text(" ", strip=True)

    assert registration("health") == (
        "Registration body (HCPC, GMC or NMC) and number, or that they are not registered"
    )
    assert registration("social_care").startswith("Registration body (Social Work England)")
    assert registration("education") == (
        "Not asked: the people who write this advice are not on a statutory register"
    )
    assert registration("parent_carer") == "Not asked"


def test_the_preview_marks_skippable_areas_and_the_vague_wording_check(
    signed_in: FlaskClient,
) -> None:
    soup = parse_page(signed_in.get("/templates/health/v2").data)
    contents = text_of(soup.find("ol"))
    assert "Communication and interaction (can be marked not assessed)" in contents
    assert "Your involvement (can be marked not assessed)" not in contents
    text = text_of(soup)
    assert text.count("Vague wording check:") == 1
    assert "Answer: a list: they add one piece of provision at a time, up to 30" in text
    assert "Answer: long text, up to 5,000 characters" in text
    assert "Answer: short text, up to 300 characters" in text
    assert "Answer: yes or no" in text and "Answer: one choice from the list below" in text
    assert "Answer: a date (day, month and year)" in text


def test_an_earlier_version_says_which_version_new_requests_use(signed_in: FlaskClient) -> None:
    text = text_of(parse_page(signed_in.get("/templates/health/v1").data))
    assert "Status Earlier version" in text
    assert (
        "This is an earlier version. New requests use version 2; requests sent with version 1 "
        "keep it, and their advice is shown and sealed against it." in text
    )
    latest = text_of(parse_page(signed_in.get("/templates/health/v2").data))
    assert "Status In use New requests are sent with this version." in latest
    assert "earlier version" not in latest


@pytest.mark.parametrize(
    "url", ["/templates/health/v99", "/templates/nobody/v1", "/templates/health/v0"]
)
def test_an_unknown_template_or_version_is_not_found(signed_in: FlaskClient, url: str) -> None:
    response = signed_in.get(url)
    assert response.status_code == 404
    assert parse_page(response.data).h1.get_text(strip=True) == "Page not found"


def test_a_broken_file_is_reported_without_breaking_the_list(
    signed_in: FlaskClient, definitions: Path
) -> None:
    (definitions / "health.v3.json").write_text(json.dumps({"key": "health", "version": 3}))
    listing = signed_in.get("/templates")
    assert listing.status_code == 200
    row = next(
        r for r in parse_page(listing.data).select("tbody tr") if r.th.get_text() == "Health"
    )
    assert "Cannot be read" in text_of(row)
    assert "health.v3.json: agency: Field required" in text_of(row)
    page = signed_in.get("/templates/health/v3")
    assert page.status_code == 500
    text = text_of(parse_page(page.data))
    assert "health.v3.json: agency: Field required" in text
    assert "advice-hub templates check" in text


def test_a_newly_published_version_appears_without_a_restart(
    signed_in: FlaskClient, definitions: Path
) -> None:
    data = json.loads((definitions / "young_person.v2.json").read_text())
    (definitions / "young_person.v3.json").write_text(json.dumps(data | {"version": 3}))
    soup = parse_page(signed_in.get("/templates").data)
    row = next(r for r in soup.select("tbody tr") if r.th.get_text() == "Young person")
    assert "Version 3" in text_of(row)
    assert signed_in.get("/templates/young_person/v3").status_code == 200
