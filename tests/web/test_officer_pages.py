"""Case officers record an assessment, agree to assess and follow the returns."""

from __future__ import annotations

from typing import Any

from flask.testing import FlaskClient
from sqlalchemy import select

from advice_hub.deadlines import london_date
from advice_hub.models import AdviceRequest, Assessment, AuditEvent, RequestStatus, utcnow
from tests.factories import first_text_key, fresh, make_assessment
from tests.html import parse_page, text_of
from tests.journey import csrf_of

TODAY = london_date(utcnow())
DECIDED_TODAY = {
    "decided_on-day": str(TODAY.day),
    "decided_on-month": str(TODAY.month),
    "decided_on-year": str(TODAY.year),
}


def new_assessment_data(page: bytes, **overrides: str) -> dict[str, str]:
    data = {
        "csrf_token": csrf_of(page),
        "given_names": "Riley",
        "family_name": "Okafor",
        "date_of_birth-day": "3",
        "date_of_birth-month": "5",
        "date_of_birth-year": "2016",
        "year_group": "4",
        "requested_on-day": str(TODAY.day),
        "requested_on-month": str(TODAY.month),
        "requested_on-year": str(TODAY.year),
        "save": "y",
    }
    people = [
        ("education", "Sam Senco", "senco@school.example.org", "Oak Tree Primary", "SENCO"),
        ("health", "Dr Chris Jones", "chris.jones@nhs.example.org", "Paediatrics", "Doctor"),
    ]
    for i, (agency, name, email, organisation, role) in enumerate(people):
        data |= {
            f"contributors-{i}-agency": agency,
            f"contributors-{i}-name": name,
            f"contributors-{i}-email": email,
            f"contributors-{i}-organisation": organisation,
            f"contributors-{i}-role": role,
        }
    data |= overrides
    return data


def test_staff_pages_send_a_signed_out_visitor_to_sign_in(client: FlaskClient) -> None:
    response = client.get("/assessments")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/sign-in")


def test_sign_in_never_redirects_off_the_site(client: FlaskClient, officer: Any) -> None:
    page = client.get("/sign-in?next=//evil.example/")
    response = client.post(
        "/sign-in?next=//evil.example/", data={"user": officer.id, "csrf_token": csrf_of(page.data)}
    )
    # Home, which sends each role on to where it starts (an officer to their work queue).
    assert response.headers["Location"] == "/"
    assert client.get("/").headers["Location"] == "/my-work"


def test_an_empty_list_says_what_to_do(signed_in: FlaskClient) -> None:
    page = parse_page(signed_in.get("/assessments").data)
    assert "Your team has no assessments yet" in text_of(page)


def test_the_new_assessment_form_offers_the_statutory_agencies(signed_in: FlaskClient) -> None:
    page = parse_page(signed_in.get("/assessments/new").data)
    chosen = [s.find("option", selected=True)["value"] for s in page.select("select[name$=agency]")]
    assert chosen == [
        "parent_carer",
        "education",
        "educational_psychology",
        "health",
        "social_care",
    ]


def test_a_case_officer_records_an_assessment_with_its_contributors(
    signed_in: FlaskClient, session: Any
) -> None:
    page = signed_in.get("/assessments/new")
    response = signed_in.post("/assessments/new", data=new_assessment_data(page.data))
    assert response.status_code == 302
    assessment = session.scalar(select(Assessment))
    assert assessment.child_family_name == "Okafor"
    assert [c.agency for c in assessment.contributors] == ["education", "health"]
    shown = text_of(parse_page(signed_in.get(response.headers["Location"]).data))
    assert assessment.reference in shown
    assert "senco@school.example.org" in shown


def test_each_mistake_is_named_and_everything_typed_is_kept(signed_in: FlaskClient) -> None:
    page = signed_in.get("/assessments/new")
    data = new_assessment_data(
        page.data,
        given_names="",
        **{
            "date_of_birth-month": "13",
            "contributors-1-email": "not-an-email",
            "contributors-0-role": "",
        },
    )
    response = signed_in.post("/assessments/new", data=data)
    assert response.status_code == 400
    soup = parse_page(response.data)
    links = {a["href"]: a.get_text(strip=True) for a in soup.select(".govuk-error-summary a")}
    assert links["#given_names"] == "Enter the child's given names"
    assert links["#date_of_birth-day"] == "The date of birth must be a real date"
    assert links["#contributors-1-email"].startswith("Contributor 2: Enter an email address")
    assert links["#contributors-0-role"] == "Contributor 1: Enter the contributor's role"
    assert soup.find(id="family_name")["value"] == "Okafor"
    assert soup.find(id="contributors-1-email")["value"] == "not-an-email"
    assert text_of(soup).startswith("Error:") or soup.title.string.startswith("Error:")


def test_a_request_date_in_the_future_is_refused(signed_in: FlaskClient, session: Any) -> None:
    page = signed_in.get("/assessments/new")
    data = new_assessment_data(page.data, **{"requested_on-year": "2099"})
    response = signed_in.post("/assessments/new", data=data)
    assert response.status_code == 400
    assert "must be today or in the past" in text_of(parse_page(response.data))
    assert session.scalar(select(Assessment)) is None


def test_add_another_contributor_adds_a_row_and_keeps_the_rest(signed_in: FlaskClient) -> None:
    page = signed_in.get("/assessments/new")
    data = new_assessment_data(page.data)
    del data["save"]
    data["add_contributor"] = "y"
    soup = parse_page(signed_in.post("/assessments/new", data=data).data)
    assert len(soup.select("select[name$=agency]")) == 3
    assert soup.find(id="contributors-1-name")["value"] == "Dr Chris Jones"


def test_agreeing_sends_every_request_and_the_page_shows_each_status_and_due_date(
    signed_in: FlaskClient, session: Any, officer: Any, jobs: Any
) -> None:
    assessment = make_assessment(session, case_officer=officer)
    session.commit()
    url = f"/assessments/{assessment.id}"
    page = signed_in.get(url)
    response = signed_in.post(
        f"{url}/agree",
        data={"csrf_token": csrf_of(page.data), **DECIDED_TODAY},
    )
    assert response.status_code == 302
    jobs.run()
    fresh(session)
    requests = session.scalars(select(AdviceRequest)).all()
    assert len(requests) == 4
    assert {r.status for r in requests} == {RequestStatus.SENT}
    shown = text_of(parse_page(signed_in.get(url).data))
    assert "0 of 4 returned" in shown
    assert shown.count("Sent") >= 4
    due = requests[0].due_on
    assert f"{due.day} {due:%b %Y}" in shown
    actions = session.scalars(select(AuditEvent.action)).all()
    assert "assessment.agreed" in actions and actions.count("email.sent") == 4


def test_agreeing_twice_is_refused(signed_in: FlaskClient, session: Any, jobs: Any) -> None:
    assessment = make_assessment(session, agreed=True)
    session.commit()
    url = f"/assessments/{assessment.id}"
    page = signed_in.get(url)
    assert "Record the decision to assess" not in text_of(parse_page(page.data))
    token = csrf_of(signed_in.get("/assessments/new").data)
    response = signed_in.post(
        f"{url}/agree",
        data={"csrf_token": token, **DECIDED_TODAY},
    )
    assert response.status_code == 302
    shown = text_of(parse_page(signed_in.get(url).data))
    assert "The decision to assess has already been recorded" in shown
    jobs.run()
    fresh(session)
    assert len(session.scalars(select(AdviceRequest)).all()) == 4


def test_a_forged_csrf_token_gets_a_clear_page_and_changes_nothing(
    signed_in: FlaskClient, session: Any
) -> None:
    page = signed_in.get("/assessments/new")
    data = new_assessment_data(page.data, csrf_token="forged")
    response = signed_in.post("/assessments/new", data=data)
    assert response.status_code == 400
    assert "Your page expired" in text_of(parse_page(response.data))
    assert session.scalar(select(Assessment)) is None


def test_hostile_text_shows_as_text_on_officer_pages(signed_in: FlaskClient, session: Any) -> None:
    assessment = make_assessment(session, given_names="<script>alert(1)</script>")
    session.commit()
    for url in ("/assessments", f"/assessments/{assessment.id}"):
        html = signed_in.get(url).data.decode()
        assert "<script>alert(1)</script>" not in html
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_an_unknown_assessment_is_refused_as_another_teams_is_saying_what_to_do(
    signed_in: FlaskClient,
) -> None:
    response = signed_in.get("/assessments/00000000-0000-0000-0000-000000000000")
    assert response.status_code == 403
    text = text_of(parse_page(response.data))
    assert "This assessment is not one your team works on, or the link is wrong" in text
    assert "ask its case officer or your team manager to move it to your team" in text


def seal_health_advice(session: Any, text_: str) -> Any:
    from advice_hub.requests.seal import seal_submission

    assessment = make_assessment(session, agreed=True)
    session.commit()
    health = next(r for r in assessment.advice_requests if r.agency == "health")
    seal_submission(
        session,
        health,
        answers={first_text_key(health): text_},
        declaration={"name": "Dr Chris Jones", "role": "Paediatrician"},
        now=utcnow(),
        actor="test",
    )
    session.commit()
    return health


def test_a_case_officer_reads_sealed_advice_verbatim_and_the_view_is_audited(
    signed_in: FlaskClient, session: Any, officer: Any
) -> None:
    health = seal_health_advice(session, "Needs <b>daily</b> speech therapy\nfrom a SALT")
    listing = parse_page(signed_in.get(f"/assessments/{health.assessment_id}").data)
    (read,) = listing.select('a[href*="/advice/"]')
    assert read.get_text(" ", strip=True) == "Read health advice"
    page = signed_in.get(read["href"])
    soup = parse_page(page.data)
    verbatim = [p.get_text() for p in soup.select(".app-verbatim")]
    assert "Needs <b>daily</b> speech therapy\nfrom a SALT" in verbatim
    fingerprints = [s.get_text() for s in soup.select(".app-fingerprint")]
    assert fingerprints == [health.sealed.content_sha256, health.sealed.seal_sha256]
    assert "cannot be changed" in text_of(soup)
    viewed = (
        fresh(session).scalars(select(AuditEvent).where(AuditEvent.action == "advice.viewed")).all()
    )
    assert [(e.actor, e.advice_request_id) for e in viewed] == [(f"user:{officer.id}", health.id)]


def test_advice_changed_behind_the_apps_back_is_flagged_not_shown_as_sealed(
    signed_in: FlaskClient, session: Any, svc: Any
) -> None:
    from sqlalchemy import text

    health = seal_health_advice(session, "Weekly support")
    # A database owner can drop the trigger; the page must still notice the change.
    with svc.engine.begin() as connection:
        connection.execute(text("DROP TRIGGER sealed_advice_refuse_update"))
        connection.execute(
            text("UPDATE sealed_advice SET canonical = replace(canonical, 'Weekly', 'Termly')")
        )
    page = signed_in.get(f"/assessments/{health.assessment_id}/advice/{health.id}")
    assert "This advice does not match its seal" in text_of(parse_page(page.data))
