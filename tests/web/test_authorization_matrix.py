"""Every route of the app x every role x no session, checked against the one declared policy
(``advice_hub.web.authorization.POLICY``).

The expected answer of each cell is worked out here from the policy's grants and what each
reach means (a team's assessments, an agency's requests, everything), and the app's answer is
checked against it: no session goes to sign-in; a refusal is a 403 page that never shows the
other team's child, and reads the same whether the record exists or not; an admitted role gets
past the policy to the page itself.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.routing import Rule

from advice_hub.accounts.access import Reach, Role
from advice_hub.models import AdviceRequest, Agency, Assessment, User, utcnow
from advice_hub.web.authorization import POLICY, Access, Gate, check_every_endpoint_listed
from tests.factories import (
    casework_team,
    make_assessment,
    make_user,
    request_for,
    seal_advice,
)
from tests.html import parse_page, text_of
from tests.journey import csrf_of, sign_in

OTHER_CHILD = "Bobbie"
OTHER_FAMILY = "Theirs-Confidential"
NOBODY = "no session"
NO_ROLE = "no role"


@dataclass
class World:
    users: dict[str, User]
    ours: Assessment
    theirs: Assessment
    our_health: AdviceRequest
    their_health: AdviceRequest
    their_education: AdviceRequest


@pytest.fixture
def world(session: Any) -> World:
    ours_team = casework_team(session)
    theirs_team = casework_team(session, "Other casework team")
    users = {
        Role.CASE_OFFICER.value: make_user(
            session, email="officer@council.example", name="Olu Officer", role="case_officer"
        ),
        Role.MANAGER.value: make_user(
            session, email="manager@council.example", name="Mandy Manager", role="manager"
        ),
        Role.AGENCY_LEAD.value: make_user(
            session,
            email="dco@icb.example",
            name="Dana Lead",
            role="agency_lead",
            agency=Agency.HEALTH.value,
        ),
        Role.AUDITOR.value: make_user(
            session, email="auditor@council.example", name="Ari Auditor", role="auditor"
        ),
        Role.ADMIN.value: make_user(
            session, email="admin@council.example", name="Kim Admin", role="admin"
        ),
        NO_ROLE: make_user(
            session,
            email="nobody@council.example",
            name="Noel Norole",
            role="case_officer",
            roles=[],
            teams=[ours_team],
        ),
    }
    ours = make_assessment(session, agreed=True, team=ours_team, case_officer=users["case_officer"])
    theirs = make_assessment(
        session,
        agreed=True,
        team=theirs_team,
        given_names=OTHER_CHILD,
        family_name=OTHER_FAMILY,
    )
    world = World(
        users=users,
        ours=ours,
        theirs=theirs,
        our_health=request_for(ours, Agency.HEALTH),
        their_health=request_for(theirs, Agency.HEALTH),
        their_education=request_for(theirs, Agency.EDUCATION),
    )
    session.flush()
    for advice_request in (world.our_health, world.their_health, world.their_education):
        seal_advice(session, advice_request, "Advice written for the matrix test.")
    session.commit()
    return world


# --- What a cell should answer, from the policy ---------------------------------------------


@dataclass(frozen=True)
class Target:
    """What the URL names: whose assessment, and which agency's request (if any)."""

    name: str
    ours: bool
    agency: Agency | None
    exists: bool = True


TARGETS = (
    Target("our assessment", ours=True, agency=None),
    Target("their assessment", ours=False, agency=None),
    Target("a missing assessment", ours=False, agency=None, exists=False),
)
REQUEST_TARGETS = (
    Target("our health request", ours=True, agency=Agency.HEALTH),
    Target("their health request", ours=False, agency=Agency.HEALTH),
    Target("their education request", ours=False, agency=Agency.EDUCATION),
    Target("a missing request", ours=False, agency=Agency.HEALTH, exists=False),
)


def admitted_here(role: str, access: Access, target: Target | None, names_request: bool) -> bool:
    """The policy read independently of the code that enforces it."""
    if role in (NOBODY, NO_ROLE) or Role(role) not in access.grants:
        return False
    reach = access.grants[Role(role)]
    if reach is None or target is None:
        return True
    if reach is Reach.ANY:
        return True
    if not target.exists:
        return False  # never told apart from another team's record
    if reach is Reach.TEAM:
        # The case officer and the manager are in our team only.
        return target.ours
    # An agency lead reaches their agency's requests, never a whole assessment.
    return names_request and target.agency is Agency.HEALTH


def _values(world: World, target: Target | None) -> dict[str, Any]:
    """Values for every URL variable any route has."""
    assessment_id: uuid.UUID = uuid.uuid4()
    request_id: uuid.UUID = uuid.uuid4()
    if target is not None and target.exists:
        if target.agency is None:
            assessment_id = (world.ours if target.ours else world.theirs).id
        else:
            chosen = {
                (True, Agency.HEALTH): world.our_health,
                (False, Agency.HEALTH): world.their_health,
                (False, Agency.EDUCATION): world.their_education,
            }[(target.ours, target.agency)]
            assessment_id, request_id = chosen.assessment_id, chosen.id
    elif target is not None and target.agency is not None:
        assessment_id = world.their_health.assessment_id  # a real assessment, a missing request
    return {
        "assessment_id": assessment_id,
        "request_id": request_id,
        "advice_request_id": request_id,
        "file_id": uuid.uuid4(),
        "key": "health",
        "version": 1,
        "token": "not-a-real-token",
        "section_id": "about",
        "group_id": "provision",
        "item": 1,
        "step": 1,
        "number": 1,
        "filename": "app.js",
        "name": "nothing.eml",
        "path": "nothing",
        # The administration pages' records: none that exists, so that no admitted POST
        # changes the world the other cells read (an admitted cell answers 404, not 403).
        "team_id": 999_999,
        "user_id": 999_999,
        "key_id": 999_999,
        "service_id": 999_999,
        "lead_id": 999_999,
        # A deadline report that does not exist: an admitted POST answers 404, changing nothing.
        "report_id": 999_999,
        "agency": Agency.HEALTH.value,
    }


def _staff_rules(app: Flask) -> Iterator[tuple[Rule, Access]]:
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.rule):
        access = POLICY[rule.endpoint]
        if access.gate is Gate.STAFF:
            yield rule, access


def _clients(app: Flask, world: World) -> dict[str, FlaskClient]:
    clients = {NOBODY: app.test_client()}
    for role, user in world.users.items():
        clients[role] = sign_in(app.test_client(), user.id)
    return clients


def _csrf(client: FlaskClient) -> str:
    # Every staff page carries one (the sign-out button); the sign-in page does for no session.
    page = client.get("/templates")
    if page.status_code != 200:
        page = client.get("/sign-in")
    return csrf_of(page.data)


def _main_text(data: bytes) -> str:
    main = parse_page(data).select_one("main")
    assert main is not None
    return re.sub(r"\s+", " ", text_of(main))


# --- The matrix ------------------------------------------------------------------------------


def test_every_endpoint_has_an_entry_in_the_policy(app: Flask) -> None:
    endpoints = {rule.endpoint for rule in app.url_map.iter_rules()}
    assert endpoints <= POLICY.keys()
    # And nothing in the policy names a page that does not exist (the development mail pages
    # are registered only outside production; the test app has them).
    assert POLICY.keys() <= endpoints


def test_an_app_with_a_route_the_policy_does_not_name_refuses_to_start(app: Flask) -> None:
    app.add_url_rule("/unlisted", "unlisted", lambda: "open to anyone?")
    with pytest.raises(RuntimeError, match="unlisted"):
        check_every_endpoint_listed(app)


def test_every_staff_route_answers_every_role_as_the_policy_says(app: Flask, world: World) -> None:
    clients = _clients(app, world)
    tokens = {role: _csrf(client) for role, client in clients.items()}
    checked = 0
    failures: list[str] = []
    for rule, access in _staff_rules(app):
        args = set(rule.arguments)
        if "request_id" in args:
            targets: tuple[Target | None, ...] = REQUEST_TARGETS
        elif "assessment_id" in args:
            targets = TARGETS
        else:
            targets = (None,)
        method = "GET" if "GET" in (rule.methods or ()) else "POST"
        for target in targets:
            url = rule.build(_values(world, target), append_unknown=False)[1]
            refused_bodies: dict[str, str] = {}
            for role, client in clients.items():
                checked += 1
                if method == "GET":
                    response = client.get(url)
                else:
                    response = client.post(url, data={"csrf_token": tokens[role]})
                cell = f"{method} {rule.rule} [{target.name if target else '-'}] as {role}"
                location = response.headers.get("Location", "")
                if role == NOBODY:
                    if not (response.status_code == 302 and "/sign-in" in location):
                        failures.append(f"{cell}: {response.status_code}, not sent to sign in")
                    continue
                if admitted_here(role, access, target, names_request="request_id" in args):
                    if response.status_code == 403 or "/sign-in" in location:
                        failures.append(f"{cell}: refused ({response.status_code})")
                    elif location:
                        client.get(location)  # where a person lands, taking its message
                    continue
                if response.status_code != 403:
                    failures.append(f"{cell}: {response.status_code}, expected 403")
                    continue
                body = response.get_data(as_text=True)
                if OTHER_FAMILY in body or world.theirs.reference in body:
                    failures.append(f"{cell}: the refusal shows the other team's child")
                refused_bodies[role] = _main_text(response.data)
            if target is not None and not target.exists:
                continue
            # A refusal for a record that exists reads exactly as one for a record that does not.
            if target is not None and refused_bodies:
                missing = next(
                    t
                    for t in (TARGETS if target.agency is None else REQUEST_TARGETS)
                    if not t.exists
                )
                missing_url = rule.build(_values(world, missing), append_unknown=False)[1]
                for role, text in refused_bodies.items():
                    client = clients[role]
                    again = (
                        client.get(missing_url)
                        if method == "GET"
                        else client.post(missing_url, data={"csrf_token": tokens[role]})
                    )
                    if again.status_code == 403 and _main_text(again.data) != text:
                        failures.append(
                            f"{method} {rule.rule} as {role}: a missing record's refusal "
                            f"reads differently from an existing one's:\n{text}\n"
                            f"{_main_text(again.data)}"
                        )
    assert not failures, "\n".join(failures)
    assert checked > 300  # every staff route, every role, every kind of record


@pytest.mark.parametrize(
    "endpoint", sorted(e for e, a in POLICY.items() if a.gate is Gate.CONTRIBUTOR_LINK)
)
def test_a_staff_session_opens_no_contributor_page(app: Flask, world: World, endpoint: str) -> None:
    """Contributors' pages are reached by their emailed link alone: even the case officer's
    session gets nothing of a request there."""
    client = sign_in(app.test_client(), world.users["case_officer"].id)
    rule = next(r for r in app.url_map.iter_rules() if r.endpoint == endpoint)
    values = _values(world, REQUEST_TARGETS[0])
    url = rule.build(values, append_unknown=False)[1]
    response = client.get(url) if "GET" in (rule.methods or ()) else client.post(url)
    assert response.status_code != 200 or "Sam" not in response.get_data(as_text=True)
    assert response.status_code in {302, 303, 400, 403, 404, 410}, response.status_code


@pytest.mark.parametrize("endpoint", sorted(e for e, a in POLICY.items() if a.gate is Gate.API_KEY))
def test_a_staff_session_is_not_an_api_key(app: Flask, world: World, endpoint: str) -> None:
    client = sign_in(app.test_client(), world.users["manager"].id)
    rule = next(r for r in app.url_map.iter_rules() if r.endpoint == endpoint)
    url = rule.build(_values(world, REQUEST_TARGETS[0]), append_unknown=False)[1]
    response = client.get(url) if "GET" in (rule.methods or ()) else client.post(url, json={})
    assert response.status_code == 401
    assert response.json["error"]["code"] == "unauthorized"


@pytest.mark.parametrize("endpoint", sorted(e for e, a in POLICY.items() if a.gate is Gate.PUBLIC))
def test_public_pages_need_no_session(app: Flask, world: World, endpoint: str) -> None:
    rule = next(r for r in app.url_map.iter_rules() if r.endpoint == endpoint)
    url = rule.build(_values(world, None), append_unknown=False)[1]
    with app.test_client().get(url) as response:
        assert response.status_code not in {401, 403}
        assert "/sign-in?next" not in response.headers.get("Location", "")


def test_a_deactivated_user_is_signed_out_at_their_next_request(
    app: Flask, world: World, session: Any
) -> None:
    client = sign_in(app.test_client(), world.users["case_officer"].id)
    assert client.get("/assessments").status_code == 200
    officer = session.get(User, world.users["case_officer"].id)
    officer.deactivated_at = utcnow()
    session.commit()
    response = client.get("/assessments")
    assert response.status_code == 302
    assert "/sign-in" in response.headers["Location"]
