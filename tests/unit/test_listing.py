"""The list's building blocks: cursors, the search's reading of what was typed, the filters'
parsing, the stage rule in Python and SQL, keyset walks in every order, and an assessment's
updated_at following its requests."""

from __future__ import annotations

import base64
import json
import uuid
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select, true

from advice_hub.assessments.keyset import (
    Cursor,
    CursorError,
    KeyKind,
    SortKey,
    continues_from,
    decode_cursor,
    encode_cursor,
)
from advice_hub.assessments.list_filters import (
    ListFilter,
    ListingError,
    Stage,
    date_typed,
    parse_filter,
    stage_expression,
    stage_of,
    starts_with,
)
from advice_hub.assessments.listing import (
    Sort,
    SortColumn,
    assessment_page,
    parse_page_size,
    parse_sort,
)
from advice_hub.deadlines import london_date
from advice_hub.models import (
    Agency,
    Assessment,
    AssessmentStatus,
    PlanDecision,
    RequestStatus,
    utcnow,
)
from tests.factories import make_assessment

KEYS = [
    SortKey(Assessment.reference, KeyKind.TEXT),
    SortKey(Assessment.requested_on, KeyKind.DATE),
    SortKey(Assessment.updated_at, KeyKind.INSTANT),
    SortKey(Assessment.child_year_group, KeyKind.NUMBER),
]


def test_a_cursor_comes_back_as_it_was_made() -> None:
    made = Cursor(
        "x:asc",
        ("AH-1", date(2026, 1, 2), datetime(2026, 1, 2, 3, 4, 5, 6, tzinfo=UTC), 7),
        uuid.uuid4(),
        forward=False,
    )
    text = encode_cursor(made)
    assert set(text) <= set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")
    assert decode_cursor(text, order="x:asc", keys=KEYS) == made


def _raw(document: Any) -> str:
    return base64.urlsafe_b64encode(json.dumps(document).encode()).decode().rstrip("=")


INSTANT = "2026-01-02T00:00:00+00:00"
GOOD = {"v": 1, "o": "x:asc", "k": ["AH-1", "2026-01-02", INSTANT, 3]}


def _with(keys: list[Any] | None = None, row_id: str | None = None, forward: Any = True) -> str:
    return _raw({**GOOD, "k": keys or GOOD["k"], "i": row_id or str(uuid.uuid4()), "f": forward})


@pytest.mark.parametrize(
    "text",
    [
        "",
        "not base64 at all!",
        "A" * 3000,
        _raw([1, 2]),
        _raw({**GOOD, "v": 2, "i": str(uuid.uuid4()), "f": True}),
        _with(row_id="not-a-uuid"),
        _with(forward="yes"),
        _with(keys=["AH-1"]),
        _with(keys=[1, "2026-01-02", INSTANT, 3]),
        _with(keys=["AH-1", "2026-13-02", INSTANT, 3]),
        _with(keys=["AH-1", "2026-01-02", "2026-01-02T00:00:00", 3]),  # no offset
        _with(keys=["AH-1", "2026-01-02", INSTANT, True]),
    ],
)
def test_a_damaged_cursor_is_refused_with_words_a_person_can_act_on(text: str) -> None:
    with pytest.raises(CursorError, match="damaged or out of date"):
        decode_cursor(text, order="x:asc", keys=KEYS)


def test_a_cursor_made_for_another_order_is_refused() -> None:
    text = encode_cursor(Cursor("x:asc", ("a", date(2026, 1, 1), utcnow(), 1), uuid.uuid4()))
    with pytest.raises(CursorError, match="another order"):
        decode_cursor(text, order="x:desc", keys=KEYS)


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("3/5/2016", date(2016, 5, 3)),
        ("03/05/2016", date(2016, 5, 3)),
        ("3.5.2016", date(2016, 5, 3)),
        ("3-5-2016", date(2016, 5, 3)),
        ("2016-05-03", date(2016, 5, 3)),
        ("3 May 2016", date(2016, 5, 3)),
        ("3 may 2016", date(2016, 5, 3)),
        ("14 Sept 2015", date(2015, 9, 14)),
        ("14 Sep 2015", date(2015, 9, 14)),
        ("1 February, 2014", date(2014, 2, 1)),
        ("31/2/2016", None),
        ("3 Maybe 2016", None),
        ("AH-7K2M", None),
        ("Sam", None),
    ],
)
def test_a_date_is_read_day_first_as_people_in_england_write_it(
    typed: str, expected: date | None
) -> None:
    assert date_typed(typed) == expected


def test_a_prefix_is_a_range_an_index_can_answer() -> None:
    clause = starts_with(Assessment.child_family_folded, "sam")
    compiled = clause.compile(compile_kwargs={"literal_binds": True})
    assert str(compiled) == (
        "assessments.child_family_folded >= 'sam' AND assessments.child_family_folded < 'san'"
        " AND (assessments.child_family_folded LIKE 'sam' || '%' ESCAPE '/')"
    )
    # A percent sign or underscore typed is a letter to match, not a wildcard.
    escaped = starts_with(Assessment.child_family_folded, "o_b%").compile(
        compile_kwargs={"literal_binds": True}
    )
    assert "LIKE 'o/_b/%' || '%' ESCAPE '/'" in str(escaped)


def test_a_cursor_bounds_its_first_key_on_its_own_so_an_index_scan_can_start_there() -> None:
    keys = [SortKey(Assessment.requested_on, KeyKind.DATE)]
    row, on = uuid.UUID(int=1), date(2026, 1, 2)

    def clause(*, forward: bool, descending: bool) -> str:
        at = Cursor("requested_on:asc", (on,), row, forward=forward)
        where = continues_from(keys, Assessment.id, at, descending=descending)
        return str(where.compile(compile_kwargs={"literal_binds": True}))

    assert clause(forward=True, descending=False).startswith(
        "assessments.requested_on >= '2026-01-02' AND (assessments.requested_on > '2026-01-02'"
    )
    assert clause(forward=False, descending=False).startswith(
        "assessments.requested_on <= '2026-01-02' AND "
    )
    assert clause(forward=True, descending=True).startswith(
        "assessments.requested_on <= '2026-01-02' AND "
    )
    assert clause(forward=False, descending=True).startswith(
        "assessments.requested_on >= '2026-01-02' AND "
    )


def test_the_filters_are_read_from_the_query_string_or_refused_by_name() -> None:
    parsed = parse_filter(
        {"q": "  zoe   ob ", "officer": "4", "agency": "health", "stage": "draft_plan"}
    )
    assert parsed == ListFilter(
        search="zoe ob", officer_id=4, agency=Agency.HEALTH, stage=Stage.DRAFT_PLAN
    )
    assert parse_filter({}) == ListFilter() and not ListFilter().narrows
    for params, field in (
        ({"officer": "-1"}, "officer"),
        ({"team": "1e3"}, "team"),
        ({"agency": "astrology"}, "agency"),
        ({"request_status": "lost"}, "request_status"),
        ({"track": "purple"}, "track"),
        ({"q": "x" * 101}, "q"),
        ({"q": "a\x00b"}, "q"),
    ):
        with pytest.raises(ListingError) as refused:
            parse_filter(params)
        assert refused.value.field == field


def test_sorting_defaults_to_newest_request_and_names_reads_a_to_z() -> None:
    assert parse_sort(None, None) == Sort(SortColumn.REQUESTED_ON, descending=True)
    assert parse_sort("child", None) == Sort(SortColumn.CHILD, descending=False)
    assert parse_sort("track", "desc").name == "track:desc"
    with pytest.raises(ListingError):
        parse_sort("child", "sideways")
    assert parse_page_size(None) == 25 and parse_page_size("200") == 200
    for bad in ("0", "201", "-3", "²"):
        with pytest.raises(ListingError):
            parse_page_size(bad)


def test_the_stage_is_the_same_in_python_and_in_sql(session: Any) -> None:
    today = london_date(utcnow())
    rows = {stage: make_assessment(session, agencies=(Agency.HEALTH,)) for stage in Stage}
    rows[Stage.GATHERING_ADVICE].status = AssessmentStatus.AGREED
    rows[Stage.DRAFT_PLAN].status = AssessmentStatus.AGREED
    rows[Stage.DRAFT_PLAN].plan_decision = PlanDecision.ISSUE
    rows[Stage.FINAL_PLAN_ISSUED].status = AssessmentStatus.CLOSED
    rows[Stage.FINAL_PLAN_ISSUED].final_plan_issued_on = today
    rows[Stage.CLOSED].status = AssessmentStatus.CLOSED
    session.flush()
    in_sql = dict(session.execute(select(Assessment.id, stage_expression())).all())
    for stage, assessment in rows.items():
        assert stage_of(assessment) == stage
        assert in_sql[assessment.id] == stage.value


@pytest.mark.parametrize("column", list(SortColumn))
@pytest.mark.parametrize("descending", [False, True])
def test_every_order_walks_forward_and_back_through_ties(
    session: Any, column: SortColumn, descending: bool
) -> None:
    today = london_date(utcnow())
    for i in range(7):
        make_assessment(
            session,
            agencies=(Agency.HEALTH,),
            family_name=f"Family{i % 2}",
            requested_on=today - timedelta(days=10 + i % 3),
        )
    session.flush()
    sort = Sort(column, descending)

    def page(cursor: str | None) -> Any:
        return assessment_page(
            session, scope=true(), listing=ListFilter(), sort=sort, size=3, cursor=cursor,
            today=today,
        )  # fmt: skip

    pages = [page(None)]
    while pages[-1].next_cursor:
        pages.append(page(pages[-1].next_cursor))
    walked = [a.id for p in pages for a in p.rows]
    assert len(walked) == len(set(walked)) == 7
    assert [len(p.rows) for p in pages] == [3, 3, 1]
    assert pages[0].previous_cursor is None
    back = page(pages[2].previous_cursor)
    assert [a.id for a in back.rows] == [a.id for a in pages[1].rows]
    assert [a.id for a in page(back.previous_cursor).rows] == [a.id for a in pages[0].rows]
    assert page(back.previous_cursor).previous_cursor is None


def test_a_change_to_an_advice_request_moves_its_assessments_updated_at(session: Any) -> None:
    assessment = make_assessment(session, agreed=True, agencies=(Agency.HEALTH,))
    session.commit()
    before = assessment.updated_at
    other = make_assessment(session, agencies=(Agency.HEALTH,))
    session.commit()
    untouched = other.updated_at
    (advice_request,) = assessment.advice_requests
    advice_request.status = RequestStatus.WITHDRAWN
    session.commit()
    session.expire_all()
    assert assessment.updated_at > before
    assert assessment.updated_at >= advice_request.updated_at - timedelta(seconds=1)
    assert other.updated_at == untouched
