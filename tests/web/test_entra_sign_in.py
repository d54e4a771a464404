"""Staff sign in with Entra ID: the real msal code runs the authorization code flow with PKCE
against an OpenID Connect provider on loopback over https (tests/entra_provider.py). A person
is keyed by the token's tenant and object id, holds the roles of its `roles` claim, and every
sign-in and refusal is in the audit log."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from advice_hub.models import AuditEvent, StaffSession, User, utcnow
from tests.entra_provider import CLIENT_ID, TENANT_ID, Provider, entra_config, entra_provider
from tests.factories import make_user
from tests.html import parse_page
from tests.journey import sign_out

__all__ = ["entra_provider"]

OLU = {
    "tid": TENANT_ID,
    "oid": "4f1d2c3b-0000-4000-8000-0000000000a1",
    "name": "Olu Adeyemi",
    "preferred_username": "olu@council.example",
    "roles": ["CaseOfficer"],
}


@pytest.fixture
def app_config(
    app_config: dict[str, Any], entra_provider: Provider, monkeypatch: pytest.MonkeyPatch
) -> dict[str, Any]:
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(entra_provider.ca_bundle))
    return app_config | entra_config(entra_provider)


@pytest.fixture
def provider(entra_provider: Provider) -> Iterator[Provider]:
    yield entra_provider


def start(client: FlaskClient, next_url: str | None = None) -> str:
    """Start signing in; the provider's address msal sends the browser to."""
    response = client.get(
        "/sign-in/start" + (f"?{urlencode({'next': next_url})}" if next_url else "")
    )
    assert response.status_code == 302
    location = response.headers["Location"]
    query = parse_qs(urlsplit(location).query)
    assert query["code_challenge_method"] == ["S256"] and query["code_challenge"]
    assert query["state"] and query["nonce"] and query["client_id"] == [CLIENT_ID]
    return location


def sign_in_as(
    client: FlaskClient, provider: Provider, sub: str, claims: dict[str, Any], **kw: Any
) -> Any:
    provider.set_user(sub, claims)
    back = provider.authorize(start(client, **kw), sub)
    return client.get(back)


def refusals(session: Any) -> list[str]:
    events = session.scalars(
        select(AuditEvent).where(AuditEvent.action == "staff.sign_in_refused")
    ).all()
    return [e.detail["reason"] for e in events]


def heading(response: Any) -> str:
    return parse_page(response.data).find("h1").get_text(" ", strip=True)


def test_the_sign_in_page_offers_the_council_account(client: FlaskClient) -> None:
    page = parse_page(client.get("/sign-in?next=/assessments").data)
    (button,) = [
        a for a in page.find_all("a") if "Sign in with your council account" in a.get_text()
    ]
    assert button["href"] == "/sign-in/start?next=/assessments"


def test_a_case_officer_signs_in_through_the_whole_flow(
    client: FlaskClient, provider: Provider, session: Any
) -> None:
    response = sign_in_as(client, provider, "olu", OLU, next_url="/templates")

    assert response.status_code == 302 and response.headers["Location"] == "/templates"
    assert client.get("/assessments").status_code == 200
    user = session.scalars(select(User)).one()
    assert (user.tenant_id, user.object_id) == (TENANT_ID, OLU["oid"])
    assert (user.name, user.email, user.role, user.roles) == (
        "Olu Adeyemi",
        "olu@council.example",
        "case_officer",
        ["case_officer"],
    )
    live = session.scalars(select(StaffSession)).one()
    assert (live.user_id, live.signed_in_with, live.ended_at) == (user.id, "entra", None)
    signed_in = session.scalars(
        select(AuditEvent).where(AuditEvent.action == "staff.signed_in")
    ).one()
    assert signed_in.actor == f"user:{user.id}" and signed_in.detail["signed_in_with"] == "entra"


def test_a_person_is_keyed_by_tenant_and_object_id_and_refreshed_at_each_sign_in(
    app: Flask, provider: Provider, session: Any
) -> None:
    sign_in_as(app.test_client(), provider, "olu", OLU)
    renamed = OLU | {
        "name": "Olu Adeyemi-Grant",
        "preferred_username": "olu.grant@council.example",
        "roles": ["TeamManager", "CaseOfficer", "SomeOtherAppRole"],
    }
    response = sign_in_as(app.test_client(), provider, "olu-renamed", renamed)
    assert response.status_code == 302

    user = session.scalars(select(User)).one()
    assert (user.name, user.email) == ("Olu Adeyemi-Grant", "olu.grant@council.example")
    assert (user.role, user.roles) == ("case_officer", ["case_officer", "manager"])


def test_every_app_role_of_ours_is_kept(app: Flask, provider: Provider, session: Any) -> None:
    claims = OLU | {"roles": ["Admin", "Auditor", "AgencyLead", "TeamManager", "CaseOfficer"]}
    sign_in_as(app.test_client(), provider, "all", claims)
    user = session.scalars(select(User)).one()
    assert user.roles == ["case_officer", "manager", "agency_lead", "auditor", "admin"]


def test_a_development_user_with_the_same_email_is_given_the_identity(
    client: FlaskClient, provider: Provider, session: Any
) -> None:
    before = make_user(session, email="olu@council.example", name="Olu", role="case_officer")
    session.commit()
    sign_in_as(client, provider, "olu", OLU)
    session.expire_all()
    user = session.scalars(select(User)).one()
    assert user.id == before.id and user.object_id == OLU["oid"]


def test_a_token_with_no_role_of_ours_is_refused_everywhere(
    client: FlaskClient, provider: Provider, session: Any
) -> None:
    response = sign_in_as(client, provider, "nobody", OLU | {"roles": ["SomeOtherAppRole"]})

    assert response.status_code == 403
    assert heading(response) == "You do not have access to advice_hub yet"
    assert "Ask your council's administrator to give you access to advice_hub." in (
        parse_page(response.data).get_text(" ", strip=True)
    )
    assert client.get("/assessments").status_code == 302
    assert session.scalars(select(StaffSession)).all() == []
    assert refusals(session) == ["no_role"]


def test_losing_every_role_ends_the_sessions_the_person_still_has(
    app: Flask, provider: Provider, session: Any
) -> None:
    first = app.test_client()
    sign_in_as(first, provider, "olu", OLU)
    assert first.get("/assessments").status_code == 200

    sign_in_as(app.test_client(), provider, "olu-no-roles", OLU | {"roles": []})

    assert first.get("/assessments").status_code == 302
    assert session.scalars(select(User.roles)).one() == []


def test_a_user_made_before_entra_sign_in_is_found_whatever_the_case_of_their_email(
    client: FlaskClient, provider: Provider, session: Any
) -> None:
    made = make_user(session, email="olu@council.example", name="Olu", role="case_officer")
    session.commit()
    sign_in_as(client, provider, "olu", OLU | {"preferred_username": "Olu@Council.example"})
    session.expire_all()
    (user,) = session.scalars(select(User)).all()
    assert user.id == made.id and user.object_id == OLU["oid"]


def test_a_deactivated_person_is_signed_out_and_cannot_sign_in_again(
    app: Flask, provider: Provider, session: Any
) -> None:
    first = app.test_client()
    sign_in_as(first, provider, "olu", OLU)
    user = session.scalars(select(User)).one()
    user.deactivated_at = utcnow()
    session.commit()

    assert first.get("/assessments").status_code == 302  # gone at the next request
    again = sign_in_as(app.test_client(), provider, "olu", OLU)

    assert again.status_code == 403
    assert "Your access to advice_hub has been turned off" in parse_page(again.data).get_text()
    assert refusals(session) == ["deactivated"]
    ended = session.scalars(select(StaffSession)).one()
    assert ended.end_reason == "deactivated"


def test_a_tampered_state_is_refused(client: FlaskClient, provider: Provider, session: Any) -> None:
    provider.set_user("olu", OLU)
    back = provider.authorize(start(client), "olu")
    path, query = back.split("?", 1)
    fields = parse_qs(query)
    fields["state"] = ["tampered" + fields["state"][0]]

    response = client.get(f"{path}?{urlencode(fields, doseq=True)}")

    assert response.status_code == 400
    assert "This sign-in was not started in this browser" in response.get_data(as_text=True)
    assert client.get("/assessments").status_code == 302
    assert refusals(session) == ["state_mismatch"]


def test_a_replayed_code_is_refused(
    app: Flask, client: FlaskClient, provider: Provider, session: Any
) -> None:
    provider.set_user("olu", OLU)
    back = provider.authorize(start(client), "olu")
    assert client.get(back).status_code == 302
    sign_out(client)

    # The same answer again: its flow was used once and is gone.
    again = client.get(back)
    # The old code with a new sign-in's state: the provider refuses the code.
    fresh = parse_qs(urlsplit(start(client)).query)["state"][0]
    old_code = parse_qs(urlsplit(back).query)["code"][0]
    replayed = client.get("/sign-in/callback?" + urlencode({"code": old_code, "state": fresh}))

    assert (again.status_code, replayed.status_code) == (400, 400)
    assert "already been used" in replayed.get_data(as_text=True)
    assert client.get("/assessments").status_code == 302
    assert refusals(session) == ["no_sign_in_started", "code_refused"]


def test_a_token_for_another_app_is_refused(
    client: FlaskClient, provider: Provider, session: Any
) -> None:
    response = sign_in_as(client, provider, "other-aud", OLU | {"aud": "another-application"})

    assert response.status_code == 400
    assert "was not for advice_hub" in response.get_data(as_text=True)
    assert client.get("/assessments").status_code == 302
    assert refusals(session) == ["wrong_audience"]
    assert session.scalars(select(User)).all() == []


def test_an_expired_token_is_refused(client: FlaskClient, provider: Provider, session: Any) -> None:
    expired = OLU | {"exp": int(time.time()) - 3600}
    response = sign_in_as(client, provider, "expired", expired)

    assert response.status_code == 400
    assert "had expired" in response.get_data(as_text=True)
    assert client.get("/assessments").status_code == 302
    assert refusals(session) == ["token_expired"]


def test_a_token_from_another_tenant_is_refused(
    client: FlaskClient, provider: Provider, session: Any
) -> None:
    response = sign_in_as(client, provider, "elsewhere", OLU | {"tid": "another-tenant"})
    assert response.status_code == 403
    assert refusals(session) == ["wrong_tenant"]


def test_signing_out_ends_the_session_and_goes_to_the_providers_end_session(
    app: Flask, client: FlaskClient, provider: Provider, session: Any
) -> None:
    sign_in_as(client, provider, "olu", OLU)
    old = client.get_cookie("session")
    assert old is not None

    response = sign_out(client)

    assert response.status_code == 302
    where = urlsplit(response.headers["Location"])
    assert (
        f"{where.scheme}://{where.netloc}{where.path}" == f"{provider.authority}/oauth2/end_session"
    )
    assert parse_qs(where.query)["post_logout_redirect_uri"] == ["http://localhost/sign-in"]
    reused = app.test_client()
    reused.set_cookie("session", old.value)
    assert reused.get("/assessments").status_code == 302
    assert session.scalars(select(StaffSession.end_reason)).one() == "signed_out"


def test_a_callback_without_a_sign_in_started_is_refused(client: FlaskClient, session: Any) -> None:
    response = client.get("/sign-in/callback?code=made-up&state=made-up")
    assert response.status_code == 400
    assert heading(response) == "You could not be signed in"
    assert refusals(session) == ["no_sign_in_started"]


@pytest.mark.parametrize(
    ("changed", "reason"),
    [
        ({"iss": "https://impostor.example/tenant"}, "wrong_issuer"),
        ({"nonce": "not-the-nonce-of-this-sign-in"}, "id_token_refused"),
    ],
    ids=["issuer", "nonce"],
)
def test_a_token_from_another_issuer_or_for_another_sign_in_is_refused(
    client: FlaskClient, provider: Provider, session: Any, changed: dict[str, str], reason: str
) -> None:
    response = sign_in_as(client, provider, f"changed-{reason}", OLU | changed)

    assert response.status_code == 400
    assert heading(response) == "You could not be signed in"
    assert client.get("/assessments").status_code == 302
    assert refusals(session) == [reason]
