"""Sign-off before release: the reviewer approves (sealed naming both) or returns with comments."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from advice_hub.assessments.request_actions import withdraw_request
from advice_hub.cli.sign_off import sign_off_clear, sign_off_list, sign_off_set
from advice_hub.models import (
    AdviceDraft,
    AdviceRequest,
    Agency,
    RequestStatus,
    SealedAdvice,
    SignOffReview,
    utcnow,
)
from notifications.mailbox import links_in, list_messages, message_text, read_message
from tests.factories import fresh, make_assessment
from tests.html import parse_page, text_of
from tests.journey import complete_every_section, csrf_of, open_link, path_of, sign_and_send

REVIEWER = "senior.ep@council.example"


@pytest.fixture
def reviewer(app: Flask) -> None:
    result = app.test_cli_runner().invoke(
        sign_off_set,
        [
            "educational_psychology",
            "--name",
            "Dr Sam Senior",
            "--email",
            REVIEWER,
            "--role",
            "Principal educational psychologist",
        ],
    )
    assert result.exit_code == 0, result.output


def mails(svc: Any, to: str) -> list[Any]:
    folder = Path(svc.settings.mail_outbox_dir)
    return [read_message(folder, m.name) for m in list_messages(folder) if m.to == to]


@pytest.fixture
def sent_for_sign_off(
    reviewer: None, client: FlaskClient, session: Any, svc: Any, jobs: Any
) -> str:
    make_assessment(session, agreed=True, agencies=(Agency.EDUCATIONAL_PSYCHOLOGY,))
    session.commit()
    jobs.run()
    (email,) = mails(svc, "educational_psychology.1@example.org")
    form_url = open_link(client, links_in(email)[0]).headers["Location"]
    complete_every_section(client, form_url, text="Original words")
    response = sign_and_send(
        client, form_url, name="Dr Ellis Author", role="Educational psychologist"
    )
    assert response.status_code == 303
    assert response.headers["Location"].endswith("/awaiting-sign-off")
    jobs.run()
    return form_url


def review_client(app: Flask, svc: Any) -> tuple[FlaskClient, str]:
    (email,) = mails(svc, REVIEWER)[-1:]
    reviewer_client = app.test_client()
    link = links_in(email)[0]
    assert "/r/" in link
    start = reviewer_client.get(path_of(link))
    assert start.status_code == 200
    parse_page(start.data)
    redirect = reviewer_client.post(path_of(link), data={"csrf_token": csrf_of(start.data)})
    assert redirect.status_code == 303
    return reviewer_client, redirect.headers["Location"]


def test_advice_for_an_agency_with_a_reviewer_waits_for_sign_off_and_the_author_cannot_edit(
    sent_for_sign_off: str, client: FlaskClient, session: Any, svc: Any
) -> None:
    request = fresh(session).scalar(select(AdviceRequest))
    assert request.status == RequestStatus.AWAITING_SIGN_OFF
    assert session.scalar(select(SealedAdvice)) is None
    assert session.get(AdviceDraft, request.id).declaration["name"] == "Dr Ellis Author"
    page = client.get(sent_for_sign_off, follow_redirects=True)
    assert "Sent for sign-off" in text_of(parse_page(page.data))
    (email,) = mails(svc, REVIEWER)
    assert "Sign-off needed" in email["Subject"] and "Ellis" not in email["Subject"]


def test_the_reviewer_approves_and_the_seal_names_author_and_reviewer(
    sent_for_sign_off: str, app: Flask, session: Any, svc: Any, jobs: Any
) -> None:
    reviewer_client, review_url = review_client(app, svc)
    page = reviewer_client.get(review_url)
    soup = parse_page(page.data)
    assert "Original words" in text_of(soup)
    assert not soup.find("textarea", attrs={"name": lambda n: n and "__" in n})
    done = reviewer_client.post(
        review_url, data={"csrf_token": csrf_of(page.data), "decision": "approve"}
    )
    assert done.status_code == 303
    decided = parse_page(reviewer_client.get(review_url).data)
    sealed = fresh(session).scalar(select(SealedAdvice))
    assert sealed.content_sha256 in text_of(decided)
    document = json.loads(sealed.canonical)
    assert document["declaration"]["name"] == "Dr Ellis Author"
    assert document["reviewed_by"]["name"] == "Dr Sam Senior"
    assert hashlib.sha256(sealed.canonical.encode()).hexdigest() == sealed.content_sha256
    answers = [v for v in document["answers"].values() if isinstance(v, str) and len(v) > 3]
    assert answers and all("Original words" in a for a in answers)
    jobs.run()
    receipts = [
        m for m in mails(svc, "educational_psychology.1@example.org") if "received" in m["Subject"]
    ]
    assert len(receipts) == 1


def test_the_reviewer_returns_with_comments_and_the_author_edits_and_sends_again(
    sent_for_sign_off: str, app: Flask, client: FlaskClient, session: Any, svc: Any, jobs: Any
) -> None:
    reviewer_client, review_url = review_client(app, svc)
    page = reviewer_client.get(review_url)
    missing = reviewer_client.post(
        review_url, data={"csrf_token": csrf_of(page.data), "decision": "return"}
    )
    assert missing.status_code == 400
    assert "Say what the author should change" in text_of(parse_page(missing.data))
    comments = "Please quantify the <b>speech therapy</b>: how often?"
    reviewer_client.post(
        review_url,
        data={"csrf_token": csrf_of(page.data), "decision": "return", "comments": comments},
    )
    assert fresh(session).scalar(select(AdviceRequest)).status == RequestStatus.RETURNED
    assert session.scalar(select(SealedAdvice)) is None
    jobs.run()
    returned = [
        m for m in mails(svc, "educational_psychology.1@example.org") if "returned" in m["Subject"]
    ]
    assert len(returned) == 1 and comments in message_text(returned[0])

    # The author, through the new link, sees the comments on their saved draft.
    author = app.test_client()
    form_url = open_link(author, links_in(returned[0])[0]).headers["Location"]
    task_list = author.get(form_url)
    assert task_list.status_code == 200
    html = task_list.data.decode()
    assert "Returned with comments" in html and "&lt;b&gt;speech therapy&lt;/b&gt;" in html
    complete_every_section(author, form_url, text="Weekly 30-minute sessions")
    assert sign_and_send(author, form_url).status_code == 303
    jobs.run()
    reviews = fresh(session).scalars(select(SignOffReview).order_by(SignOffReview.id)).all()
    assert [r.decision for r in reviews] == ["returned", None]
    assert len(mails(svc, REVIEWER)) == 2


def test_the_reviewer_link_cannot_open_the_authors_form_nor_the_other_way_round(
    sent_for_sign_off: str, app: Flask, client: FlaskClient, svc: Any
) -> None:
    reviewer_client, review_url = review_client(app, svc)
    assert reviewer_client.get(sent_for_sign_off).status_code == 403
    assert client.get(review_url).status_code == 403
    (author_email,) = mails(svc, "educational_psychology.1@example.org")[:1]
    assert client.get(path_of(links_in(author_email)[0]).replace("/a/", "/r/")).status_code == 404


def test_sign_off_can_be_listed_and_cleared(app: Flask, reviewer: None) -> None:
    runner = app.test_cli_runner()
    assert "Dr Sam Senior" in runner.invoke(sign_off_list).output
    assert (
        runner.invoke(
            sign_off_set, ["astrology", "--name", "x", "--email", "x@y.org", "--role", "r"]
        ).exit_code
        == 2
    )
    assert (
        "no longer needs sign-off"
        in runner.invoke(sign_off_clear, ["educational_psychology"]).output
    )
    assert "no agency needs sign-off" in runner.invoke(sign_off_list).output


def test_withdrawing_a_request_awaiting_sign_off_tells_its_reviewer_and_nothing_is_sealed(
    sent_for_sign_off: str, app: Flask, session: Any, svc: Any
) -> None:
    reviewer_client, review_url = review_client(app, svc)
    (email,) = mails(svc, REVIEWER)[-1:]
    page = reviewer_client.get(review_url)
    assert page.status_code == 200
    token = csrf_of(page.data)
    stored = fresh(session).scalar(select(AdviceRequest))
    withdraw_request(session, stored, reason="Duplicate", now=utcnow(), actor="user:1")
    session.commit()

    title = "This request has been withdrawn"
    # The reviewer's open page, their emailed link, and a decision posted from the old page.
    for response in (
        reviewer_client.get(review_url),
        app.test_client().get(path_of(links_in(email)[0])),
        reviewer_client.post(review_url, data={"csrf_token": token, "decision": "approve"}),
    ):
        assert response.status_code == 410
        soup = parse_page(response.data)
        assert soup.h1.get_text(strip=True) == title
        assert "Duplicate" not in text_of(soup)
    assert session.scalar(select(SealedAdvice)) is None
    assert fresh(session).scalar(select(AdviceRequest)).status == RequestStatus.WITHDRAWN
