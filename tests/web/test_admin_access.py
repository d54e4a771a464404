"""Only administrators open the administration pages: every other role gets the 403 page and
no session goes to sign-in, whatever the page. Administrators start there, see it in the
navigation, and read no child's details or advice there (nor anywhere, without a case role)."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.routing import Rule

from advice_hub.models import Agency, User
from advice_hub.web.authorization import ADMINISTRATION_PAGES, POLICY
from tests.factories import casework_team, make_assessment, make_user
from tests.html import parse_page, text_of
from tests.journey import csrf_of, sign_in

ROLES = ("case_officer", "manager", "agency_lead", "auditor")
VALUES = {
    "team_id": 1,
    "user_id": 1,
    "key_id": 1,
    "agency": "health",
    "service_id": 1,
    "lead_id": 1,
}


def _admin_rules(app: Flask) -> list[Rule]:
    return sorted(
        (rule for rule in app.url_map.iter_rules() if rule.endpoint.startswith("admin.")),
        key=lambda rule: rule.rule,
    )


def test_every_administration_page_admits_administrators_alone(app: Flask) -> None:
    rules = _admin_rules(app)
    assert {rule.endpoint for rule in rules} == ADMINISTRATION_PAGES
    assert len(rules) == 27
    for rule in rules:
        assert set(POLICY[rule.endpoint].grants) == {"admin"}, rule.endpoint
        assert rule.rule.startswith("/admin")


@pytest.mark.parametrize("role", ROLES)
def test_every_other_role_is_refused_every_administration_page(
    app: Flask, session: Any, role: str
) -> None:
    user = make_user(
        session,
        email=f"{role}@council.example",
        name=f"Someone {role}",
        role=role,
        agency=Agency.HEALTH.value if role == "agency_lead" else None,
    )
    session.commit()
    client = sign_in(app.test_client(), user.id)
    token = csrf_of(client.get("/templates").data)
    for rule in _admin_rules(app):
        url = rule.build(VALUES, append_unknown=False)[1]
        for method in sorted((rule.methods or set()) & {"GET", "POST"}):
            if method == "GET":
                response = client.get(url)
            else:
                response = client.post(url, data={"csrf_token": token})
            assert response.status_code == 403, f"{method} {url} as {role}"
            assert "You cannot open this page" in text_of(parse_page(response.data))
    # Nothing changed: they are still who they were.
    session.expire_all()
    assert session.get(User, user.id).deactivated_at is None


def test_no_session_is_sent_to_sign_in_from_every_administration_page(app: Flask) -> None:
    client = app.test_client()
    for rule in _admin_rules(app):
        url = rule.build(VALUES, append_unknown=False)[1]
        if "GET" in (rule.methods or ()):
            response = client.get(url)
            assert response.status_code == 302, url
            assert response.location.startswith("/sign-in?next=")


def test_an_administrator_starts_at_administration_and_finds_it_in_the_navigation(
    as_admin: FlaskClient,
) -> None:
    home = as_admin.get("/")
    assert home.status_code == 302 and home.location == "/admin"
    soup = parse_page(as_admin.get("/admin").data)
    navigation = [a.get_text(strip=True) for a in soup.select(".govuk-service-navigation__link")]
    assert "Administration" in navigation
    assert "Assessments" not in navigation
    links = {a.get_text(strip=True) for a in soup.select("main a")}
    assert {"Teams", "Users", "Agency leads", "Sign-off reviewers", "API keys"} <= links


def test_the_home_page_counts_what_each_page_holds(as_admin: FlaskClient, session: Any) -> None:
    team = casework_team(session, "North team")
    make_user(session, email="o@council.example", name="O", role="case_officer", teams=[team])
    session.commit()
    soup = parse_page(as_admin.get("/admin").data)
    assert soup.select_one("#count-teams").get_text(strip=True) == "1 team"
    assert soup.select_one("#count-users").get_text(strip=True) == "2 active users"
    assert soup.select_one("#count-keys").get_text(strip=True) == "0 keys in use"


def test_a_case_officer_does_not_see_administration_in_the_navigation(
    signed_in: FlaskClient,
) -> None:
    soup = parse_page(signed_in.get("/assessments").data)
    navigation = [a.get_text(strip=True) for a in soup.select(".govuk-service-navigation__link")]
    assert "Administration" not in navigation


def test_administration_pages_show_no_child_and_an_administrator_opens_no_assessment(
    as_admin: FlaskClient, session: Any
) -> None:
    team = casework_team(session, "North team")
    officer = make_user(
        session, email="o@council.example", name="Olu", role="case_officer", teams=[team]
    )
    assessment = make_assessment(
        session, agreed=True, team=team, case_officer=officer, family_name="Confidential-Family"
    )
    session.commit()
    for url in ("/admin", "/admin/teams", f"/admin/teams/{team.id}", "/admin/users"):
        page = as_admin.get(url).get_data(as_text=True)
        assert "Confidential-Family" not in page and assessment.reference not in page, url
    assert as_admin.get(f"/assessments/{assessment.id}").status_code == 403
    assert as_admin.get("/assessments").status_code == 403


def test_signing_in_without_a_next_page_lands_an_administrator_on_administration(
    app: Flask, admin: User
) -> None:
    client = app.test_client()
    page = client.get("/sign-in")
    response = client.post("/sign-in", data={"user": admin.id, "csrf_token": csrf_of(page.data)})
    assert response.location == "/"
    assert client.get("/").location == "/admin"
