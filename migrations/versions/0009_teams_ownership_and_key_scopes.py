"""Assessments belong to a team; staff are members of teams; a user can be deactivated and an
agency lead names their agency; API keys reach one team with named scopes.

Data from before: if there are assessments, users or API keys, one team ("Casework team")
is made; every assessment and every key joins it, and every case officer and manager becomes
a member, so that nobody loses sight of what they saw before. Keys keep every scope.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-02 04:40:00.000000
"""

from collections.abc import Sequence
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

from advice_hub.models import UTCDateTime

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

FIRST_TEAM = "Casework team"
ALL_SCOPES = ["assessments:read", "assessments:write", "advice:read"]


def upgrade() -> None:
    op.create_table(
        "teams",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("name", sa.String(120), nullable=False, unique=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
    )
    op.create_table(
        "team_memberships",
        sa.Column("team_id", sa.Integer(), sa.ForeignKey("teams.id"), primary_key=True),
        sa.Column("user_id", sa.Integer(), sa.ForeignKey("users.id"), primary_key=True),
        sa.Column("added_at", UTCDateTime(), nullable=False),
    )
    op.create_index("ix_team_memberships_user_id", "team_memberships", ["user_id"])
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.add_column(sa.Column("deactivated_at", UTCDateTime(), nullable=True))
        batch_op.add_column(sa.Column("agency", sa.String(40), nullable=True))
    with op.batch_alter_table("assessments", schema=None) as batch_op:
        batch_op.add_column(sa.Column("team_id", sa.Integer(), nullable=True))
    with op.batch_alter_table("api_keys", schema=None) as batch_op:
        batch_op.add_column(sa.Column("team_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("scopes", sa.JSON(), nullable=True))

    _place_earlier_data()

    with op.batch_alter_table("assessments", schema=None) as batch_op:
        batch_op.alter_column("team_id", existing_type=sa.Integer(), nullable=False)
        batch_op.create_foreign_key("fk_assessments_team_id_teams", "teams", ["team_id"], ["id"])
        batch_op.create_index("ix_assessments_team_id", ["team_id"])
    with op.batch_alter_table("api_keys", schema=None) as batch_op:
        batch_op.alter_column("team_id", existing_type=sa.Integer(), nullable=False)
        batch_op.alter_column("scopes", existing_type=sa.JSON(), nullable=False)
        batch_op.create_foreign_key("fk_api_keys_team_id_teams", "teams", ["team_id"], ["id"])


def _place_earlier_data() -> None:
    connection = op.get_bind()
    teams = sa.table(
        "teams", sa.column("id", sa.Integer), sa.column("name"), sa.column("created_at")
    )
    memberships = sa.table(
        "team_memberships", sa.column("team_id"), sa.column("user_id"), sa.column("added_at")
    )
    users = sa.table("users", sa.column("id", sa.Integer), sa.column("role"))
    assessments = sa.table("assessments", sa.column("team_id", sa.Integer))
    api_keys = sa.table("api_keys", sa.column("team_id", sa.Integer), sa.column("scopes", sa.JSON))
    any_data = any(
        connection.execute(sa.select(sa.literal(1)).select_from(table).limit(1)).first()
        for table in (users, assessments, api_keys)
    )
    if not any_data:
        return
    now = datetime.now(UTC)
    connection.execute(teams.insert().values(name=FIRST_TEAM, created_at=now))
    team_id = connection.execute(sa.select(teams.c.id).where(teams.c.name == FIRST_TEAM)).scalar()
    connection.execute(assessments.update().values(team_id=team_id))
    connection.execute(api_keys.update().values(team_id=team_id, scopes=ALL_SCOPES))
    for (user_id,) in connection.execute(
        sa.select(users.c.id).where(users.c.role.in_(["case_officer", "manager"]))
    ).all():
        connection.execute(
            memberships.insert().values(team_id=team_id, user_id=user_id, added_at=now)
        )


def downgrade() -> None:
    with op.batch_alter_table("api_keys", schema=None) as batch_op:
        batch_op.drop_constraint("fk_api_keys_team_id_teams", type_="foreignkey")
        batch_op.drop_column("scopes")
        batch_op.drop_column("team_id")
    with op.batch_alter_table("assessments", schema=None) as batch_op:
        batch_op.drop_index("ix_assessments_team_id")
        batch_op.drop_constraint("fk_assessments_team_id_teams", type_="foreignkey")
        batch_op.drop_column("team_id")
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_column("agency")
        batch_op.drop_column("deactivated_at")
    op.drop_index("ix_team_memberships_user_id", table_name="team_memberships")
    op.drop_table("team_memberships")
    op.drop_table("teams")
