"""An agency lead's page: every request made of their agency across the council's teams,
read only: what is still open (the most overdue first) and the advice sealed lately, each
sealed piece one click away (that view is audited like any other)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from flask import render_template
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from advice_hub.deadlines import london_date
from advice_hub.models import (
    CLOSED_STATUSES,
    AdviceRequest,
    Agency,
    Assessment,
    AssessmentStatus,
    RequestStatus,
    utcnow,
)
from advice_hub.web.db_session import db
from advice_hub.web.staff.blueprint import bp
from advice_hub.web.staff.sign_in import signed_in_user

# A page, not an export: the most urgent this many open requests, and this many sealed lately.
OPEN_SHOWN = 200
SEALED_SHOWN = 100
SEALED_WITHIN = timedelta(days=90)


@bp.route("/agency-requests")
def agency_requests() -> Any:
    user = signed_in_user()
    if user.agency is None:
        return render_template(
            "staff/agency_requests.html", page_title="Your agency's requests", agency=None
        )
    session = db()
    now = utcnow()
    # Everything each line shows, in the same statement: no query per line.
    assessment = joinedload(AdviceRequest.assessment)
    with_people = (
        joinedload(AdviceRequest.contributor),
        assessment.joinedload(Assessment.team),
        assessment.joinedload(Assessment.case_officer),
    )
    open_requests = session.scalars(
        select(AdviceRequest)
        .join(Assessment, Assessment.id == AdviceRequest.assessment_id)
        .where(
            AdviceRequest.agency == user.agency,
            AdviceRequest.status.not_in(CLOSED_STATUSES),
            Assessment.status != AssessmentStatus.CLOSED,
        )
        .options(*with_people)
        .order_by(AdviceRequest.due_on.asc().nulls_last(), AdviceRequest.created_at)
        .limit(OPEN_SHOWN + 1)
    ).all()
    sealed = session.scalars(
        select(AdviceRequest)
        .where(
            AdviceRequest.agency == user.agency,
            AdviceRequest.status == RequestStatus.SUBMITTED,
            AdviceRequest.submitted_at >= now - SEALED_WITHIN,
        )
        .options(*with_people)
        .order_by(AdviceRequest.submitted_at.desc())
        .limit(SEALED_SHOWN)
    ).all()
    return render_template(
        "staff/agency_requests.html",
        page_title="Your agency's requests",
        agency=Agency(user.agency),
        open_requests=open_requests[:OPEN_SHOWN],
        more_open=len(open_requests) > OPEN_SHOWN,
        sealed=sealed,
        sealed_within_days=SEALED_WITHIN.days,
        today=london_date(now),
    )
