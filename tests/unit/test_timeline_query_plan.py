"""An assessment's timeline reads the audit log through its indexes, never by scanning it: the
log grows with every case (and every opening of a case's page), a timeline with its one case."""

from __future__ import annotations

from typing import Any

from sqlalchemy import event

from advice_hub.assessments.timeline import timeline_for
from tests.factories import make_assessment


def test_the_timeline_query_uses_the_audit_logs_indexes(session: Any) -> None:
    assessment = make_assessment(session, agreed=True)
    session.commit()
    sent: list[tuple[str, Any]] = []

    def record(conn: Any, cursor: Any, statement: str, parameters: Any, *args: Any) -> None:
        if "FROM audit_events" in statement:
            sent.append((statement, parameters))

    engine = session.get_bind()
    event.listen(engine, "before_cursor_execute", record)
    try:
        entries = timeline_for(session, assessment)
    finally:
        event.remove(engine, "before_cursor_execute", record)
    assert entries  # the assessment's recording and agreement are there
    ((statement, parameters),) = sent
    plan = session.connection().exec_driver_sql(f"EXPLAIN QUERY PLAN {statement}", parameters)
    steps = " | ".join(str(row[-1]) for row in plan)
    assert "SCAN audit_events" not in steps, steps
    assert "ix_audit_events_advice_request_id" in steps, steps
    assert "ix_audit_events_assessment_id" in steps, steps
