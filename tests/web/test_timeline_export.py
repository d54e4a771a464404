"""The assessment's timeline downloads as CSV: every audit row, safe to open in a spreadsheet,
and the download itself is in the audit log."""

from __future__ import annotations

import csv
import io
from typing import Any

from flask.testing import FlaskClient
from sqlalchemy import select

from advice_hub.models import Assessment, AuditEvent, User
from tests.factories import fresh, make_assessment


def test_the_timeline_downloads_as_csv_with_every_audit_row(
    signed_in: FlaskClient, session: Any, officer: User
) -> None:
    assessment = make_assessment(session, agreed=True, family_name='=HYPERLINK("x")')
    session.commit()
    response = signed_in.get(f"/assessments/{assessment.id}/timeline.csv")
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert f"timeline-{assessment.reference}.csv" in response.headers["Content-Disposition"]
    rows = list(csv.DictReader(io.StringIO(response.data.decode("utf-8-sig"))))
    events = (
        fresh(session)
        .scalars(select(AuditEvent).where(AuditEvent.assessment_id == assessment.id))
        .all()
    )
    # Every event before the download, newest first, with its place in the audit chain.
    recorded = [e for e in events if e.action != "timeline.exported"]
    assert len(rows) == len(recorded)
    assert {r["action"] for r in rows} == {e.action for e in recorded}
    assert all(r["event_sha256"] and r["chain_position"].isdigit() for r in rows)
    assert rows[-1]["what_happened"] == "Assessment recorded"
    # The download is audited.
    assert [e.actor for e in events if e.action == "timeline.exported"] == [f"user:{officer.id}"]


def test_a_cell_that_a_spreadsheet_would_run_as_a_formula_is_defused(
    signed_in: FlaskClient, session: Any
) -> None:
    assessment = make_assessment(session, agreed=True)
    session.commit()
    session.add(
        AuditEvent(
            actor="=cmd|' /C calc'!A0",
            action="note.added",
            assessment=fresh(session).get_one(Assessment, assessment.id),
        )
    )
    session.commit()
    text = signed_in.get(f"/assessments/{assessment.id}/timeline.csv").data.decode("utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(text)))
    [row] = [r for r in rows if r["action"] == "note.added"]
    assert row["actor"] == "'=cmd|' /C calc'!A0"


def test_the_timeline_needs_a_signed_in_officer(client: FlaskClient, session: Any) -> None:
    assessment = make_assessment(session, agreed=True)
    session.commit()
    response = client.get(f"/assessments/{assessment.id}/timeline.csv")
    assert response.status_code in (302, 401)
    assert b"assessment.created" not in response.data
