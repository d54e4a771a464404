"""Sign-off before release: where an agency has a reviewer (a senior EP, the DCO), completed
advice waits for them. They approve it, which seals it naming author and reviewer, or return
it to the author with comments. The reviewer never changes the text.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from advice_hub.directory.routing import ServiceReviewer
from advice_hub.models import (
    AdviceDraft,
    AdviceRequest,
    MessageKind,
    RequestStatus,
    SealedAdvice,
    SignOffReview,
    SignOffReviewer,
)
from advice_hub.outbox import queue_message
from advice_hub.requests.seal import seal_submission
from advice_hub.sealing.audit import record_event

# Where the author may send from: still writing, or writing again after a return.
SENDABLE = {
    RequestStatus.QUEUED,
    RequestStatus.SENT,
    RequestStatus.OPENED,
    RequestStatus.DRAFT,
    RequestStatus.RETURNED,
}


class SignOffError(RuntimeError):
    """The request is not in a state where this sign-off step can happen."""


def reviewer_for(session: Session, agency: str) -> SignOffReviewer | None:
    return session.scalar(select(SignOffReviewer).where(SignOffReviewer.agency == agency))


def set_reviewer(
    session: Session, *, agency: str, name: str, email: str, role: str, now: datetime, actor: str
) -> SignOffReviewer:
    """Name (or replace) the reviewer for an agency's advice."""
    reviewer = reviewer_for(session, agency)
    if reviewer is None:
        reviewer = SignOffReviewer(agency=agency, name=name, email=email, role=role, created_at=now)
        session.add(reviewer)
    else:
        reviewer.name, reviewer.email, reviewer.role = name, email, role
    record_event(
        session, actor=actor, action="sign_off.reviewer_set", now=now, agency=agency, reviewer=email
    )
    return reviewer


def clear_reviewer(session: Session, *, agency: str, now: datetime, actor: str) -> bool:
    reviewer = reviewer_for(session, agency)
    if reviewer is None:
        return False
    session.delete(reviewer)
    record_event(session, actor=actor, action="sign_off.reviewer_cleared", now=now, agency=agency)
    return True


def pending_review(session: Session, advice_request: AdviceRequest) -> SignOffReview | None:
    return session.scalar(
        select(SignOffReview)
        .where(
            SignOffReview.advice_request_id == advice_request.id,
            SignOffReview.decided_at.is_(None),
        )
        .order_by(SignOffReview.id.desc())
        .limit(1)
    )


def latest_returned(session: Session, advice_request: AdviceRequest) -> SignOffReview | None:
    return session.scalar(
        select(SignOffReview)
        .where(
            SignOffReview.advice_request_id == advice_request.id,
            SignOffReview.decision == "returned",
        )
        .order_by(SignOffReview.id.desc())
        .limit(1)
    )


def submit_for_sign_off(
    session: Session,
    advice_request: AdviceRequest,
    reviewer: SignOffReviewer | ServiceReviewer,
    *,
    declaration: dict[str, str],
    now: datetime,
    actor: str,
) -> SignOffReview:
    """Hold the completed advice and its declaration for the reviewer, and email them."""
    session.refresh(advice_request, with_for_update=True)
    if advice_request.status not in SENDABLE:
        raise SignOffError(f"request {advice_request.id} cannot be sent for sign-off now")
    draft = session.get(AdviceDraft, advice_request.id)
    if draft is None:
        raise SignOffError("there is nothing to sign off")
    draft.declaration = declaration
    advice_request.status = RequestStatus.AWAITING_SIGN_OFF
    review = SignOffReview(
        advice_request_id=advice_request.id,
        reviewer_name=reviewer.name,
        reviewer_email=reviewer.email,
        reviewer_role=reviewer.role,
        requested_at=now,
    )
    session.add(review)
    queue_message(session, advice_request, MessageKind.SIGN_OFF_REQUEST, now=now)
    record_event(
        session,
        actor=actor,
        action="sign_off.requested",
        now=now,
        advice_request=advice_request,
        reviewer=reviewer.email,
    )
    return review


def _deciding(session: Session, advice_request: AdviceRequest) -> SignOffReview:
    session.refresh(advice_request, with_for_update=True)
    review = pending_review(session, advice_request)
    if advice_request.status != RequestStatus.AWAITING_SIGN_OFF or review is None:
        raise SignOffError(f"request {advice_request.id} is not waiting for sign-off")
    return review


def approve(
    session: Session, advice_request: AdviceRequest, *, now: datetime, actor: str
) -> SealedAdvice:
    """Seal the advice exactly as the author left it, naming author and reviewer."""
    review = _deciding(session, advice_request)
    draft = session.get(AdviceDraft, advice_request.id)
    if draft is None or draft.declaration is None:
        raise SignOffError("the advice waiting for sign-off has gone")
    review.decided_at = now
    review.decision = "approved"
    answers: dict[str, Any] = dict(draft.answers)
    declaration = dict(draft.declaration)
    advice_request.status = RequestStatus.DRAFT  # sealing moves it on to submitted
    return seal_submission(
        session,
        advice_request,
        answers=answers,
        declaration=declaration,
        now=now,
        actor=actor,
        reviewed_by={
            "name": review.reviewer_name,
            "role": review.reviewer_role,
            "approved_at": now.isoformat(),
        },
    )


def return_to_author(
    session: Session, advice_request: AdviceRequest, *, comments: str, now: datetime, actor: str
) -> SignOffReview:
    """Send the advice back to its author with the reviewer's comments; nothing is sealed."""
    review = _deciding(session, advice_request)
    review.decided_at = now
    review.decision = "returned"
    review.comments = comments
    draft = session.get(AdviceDraft, advice_request.id)
    if draft is not None:
        draft.declaration = None  # the author signs again when they send it again
    advice_request.status = RequestStatus.RETURNED
    queue_message(session, advice_request, MessageKind.ADVICE_RETURNED, now=now)
    record_event(
        session, actor=actor, action="sign_off.returned", now=now, advice_request=advice_request
    )
    return review
