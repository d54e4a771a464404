"""The append-only audit log: every state change and every staff view of sealed advice."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from advice_hub.models import AdviceRequest, Assessment, AuditEvent


def record_event(
    session: Session,
    *,
    actor: str,
    action: str,
    now: datetime,
    assessment: Assessment | None = None,
    advice_request: AdviceRequest | None = None,
    **detail: Any,
) -> AuditEvent:
    """Append one event. `detail` must never hold advice text or tokens."""
    if advice_request is not None and assessment is None:
        assessment = advice_request.assessment
    event = AuditEvent(
        occurred_at=now,
        actor=actor,
        action=action,
        assessment=assessment,
        advice_request=advice_request,
        detail=detail,
    )
    session.add(event)
    return event
