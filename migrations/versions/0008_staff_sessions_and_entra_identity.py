"""Staff sessions are held on the server, so that signing out ends one at once; a sign-in
through Entra ID waits in the database for its answer; a user is keyed by the token's tenant
and object id, with every role it gave.

A user from before keeps their role as their one role, and no Entra identity (development
sign-in users); their first Entra sign-in with the same email gives them one.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-02 02:10:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from advice_hub.models import UTCDateTime

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "staff_sessions",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("token_sha256", sa.String(64), nullable=False, unique=True),
        sa.Column("user_id", sa.Integer(), sa.ForeignKey("users.id"), nullable=False),
        sa.Column("signed_in_with", sa.String(20), nullable=False),
        sa.Column("started_at", UTCDateTime(), nullable=False),
        sa.Column("last_seen_at", UTCDateTime(), nullable=False),
        sa.Column("ended_at", UTCDateTime(), nullable=True),
        sa.Column("end_reason", sa.String(20), nullable=True),
    )
    op.create_index("ix_staff_sessions_user_id", "staff_sessions", ["user_id"])
    op.create_table(
        "staff_sign_in_flows",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("key_sha256", sa.String(64), nullable=False, unique=True),
        sa.Column("flow", sa.JSON(), nullable=False),
        sa.Column("next_url", sa.String(2000), nullable=False),
        sa.Column("started_at", UTCDateTime(), nullable=False),
    )
    op.create_index("ix_staff_sign_in_flows_started_at", "staff_sign_in_flows", ["started_at"])
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.add_column(sa.Column("tenant_id", sa.String(64), nullable=True))
        batch_op.add_column(sa.Column("object_id", sa.String(64), nullable=True))
        batch_op.add_column(sa.Column("roles", sa.JSON(), nullable=True))
        batch_op.create_unique_constraint("uq_users_entra_identity", ["tenant_id", "object_id"])
    users = sa.table(
        "users", sa.column("id", sa.Integer), sa.column("role"), sa.column("roles", sa.JSON)
    )
    connection = op.get_bind()
    for user_id, role in connection.execute(sa.select(users.c.id, users.c.role)).all():
        connection.execute(users.update().where(users.c.id == user_id).values(roles=[role]))
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.alter_column("roles", existing_type=sa.JSON(), nullable=False)


def downgrade() -> None:
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_constraint("uq_users_entra_identity", type_="unique")
        batch_op.drop_column("roles")
        batch_op.drop_column("object_id")
        batch_op.drop_column("tenant_id")
    op.drop_index("ix_staff_sign_in_flows_started_at", table_name="staff_sign_in_flows")
    op.drop_table("staff_sign_in_flows")
    op.drop_index("ix_staff_sessions_user_id", table_name="staff_sessions")
    op.drop_table("staff_sessions")
