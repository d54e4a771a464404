"""Administrators name each agency's lead (who hears of badly overdue advice) and sign-off
reviewer, replace them and remove them, validated as the commands validate them."""

from __future__ import annotations

from typing import Any

from flask.testing import FlaskClient
from sqlalchemy import select

from advice_hub.models import AgencyLead, SignOffReviewer
from tests.factories import fresh
from tests.html import parse_page, text_of
from tests.journey import csrf_of
from tests.web.conftest import audited


def _agency_row(page: bytes, agency: str) -> str:
    row = parse_page(page).select_one(f"#{agency}")
    assert row is not None
    return " ".join(row.get_text(" ", strip=True).split())


def test_the_leads_page_lists_every_agency_with_its_lead_or_none(
    as_admin: FlaskClient, session: Any
) -> None:
    session.add(AgencyLead(agency="health", name="Dr Dana", email="dco@icb.example", title="DCO"))
    session.commit()
    page = as_admin.get("/admin/agency-leads").data
    assert _agency_row(page, "health") == "Health Dr Dana dco@icb.example DCO Change for health"
    assert _agency_row(page, "social_care") == (
        "Social care None: escalations go to the SEND team Name one for social care"
    )
    assert len(parse_page(page).select("tbody tr")) == 8


def test_a_lead_is_named_then_replaced_and_each_change_is_audited(
    as_admin: FlaskClient, session: Any
) -> None:
    form = as_admin.get("/admin/agency-leads/health")
    # The chase policy's title for the agency is offered to start with.
    assert (
        parse_page(form.data).select_one("#title")["value"] == "designated clinical officer (DCO)"
    )
    data = {
        "csrf_token": csrf_of(form.data),
        "name": "Dr Dana Okafor",
        "email": "DCO@ICB.example",
        "title": "designated clinical officer (DCO)",
    }
    response = as_admin.post("/admin/agency-leads/health", data=data)
    assert response.status_code == 303
    assert response.location == "/admin/agency-leads"
    assert "Health escalations now go to Dr Dana Okafor" in text_of(
        parse_page(as_admin.get(response.location).data)
    )
    again = as_admin.post(
        "/admin/agency-leads/health", data=data | {"name": "Sam New", "email": "sam@icb.example"}
    )
    assert again.status_code == 303
    fresh(session)
    [lead] = session.scalars(select(AgencyLead)).all()
    assert (lead.agency, lead.name, lead.email) == ("health", "Sam New", "sam@icb.example")
    assert [e.detail["lead"] for e in audited(session, "lead.set")] == [
        "dco@icb.example",
        "sam@icb.example",
    ]


def test_a_lead_with_a_bad_email_or_no_name_is_refused(as_admin: FlaskClient, session: Any) -> None:
    token = csrf_of(as_admin.get("/admin/agency-leads/health").data)
    response = as_admin.post(
        "/admin/agency-leads/health",
        data={"csrf_token": token, "name": "", "email": "not an address", "title": "DCO"},
    )
    assert response.status_code == 400
    text = text_of(parse_page(response.data))
    assert "Enter their name" in text
    assert "Enter an email address in the correct format" in text
    fresh(session)
    assert session.scalar(select(AgencyLead)) is None


def test_a_lead_is_removed_after_confirming(as_admin: FlaskClient, session: Any) -> None:
    session.add(AgencyLead(agency="health", name="Dr Dana", email="dco@icb.example", title="DCO"))
    session.commit()
    confirm = as_admin.get("/admin/agency-leads/health/remove")
    assert "Escalations go to the SEND team's mailbox" in text_of(parse_page(confirm.data))
    response = as_admin.post(
        "/admin/agency-leads/health/remove", data={"csrf_token": csrf_of(confirm.data)}
    )
    assert response.status_code == 303
    fresh(session)
    assert session.scalar(select(AgencyLead)) is None
    assert audited(session, "lead.cleared")[0].detail == {"agency": "health"}


def test_an_agency_that_is_not_one_is_a_404(as_admin: FlaskClient) -> None:
    assert as_admin.get("/admin/agency-leads/police").status_code == 404
    assert as_admin.get("/admin/sign-off-reviewers/police").status_code == 404


def test_a_reviewer_is_named_replaced_and_removed(as_admin: FlaskClient, session: Any) -> None:
    page = as_admin.get("/admin/sign-off-reviewers").data
    assert "None: sealed when submitted" in _agency_row(page, "educational_psychology")
    form = as_admin.get("/admin/sign-off-reviewers/educational_psychology")
    data = {
        "csrf_token": csrf_of(form.data),
        "name": "Dr Ruth Evans",
        "email": "ruth@ep.example",
        "title": "Principal educational psychologist",
    }
    url = "/admin/sign-off-reviewers/educational_psychology"
    response = as_admin.post(url, data=data)
    assert response.status_code == 303
    listed = as_admin.get(response.location).data
    assert "Educational psychology advice now needs sign-off by Dr Ruth Evans" in text_of(
        parse_page(listed)
    )
    assert "Dr Ruth Evans ruth@ep.example Principal educational psychologist" in _agency_row(
        listed, "educational_psychology"
    )
    as_admin.post(url, data=data | {"name": "Dr Lee Senior"})
    fresh(session)
    [reviewer] = session.scalars(select(SignOffReviewer)).all()
    assert reviewer.name == "Dr Lee Senior"
    assert len(audited(session, "sign_off.reviewer_set")) == 2
    confirm = as_admin.get(f"{url}/remove")
    response = as_admin.post(f"{url}/remove", data={"csrf_token": csrf_of(confirm.data)})
    assert response.status_code == 303
    fresh(session)
    assert session.scalar(select(SignOffReviewer)) is None
    assert len(audited(session, "sign_off.reviewer_cleared")) == 1


def test_removing_a_reviewer_that_is_not_there_says_so(as_admin: FlaskClient) -> None:
    response = as_admin.get("/admin/sign-off-reviewers/health/remove")
    assert response.status_code == 303
    followed = text_of(parse_page(as_admin.get(response.location).data))
    assert "Health advice does not need sign-off" in followed


def test_posts_without_the_security_token_change_nothing(
    as_admin: FlaskClient, session: Any
) -> None:
    data = {"name": "X", "email": "x@example.org", "title": "Y"}
    assert as_admin.post("/admin/agency-leads/health", data=data).status_code == 400
    assert as_admin.post("/admin/sign-off-reviewers/health", data=data).status_code == 400
    fresh(session)
    assert session.scalar(select(AgencyLead)) is None
    assert session.scalar(select(SignOffReviewer)) is None
