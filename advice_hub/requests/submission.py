"""Submitting advice: the contributor's declaration either seals it now or, where their
service (in the directory) or their agency has a reviewer (a senior EP, the DCO), holds it for
sign-off, which seals it later naming both (``sign_off.approve``).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from advice_hub.directory.routing import service_reviewer
from advice_hub.models import AdviceRequest, SealedAdvice, SignOffReview
from advice_hub.requests.seal import NotReadyToSendError, seal_submission
from advice_hub.requests.sign_off import reviewer_for, submit_for_sign_off
from forms import load_template
from forms.checks import advice_problems


def submit_advice(
    session: Session,
    advice_request: AdviceRequest,
    *,
    answers: dict[str, Any],
    declaration: dict[str, str],
    now: datetime,
    actor: str,
) -> SealedAdvice | SignOffReview:
    """The contributor sends their completed advice with their declaration.

    Where the directory service the contributor was picked from has a reviewer, or else the
    agency has one, the advice waits for them (a ``SignOffReview``, and an
    email to the reviewer); otherwise it is sealed now (``SealedAdvice``, and a receipt).
    Raises AlreadySealedError when it was sealed already (a second tab, a double submit), and
    NotReadyToSendError, naming each question, while any answer is missing or cannot be sent
    as it is (the draft keeps an answer over its limit; the advice may not).
    """
    template = load_template(advice_request.template_key, advice_request.template_version)
    problems = advice_problems(template, answers)
    if problems:
        raise NotReadyToSendError(problems)
    reviewer = service_reviewer(session, advice_request) or reviewer_for(
        session, advice_request.agency
    )
    if reviewer is not None:
        return submit_for_sign_off(
            session, advice_request, reviewer, declaration=declaration, now=now, actor=actor
        )
    return seal_submission(
        session, advice_request, answers=answers, declaration=declaration, now=now, actor=actor
    )
