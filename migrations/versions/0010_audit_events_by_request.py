"""Audit events are found by their advice request through an index: an assessment's timeline
reads its requests' events, which without it scans the whole audit log (and opening an
assessment now adds to that log).

A plain CREATE INDEX: no table rebuild, so audit_events keeps its append-only triggers.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-02 06:35:00.000000
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index(
        op.f("ix_audit_events_advice_request_id"), "audit_events", ["advice_request_id"]
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_audit_events_advice_request_id"), table_name="audit_events")
