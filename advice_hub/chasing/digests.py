"""The case officer's daily digest: what arrived since the last one, what is overdue, and
what falls due within a week, across their open assessments. The clock queues one per officer
per working day when there is something to tell them; ``advice_hub.mail.staff_emails``
composes it when it is sent.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from advice_hub.deadlines import london_date, working_days_between
from advice_hub.models import (
    CLOSED_STATUSES,
    AdviceRequest,
    Assessment,
    AssessmentStatus,
    RequestStatus,
    StaffMessage,
    StaffMessageKind,
    User,
)
from advice_hub.outbox import queue_staff_message

# How far ahead the digest looks for advice falling due.
DIGEST_HORIZON = timedelta(days=7)


@dataclass(frozen=True)
class DigestRow:
    reference: str
    assessment_id: str
    agency_label: str
    contributor: str
    status: str
    due_on: date | None
    working_days_overdue: int


def digest_rows(
    session: Session, user: User, *, since: datetime, now: datetime
) -> dict[str, list[DigestRow]]:
    """What a case officer's digest says: arrived since ``since``, overdue, due within a week."""
    today = london_date(now)
    requests = session.scalars(
        select(AdviceRequest)
        .join(AdviceRequest.assessment)
        .where(
            Assessment.case_officer_id == user.id,
            Assessment.status == AssessmentStatus.AGREED,
        )
        .options(selectinload(AdviceRequest.assessment), selectinload(AdviceRequest.contributor))
        .order_by(AdviceRequest.due_on, AdviceRequest.created_at)
    ).all()
    arrived, overdue, due_soon = [], [], []
    for r in requests:
        due = r.effective_due_on
        row = DigestRow(
            reference=r.assessment.reference,
            assessment_id=str(r.assessment_id),
            agency_label=r.agency_label,
            contributor=r.contributor.name,
            status=r.status_label,
            due_on=due,
            working_days_overdue=working_days_between(due, today) if due and due < today else 0,
        )
        closed_at = r.submitted_at or r.declined_at
        if r.status in CLOSED_STATUSES or r.status == RequestStatus.AWAITING_SIGN_OFF:
            if closed_at is not None and since <= closed_at <= now:
                arrived.append(row)
            continue
        if due is None:
            continue
        if due < today:
            overdue.append(row)
        elif due <= today + DIGEST_HORIZON:
            due_soon.append(row)
    return {"arrived": arrived, "overdue": overdue, "due_soon": due_soon}


def queue_digests(session: Session, *, now: datetime) -> int:
    """One digest per case officer per working day, when there is something to tell them."""
    day = london_date(now)
    # IN, not DISTINCT: PostgreSQL cannot compare a user's JSON columns to make rows distinct.
    with_open_assessments = select(Assessment.case_officer_id).where(
        Assessment.status == AssessmentStatus.AGREED
    )
    officers = session.scalars(
        select(User).where(User.id.in_(with_open_assessments)).order_by(User.id)
    ).all()
    queued = 0
    for officer in officers:
        key_prefix = f"{StaffMessageKind.OFFICER_DIGEST}:-:{officer.email}:{day.isoformat()}:"
        if session.scalar(
            select(func.count())
            .select_from(StaffMessage)
            .where(StaffMessage.key.startswith(key_prefix, autoescape=True))
        ):
            continue
        since = _previous_digest_at(session, officer) or now - timedelta(days=1)
        rows = digest_rows(session, officer, since=since, now=now)
        if not any(rows.values()):
            continue
        message = queue_staff_message(
            session,
            kind=StaffMessageKind.OFFICER_DIGEST,
            recipient=officer.email,
            recipient_name=officer.name,
            meant_for="case officer",
            user_id=officer.id,
            agency=None,
            day=day,
            send_after=None,
            now=now,
        )
        message.payload = {**message.payload, "since": since.isoformat()}
        queued += 1
    return queued


def _previous_digest_at(session: Session, officer: User) -> datetime | None:
    return session.scalar(
        select(func.max(StaffMessage.created_at)).where(
            StaffMessage.kind == StaffMessageKind.OFFICER_DIGEST,
            StaffMessage.user_id == officer.id,
        )
    )
