"""What takes a line off a case officer's work queue (``work_queue``) besides the acts that
change the case: reading advice that arrived, and dealing with a contributor's report that
their advice will be late. Each changes the session it is given and never commits.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from advice_hub.assessments.checks import OfficerActionError, lock_request
from advice_hub.models import AdviceRequest, DeadlineReport
from advice_hub.sealing.audit import record_event


def mark_advice_read(advice_request: AdviceRequest, *, now: datetime) -> bool:
    """Note the first time someone who works the case reads the advice that arrived; True
    if this was it. The caller records the read itself in the audit log, in the same
    transaction."""
    if advice_request.advice_read_at is not None:
        return False
    advice_request.advice_read_at = now
    return True


def deal_with_deadline_report(
    session: Session, report: DeadlineReport, *, now: datetime, actor: str
) -> DeadlineReport:
    """Mark a contributor's deadline report dealt with: it leaves the work queue. Refused on
    a closed assessment or request, and on a report already dealt with."""
    advice_request = report.advice_request
    lock_request(session, advice_request)
    session.refresh(report)  # another officer may have dealt with it meanwhile
    if report.acknowledged_at is not None:
        raise OfficerActionError(
            f"{report.recorded_by_name}'s report that their advice will be late was already "
            "marked dealt with"
        )
    report.acknowledged_at = now
    record_event(
        session,
        actor=actor,
        action="deadline_report.dealt_with",
        now=now,
        advice_request=advice_request,
        report_id=report.id,
    )
    return report


def settle_deadline_reports(
    session: Session, advice_request: AdviceRequest, *, now: datetime
) -> int:
    """Mark every contributor's deadline report on the request not yet dealt with as dealt
    with: an extension or an exception the officer records answers them. How many."""
    reports = session.scalars(
        select(DeadlineReport).where(
            DeadlineReport.advice_request_id == advice_request.id,
            DeadlineReport.reported_by_contributor.is_(True),
            DeadlineReport.acknowledged_at.is_(None),
        )
    ).all()
    for report in reports:
        report.acknowledged_at = now
    return len(reports)
