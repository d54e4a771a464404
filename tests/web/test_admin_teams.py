"""Administrators list teams with their counts, add a team, add a member and remove one (with
a warning when the member holds open cases in the team); every change is audited."""

from __future__ import annotations

from typing import Any

from flask.testing import FlaskClient
from sqlalchemy import select

from advice_hub.assessments.assessment_actions import close_assessment
from advice_hub.models import ClosureReason, Team, TeamMembership, User, utcnow
from tests.factories import casework_team, fresh, make_assessment, make_user
from tests.html import parse_page, text_of
from tests.journey import csrf_of
from tests.web.conftest import audited
from tests.web.test_advice_counts import statements


def _rows(page: bytes) -> list[list[str]]:
    soup = parse_page(page)
    return [
        [cell.get_text(" ", strip=True) for cell in row.select("th, td")]
        for row in soup.select("tbody tr")
    ]


def test_the_teams_list_counts_members_and_open_assessments(
    as_admin: FlaskClient, session: Any
) -> None:
    north, south = casework_team(session, "North team"), casework_team(session, "South team")
    officer = make_user(
        session, email="o@council.example", name="Olu", role="case_officer", teams=[north]
    )
    make_user(session, email="m@council.example", name="Mo", role="manager", teams=[north, south])
    make_assessment(session, team=north, case_officer=officer)
    make_assessment(session, agreed=True, team=north)
    closed = make_assessment(session, agreed=True, team=north)
    close_assessment(session, closed, reason=ClosureReason.MOVED_AWAY, now=utcnow(), actor="t")
    session.commit()
    response = as_admin.get("/admin/teams")
    assert response.status_code == 200
    assert _rows(response.data) == [["North team", "2", "2"], ["South team", "1", "0"]]


def test_the_teams_list_sends_as_many_statements_for_many_teams_as_for_one(
    as_admin: FlaskClient, session: Any, svc: Any
) -> None:
    team = casework_team(session, "Team 0")
    make_assessment(session, team=team)
    session.commit()
    with statements(svc.engine) as few:
        assert as_admin.get("/admin/teams").status_code == 200
    for n in range(1, 6):
        team = casework_team(session, f"Team {n}")
        make_user(
            session, email=f"o{n}@council.example", name=f"O{n}", role="case_officer", teams=[team]
        )
        make_assessment(session, team=team)
    session.commit()
    with statements(svc.engine) as many:
        page = as_admin.get("/admin/teams")
    assert len(_rows(page.data)) == 6
    assert len(many) == len(few), many


def test_an_administrator_adds_a_team_and_lands_on_its_page(
    as_admin: FlaskClient, session: Any, admin: User
) -> None:
    form = as_admin.get("/admin/teams/new")
    assert form.status_code == 200
    response = as_admin.post(
        "/admin/teams/new", data={"csrf_token": csrf_of(form.data), "name": "  East   team "}
    )
    assert response.status_code == 303
    team = session.scalar(select(Team).where(Team.name == "East team"))
    assert response.location == f"/admin/teams/{team.id}"
    page = text_of(parse_page(as_admin.get(response.location).data))
    assert "Added the team East team" in page
    assert "Nobody is in this team yet" in page
    [event] = audited(session, "team.created")
    assert event.actor == f"user:{admin.id}" and event.detail["team"] == "East team"


def test_a_team_name_already_taken_or_missing_is_refused_on_the_page(
    as_admin: FlaskClient, session: Any
) -> None:
    casework_team(session, "North team")
    session.commit()
    token = csrf_of(as_admin.get("/admin/teams/new").data)
    taken = as_admin.post("/admin/teams/new", data={"csrf_token": token, "name": "north TEAM"})
    assert taken.status_code == 400
    assert "There is already a team called north TEAM" in text_of(parse_page(taken.data))
    blank = as_admin.post("/admin/teams/new", data={"csrf_token": token, "name": " "})
    assert blank.status_code == 400
    assert "Enter the team's name" in text_of(parse_page(blank.data))
    fresh(session)
    assert session.scalar(select(Team.name).where(Team.name != "North team")) is None


def test_the_team_page_lists_members_and_offers_only_active_caseworkers_not_in_it(
    as_admin: FlaskClient, session: Any
) -> None:
    north, south = casework_team(session, "North team"), casework_team(session, "South team")
    make_user(
        session,
        email="olu@council.example",
        name="Olu Officer",
        role="case_officer",
        roles=["case_officer", "auditor"],
        teams=[north],
    )
    make_user(
        session, email="casey@council.example", name="Casey", role="case_officer", teams=[south]
    )
    make_user(session, email="mo@council.example", name="Mo Manager", role="manager", teams=[])
    make_user(session, email="ari@council.example", name="Ari Auditor", role="auditor")
    gone = make_user(
        session, email="gone@council.example", name="Gone", role="case_officer", teams=[]
    )
    gone.deactivated_at = utcnow()
    session.commit()
    soup = parse_page(as_admin.get(f"/admin/teams/{north.id}").data)
    assert [row[:3] for row in _rows(str(soup).encode())] == [
        ["Olu Officer", "olu@council.example", "Case officer and Auditor"]
    ]
    offered = [option.get_text(strip=True) for option in soup.select("select option")]
    assert offered == ["Casey (casey@council.example)", "Mo Manager (mo@council.example)"]


def test_adding_a_member_lets_them_see_the_team_and_is_audited(
    as_admin: FlaskClient, session: Any
) -> None:
    team = casework_team(session, "North team")
    mo = make_user(session, email="mo@council.example", name="Mo Manager", role="manager", teams=[])
    session.commit()
    page = as_admin.get(f"/admin/teams/{team.id}")
    response = as_admin.post(
        f"/admin/teams/{team.id}", data={"csrf_token": csrf_of(page.data), "user": str(mo.id)}
    )
    assert response.status_code == 303
    assert "Mo Manager is now in North team" in text_of(
        parse_page(as_admin.get(response.location).data)
    )
    fresh(session)
    assert session.get(TeamMembership, (team.id, mo.id)) is not None
    [event] = audited(session, "team.member_added")
    assert event.detail == {"team": "North team", "user": "mo@council.example"}


def test_someone_not_offered_cannot_be_added_by_posting_their_id(
    as_admin: FlaskClient, session: Any
) -> None:
    team = casework_team(session, "North team")
    make_user(session, email="mo@council.example", name="Mo", role="manager", teams=[])
    auditor = make_user(session, email="ari@council.example", name="Ari", role="auditor")
    session.commit()
    page = as_admin.get(f"/admin/teams/{team.id}")
    response = as_admin.post(
        f"/admin/teams/{team.id}",
        data={"csrf_token": csrf_of(page.data), "user": str(auditor.id)},
    )
    assert response.status_code == 400
    assert "Choose who should join the team" in text_of(parse_page(response.data))
    fresh(session)
    assert session.get(TeamMembership, (team.id, auditor.id)) is None


def test_removing_a_member_warns_of_the_open_cases_they_hold_and_still_removes_them(
    as_admin: FlaskClient, session: Any
) -> None:
    team = casework_team(session, "North team")
    olu = make_user(
        session, email="olu@council.example", name="Olu", role="case_officer", teams=[team]
    )
    make_assessment(session, team=team, case_officer=olu)
    make_assessment(session, agreed=True, team=team, case_officer=olu)
    session.commit()
    url = f"/admin/teams/{team.id}/members/{olu.id}/remove"
    confirm = as_admin.get(url)
    text = text_of(parse_page(confirm.data))
    assert "Olu is the named case officer of 2 open assessments in North team" in text
    response = as_admin.post(url, data={"csrf_token": csrf_of(confirm.data)})
    assert response.status_code == 303
    assert response.location == f"/admin/teams/{team.id}"
    fresh(session)
    assert session.get(TeamMembership, (team.id, olu.id)) is None
    [event] = audited(session, "team.member_removed")
    assert event.detail == {"team": "North team", "user": "olu@council.example"}


def test_removing_a_member_without_open_cases_gives_no_warning(
    as_admin: FlaskClient, session: Any
) -> None:
    team = casework_team(session, "North team")
    olu = make_user(
        session, email="olu@council.example", name="Olu", role="case_officer", teams=[team]
    )
    session.commit()
    confirm = parse_page(as_admin.get(f"/admin/teams/{team.id}/members/{olu.id}/remove").data)
    assert not confirm.select(".govuk-warning-text")


def test_a_post_without_its_security_token_changes_nothing(
    as_admin: FlaskClient, session: Any
) -> None:
    team = casework_team(session, "North team")
    olu = make_user(
        session, email="olu@council.example", name="Olu", role="case_officer", teams=[team]
    )
    session.commit()
    for url, data in (
        ("/admin/teams/new", {"name": "East team"}),
        (f"/admin/teams/{team.id}/members/{olu.id}/remove", {}),
    ):
        response = as_admin.post(url, data=data)
        assert response.status_code == 400
        assert "Your page expired" in text_of(parse_page(response.data))
    fresh(session)
    assert session.scalar(select(Team).where(Team.name == "East team")) is None
    assert session.get(TeamMembership, (team.id, olu.id)) is not None


def test_a_team_that_does_not_exist_is_a_404(as_admin: FlaskClient) -> None:
    assert as_admin.get("/admin/teams/4040").status_code == 404
