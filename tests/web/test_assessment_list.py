"""The assessments list: search, filters with their counts, sorting, keyset pages, each role's
scope, a fixed number of statements, and clear errors for what cannot be shown."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any
from urllib.parse import parse_qs, urlsplit

from flask import Flask
from flask.testing import FlaskClient

from advice_hub.deadlines import london_date
from advice_hub.models import Agency, Assessment, utcnow
from tests.factories import casework_team, make_assessment, make_user
from tests.html import parse_page, text_of
from tests.journey import sign_in
from tests.statements import statements

TODAY = london_date(utcnow())


def references(client: FlaskClient, query: str = "") -> list[str]:
    response = client.get(f"/assessments{query}")
    assert response.status_code == 200, response.data
    page = parse_page(response.data)
    return [text_of(row.select("td")[0]).split(" Appendix")[0] for row in page.select("tbody tr")]


def child(session: Any, given: str, family: str, **kwargs: Any) -> Assessment:
    return make_assessment(
        session, given_names=given, family_name=family, agencies=(Agency.HEALTH,), **kwargs
    )


# --- Search ------------------------------------------------------------------------------------


def test_a_reference_is_found_exactly_or_by_its_start_whatever_the_case(
    signed_in: FlaskClient, session: Any
) -> None:
    wanted, other = child(session, "Ada", "Lovelace"), child(session, "Bo", "Diddley")
    session.commit()
    assert references(signed_in, f"?q={wanted.reference}") == [wanted.reference]
    assert references(signed_in, f"?q={wanted.reference[:7].lower()}") == [wanted.reference]
    assert other.reference not in references(signed_in, f"?q={wanted.reference}")


def test_a_child_is_found_by_name_without_accents_or_capitals(
    signed_in: FlaskClient, session: Any
) -> None:
    zoe = child(session, "Zoë", "O'Brien")
    child(session, "Zack", "Brown")
    session.commit()
    for typed in ("zoe", "ZOË", "o'brien zo", "Zoe  O'B", "O'BRI"):
        assert references(signed_in, f"?q={typed}") == [zoe.reference], typed
    assert references(signed_in, "?q=zoe brown") == []


def test_a_child_is_found_by_date_of_birth_written_as_people_write_it(
    signed_in: FlaskClient, session: Any
) -> None:
    born = child(session, "Cai", "Jones")
    born.child_date_of_birth = date(2015, 1, 2)
    child(session, "Dee", "Jones")  # born 3 May 2016
    session.commit()
    for typed in ("2/1/2015", "02/01/2015", "2015-01-02", "2 January 2015", "2 Jan 2015"):
        assert references(signed_in, f"?q={typed}") == [born.reference], typed


def test_a_search_that_finds_nothing_says_so_and_offers_to_clear_it(
    signed_in: FlaskClient, session: Any
) -> None:
    child(session, "Eve", "Smith")
    session.commit()
    page = parse_page(signed_in.get("/assessments?q=nobody").data)
    assert "No assessments match “nobody”" in text_of(page)
    assert page.find("a", string="Clear search and filters")["href"] == "/assessments"


# --- Filters and their counts -----------------------------------------------------------------


def test_each_filter_keeps_only_the_assessments_it_names(
    app: Flask, signed_in: FlaskClient, session: Any, officer: Any
) -> None:
    other_team = casework_team(session, "North team")
    officer_team = casework_team(session)
    colleague = make_user(session, email="kai@council.example", name="Kai", role="case_officer")
    mine = make_assessment(session, case_officer=officer, agreed=True)
    theirs = make_assessment(session, case_officer=colleague, agencies=(Agency.HEALTH,))
    late = make_assessment(
        session, agencies=(Agency.HEALTH,), requested_on=TODAY - timedelta(days=60)
    )
    session.commit()
    assert set(references(signed_in, f"?officer={officer.id}")) == {mine.reference}
    assert set(references(signed_in, f"?officer={colleague.id}")) == {theirs.reference}
    assert set(references(signed_in, f"?team={officer_team.id}")) == {
        mine.reference,
        theirs.reference,
        late.reference,
    }
    assert references(signed_in, f"?team={other_team.id}") == []
    assert set(references(signed_in, "?agency=education")) == {mine.reference}
    assert set(references(signed_in, "?request_status=queued")) == {mine.reference}
    assert set(references(signed_in, "?agency=health&request_status=queued")) == {mine.reference}
    assert set(references(signed_in, "?stage=gathering_advice")) == {mine.reference}
    assert set(references(signed_in, "?stage=requested")) == {theirs.reference, late.reference}
    assert set(references(signed_in, "?track=red")) == {late.reference}
    assert late.reference not in references(signed_in, "?track=green")


def test_the_track_and_stage_filters_show_how_many_each_would_find(
    signed_in: FlaskClient, session: Any
) -> None:
    make_assessment(session, agencies=(Agency.HEALTH,), requested_on=TODAY - timedelta(days=60))
    make_assessment(session, agencies=(Agency.HEALTH,), requested_on=TODAY - timedelta(days=61))
    make_assessment(session, agencies=(Agency.HEALTH,), agreed=True)
    session.commit()
    page = parse_page(signed_in.get("/assessments?track=red").data)
    tracks = {o["value"]: text_of(o) for o in page.select("#track option")}
    assert tracks["red"] == "Late (2)"
    assert tracks["green"] == "On track (1)"
    stages = {o["value"]: text_of(o) for o in page.select("#stage option")}
    assert stages["requested"] == "Requested (2)"
    assert stages["gathering_advice"] == "Gathering advice (1)"
    assert "Showing 2 of 2 assessments found" in text_of(page)
    late_tag = page.select_one("tbody tr .govuk-tag--red")
    assert late_tag is not None and text_of(late_tag) == "Late"  # the colour has its words


def test_each_row_shows_its_overdue_and_soon_due_advice(
    signed_in: FlaskClient, session: Any
) -> None:
    assessment = make_assessment(session, agreed=True)
    health, education, *_ = assessment.advice_requests
    health.due_on = TODAY - timedelta(days=3)
    education.due_on = TODAY + timedelta(days=5)
    session.commit()
    row = parse_page(signed_in.get("/assessments").data).select_one("tbody tr")
    cells = [text_of(td) for td in row.select("td")]
    assert cells[-2] == "1 overdue 1 due within 7 days"
    assert "At risk" in cells[5]


# --- Sorting and pages --------------------------------------------------------------------------


def test_columns_sort_both_ways_and_say_which_way(signed_in: FlaskClient, session: Any) -> None:
    for name in ("Cole", "Adams", "Baker"):
        child(session, "Sam", name)
    session.commit()
    page = parse_page(signed_in.get("/assessments?sort=child&direction=asc").data)
    names = [text_of(r.select("td")[1]) for r in page.select("tbody tr")]
    assert names == ["Sam Adams", "Sam Baker", "Sam Cole"]
    header = page.find("th", attrs={"aria-sort": "ascending"})
    assert "Child" in text_of(header)
    assert "direction=desc" in header.a["href"]
    assert all(th["aria-sort"] == "none" for th in page.select("th[aria-sort]") if th is not header)
    page = parse_page(signed_in.get("/assessments?sort=child&direction=desc").data)
    names = [text_of(r.select("td")[1]) for r in page.select("tbody tr")]
    assert names == ["Sam Cole", "Sam Baker", "Sam Adams"]


def follow(client: FlaskClient, href: str) -> tuple[list[str], dict[str, str]]:
    """A page's references and its pagination links (rel: href)."""
    response = client.get(href)
    assert response.status_code == 200
    page = parse_page(response.data)
    refs = [text_of(row.select("td")[0]) for row in page.select("tbody tr")]
    links = {a["rel"][0]: a["href"] for a in page.select(".govuk-pagination a[rel]")}
    return refs, links


def test_pages_walk_forward_and_back_through_ties_without_losing_or_repeating_a_row(
    signed_in: FlaskClient, session: Any
) -> None:
    same_day = TODAY - timedelta(days=10)
    made = [child(session, f"Kid{i}", "Same", requested_on=same_day).reference for i in range(7)]
    session.commit()
    first, links = follow(signed_in, "/assessments?size=3")
    assert "prev" not in links
    second, links2 = follow(signed_in, links["next"])
    third, links3 = follow(signed_in, links2["next"])
    assert "next" not in links3
    walked = first + second + third
    assert sorted(walked) == sorted(made) and len(set(walked)) == 7
    back, _ = follow(signed_in, links3["prev"])
    assert back == second
    again, _ = follow(signed_in, links2["prev"])
    assert again == first
    query = parse_qs(urlsplit(links["next"]).query)
    assert query["size"] == ["3"] and "cursor" in query


# --- Scope ------------------------------------------------------------------------------------


def test_each_role_sees_its_own_scope(app: Flask, session: Any) -> None:
    east, west, south = (casework_team(session, n) for n in ("East", "West", "South"))
    officer = make_user(session, email="o@c.example", name="O", role="case_officer", teams=[east])
    manager = make_user(session, email="m@c.example", name="M", role="manager", teams=[east, west])
    auditor = make_user(session, email="a@c.example", name="A", role="auditor", teams=[])
    in_east, in_west, in_south = (
        make_assessment(session, team=t, agencies=(Agency.HEALTH,)) for t in (east, west, south)
    )
    session.commit()
    seen = {
        user.name: set(references(sign_in(app.test_client(), user.id)))
        for user in (officer, manager, auditor)
    }
    assert seen["O"] == {in_east.reference}
    assert seen["M"] == {in_east.reference, in_west.reference}
    assert seen["A"] == {in_east.reference, in_west.reference, in_south.reference}
    auditor_page = parse_page(sign_in(app.test_client(), auditor.id).get("/assessments").data)
    link = auditor_page.find("a", string=in_south.reference)
    assert link["href"] == f"/assessments/{in_south.id}/appendix"


# --- Cost ---------------------------------------------------------------------------------------


def add(session: Any, n: int, start: int) -> None:
    for i in range(start, start + n):
        make_assessment(
            session,
            given_names=f"Child{i}",
            agreed=i % 2 == 0,
            agencies=(Agency.HEALTH, Agency.EDUCATION),
            requested_on=TODAY - timedelta(days=i % 40),
        )
    session.commit()


def test_the_list_sends_the_same_statements_for_5_or_60_assessments_and_any_page(
    signed_in: FlaskClient, session: Any, svc: Any
) -> None:
    add(session, 5, 0)
    with statements(svc.engine) as few:
        assert signed_in.get("/assessments?size=5&q=child").status_code == 200
    add(session, 55, 5)
    with statements(svc.engine) as many:
        response = signed_in.get("/assessments?size=5&q=child")
    assert len(many) == len(few), "\n".join(many)
    links = {}
    href = "/assessments?size=5&sort=child"
    for _ in range(3):
        with statements(svc.engine) as sent:
            refs, links = follow(signed_in, href)
        assert len(refs) == 5
        href = links["next"]
        assert len(sent) == len(few), "\n".join(sent)
    assert "Showing 5 of 60 assessments found" in text_of(parse_page(response.data))


# --- What cannot be shown -------------------------------------------------------------------------


def test_a_damaged_page_link_or_an_unknown_filter_is_explained_not_a_failure(
    signed_in: FlaskClient, session: Any
) -> None:
    child(session, "Fay", "Wray")
    child(session, "Gus", "Grissom")
    session.commit()
    for query, words in (
        ("?cursor=not-a-cursor", "The page link is damaged or out of date"),
        ("?track=purple", "There is no track called 'purple'"),
        ("?stage=x", "There is no stage called 'x'"),
        ("?officer=abc", "Choose a case officer from the list"),
        ("?sort=shoe", "Sort by one of"),
        ("?size=100000", "Ask for between 1 and 200 rows"),
    ):
        response = signed_in.get(f"/assessments{query}")
        assert response.status_code == 400, query
        page = parse_page(response.data)
        assert words in text_of(page.select_one(".govuk-error-summary")), query
        assert page.title.string.startswith("Error: ")
    _, links = follow(signed_in, "/assessments?size=1&sort=child")
    response = signed_in.get(links["next"].replace("sort=child", "sort=reference"))
    assert response.status_code == 400
    summary = parse_page(response.data).select_one(".govuk-error-summary")
    assert "made for another order" in text_of(summary), text_of(summary)
