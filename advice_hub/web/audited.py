"""Reads that the audit log must hold: every view or export of sealed advice by staff or a
council system (DESIGN.md's invariant), recorded in a transaction of its own."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from advice_hub.models import utcnow
from advice_hub.sealing.audit import record_event
from advice_hub.transactions import committing
from advice_hub.web.db_session import db


def record_read(*, actor: str, action: str, now: datetime | None = None, **about: Any) -> None:
    """Note that ``actor`` saw (or exported) what ``about`` names, committed at once."""
    session = db()
    with committing(session):
        record_event(session, actor=actor, action=action, now=now or utcnow(), **about)
