"""The "Find an assessment" box above each staff page: shown to whoever may open the list,
searching it; not on the list itself (its own search stands there), nor for an agency lead
or an administrator, who have no list to search."""

from __future__ import annotations

from typing import Any

from flask.testing import FlaskClient

from tests.factories import make_assessment, make_user
from tests.html import parse_page
from tests.journey import sign_in

FIND = "#find-assessment"


def test_an_officer_finds_a_case_from_my_work(
    signed_in: FlaskClient, session: Any, officer: Any
) -> None:
    make_assessment(session, given_names="Zoë", family_name="Émond", case_officer=officer)
    make_assessment(session, given_names="Sam", family_name="Other", case_officer=officer)
    session.commit()
    page = parse_page(signed_in.get("/my-work").data)
    box = page.select_one(FIND)
    assert box is not None and box["name"] == "q"
    form = box.find_parent("form")
    assert (form["method"], form["action"]) == ("get", "/assessments")
    found = parse_page(signed_in.get("/assessments", query_string={"q": "zoe emo"}).data)
    rows = found.select("tbody tr")
    assert len(rows) == 1 and "Zoë Émond" in rows[0].get_text()
    assert found.select_one(FIND) is None  # the list's own search box instead


def test_no_box_for_those_without_a_list(app: Any, session: Any) -> None:
    lead = make_user(
        session, email="dana@nhs.example", name="Dana", role="agency_lead", agency="health"
    )
    admin = make_user(session, email="kim@council.example", name="Kim", role="admin")
    session.commit()
    for person, url in ((lead, "/agency-requests"), (admin, "/admin")):
        client = sign_in(app.test_client(), person.id)
        assert parse_page(client.get(url).data).select_one(FIND) is None, person.name
