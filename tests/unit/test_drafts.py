"""Drafts keep what was typed; only "Save and continue" completes a section; only advice whose
answers pass their checks is sent or sealed. On the tests' small template (health v90).

Storage runs on both databases: a draft is a JSON column, TEXT on SQLite and json on
PostgreSQL, and must give back the whole of an answer far over its limit.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select
from sqlalchemy.orm import Session

from advice_hub.models import AdviceDraft, AdviceRequest, Agency, SealedAdvice, utcnow
from advice_hub.requests.drafts import save_draft
from advice_hub.requests.seal import NotReadyToSendError, seal_submission
from advice_hub.requests.submission import submit_advice
from advice_hub.web.contributor.sections import SECTION_POST_LIMIT
from forms import load_template
from forms.answers import completed_sections
from tests.conftest import services
from tests.factories import make_assessment

ACTOR = "contributor:health.1@example.org"
DECLARATION = {"name": "Dr Chris Jones", "role": "Paediatrician", "signed_on": "2026-12-02"}
INVOLVEMENT = {
    "involvement.discipline": "salt",
    "involvement.on_caseload": "yes",
    "involvement.involvement": "Seen three times in clinic.",
    "involvement.seen_on": "2026-05-04",
    "involvement.settings": ["clinic"],
}
EVERY_SECTION = {
    "involvement": INVOLVEMENT,
    "communication": {"communication.needs": "Speaks in short phrases."},
    "provision": {
        "provision.items": [
            {"what": "Speech therapy, weekly", "who": "SALT", "starts_on": "", "section": "F"}
        ]
    },
}


@pytest.fixture
def db(small_template: None, any_db_app: Flask) -> Iterator[Session]:
    """A session on the app's own database: SQLite, then PostgreSQL."""
    with services(any_db_app).session_factory() as session:
        yield session


@pytest.fixture
def advice_request(db: Session) -> AdviceRequest:
    assessment = make_assessment(db, agreed=True, agencies=(Agency.HEALTH,))
    db.commit()
    (found,) = assessment.advice_requests
    assert found.template_version == 90
    return found


def save(
    db: Session, advice_request: AdviceRequest, section_id: str, answers: dict[str, Any], **kw: Any
) -> AdviceDraft:
    current = db.get(AdviceDraft, advice_request.id)
    draft = save_draft(
        db,
        advice_request,
        answers,
        section_id=section_id,
        complete=kw.pop("complete", False),
        expected_version=current.version if current is not None else None,
        now=utcnow(),
        actor=ACTOR,
    )
    db.commit()
    return draft


def test_a_draft_gives_back_the_whole_of_an_answer_far_over_its_limit(
    db: Session, advice_request: AdviceRequest, any_db_app: Flask
) -> None:
    # As much as a section page takes in one post, with what a paste brings: line breaks,
    # typographic quotes, accents, and control characters from a word processor (the
    # vertical tab of a manual line break, even a NUL), which are refused only when it is sent.
    piece = "Line one\n\u201cquoted\u201d caf\u00e9\x0bsoft break\x00end. "
    typed = (piece * (SECTION_POST_LIMIT // len(piece)))[: SECTION_POST_LIMIT - 1000] + "!"
    save(db, advice_request, "communication", {"communication.needs": typed})
    with services(any_db_app).session_factory() as other:
        stored = other.scalars(select(AdviceDraft)).one()
        assert stored.answers["communication.needs"] == typed
        assert len(stored.answers["communication.needs"]) > 100 * 5_000


def test_only_save_and_continue_with_every_answer_passing_completes_a_section(
    db: Session, advice_request: AdviceRequest
) -> None:
    assert save(db, advice_request, "involvement", INVOLVEMENT).completed_sections == []
    over = INVOLVEMENT | {"involvement.involvement": "x" * 501}
    draft = save(db, advice_request, "involvement", over, complete=True)
    assert draft.completed_sections == []
    assert draft.answers["involvement.involvement"] == "x" * 501
    draft = save(db, advice_request, "involvement", INVOLVEMENT, complete=True)
    assert draft.completed_sections == ["involvement"]
    # Autosaving the same answers again changes nothing; changing one reopens the section.
    assert save(db, advice_request, "involvement", INVOLVEMENT).completed_sections == [
        "involvement"
    ]
    changed = INVOLVEMENT | {"involvement.on_caseload": "no"}
    assert save(db, advice_request, "involvement", changed).completed_sections == []


def test_completed_sections_are_kept_in_form_order(
    db: Session, advice_request: AdviceRequest
) -> None:
    for section_id in ("provision", "involvement", "communication"):
        draft = save(db, advice_request, section_id, EVERY_SECTION[section_id], complete=True)
    assert draft.completed_sections == ["involvement", "communication", "provision"]


def test_a_draft_saved_before_completion_was_recorded_counts_its_answered_sections(
    small_template: None,
) -> None:
    template = load_template("health", 90)
    answers = INVOLVEMENT | {"communication._not_assessed": "yes", "provision.items": []}
    assert completed_sections(template, answers, None) == {"involvement", "communication"}
    assert completed_sections(template, answers, []) == set()


def test_advice_with_an_answer_over_its_limit_is_neither_sent_nor_sealed(
    db: Session, advice_request: AdviceRequest
) -> None:
    for section_id, answers in EVERY_SECTION.items():
        save(db, advice_request, section_id, answers, complete=True)
    over = INVOLVEMENT | {"involvement.involvement": "x" * 5_000}
    draft = save(db, advice_request, "involvement", over)
    answers = dict(draft.answers)
    with pytest.raises(NotReadyToSendError) as refused:
        submit_advice(
            db, advice_request, answers=answers, declaration=DECLARATION, now=utcnow(), actor=ACTOR
        )
    assert str(refused.value) == (
        "\u2018How do you know the child\u2019 must be 500 characters or fewer: "
        "you have 4,500 too many"
    )
    # Sealing checks too, whoever calls it (a reviewer's approval seals what was held).
    with pytest.raises(NotReadyToSendError):
        seal_submission(
            db, advice_request, answers=answers, declaration=DECLARATION, now=utcnow(), actor=ACTOR
        )
    db.rollback()
    assert db.scalars(select(SealedAdvice)).first() is None


def test_advice_with_a_date_not_yet_real_or_a_required_answer_missing_is_not_sent(
    db: Session, advice_request: AdviceRequest
) -> None:
    answers = INVOLVEMENT | {
        "involvement.seen_on": {"day": "31", "month": "2", "year": "2026"},
        "communication.needs": "",
        "provision.items": [{"what": "Speech therapy", "who": "", "starts_on": "", "section": ""}],
    }
    with pytest.raises(NotReadyToSendError) as refused:
        submit_advice(
            db, advice_request, answers=answers, declaration=DECLARATION, now=utcnow(), actor=ACTOR
        )
    assert [p.summary for p in refused.value.problems] == [
        "The date for when did you last see them must be a real date, like 27 3 2026",
        "Answer \u2018What are their needs\u2019, or tick that you have not assessed this area",
        "Piece of provision 1: Answer \u2018Delivered by\u2019",
        "Piece of provision 1: Answer \u2018Plan section\u2019",
    ]
