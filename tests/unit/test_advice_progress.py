"""The counting rule behind "n of m returned": each piece of advice sought counted once."""

from __future__ import annotations

import uuid
from datetime import date, datetime

from advice_hub.assessments.progress import PieceState, advice_progress
from advice_hub.models import AdviceRequest, AdviceReuse, Agency, RequestStatus

ASSESSMENT = uuid.uuid4()


def request(
    agency: Agency, status: RequestStatus, passed_on_from: AdviceRequest | None = None
) -> AdviceRequest:
    return AdviceRequest(
        id=uuid.uuid4(),
        assessment_id=ASSESSMENT,
        agency=agency.value,
        status=status.value,
        passed_on_from_id=passed_on_from.id if passed_on_from else None,
    )


def reuse(agency: Agency, replaced: AdviceRequest | None = None) -> AdviceReuse:
    return AdviceReuse(
        assessment_id=ASSESSMENT,
        agency=agency.value,
        description="Existing report",
        author_name="Jo Social",
        advice_dated=date(2026, 1, 5),
        author_agreed_on=date(2026, 1, 6),
        la_agreed_on=date(2026, 1, 6),
        family_agreed_on=date(2026, 1, 7),
        family_agreed_by="Alex",
        replaced_request_id=replaced.id if replaced else None,
        recorded_at=datetime(2026, 1, 8),
        recorded_by="user:1",
        recorded_by_name="Olu",
    )


def test_a_request_passed_on_twice_is_one_piece_of_advice_in_the_state_of_the_last() -> None:
    first = request(Agency.HEALTH, RequestStatus.PASSED_ON)
    second = request(Agency.HEALTH, RequestStatus.PASSED_ON, passed_on_from=first)
    third = request(Agency.HEALTH, RequestStatus.SUBMITTED, passed_on_from=second)
    education = request(Agency.EDUCATION, RequestStatus.DRAFT)
    progress = advice_progress([first, education, second, third])
    assert (progress.sought, progress.returned) == (2, 1)
    health, awaited = progress.pieces
    assert health.requests == (first, second, third)
    assert health.state is PieceState.RETURNED
    assert [p.advice_name for p in progress.awaited] == ["education advice"]
    assert awaited.requests == (education,)


def test_a_withdrawn_request_is_not_sought_and_one_replaced_by_existing_advice_is_in_hand() -> None:
    withdrawn = request(Agency.EDUCATION, RequestStatus.WITHDRAWN)
    replaced = request(Agency.SOCIAL_CARE, RequestStatus.WITHDRAWN)
    used_instead = reuse(Agency.SOCIAL_CARE, replaced=replaced)
    progress = advice_progress([withdrawn, replaced], [used_instead])
    assert (progress.sought, progress.returned, progress.reused) == (1, 1, 1)
    (piece,) = progress.pieces
    assert piece.reuse is used_instead and piece.requests == (replaced,)


def test_existing_advice_that_replaced_no_request_is_a_piece_of_its_own() -> None:
    health = request(Agency.HEALTH, RequestStatus.SENT)
    progress = advice_progress([health], [reuse(Agency.SOCIAL_CARE)])
    assert (progress.sought, progress.returned, progress.reused) == (2, 1, 1)


def test_a_service_that_does_not_know_the_child_is_sought_but_not_returned() -> None:
    declined = request(Agency.SOCIAL_CARE, RequestStatus.DECLINED)
    progress = advice_progress([declined])
    assert (progress.sought, progress.returned, progress.not_known) == (1, 0, 1)
    assert progress.awaited == []


def test_an_assessment_with_nothing_asked_seeks_nothing() -> None:
    progress = advice_progress([])
    assert (progress.sought, progress.returned, progress.pieces) == (0, 0, ())
