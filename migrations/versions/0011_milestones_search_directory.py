"""What the work queue, the searchable list, the timeliness reports and the directory stand on.

- Assessments keep their milestones after exceptions (decision, draft, final plan due), what
  happened at each (the decision whether to issue a plan, the draft sent, the final plan
  issued), their names folded for search, and when they last changed (``updated_at``, as do
  advice requests) for a council system syncing with ``updated_since``.
- Advice requests record when the case officer first read arrived advice; a contributor's
  deadline report records when the officer dealt with it.
- The contributor directory: services per agency with their leads; a contributor may name
  the service they were picked from.
- Indexes for the list's order, search and filters, and for the reports.

Data from before: milestones are computed from each assessment's request date and exceptions;
an assessment closed as "plan issued" gets the decision to issue and the final plan on the day
it was closed, one closed as "not issuing" the decision not to, on that day; ``updated_at`` is
the row's creation.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-02 13:40:00.000000
"""

from collections import defaultdict
from collections.abc import Sequence
from datetime import date

import sqlalchemy as sa
from alembic import op

from advice_hub.deadlines import adjusted_milestones, london_date
from advice_hub.models import UTCDateTime, folded

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "services",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("agency", sa.String(40), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("organisation", sa.String(200), nullable=False),
        sa.Column("contact_name", sa.String(200), nullable=False),
        sa.Column("contact_role", sa.String(200), nullable=False),
        sa.Column("contact_email", sa.String(320), nullable=False),
        sa.Column("reviewer_name", sa.String(200), nullable=True),
        sa.Column("reviewer_email", sa.String(320), nullable=True),
        sa.Column("reviewer_role", sa.String(200), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("retired_at", UTCDateTime(), nullable=True),
        sa.UniqueConstraint("agency", "name", name="uq_services_agency_name"),
    )
    op.create_index("ix_services_agency", "services", ["agency"])
    op.create_table(
        "service_leads",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("service_id", sa.Integer(), sa.ForeignKey("services.id"), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("email", sa.String(320), nullable=False),
        sa.Column("title", sa.String(200), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.UniqueConstraint("service_id", "email", name="uq_service_leads_service_email"),
    )
    op.create_index("ix_service_leads_service_id", "service_leads", ["service_id"])

    with op.batch_alter_table("assessments", schema=None) as batch_op:
        batch_op.add_column(sa.Column("updated_at", UTCDateTime(), nullable=True))
        batch_op.add_column(sa.Column("child_given_folded", sa.String(200), nullable=True))
        batch_op.add_column(sa.Column("child_family_folded", sa.String(200), nullable=True))
        batch_op.add_column(sa.Column("decision_due_on", sa.Date(), nullable=True))
        batch_op.add_column(sa.Column("draft_due_on", sa.Date(), nullable=True))
        batch_op.add_column(sa.Column("final_due_on", sa.Date(), nullable=True))
        batch_op.add_column(sa.Column("plan_decision", sa.String(20), nullable=True))
        batch_op.add_column(sa.Column("plan_decided_on", sa.Date(), nullable=True))
        batch_op.add_column(sa.Column("draft_plan_sent_on", sa.Date(), nullable=True))
        batch_op.add_column(sa.Column("final_plan_issued_on", sa.Date(), nullable=True))
    with op.batch_alter_table("advice_requests", schema=None) as batch_op:
        batch_op.add_column(sa.Column("updated_at", UTCDateTime(), nullable=True))
        batch_op.add_column(sa.Column("advice_read_at", UTCDateTime(), nullable=True))
    with op.batch_alter_table("contributors", schema=None) as batch_op:
        batch_op.add_column(sa.Column("service_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            "fk_contributors_service_id_services", "services", ["service_id"], ["id"]
        )
        batch_op.create_index("ix_contributors_service_id", ["service_id"])
    with op.batch_alter_table("deadline_reports", schema=None) as batch_op:
        batch_op.add_column(sa.Column("acknowledged_at", UTCDateTime(), nullable=True))

    _fill_earlier_data()

    with op.batch_alter_table("assessments", schema=None) as batch_op:
        batch_op.alter_column("updated_at", existing_type=UTCDateTime(), nullable=False)
        batch_op.alter_column("child_given_folded", existing_type=sa.String(200), nullable=False)
        batch_op.alter_column("child_family_folded", existing_type=sa.String(200), nullable=False)
        batch_op.create_index("ix_assessments_updated_at", ["updated_at"])
        batch_op.create_index("ix_assessments_child_given_folded", ["child_given_folded"])
        batch_op.create_index("ix_assessments_child_family_folded", ["child_family_folded"])
        batch_op.create_index("ix_assessments_final_due_on", ["final_due_on"])
        batch_op.create_index("ix_assessments_final_plan_issued_on", ["final_plan_issued_on"])
        batch_op.create_index("ix_assessments_requested_on_id", ["requested_on", "id"])
        batch_op.create_index(
            "ix_assessments_case_officer_id_status", ["case_officer_id", "status"]
        )
        batch_op.create_index("ix_assessments_child_date_of_birth", ["child_date_of_birth"])
    with op.batch_alter_table("advice_requests", schema=None) as batch_op:
        batch_op.alter_column("updated_at", existing_type=UTCDateTime(), nullable=False)
        batch_op.create_index("ix_advice_requests_updated_at", ["updated_at"])
        batch_op.create_index("ix_advice_requests_agency_status", ["agency", "status"])
        batch_op.create_index("ix_advice_requests_status_due_on", ["status", "due_on"])
    op.create_index("ix_outbox_messages_failed_at", "outbox_messages", ["failed_at"])


def _fill_earlier_data() -> None:
    connection = op.get_bind()
    meta = sa.MetaData()
    assessments = sa.Table("assessments", meta, autoload_with=connection)
    requests = sa.Table("advice_requests", meta, autoload_with=connection)
    exceptions = sa.Table("assessment_exceptions", meta, autoload_with=connection)

    connection.execute(requests.update().values(updated_at=requests.c.created_at))
    periods: dict[object, list[tuple[date, date | None]]] = defaultdict(list)
    for row in connection.execute(
        sa.select(exceptions.c.assessment_id, exceptions.c.starts_on, exceptions.c.ends_on)
    ):
        periods[row.assessment_id].append((row.starts_on, row.ends_on))
    for row in connection.execute(
        sa.select(
            assessments.c.id,
            assessments.c.child_given_names,
            assessments.c.child_family_name,
            assessments.c.requested_on,
            assessments.c.created_at,
            assessments.c.closed_at,
            assessments.c.closed_reason,
        )
    ).all():
        milestones = adjusted_milestones(row.requested_on, periods[row.id])
        values: dict[str, object] = {
            "updated_at": row.created_at,
            "child_given_folded": folded(row.child_given_names),
            "child_family_folded": folded(row.child_family_name),
            "decision_due_on": milestones.decision_due,
            "draft_due_on": milestones.draft_due,
            "final_due_on": milestones.final_due,
        }
        closed_on = london_date(row.closed_at) if row.closed_at else None
        if row.closed_reason == "plan_issued" and closed_on:
            values |= {
                "plan_decision": "issue",
                "plan_decided_on": closed_on,
                "final_plan_issued_on": closed_on,
            }
        elif row.closed_reason == "not_issuing" and closed_on:
            values |= {"plan_decision": "not_issue", "plan_decided_on": closed_on}
        connection.execute(assessments.update().where(assessments.c.id == row.id).values(**values))


def downgrade() -> None:
    op.drop_index("ix_outbox_messages_failed_at", table_name="outbox_messages")
    with op.batch_alter_table("advice_requests", schema=None) as batch_op:
        batch_op.drop_index("ix_advice_requests_status_due_on")
        batch_op.drop_index("ix_advice_requests_agency_status")
        batch_op.drop_index("ix_advice_requests_updated_at")
        batch_op.drop_column("advice_read_at")
        batch_op.drop_column("updated_at")
    with op.batch_alter_table("deadline_reports", schema=None) as batch_op:
        batch_op.drop_column("acknowledged_at")
    with op.batch_alter_table("contributors", schema=None) as batch_op:
        batch_op.drop_index("ix_contributors_service_id")
        batch_op.drop_constraint("fk_contributors_service_id_services", type_="foreignkey")
        batch_op.drop_column("service_id")
    with op.batch_alter_table("assessments", schema=None) as batch_op:
        for index in (
            "ix_assessments_child_date_of_birth",
            "ix_assessments_case_officer_id_status",
            "ix_assessments_requested_on_id",
            "ix_assessments_final_plan_issued_on",
            "ix_assessments_final_due_on",
            "ix_assessments_child_family_folded",
            "ix_assessments_child_given_folded",
            "ix_assessments_updated_at",
        ):
            batch_op.drop_index(index)
        for column in (
            "final_plan_issued_on",
            "draft_plan_sent_on",
            "plan_decided_on",
            "plan_decision",
            "final_due_on",
            "draft_due_on",
            "decision_due_on",
            "child_family_folded",
            "child_given_folded",
            "updated_at",
        ):
            batch_op.drop_column(column)
    op.drop_index("ix_service_leads_service_id", table_name="service_leads")
    op.drop_table("service_leads")
    op.drop_index("ix_services_agency", table_name="services")
    op.drop_table("services")
