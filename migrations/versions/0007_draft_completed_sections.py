"""Drafts record which sections the contributor completed with "Save and continue".

A draft saved before this has none recorded (NULL): its sections count as completed when
their required questions are all answered, as they did then (`forms.answers.completed_sections`).

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-02 09:12:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("advice_drafts", schema=None) as batch_op:
        batch_op.add_column(sa.Column("completed_sections", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("advice_drafts", schema=None) as batch_op:
        batch_op.drop_column("completed_sections")
