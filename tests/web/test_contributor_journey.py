"""The contributor's path from the emailed link to sealed advice, on the fast layer."""

from __future__ import annotations

import hashlib
import json
from typing import Any
from urllib.parse import urlsplit

import pytest
from flask.testing import FlaskClient
from sqlalchemy import func, select

from advice_hub.models import (
    AdviceDraft,
    AdviceRequest,
    AuditEvent,
    LinkToken,
    RequestStatus,
    SealedAdvice,
)
from notifications.mailbox import links_in, list_messages, message_text, read_message
from tests.factories import fresh, make_assessment
from tests.html import parse_page, text_of
from tests.journey import (
    complete_every_section,
    mail_folder,
    open_link,
    path_of,
    sign_and_send,
)


@pytest.fixture
def emailed_links(session: Any, svc: Any, jobs: Any) -> list[str]:
    make_assessment(session, agreed=True)
    session.commit()
    jobs.run()
    folder = mail_folder(svc)
    return [links_in(read_message(folder, m.name))[0] for m in list_messages(folder)]


def health_link(svc: Any, session: Any) -> str:
    folder = mail_folder(svc)
    for stored in list_messages(folder):
        if stored.to.startswith("health."):
            return links_in(read_message(folder, stored.name))[0]
    raise AssertionError("no email to the health contributor")


def test_agreeing_emails_every_contributor_a_distinct_link(emailed_links: list[str]) -> None:
    assert len(emailed_links) == 4
    assert len(set(emailed_links)) == 4
    assert all(urlsplit(link).path.startswith("/a/") for link in emailed_links)


def test_the_email_names_no_child_in_its_subject_and_never_the_full_name(
    emailed_links: list[str], svc: Any
) -> None:
    folder = mail_folder(svc)
    sent = list_messages(folder)
    assert len(sent) == 4
    for stored in sent:
        email = read_message(folder, stored.name)
        assert "Sam" not in email["Subject"] and "Taylor" not in email["Subject"]
        assert "Taylor-Brown" not in message_text(email)
        assert "Sam T." in message_text(email)


def test_opening_a_link_twice_with_get_changes_nothing(
    client: FlaskClient, emailed_links: list[str], session: Any
) -> None:
    def snapshot() -> Any:
        fresh(session)
        return (
            [(r.status, r.opened_at) for r in session.scalars(select(AdviceRequest))],
            [(t.redeemed_at, t.revoked_at) for t in session.scalars(select(LinkToken))],
            session.scalar(select(func.count(AuditEvent.id))),
        )

    before = snapshot()
    requests, tokens, _ = before
    assert len(requests) == len(tokens) == 4
    for _ in range(2):
        page = client.get(path_of(emailed_links[0]))
        assert page.status_code == 200
        assert "Start now" in text_of(parse_page(page.data))
    assert snapshot() == before


def test_pressing_start_swaps_the_token_for_a_cookie_and_drops_the_token_from_the_url(
    client: FlaskClient, emailed_links: list[str], session: Any
) -> None:
    response = open_link(client, emailed_links[0])
    assert response.status_code == 303
    token = path_of(emailed_links[0]).rsplit("/", 1)[1]
    assert token not in response.headers["Location"]
    cookie = response.headers["Set-Cookie"]
    assert cookie.startswith("__Host-advice-")
    for attribute in ("Secure", "HttpOnly", "Path=/", "SameSite=Lax"):
        assert attribute in cookie
    assert "Domain" not in cookie
    assert token not in cookie
    opened = fresh(session).scalars(
        select(AdviceRequest).where(AdviceRequest.opened_at.is_not(None))
    )
    assert [r.status for r in opened] == [RequestStatus.OPENED]


def test_a_cookie_for_one_request_does_not_open_another(
    client: FlaskClient, emailed_links: list[str], session: Any
) -> None:
    open_link(client, emailed_links[0])
    opened = fresh(session).scalar(
        select(AdviceRequest).where(AdviceRequest.opened_at.is_not(None))
    )
    others = session.scalars(select(AdviceRequest).where(AdviceRequest.id != opened.id)).all()
    assert len(others) == 3
    for other in others:
        page = client.get(f"/advice/{other.id}")
        assert page.status_code == 403
        assert "Open the link in your email" in text_of(parse_page(page.data))


def test_an_unknown_or_revoked_link_explains_what_to_do(
    client: FlaskClient, emailed_links: list[str], session: Any
) -> None:
    page = client.get("/a/not-a-real-token-at-all")
    assert page.status_code == 404
    assert "most recent email" in text_of(parse_page(page.data))

    redirect = open_link(client, emailed_links[0])
    for token in fresh(session).scalars(select(LinkToken)):
        token.revoked_at = token.created_at
    session.commit()
    revoked = client.get(path_of(emailed_links[0]))
    assert revoked.status_code == 410
    shown = text_of(parse_page(revoked.data))
    assert "This link no longer works" in shown and "most recent email" in shown
    assert client.get(redirect.headers["Location"]).status_code == 403


def test_a_submission_is_sealed_and_its_fingerprint_is_the_sha256_of_the_canonical_text(
    client: FlaskClient, session: Any, svc: Any, jobs: Any, emailed_links: list[str]
) -> None:
    form_url = open_link(client, health_link(svc, session)).headers["Location"]
    complete_every_section(client, form_url, text="Café <b>reading</b>\r\nsupport")

    check = client.get(f"{form_url}/check")
    assert "&lt;b&gt;reading&lt;/b&gt;" in check.data.decode()
    parse_page(check.data)
    done = sign_and_send(client, form_url, registration_body="GMC", registration_number="1234567")
    assert done.status_code == 303
    receipt_page = client.get(done.headers["Location"])
    sealed = fresh(session).scalar(select(SealedAdvice))
    assert sealed is not None
    assert hashlib.sha256(sealed.canonical.encode("utf-8")).hexdigest() == sealed.content_sha256
    assert sealed.content_sha256 in receipt_page.data.decode()
    document = json.loads(sealed.canonical)
    texts = [v for v in document["answers"].values() if isinstance(v, str) and "Café" in v]
    assert texts and all("Café <b>reading</b>\nsupport" in t for t in texts)
    assert document["declaration"]["registration_number"] == "1234567"
    assert document["declaration"]["signed_on"]
    assert session.get(AdviceDraft, sealed.advice_request_id) is None

    jobs.run()
    folder = mail_folder(svc)
    receipts = [m for m in list_messages(folder) if "received" in m.subject.lower()]
    assert len(receipts) == 1
    assert sealed.content_sha256[:8] in message_text(read_message(folder, receipts[0].name))


def test_every_published_template_can_be_filled_in_and_sent(
    client: FlaskClient, session: Any, svc: Any, jobs: Any
) -> None:
    from advice_hub.models import Agency

    make_assessment(session, agreed=True, agencies=tuple(Agency))
    session.commit()
    jobs.run()
    folder = mail_folder(svc)
    links = {m.to: links_in(read_message(folder, m.name))[0] for m in list_messages(folder)}
    assert len(links) == len(Agency)
    for to, link in links.items():
        fresh_client = client.application.test_client()
        form_url = open_link(fresh_client, link).headers["Location"]
        complete_every_section(fresh_client, form_url)
        assert sign_and_send(fresh_client, form_url).status_code == 303, to
    fresh(session)
    sealed = session.scalars(select(SealedAdvice)).all()
    assert len(sealed) == len(Agency)
    assert all(hashlib.sha256(s.canonical.encode()).hexdigest() == s.content_sha256 for s in sealed)
