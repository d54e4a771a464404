"""A request closed without advice tells whoever held its link what happened, when and to whom.

Passed on, declined ("not known to our service"), withdrawn, and withdrawn because existing
advice is used instead (reg 6(4)): the old emailed link, the old access cookie and pressing
Back in the browser that closed it each show the request's story, never "open the link in your
email again" or "this link may have expired". Of a colleague it went to, only their name and
organisation are shown: never their email address, role, link or anything of their request.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import pytest
import time_machine
from flask.testing import FlaskClient
from sqlalchemy import select

from advice_hub.assessments.assessment_actions import ExistingAdvice, record_reuse
from advice_hub.assessments.request_actions import withdraw_request
from advice_hub.display import london_datetime
from advice_hub.models import AdviceRequest, LinkToken, User, utcnow
from advice_hub.web.contributor.access import cookie_name
from tests.factories import fresh, make_assessment
from tests.html import parse_page, text_of
from tests.journey import csrf_of, link_to, open_link, path_of

COLLEAGUE = {
    "colleague_name": "Priya Shah",
    "colleague_email": "priya.shah@nhs.example.org",
    "colleague_role": "Speech and language therapist",
    "colleague_organisation": "Children's Therapy Service",
    "note": "Priya saw Sam in clinic last month.",
}
NOT_KNOWN = {
    "what_we_know": "Referred in March and not yet seen.",
    "name": "Dr Chris Jones",
    "role": "Community paediatrician",
    "confirm": "y",
}
# What a page says when it does not know the request closed: none of it may show.
UNTOLD = ("Open the link in your email", "may have expired", "not valid", "replaced")


@dataclass(frozen=True)
class Held:
    """A request its contributor holds: its id and the link their email carried."""

    id: uuid.UUID
    link: str


@pytest.fixture
def health(client: FlaskClient, session: Any, svc: Any, jobs: Any, officer: User) -> Held:
    """The health contributor, emailed and signed in through their link."""
    make_assessment(session, agreed=True, case_officer=officer)
    session.commit()
    jobs.run()
    advice_request = fresh(session).scalar(
        select(AdviceRequest).where(AdviceRequest.agency == "health")
    )
    held = Held(advice_request.id, link_to(svc, advice_request.contributor.email))
    open_link(client, held.link)
    return held


def post(client: FlaskClient, url: str, data: dict[str, str]) -> Any:
    page = client.get(url)
    assert page.status_code == 200, url
    return client.post(url, data={"csrf_token": csrf_of(page.data), **data})


def shown(response: Any) -> str:
    return text_of(parse_page(response.data))


def assert_tells(response: Any, *, status: int, title: str, says: list[str]) -> str:
    assert response.status_code == status
    soup = parse_page(response.data)
    text = text_of(soup)
    assert title in soup.title.string
    for words in says:
        assert words in text, words
    for words in UNTOLD:
        assert words not in text, words
    return text


# Every page of the request a contributor may have open, or come back to.
PAGES = ["", "/pass-on", "/not-known", "/deadline", "/check", "/declaration", "/closed"]


# --- Passed on ------------------------------------------------------------------------------


def test_the_passed_on_request_tells_its_old_link_back_and_every_page_to_whom_and_when(
    app: Any, client: FlaskClient, session: Any, svc: Any, jobs: Any, health: Held
) -> None:
    form_url = f"/advice/{health.id}"
    assert post(client, f"{form_url}/pass-on", COLLEAGUE).status_code == 303
    old = fresh(session).get_one(AdviceRequest, health.id)
    new = old.passed_on_to
    when = london_datetime(new.created_at)
    jobs.run()
    colleague_link = link_to(svc, COLLEAGUE["colleague_email"])
    story = [
        f"This request was passed to Priya Shah at Children's Therapy Service on {when}.",
        "The link in your email no longer works",
        "anything you had saved was not sent to them",
    ]

    confirmation = client.get(f"{form_url}/passed-on")
    text = assert_tells(
        confirmation, status=200, title="Request passed to your colleague", says=story
    )
    assert parse_page(confirmation.data).select_one(".govuk-panel__title") is not None

    # Back, in the browser that passed it on (its cookie is gone): every page tells the story.
    assert client.get_cookie(cookie_name(health.id)) is None
    for page in PAGES:
        back = client.get(f"{form_url}{page}")
        assert_tells(back, status=410, title="This request was passed to a colleague", says=story)

    # The old emailed link tells it to anyone holding the link, Start pressed or not.
    stranger = app.test_client()
    for response in (
        stranger.get(path_of(health.link)),
        stranger.post(
            path_of(health.link),
            data={"csrf_token": csrf_of(stranger.get("/sign-in").data)},
        ),
    ):
        text = assert_tells(
            response, status=410, title="This request was passed to a colleague", says=story
        )
        # Their name and organisation only: nothing else of the colleague or their request.
        for private in (
            COLLEAGUE["colleague_email"],
            COLLEAGUE["colleague_role"],
            COLLEAGUE["note"],
            path_of(colleague_link),
            path_of(colleague_link).removeprefix("/a/"),
            str(new.id),
        ):
            assert private not in response.data.decode(), private
        assert "Start now" not in text
    # A browser that never held the link is still told only to open it.
    assert "Open the link in your email" in shown(stranger.get(form_url))


def test_the_old_cookie_of_a_request_passed_on_elsewhere_tells_what_happened(
    app: Any, client: FlaskClient, session: Any, health: Held
) -> None:
    """Passed on from a second browser: the first one, still holding its cookie, is told."""
    other = app.test_client()
    open_link(other, health.link)
    assert post(other, f"/advice/{health.id}/pass-on", COLLEAGUE).status_code == 303
    response = client.get(f"/advice/{health.id}/check")
    assert_tells(
        response,
        status=410,
        title="This request was passed to a colleague",
        says=["to Priya Shah at Children's Therapy Service"],
    )


# --- Declined: not known to our service --------------------------------------------------


def test_the_declined_request_tells_its_old_link_and_back_who_said_so_and_when(
    app: Any, client: FlaskClient, session: Any, health: Held
) -> None:
    assert post(client, f"/advice/{health.id}/not-known", NOT_KNOWN).status_code == 303
    declined = fresh(session).get_one(AdviceRequest, health.id)
    says = [
        f"Dr Chris Jones told us on {london_datetime(declined.declined_at)} that Sam T., "
        f"born 3 May 2016 is not known to {declined.contributor.organisation}",
        "will not chase you",
    ]
    title = "You told us this child or young person is not known to your service"
    for page in ("/not-known", "/pass-on", ""):
        followed = client.get(f"/advice/{health.id}{page}", follow_redirects=True)
        assert_tells(followed, status=200, title=title, says=says)
    # The old link still stands, but there is nothing to start: it tells the story.
    old_link = app.test_client().get(path_of(health.link))
    text = assert_tells(old_link, status=200, title=title, says=says)
    assert "Start now" not in text


# --- Withdrawn, and replaced by existing advice --------------------------------------------


def test_the_withdrawn_request_tells_its_old_link_and_cookie_who_withdrew_it_and_when(
    app: Any, client: FlaskClient, session: Any, health: Held
) -> None:
    stored = fresh(session).get_one(AdviceRequest, health.id)
    withdraw_request(session, stored, reason="Duplicate", now=utcnow(), actor="user:1")
    session.commit()
    when = london_datetime(fresh(session).get_one(AdviceRequest, health.id).withdrawn_at)
    says = [
        f"Demo County Council withdrew this request for advice on {when}.",
        "The link in your email no longer works",
    ]
    title = "This request has been withdrawn"
    for page in PAGES:
        text = assert_tells(
            client.get(f"/advice/{health.id}{page}"), status=410, title=title, says=says
        )
        assert "Duplicate" not in text  # the officer's reason is the council's own record
    assert_tells(app.test_client().get(path_of(health.link)), status=410, title=title, says=says)


def test_a_request_replaced_by_existing_advice_says_whose_advice_is_used_instead(
    app: Any, client: FlaskClient, session: Any, health: Held
) -> None:
    today = date.today()
    stored = fresh(session).get_one(AdviceRequest, health.id)
    record_reuse(
        session,
        stored.assessment,
        advice=ExistingAdvice(
            agency="health",
            description="Paediatric report, January",
            author_name="Dr Amara Obi",
            advice_dated=today - timedelta(days=60),
            author_agreed_on=today,
            la_agreed_on=today,
            family_agreed_on=today,
            family_agreed_by="Alex Taylor-Brown",
        ),
        replaced_request=stored,
        now=utcnow(),
        actor="user:1",
        actor_name="Olu Adeyemi",
    )
    session.commit()
    dated = today - timedelta(days=60)
    says = [
        "withdrew this request for advice on",
        f"It is using existing advice instead: advice by Dr Amara Obi, dated "
        f"{dated.day} {dated:%B %Y}",
        "regulation 6(4)",
    ]
    for response in (
        client.get(f"/advice/{health.id}"),
        app.test_client().get(path_of(health.link)),
    ):
        assert_tells(response, status=410, title="This request has been withdrawn", says=says)


# --- Lapsed access, an expired link -------------------------------------------------------


def test_access_that_lapsed_on_a_closed_request_tells_the_story_not_to_sign_in_again(
    app: Any, client: FlaskClient, session: Any, health: Held
) -> None:
    assert post(client, f"/advice/{health.id}/not-known", NOT_KNOWN).status_code == 303
    # Past CONTRIBUTOR_ACCESS_SECONDS (12 hours) without a page view, the cookie still kept.
    with time_machine.travel(utcnow() + timedelta(hours=13), tick=False):
        response = client.get(f"/advice/{health.id}/not-known")
    assert_tells(
        response,
        status=410,
        title="You told us this child or young person is not known to your service",
        says=["Dr Chris Jones told us on"],
    )


def test_an_expired_link_says_when_it_expired_and_who_sends_a_new_one(
    app: Any, session: Any, officer: User, health: Held
) -> None:
    for token in fresh(session).scalars(select(LinkToken)):
        token.expires_at = utcnow() - timedelta(days=1)
    session.commit()
    expired_at = fresh(session).scalars(select(LinkToken)).first().expires_at
    response = app.test_client().get(path_of(health.link))
    assert response.status_code == 410
    text = shown(response)
    assert "This link has expired" in text
    assert f"stopped working on {london_datetime(expired_at)}" in text
    assert f"email {officer.name} at {officer.email}" in text
    assert "ask for a new link" in text
