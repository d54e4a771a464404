"""The assessment's timeline as CSV: every audit row, in words and as recorded."""

from __future__ import annotations

import csv
import io
import uuid
from typing import Any

from flask import Response, abort
from sqlalchemy.orm import selectinload

from advice_hub.assessments.timeline import timeline_for
from advice_hub.display import london_datetime
from advice_hub.models import AdviceRequest, Assessment, utcnow
from advice_hub.sealing.audit import record_event
from advice_hub.transactions import committing
from advice_hub.web.db_session import db
from advice_hub.web.staff.blueprint import bp
from advice_hub.web.staff.sign_in import current_user, login_required

COLUMNS = (
    "occurred_at_utc",
    "occurred_at_london",
    "who",
    "what_happened",
    "action",
    "actor",
    "chain_position",
    "event_sha256",
)
# A cell a spreadsheet would run as a formula starts with one of these (CSV injection).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def _cell(value: Any) -> str:
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


@bp.get("/assessments/<uuid:assessment_id>/timeline.csv")
@login_required
def timeline_csv(assessment_id: uuid.UUID) -> Response:
    session = db()
    assessment = session.get(
        Assessment,
        assessment_id,
        options=[selectinload(Assessment.advice_requests).selectinload(AdviceRequest.contributor)],
    )
    if assessment is None:
        abort(404)
    entries = timeline_for(session, assessment)
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    for entry in entries:
        writer.writerow(
            [
                _cell(entry.occurred_at.isoformat(timespec="microseconds")),
                _cell(london_datetime(entry.occurred_at)),
                _cell(entry.who),
                _cell(entry.what),
                _cell(entry.action),
                _cell(entry.actor),
                _cell(entry.chain_index),
                _cell(entry.event_sha256),
            ]
        )
    user = current_user()
    with committing(session):
        record_event(
            session,
            actor=f"user:{user.id}" if user is not None else "anonymous",
            action="timeline.exported",
            now=utcnow(),
            assessment=assessment,
            rows=len(entries),
        )
    return Response(
        # A byte-order mark, so spreadsheet programs read the names' accents correctly.
        "\ufeff" + buffer.getvalue(),
        mimetype="text/csv",
        headers={
            "Content-Disposition": f'attachment; filename="timeline-{assessment.reference}.csv"'
        },
    )
