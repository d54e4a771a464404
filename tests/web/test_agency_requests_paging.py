"""An agency lead's requests, a page at a time: the open ones earliest due first and the advice
sealed lately newest first, each list paged on its own by keyset cursor, a damaged page link
explained rather than a failure, and the same statements whatever the data or the depth. On
SQLite and on PostgreSQL."""

from __future__ import annotations

import itertools
import random
import re
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
from bs4 import BeautifulSoup
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from advice_hub.deadlines import london_date
from advice_hub.models import (
    AdviceRequest,
    Agency,
    Assessment,
    AssessmentStatus,
    Contributor,
    RequestStatus,
    Team,
    User,
    utcnow,
)
from tests.conftest import services
from tests.factories import casework_team, make_assessment, make_user
from tests.html import parse_page, text_of
from tests.journey import sign_in
from tests.statements import statements

NOW = utcnow()
TODAY = london_date(NOW)
PAGE = "/agency-requests"
OPEN_NAME = re.compile(r"Open contributor (\d\d)")
SEALED_NAME = re.compile(r"Sealed contributor (\d\d)")
SEALED_LIST = "#sealed-advice ~ ul.govuk-list"  # not the error summary's list
POSITIONS = itertools.count(100)
# Advice 20 and 21 were submitted at the same moment: either may come first.
TIED = {21: 20}


@contextmanager
def committed(app: Flask) -> Iterator[Session]:
    """A short session that commits at the end (on SQLite an open one holds the write lock)."""
    with services(app).session_factory() as session, session.begin():
        yield session


def _assessment(session: Session, team_name: str = "North team") -> Assessment:
    team = casework_team(session, team_name)
    officer = make_user(
        session,
        email=f"officer.{team_name.split()[0].lower()}@council.example",
        name=f"{team_name.split()[0]} Officer",
        role="case_officer",
        teams=[team],
    )
    assessment = make_assessment(
        session,
        agreed=True,
        agencies=(Agency.HEALTH, Agency.EDUCATION),
        team=team,
        case_officer=officer,
    )
    session.flush()
    return assessment


def _request(
    session: Session, assessment: Assessment, name: str, *, agency: Agency = Agency.HEALTH
) -> AdviceRequest:
    """Another request of the assessment, to a contributor of its own called ``name``."""
    like = next(r for r in assessment.advice_requests if r.agency == agency)
    person = Contributor(
        assessment_id=assessment.id,
        position=next(POSITIONS),
        agency=agency.value,
        name=name,
        email=f"{name.lower().replace(' ', '.')}@example.org",
        organisation=f"{agency.label} Service",
        role="Practitioner",
    )
    session.add(person)
    session.flush()
    advice_request = AdviceRequest(
        assessment_id=assessment.id,
        contributor_id=person.id,
        agency=agency.value,
        template_key=like.template_key,
        template_version=like.template_version,
        status=RequestStatus.SENT,
        created_at=NOW - timedelta(days=40),
        received_at=NOW - timedelta(days=40),
    )
    session.add(advice_request)
    return advice_request


def add_open(session: Session, assessment: Assessment, n: int) -> None:
    """``n`` open health requests, "Open contributor 00" the earliest due: made in a shuffled
    order, one whose extension moved it later, two due the same day (the first made first)
    and, last, one not sent yet, which has no due date."""
    made = list(range(n))
    random.Random(n).shuffle(made)
    for k in made:
        advice_request = _request(session, assessment, f"Open contributor {k:02d}")
        advice_request.due_on = TODAY + timedelta(days=k - 5)
        if k == 11:  # due the same day as 10, and made a minute after it
            advice_request.due_on = TODAY + timedelta(days=10 - 5)
            advice_request.created_at += timedelta(minutes=1)
        if k == 30:  # due first by statute, but extended to its place in the order
            advice_request.due_on = TODAY - timedelta(days=60)
            advice_request.extended_due_on = TODAY + timedelta(days=30 - 5)
        if k == n - 1 and n > 5:
            advice_request.status = RequestStatus.QUEUED
            advice_request.due_on = advice_request.received_at = None


def add_sealed(session: Session, assessment: Assessment, n: int) -> None:
    """``n`` pieces of health advice submitted lately, "Sealed contributor 00" the newest;
    20 and 21 submitted at the same moment."""
    for k in range(n):
        advice_request = _request(session, assessment, f"Sealed contributor {k:02d}")
        advice_request.status = RequestStatus.SUBMITTED
        advice_request.submitted_at = NOW - timedelta(hours=min(k, 20) + max(k - 21, 0) + 1)


def add_others(session: Session, assessment: Assessment) -> None:
    """What the health lead must never see: another agency's requests, advice sealed too long
    ago, and an open request of an assessment that is closed."""
    _request(session, assessment, "Other open contributor", agency=Agency.EDUCATION).due_on = (
        TODAY - timedelta(days=30)
    )
    theirs = _request(session, assessment, "Other sealed contributor", agency=Agency.EDUCATION)
    theirs.status, theirs.submitted_at = RequestStatus.SUBMITTED, NOW - timedelta(hours=1)
    stale = _request(session, assessment, "Stale contributor")
    stale.status, stale.submitted_at = RequestStatus.SUBMITTED, NOW - timedelta(days=91)
    closed = _assessment(session, "South team")
    closed.status = AssessmentStatus.CLOSED
    _request(session, closed, "Closed case contributor").due_on = TODAY - timedelta(days=50)


@pytest.fixture
def lead(any_db_app: Flask) -> FlaskClient:
    """The health lead, signed in."""
    with committed(any_db_app) as session:
        user = make_user(
            session,
            email="dco@icb.example",
            name="Dana",
            role="agency_lead",
            agency=Agency.HEALTH.value,
        )
        user_id = user.id
    return sign_in(any_db_app.test_client(), user_id)


def seed(app: Flask, *, open_requests: int, sealed: int) -> None:
    with committed(app) as session:
        assessment = _assessment(session)
        for advice_request in assessment.advice_requests:  # the factory's own: out of the way
            advice_request.status = RequestStatus.WITHDRAWN
        add_open(session, assessment, open_requests)
        add_sealed(session, assessment, sealed)
        add_others(session, assessment)


def get(client: FlaskClient, url: str, status: int = 200) -> BeautifulSoup:
    response = client.get(url)
    assert response.status_code == status, response.data
    return parse_page(response.data)


def open_rows(page: BeautifulSoup) -> list[int]:
    return [int(m) for m in OPEN_NAME.findall(text_of(page.select_one("table")))]


def sealed_rows(page: BeautifulSoup) -> list[int]:
    """The advice on the page, newest first, 21 read as 20 (they were submitted together)."""
    found = [int(m) for m in SEALED_NAME.findall(text_of(page.select_one(SEALED_LIST)))]
    return [TIED.get(k, k) for k in found]


def sealed(*numbers: int) -> list[int]:
    return [TIED.get(k, k) for k in numbers]


def links(page: BeautifulSoup, landmark: str) -> dict[str, str]:
    nav = page.select_one(f'nav.govuk-pagination[aria-label="{landmark}"]')
    return {} if nav is None else {a["rel"][0]: a["href"] for a in nav.select("a[rel]")}


OPEN_PAGES = "Pages of open requests"
SEALED_PAGES = "Pages of advice submitted"


# --- Paging -------------------------------------------------------------------------------------


def test_open_requests_come_50_a_page_earliest_due_first_and_page_back(
    any_db_app: Flask, lead: FlaskClient
) -> None:
    seed(any_db_app, open_requests=60, sealed=0)
    first = get(lead, PAGE)
    assert open_rows(first) == list(range(50))
    text = text_of(first)
    assert "Showing 50 of 60 open requests, the earliest due first." in text
    assert "Only the" not in text
    caption = first.select_one("table caption")
    assert text_of(caption) == "Open requests, the earliest due first"
    # The overdue ones say so: the first five are due before today.
    rows = first.select("tbody tr")
    assert ["Overdue" in text_of(row.select("td")[0]) for row in rows[:6]] == [True] * 5 + [False]
    assert "North Officer" in text_of(rows[0]) and "North team" in text_of(rows[0])
    paging = links(first, OPEN_PAGES)
    assert set(paging) == {"next"}
    assert paging["next"].endswith("#open-requests")

    second = get(lead, paging["next"])
    assert open_rows(second) == list(range(50, 60))
    assert "Showing 10 of 60 open requests" in text_of(second)
    assert text_of(second.select("tbody tr")[-1].select("td")[0]) == "Not sent yet"
    paging = links(second, OPEN_PAGES)
    assert set(paging) == {"prev"}
    assert open_rows(get(lead, paging["prev"])) == list(range(50))


def test_the_sealed_advice_pages_on_its_own_and_each_list_keeps_the_others_place(
    any_db_app: Flask, lead: FlaskClient
) -> None:
    seed(any_db_app, open_requests=60, sealed=60)
    first = get(lead, PAGE)
    assert sealed_rows(first) == sealed(*range(25))
    assert "Showing 25 of 60 submitted in the last 90 days, the newest first." in text_of(first)
    sealed_link = first.select_one(f"{SEALED_LIST} a")
    assert sealed_link["href"].startswith("/assessments/") and "/advice/" in sealed_link["href"]
    # Open requests to their second page: the advice submitted stays on its first.
    open_second = get(lead, links(first, OPEN_PAGES)["next"])
    assert open_rows(open_second) == list(range(50, 60))
    assert sealed_rows(open_second) == sealed(*range(25))
    # The advice submitted to its second and third pages: the open requests stay on their second.
    next_sealed = links(open_second, SEALED_PAGES)["next"]
    assert parse_qs(urlsplit(next_sealed).query).keys() == {"open", "sealed"}
    assert next_sealed.endswith("#sealed-advice")
    sealed_second = get(lead, next_sealed)
    assert sealed_rows(sealed_second) == sealed(*range(25, 50))
    assert open_rows(sealed_second) == list(range(50, 60))
    sealed_third = get(lead, links(sealed_second, SEALED_PAGES)["next"])
    assert sealed_rows(sealed_third) == sealed(*range(50, 60))
    assert open_rows(sealed_third) == list(range(50, 60))
    assert "next" not in links(sealed_third, SEALED_PAGES)
    back = get(lead, links(sealed_third, SEALED_PAGES)["prev"])
    assert sealed_rows(back) == sealed(*range(25, 50))
    assert open_rows(back) == list(range(50, 60))
    # Going back to the first page of open requests keeps the advice on its page.
    open_first = get(lead, links(back, OPEN_PAGES)["prev"])
    assert open_rows(open_first) == list(range(50))
    assert sealed_rows(open_first) == sealed(*range(25, 50))


def test_another_agencys_requests_and_old_or_closed_ones_never_appear(
    any_db_app: Flask, lead: FlaskClient
) -> None:
    seed(any_db_app, open_requests=60, sealed=30)
    seen = ""
    url: str | None = PAGE
    while url:  # every page of both lists
        page = get(lead, url)
        seen += text_of(page)
        url = links(page, OPEN_PAGES).get("next") or links(page, SEALED_PAGES).get("next")
    assert seen.count("Open contributor") and seen.count("Sealed contributor")
    for never in ("Other open", "Other sealed", "Stale contributor", "Closed case", "South"):
        assert never not in seen, never
    first = text_of(get(lead, PAGE))
    assert "Showing 50 of 60 open requests" in first
    assert "Showing 25 of 30 submitted in the last 90 days" in first


def test_a_short_list_shows_its_count_and_no_pages(any_db_app: Flask, lead: FlaskClient) -> None:
    seed(any_db_app, open_requests=3, sealed=1)
    page = get(lead, PAGE)
    text = text_of(page)
    assert "3 open requests, the earliest due first." in text
    assert "1 submitted in the last 90 days, the newest first." in text
    assert page.select_one("nav.govuk-pagination") is None


def test_empty_lists_say_so(any_db_app: Flask, lead: FlaskClient) -> None:
    text = text_of(get(lead, PAGE))
    assert "No request for health advice is open." in text
    assert "No health advice was submitted in the last 90 days." in text


# --- What cannot be shown ---------------------------------------------------------------------


def test_a_damaged_page_link_is_explained_with_the_other_list_still_shown(
    any_db_app: Flask, lead: FlaskClient
) -> None:
    seed(any_db_app, open_requests=60, sealed=30)
    page = get(lead, f"{PAGE}?open=not-a-cursor", status=400)
    assert page.title.string.startswith("Error: ")
    summary = page.select_one(".govuk-error-summary")
    assert "The page link is damaged or out of date" in text_of(summary)
    assert summary.select_one("a")["href"] == "#open-requests"
    text = text_of(page)
    assert "The open requests cannot be shown from that page link." in text
    assert page.find("a", string="Go to the first page of open requests")["href"] == (
        "/agency-requests#open-requests"
    )
    assert sealed_rows(page) == sealed(*range(25))
    # The advice's own links do not carry the damaged one along.
    assert "open=" not in links(page, SEALED_PAGES)["next"]

    # A link made for the other list is refused too.
    first = get(lead, PAGE)
    open_cursor = parse_qs(urlsplit(links(first, OPEN_PAGES)["next"]).query)["open"][0]
    page = get(lead, f"{PAGE}?sealed={open_cursor}", status=400)
    assert "made for another order" in text_of(page.select_one(".govuk-error-summary"))
    assert "The advice submitted cannot be shown from that page link." in text_of(page)
    assert open_rows(page) == list(range(50))


def test_a_lead_with_no_agency_is_told_why_there_is_nothing_to_show(any_db_app: Flask) -> None:
    with committed(any_db_app) as session:
        lee: User = make_user(session, email="lee@icb.example", name="Lee", role="agency_lead")
        lee_id = lee.id
    client = sign_in(any_db_app.test_client(), lee_id)
    text = text_of(get(client, f"{PAGE}?open=not-a-cursor"))
    assert "Your account does not yet say which agency you speak for" in text
    assert "Ask your council's advice_hub administrator to record your agency" in text


# --- Cost ----------------------------------------------------------------------------------------


def test_the_same_statements_for_5_or_60_requests_and_on_a_deep_page(
    any_db_app: Flask, lead: FlaskClient
) -> None:
    engine = services(any_db_app).engine
    seed(any_db_app, open_requests=5, sealed=5)
    get(lead, PAGE)
    with statements(engine) as few:
        page = get(lead, PAGE)
    assert len(open_rows(page)) == 5 and len(sealed_rows(page)) == 5
    with committed(any_db_app) as session:
        assessment = session.scalars(
            select(Assessment).join(Assessment.team).where(Team.name == "North team")
        ).one()
        add_open(session, assessment, 60)
        add_sealed(session, assessment, 60)
    with statements(engine) as many:
        first = get(lead, PAGE)
    assert len(open_rows(first)) == 50 and len(sealed_rows(first)) == 25
    assert len(many) == len(few), "\n".join(many)
    url = links(first, OPEN_PAGES)["next"]
    url = links(get(lead, url), SEALED_PAGES)["next"]
    url = links(get(lead, url), SEALED_PAGES)["next"]
    with statements(engine) as deep:
        page = get(lead, url)
    assert sealed_rows(page) and open_rows(page)
    assert len(deep) == len(few), "\n".join(deep)


def test_the_open_requests_index_covers_exactly_the_requests_not_closed() -> None:
    from advice_hub.models import CLOSED_STATUSES, OPEN_REQUEST_CONDITION

    closed = ", ".join(f"'{s}'" for s in sorted(str(s) for s in CLOSED_STATUSES))
    assert f"status NOT IN ({closed})" == OPEN_REQUEST_CONDITION
