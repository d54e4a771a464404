"""contributor alternatives: not known to the service, passed on, deadline reports

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23 12:05:13.845951

SQLite cannot add a foreign key to an existing table, and rebuilding `advice_requests` (batch
"copy and move") fails on any database with rows, because its DROP TABLE trips the foreign keys
of the tables that point at it. A new column may carry its own REFERENCES clause, though, and
SQLite 3.35+ drops such a column in place: so every change to `advice_requests` here is made
in place, on SQLite as on PostgreSQL.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import advice_hub.models

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

PASSED_ON_FK = "fk_advice_requests_passed_on_from_id_advice_requests"
PASSED_ON_INDEX = "ix_advice_requests_passed_on_from_id"


def _plain_columns() -> list[sa.Column]:
    return [
        sa.Column("declined_at", advice_hub.models.UTCDateTime(), nullable=True),
        sa.Column("declined_by_name", sa.String(length=200), nullable=True),
        sa.Column("declined_by_role", sa.String(length=200), nullable=True),
        sa.Column("declined_what_they_know", sa.Text(), nullable=True),
        sa.Column("passed_on_note", sa.Text(), nullable=True),
    ]


def _sqlite() -> bool:
    return op.get_bind().dialect.name == "sqlite"


def upgrade() -> None:
    op.create_table(
        "deadline_reports",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("advice_request_id", sa.Uuid(), nullable=False),
        sa.Column("reason", sa.String(length=40), nullable=False),
        sa.Column("is_lawful_exception", sa.Boolean(), nullable=False),
        sa.Column("details", sa.Text(), nullable=False),
        sa.Column("expected_by", sa.Date(), nullable=True),
        sa.Column("recorded_at", advice_hub.models.UTCDateTime(), nullable=False),
        sa.Column("recorded_by", sa.String(length=200), nullable=False),
        sa.Column("recorded_by_name", sa.String(length=200), nullable=False),
        sa.Column("reported_by_contributor", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["advice_request_id"],
            ["advice_requests.id"],
            name=op.f("fk_deadline_reports_advice_request_id_advice_requests"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_deadline_reports")),
    )
    op.create_index(
        op.f("ix_deadline_reports_advice_request_id"),
        "deadline_reports",
        ["advice_request_id"],
        unique=False,
    )

    for column in _plain_columns():
        op.add_column("advice_requests", column)
    if _sqlite():
        # The column and its foreign key in one statement: the only way SQLite adds one.
        op.execute(
            "ALTER TABLE advice_requests ADD COLUMN passed_on_from_id CHAR(32) "
            f"CONSTRAINT {PASSED_ON_FK} REFERENCES advice_requests (id)"
        )
    else:
        op.add_column("advice_requests", sa.Column("passed_on_from_id", sa.Uuid(), nullable=True))
        op.create_foreign_key(
            op.f(PASSED_ON_FK), "advice_requests", "advice_requests", ["passed_on_from_id"], ["id"]
        )
    op.create_index(op.f(PASSED_ON_INDEX), "advice_requests", ["passed_on_from_id"], unique=True)


def downgrade() -> None:
    op.drop_index(op.f(PASSED_ON_INDEX), table_name="advice_requests")
    if not _sqlite():
        op.drop_constraint(op.f(PASSED_ON_FK), "advice_requests", type_="foreignkey")
        op.drop_column("advice_requests", "passed_on_from_id")
    else:
        # On SQLite the foreign key goes with its column; once a later migration has rebuilt
        # the table, the key is the table's and only another rebuild takes the column out.
        with op.batch_alter_table("advice_requests", recreate="always") as batch_op:
            batch_op.drop_column("passed_on_from_id")
    for column in reversed(_plain_columns()):
        op.drop_column("advice_requests", column.name)

    op.drop_index(op.f("ix_deadline_reports_advice_request_id"), table_name="deadline_reports")
    op.drop_table("deadline_reports")
