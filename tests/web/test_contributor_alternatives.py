"""Instead of advice: not known to our service, pass to a colleague, the deadline cannot be met."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from flask.testing import FlaskClient
from sqlalchemy import func, select

from advice_hub.deadlines import london_date
from advice_hub.models import (
    AdviceRequest,
    AuditEvent,
    DeadlineReport,
    RequestStatus,
    User,
    utcnow,
)
from advice_hub.web.contributor.access import cookie_name
from notifications.mailbox import list_messages, message_html, read_message
from tests.factories import fresh, make_assessment
from tests.html import parse_page, text_of
from tests.journey import csrf_of, link_to, mail_folder, open_link, path_of, sign_in

HOSTILE = '<script>alert("x")</script><b>bold</b>'
TODAY = london_date(utcnow())


# --- Helpers -----------------------------------------------------------------------------


@pytest.fixture
def health(client: FlaskClient, session: Any, svc: Any, jobs: Any, officer: User) -> Any:
    """The health contributor, emailed and signed in through their link."""
    make_assessment(session, agreed=True, case_officer=officer)
    session.commit()
    jobs.run()
    advice_request = fresh(session).scalar(
        select(AdviceRequest).where(AdviceRequest.agency == "health")
    )
    open_link(client, link_to(svc, advice_request.contributor.email))
    return advice_request


def page_url(advice_request: AdviceRequest, page: str) -> str:
    return f"/advice/{advice_request.id}/{page}"


def post_page(client: FlaskClient, url: str, data: dict[str, str], csrf: str | None = None) -> Any:
    page = client.get(url)
    assert page.status_code == 200
    return client.post(url, data={"csrf_token": csrf or csrf_of(page.data), **data})


def summary_links(soup: Any) -> list[str]:
    return [a["href"] for a in soup.select(".govuk-error-summary__list a")]


def officer_page(client: FlaskClient, user: User, advice_request: AdviceRequest) -> Any:
    sign_in(client, user.id)
    response = client.get(f"/assessments/{advice_request.assessment_id}")
    assert response.status_code == 200
    return response


NOT_KNOWN = {
    "what_we_know": "Referred in March and not yet seen.\nKnown to the CAMHS duty team.",
    "name": "Dr Chris Jones",
    "role": "Community paediatrician",
    "confirm": "y",
}
PASS_ON = {
    "colleague_name": "Priya Shah",
    "colleague_email": "priya.shah@NHS.Example.org",
    "colleague_role": "Speech and language therapist",
    "colleague_organisation": "Children's Therapy Service",
    "note": "Priya saw Sam in clinic last month.",
}
DEADLINE = {
    "reason": "absent_from_area",
    "details": "The family is abroad until the end of June.",
    "expected_by-day": "10",
    "expected_by-month": "7",
    "expected_by-year": str(TODAY.year + 1),
}
PAGES = {
    # page: (valid answers, the textarea, a one-line field, what the button says)
    "not-known": (NOT_KNOWN, "what_we_know", "name", "Send to the case officer"),
    "pass-on": (PASS_ON, "note", "colleague_name", "Pass on this request"),
    "deadline": (DEADLINE, "details", None, "Send to the case officer"),
}
TEXT_LIMITS = {"what_we_know": 5000, "note": 2000, "details": 5000}


# --- Every page ---------------------------------------------------------------------------


@pytest.mark.parametrize("page", PAGES)
def test_each_page_has_a_back_link_to_the_form_and_passes_the_page_checks(
    client: FlaskClient, health: Any, page: str
) -> None:
    response = client.get(page_url(health, page))
    assert response.status_code == 200
    soup = parse_page(response.data)
    assert soup.select_one(".govuk-back-link")["href"] == f"/advice/{health.id}"
    assert not soup.title.string.startswith("Error:")
    assert soup.find("h1").get_text(strip=True) in soup.title.string


@pytest.mark.parametrize("page", [*PAGES, "closed", "deadline/reported"])
def test_without_the_link_each_page_says_to_open_the_email(
    client: FlaskClient, health: Any, page: str
) -> None:
    client.delete_cookie(cookie_name(health.id), path="/")
    response = client.get(page_url(health, page))
    assert response.status_code == 403
    assert "Open the link in your email" in text_of(parse_page(response.data))


@pytest.mark.parametrize("page", PAGES)
def test_a_page_left_empty_names_each_problem_in_a_summary_that_links_to_it(
    client: FlaskClient, session: Any, health: Any, page: str
) -> None:
    response = post_page(client, page_url(health, page), {})
    assert response.status_code == 400
    soup = parse_page(response.data)
    assert soup.title.string.startswith("Error:")
    links = summary_links(soup)
    assert links
    for href in links:
        assert soup.find(id=href.removeprefix("#")) is not None, href
    assert fresh(session).get_one(AdviceRequest, health.id).status == RequestStatus.OPENED


@pytest.mark.parametrize("page", PAGES)
def test_text_that_is_too_long_is_refused_with_a_message_and_kept_on_the_page(
    client: FlaskClient, session: Any, health: Any, page: str
) -> None:
    answers, textarea, _line, _button = PAGES[page]
    too_long = "x" * (TEXT_LIMITS[textarea] + 1)
    response = post_page(client, page_url(health, page), {**answers, textarea: too_long})
    assert response.status_code == 400
    soup = parse_page(response.data)
    assert f"{TEXT_LIMITS[textarea]:,} characters or fewer" in text_of(soup)
    assert f"#{textarea}" in summary_links(soup)
    assert soup.find(id=textarea).text == too_long
    assert fresh(session).get_one(AdviceRequest, health.id).status == RequestStatus.OPENED
    assert session.scalar(select(func.count(DeadlineReport.id))) == 0


@pytest.mark.parametrize("page", PAGES)
def test_a_nul_byte_is_refused_with_a_message_and_the_other_answers_are_kept(
    client: FlaskClient, session: Any, health: Any, page: str
) -> None:
    answers, textarea, line, _button = PAGES[page]
    response = post_page(
        client, page_url(health, page), {**answers, textarea: "Seen once\x00 in clinic"}
    )
    assert response.status_code == 400
    soup = parse_page(response.data)
    assert "control character" in text_of(soup)
    if line is not None:
        assert soup.find(id=line)["value"] == answers[line]
    assert fresh(session).get_one(AdviceRequest, health.id).status == RequestStatus.OPENED
    assert session.scalar(select(func.count(DeadlineReport.id))) == 0


@pytest.mark.parametrize("page", PAGES)
def test_a_forged_or_lapsed_security_token_sends_nothing_and_keeps_what_was_typed(
    client: FlaskClient, session: Any, health: Any, page: str
) -> None:
    answers, textarea, _line, button = PAGES[page]
    events = session.scalar(select(func.count(AuditEvent.id)))
    response = post_page(client, page_url(health, page), answers, csrf="forged-token")
    assert response.status_code == 400
    soup = parse_page(response.data)
    shown = text_of(soup)
    assert "nothing was sent" in shown
    assert f"press \u2018{button}\u2019 again" in shown
    assert soup.title.string.startswith("Error:")
    assert soup.find(id=textarea).text == answers[textarea]
    # The page carries a fresh token: sending it again works.
    again = client.post(
        page_url(health, page), data={"csrf_token": csrf_of(response.data), **answers}
    )
    assert again.status_code == 303
    fresh(session)
    assert session.scalar(select(func.count(AuditEvent.id))) > events


def test_a_forged_token_without_the_link_still_says_to_open_the_email(
    client: FlaskClient, health: Any
) -> None:
    client.delete_cookie(cookie_name(health.id), path="/")
    response = client.post(page_url(health, "not-known"), data={**NOT_KNOWN, "csrf_token": "x"})
    assert response.status_code == 403
    assert "Open the link in your email" in text_of(parse_page(response.data))


# --- Not known to our service -------------------------------------------------------------


def test_not_known_records_what_they_know_and_says_what_happens_next(
    client: FlaskClient, session: Any, health: Any
) -> None:
    page = parse_page(client.get(page_url(health, "not-known")).data)
    assert page.find(id="name")["value"] == health.contributor.name  # prefilled
    assert page.find(id="what_we_know-hint") is not None

    response = post_page(client, page_url(health, "not-known"), NOT_KNOWN)
    assert response.status_code == 303
    assert response.headers["Location"] == page_url(health, "closed")

    stored = fresh(session).get_one(AdviceRequest, health.id)
    assert stored.status == RequestStatus.DECLINED
    assert stored.declined_what_they_know == NOT_KNOWN["what_we_know"]
    assert stored.declined_by_name == "Dr Chris Jones"

    closed = client.get(response.headers["Location"])
    assert closed.status_code == 200
    shown = text_of(parse_page(closed.data))
    assert "not known to your service" in shown
    assert "Known to the CAMHS duty team." in shown
    assert "will not chase you" in shown
    assert "do not need to do anything else" in shown


def test_not_known_needs_the_confirmation_ticked(
    client: FlaskClient, session: Any, health: Any
) -> None:
    response = post_page(client, page_url(health, "not-known"), {**NOT_KNOWN, "confirm": ""})
    assert response.status_code == 400
    soup = parse_page(response.data)
    assert "#confirm" in summary_links(soup)
    assert soup.find(id="what_we_know").text == NOT_KNOWN["what_we_know"]
    assert fresh(session).get_one(AdviceRequest, health.id).status == RequestStatus.OPENED


def test_a_declined_request_cannot_be_declined_or_passed_on_again(
    client: FlaskClient, session: Any, health: Any
) -> None:
    page = client.get(page_url(health, "pass-on"))
    assert post_page(client, page_url(health, "not-known"), NOT_KNOWN).status_code == 303

    for name in PAGES:
        assert client.get(page_url(health, name)).headers["Location"] == page_url(health, "closed")
    late = client.post(
        page_url(health, "pass-on"), data={"csrf_token": csrf_of(page.data), **PASS_ON}
    )
    assert late.status_code == 303
    assert late.headers["Location"] == page_url(health, "closed")
    assert fresh(session).scalar(select(func.count(AdviceRequest.id))) == 4


# --- Passing on to a colleague ------------------------------------------------------------


def test_passing_on_sends_the_colleague_their_own_link_and_the_old_link_stops_working(
    client: FlaskClient, session: Any, svc: Any, jobs: Any, health: Any
) -> None:
    old_link = link_to(svc, health.contributor.email)
    old_cookie = client.get_cookie(cookie_name(health.id))
    assert old_cookie is not None
    form = parse_page(client.get(page_url(health, "pass-on")).data)
    assert form.find(id="colleague_organisation")["value"] == health.contributor.organisation

    response = post_page(client, page_url(health, "pass-on"), PASS_ON)
    assert response.status_code == 303
    done = client.get(response.headers["Location"])
    assert done.status_code == 200
    shown = text_of(parse_page(done.data))
    assert "Priya Shah at Children's Therapy Service" in shown
    assert "priya.shah@nhs.example.org" not in shown  # the colleague's name and service only
    assert "no longer works" in shown

    old = fresh(session).get_one(AdviceRequest, health.id)
    new = old.passed_on_to
    assert old.status == RequestStatus.PASSED_ON
    assert new is not None and new.passed_on_from_id == old.id
    assert (new.template_key, new.template_version) == (old.template_key, old.template_version)
    assert new.contributor.email == "priya.shah@nhs.example.org"  # normalised domain

    # The old emailed link and the old cookie open nothing: they say it was passed on.
    gone = client.get(path_of(old_link))
    assert gone.status_code == 410
    assert "passed to Priya Shah" in text_of(parse_page(gone.data))
    client.set_cookie(
        old_cookie.key, old_cookie.value, path="/", secure=True, httponly=True, samesite="Lax"
    )
    for url in (f"/advice/{old.id}", page_url(old, "not-known"), page_url(old, "deadline")):
        response = client.get(url)
        assert response.status_code == 410, url
        assert "passed to Priya Shah" in text_of(parse_page(response.data))

    # The colleague's email carries a link of their own, which opens their own request.
    jobs.run()
    colleague_link = link_to(svc, "priya.shah@nhs.example.org")
    assert colleague_link != old_link
    opened = open_link(client, colleague_link)
    assert opened.status_code == 303
    assert opened.headers["Location"] == f"/advice/{new.id}"
    new = fresh(session).get_one(AdviceRequest, new.id)
    assert new.received_at is not None
    assert new.due_on is not None  # their own 6 weeks, from receiving their email


def test_the_passed_on_confirmation_shows_only_in_the_browser_that_passed_it_on(
    app: Any, client: FlaskClient, health: Any
) -> None:
    response = post_page(client, page_url(health, "pass-on"), PASS_ON)
    assert client.get(response.headers["Location"]).status_code == 200
    stranger = app.test_client()
    assert stranger.get(response.headers["Location"]).status_code == 403


def test_passing_on_to_your_own_address_is_refused_and_keeps_what_was_typed(
    client: FlaskClient, session: Any, health: Any
) -> None:
    own = health.contributor.email.upper()
    response = post_page(client, page_url(health, "pass-on"), {**PASS_ON, "colleague_email": own})
    assert response.status_code == 400
    soup = parse_page(response.data)
    assert "#colleague_email" in summary_links(soup)
    assert "Enter your colleague's email address" in text_of(soup)
    assert soup.find(id="note").text == PASS_ON["note"]
    assert soup.find(id="colleague_name")["value"] == PASS_ON["colleague_name"]
    assert fresh(session).get_one(AdviceRequest, health.id).status == RequestStatus.OPENED


def test_an_email_address_in_the_wrong_format_is_refused(
    client: FlaskClient, session: Any, health: Any
) -> None:
    response = post_page(
        client, page_url(health, "pass-on"), {**PASS_ON, "colleague_email": "priya at nhs"}
    )
    assert response.status_code == 400
    soup = parse_page(response.data)
    assert "correct format" in text_of(soup)
    assert soup.find(id="colleague_email")["value"] == "priya at nhs"
    assert fresh(session).scalar(select(func.count(AdviceRequest.id))) == 4


def test_a_colleagues_name_with_html_in_it_is_shown_as_text_in_their_email(
    client: FlaskClient, svc: Any, jobs: Any, health: Any
) -> None:
    post_page(client, page_url(health, "pass-on"), {**PASS_ON, "colleague_name": HOSTILE})
    jobs.run()
    folder = mail_folder(svc)
    stored = next(m for m in list_messages(folder) if m.to == "priya.shah@nhs.example.org")
    html = message_html(read_message(folder, stored.name))
    assert "<script>" not in html and "<b>bold</b>" not in html
    assert "&lt;script&gt;" in html


# --- The deadline cannot be met -----------------------------------------------------------


def test_the_deadline_page_says_plainly_that_a_waiting_list_is_not_a_lawful_reason(
    client: FlaskClient, health: Any
) -> None:
    soup = parse_page(client.get(page_url(health, "deadline")).data)
    shown = text_of(soup)
    assert "A waiting list is not one of them" in shown
    assert "does not allow it as a reason" in shown
    radios = soup.select("input[name=reason]")
    assert [r["value"] for r in radios] == [
        "exceptional_circumstances",
        "absent_from_area",
        "missed_appointment",
        "other",
    ]
    assert not any(r.has_attr("checked") for r in radios)  # nothing chosen for them
    assert soup.find(id="expected_by-day") is not None


@pytest.mark.parametrize(
    ("reason", "lawful"),
    [
        ("exceptional_circumstances", True),
        ("absent_from_area", True),
        ("missed_appointment", True),
        ("other", False),
    ],
)
def test_a_deadline_report_is_an_exception_only_for_a_reason_the_law_allows(
    client: FlaskClient, session: Any, health: Any, reason: str, lawful: bool
) -> None:
    response = post_page(client, page_url(health, "deadline"), {**DEADLINE, "reason": reason})
    assert response.status_code == 303
    assert response.headers["Location"] == page_url(health, "deadline/reported")

    report = fresh(session).scalars(select(DeadlineReport)).one()
    assert report.reason == reason
    assert report.is_lawful_exception is lawful
    assert report.details == DEADLINE["details"]
    assert report.expected_by is not None and report.expected_by.month == 7
    assert report.advice_request.status == RequestStatus.OPENED  # still open for advice

    shown = text_of(parse_page(client.get(response.headers["Location"]).data))
    if lawful:
        assert "one the law allows" in shown
    else:
        assert "not one the law allows" in shown and "still due" in shown
    assert "still give your advice with the same link" in shown


def test_an_expected_date_that_is_not_a_real_date_is_refused_and_kept(
    client: FlaskClient, session: Any, health: Any
) -> None:
    answers = {**DEADLINE, "expected_by-day": "31", "expected_by-month": "2"}
    response = post_page(client, page_url(health, "deadline"), answers)
    assert response.status_code == 400
    soup = parse_page(response.data)
    assert "#expected_by-day" in summary_links(soup)
    assert "must be a real date" in text_of(soup)
    assert soup.find(id="expected_by-day")["value"] == "31"
    assert soup.select_one("input[name=reason][checked]")["value"] == "absent_from_area"
    assert fresh(session).scalar(select(func.count(DeadlineReport.id))) == 0


def test_an_expected_date_in_the_past_is_refused(
    client: FlaskClient, session: Any, health: Any
) -> None:
    answers = {**DEADLINE, "expected_by-year": str(TODAY.year - 1)}
    response = post_page(client, page_url(health, "deadline"), answers)
    assert response.status_code == 400
    assert "today or in the future" in text_of(parse_page(response.data))
    assert fresh(session).scalar(select(func.count(DeadlineReport.id))) == 0


# --- The closed page ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("status", "target"),
    [(RequestStatus.SUBMITTED, "/submitted"), (RequestStatus.OPENED, "")],
)
def test_the_closed_page_sends_a_submitted_or_open_request_where_it_belongs(
    client: FlaskClient, session: Any, health: Any, status: RequestStatus, target: str
) -> None:
    fresh(session).get_one(AdviceRequest, health.id).status = status
    session.commit()
    response = client.get(page_url(health, "closed"))
    assert response.status_code == 302
    assert response.headers["Location"] == f"/advice/{health.id}{target}"


def test_a_withdrawn_request_says_so(client: FlaskClient, session: Any, health: Any) -> None:
    fresh(session).get_one(AdviceRequest, health.id).status = RequestStatus.WITHDRAWN
    session.commit()
    response = client.get(page_url(health, "closed"))
    assert response.status_code == 200
    assert "withdrawn" in text_of(parse_page(response.data))
    assert client.get(page_url(health, "deadline")).status_code == 303


# --- What the case officer sees -----------------------------------------------------------


def test_the_officer_sees_what_they_know_as_text_never_as_html(
    client: FlaskClient, officer: User, health: Any
) -> None:
    words = f"Known to early help.\n{HOSTILE}"
    assert (
        post_page(
            client, page_url(health, "not-known"), {**NOT_KNOWN, "what_we_know": words}
        ).status_code
        == 303
    )
    closed = client.get(page_url(health, "closed")).data.decode()
    assert "<script>alert" not in closed and "&lt;script&gt;" in closed

    page = officer_page(client, officer, health).data.decode()
    soup = parse_page(page)
    assert "<script>alert" not in page and "<b>bold</b>" not in page
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;&lt;b&gt;bold&lt;/b&gt;" in page
    shown = text_of(soup)
    assert "Not known to service" in shown
    assert "Said by Dr Chris Jones, Community paediatrician" in shown
    tag = soup.find(string=lambda s: s and s.strip() == "Not known to service")
    assert "govuk-tag--orange" in tag.parent["class"]


def test_the_officer_sees_whom_a_request_was_passed_to_and_whom_it_came_from(
    client: FlaskClient, session: Any, officer: User, health: Any
) -> None:
    hostile_note = f"Over to you.\n{HOSTILE}"
    post_page(client, page_url(health, "pass-on"), {**PASS_ON, "note": hostile_note})
    page = officer_page(client, officer, health).data.decode()
    soup = parse_page(page)
    shown = text_of(soup)
    assert "Passed on to Priya Shah" in shown
    assert f"Passed on by {health.contributor.name}" in shown
    assert "Passed on" in [t.get_text(strip=True) for t in soup.select(".govuk-tag--purple")]
    assert "<script>alert" not in page and "&lt;script&gt;" in page
    assert "Over to you." in shown
    new = fresh(session).get_one(AdviceRequest, health.id).passed_on_to
    assert soup.find(id=f"request-{new.id}") is not None
    assert soup.find(id=f"request-{health.id}") is not None


def test_the_officer_sees_each_deadline_report_and_whether_it_is_an_exception(
    client: FlaskClient, officer: User, health: Any
) -> None:
    post_page(client, page_url(health, "deadline"), DEADLINE)
    other = {**DEADLINE, "reason": "other", "details": f"Waiting list {HOSTILE}"}
    for key in ("expected_by-day", "expected_by-month", "expected_by-year"):
        other[key] = ""
    post_page(client, page_url(health, "deadline"), other)

    page = officer_page(client, officer, health).data.decode()
    soup = parse_page(page)
    shown = text_of(soup)
    assert "Lawful exception" in shown and "Not an exception" in shown
    assert "Away from the area for 4 weeks or more" in shown
    assert f"Expects to give advice by 10 July {TODAY.year + 1}" in shown
    assert DEADLINE["details"] in shown
    assert "Reported late: not an exception" in shown  # the latest, beside the status
    assert "<script>alert" not in page and "&lt;script&gt;" in page


def test_a_request_id_that_does_not_exist_opens_nothing(client: FlaskClient, health: Any) -> None:
    assert client.get(f"/advice/{uuid.uuid4()}/not-known").status_code == 403
