"""A case officer's actions on the assessment: add a contributor, record reuse of existing
advice, record (or end) an assessment exception, close it. Each is a page of its own, run by
``actions.run_action``."""

from __future__ import annotations

import uuid
from typing import Any

from flask import abort, request
from sqlalchemy import select
from wtforms import SelectChoice

from advice_hub.assessments.assessment_actions import (
    ExistingAdvice,
    add_contributor,
    close_assessment,
    end_assessment_exception,
    record_assessment_exception,
    record_reuse,
)
from advice_hub.deadlines import london_date
from advice_hub.display import long_date
from advice_hub.models import (
    CLOSED_STATUSES,
    AssessmentException,
    utcnow,
)
from advice_hub.web.db_session import db
from advice_hub.web.staff.action_forms import (
    AddContributorForm,
    AssessmentExceptionForm,
    CloseForm,
    EndAssessmentExceptionForm,
    ReuseForm,
)
from advice_hub.web.staff.actions import ActionPage, run_action
from advice_hub.web.staff.blueprint import bp
from advice_hub.web.staff.directory_picker import offered_services
from advice_hub.web.staff.lookup import assessment_or_404
from advice_hub.web.staff.sign_in import staff_actor, staff_name

# --- The assessment ------------------------------------------------------------------------

ASSESSMENT_PATH = "/assessments/<uuid:assessment_id>"

ADD_CONTRIBUTOR_PAGE = ActionPage(
    "add_contributor", "Add a contributor", "Add and send the request"
)
REUSE_PAGE = ActionPage("reuse", "Record reuse of existing advice", "Record the reuse")
ASSESSMENT_EXCEPTION_PAGE = ActionPage(
    "assessment_exception",
    "Record an exception to the council's time limits",
    "Record the exception",
)
END_ASSESSMENT_EXCEPTION_PAGE = ActionPage(
    "end_assessment_exception", "End the assessment exception", "End the exception"
)
CLOSE_PAGE = ActionPage("close", "Close the assessment", "Close the assessment")


@bp.route(f"{ASSESSMENT_PATH}/contributors/new", methods=["GET", "POST"])
def new_contributor(assessment_id: uuid.UUID, stale_token: bool = False) -> Any:
    assessment = assessment_or_404(assessment_id)
    form = AddContributorForm()
    offered = offered_services(db())
    form.use_directory(offered)

    def act() -> str:
        advice_request = add_contributor(
            db(),
            assessment,
            details=form.details(),
            parent_requested=form.parent_requested.data == "yes",
            now=utcnow(),
            actor=staff_actor(),
        )
        return f"{advice_request.contributor.name} added. Their request for advice is being sent."

    return run_action(
        ADD_CONTRIBUTOR_PAGE,
        form,
        act,
        assessment=assessment,
        stale_token=stale_token,
        offered=offered,
    )


@bp.route(f"{ASSESSMENT_PATH}/reuse", methods=["GET", "POST"])
def reuse(assessment_id: uuid.UUID, stale_token: bool = False) -> Any:
    assessment = assessment_or_404(assessment_id)
    form = ReuseForm()
    form.child_born_on = assessment.child_date_of_birth
    open_requests = [r for r in assessment.advice_requests if r.status not in CLOSED_STATUSES]
    form.set_requests(
        [SelectChoice(str(r.id), f"{r.agency_label}: {r.contributor.name}") for r in open_requests]
    )

    def act() -> str:
        replaced = next((r for r in open_requests if str(r.id) == form.replaced_request.data), None)
        record_reuse(
            db(),
            assessment,
            advice=ExistingAdvice(
                agency=form.agency.data,
                description=form.description.data,
                author_name=form.author_name.data,
                advice_dated=form.advice_dated.form.value,
                author_agreed_on=form.author_agreed_on.form.value,
                la_agreed_on=form.la_agreed_on.form.value,
                family_agreed_on=form.family_agreed_on.form.value,
                family_agreed_by=form.family_agreed_by.data,
            ),
            replaced_request=replaced,
            now=utcnow(),
            actor=staff_actor(),
            actor_name=staff_name(),
        )
        message = "Reuse of existing advice recorded"
        if replaced is not None:
            message += f". The request to {replaced.contributor.name} is withdrawn"
        return message

    return run_action(REUSE_PAGE, form, act, assessment=assessment, stale_token=stale_token)


@bp.route(f"{ASSESSMENT_PATH}/exception", methods=["GET", "POST"])
def assessment_exception(assessment_id: uuid.UUID, stale_token: bool = False) -> Any:
    assessment = assessment_or_404(assessment_id)
    form = AssessmentExceptionForm()

    def act() -> str:
        record_assessment_exception(
            db(),
            assessment,
            reason=form.reason.data,
            details=form.details.data,
            starts_on=form.starts_on.form.value,
            ends_on=form.ends_on.form.value,
            now=utcnow(),
            actor=staff_actor(),
            actor_name=staff_name(),
        )
        return "Assessment exception recorded: the council's milestones move with it"

    return run_action(
        ASSESSMENT_EXCEPTION_PAGE, form, act, assessment=assessment, stale_token=stale_token
    )


@bp.route(
    f"{ASSESSMENT_PATH}/exception/end",
    methods=["GET", "POST"],
    endpoint="end_assessment_exception",
)
def end_assessment_exception_page(assessment_id: uuid.UUID, stale_token: bool = False) -> Any:
    assessment = assessment_or_404(assessment_id)
    exception = db().scalar(
        select(AssessmentException).where(
            AssessmentException.assessment_id == assessment.id,
            AssessmentException.ends_on.is_(None),
        )
    )
    if exception is None:
        abort(404)
    form = EndAssessmentExceptionForm()
    if request.method == "GET":
        form.ends_on.form.fill(london_date(utcnow()))

    def act() -> str:
        ended = end_assessment_exception(
            db(), exception, ends_on=form.ends_on.form.value, now=utcnow(), actor=staff_actor()
        )
        return f"Assessment exception ended on {long_date(ended.ends_on)}"

    return run_action(
        END_ASSESSMENT_EXCEPTION_PAGE,
        form,
        act,
        assessment=assessment,
        stale_token=stale_token,
        exception=exception,
    )


@bp.route(f"{ASSESSMENT_PATH}/close", methods=["GET", "POST"])
def close(assessment_id: uuid.UUID, stale_token: bool = False) -> Any:
    assessment = assessment_or_404(assessment_id)
    form = CloseForm()

    def act() -> str:
        close_assessment(
            db(), assessment, reason=form.reason.data, now=utcnow(), actor=staff_actor()
        )
        return "Assessment closed. Nothing more will be chased."

    return run_action(CLOSE_PAGE, form, act, assessment=assessment, stale_token=stale_token)
