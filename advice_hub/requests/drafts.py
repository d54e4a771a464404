"""Drafts: the contributor's answers, saved on every page, never silently overwritten.

A draft keeps what was typed, even what could not be sent yet (an answer over its limit, a
date not finished): it is work in progress, and `forms.checks` is applied only where a section
is completed and where the advice is sent. A section is completed only by its "Save and
continue" with every answer passing.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from advice_hub.models import CLOSED_STATUSES, AdviceDraft, AdviceRequest, RequestStatus
from advice_hub.sealing.audit import record_event
from forms import load_template
from forms.answers import completed_sections, shape_problems
from forms.checks import section_problems


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
    section_id: str,
    complete: bool,
    expected_version: int | None,
    now: datetime,
    actor: str,
) -> AdviceDraft:
    """Merge one section's answers, as typed, into the draft; refuse if someone saved since
    the page was loaded (`expected_version`: the draft version the page was loaded with,
    None if there was none).

    `complete` is the contributor's "Save and continue": the section is recorded as completed
    if every answer in it then passes its checks. Any other save (autosave, "Save and come
    back later") that changes the section leaves it in progress.
    """
    if advice_request.status in CLOSED_STATUSES or (
        advice_request.status == RequestStatus.AWAITING_SIGN_OFF
    ):
        raise RequestClosedError(str(advice_request.id))
    template = load_template(advice_request.template_key, advice_request.template_version)
    section = template.section(section_id)
    if section is None:
        raise ValueError(f"the template has no section {section_id!r}")
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
    before = dict(draft.answers or {})
    completed = completed_sections(template, before, draft.completed_sections)
    # A new dict, so SQLAlchemy sees the JSON column change.
    draft.answers = {**before, **answers}
    if complete and not section_problems(section, draft.answers):
        completed.add(section.id)
    elif complete or any(before.get(key) != value for key, value in answers.items()):
        completed.discard(section.id)
    draft.completed_sections = [s.id for s in template.sections if s.id in completed]
    draft.updated_at = now
    if advice_request.status in {RequestStatus.QUEUED, RequestStatus.SENT, RequestStatus.OPENED}:
        advice_request.status = RequestStatus.DRAFT
    return draft
