"""GET /api/v1/assessments and /api/v1/advice-requests: filters, cursor pages a sync can walk,
updated_since, scopes, the key's team only, and clear 400s for bad parameters."""

from __future__ import annotations

import time
import uuid
from datetime import timedelta
from typing import Any

from flask import Flask
from flask.testing import FlaskClient

from advice_hub.models import Agency, Assessment, RequestStatus, utcnow
from tests.api.api_helpers import API, bearer, issue_key, today, transaction
from tests.factories import casework_team, make_assessment


def add(app: Flask, n: int, *, team: str | None = None, **kwargs: Any) -> list[str]:
    """``n`` agreed assessments, each with a health and an education request; their ids."""
    with transaction(app) as session:
        made = [
            make_assessment(
                session,
                given_names=f"Child{i}",
                agencies=(Agency.HEALTH, Agency.EDUCATION),
                agreed=True,
                team=casework_team(session, team) if team else None,
                **kwargs,
            )
            for i in range(n)
        ]
        session.flush()
        return [str(a.id) for a in made]


def walk(client: FlaskClient, path: str, auth: dict[str, str], **between: Any) -> list[dict]:
    """Every item of every page, following next_cursor; ``between`` runs after each page."""
    items: list[dict] = []
    url = path
    while True:
        response = client.get(url, headers=auth)
        assert response.status_code == 200, response.json
        items += response.json["items"]
        cursor = response.json["next_cursor"]
        if cursor is None:
            return items
        if "after_page" in between:
            between["after_page"](len(items))
        url = f"{path}{'&' if '?' in path else '?'}cursor={cursor}"


def test_the_list_walks_every_assessment_once_while_they_change(
    any_db_app: Flask, db_client: FlaskClient, db_auth: dict[str, str]
) -> None:
    ids = add(any_db_app, 7)

    def change_some(seen: int) -> None:
        with transaction(any_db_app) as session:
            for assessment in session.query(Assessment).all():
                assessment.child_year_group = seen  # updated_at moves; the order does not

    items = walk(db_client, f"{API}/assessments?limit=2", db_auth, after_page=change_some)
    assert sorted(item["id"] for item in items) == sorted(ids)
    assert len(items) == len({item["id"] for item in items}) == 7
    assert all(item["updated_at"] and item["stage"] == "gathering_advice" for item in items)


def test_the_lists_filter_as_the_staff_list_does(
    any_db_app: Flask, db_client: FlaskClient, db_auth: dict[str, str]
) -> None:
    with transaction(any_db_app) as session:
        late = make_assessment(
            session, family_name="Zoë", requested_on=today() - timedelta(days=60)
        )
        agreed = make_assessment(session, agreed=True, agencies=(Agency.HEALTH,))
        session.flush()
        late_ref, agreed_id = late.reference, str(agreed.id)

    def refs(query: str) -> list[str]:
        response = db_client.get(f"{API}/assessments?{query}", headers=db_auth)
        assert response.status_code == 200, response.json
        return [item["reference"] for item in response.json["items"]]

    assert refs("q=zoe") == [late_ref]
    assert refs(f"q={late_ref.lower()}") == [late_ref]
    assert refs("track=red") == [late_ref]
    response = db_client.get(f"{API}/assessments?stage=gathering_advice", headers=db_auth)
    assert [i["id"] for i in response.json["items"]] == [agreed_id]
    assert response.json["items"][0]["track"] == "green"
    requests = db_client.get(
        f"{API}/advice-requests?agency=health&stage=gathering_advice", headers=db_auth
    )
    assert [(r["assessment_id"], r["agency"]) for r in requests.json["items"]] == [
        (agreed_id, "health")
    ]
    queued = db_client.get(f"{API}/advice-requests?request_status=queued", headers=db_auth)
    assert {r["assessment_id"] for r in queued.json["items"]} == {agreed_id}


def test_updated_since_finds_what_changed_including_a_request_in_order_of_change(
    any_db_app: Flask, db_client: FlaskClient, db_auth: dict[str, str]
) -> None:
    first, second, _ = add(any_db_app, 3)
    time.sleep(0.01)
    since = utcnow()
    time.sleep(0.01)
    with transaction(any_db_app) as session:
        assessment = session.get(Assessment, uuid.UUID(second))
        assessment.advice_requests[0].status = RequestStatus.WITHDRAWN  # only a request
    time.sleep(0.01)
    with transaction(any_db_app) as session:
        session.get(Assessment, uuid.UUID(first)).child_year_group = 9
    stamp = since.isoformat().replace("+00:00", "Z")
    listed = db_client.get(f"{API}/assessments?updated_since={stamp}", headers=db_auth).json
    assert [item["id"] for item in listed["items"]] == [second, first]
    changed = db_client.get(f"{API}/advice-requests?updated_since={stamp}", headers=db_auth).json
    assert [(r["assessment_id"], r["status"]) for r in changed["items"]] == [(second, "withdrawn")]
    # The last item's updated_at is where the next sync starts: nothing is missed.
    last = listed["items"][-1]["updated_at"]
    again = db_client.get(f"{API}/assessments?updated_since={last}", headers=db_auth).json
    assert [item["id"] for item in again["items"]] == [first]


def test_a_sync_by_updated_since_sees_a_row_changed_mid_walk_again_after_the_rest(
    app: Flask, client: FlaskClient, auth: dict[str, str]
) -> None:
    ids = add(app, 5)
    since = "2000-01-01T00:00:00Z"
    touched: list[str] = []

    def change_first(seen: int) -> None:
        if not touched:
            touched.append(ids[0])
            with transaction(app) as session:
                session.get(Assessment, uuid.UUID(ids[0])).child_year_group = 1

    items = walk(
        client, f"{API}/assessments?limit=2&updated_since={since}", auth, after_page=change_first
    )
    seen = [item["id"] for item in items]
    assert set(seen) == set(ids)  # every row at least once
    assert seen.count(ids[0]) == 2 and seen[-1] == ids[0]  # and the changed one again, last


def test_the_advice_request_list_walks_every_request_once(
    app: Flask, client: FlaskClient, auth: dict[str, str]
) -> None:
    add(app, 4)
    items = walk(client, f"{API}/advice-requests?limit=3", auth)
    assert len(items) == len({item["id"] for item in items}) == 8
    assert all(item["updated_at"] for item in items)


def test_another_teams_rows_are_never_listed(
    app: Flask, client: FlaskClient, auth: dict[str, str]
) -> None:
    ours = add(app, 1)
    add(app, 2, team="North team")
    assessments = client.get(f"{API}/assessments", headers=auth).json["items"]
    assert [item["id"] for item in assessments] == ours
    requests = client.get(f"{API}/advice-requests", headers=auth).json["items"]
    assert {item["assessment_id"] for item in requests} == set(ours)
    north = bearer(issue_key(app, "north-system", team="North team"))
    theirs = client.get(f"{API}/assessments", headers=north).json["items"]
    assert len(theirs) == 2 and ours[0] not in {item["id"] for item in theirs}


def test_a_key_without_assessments_read_is_refused_both_lists(
    app: Flask, client: FlaskClient
) -> None:
    writer = bearer(issue_key(app, "writer", scopes=["assessments:write", "advice:read"]))
    for path in ("/assessments", "/advice-requests"):
        response = client.get(f"{API}{path}", headers=writer)
        assert response.status_code == 403
        assert response.json["error"]["code"] == "insufficient_scope"
    assert client.get(f"{API}/assessments").status_code == 401


def test_bad_parameters_are_400_json_naming_the_parameter(
    client: FlaskClient, auth: dict[str, str]
) -> None:
    for query, field in (
        ("cursor=garbage", "cursor"),
        ("limit=0", "limit"),
        ("limit=201", "limit"),
        ("limit=ten", "limit"),
        ("updated_since=yesterday", "updated_since"),
        ("updated_since=2026-01-05T09:00:00", "updated_since"),  # no offset: ambiguous
        ("track=purple", "track"),
        ("agency=astrology", "agency"),
        ("sort=shoe", "sort"),
    ):
        for path in ("/assessments", "/advice-requests"):
            if path == "/advice-requests" and field == "sort":
                continue
            response = client.get(f"{API}{path}?{query}", headers=auth)
            assert response.status_code == 400, (path, query)
            assert response.mimetype == "application/json"
            error = response.json["error"]
            assert error["code"] == "invalid_parameter"
            assert error["fields"][0]["field"] == field, (path, query)


def test_a_cursor_from_one_list_is_refused_by_the_other(
    app: Flask, client: FlaskClient, auth: dict[str, str]
) -> None:
    add(app, 3)
    cursor = client.get(f"{API}/assessments?limit=1", headers=auth).json["next_cursor"]
    response = client.get(f"{API}/advice-requests?cursor={cursor}", headers=auth)
    assert response.status_code == 400
    assert "another order" in response.json["error"]["message"]
