"""Addenda: an author's correction to sealed advice, sealed in its own right beside it."""

from __future__ import annotations

import hashlib
import json
from datetime import datetime, timedelta
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import func, select, text
from sqlalchemy.exc import DBAPIError

from advice_hub.db import ImmutableRowError
from advice_hub.models import (
    AdviceRequest,
    AssessmentStatus,
    AuditEvent,
    MessageKind,
    OutboxMessage,
    SealedAdvice,
    utcnow,
)
from advice_hub.requests.seal import seal_submission
from advice_hub.sealing.addenda import (
    FORMAT,
    AddendumError,
    AddendumNotAllowedError,
    addenda_of,
    addendum_request_note,
    can_add_addendum,
    request_addendum,
    seal_addendum,
)
from advice_hub.sealing.ledger import chain_link, verify_seal_chain
from tests.conftest import services
from tests.factories import first_text_key, make_assessment

ADDENDUM_DAYS = 28
DECLARATION = {"name": "Dr Chris Jones", "role": "Paediatrician", "signed_on": "2026-06-02"}


def sealed_requests(session: Any, *, days_ago: int = 0) -> list[SealedAdvice]:
    """An agreed assessment whose first two requests have sealed advice."""
    make_assessment(session, agreed=True)
    session.commit()
    requests = session.scalars(select(AdviceRequest)).all()[:2]
    sealed = [
        seal_submission(
            session,
            r,
            answers={first_text_key(r): f"Needs, as sealed by {r.agency}"},
            declaration=DECLARATION,
            now=utcnow() - timedelta(days=days_ago),
            actor="test",
        )
        for r in requests
    ]
    session.commit()
    return sealed


def add(session: Any, original: SealedAdvice, text: str = "Hours are 2 a week") -> SealedAdvice:
    addendum = seal_addendum(
        session,
        original,
        text=text,
        reason="The timetable changed",
        declaration=DECLARATION,
        now=utcnow(),
        actor="contributor:health.1@example.org",
    )
    session.commit()
    return addendum


def columns(row: SealedAdvice) -> tuple[Any, ...]:
    return (
        row.canonical,
        row.content_sha256,
        row.previous_seal_sha256,
        row.seal_sha256,
        row.sealed_at,
        row.chain_index,
        row.addendum_to_id,
    )


def test_an_addendum_is_sealed_as_the_next_link_of_the_one_seal_chain(session: Any) -> None:
    original, other = sealed_requests(session)

    addendum = add(session, original)

    assert addendum.chain_index == other.chain_index + 1
    assert addendum.previous_seal_sha256 == other.seal_sha256
    assert addendum.seal_sha256 == chain_link(other.seal_sha256, addendum.content_sha256)
    problems, head = verify_seal_chain(session)
    assert problems == []
    assert (head.index, head.sha256) == (addendum.chain_index, addendum.seal_sha256)


def test_an_addendum_refers_to_the_original_which_stays_exactly_as_it_was(session: Any) -> None:
    original, _ = sealed_requests(session)
    before = columns(original)

    addendum = add(session, original)

    session.expire_all()
    reread = session.get(SealedAdvice, original.id)
    assert columns(reread) == before
    assert addendum.addendum_to_id == original.id
    assert json.loads(addendum.canonical)["addendum_to"] == {
        "content_sha256": original.content_sha256,
        "seal_sha256": original.seal_sha256,
    }
    assert reread.advice_request.sealed == reread, "the request's advice is still the original"
    assert reread.addenda == [addendum]


def test_the_fingerprint_is_the_sha256_of_its_own_canonical_document(session: Any) -> None:
    original, _ = sealed_requests(session)

    addendum = add(session, original, text="Café <b>weekly</b>\nby a SALT")

    assert hashlib.sha256(addendum.canonical.encode("utf-8")).hexdigest() == (
        addendum.content_sha256
    )
    document = json.loads(addendum.canonical)
    advice_request = original.advice_request
    assert document["format"] == FORMAT == "advice-hub-addendum/1"
    assert document["advice_request_id"] == str(advice_request.id)
    assert document["template"] == {
        "key": advice_request.template_key,
        "version": advice_request.template_version,
    }
    assert (document["addendum"], document["reason"]) == (
        "Café <b>weekly</b>\nby a SALT",
        "The timetable changed",
    )
    assert document["declaration"] == DECLARATION
    assert datetime.fromisoformat(document["sealed_at"]) == addendum.sealed_at


def test_the_author_s_own_link_takes_an_addendum_only_for_addendum_days(session: Any) -> None:
    original, _ = sealed_requests(session)
    sealed_at = original.sealed_at

    assert can_add_addendum(original, sealed_at + timedelta(days=27, hours=23), ADDENDUM_DAYS)
    assert not can_add_addendum(original, sealed_at + timedelta(days=28), ADDENDUM_DAYS)
    assert not can_add_addendum(original, sealed_at + timedelta(days=8), 7)


def test_an_addendum_request_s_link_takes_one_at_any_time(session: Any) -> None:
    original, _ = sealed_requests(session, days_ago=200)

    assert not can_add_addendum(original, utcnow(), ADDENDUM_DAYS)
    assert can_add_addendum(original, utcnow(), ADDENDUM_DAYS, through_addendum_request=True)
    assert add(session, original).addendum_to_id == original.id


def test_a_second_addendum_chains_after_the_first(session: Any) -> None:
    original, _ = sealed_requests(session)

    first = add(session, original, text="First correction")
    second = add(session, original, text="Second correction")

    assert second.chain_index == first.chain_index + 1
    assert second.previous_seal_sha256 == first.seal_sha256
    assert [a.id for a in original.addenda] == [first.id, second.id]
    assert [(v.number, v.text) for v in addenda_of(original)] == [
        (1, "First correction"),
        (2, "Second correction"),
    ]
    assert all(v.intact for v in addenda_of(original))
    assert verify_seal_chain(session)[0] == []


def test_the_orm_refuses_to_change_or_delete_an_addendum(session: Any) -> None:
    original, _ = sealed_requests(session)
    addendum = add(session, original)

    addendum.canonical = addendum.canonical.replace("2 a week", "9 a week")
    with pytest.raises(ImmutableRowError):
        session.flush()
    session.rollback()
    session.delete(addendum)
    with pytest.raises(ImmutableRowError):
        session.flush()


def test_an_addendum_is_added_to_the_advice_never_to_another_addendum(session: Any) -> None:
    original, _ = sealed_requests(session)
    addendum = add(session, original)

    assert not can_add_addendum(addendum, utcnow(), ADDENDUM_DAYS, through_addendum_request=True)
    with pytest.raises(AddendumNotAllowedError):
        add(session, addendum)


def test_no_addendum_is_added_or_asked_for_once_the_assessment_is_closed(session: Any) -> None:
    original, _ = sealed_requests(session)
    original.advice_request.assessment.status = AssessmentStatus.CLOSED
    session.commit()

    assert not can_add_addendum(original, utcnow(), ADDENDUM_DAYS, through_addendum_request=True)
    with pytest.raises(AddendumNotAllowedError, match="closed"):
        add(session, original)
    session.rollback()
    with pytest.raises(AddendumNotAllowedError, match="closed"):
        request_addendum(
            session, original.advice_request, note="Please add hours", now=utcnow(), actor="test"
        )


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"text": "   "}, "text", "Enter your addendum"),
        ({"text": "x" * 10_001}, "text", "10,000 characters or fewer"),
        ({"reason": ""}, "reason", "Enter why you are adding it"),
        ({"reason": "Because\x00"}, "reason", "control character"),
        ({"declaration": {"role": "Paediatrician"}}, "name", "Enter your full name"),
        ({"declaration": {"name": "Dr Jones\x1b", "role": "GP"}}, "name", "control character"),
    ],
)
def test_bad_input_is_refused_naming_the_field_and_nothing_is_sealed(
    session: Any, changes: dict[str, Any], field: str, message: str
) -> None:
    original, _ = sealed_requests(session)
    rows = session.scalar(select(func.count(SealedAdvice.id)))
    values = {"text": "Hours", "reason": "Changed", "declaration": DECLARATION} | changes

    with pytest.raises(AddendumError, match=message) as refused:
        seal_addendum(session, original, now=utcnow(), actor="test", **values)

    assert refused.value.field == field
    session.rollback()
    assert session.scalar(select(func.count(SealedAdvice.id))) == rows


def test_sealing_queues_a_receipt_and_audits_the_fingerprints_never_the_words(
    session: Any,
) -> None:
    original, _ = sealed_requests(session)

    addendum = add(session, original, text="Secret words of the author")

    receipts = session.scalars(
        select(OutboxMessage).where(OutboxMessage.kind == MessageKind.ADDENDUM_RECEIPT)
    ).all()
    assert [(m.advice_request_id, m.sequence) for m in receipts] == [
        (original.advice_request_id, 1)
    ]
    event = session.scalar(select(AuditEvent).where(AuditEvent.action == "advice.addendum_sealed"))
    assert event.actor == "contributor:health.1@example.org"
    assert event.detail == {
        "content_sha256": addendum.content_sha256,
        "addendum_to": original.content_sha256,
    }
    assert "Secret" not in json.dumps(event.detail)


def test_an_officer_s_request_queues_the_email_and_keeps_the_note_for_it(session: Any) -> None:
    original, _ = sealed_requests(session)
    advice_request = original.advice_request

    first = request_addendum(
        session, advice_request, note="Please give the hours", now=utcnow(), actor="user:1"
    )
    second = request_addendum(
        session, advice_request, note="And who delivers it", now=utcnow(), actor="user:1"
    )
    session.commit()

    assert (first.kind, first.sequence, second.sequence) == (MessageKind.ADDENDUM_REQUEST, 1, 2)
    assert addendum_request_note(session, advice_request, 1) == "Please give the hours"
    assert addendum_request_note(session, advice_request) == "And who delivers it"


def test_an_addendum_request_needs_a_note_and_sealed_advice(session: Any) -> None:
    original, other = sealed_requests(session)
    unsealed = session.scalars(
        select(AdviceRequest).where(
            AdviceRequest.id.not_in([original.advice_request_id, other.advice_request_id])
        )
    ).first()
    with pytest.raises(AddendumNotAllowedError, match="no sealed advice"):
        request_addendum(session, unsealed, note="Please add", now=utcnow(), actor="user:1")

    with pytest.raises(AddendumError, match="Enter what you are asking") as refused:
        request_addendum(session, original.advice_request, note=" ", now=utcnow(), actor="user:1")
    assert refused.value.field == "note"


def test_both_databases_chain_an_addendum_and_refuse_to_change_it_behind_the_app_s_back(
    any_db_app: Flask,
) -> None:
    factory = services(any_db_app).session_factory
    with factory() as session:
        original, _ = sealed_requests(session)
        addendum_id = add(session, original).id
    with factory() as session:
        assert verify_seal_chain(session)[0] == []

    with pytest.raises(DBAPIError, match="append-only"), factory() as session, session.begin():
        session.execute(
            text("UPDATE sealed_advice SET canonical = 'changed' WHERE id = :id"),
            {"id": addendum_id},
        )
