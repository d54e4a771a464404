"""Drafts: the contributor's answers, saved on every page, never silently overwritten."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from advice_hub.models import CLOSED_STATUSES, AdviceDraft, AdviceRequest, RequestStatus
from advice_hub.sealing.audit import record_event
from forms import load_template
from forms.answers import shape_problems


class DraftConflictError(RuntimeError):
    """The draft changed (another tab or device) since this page was loaded."""

    def __init__(self, current: AdviceDraft) -> None:
        super().__init__("the draft was saved elsewhere since this page was loaded")
        self.current = current


class RequestClosedError(RuntimeError):
    """The request no longer takes answers (it was submitted)."""


def save_draft(
    session: Session,
    advice_request: AdviceRequest,
    answers: dict[str, Any],
    *,
    expected_version: int | None,
    now: datetime,
    actor: str,
) -> AdviceDraft:
    """Merge answers into the draft; refuse if someone saved since the page was loaded.

    `expected_version` is the draft version the page was loaded with, None if there was none.
    """
    if advice_request.status in CLOSED_STATUSES or (
        advice_request.status == RequestStatus.AWAITING_SIGN_OFF
    ):
        raise RequestClosedError(str(advice_request.id))
    template = load_template(advice_request.template_key, advice_request.template_version)
    problems = shape_problems(template, answers)
    if problems:
        raise ValueError("answers do not fit the template: " + "; ".join(problems))
    draft = session.get(AdviceDraft, advice_request.id)
    if draft is None:
        draft = AdviceDraft(advice_request_id=advice_request.id, answers={}, updated_at=now)
        session.add(draft)
        record_event(
            session, actor=actor, action="draft.started", now=now, advice_request=advice_request
        )
    elif draft.version != expected_version:
        raise DraftConflictError(draft)
    # A new dict, so SQLAlchemy sees the JSON column change.
    draft.answers = {**draft.answers, **answers}
    draft.updated_at = now
    if advice_request.status in {RequestStatus.QUEUED, RequestStatus.SENT, RequestStatus.OPENED}:
        advice_request.status = RequestStatus.DRAFT
    return draft
