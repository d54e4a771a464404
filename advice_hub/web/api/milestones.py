"""Recording a plan milestone through the API: the decision whether to issue a plan, the
draft plan sent, the final plan issued (``assessments.plan_milestones``), as a council case
system records them in its own workflow."""

from __future__ import annotations

import uuid

from flask import Response, url_for

from advice_hub.assessments.confirmations import Confirmation, WarningsToConfirm
from advice_hub.assessments.plan_milestones import (
    Milestone,
    record_draft_plan_sent,
    record_final_plan_issued,
    record_plan_decision,
)
from advice_hub.models import AssessmentStatus, utcnow
from advice_hub.transactions import committing
from advice_hub.web.api.blueprint import bp
from advice_hub.web.api.protocol import (
    ApiError,
    api_actor,
    json_response,
    parse_body,
)
from advice_hub.web.api.routes import locked_assessment, milestones_out
from advice_hub.web.api.schemas import FieldError, MilestoneRecorded, RecordMilestone
from advice_hub.web.db_session import db


def _invalid(field: str, message: str) -> ApiError:
    return ApiError(
        422, "validation_failed", message, fields=[FieldError(field=field, message=message)]
    )


@bp.post("/assessments/<uuid:assessment_id>/milestones")
def record_milestone(assessment_id: uuid.UUID) -> Response:
    """Record that a plan milestone happened, on the day given."""
    body = parse_body(RecordMilestone)
    if body.milestone is Milestone.PLAN_DECISION and body.decision is None:
        raise _invalid("decision", "Send decision (issue or not_issue) with plan_decision")
    if body.milestone is not Milestone.PLAN_DECISION and body.decision is not None:
        raise _invalid("decision", "decision is sent only with plan_decision")
    with committing(db()) as session:
        assessment = locked_assessment(session, assessment_id)
        now, actor = utcnow(), api_actor()
        if body.milestone is Milestone.PLAN_DECISION:
            assert body.decision is not None
            record_plan_decision(
                session,
                assessment,
                decision=body.decision,
                decided_on=body.on,
                now=now,
                actor=actor,
            )
        elif body.milestone is Milestone.DRAFT_PLAN_SENT:
            record_draft_plan_sent(session, assessment, sent_on=body.on, now=now, actor=actor)
        else:
            try:
                record_final_plan_issued(
                    session,
                    assessment,
                    issued_on=body.on,
                    now=now,
                    actor=actor,
                    confirmation=(
                        Confirmation(
                            kinds=frozenset({"final_before_comments"}), reason=body.early_reason
                        )
                        if body.early_reason
                        else None
                    ),
                )
            except WarningsToConfirm as exc:
                message = f"{exc.warnings[0].message}. Send the reason in early_reason"
                raise _invalid("early_reason", message) from exc
        recorded = MilestoneRecorded(
            id=assessment.id,
            reference=assessment.reference,
            status=AssessmentStatus(assessment.status),
            milestones=milestones_out(assessment),
        )
    return json_response(
        recorded, 200, {"Location": url_for(".assessment_status", assessment_id=assessment_id)}
    )
