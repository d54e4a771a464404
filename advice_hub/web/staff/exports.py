"""The assessment's timeline as CSV: every audit row, in words and as recorded."""

from __future__ import annotations

import csv
import io
import uuid
from typing import Any

from flask import Response

from advice_hub.assessments.timeline import timeline_for
from advice_hub.display import london_datetime
from advice_hub.web.audited import record_read
from advice_hub.web.db_session import db
from advice_hub.web.staff.blueprint import bp
from advice_hub.web.staff.lookup import WITH_CONTRIBUTORS, assessment_or_404
from advice_hub.web.staff.sign_in import staff_actor

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


def safe_cell(value: Any) -> str:
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


@bp.get("/assessments/<uuid:assessment_id>/timeline.csv")
def timeline_csv(assessment_id: uuid.UUID) -> Response:
    assessment = assessment_or_404(assessment_id, WITH_CONTRIBUTORS)
    entries = timeline_for(db(), assessment)
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    for entry in entries:
        writer.writerow(
            [
                safe_cell(entry.occurred_at.isoformat(timespec="microseconds")),
                safe_cell(london_datetime(entry.occurred_at)),
                safe_cell(entry.who),
                safe_cell(entry.what),
                safe_cell(entry.action),
                safe_cell(entry.actor),
                safe_cell(entry.chain_index),
                safe_cell(entry.event_sha256),
            ]
        )
    record_read(
        actor=staff_actor(), action="timeline.exported", assessment=assessment, rows=len(entries)
    )
    return Response(
        # A byte-order mark, so spreadsheet programs read the names' accents correctly.
        "\ufeff" + buffer.getvalue(),
        mimetype="text/csv",
        headers={
            "Content-Disposition": f'attachment; filename="timeline-{assessment.reference}.csv"'
        },
    )
