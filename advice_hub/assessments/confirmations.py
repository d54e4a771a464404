"""Going ahead despite a warning: the officer confirms each warning an action gives, with the
reason, and the reason is kept in the audit log with the action's own event (where it is
part of the tamper-evident chain) and shown beside the warning from then on.

An action that gives a warning (``guard_rails``) takes a ``Confirmation``: the warnings the
officer was shown and their reason. Without one that covers every warning it gives, the
action raises ``WarningsToConfirm`` and changes nothing, so the page can show the warnings
and ask for the reason. A confirmation given when the action gives no warning is ignored.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from advice_hub.assessments.checks import REASON_MAX, OfficerActionError, checked_text
from advice_hub.assessments.guard_rails import GuardRailWarning
from advice_hub.models import Assessment, AuditEvent, User

REASON_FIELD = "warning_reason"
MISSING_REASON = "Enter why you are going ahead despite the warning"
# The actions whose events may hold a confirmed warning.
CONFIRMING_ACTIONS = (
    "assessment.agreed",
    "request.extended",
    "request.exception_recorded",
    "request.exception_ended",
    "assessment.final_plan_issued",
)


@dataclass(frozen=True)
class Confirmation:
    """The warnings an officer was shown (their kinds) and why they are going ahead."""

    kinds: frozenset[str]
    reason: str


class WarningsToConfirm(OfficerActionError):
    """The action gives warnings not yet confirmed; nothing changed. ``reason_missing``: the
    officer confirmed them but gave no reason."""

    def __init__(self, warnings: Sequence[GuardRailWarning], *, reason_missing: bool) -> None:
        message = MISSING_REASON if reason_missing else warnings[0].message
        super().__init__(message, field=REASON_FIELD)
        self.warnings = list(warnings)
        self.reason_missing = reason_missing


def confirmed(
    warnings: Sequence[GuardRailWarning], confirmation: Confirmation | None
) -> dict[str, Any]:
    """What the action's audit event keeps of the warnings it gives: their kinds and the
    reason. Refused (``WarningsToConfirm``) unless ``confirmation`` covers each of them."""
    if not warnings:
        return {}
    kinds = sorted({warning.kind.value for warning in warnings})
    if confirmation is None or not confirmation.kinds.issuperset(kinds):
        raise WarningsToConfirm(warnings, reason_missing=False)
    if not confirmation.reason.strip():
        raise WarningsToConfirm(warnings, reason_missing=True)
    reason = checked_text(
        confirmation.reason, field=REASON_FIELD, what="the reason", limit=REASON_MAX
    )
    return {"warnings": kinds, REASON_FIELD: reason}


@dataclass(frozen=True)
class ConfirmedWarning:
    """The reason an officer gave for going ahead despite a warning, who gave it and when."""

    reason: str
    confirmed_by: str
    confirmed_at: datetime


def _names(session: Session, actors: Iterable[str]) -> dict[str, str]:
    ids = {int(rest) for actor in actors if (rest := actor.removeprefix("user:")).isdigit()}
    users = session.scalars(select(User).where(User.id.in_(ids))).all() if ids else ()
    return {f"user:{user.id}": user.name for user in users}


def _named(actor: str, names: dict[str, str]) -> str:
    if actor in names:
        return names[actor]
    if actor.startswith("api-key:"):
        return f"Council system ({actor.removeprefix('api-key:')})"
    return "A member of staff" if actor.startswith("user:") else actor


def confirmations_of(
    session: Session, assessment: Assessment
) -> dict[tuple[str, uuid.UUID | None], ConfirmedWarning]:
    """The latest reason recorded for each warning of the assessment, by the warning's kind
    and the request it is about (``None`` for the assessment itself)."""
    events = session.scalars(
        select(AuditEvent)
        .where(
            AuditEvent.assessment_id == assessment.id,
            AuditEvent.action.in_(CONFIRMING_ACTIONS),
        )
        .order_by(AuditEvent.occurred_at, AuditEvent.id)
    ).all()
    events = [event for event in events if event.detail.get(REASON_FIELD)]
    names = _names(session, (event.actor for event in events))
    found: dict[tuple[str, uuid.UUID | None], ConfirmedWarning] = {}
    for event in events:
        for kind in event.detail.get("warnings", ()):
            found[(str(kind), event.advice_request_id)] = ConfirmedWarning(
                reason=str(event.detail[REASON_FIELD]),
                confirmed_by=_named(event.actor, names),
                confirmed_at=event.occurred_at,
            )
    return found
