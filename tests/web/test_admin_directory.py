"""Administrators keep the contributor directory: services listed by agency and searched,
added, changed, retired and offered again, their leads added and removed, and many imported
at once from a CSV file whose problems are shown line by line (nothing imported then)."""

from __future__ import annotations

import io
from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from advice_hub.cli.directory import directory_import
from advice_hub.directory.csv_import import HEADER, TEMPLATE_CSV
from advice_hub.directory.services import LeadDetails, ServiceDetails, add_lead, add_service
from advice_hub.models import Service, ServiceLead, utcnow
from tests.factories import fresh, make_user
from tests.html import parse_page, text_of
from tests.journey import csrf_of, sign_in
from tests.statements import statements
from tests.web.conftest import audited

HEAD = ",".join(HEADER)
GOOD = (
    HEAD + "\neducation,Oak Tree Primary,Oak Trust,Sam Senco,SENCO,senco@oak.example,"
    ",,,Pat,pat@oak.example,Head\n"
)


def _service(
    session: Any, name: str = "Oak Tree Primary", agency: str = "education", leads: int = 0
) -> Service:
    service = add_service(
        session,
        ServiceDetails(
            agency,
            name,
            f"{name} Trust",
            "Sam Senco",
            "SENCO",
            f"{name.split()[0].lower()}@school.example",
        ),
        now=utcnow(),
        actor="test",
    )
    for n in range(leads):
        add_lead(
            session,
            service,
            LeadDetails(f"Lead {n}", f"lead{n}@school.example", "Head"),
            now=utcnow(),
            actor="test",
        )
    return service


def _done(client: FlaskClient, url: str, token: str) -> None:
    """Post a confirmation, and read the page it leads to (which shows its message)."""
    response = client.post(url, data={"csrf_token": token})
    assert response.status_code == 303, url
    client.get(response.location)


def _text(response: Any) -> str:
    return text_of(parse_page(response.data))


def test_the_directory_lists_services_by_agency_and_searches_them(
    as_admin: FlaskClient, session: Any
) -> None:
    _service(session, leads=1)
    _service(session, "Elm Academy")
    _service(session, "Children's SPA", agency="health")
    session.commit()
    page = parse_page(as_admin.get("/admin/directory").data)
    education = page.select_one("#agency-education").find_next("table")
    assert [
        th.get_text(" ", strip=True).split(" Trust")[0] for th in education.select("tbody th")
    ] == [
        "Elm Academy Elm Academy",
        "Oak Tree Primary Oak Tree Primary",
    ]
    assert "No social care services yet" in text_of(page)
    found = as_admin.get("/admin/directory?q=oak")
    text = _text(found)
    assert "1 service found for \u2018oak\u2019" in text
    assert "Elm Academy" not in text and "Oak Tree Primary" in text
    health = _text(as_admin.get("/admin/directory?agency=health"))
    assert "Children's SPA" in health and "Oak Tree" not in health


def test_the_directory_page_reads_a_fixed_number_of_statements(
    as_admin: FlaskClient, session: Any, svc: Any
) -> None:
    _service(session, "One School", leads=2)
    session.commit()
    as_admin.get("/admin/directory")
    with statements(svc.engine) as few:
        as_admin.get("/admin/directory")
    for n in range(12):
        _service(session, f"School {n}", leads=2)
    session.commit()
    with statements(svc.engine) as many:
        assert as_admin.get("/admin/directory").status_code == 200
    assert len(many) == len(few)


def test_a_service_is_added_with_every_problem_shown_at_once_then_saved_and_audited(
    as_admin: FlaskClient, session: Any
) -> None:
    token = csrf_of(as_admin.get("/admin/directory/new").data)
    refused = as_admin.post(
        "/admin/directory/new",
        data={
            "csrf_token": token,
            "agency": "health",
            "name": "",
            "contact_email": "not an address",
            "reviewer_name": "Dr Rae",
        },
    )
    assert refused.status_code == 400
    text = _text(refused)
    for message in (
        "Enter the service's name",
        "Enter the organisation it belongs to",
        "Enter the contact's name",
        "The contact's email address is not valid",
        "Enter the reviewer's role",
        "Enter the reviewer's email address",
    ):
        assert message in text
    assert fresh(session).scalar(select(func.count()).select_from(Service)) == 0
    data = {
        "csrf_token": token,
        "agency": "health",
        "name": "Children's SPA",
        "organisation": "Northshire NHS Trust",
        "contact_name": "SPA clinician",
        "contact_role": "Single point of access",
        "contact_email": "SPA@NHS.example",
    }
    added = as_admin.post("/admin/directory/new", data=data)
    assert added.status_code == 303
    service = fresh(session).scalars(select(Service)).one()
    assert added.location == f"/admin/directory/{service.id}"
    assert service.contact_email == "spa@nhs.example"
    assert [e.detail["service"] for e in audited(session, "directory.service_added")] == [
        "Children's SPA"
    ]
    duplicate = as_admin.post("/admin/directory/new", data=data | {"name": "children's spa"})
    assert duplicate.status_code == 400
    assert "There is already a health service called Children's SPA" in _text(duplicate)


def test_a_service_is_changed_given_leads_retired_and_offered_again(
    as_admin: FlaskClient, session: Any
) -> None:
    service = _service(session)
    session.commit()
    url = f"/admin/directory/{service.id}"
    form = as_admin.get(url)
    assert parse_page(form.data).select_one("#contact_email")["value"] == "oak@school.example"
    token = csrf_of(form.data)
    changed = as_admin.post(
        url,
        data={
            "csrf_token": token,
            "agency": "education",
            "name": "Oak Tree Primary",
            "organisation": "Oak Trust",
            "contact_name": "New Senco",
            "contact_role": "SENCO",
            "contact_email": "new@oak.example",
            "reviewer_name": "Dr Rev",
            "reviewer_role": "Senior EP",
            "reviewer_email": "rev@oak.example",
        },
    )
    assert changed.status_code == 303
    as_admin.get(changed.location)  # its message shown
    lead = as_admin.post(
        f"{url}/leads/new",
        data={
            "csrf_token": token,
            "name": "Pat Head",
            "email": "Pat@Oak.example",
            "title": "Head teacher",
        },
    )
    assert lead.status_code == 303
    as_admin.get(lead.location)
    again = as_admin.post(
        f"{url}/leads/new",
        data={"csrf_token": token, "name": "Pat", "email": "pat@oak.example", "title": "Head"},
    )
    assert (
        again.status_code == 400
        and "pat@oak.example is already a lead of Oak Tree Primary" in _text(again)
    )
    fresh(session)
    service = session.get(Service, service.id)
    assert (service.contact_name, service.reviewer_email) == ("New Senco", "rev@oak.example")
    [added] = service.leads
    assert added.email == "pat@oak.example"
    page = _text(as_admin.get(url))
    assert "Pat Head" in page and "Retire this service" in page
    confirm = as_admin.get(f"{url}/leads/{added.id}/remove")
    assert "With no lead left, escalations go to the agency's lead" in _text(confirm)
    _done(as_admin, f"{url}/leads/{added.id}/remove", token)
    _done(as_admin, f"{url}/retire", token)
    assert fresh(session).get(Service, service.id).retired_at is not None
    assert "Retired" in _text(as_admin.get("/admin/directory"))
    _done(as_admin, f"{url}/reinstate", token)
    assert fresh(session).get(Service, service.id).retired_at is None
    assert session.scalar(select(func.count()).select_from(ServiceLead)) == 0
    actions = [e.action for e in audited(session, "directory.lead_added")] + [
        e.action for e in audited(session, "directory.service_retired")
    ]
    assert actions == ["directory.lead_added", "directory.service_retired"]


def test_a_lead_of_another_service_is_not_found_there(as_admin: FlaskClient, session: Any) -> None:
    one, other = _service(session, leads=1), _service(session, "Elm Academy")
    session.commit()
    lead = one.leads[0]
    assert as_admin.get(f"/admin/directory/{other.id}/leads/{lead.id}/remove").status_code == 404
    assert as_admin.get("/admin/directory/999999").status_code == 404


def test_posts_without_the_security_token_change_nothing(
    as_admin: FlaskClient, session: Any
) -> None:
    service = _service(session)
    session.commit()
    for url in (f"/admin/directory/{service.id}/retire", "/admin/directory/new"):
        response = as_admin.post(url, data={"agency": "education", "name": "X"})
        assert response.status_code == 400, url
    assert fresh(session).get(Service, service.id).retired_at is None
    assert session.scalar(select(func.count()).select_from(Service)) == 1


def test_other_roles_are_refused_the_directory_pages_and_change_nothing(
    app: Flask, session: Any
) -> None:
    service = _service(session)
    officer = make_user(session, email="olu@council.example", name="Olu", role="case_officer")
    session.commit()
    client = sign_in(app.test_client(), officer.id)
    token = csrf_of(client.get("/templates").data)
    assert client.get("/admin/directory").status_code == 403
    upload = {"csrf_token": token, "file": (io.BytesIO(GOOD.encode()), "services.csv")}
    assert client.post("/admin/directory/import", data=upload).status_code == 403
    assert (
        client.post(f"/admin/directory/{service.id}/retire", data={"csrf_token": token}).status_code
        == 403
    )
    anonymous = app.test_client().get("/admin/directory/import")
    assert anonymous.status_code == 302 and anonymous.location.startswith("/sign-in")
    assert fresh(session).get(Service, service.id).retired_at is None
    assert session.scalar(select(func.count()).select_from(Service)) == 1


def _upload(client: FlaskClient, data: bytes) -> Any:
    token = csrf_of(client.get("/admin/directory/import").data)
    return client.post(
        "/admin/directory/import",
        data={"csrf_token": token, "file": (io.BytesIO(data), "services.csv")},
        content_type="multipart/form-data",
    )


def test_an_import_with_problems_shows_each_line_and_imports_nothing(
    as_admin: FlaskClient, session: Any
) -> None:
    bad = (
        GOOD + "health,SPA,Trust,Jo,Duty,not-an-address,,,,,,\nschools,X,Y,Z,W,v@x.example,,,,,,\n"
    )
    response = _upload(as_admin, bad.encode())
    assert response.status_code == 400
    soup = parse_page(response.data)
    assert "Nothing was imported: the file has 2 problems" in text_of(soup)
    rows = [
        [c.get_text(" ", strip=True) for c in tr.select("th, td")]
        for tr in soup.select("#problems tbody tr")
    ]
    assert [row[:2] for row in rows] == [["3", "contact_email"], ["4", "agency"]]
    assert fresh(session).scalar(select(func.count()).select_from(Service)) == 0


def test_an_import_that_is_not_a_csv_file_says_so(as_admin: FlaskClient, session: Any) -> None:
    response = _upload(as_admin, "Ecole,Élan".encode("latin-1"))
    assert response.status_code == 400
    assert "The file is not UTF-8 text" in _text(response)
    missing = as_admin.post(
        "/admin/directory/import",
        data={"csrf_token": csrf_of(as_admin.get("/admin/directory/import").data)},
    )
    assert missing.status_code == 400 and "Select a CSV file to import" in _text(missing)


def test_a_good_import_is_written_and_audited_and_the_template_downloads(
    as_admin: FlaskClient, session: Any
) -> None:
    response = _upload(as_admin, GOOD.encode())
    assert response.status_code == 303
    assert "Directory imported: 1 service added, 0 services updated, 1 lead in all" in _text(
        as_admin.get(response.location)
    )
    assert [e.detail["added"] for e in audited(session, "directory.imported")] == [1]
    template = as_admin.get("/admin/directory/template.csv")
    assert template.mimetype == "text/csv"
    assert "attachment" in template.headers["Content-Disposition"]
    assert template.data.decode() == TEMPLATE_CSV


def test_the_administration_home_links_the_directory(as_admin: FlaskClient, session: Any) -> None:
    _service(session)
    session.commit()
    page = parse_page(as_admin.get("/admin").data)
    assert page.select_one("a[href='/admin/directory']") is not None
    assert page.select_one("#count-services").get_text(strip=True).startswith("1 service offered")


def test_the_import_command_prints_the_same_report_and_exits_1_on_problems(
    app: Flask, session: Any, tmp_path: Any
) -> None:
    runner = app.test_cli_runner()
    bad = tmp_path / "bad.csv"
    bad.write_text(HEAD + "\nschools,X,Y,Z,W,v@x.example,,,,,,\n", encoding="utf-8")
    result = runner.invoke(directory_import, [str(bad)])
    assert result.exit_code == 1
    assert "Nothing was imported: bad.csv has 1 problem" in result.output
    assert "Line 2, agency: Choose the agency: schools is not one of" in result.output
    good = tmp_path / "good.csv"
    good.write_text(GOOD, encoding="utf-8")
    done = runner.invoke(directory_import, [str(good)])
    assert done.exit_code == 0, done.output
    assert "1 service added" in done.output
    assert fresh(session).scalar(select(func.count()).select_from(Service)) == 1
