"""Addenda on the web: the author adds one from the submitted page or from an emailed
addendum request, the case officer asks for one, and every view shows both, dated."""

from __future__ import annotations

import hashlib
import json
import re
import uuid
from datetime import timedelta
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from advice_hub.models import (
    AdviceRequest,
    AuditEvent,
    LinkToken,
    SealedAdvice,
    User,
    utcnow,
)
from advice_hub.requests.seal import seal_submission
from advice_hub.sealing.addenda import request_addendum, seal_addendum
from notifications.mailbox import (
    links_in,
    list_messages,
    message_html,
    message_text,
    read_message,
)
from tests.api.api_helpers import API, bearer, issue_key, transaction
from tests.factories import first_text_key, fresh, make_assessment
from tests.html import parse_page, text_of
from tests.journey import (
    complete_every_section,
    csrf_of,
    mail_folder,
    open_link,
    path_of,
    sign_and_send,
)

HOSTILE = '<script>alert("x")</script><b>bold</b>'
DECLARATION = {"name": "Dr Chris Jones", "role": "Community paediatrician"}


def emails_to_health(svc: Any, subject_word: str) -> list[Any]:
    folder = mail_folder(svc)
    return [
        read_message(folder, m.name)
        for m in list_messages(folder)
        if m.to.startswith("health.") and subject_word in m.subject
    ]


def health_request(session: Any) -> AdviceRequest:
    return fresh(session).scalar(select(AdviceRequest).where(AdviceRequest.agency == "health"))


@pytest.fixture
def agreed(session: Any, svc: Any, jobs: Any, officer: User) -> str:
    """An agreed assessment whose requests were emailed; returns the health request's link."""
    make_assessment(session, agreed=True, case_officer=officer)
    session.commit()
    jobs.run()
    (email,) = emails_to_health(svc, "Request for")
    return links_in(email)[0]


def seal_health(app: Flask, session: Any, *, days_ago: int = 0) -> SealedAdvice:
    """Seal the health advice through the app's own sessions, which queue behind the worker
    (the test's session reads without the write lock, so it must not write while it runs)."""
    with transaction(app) as writer:
        advice_request = writer.scalar(
            select(AdviceRequest).where(AdviceRequest.agency == "health")
        )
        seal_submission(
            writer,
            advice_request,
            answers={first_text_key(advice_request): "Needs speech and language therapy"},
            declaration=DECLARATION,
            now=utcnow() - timedelta(days=days_ago),
            actor="test",
        )
    return health_request(session).sealed


def add_directly(app: Flask, session: Any, original: SealedAdvice, text: str) -> SealedAdvice:
    with transaction(app) as writer:
        addendum_id = seal_addendum(
            writer,
            writer.get_one(SealedAdvice, original.id),
            text=text,
            reason="New assessment in May",
            declaration=DECLARATION,
            now=utcnow(),
            actor="test",
        ).id
    return fresh(session).get_one(SealedAdvice, addendum_id)


def ask_for_addendum(app: Flask, original: SealedAdvice, note: str) -> None:
    with transaction(app) as writer:
        advice_request = writer.get_one(AdviceRequest, original.advice_request_id)
        request_addendum(writer, advice_request, note=note, now=utcnow(), actor="test")


def addendum_data(page: Any, **changes: str) -> dict[str, str]:
    return {
        "csrf_token": csrf_of(page.data),
        "text": "Therapy is 2 sessions a week, 30 minutes each, by a SALT.",
        "reason": "The timetable changed after my assessment.",
        "name": "Dr Chris Jones",
        "role": "Community paediatrician",
        "registration_body": "",
        "registration_number": "",
        "confirm": "y",
    } | changes


def sealed_count(session: Any) -> int:
    return int(fresh(session).scalar(select(func.count(SealedAdvice.id))))


def author(app: Flask, link: str) -> tuple[FlaskClient, str]:
    """The author's own browser, let in through their emailed link; returns it and the form."""
    browser = app.test_client()
    return browser, open_link(browser, link).headers["Location"]


def test_the_author_adds_an_addendum_from_the_submitted_page_and_sees_its_fingerprint(
    app: Flask, session: Any, svc: Any, jobs: Any, agreed: str
) -> None:
    browser, form_url = author(app, agreed)
    complete_every_section(browser, form_url)
    submitted = browser.get(sign_and_send(browser, form_url).headers["Location"])
    soup = parse_page(submitted.data)
    link = soup.find("a", string="Add an addendum")
    assert link is not None, "the submitted page offers an addendum within the period"

    page = browser.get(link["href"])
    assert page.status_code == 200
    shown = text_of(parse_page(page.data))
    assert "Your advice as it was sealed" in shown
    assert "weekly, 30 minutes, by a SALT" in shown, "the sealed answers, read-only"
    done = browser.post(link["href"], data=addendum_data(page))

    assert done.status_code == 303
    confirmation = browser.get(done.headers["Location"])
    original = health_request(session).sealed
    [addendum] = original.addenda
    assert hashlib.sha256(addendum.canonical.encode()).hexdigest() == addendum.content_sha256
    confirmed = parse_page(confirmation.data)
    assert confirmed.find(id="fingerprint").get_text(strip=True) == addendum.content_sha256
    assert original.content_sha256 in text_of(confirmed)
    back_on_submitted = browser.get(form_url, follow_redirects=True)
    assert addendum.content_sha256 in text_of(parse_page(back_on_submitted.data))

    jobs.run()
    (receipt,) = emails_to_health(svc, "addendum has been received")
    assert addendum.content_sha256[:8] in message_text(receipt)
    assert "Taylor" not in str(receipt["Subject"]) and "Sam" not in str(receipt["Subject"])


def test_once_the_period_is_over_the_own_link_offers_no_addendum_and_says_whom_to_ask(
    app: Flask, session: Any, agreed: str, officer: User
) -> None:
    seal_health(app, session, days_ago=29)
    browser, form_url = author(app, agreed)
    submitted = browser.get(form_url, follow_redirects=True)
    assert "Add an addendum" not in text_of(parse_page(submitted.data))
    request_id = health_request(session).id

    page = browser.get(f"/advice/{request_id}/addendum")
    # A page with a form, for a genuine security token: the refusal must be the period's.
    posted = browser.post(
        f"/advice/{request_id}/addendum", data=addendum_data(browser.get("/sign-in"))
    )

    assert page.status_code == 403
    assert officer.email in text_of(parse_page(page.data))
    assert posted.status_code == 403
    assert sealed_count(session) == 1


def test_without_the_author_s_access_the_addendum_page_opens_nothing(
    app: Flask, client: FlaskClient, session: Any, agreed: str
) -> None:
    seal_health(app, session)
    page = client.get(f"/advice/{health_request(session).id}/addendum")
    assert page.status_code == 403
    assert "Open the link in your email" in text_of(parse_page(page.data))


def test_bad_input_is_refused_keeping_everything_typed_and_showing_hostile_text_as_text(
    app: Flask, session: Any, agreed: str
) -> None:
    seal_health(app, session)
    browser, _ = author(app, agreed)
    url = f"/advice/{health_request(session).id}/addendum"
    page = browser.get(url)
    parse_page(page.data)

    refused = browser.post(
        url, data=addendum_data(page, text=HOSTILE, reason="", role="GP\x00", confirm="")
    )

    assert refused.status_code == 400
    soup = parse_page(refused.data)
    summary = [a["href"] for a in soup.select(".govuk-error-summary a")]
    assert summary == ["#reason", "#role", "#confirm"]
    assert soup.find("textarea", attrs={"name": "text"}).get_text() == HOSTILE
    assert "<script>alert" not in refused.data.decode()
    assert soup.find("input", attrs={"name": "name"})["value"] == "Dr Chris Jones"
    assert soup.title.string.startswith("Error:")
    assert sealed_count(session) == 1

    stale = browser.post(url, data=addendum_data(page, text="Kept", csrf_token="forged"))
    assert stale.status_code == 400
    kept = parse_page(stale.data)
    assert "nothing was sent" in text_of(kept)
    assert kept.find("textarea", attrs={"name": "text"}).get_text() == "Kept"
    assert sealed_count(session) == 1

    sealed = browser.post(url, data=addendum_data(page, text=HOSTILE))
    assert sealed.status_code == 303
    confirmation = browser.get(sealed.headers["Location"]).data.decode()
    assert "&lt;script&gt;" in confirmation and "<script>alert" not in confirmation


def test_an_officer_asks_for_an_addendum_and_the_email_carries_the_note_and_a_link(
    app: Flask, signed_in: FlaskClient, session: Any, svc: Any, jobs: Any, agreed: str
) -> None:
    original = seal_health(app, session, days_ago=60)
    advice_request = original.advice_request
    advice_page = f"/assessments/{advice_request.assessment_id}/advice/{advice_request.id}"
    page = signed_in.get(advice_page)
    ask = parse_page(page.data).find("a", string=re.compile("for an addendum"))
    form = signed_in.get(ask["href"])
    parse_page(form.data)

    empty = signed_in.post(ask["href"], data={"csrf_token": csrf_of(form.data), "note": " "})
    assert empty.status_code == 400
    assert [a["href"] for a in parse_page(empty.data).select(".govuk-error-summary a")] == ["#note"]
    sent = signed_in.post(
        ask["href"],
        data={"csrf_token": csrf_of(form.data), "note": f"Please give the hours.\n{HOSTILE}"},
    )

    assert sent.status_code == 303 and sent.headers["Location"] == advice_page
    assert "Addendum requested" in text_of(parse_page(signed_in.get(advice_page).data))
    jobs.run()
    (email,) = emails_to_health(svc, "Addendum to your")
    text, html = message_text(email), message_html(email) or ""
    assert "Please give the hours." in text and HOSTILE in text
    assert "&lt;script&gt;" in html and "<script>" not in html
    assert "Taylor-Brown" not in text + html + str(email["Subject"])
    assert "Sam" not in str(email["Subject"])
    [link] = [u for u in links_in(email) if "/x/" in u]
    assert path_of(link).startswith("/x/")
    again = signed_in.get(ask["href"])
    assert "Please give the hours." in text_of(parse_page(again.data)), "earlier requests listed"


def test_opening_an_addendum_link_with_get_changes_nothing(
    app: Flask, client: FlaskClient, session: Any, svc: Any, jobs: Any, agreed: str
) -> None:
    original = seal_health(app, session)
    ask_for_addendum(app, original, "Please add hours")
    jobs.run()
    (email,) = emails_to_health(svc, "Addendum to your")
    link = next(u for u in links_in(email) if "/x/" in u)

    def snapshot() -> Any:
        fresh(session)
        return (
            [(t.redeemed_at, t.revoked_at) for t in session.scalars(select(LinkToken))],
            session.scalar(select(func.count(AuditEvent.id))),
            session.scalar(select(func.count(SealedAdvice.id))),
        )

    before = snapshot()
    for _ in range(2):
        page = client.get(path_of(link))
        assert page.status_code == 200
        shown = text_of(parse_page(page.data))
        assert "Start now" in shown and "Please add hours" in shown
    assert snapshot() == before
    assert client.get("/x/not-a-real-token").status_code == 404


def test_an_addendum_link_lets_the_author_add_one_after_the_period_with_its_own_cookie(
    app: Flask, session: Any, svc: Any, jobs: Any, agreed: str
) -> None:
    original = seal_health(app, session, days_ago=90)
    ask_for_addendum(app, original, "Please add hours")
    jobs.run()
    (email,) = emails_to_health(svc, "Addendum to your")
    link = next(u for u in links_in(email) if "/x/" in u)
    browser = app.test_client()

    response = open_link(browser, link)

    token = path_of(link).rsplit("/", 1)[1]
    request_id = original.advice_request_id
    assert response.headers["Location"] == f"/advice/{request_id}/addendum"
    cookie = response.headers["Set-Cookie"]
    assert cookie.startswith("__Host-addendum-") and token not in cookie
    assert browser.get(f"/advice/{request_id}").status_code == 403, "never the author's form"
    page = browser.get(response.headers["Location"])
    assert page.status_code == 200
    assert "Please add hours" in text_of(parse_page(page.data))
    done = browser.post(response.headers["Location"], data=addendum_data(page))
    assert done.status_code == 303
    assert len(health_request(session).sealed.addenda) == 1


def test_the_officer_page_shows_the_advice_then_each_addendum_dated_with_author_and_fingerprint(
    app: Flask, signed_in: FlaskClient, session: Any, agreed: str
) -> None:
    original = seal_health(app, session)
    first = add_directly(app, session, original, f"First correction {HOSTILE}")
    second = add_directly(app, session, original, "Second correction")
    assessment_id = original.advice_request.assessment_id

    page = signed_in.get(f"/assessments/{assessment_id}/advice/{original.advice_request_id}")

    assert page.status_code == 200
    soup = parse_page(page.data)
    shown = text_of(soup)
    advice_at = shown.index("Needs speech and language therapy")
    first_at, second_at = shown.index("First correction"), shown.index("Second correction")
    assert advice_at < first_at < second_at
    for number, addendum in ((1, first), (2, second)):
        section = text_of(soup.find(id=f"addendum-{number}"))
        assert addendum.content_sha256 in section and addendum.seal_sha256 in section
        assert "Dr Chris Jones" in section and "New assessment in May" in section
        assert str(utcnow().year) in section
    assert "<script>alert" not in page.data.decode()
    overview = signed_in.get(f"/assessments/{assessment_id}")
    assert "2 addenda" in text_of(parse_page(overview.data))


def test_the_api_returns_the_advice_with_its_addenda_each_verifiable(
    app: Flask, client: FlaskClient, session: Any, agreed: str
) -> None:
    original = seal_health(app, session)
    first = add_directly(app, session, original, "First correction")
    second = add_directly(app, session, original, "Second correction")
    auth = bearer(issue_key(app))

    advice = client.get(
        f"{API}/advice-requests/{original.advice_request_id}/advice", headers=auth
    ).json

    assert advice["canonical"] == original.canonical
    assert [a["content_sha256"] for a in advice["addenda"]] == [
        first.content_sha256,
        second.content_sha256,
    ]
    previous = advice["seal_sha256"]
    for item in advice["addenda"]:
        assert set(item) == {
            "canonical",
            "content_sha256",
            "previous_seal_sha256",
            "seal_sha256",
            "sealed_at",
        }
        assert hashlib.sha256(item["canonical"].encode()).hexdigest() == item["content_sha256"]
        link = f"{item['previous_seal_sha256']}:{item['content_sha256']}"
        assert hashlib.sha256(link.encode("ascii")).hexdigest() == item["seal_sha256"]
        assert item["previous_seal_sha256"] == previous
        assert json.loads(item["canonical"])["addendum_to"]["seal_sha256"] == advice["seal_sha256"]
        previous = item["seal_sha256"]


def test_the_officer_cannot_ask_for_an_addendum_to_advice_not_yet_sealed(
    signed_in: FlaskClient, session: Any, agreed: str
) -> None:
    advice_request = health_request(session)
    url = f"/assessments/{advice_request.assessment_id}/advice/{advice_request.id}/addendum-request"
    assert signed_in.get(url).status_code == 404
    # A request that is not there is refused as another team's would be (nothing leaks).
    assert signed_in.get(url.replace(str(advice_request.id), str(uuid.uuid4()))).status_code == 403
