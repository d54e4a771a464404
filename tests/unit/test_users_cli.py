"""`advice-hub users` and `advice-hub teams`: a fresh deployment gets its first administrator
and team from the command line; mistakes are named and exit non-zero; changes are audited as
the command's ("cli")."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select

from advice_hub.cli import main
from advice_hub.models import AgencyLead, AuditEvent, StaffSession, Team, User
from tests.conftest import services
from tests.factories import fresh, make_user
from tests.journey import sign_in


def run(app: Flask, *args: str) -> Any:
    return app.test_cli_runner().invoke(main, list(args))


def _events(session: Any) -> list[tuple[str, str]]:
    fresh(session)
    return [
        (e.actor, e.action) for e in session.scalars(select(AuditEvent).order_by(AuditEvent.id))
    ]


def test_a_fresh_deployment_gets_its_first_team_and_administrator(any_db_app: Flask) -> None:
    added = run(any_db_app, "teams", "add", "North casework team")
    assert added.exit_code == 0, added.output
    assert added.output == "Added the team North casework team\n"
    admin = run(
        any_db_app,
        "users",
        "add",
        "Kim.Lee@Council.example",
        "--name",
        "Kim Lee",
        "--role",
        "Admin",
    )
    assert admin.exit_code == 0, admin.output
    assert admin.output == "Added Kim Lee <kim.lee@council.example> (administrator)\n"
    officer = run(
        any_db_app,
        "users",
        "add",
        "olu@council.example",
        "--name",
        "Olu Adeyemi",
        "--role",
        "case_officer",
        "--role",
        "manager",
        "--team",
        "north casework team",
    )
    assert officer.exit_code == 0, officer.output
    listed = run(any_db_app, "users", "list")
    assert listed.exit_code == 0
    assert listed.output.splitlines() == [
        "kim.lee@council.example  Kim Lee  (admin; not signed in with Entra ID)",
        "olu@council.example  Olu Adeyemi  (case_officer, manager; teams: North casework team; "
        "not signed in with Entra ID)",
    ]
    teams = run(any_db_app, "teams", "list")
    assert teams.output == "North casework team: 1 member, 0 open assessments\n"
    with services(any_db_app).session_factory() as session:
        assert _events(session) == [
            ("cli", "team.created"),
            ("cli", "user.added"),
            ("cli", "user.added"),
            ("cli", "team.member_added"),
        ]
        kim = session.scalar(select(User).where(User.email == "kim.lee@council.example"))
    # The administrator can sign in (development sign-in here; Entra ID links by email).
    client = sign_in(any_db_app.test_client(), kim.id)
    assert client.get("/admin").status_code == 200


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["not-an-email", "--name", "X", "--role", "admin"],
            "not-an-email is not an email address",
        ),
        (["x@council.example", "--name", "X", "--role", "boss"], "There is no role 'boss'"),
        (
            ["x@council.example", "--name", "X", "--role", "case_officer", "--team", "Nowhere"],
            "There is no team called 'Nowhere'",
        ),
        (
            ["x@council.example", "--name", "X", "--role", "agency_lead", "--agency", "police"],
            "There is no agency 'police'",
        ),
        (
            ["x@council.example", "--name", "X", "--role", "auditor", "--agency", "health"],
            "Only an agency lead speaks for an agency",
        ),
        (["taken@council.example", "--name", "X", "--role", "admin"], "already a user"),
        (["x@council.example", "--name", " ", "--role", "admin"], "Enter the person's name"),
    ],
)
def test_a_user_that_cannot_be_added_is_named_and_nothing_is_kept(
    app: Flask, session: Any, args: list[str], message: str
) -> None:
    make_user(session, email="taken@council.example", name="Taken", role="auditor")
    session.commit()
    result = run(app, "users", "add", *args)
    assert result.exit_code != 0
    assert message in result.output
    fresh(session)
    assert [u.email for u in session.scalars(select(User))] == ["taken@council.example"]


def test_a_team_member_must_work_cases(app: Flask, session: Any) -> None:
    run(app, "teams", "add", "North")
    result = run(
        app,
        "users",
        "add",
        "a@council.example",
        "--name",
        "Ari",
        "--role",
        "auditor",
        "--team",
        "North",
    )
    assert result.exit_code != 0
    assert "Ari is not a case officer or team manager" in result.output
    fresh(session)
    assert session.scalar(select(User)) is None


def test_an_agency_lead_is_added_with_their_agency(app: Flask, session: Any) -> None:
    result = run(
        app,
        "users",
        "add",
        "dco@icb.example",
        "--name",
        "Dana",
        "--role",
        "AgencyLead",
        "--agency",
        "health",
    )
    assert result.exit_code == 0, result.output
    fresh(session)
    dana = session.scalar(select(User))
    assert (dana.roles, dana.agency) == (["agency_lead"], "health")


def test_a_team_name_taken_is_refused(app: Flask) -> None:
    run(app, "teams", "add", "North")
    again = run(app, "teams", "add", "north")
    assert again.exit_code != 0
    assert "There is already a team called north" in again.output


def test_deactivating_ends_every_session_at_once(app: Flask, session: Any) -> None:
    olu = make_user(session, email="olu@council.example", name="Olu", role="case_officer")
    session.commit()
    client = sign_in(app.test_client(), olu.id)
    result = run(app, "users", "deactivate", "OLU@council.example")
    assert result.exit_code == 0, result.output
    assert "Olu is deactivated" in result.output
    fresh(session)
    assert session.scalars(select(StaffSession.end_reason)).all() == ["deactivated"]
    assert ("cli", "user.deactivated") in _events(session)
    assert client.get("/assessments").status_code == 302
    again = run(app, "users", "deactivate", "olu@council.example")
    assert again.exit_code != 0 and "already deactivated" in again.output
    unknown = run(app, "users", "deactivate", "nobody@council.example")
    assert unknown.exit_code != 0 and "There is no user" in unknown.output


def test_leads_are_set_through_the_same_rules_as_the_pages(app: Flask, session: Any) -> None:
    result = run(app, "leads", "set", "health", "--name", "Dr Dana", "--email", "dco@icb.example")
    assert result.exit_code == 0, result.output
    assert "designated clinical officer (DCO)" in result.output
    cleared = run(app, "leads", "clear", "health")
    assert cleared.output == "Health has no named lead now\n"
    assert run(app, "leads", "clear", "health").output == "Health had no named lead\n"
    fresh(session)
    assert session.scalar(select(AgencyLead)) is None
    assert [a for _, a in _events(session)] == ["lead.set", "lead.cleared"]


def test_set_manager_still_links_an_officer_to_their_manager(app: Flask, session: Any) -> None:
    olu = make_user(session, email="olu@council.example", name="Olu", role="case_officer")
    make_user(session, email="mo@council.example", name="Mo", role="manager")
    session.commit()
    result = run(app, "users", "set-manager", "olu@council.example", "mo@council.example")
    assert result.exit_code == 0, result.output
    fresh(session)
    assert session.get(User, olu.id).manager.name == "Mo"
    assert session.scalar(select(Team)) is not None  # the casework team the factory made
