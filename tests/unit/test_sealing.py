"""The seal: canonical form, fingerprint and chain."""

from __future__ import annotations

import hashlib
import json
import unicodedata
from typing import Any

import pytest
from sqlalchemy import select

from advice_hub.db import ImmutableRowError
from advice_hub.models import AdviceRequest, RequestStatus, SealedAdvice, utcnow
from advice_hub.requests.seal import AlreadySealedError, seal_submission
from advice_hub.sealing.seals import GENESIS, canonical_json, chain_seal, verify_sealed
from forms import load_template
from tests.factories import first_text_key, make_assessment

DECLARATION = {"name": "Dr Chris Jones", "role": "Paediatrician"}


def seal(session: Any, advice_request: AdviceRequest, text: str = "Needs") -> SealedAdvice:
    sealed = seal_submission(
        session,
        advice_request,
        answers={first_text_key(advice_request): text},
        declaration=DECLARATION,
        now=utcnow(),
        actor="test",
    )
    session.commit()
    return sealed


def test_canonical_json_sorts_keys_uses_fixed_separators_and_keeps_unicode() -> None:
    assert canonical_json({"b": 1, "a": ["é", {"d": None, "c": True}]}) == (
        '{"a":["é",{"c":true,"d":null}],"b":1}'
    )


def test_canonical_json_normalises_text_to_nfc() -> None:
    decomposed = unicodedata.normalize("NFD", "café")
    assert decomposed != "café"
    assert canonical_json({"x": decomposed}) == canonical_json({"x": "café"})


def test_the_first_seal_chains_from_sixty_four_zeros() -> None:
    content = "a" * 64
    expected = hashlib.sha256(f"{GENESIS}:{content}".encode("ascii")).hexdigest()
    assert chain_seal(None, content) == expected


def test_each_seal_chains_to_the_one_before(session: Any) -> None:
    make_assessment(session, agreed=True)
    session.commit()
    first, second = session.scalars(select(AdviceRequest)).all()[:2]
    a = seal(session, first)
    b = seal(session, second)
    assert a.previous_seal_sha256 is None and a.chain_index == 1
    assert b.previous_seal_sha256 == a.seal_sha256 and b.chain_index == 2
    assert b.seal_sha256 == chain_seal(a.seal_sha256, b.content_sha256)
    assert verify_sealed(a) and verify_sealed(b)


def test_the_sealed_document_pins_the_template_and_answers_every_question(session: Any) -> None:
    make_assessment(session, agreed=True)
    session.commit()
    advice_request = session.scalars(select(AdviceRequest)).first()
    sealed = seal(session, advice_request, "Line one\nLine two")
    document = json.loads(sealed.canonical)
    assert document["template"] == {
        "key": advice_request.template_key,
        "version": advice_request.template_version,
    }
    assert document["answers"][first_text_key(advice_request)] == "Line one\nLine two"
    template = load_template(advice_request.template_key, advice_request.template_version)
    assert set(document["answers"]) >= {f"{s.id}.{q.id}" for s, q in template.questions()}
    assert [
        v
        for k, v in document["answers"].items()
        if k != first_text_key(advice_request) and isinstance(v, str) and len(v) > 3
    ] == []
    assert hashlib.sha256(sealed.canonical.encode()).hexdigest() == sealed.content_sha256
    assert advice_request.status == RequestStatus.SUBMITTED


def test_advice_cannot_be_sealed_twice(session: Any) -> None:
    make_assessment(session, agreed=True)
    session.commit()
    advice_request = session.scalars(select(AdviceRequest)).first()
    seal(session, advice_request)
    with pytest.raises(AlreadySealedError):
        seal(session, advice_request)


def test_the_orm_refuses_to_change_or_delete_sealed_advice(session: Any) -> None:
    make_assessment(session, agreed=True)
    session.commit()
    sealed = seal(session, session.scalars(select(AdviceRequest)).first())
    sealed.canonical = sealed.canonical.replace("Needs", "Wants")
    with pytest.raises(ImmutableRowError):
        session.flush()
    session.rollback()
    session.delete(sealed)
    with pytest.raises(ImmutableRowError):
        session.flush()


def test_a_changed_byte_no_longer_verifies(session: Any) -> None:
    make_assessment(session, agreed=True)
    session.commit()
    sealed = seal(session, session.scalars(select(AdviceRequest)).first())
    tampered = SealedAdvice(
        canonical=sealed.canonical.replace("Needs", "Needz"),
        content_sha256=sealed.content_sha256,
        previous_seal_sha256=sealed.previous_seal_sha256,
        seal_sha256=sealed.seal_sha256,
    )
    assert not verify_sealed(tampered)
