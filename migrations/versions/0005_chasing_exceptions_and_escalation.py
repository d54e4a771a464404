"""Chasing, exceptions and escalation: the schedule, staff emails, agency leads, reuse

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-01 13:20:35.602300
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import advice_hub.models

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "agency_leads",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("agency", sa.String(length=40), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("email", sa.String(length=320), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("created_at", advice_hub.models.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_agency_leads")),
        sa.UniqueConstraint("agency", name=op.f("uq_agency_leads_agency")),
    )
    op.create_table(
        "staff_messages",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("key", sa.String(length=200), nullable=False),
        sa.Column("recipient", sa.String(length=320), nullable=False),
        sa.Column("recipient_name", sa.String(length=200), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("agency", sa.String(length=40), nullable=True),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("created_at", advice_hub.models.UTCDateTime(), nullable=False),
        sa.Column("send_after", advice_hub.models.UTCDateTime(), nullable=True),
        sa.Column("dispatched_at", advice_hub.models.UTCDateTime(), nullable=True),
        sa.Column("claimed_at", advice_hub.models.UTCDateTime(), nullable=True),
        sa.Column("sent_at", advice_hub.models.UTCDateTime(), nullable=True),
        sa.Column("failed_at", advice_hub.models.UTCDateTime(), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("last_error", sa.String(length=500), nullable=True),
        sa.Column("message_id", sa.String(length=200), nullable=True),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_staff_messages_user_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_staff_messages")),
        sa.UniqueConstraint("key", name=op.f("uq_staff_messages_key")),
    )
    with op.batch_alter_table("staff_messages", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_staff_messages_sent_at"), ["sent_at"], unique=False)

    op.create_table(
        "assessment_exceptions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("assessment_id", sa.Uuid(), nullable=False),
        sa.Column("reason", sa.String(length=40), nullable=False),
        sa.Column("details", sa.Text(), nullable=False),
        sa.Column("starts_on", sa.Date(), nullable=False),
        sa.Column("ends_on", sa.Date(), nullable=True),
        sa.Column("recorded_at", advice_hub.models.UTCDateTime(), nullable=False),
        sa.Column("recorded_by", sa.String(length=200), nullable=False),
        sa.Column("recorded_by_name", sa.String(length=200), nullable=False),
        sa.ForeignKeyConstraint(
            ["assessment_id"],
            ["assessments.id"],
            name=op.f("fk_assessment_exceptions_assessment_id_assessments"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_assessment_exceptions")),
    )
    with op.batch_alter_table("assessment_exceptions", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_assessment_exceptions_assessment_id"), ["assessment_id"], unique=False
        )

    op.create_table(
        "advice_reuses",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("assessment_id", sa.Uuid(), nullable=False),
        sa.Column("agency", sa.String(length=40), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("author_name", sa.String(length=200), nullable=False),
        sa.Column("advice_dated", sa.Date(), nullable=False),
        sa.Column("author_agreed_on", sa.Date(), nullable=False),
        sa.Column("la_agreed_on", sa.Date(), nullable=False),
        sa.Column("family_agreed_on", sa.Date(), nullable=False),
        sa.Column("family_agreed_by", sa.String(length=200), nullable=False),
        sa.Column("replaced_request_id", sa.Uuid(), nullable=True),
        sa.Column("recorded_at", advice_hub.models.UTCDateTime(), nullable=False),
        sa.Column("recorded_by", sa.String(length=200), nullable=False),
        sa.Column("recorded_by_name", sa.String(length=200), nullable=False),
        sa.ForeignKeyConstraint(
            ["assessment_id"],
            ["assessments.id"],
            name=op.f("fk_advice_reuses_assessment_id_assessments"),
        ),
        sa.ForeignKeyConstraint(
            ["replaced_request_id"],
            ["advice_requests.id"],
            name=op.f("fk_advice_reuses_replaced_request_id_advice_requests"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_advice_reuses")),
    )
    with op.batch_alter_table("advice_reuses", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_advice_reuses_assessment_id"), ["assessment_id"], unique=False
        )

    op.create_table(
        "deadline_extensions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("advice_request_id", sa.Uuid(), nullable=False),
        sa.Column("previous_due_on", sa.Date(), nullable=False),
        sa.Column("new_due_on", sa.Date(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("recorded_at", advice_hub.models.UTCDateTime(), nullable=False),
        sa.Column("recorded_by", sa.String(length=200), nullable=False),
        sa.Column("recorded_by_name", sa.String(length=200), nullable=False),
        sa.ForeignKeyConstraint(
            ["advice_request_id"],
            ["advice_requests.id"],
            name=op.f("fk_deadline_extensions_advice_request_id_advice_requests"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_deadline_extensions")),
    )
    with op.batch_alter_table("deadline_extensions", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_deadline_extensions_advice_request_id"),
            ["advice_request_id"],
            unique=False,
        )

    op.create_table(
        "request_exceptions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("advice_request_id", sa.Uuid(), nullable=False),
        sa.Column("reason", sa.String(length=40), nullable=False),
        sa.Column("details", sa.Text(), nullable=False),
        sa.Column("starts_on", sa.Date(), nullable=False),
        sa.Column("ends_on", sa.Date(), nullable=True),
        sa.Column("new_due_on", sa.Date(), nullable=True),
        sa.Column("recorded_at", advice_hub.models.UTCDateTime(), nullable=False),
        sa.Column("recorded_by", sa.String(length=200), nullable=False),
        sa.Column("recorded_by_name", sa.String(length=200), nullable=False),
        sa.ForeignKeyConstraint(
            ["advice_request_id"],
            ["advice_requests.id"],
            name=op.f("fk_request_exceptions_advice_request_id_advice_requests"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_request_exceptions")),
    )
    with op.batch_alter_table("request_exceptions", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_request_exceptions_advice_request_id"),
            ["advice_request_id"],
            unique=False,
        )

    op.create_table(
        "chases",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("advice_request_id", sa.Uuid(), nullable=False),
        sa.Column("kind", sa.String(length=30), nullable=False),
        sa.Column("key", sa.String(length=80), nullable=False),
        sa.Column("sequence", sa.Integer(), nullable=True),
        sa.Column("due_on", sa.Date(), nullable=False),
        sa.Column("milestone_on", sa.Date(), nullable=False),
        sa.Column("send_at", advice_hub.models.UTCDateTime(), nullable=False),
        sa.Column("planned_at", advice_hub.models.UTCDateTime(), nullable=False),
        sa.Column("planned_by", sa.String(length=200), nullable=False),
        sa.Column("reason", sa.String(length=300), nullable=False),
        sa.Column("catch_up", sa.Boolean(), nullable=False),
        sa.Column("outbox_message_id", sa.Integer(), nullable=True),
        sa.Column("staff_message_id", sa.Integer(), nullable=True),
        sa.Column("cancelled_at", advice_hub.models.UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["advice_request_id"],
            ["advice_requests.id"],
            name=op.f("fk_chases_advice_request_id_advice_requests"),
        ),
        sa.ForeignKeyConstraint(
            ["outbox_message_id"],
            ["outbox_messages.id"],
            name=op.f("fk_chases_outbox_message_id_outbox_messages"),
        ),
        sa.ForeignKeyConstraint(
            ["staff_message_id"],
            ["staff_messages.id"],
            name=op.f("fk_chases_staff_message_id_staff_messages"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_chases")),
    )
    with op.batch_alter_table("chases", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_chases_advice_request_id"), ["advice_request_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_chases_send_at"), ["send_at"], unique=False)
        batch_op.create_index(
            "uq_chases_live_key",
            ["advice_request_id", "key"],
            unique=True,
            sqlite_where=sa.text("cancelled_at IS NULL"),
            postgresql_where=sa.text("cancelled_at IS NULL"),
        )

    with op.batch_alter_table("advice_requests", schema=None) as batch_op:
        batch_op.add_column(sa.Column("extended_due_on", sa.Date(), nullable=True))
        batch_op.add_column(
            sa.Column("withdrawn_at", advice_hub.models.UTCDateTime(), nullable=True)
        )
        batch_op.add_column(sa.Column("withdrawn_reason", sa.Text(), nullable=True))

    with op.batch_alter_table("assessments", schema=None) as batch_op:
        batch_op.add_column(sa.Column("closed_at", advice_hub.models.UTCDateTime(), nullable=True))
        batch_op.add_column(sa.Column("closed_reason", sa.String(length=40), nullable=True))

    with op.batch_alter_table("outbox_messages", schema=None) as batch_op:
        batch_op.add_column(sa.Column("send_after", advice_hub.models.UTCDateTime(), nullable=True))
        batch_op.add_column(
            sa.Column("cancelled_at", advice_hub.models.UTCDateTime(), nullable=True)
        )

    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.add_column(sa.Column("manager_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_users_manager_id_users"), "users", ["manager_id"], ["id"]
        )


def downgrade() -> None:
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_users_manager_id_users"), type_="foreignkey")
        batch_op.drop_column("manager_id")

    # Plain columns go with a plain ALTER TABLE: a batch would rebuild advice_requests on
    # SQLite and turn its inline foreign keys into table constraints, which the older
    # migrations' downgrades do not expect.
    for table, column in (
        ("outbox_messages", "cancelled_at"),
        ("outbox_messages", "send_after"),
        ("assessments", "closed_reason"),
        ("assessments", "closed_at"),
        ("advice_requests", "withdrawn_reason"),
        ("advice_requests", "withdrawn_at"),
        ("advice_requests", "extended_due_on"),
    ):
        op.drop_column(table, column)

    with op.batch_alter_table("chases", schema=None) as batch_op:
        batch_op.drop_index(
            "uq_chases_live_key",
            sqlite_where=sa.text("cancelled_at IS NULL"),
            postgresql_where=sa.text("cancelled_at IS NULL"),
        )
        batch_op.drop_index(batch_op.f("ix_chases_send_at"))
        batch_op.drop_index(batch_op.f("ix_chases_advice_request_id"))

    op.drop_table("chases")
    with op.batch_alter_table("request_exceptions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_request_exceptions_advice_request_id"))

    op.drop_table("request_exceptions")
    with op.batch_alter_table("deadline_extensions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_deadline_extensions_advice_request_id"))

    op.drop_table("deadline_extensions")
    with op.batch_alter_table("advice_reuses", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_advice_reuses_assessment_id"))

    op.drop_table("advice_reuses")
    with op.batch_alter_table("assessment_exceptions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_assessment_exceptions_assessment_id"))

    op.drop_table("assessment_exceptions")
    with op.batch_alter_table("staff_messages", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_staff_messages_sent_at"))

    op.drop_table("staff_messages")
    op.drop_table("agency_leads")
