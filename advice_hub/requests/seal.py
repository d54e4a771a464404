"""Sealing a submission: the advice exactly as submitted, with its declaration and the
fingerprints of its files, becomes the next link of the seal chain; the request closes, its
draft goes and a receipt is queued. Reached from ``submission.submit_advice`` and from a
reviewer's approval (``sign_off.approve``).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from advice_hub.models import (
    AdviceDraft,
    AdviceRequest,
    MessageKind,
    RequestStatus,
    SealedAdvice,
)
from advice_hub.outbox import queue_message
from advice_hub.requests.attachments import live_attachments
from advice_hub.sealing.audit import record_event
from advice_hub.sealing.seals import append_to_seal_chain, sealed_document
from forms import load_template
from forms.answers import shape_problems
from forms.checks import Problem, invalid_answers


class AlreadySealedError(RuntimeError):
    """The advice for this request has already been sealed."""


class NotReadyToSendError(ValueError):
    """Answers that cannot be sent as they are (over their limit, a date not real, a required
    question unanswered); `problems` names each question and what to change."""

    def __init__(self, problems: list[Problem]) -> None:
        super().__init__("; ".join(p.summary for p in problems))
        self.problems = problems


def seal_submission(
    session: Session,
    advice_request: AdviceRequest,
    *,
    answers: dict[str, Any],
    declaration: dict[str, str],
    now: datetime,
    actor: str,
    reviewed_by: dict[str, str] | None = None,
) -> SealedAdvice:
    """Seal the advice exactly as submitted, close the request and queue the receipt."""
    if advice_request.sealed is not None or advice_request.status == RequestStatus.SUBMITTED:
        raise AlreadySealedError(str(advice_request.id))
    template = load_template(advice_request.template_key, advice_request.template_version)
    problems = shape_problems(template, answers)
    if problems:
        raise ValueError("answers do not fit the template: " + "; ".join(problems))
    invalid = [p for section in template.sections for p in invalid_answers(section, answers)]
    if invalid:
        raise NotReadyToSendError(invalid)
    files = [
        {
            "id": str(a.id),
            "filename": a.filename,
            "content_type": a.content_type,
            "size": a.size,
            "sha256": a.sha256,
        }
        for a in live_attachments(session, advice_request)
    ]
    document = sealed_document(advice_request, answers, declaration, now, files)
    if reviewed_by is not None:
        document["reviewed_by"] = reviewed_by
    sealed = append_to_seal_chain(session, advice_request, document, sealed_at=now)
    session.expire(advice_request, ["sealed"])  # a view-only relationship: read it afresh
    advice_request.status = RequestStatus.SUBMITTED
    advice_request.submitted_at = now
    draft = session.get(AdviceDraft, advice_request.id)
    if draft is not None:
        session.delete(draft)  # the sealed row is now the only copy that counts
    queue_message(session, advice_request, MessageKind.ADVICE_RECEIPT, now=now)
    record_event(
        session,
        actor=actor,
        action="advice.sealed",
        now=now,
        advice_request=advice_request,
        content_sha256=sealed.content_sha256,
    )
    return sealed
