"""The plan milestones on the assessment page: the decision whether to issue a plan, the
draft plan sent, the final plan issued. Each is an action page of its own, run by
``actions.run_action``; the domain is ``assessments.plan_milestones``."""

from __future__ import annotations

import uuid
from typing import Any

from flask import request

from advice_hub.assessments.plan_milestones import (
    draft_plan_refusal,
    final_plan_refusal,
    plan_decision_refusal,
    record_draft_plan_sent,
    record_final_plan_issued,
    record_plan_decision,
)
from advice_hub.deadlines import comments_due, london_date
from advice_hub.display import long_date
from advice_hub.models import PlanDecision, utcnow
from advice_hub.web.db_session import db
from advice_hub.web.staff.action_forms import DraftPlanForm, FinalPlanForm, PlanDecisionForm
from advice_hub.web.staff.actions import ActionPage, run_action
from advice_hub.web.staff.blueprint import bp
from advice_hub.web.staff.lookup import assessment_or_404
from advice_hub.web.staff.sign_in import staff_actor

ASSESSMENT_PATH = "/assessments/<uuid:assessment_id>"

PLAN_DECISION_PAGE = ActionPage(
    "plan_decision", "Record the decision whether to issue a plan", "Record the decision"
)
DRAFT_PLAN_PAGE = ActionPage("draft_plan", "Record the draft plan sent", "Record the draft plan")
FINAL_PLAN_PAGE = ActionPage("final_plan", "Record the final plan issued", "Record the final plan")


@bp.route(f"{ASSESSMENT_PATH}/plan-decision", methods=["GET", "POST"])
def plan_decision(assessment_id: uuid.UUID, stale_token: bool = False) -> Any:
    assessment = assessment_or_404(assessment_id)
    form = PlanDecisionForm()
    if request.method == "GET" and assessment.plan_decided_on is not None:
        form.decision.data = assessment.plan_decision
        form.on.form.fill(assessment.plan_decided_on)

    def act() -> str:
        record_plan_decision(
            db(),
            assessment,
            decision=form.decision.data,
            decided_on=form.on.form.value,
            now=utcnow(),
            actor=staff_actor(),
        )
        if assessment.plan_decision == PlanDecision.NOT_ISSUE:
            return "Decision not to issue a plan recorded. The assessment is closed."
        return f"Decision to issue a plan recorded, on {long_date(assessment.plan_decided_on)}"

    return run_action(
        PLAN_DECISION_PAGE,
        form,
        act,
        assessment=assessment,
        stale_token=stale_token,
        refused=lambda: plan_decision_refusal(assessment),
        recorded_decision=(
            PlanDecision(assessment.plan_decision).label.lower().replace("ehc", "EHC")
            if assessment.plan_decision
            else None
        ),
    )


@bp.route(f"{ASSESSMENT_PATH}/draft-plan", methods=["GET", "POST"])
def draft_plan(assessment_id: uuid.UUID, stale_token: bool = False) -> Any:
    assessment = assessment_or_404(assessment_id)
    form = DraftPlanForm()
    if request.method == "GET":
        form.on.form.fill(assessment.draft_plan_sent_on or london_date(utcnow()))

    def act() -> str:
        record_draft_plan_sent(
            db(), assessment, sent_on=form.on.form.value, now=utcnow(), actor=staff_actor()
        )
        sent = assessment.draft_plan_sent_on
        assert sent is not None
        return (
            f"Draft plan recorded as sent on {long_date(sent)}. Comments are due by "
            f"{long_date(comments_due(sent))}"
        )

    return run_action(
        DRAFT_PLAN_PAGE,
        form,
        act,
        assessment=assessment,
        stale_token=stale_token,
        refused=lambda: draft_plan_refusal(assessment),
    )


@bp.route(f"{ASSESSMENT_PATH}/final-plan", methods=["GET", "POST"])
def final_plan(assessment_id: uuid.UUID, stale_token: bool = False) -> Any:
    assessment = assessment_or_404(assessment_id)
    form = FinalPlanForm()
    if request.method == "GET":
        form.on.form.fill(london_date(utcnow()))

    def act() -> str:
        record_final_plan_issued(
            db(),
            assessment,
            issued_on=form.on.form.value,
            now=utcnow(),
            actor=staff_actor(),
            confirmation=form.confirmation(),
        )
        return "Final plan recorded as issued. The assessment is closed."

    comments_end = (
        comments_due(assessment.draft_plan_sent_on) if assessment.draft_plan_sent_on else None
    )
    return run_action(
        FINAL_PLAN_PAGE,
        form,
        act,
        assessment=assessment,
        stale_token=stale_token,
        refused=lambda: final_plan_refusal(assessment),
        comments_end=comments_end,
    )
