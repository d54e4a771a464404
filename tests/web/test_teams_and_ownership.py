"""Assessments belong to a team and have a named case officer: recording one for a team,
giving it to someone else with a reason, and what each role's lists show."""

from __future__ import annotations

from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from advice_hub.assessments.assessment_actions import close_assessment
from advice_hub.models import (
    Agency,
    Assessment,
    AuditEvent,
    ClosureReason,
    RequestStatus,
    User,
    utcnow,
)
from advice_hub.requests.seal import seal_submission
from tests.factories import (
    casework_team,
    first_text_key,
    fresh,
    make_assessment,
    make_user,
    request_for,
)
from tests.html import parse_page, text_of
from tests.journey import csrf_of, sign_in
from tests.statements import statements
from tests.web.test_officer_pages import new_assessment_data

NOW = utcnow()


def page_text(client: FlaskClient, url: str) -> str:
    return text_of(parse_page(client.get(url).data))


# --- Recording an assessment for a team ------------------------------------------------------


def test_an_officer_in_one_team_records_for_it_without_being_asked(
    signed_in: FlaskClient, session: Any, officer: User
) -> None:
    page = signed_in.get("/assessments/new")
    soup = parse_page(page.data)
    assert soup.select_one("select[name=team]") is None
    assert "For Casework team, with you as the case officer" in text_of(soup)
    response = signed_in.post("/assessments/new", data=new_assessment_data(page.data))
    assert response.status_code == 302
    assessment = fresh(session).scalars(select(Assessment)).one()
    assert (assessment.team.name, assessment.case_officer_id) == ("Casework team", officer.id)
    created = session.scalars(
        select(AuditEvent).where(AuditEvent.action == "assessment.created")
    ).one()
    assert created.detail == {"team": "Casework team", "case_officer": officer.email}


def test_an_officer_in_two_teams_chooses_and_cannot_choose_a_team_they_are_not_in(
    client: FlaskClient, session: Any
) -> None:
    north, south, east = (casework_team(session, f"{n} team") for n in ("North", "South", "East"))
    officer = make_user(
        session,
        email="two@council.example",
        name="Two Teams",
        role="case_officer",
        teams=[north, south],
    )
    session.commit()
    sign_in(client, officer.id)
    page = client.get("/assessments/new")
    options = [o.get_text() for o in parse_page(page.data).select("select[name=team] option")]
    assert options == ["North team", "South team"]

    refused = client.post(
        "/assessments/new", data=new_assessment_data(page.data) | {"team": str(east.id)}
    )
    assert refused.status_code == 400
    links = {
        a["href"]: a.get_text(strip=True)
        for a in parse_page(refused.data).select(".govuk-error-summary a")
    }
    assert links["#team"] == "Choose the team the assessment is for"
    assert fresh(session).scalars(select(Assessment)).all() == []

    chosen = client.post(
        "/assessments/new", data=new_assessment_data(page.data) | {"team": str(south.id)}
    )
    assert chosen.status_code == 302
    assert fresh(session).scalars(select(Assessment)).one().team_id == south.id


def test_someone_in_no_team_is_told_to_ask_for_one(client: FlaskClient, session: Any) -> None:
    loner = make_user(
        session, email="new@council.example", name="New Starter", role="case_officer", teams=[]
    )
    session.commit()
    sign_in(client, loner.id)
    assert "You are not in a team yet" in page_text(client, "/assessments/new")
    listing = page_text(client, "/assessments")
    assert "You are not in a team yet" in listing
    assert "Record a new assessment" not in listing


# --- Giving an assessment to someone else ----------------------------------------------------


def _assign_page(client: FlaskClient, assessment: Assessment) -> Any:
    return client.get(f"/assessments/{assessment.id}/assign")


def test_an_officer_gives_the_assessment_to_a_colleague_with_a_reason_and_it_is_audited(
    signed_in: FlaskClient, session: Any, officer: User
) -> None:
    colleague = make_user(
        session, email="casey@council.example", name="Casey Morgan", role="case_officer"
    )
    outsider = make_user(
        session,
        email="out@council.example",
        name="Other Team Officer",
        role="case_officer",
        teams=[casework_team(session, "Other team")],
    )
    assessment = make_assessment(session, agreed=True, case_officer=officer)
    session.commit()
    shown = parse_page(signed_in.get(f"/assessments/{assessment.id}").data)
    (change,) = shown.select(f"a[href='/assessments/{assessment.id}/assign']")
    assert change.get_text(" ", strip=True) == "Change case officer"
    assert "Olu Adeyemi, Casework team" in text_of(shown)

    page = _assign_page(signed_in, assessment)
    labels = [
        lab.get_text(strip=True) for lab in parse_page(page.data).select(".govuk-radios__label")
    ]
    assert labels == ["Casey Morgan", "Olu Adeyemi"]  # one team: no team names; no outsider
    no_reason = signed_in.post(
        f"/assessments/{assessment.id}/assign",
        data={
            "officer": f"{assessment.team_id}:{colleague.id}",
            "reason": " ",
            "csrf_token": csrf_of(page.data),
        },
    )
    assert no_reason.status_code == 400
    assert "Enter why the assessment is moving" in text_of(parse_page(no_reason.data))
    not_offered = signed_in.post(
        f"/assessments/{assessment.id}/assign",
        data={
            "officer": f"{outsider.teams[0].id}:{outsider.id}",
            "reason": "Try",
            "csrf_token": csrf_of(page.data),
        },
    )
    assert not_offered.status_code == 400
    assert "Choose the new case officer" in text_of(parse_page(not_offered.data))
    assert fresh(session).get(Assessment, assessment.id).case_officer_id == officer.id

    moved = signed_in.post(
        f"/assessments/{assessment.id}/assign",
        data={
            "officer": f"{assessment.team_id}:{colleague.id}",
            "reason": "Olu is on leave until March",
            "csrf_token": csrf_of(page.data),
        },
    )
    assert moved.status_code == 303
    after = page_text(signed_in, f"/assessments/{assessment.id}")
    assert "Casey Morgan in Casework team is now the case officer" in after
    assert "Given to Casey Morgan: Olu is on leave until March" in after  # the timeline
    assert fresh(session).get(Assessment, assessment.id).case_officer_id == colleague.id
    event = session.scalars(
        select(AuditEvent).where(AuditEvent.action == "assessment.assigned")
    ).one()
    assert event.actor == f"user:{officer.id}"
    assert event.detail == {
        "from_team": "Casework team",
        "to_team": "Casework team",
        "from_officer": "Olu Adeyemi",
        "to_officer": "Casey Morgan",
        "reason": "Olu is on leave until March",
    }


def test_a_manager_moves_an_assessment_to_another_of_their_teams_and_its_officer_loses_it(
    app: Flask, session: Any
) -> None:
    north, south = casework_team(session, "North team"), casework_team(session, "South team")
    olu = make_user(session, email="olu@c.example", name="Olu", role="case_officer", teams=[north])
    sam = make_user(session, email="sam@c.example", name="Sam", role="case_officer", teams=[south])
    manager = make_user(
        session, email="mandy@c.example", name="Mandy", role="manager", teams=[north, south]
    )
    assessment = make_assessment(session, agreed=True, team=north, case_officer=olu)
    session.commit()
    managing = sign_in(app.test_client(), manager.id)
    page = _assign_page(managing, assessment)
    labels = [
        lab.get_text(strip=True) for lab in parse_page(page.data).select(".govuk-radios__label")
    ]
    assert labels == [
        "Mandy (North team)",
        "Olu (North team)",
        "Mandy (South team)",
        "Sam (South team)",
    ]
    moved = managing.post(
        f"/assessments/{assessment.id}/assign",
        data={
            "officer": f"{south.id}:{sam.id}",
            "reason": "The family moved south",
            "csrf_token": csrf_of(page.data),
        },
    )
    assert moved.status_code == 303
    assert "Given to Sam in South team: The family moved south" in page_text(
        managing, f"/assessments/{assessment.id}"
    )
    olus = sign_in(app.test_client(), olu.id)
    assert olus.get(f"/assessments/{assessment.id}").status_code == 403
    assert assessment.reference not in page_text(olus, "/assessments")
    sams = sign_in(app.test_client(), sam.id)
    assert sams.get(f"/assessments/{assessment.id}").status_code == 200


def test_a_closed_assessment_cannot_be_given_to_anyone(
    signed_in: FlaskClient, session: Any, officer: User
) -> None:
    assessment = make_assessment(session, agreed=True, case_officer=officer)
    close_assessment(session, assessment, reason=ClosureReason.MOVED_AWAY, now=NOW, actor="t")
    session.commit()
    page = parse_page(signed_in.get(f"/assessments/{assessment.id}").data)
    assert page.find("a", href=f"/assessments/{assessment.id}/assign") is None
    response = _assign_page(signed_in, assessment)
    assert response.status_code == 303
    assert "closed" in page_text(signed_in, response.headers["Location"])


def test_a_lapsed_security_token_keeps_the_reason_typed_and_changes_nothing(
    signed_in: FlaskClient, session: Any, officer: User
) -> None:
    colleague = make_user(session, email="c@council.example", name="Casey", role="case_officer")
    assessment = make_assessment(session, agreed=True, case_officer=officer)
    session.commit()
    response = signed_in.post(
        f"/assessments/{assessment.id}/assign",
        data={
            "officer": f"{assessment.team_id}:{colleague.id}",
            "reason": "Caseload",
            "csrf_token": "lapsed",
        },
    )
    assert response.status_code == 400
    soup = parse_page(response.data)
    assert soup.find("textarea", attrs={"name": "reason"}).get_text() == "Caseload"
    assert fresh(session).get(Assessment, assessment.id).case_officer_id == officer.id


# --- Seeing: the page is audited, lists show what the role reaches ---------------------------


def test_opening_an_assessment_is_audited_and_kept_off_its_timeline(
    signed_in: FlaskClient, session: Any, officer: User
) -> None:
    assessment = make_assessment(session, agreed=True, case_officer=officer)
    session.commit()
    page = page_text(signed_in, f"/assessments/{assessment.id}")
    signed_in.get(f"/assessments/{assessment.id}")
    viewed = (
        fresh(session)
        .scalars(select(AuditEvent).where(AuditEvent.action == "assessment.viewed"))
        .all()
    )
    assert [(e.actor, e.assessment_id) for e in viewed] == [
        (f"user:{officer.id}", assessment.id)
    ] * 2
    assert "viewed" not in page.lower()


def test_an_auditor_lists_every_team_and_is_sent_to_the_advice_not_the_casework(
    app: Flask, session: Any
) -> None:
    ours = make_assessment(session, agreed=True)
    theirs = make_assessment(session, agreed=True, team=casework_team(session, "Other team"))
    auditor = make_user(session, email="qa@council.example", name="Ari", role="auditor")
    session.commit()
    client = sign_in(app.test_client(), auditor.id)
    soup = parse_page(client.get("/assessments").data)
    links = {a.get_text(strip=True): a["href"] for a in soup.select("table tbody a")}
    assert links == {
        ours.reference: f"/assessments/{ours.id}/appendix",
        theirs.reference: f"/assessments/{theirs.id}/appendix",
    }
    assert "Record a new assessment" not in text_of(soup)
    assert client.get(f"/assessments/{theirs.id}").status_code == 403
    assert client.get(f"/assessments/{theirs.id}/appendix").status_code == 200


def _health_requests(session: Any, n: int, team_name: str) -> None:
    team = casework_team(session, team_name)
    for i in range(n):
        assessment = make_assessment(
            session, agreed=True, team=team, given_names=f"Child{team_name[:1]}{i}"
        )
        session.flush()
        for advice_request in assessment.advice_requests:
            advice_request.status = RequestStatus.SENT
            advice_request.received_at = NOW
        if i == 0:  # each team's first health advice is in
            health = request_for(assessment, Agency.HEALTH)
            seal_submission(
                session,
                health,
                answers={first_text_key(health): "Health advice."},
                declaration={"name": "Dr Jones", "role": "Paediatrician"},
                now=NOW,
                actor="test",
            )
    session.commit()


def test_an_agency_lead_sees_their_agencys_requests_in_every_team_at_a_fixed_cost(
    app: Flask, session: Any, svc: Any
) -> None:
    lead = make_user(
        session,
        email="dco@icb.example",
        name="Dana",
        role="agency_lead",
        agency=Agency.HEALTH.value,
    )
    session.commit()
    client = sign_in(app.test_client(), lead.id)

    def with_officers() -> None:  # each assessment its own officer, as the page names them
        for n, assessment in enumerate(session.scalars(select(Assessment)).all()):
            if assessment.case_officer is None:
                assessment.case_officer = make_user(
                    session,
                    email=f"officer{n}@council.example",
                    name=f"Officer {n}",
                    role="case_officer",
                    teams=[assessment.team],
                )
        session.commit()

    _health_requests(session, 1, "North team")
    with_officers()
    with statements(svc.engine) as few:
        page = page_text(client, "/agency-requests")
    assert "Every request for health advice across the council's teams" in page
    _health_requests(session, 4, "South team")
    with_officers()
    with statements(svc.engine) as many:
        page = page_text(client, "/agency-requests")
    assert len(many) == len(few), many
    # Three open health requests, and the two sealed (one in each team).
    assert page.count("Health Contributor 3") == 5
    assert page.count("advice from Health Contributor 3") == 2
    assert "Education Contributor" not in page
    assert "advice from Health Contributor 3" in page


def test_an_agency_lead_without_an_agency_is_told_to_ask_for_one(app: Flask, session: Any) -> None:
    lead = make_user(session, email="lead@icb.example", name="Lee", role="agency_lead")
    session.commit()
    client = sign_in(app.test_client(), lead.id)
    assert "Ask your council's advice_hub administrator to record your agency" in page_text(
        client, "/agency-requests"
    )
