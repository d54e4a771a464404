"""The timeliness reports' rollup: figures per month, team and agency (advice) and per month,
team and officer (plans), the open assessments' places on the 20-week track, and when they
were last worked out. The clock fills them (``advice_hub.reports.rollup``); nothing is copied
here, as the first refresh works every figure out from the rows.

And the indexes the agency lead's paged requests read (the open ones by the date now
expected, the sealed ones by when they were submitted) and the one every list's track reads
(an assessment's open requests and their dates).

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-02 18:40:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from advice_hub.models import AGENCY_OPEN_DUE, OPEN_REQUEST_CONDITION, UTCDateTime

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":  # as the model: SQLite cannot reflect it
        op.create_index(
            "ix_advice_requests_agency_open_due",
            "advice_requests",
            ["agency", sa.text(AGENCY_OPEN_DUE), "created_at", "id"],
            postgresql_include=["assessment_id"],
            postgresql_where=sa.text(OPEN_REQUEST_CONDITION),
        )
    op.create_index(
        "ix_advice_requests_open_by_assessment",
        "advice_requests",
        ["assessment_id"],
        postgresql_include=["due_on", "extended_due_on"],
        postgresql_where=sa.text(OPEN_REQUEST_CONDITION),
        sqlite_where=sa.text(OPEN_REQUEST_CONDITION),
    )
    op.create_index(
        "ix_advice_requests_agency_status_submitted_at",
        "advice_requests",
        ["agency", "status", "submitted_at", "id"],
    )
    refreshes = op.create_table(
        "report_refreshes",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("started_at", UTCDateTime(), nullable=True),
        sa.Column("refreshed_at", UTCDateTime(), nullable=True),
        sa.Column("as_of", sa.Date(), nullable=True),
    )
    # The one row, so that two clocks refreshing at once queue on it rather than both insert.
    op.bulk_insert(refreshes, [{"id": 1, "started_at": None, "refreshed_at": None, "as_of": None}])
    op.create_table(
        "report_advice_cells",
        sa.Column("month", sa.String(7), primary_key=True),
        sa.Column("team_id", sa.Integer(), sa.ForeignKey("teams.id"), primary_key=True),
        sa.Column("agency", sa.String(40), primary_key=True),
        *(
            sa.Column(name, sa.Integer(), nullable=False)
            for name in (
                "due",
                "on_time",
                "late",
                "late_with_exception",
                "open",
                "overdue",
                "escalations",
                "returned",
            )
        ),
        sa.Column("days", sa.JSON(), nullable=False),
    )
    op.create_table(
        "report_plan_cells",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("month", sa.String(7), nullable=False),
        sa.Column("team_id", sa.Integer(), sa.ForeignKey("teams.id"), nullable=False),
        sa.Column("officer_id", sa.Integer(), sa.ForeignKey("users.id"), nullable=True),
        *(
            sa.Column(name, sa.Integer(), nullable=False)
            for name in (
                "issued",
                "issued_with_exception",
                "within_20_weeks",
                "within_20_weeks_excluding_exceptions",
                "over_20_weeks_within_a_year",
                "over_a_year",
                "days_to_issue",
                "days_to_issue_excluding_exceptions",
            )
        ),
    )
    op.create_index("ix_report_plan_cells_month", "report_plan_cells", ["month"])
    op.create_table(
        "report_open_tracks",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("team_id", sa.Integer(), sa.ForeignKey("teams.id"), nullable=False),
        sa.Column("officer_id", sa.Integer(), sa.ForeignKey("users.id"), nullable=True),
        sa.Column("track", sa.String(20), nullable=False),
        sa.Column("assessments", sa.Integer(), nullable=False),
    )


def downgrade() -> None:
    op.drop_index("ix_advice_requests_agency_status_submitted_at", table_name="advice_requests")
    op.drop_index("ix_advice_requests_open_by_assessment", table_name="advice_requests")
    if op.get_bind().dialect.name == "postgresql":
        op.drop_index("ix_advice_requests_agency_open_due", table_name="advice_requests")
    op.drop_table("report_open_tracks")
    op.drop_index("ix_report_plan_cells_month", table_name="report_plan_cells")
    op.drop_table("report_plan_cells")
    op.drop_table("report_advice_cells")
    op.drop_table("report_refreshes")
