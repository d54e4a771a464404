"""Case officers' pages: recording an assessment, agreeing to assess, reading advice (the
list of assessments is ``assessment_list``)."""

from __future__ import annotations

import uuid
from typing import Any

from flask import (
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from sqlalchemy import select
from sqlalchemy.orm import selectinload
from wtforms import SelectChoice

from advice_hub.accounts.access import Role, roles_of
from advice_hub.accounts.teams import teams_of
from advice_hub.assessments.checks import OfficerActionError
from advice_hub.assessments.confirmations import (
    REASON_FIELD,
    WarningsToConfirm,
    confirmations_of,
)
from advice_hub.assessments.dates import DateProblem
from advice_hub.assessments.guard_rails import (
    GuardRailWarning,
    assessment_warnings,
)
from advice_hub.assessments.progress import advice_progress
from advice_hub.assessments.recording import (
    AssessmentError,
    ChildDetails,
    agree_assessment,
    create_assessment,
)
from advice_hub.assessments.timeline import timeline_for
from advice_hub.chasing import CHASED_STATUSES
from advice_hub.chasing.outlook import chase_outlooks
from advice_hub.deadlines import adjusted_milestones, comments_due, london_date
from advice_hub.display import plural
from advice_hub.models import (
    CLOSED_STATUSES,
    AdviceRequest,
    Assessment,
    AssessmentException,
    AssessmentStatus,
    AuditEvent,
    ClosureReason,
    RequestException,
    utcnow,
)
from advice_hub.services import current_services
from advice_hub.transactions import committing
from advice_hub.web.audited import record_read
from advice_hub.web.db_session import db
from advice_hub.web.formkit import error_list, form_page, offer
from advice_hub.web.staff.blueprint import bp
from advice_hub.web.staff.directory_picker import offered_services
from advice_hub.web.staff.forms import (
    NO_CONTRIBUTOR,
    STATUTORY_AGENCIES,
    AgreeForm,
    NewAssessmentForm,
)
from advice_hub.web.staff.lookup import assessment_or_404
from advice_hub.web.staff.sign_in import current_user, signed_in_user, staff_actor

# Where each role starts, the first the person holds winning.
START_PAGES = (
    (Role.CASE_OFFICER, "staff.my_work"),
    (Role.MANAGER, "staff.timeliness"),
    (Role.AUDITOR, "staff.assessments"),
    (Role.AGENCY_LEAD, "staff.agency_requests"),
    (Role.ADMIN, "admin.home"),
)


@bp.route("/")
def home() -> Any:
    held = roles_of(current_user())
    start = next(endpoint for role, endpoint in START_PAGES if role in held)
    return redirect(url_for(start))


@bp.route("/assessments/new", methods=["GET", "POST"])
def new_assessment() -> Any:
    user = signed_in_user()
    teams = teams_of(db(), user)
    if not teams:
        return render_template("staff/no_team.html", page_title="New assessment")
    # The first team unless another is chosen (with one team, the page does not ask).
    form = NewAssessmentForm(team=teams[0].id)
    offer(form.team, [SelectChoice(team.id, team.name) for team in teams])
    if request.method == "GET":
        while len(form.contributors) < len(STATUTORY_AGENCIES):
            form.contributors.append_entry()
        for row, agency in zip(form.contributors, STATUTORY_AGENCIES, strict=True):
            row.form.agency.data = agency.value
    offered = offered_services(db())
    if request.method == "POST" and form.add_contributor.data:
        form.contributors.append_entry()
        form.use_directory(offered)
        return _render_new(form, focus=form.contributors[-1].form.agency.id)
    form.use_directory(offered)
    if request.method == "POST" and form.validate_on_submit():
        rows = form.rows()
        try:
            with committing(db()) as session:
                assessment = create_assessment(
                    session,
                    child=ChildDetails(
                        given_names=form.given_names.data,
                        family_name=form.family_name.data,
                        date_of_birth=form.date_of_birth.form.value,
                        year_group=int(form.year_group.data) if form.year_group.data else None,
                    ),
                    requested_on=form.requested_on.form.value,
                    contributors=[row.details() for row in rows],
                    now=utcnow(),
                    actor=staff_actor(),
                    team=next(team for team in teams if team.id == form.team.data),
                    case_officer=user,
                )
        except AssessmentError as exc:
            targets = {
                "requested_on": form.requested_on.form.day,
                "child.date_of_birth": form.date_of_birth.form.day,
            }
            for problem in exc.problems or [DateProblem("", str(exc))]:
                target = targets.get(problem.field, form.given_names)
                target.errors = [*target.errors, problem.message]
            return _render_new(form)
        flash(f"Assessment {assessment.reference} saved")
        return redirect(url_for("staff.assessment", assessment_id=assessment.id))
    return _render_new(form)


def _render_new(form: NewAssessmentForm, focus: str | None = None) -> Any:
    # "Enter at least one contributor" is about the list; its link goes to the first input.
    first = f"#{form.contributors[0].form.name.id}"
    errors = [
        {**item, "href": first} if item["href"] == f"#{form.contributors.id}" else item
        for item in error_list(form)
    ]
    return form_page(
        "staff/new_assessment.html",
        title="New assessment",
        errors=errors,
        form=form,
        focus=focus,
        no_contributor=NO_CONTRIBUTOR if NO_CONTRIBUTOR in form.contributors.errors else None,
        team_name=next(
            (
                c.label
                for c in form.team.choices or []
                if isinstance(c, SelectChoice) and c.value == form.team.data
            ),
            None,
        ),
    )


def _load_assessment(assessment_id: uuid.UUID) -> Assessment:
    # Everything the page reads of each request, loaded once for all of them.
    requests = selectinload(Assessment.advice_requests)
    return assessment_or_404(
        assessment_id,
        requests.selectinload(AdviceRequest.sealed),
        requests.selectinload(AdviceRequest.passed_on_to),
        requests.selectinload(AdviceRequest.deadline_reports),
        selectinload(Assessment.advice_reuses),
        selectinload(Assessment.contributors),
    )


@bp.route("/assessments/<uuid:assessment_id>")
def assessment(
    assessment_id: uuid.UUID,
    agree_form: AgreeForm | None = None,
    pending_warnings: list[GuardRailWarning] | None = None,
) -> Any:
    record = _load_assessment(assessment_id)
    # The page holds a child's personal data: who opened it is kept, as for sealed advice.
    record_read(actor=staff_actor(), action="assessment.viewed", assessment=record)
    if agree_form is None:
        agree_form = AgreeForm()
        agree_form.decided_on.form.fill(london_date(utcnow()))
    return form_page(
        "staff/assessment.html",
        title=f"Assessment {record.reference}",
        errors=error_list(agree_form),
        assessment=record,
        agree_form=agree_form,
        progress=advice_progress(record.advice_requests, record.advice_reuses),
        AssessmentStatus=AssessmentStatus,
        pending_warnings=pending_warnings or [],
        **_actions_context(record),
    )


def _actions_context(record: Assessment) -> dict[str, Any]:
    """What the page shows of officers' actions: each request's exceptions, the council's
    milestones after assessment exceptions, reuse of existing advice and the timeline."""
    session = db()
    today = london_date(utcnow())
    # Per request: the exception still holding (ends_on not yet known), and whether one covers
    # today (chasing is paused).
    holding: dict[uuid.UUID, RequestException] = {}
    paused: set[uuid.UUID] = set()
    for exception in session.scalars(
        select(RequestException)
        .join(AdviceRequest)
        .where(AdviceRequest.assessment_id == record.id)
        .order_by(RequestException.id)
    ):
        if exception.ends_on is None:
            holding[exception.advice_request_id] = exception
        if exception.starts_on <= today and (
            exception.ends_on is None or today <= exception.ends_on
        ):
            paused.add(exception.advice_request_id)
    assessment_exceptions = session.scalars(
        select(AssessmentException)
        .where(AssessmentException.assessment_id == record.id)
        .order_by(AssessmentException.starts_on)
    ).all()
    parent_requested = {
        event.advice_request_id
        for event in session.scalars(
            select(AuditEvent).where(
                AuditEvent.assessment_id == record.id, AuditEvent.action == "contributor.added"
            )
        )
        if event.detail.get("parent_requested")
    }
    milestones = adjusted_milestones(
        record.requested_on, [(e.starts_on, e.ends_on) for e in assessment_exceptions]
    )
    reuses = record.advice_reuses
    return {
        "today": today,
        "holding": holding,
        "paused": paused,
        "assessment_exceptions": assessment_exceptions,
        "milestones": milestones,
        "plan_comments_due": (
            comments_due(record.draft_plan_sent_on) if record.draft_plan_sent_on else None
        ),
        "reuses": reuses,
        "warnings": assessment_warnings(
            record, milestones=milestones, reused_agencies={r.agency for r in reuses}
        ),
        "confirmations": confirmations_of(session, record),
        "parent_requested": parent_requested,
        # Each request's next chase (or why none), and whether "chase now" would go.
        "chase_outlooks": chase_outlooks(
            session, record.advice_requests, current_services().chase_policy, now=utcnow()
        ),
        "timeline": timeline_for(session, record),
        "CHASED_STATUSES": CHASED_STATUSES,
        "CLOSED_STATUSES": CLOSED_STATUSES,
        "ClosureReason": ClosureReason,
    }


@bp.route("/assessments/<uuid:assessment_id>/agree", methods=["POST"])
def agree(assessment_id: uuid.UUID) -> Any:
    record = _load_assessment(assessment_id)
    form = AgreeForm()
    if not form.validate_on_submit():
        return assessment(assessment_id, agree_form=form)
    try:
        with committing(db()) as session:
            requests = agree_assessment(
                session,
                record,
                decided_on=form.decided_on.form.value,
                now=utcnow(),
                actor=staff_actor(),
                confirmation=form.confirmation(),
            )
    except WarningsToConfirm as exc:  # a late decision: shown, and its reason asked for
        form.ask_to_confirm(exc)
        return assessment(assessment_id, agree_form=form, pending_warnings=exc.warnings)
    except OfficerActionError as exc:
        if exc.field is None:  # nothing on the form to fix, e.g. already agreed
            flash(str(exc))
            return redirect(url_for("staff.assessment", assessment_id=assessment_id))
        target = form.warning_reason if exc.field == REASON_FIELD else form.decided_on.form.day
        target.errors = [str(exc)]
        return assessment(assessment_id, agree_form=form)
    sent = plural(len(requests), "request for advice is", "requests for advice are")
    flash(f"Decision recorded. {sent} being sent.")
    return redirect(url_for("staff.assessment", assessment_id=record.id))
