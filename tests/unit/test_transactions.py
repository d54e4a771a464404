"""The one unit of work (``advice_hub.transactions``): what a block did is kept and its emails
sent only if it ends normally; an exception, or a commit the database refuses, keeps nothing
and sends nothing."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from advice_hub.assessments.recording import agree_assessment
from advice_hub.deadlines import london_date
from advice_hub.models import AdviceRequest, AssessmentStatus, OutboxMessage, User, utcnow
from advice_hub.transactions import committing, transaction
from notifications.mailbox import list_messages
from tests.factories import fresh, make_assessment


def emails(svc: Any) -> list[Any]:
    return list_messages(Path(svc.settings.mail_outbox_dir))


def test_what_a_committing_block_did_is_kept_and_its_emails_are_sent(
    session: Any, svc: Any, jobs: Any
) -> None:
    assessment = make_assessment(session)
    session.commit()
    with committing(session):
        agree_assessment(
            session, assessment, decided_on=london_date(utcnow()), now=utcnow(), actor="test"
        )
    jobs.run()
    assert len(emails(svc)) == 4
    fresh(session)
    assert session.scalar(select(func.count(OutboxMessage.id))) == 4


def test_an_exception_inside_committing_rolls_everything_back_and_sends_nothing(
    session: Any, svc: Any, jobs: Any
) -> None:
    assessment = make_assessment(session)
    session.commit()
    with pytest.raises(RuntimeError, match="part-way"), committing(session):
        agree_assessment(
            session, assessment, decided_on=london_date(utcnow()), now=utcnow(), actor="test"
        )
        session.flush()
        # The requests and their emails were written in the transaction before it failed.
        assert session.scalar(select(func.count(OutboxMessage.id))) == 4
        raise RuntimeError("failed part-way")
    jobs.run()
    assert emails(svc) == []
    fresh(session)
    assert session.scalar(select(func.count(OutboxMessage.id))) == 0
    assert session.scalar(select(func.count(AdviceRequest.id))) == 0
    assert assessment.status == AssessmentStatus.REQUESTED


def test_a_commit_the_database_refuses_is_rolled_back_and_the_session_goes_on(
    session: Any,
) -> None:
    session.add(User(email="olu@council.example", name="Olu", role="case_officer"))
    session.commit()
    with pytest.raises(IntegrityError), committing(session):
        # Flushed only by the commit, which the unique email refuses.
        session.add(User(email="olu@council.example", name="Someone else", role="manager"))
    # Left half-done, the session would refuse every query until rolled back.
    assert session.scalars(select(User.name)).all() == ["Olu"]


def test_a_transaction_keeps_its_work_only_when_it_ends_normally(svc: Any) -> None:
    with pytest.raises(ValueError, match="refused"), transaction(svc.session_factory) as first:
        first.add(User(email="kept@council.example", name="Not kept", role="case_officer"))
        first.flush()
        raise ValueError("refused")
    with transaction(svc.session_factory) as second:
        second.add(User(email="kept@council.example", name="Kept", role="case_officer"))
    with svc.session_factory() as reader:
        assert reader.scalars(select(User.name)).all() == ["Kept"]
