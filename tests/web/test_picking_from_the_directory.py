"""Case officers pick contributors from the directory when they record an assessment or add a
contributor: each row offers its agency's live services after "Type the details instead";
a service picked fills what was left blank from its contact and is kept on the contributor;
typing stays possible, and a service of another agency or since retired is refused on its
select. No JavaScript is needed."""

from __future__ import annotations

from typing import Any

from flask.testing import FlaskClient
from sqlalchemy import select

from advice_hub.directory.services import ServiceDetails, add_service, retire_service
from advice_hub.models import Assessment, Contributor, Service, utcnow
from tests.factories import fresh, make_assessment
from tests.html import parse_page, text_of
from tests.statements import statements
from tests.web.test_officer_actions import submit, summary
from tests.web.test_officer_pages import new_assessment_data


def _service(session: Any, agency: str, name: str, email: str) -> Service:
    return add_service(
        session,
        ServiceDetails(agency, name, f"{name} Trust", f"{name} contact", "Duty", email),
        now=utcnow(),
        actor="test",
    )


def _options(page: bytes, select_id: str) -> list[str]:
    chosen = parse_page(page).find(id=select_id)
    return [option.get_text(strip=True) for option in chosen.find_all("option")]


def test_each_row_offers_its_agencys_live_services_after_typing(
    signed_in: FlaskClient, session: Any
) -> None:
    _service(session, "education", "Oak Tree Primary", "senco@oak.example")
    _service(session, "health", "Children's SPA", "spa@nhs.example")
    retire_service(
        session,
        _service(session, "health", "Closed Clinic", "old@nhs.example"),
        now=utcnow(),
        actor="test",
    )
    session.commit()
    page = signed_in.get("/assessments/new").data
    # Row 2 is education, row 4 health (parent, education, EP, health, social care).
    assert _options(page, "contributors-1-service") == [
        "Type the details instead",
        "Oak Tree Primary (Oak Tree Primary contact, Duty)",
    ]
    assert _options(page, "contributors-3-service") == [
        "Type the details instead",
        "Children's SPA (Children's SPA contact, Duty)",
    ]
    # No service for the parent: no select there, typing as before.
    assert parse_page(page).find(id="contributors-0-service") is None
    option = parse_page(page).find(id="contributors-3-service").find_all("option")[1]
    assert option["data-fill-email"] == "spa@nhs.example"


def test_without_a_directory_the_form_is_as_it_was(signed_in: FlaskClient) -> None:
    page = parse_page(signed_in.get("/assessments/new").data)
    assert page.select("select[name$=service]") == []


def test_a_service_picked_fills_the_blanks_and_is_kept_on_the_contributor(
    signed_in: FlaskClient, session: Any, svc: Any
) -> None:
    spa = _service(session, "health", "Children's SPA", "spa@nhs.example")
    session.commit()
    page = signed_in.get("/assessments/new")
    data = new_assessment_data(
        page.data,
        **{
            "contributors-1-service": str(spa.id),
            "contributors-1-name": "",
            "contributors-1-email": "",
            "contributors-1-organisation": "",
            "contributors-1-role": "Paediatrician",  # typed: kept over the service's
        },
    )
    with statements(svc.engine) as sent:
        response = signed_in.post("/assessments/new", data=data)
    assert response.status_code == 302, text_of(parse_page(response.data))
    assessment = fresh(session).scalars(select(Assessment)).one()
    typed, picked = sorted(assessment.contributors, key=lambda c: c.position)
    assert typed.service_id is None and typed.email == "senco@school.example.org"
    assert (picked.service_id, picked.name, picked.email, picked.organisation, picked.role) == (
        spa.id,
        "Children's SPA contact",
        "spa@nhs.example",
        "Children's SPA Trust",
        "Paediatrician",
    )
    assert sum("FROM services" in s for s in sent) <= 2  # offered once, the pick checked once


def test_a_service_of_another_agency_is_refused_on_its_select(
    signed_in: FlaskClient, session: Any
) -> None:
    school = _service(session, "education", "Oak Tree Primary", "senco@oak.example")
    session.commit()
    page = signed_in.get("/assessments/new")
    data = new_assessment_data(
        page.data, **{"contributors-1-service": str(school.id), "contributors-1-name": ""}
    )
    response = signed_in.post("/assessments/new", data=data)
    assert response.status_code == 400
    soup = parse_page(response.data)
    links = {a["href"]: a.get_text(strip=True) for a in soup.select(".govuk-error-summary a")}
    assert links["#contributors-1-service"].startswith(
        "Contributor 2: Oak Tree Primary gives education advice, not health advice"
    )
    assert "#contributors-1-name" not in links  # the service is at fault, not the blank name
    assert fresh(session).scalar(select(Assessment)) is None


def test_a_service_retired_meanwhile_is_refused(signed_in: FlaskClient, session: Any) -> None:
    spa = _service(session, "health", "Children's SPA", "spa@nhs.example")
    session.commit()
    page = signed_in.get("/assessments/new")
    retire_service(session, spa, now=utcnow(), actor="test")
    session.commit()
    data = new_assessment_data(page.data, **{"contributors-1-service": str(spa.id)})
    response = signed_in.post("/assessments/new", data=data)
    assert response.status_code == 400
    assert "That service is no longer in the directory" in text_of(parse_page(response.data))


def test_a_contributor_added_later_is_picked_from_the_directory(
    signed_in: FlaskClient, session: Any, officer: Any
) -> None:
    spa = _service(session, "health", "Children's SPA", "spa@nhs.example")
    assessment = make_assessment(session, agreed=True, case_officer=officer)
    session.commit()
    url = f"/assessments/{assessment.id}/contributors/new"
    assert "Health: Children's SPA (Children's SPA contact, Duty)" in _options(
        signed_in.get(url).data, "service"
    )
    # The agency is left to the service, and every detail to its contact.
    response = submit(
        signed_in, url, {"agency": "", "service": str(spa.id), "parent_requested": "no"}
    )
    assert response.status_code == 303, summary(response)
    added = (
        fresh(session).scalars(select(Contributor).where(Contributor.service_id == spa.id)).one()
    )
    assert (added.agency, added.email, added.name) == (
        "health",
        "spa@nhs.example",
        "Children's SPA contact",
    )


def test_adding_a_contributor_still_needs_the_details_when_nothing_is_picked(
    signed_in: FlaskClient, session: Any, officer: Any
) -> None:
    _service(session, "health", "Children's SPA", "spa@nhs.example")
    assessment = make_assessment(session, agreed=True, case_officer=officer)
    session.commit()
    response = submit(
        signed_in,
        f"/assessments/{assessment.id}/contributors/new",
        {"agency": "other", "service": "", "parent_requested": "no"},
    )
    assert response.status_code == 400
    assert summary(response)["#name"] == "Enter the contributor's full name"
