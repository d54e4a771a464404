"""Administrators see everyone with their roles, teams, agency and access; set the agency an
agency lead speaks for; and deactivate someone (signed out at once, everywhere) or reactivate
them. Roles are shown read only: they come from Entra ID."""

from __future__ import annotations

from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from advice_hub.models import Agency, StaffSession, User, utcnow
from tests.factories import casework_team, fresh, make_user
from tests.html import parse_page, text_of
from tests.journey import csrf_of, sign_in
from tests.web.conftest import audited
from tests.web.test_advice_counts import statements


def _row(page: bytes, user: User) -> list[str]:
    row = parse_page(page).select_one(f"#user-{user.id}")
    assert row is not None
    return [" ".join(cell.get_text(" ", strip=True).split()) for cell in row.select("th, td")]


def test_the_list_shows_roles_teams_agency_sign_in_and_access(
    as_admin: FlaskClient, session: Any, admin: User
) -> None:
    north, south = casework_team(session, "North team"), casework_team(session, "South team")
    mo = make_user(
        session,
        email="mo@council.example",
        name="Mo Manager",
        role="manager",
        roles=["case_officer", "manager"],
        teams=[north, south],
    )
    mo.tenant_id, mo.object_id = "tenant", "object-1"
    dana = make_user(
        session,
        email="dco@icb.example",
        name="Dana Lead",
        role="agency_lead",
        agency=Agency.HEALTH.value,
    )
    gone = make_user(session, email="gone@council.example", name="Gone", role="auditor")
    gone.deactivated_at = utcnow()
    session.commit()
    page = as_admin.get("/admin/users").data
    assert _row(page, mo) == [
        "Mo Manager mo@council.example",
        "Case officer Team manager",
        "North team and South team",
        "Entra ID",
        "Active",
    ]
    assert _row(page, dana)[1:4] == [
        "Agency lead",
        "speaks for health",
        "Not yet signed in with Entra ID",
    ]
    assert _row(page, gone)[-1] == "Deactivated"
    assert _row(page, admin)[1] == "Administrator"


def test_the_list_sends_as_many_statements_for_many_users_as_for_one(
    as_admin: FlaskClient, session: Any, svc: Any
) -> None:
    with statements(svc.engine) as few:
        assert as_admin.get("/admin/users").status_code == 200
    for n in range(6):
        team = casework_team(session, f"Team {n}")
        make_user(
            session, email=f"o{n}@council.example", name=f"O{n}", role="case_officer", teams=[team]
        )
    session.commit()
    with statements(svc.engine) as many:
        page = as_admin.get("/admin/users")
    assert len(parse_page(page.data).select("tbody tr")) == 7
    assert len(many) == len(few), many


def test_a_users_page_shows_roles_read_only_and_says_where_they_change(
    as_admin: FlaskClient, session: Any
) -> None:
    olu = make_user(session, email="olu@council.example", name="Olu", role="case_officer")
    session.commit()
    soup = parse_page(as_admin.get(f"/admin/users/{olu.id}").data)
    text = text_of(soup)
    assert soup.select_one("#roles").get_text(strip=True) == "Case officer"
    assert "change their app roles there" in text
    for app_role in ("CaseOfficer", "TeamManager", "AgencyLead", "Auditor", "Admin"):
        assert app_role in text
    # Nothing on the page changes a role: its only form control is none (not an agency lead).
    assert not soup.select("select, input[type=checkbox], input[type=radio]")


def test_an_agency_leads_agency_is_set_and_audited(
    app: Flask, as_admin: FlaskClient, session: Any
) -> None:
    dana = make_user(session, email="dco@icb.example", name="Dana", role="agency_lead")
    session.commit()
    page = as_admin.get(f"/admin/users/{dana.id}")
    response = as_admin.post(
        f"/admin/users/{dana.id}", data={"csrf_token": csrf_of(page.data), "agency": "health"}
    )
    assert response.status_code == 303
    shown = text_of(parse_page(as_admin.get(response.location).data))
    assert "Dana speaks for health and reads its requests" in shown
    fresh(session)
    assert session.get(User, dana.id).agency == "health"
    [event] = audited(session, "user.agency_set")
    assert event.detail == {"user": "dco@icb.example", "agency": "health"}
    # She now reads her agency's requests.
    assert sign_in(app.test_client(), dana.id).get("/agency-requests").status_code == 200


def test_an_agency_that_is_not_one_is_refused(as_admin: FlaskClient, session: Any) -> None:
    dana = make_user(session, email="dco@icb.example", name="Dana", role="agency_lead")
    session.commit()
    page = as_admin.get(f"/admin/users/{dana.id}")
    response = as_admin.post(
        f"/admin/users/{dana.id}", data={"csrf_token": csrf_of(page.data), "agency": "police"}
    )
    assert response.status_code == 400
    assert "Choose the agency they speak for" in text_of(parse_page(response.data))


def test_deactivating_ends_every_session_at_once_and_is_audited(
    app: Flask, as_admin: FlaskClient, session: Any, admin: User
) -> None:
    olu = make_user(session, email="olu@council.example", name="Olu", role="case_officer")
    session.commit()
    laptop = sign_in(app.test_client(), olu.id)
    phone = sign_in(app.test_client(), olu.id)
    assert laptop.get("/assessments").status_code == 200
    confirm = as_admin.get(f"/admin/users/{olu.id}/deactivate")
    assert "is signed out everywhere at once" in text_of(parse_page(confirm.data))
    response = as_admin.post(
        f"/admin/users/{olu.id}/deactivate", data={"csrf_token": csrf_of(confirm.data)}
    )
    assert response.status_code == 303
    fresh(session)
    assert session.get(User, olu.id).deactivated_at is not None
    live = session.scalars(
        select(StaffSession).where(StaffSession.user_id == olu.id, StaffSession.ended_at.is_(None))
    ).all()
    assert live == []
    [event] = audited(session, "user.deactivated")
    assert event.actor == f"user:{admin.id}" and event.detail == {"user": "olu@council.example"}
    for client in (laptop, phone):
        refused = client.get("/assessments")
        assert refused.status_code == 302 and "/sign-in" in refused.location
    # Nor can they sign in again by development sign-in: they are no longer offered.
    assert "Olu" not in text_of(parse_page(app.test_client().get("/sign-in").data))


def test_an_administrator_cannot_deactivate_themselves(
    as_admin: FlaskClient, session: Any, admin: User
) -> None:
    page = text_of(parse_page(as_admin.get(f"/admin/users/{admin.id}").data))
    assert "You cannot deactivate yourself" in page
    token = csrf_of(as_admin.get("/admin/users").data)
    response = as_admin.post(f"/admin/users/{admin.id}/deactivate", data={"csrf_token": token})
    assert response.status_code == 303
    followed = text_of(parse_page(as_admin.get(response.location).data))
    assert "You cannot deactivate yourself: ask another administrator" in followed
    fresh(session)
    assert session.get(User, admin.id).deactivated_at is None
    assert as_admin.get("/admin").status_code == 200


def test_reactivating_lets_them_sign_in_again(
    app: Flask, as_admin: FlaskClient, session: Any
) -> None:
    olu = make_user(session, email="olu@council.example", name="Olu", role="case_officer")
    olu.deactivated_at = utcnow()
    session.commit()
    page = as_admin.get(f"/admin/users/{olu.id}")
    assert "cannot sign in" in text_of(parse_page(page.data))
    response = as_admin.post(
        f"/admin/users/{olu.id}/reactivate", data={"csrf_token": csrf_of(page.data)}
    )
    assert response.status_code == 303
    assert "Olu can sign in again" in text_of(parse_page(as_admin.get(response.location).data))
    fresh(session)
    assert session.get(User, olu.id).deactivated_at is None
    assert len(audited(session, "user.reactivated")) == 1
    assert sign_in(app.test_client(), olu.id).get("/assessments").status_code == 200


def test_deactivating_or_reactivating_without_the_security_token_changes_nothing(
    as_admin: FlaskClient, session: Any
) -> None:
    olu = make_user(session, email="olu@council.example", name="Olu", role="case_officer")
    gone = make_user(session, email="gone@council.example", name="Gone", role="case_officer")
    gone.deactivated_at = utcnow()
    session.commit()
    assert as_admin.post(f"/admin/users/{olu.id}/deactivate").status_code == 400
    assert as_admin.post(f"/admin/users/{gone.id}/reactivate").status_code == 400
    assert as_admin.post(f"/admin/users/{olu.id}", data={"agency": "health"}).status_code == 400
    fresh(session)
    assert session.get(User, olu.id).deactivated_at is None
    assert session.get(User, gone.id).deactivated_at is not None
