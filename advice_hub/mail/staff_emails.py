"""What the emails to staff and agency leads say: escalations and the case officer's daily
digest, composed when they are sent. They name requests by reference, agency and contributor,
never a child.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from email.message import EmailMessage
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from advice_hub.chasing.digests import digest_rows
from advice_hub.config import Settings
from advice_hub.deadlines import london_date, working_days_between
from advice_hub.models import (
    CLOSED_STATUSES,
    AdviceRequest,
    Assessment,
    AssessmentStatus,
    Chase,
    Contributor,
    StaffMessage,
    StaffMessageKind,
    agency_label,
)
from notifications import compose


def _overdue_row(r: AdviceRequest, today: date) -> dict[str, Any]:
    due = r.effective_due_on
    officer = r.assessment.case_officer
    return {
        "reference": r.assessment.reference,
        "agency_label": r.agency_label,
        "contributor": r.contributor.name,
        "organisation": r.contributor.organisation,
        "due_on": due,
        "working_days_overdue": working_days_between(due, today) if due and due < today else 0,
        "officer_name": officer.name if officer is not None else "",
        "officer_email": officer.email if officer is not None else "",
    }


def compose_staff_email(
    session: Session, message: StaffMessage, settings: Settings, now: datetime
) -> EmailMessage:
    today = london_date(now)
    base_url = settings.base_url.rstrip("/")
    recipient = message.recipient or settings.send_team_email
    context: dict[str, Any] = {
        "council_name": settings.council_name,
        "recipient_name": message.recipient_name or settings.send_team_name,
        "meant_for": message.payload.get("meant_for", ""),
        "no_named_recipient": not message.recipient,
        "send_team_email": settings.send_team_email,
    }
    if message.kind == StaffMessageKind.OFFICER_DIGEST:
        user = message.user
        if user is None:
            raise RuntimeError(f"digest {message.id} has no officer")
        since = datetime.fromisoformat(message.payload["since"])
        context |= {
            "rows": digest_rows(session, user, since=since, now=now),
            "dashboard_url": f"{base_url}/assessments",
            "day": today,
        }
    else:
        ids = message.payload["request_ids"]
        uuids = [uuid.UUID(i) for i in ids]
        escalated = [
            r
            for r in session.scalars(select(AdviceRequest).where(AdviceRequest.id.in_(uuids)))
            if r.status not in CLOSED_STATUSES
        ]
        context["escalated"] = [_overdue_row(r, today) for r in escalated]
        also = []
        if message.kind == StaffMessageKind.LEAD_ESCALATION and message.agency:
            context["agency_label"] = agency_label(message.agency)
            also = [
                _overdue_row(r, today)
                for r in _overdue_for_agency(
                    session, message.agency, today, message.payload.get("service_id")
                )
                if str(r.id) not in ids
            ]
        context["also_overdue"] = also
    return compose(
        message.kind,
        to=recipient,
        sender=settings.mail_from,
        context=context,
        message_id=message.message_id or staff_message_id(message, settings),
        reply_to=settings.send_team_email,
    )


def _overdue_for_agency(
    session: Session, agency: str, today: date, service_id: int | None = None
) -> list[AdviceRequest]:
    """The agency's overdue requests, or only those picked from the directory service
    ``service_id`` (whose lead is told)."""
    query = select(AdviceRequest).join(AdviceRequest.assessment)
    if service_id is not None:
        query = query.join(Contributor, Contributor.id == AdviceRequest.contributor_id).where(
            Contributor.service_id == service_id
        )
    rows = session.scalars(
        query.where(
            Assessment.status == AssessmentStatus.AGREED,
            AdviceRequest.agency == agency,
            AdviceRequest.status.not_in([s.value for s in CLOSED_STATUSES]),
            func.coalesce(AdviceRequest.extended_due_on, AdviceRequest.due_on) < today,
        ).order_by(AdviceRequest.due_on)
    ).all()
    return list(rows)


def staff_message_id(message: StaffMessage, settings: Settings) -> str:
    domain = urlsplit(settings.base_url).hostname or "advice-hub.invalid"
    return f"<staff.{message.id}.{message.kind}@{domain}>"


def drop_closed_requests(session: Session, message: StaffMessage, now: datetime) -> bool:
    """Take out of an escalation the requests that closed before it went (their chase rows
    are cancelled, so the timeline does not claim an escalation that never happened).
    Returns True when nothing is left to say."""
    if message.kind == StaffMessageKind.OFFICER_DIGEST:
        return False
    ids = [uuid.UUID(i) for i in message.payload["request_ids"]]
    closed = {
        r.id
        for r in session.scalars(select(AdviceRequest).where(AdviceRequest.id.in_(ids)))
        if r.status in CLOSED_STATUSES or r.assessment.status != AssessmentStatus.AGREED
    }
    if closed:
        for chase in session.scalars(
            select(Chase).where(
                Chase.staff_message_id == message.id, Chase.advice_request_id.in_(closed)
            )
        ):
            chase.cancelled_at = now
        message.payload = {
            **message.payload,
            "request_ids": [str(i) for i in ids if i not in closed],
        }
    return not message.payload["request_ids"]
