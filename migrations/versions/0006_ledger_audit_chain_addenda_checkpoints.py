"""Ledger: the audit log joins a hash chain, addenda are sealed beside the advice they amend,
signed checkpoints of both chains, and contributors the family asked for.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-01 14:07:43.929137
"""

import hashlib
import json
import unicodedata
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from alembic import op

import advice_hub.models

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

GENESIS = "0" * 64


def _sqlite() -> bool:
    return op.get_bind().dialect.name == "sqlite"


def _refuse_changes(table: str) -> None:
    """The same append-only triggers as 0001 made for sealed_advice and audit_events."""
    if _sqlite():
        for operation in ("UPDATE", "DELETE"):
            op.execute(
                f"CREATE TRIGGER {table}_refuse_{operation.lower()} BEFORE {operation} "
                f"ON {table} BEGIN SELECT RAISE(ABORT, "
                f"'{table} rows are append-only and cannot be changed'); END"
            )
        return
    op.execute(
        f"CREATE TRIGGER {table}_refuse_change BEFORE UPDATE OR DELETE ON {table} "
        "FOR EACH ROW EXECUTE FUNCTION advice_hub_refuse_change()"
    )
    op.execute(
        f"CREATE TRIGGER {table}_refuse_truncate BEFORE TRUNCATE ON {table} "
        "FOR EACH STATEMENT EXECUTE FUNCTION advice_hub_refuse_change()"
    )
    op.execute(f"ALTER TABLE {table} ENABLE ALWAYS TRIGGER {table}_refuse_change")
    op.execute(f"ALTER TABLE {table} ENABLE ALWAYS TRIGGER {table}_refuse_truncate")


def _allow_changes(table: str) -> None:
    if _sqlite():
        for operation in ("update", "delete"):
            op.execute(f"DROP TRIGGER IF EXISTS {table}_refuse_{operation}")
        return
    op.execute(f"DROP TRIGGER IF EXISTS {table}_refuse_change ON {table}")
    op.execute(f"DROP TRIGGER IF EXISTS {table}_refuse_truncate ON {table}")


# The audit row's canonical form, format advice-hub-audit/1, frozen here as it was when this
# migration chained the rows already recorded (advice_hub.sealing.ledger says the same).
def _nfc(value: Any) -> Any:
    if isinstance(value, str):
        return unicodedata.normalize("NFC", value)
    if isinstance(value, dict):
        return {_nfc(k): _nfc(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_nfc(v) for v in value]
    return value


def _sha256(data: str) -> str:
    return hashlib.sha256(data.encode("utf-8")).hexdigest()


def _uuid_text(value: Any) -> str | None:
    if value is None:
        return None
    import uuid

    return str(value if isinstance(value, uuid.UUID) else uuid.UUID(str(value)))


def _chain_existing_audit_rows() -> None:
    bind = op.get_bind()
    events = sa.table(
        "audit_events",
        sa.column("id", sa.Integer),
        sa.column("occurred_at", sa.DateTime),
        sa.column("actor", sa.String),
        sa.column("action", sa.String),
        sa.column("assessment_id", sa.Uuid),
        sa.column("advice_request_id", sa.Uuid),
        sa.column("detail", sa.JSON),
        sa.column("chain_index", sa.Integer),
        sa.column("event_sha256", sa.String),
        sa.column("chain_sha256", sa.String),
    )
    rows = bind.execute(sa.select(events).order_by(events.c.id)).mappings().all()
    previous = GENESIS
    for index, row in enumerate(rows, start=1):
        occurred: datetime = row["occurred_at"]
        occurred = occurred.replace(tzinfo=UTC) if occurred.tzinfo is None else occurred
        document = {
            "format": "advice-hub-audit/1",
            "occurred_at": occurred.astimezone(UTC).isoformat(timespec="microseconds"),
            "actor": row["actor"],
            "action": row["action"],
            "assessment_id": _uuid_text(row["assessment_id"]),
            "advice_request_id": _uuid_text(row["advice_request_id"]),
            "detail": row["detail"] or {},
        }
        canonical = json.dumps(
            _nfc(document), sort_keys=True, separators=(",", ":"), ensure_ascii=False
        )
        event_sha256 = _sha256(canonical)
        previous = _sha256(f"{previous}:{event_sha256}")
        bind.execute(
            events.update()
            .where(events.c.id == row["id"])
            .values(chain_index=index, event_sha256=event_sha256, chain_sha256=previous)
        )


def upgrade() -> None:
    op.create_table(
        "ledger_checkpoints",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("created_at", advice_hub.models.UTCDateTime(), nullable=False),
        sa.Column("seal_chain_index", sa.Integer(), nullable=False),
        sa.Column("seal_head_sha256", sa.String(length=64), nullable=False),
        sa.Column("audit_chain_index", sa.Integer(), nullable=False),
        sa.Column("audit_head_sha256", sa.String(length=64), nullable=False),
        sa.Column("statement", sa.Text(), nullable=False),
        sa.Column("key_id", sa.String(length=64), nullable=False),
        sa.Column("signature", sa.String(length=200), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ledger_checkpoints")),
    )
    _refuse_changes("ledger_checkpoints")

    # Plain ADD COLUMN and CREATE INDEX: no table rebuild, so audit_events keeps its triggers.
    op.add_column("audit_events", sa.Column("chain_index", sa.Integer(), nullable=True))
    op.add_column("audit_events", sa.Column("event_sha256", sa.String(length=64), nullable=True))
    op.add_column("audit_events", sa.Column("chain_sha256", sa.String(length=64), nullable=True))
    op.create_index(
        op.f("ix_audit_events_chain_index"), "audit_events", ["chain_index"], unique=True
    )
    op.create_index(
        op.f("ix_audit_events_chain_sha256"), "audit_events", ["chain_sha256"], unique=True
    )
    # The rows recorded before the chain existed join it, oldest first. This is the one time
    # audit rows are written to after insertion, so the triggers stand aside for it.
    _allow_changes("audit_events")
    _chain_existing_audit_rows()
    _refuse_changes("audit_events")

    op.add_column(
        "contributors",
        sa.Column("requested_by_parent", sa.Boolean(), server_default=sa.false(), nullable=False),
    )

    # One original per request, any number of addenda. SQLite rebuilds the table to drop the
    # old unique constraint, which drops its triggers too: they are made again after.
    with op.batch_alter_table("sealed_advice", schema=None) as batch_op:
        batch_op.add_column(sa.Column("addendum_to_id", sa.Integer(), nullable=True))
        batch_op.drop_constraint(batch_op.f("uq_sealed_advice_advice_request_id"), type_="unique")
        batch_op.create_index(
            batch_op.f("ix_sealed_advice_advice_request_id"), ["advice_request_id"], unique=False
        )
        batch_op.create_index(
            "uq_sealed_advice_original",
            ["advice_request_id"],
            unique=True,
            sqlite_where=sa.text("addendum_to_id IS NULL"),
            postgresql_where=sa.text("addendum_to_id IS NULL"),
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_sealed_advice_addendum_to_id_sealed_advice"),
            "sealed_advice",
            ["addendum_to_id"],
            ["id"],
        )
    if _sqlite():
        _allow_changes("sealed_advice")  # in case the rebuild kept them
        _refuse_changes("sealed_advice")


def downgrade() -> None:
    with op.batch_alter_table("sealed_advice", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_sealed_advice_addendum_to_id_sealed_advice"), type_="foreignkey"
        )
        batch_op.drop_index(
            "uq_sealed_advice_original",
            sqlite_where=sa.text("addendum_to_id IS NULL"),
            postgresql_where=sa.text("addendum_to_id IS NULL"),
        )
        batch_op.drop_index(batch_op.f("ix_sealed_advice_advice_request_id"))
        batch_op.create_unique_constraint(
            batch_op.f("uq_sealed_advice_advice_request_id"), ["advice_request_id"]
        )
        batch_op.drop_column("addendum_to_id")
    if _sqlite():
        _allow_changes("sealed_advice")
        _refuse_changes("sealed_advice")

    op.drop_column("contributors", "requested_by_parent")

    op.drop_index(op.f("ix_audit_events_chain_sha256"), table_name="audit_events")
    op.drop_index(op.f("ix_audit_events_chain_index"), table_name="audit_events")
    op.drop_column("audit_events", "chain_sha256")
    op.drop_column("audit_events", "event_sha256")
    op.drop_column("audit_events", "chain_index")

    _allow_changes("ledger_checkpoints")
    op.drop_table("ledger_checkpoints")
