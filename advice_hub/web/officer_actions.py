"""A case officer's actions on an assessment page, one page each.

On a request: chase now, extend the deadline, record (or end) a reg 8(2) exception, withdraw.
On the assessment: add a contributor, record reuse of existing advice, record (or end) an
assessment exception, close it.

Each page posts to itself and, on success, redirects to the assessment with a message
(POST/redirect/GET). A refusal, whether from the form or the domain, shows the same page again
with what was typed and the message on the input at fault; so does a lapsed security token.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_wtf import FlaskForm
from flask_wtf.csrf import CSRFError
from sqlalchemy import select
from wtforms import FormField, SelectChoice

from advice_hub.db_session import db
from advice_hub.deadlines import london_date
from advice_hub.domain.assessments import ContributorDetails
from advice_hub.domain.chasing import ChaseError, chase_now, is_paused
from advice_hub.domain.officer_actions import (
    ExistingAdvice,
    OfficerActionError,
    add_contributor,
    close_assessment,
    end_assessment_exception,
    end_request_exception,
    extend_deadline,
    record_assessment_exception,
    record_request_exception,
    record_reuse,
    withdraw_request,
)
from advice_hub.models import (
    CLOSED_STATUSES,
    AdviceRequest,
    Assessment,
    AssessmentException,
    AssessmentStatus,
    RequestException,
    RequestStatus,
    utcnow,
)
from advice_hub.web.auth import current_user, login_required
from advice_hub.web.filters import london_datetime, long_date
from advice_hub.web.formkit import error_list
from advice_hub.web.officer import _actor, _navigation
from advice_hub.web.officer_actions_forms import (
    AddContributorForm,
    AssessmentExceptionForm,
    ChaseForm,
    CloseForm,
    EndAssessmentExceptionForm,
    EndRequestExceptionForm,
    ExtendForm,
    RequestExceptionForm,
    ReuseForm,
    WithdrawForm,
)

bp = Blueprint("officer_actions", __name__)
bp.context_processor(_navigation)

STALE_MESSAGE = (
    "This page had been open for a long time, so for your security nothing was saved. "
    "Check the answers below and press \u2018{button}\u2019 again."
)
SUBMIT_ID = "submit-action"  # where a refusal about no one input links to


@bp.errorhandler(CSRFError)
def _stale_form(exc: CSRFError) -> Any:
    """A lapsed or forged security token: nothing is saved, and what was typed is shown again."""
    page = PAGES.get(request.endpoint or "")
    if page is None or request.method != "POST":
        return render_template(
            "errors/csrf.html", page_title="Your page expired", back=request.path
        ), 400
    return page(stale_token=True, **(request.view_args or {}))


def _actor_name() -> str:
    user = current_user()
    return user.name if user is not None else "Unknown"


def _assessment(assessment_id: uuid.UUID) -> Assessment:
    assessment = db().get(Assessment, assessment_id)
    if assessment is None:
        abort(404)
    return assessment


def _request(assessment_id: uuid.UUID, request_id: uuid.UUID) -> AdviceRequest:
    advice_request = db().get(AdviceRequest, request_id)
    if advice_request is None or advice_request.assessment_id != assessment_id:
        abort(404)
    return advice_request


def _back(assessment_id: uuid.UUID) -> str:
    return url_for("officer.assessment", assessment_id=assessment_id)


def _refuse(form: FlaskForm, exc: ValueError) -> dict[str, str] | None:
    """Put the domain's message on the input it names; one about no input is returned."""
    field = form._fields.get(getattr(exc, "field", None) or "")
    if field is None:
        return {"text": str(exc), "href": f"#{SUBMIT_ID}"}
    if isinstance(field, FormField):
        field = field.form.day
    field.errors = [*field.errors, str(exc)]
    return None


def _closed(assessment: Assessment, advice_request: AdviceRequest | None) -> str | None:
    if assessment.status == AssessmentStatus.CLOSED:
        return "This assessment is closed, so it cannot change"
    if advice_request is not None and advice_request.status in CLOSED_STATUSES:
        status = RequestStatus(advice_request.status).label.lower()
        return f"The request to {advice_request.contributor.name} is closed ({status})"
    return None


def _action(
    form: FlaskForm,
    act: Callable[[], str],
    *,
    assessment: Assessment,
    template: str,
    title: str,
    button: str,
    stale_token: bool,
    advice_request: AdviceRequest | None = None,
    **context: Any,
) -> Any:
    """Run one action on POST and redirect with its message; otherwise show its page."""
    if request.method == "GET" and (closed := _closed(assessment, advice_request)):
        flash(closed)  # the page's links are gone; an old tab or bookmark lands here
        return redirect(_back(assessment.id), code=303)
    general: list[dict[str, str]] = []
    if request.method == "POST" and not stale_token and form.validate_on_submit():
        session = db()
        try:
            message = act()
        except (OfficerActionError, ChaseError) as exc:
            session.rollback()
            if (item := _refuse(form, exc)) is not None:
                general.append(item)
        else:
            session.commit()
            flash(message)
            return redirect(_back(assessment.id), code=303)
    errors = general + [i for i in error_list(form) if i["href"] != f"#{form.csrf_token.id}"]
    if stale_token or form.csrf_token.errors:
        errors.insert(0, {"text": STALE_MESSAGE.format(button=button), "href": f"#{SUBMIT_ID}"})
    return render_template(
        f"officer/actions/{template}.html",
        page_title=title,
        form=form,
        errors=errors,
        form_has_errors=bool(errors),
        assessment=assessment,
        advice_request=advice_request,
        button=button,
        submit_id=SUBMIT_ID,
        back_url=_back(assessment.id),
        **context,
    ), (400 if errors else 200)


# --- One request ---------------------------------------------------------------------------

REQUEST_PATH = "/assessments/<uuid:assessment_id>/requests/<uuid:request_id>"


@bp.route(f"{REQUEST_PATH}/chase", methods=["GET", "POST"])
@login_required
def chase(assessment_id: uuid.UUID, request_id: uuid.UUID, stale_token: bool = False) -> Any:
    advice_request = _request(assessment_id, request_id)
    session = db()

    def act() -> str:
        now = utcnow()
        # Chase now plans an email the sending step would drop while an exception holds.
        if is_paused(session, advice_request, now=now):
            raise ChaseError("Chasing is paused: an exception recorded on this request holds")
        planned = chase_now(session, advice_request, now=now, actor=_actor())
        when = "now" if planned.send_at <= now else f"on {london_datetime(planned.send_at)}"
        return f"Chase planned: {advice_request.contributor.name} is emailed {when}"

    return _action(
        ChaseForm(),
        act,
        assessment=advice_request.assessment,
        advice_request=advice_request,
        template="chase",
        title="Chase this request now",
        button="Send a chase",
        stale_token=stale_token,
    )


@bp.route(f"{REQUEST_PATH}/extend", methods=["GET", "POST"])
@login_required
def extend(assessment_id: uuid.UUID, request_id: uuid.UUID, stale_token: bool = False) -> Any:
    advice_request = _request(assessment_id, request_id)
    form = ExtendForm()

    def act() -> str:
        extension = extend_deadline(
            db(),
            advice_request,
            new_due_on=form.new_due_on.form.value,
            reason=form.reason.data,
            now=utcnow(),
            actor=_actor(),
            actor_name=_actor_name(),
        )
        return f"Deadline extended to {long_date(extension.new_due_on)}"

    return _action(
        form,
        act,
        assessment=advice_request.assessment,
        advice_request=advice_request,
        template="extend",
        title="Extend the deadline",
        button="Extend the deadline",
        stale_token=stale_token,
    )


@bp.route(f"{REQUEST_PATH}/exception", methods=["GET", "POST"])
@login_required
def request_exception(
    assessment_id: uuid.UUID, request_id: uuid.UUID, stale_token: bool = False
) -> Any:
    advice_request = _request(assessment_id, request_id)
    form = RequestExceptionForm()
    if request.method == "GET":
        form.starts_on.form.fill(london_date(utcnow()))

    def act() -> str:
        exception = record_request_exception(
            db(),
            advice_request,
            reason=form.reason.data,
            details=form.details.data,
            starts_on=form.starts_on.form.value,
            ends_on=form.ends_on.form.value,
            new_due_on=form.new_due_on.form.value,
            now=utcnow(),
            actor=_actor(),
            actor_name=_actor_name(),
        )
        return f"Exception recorded: chasing pauses from {long_date(exception.starts_on)}"

    return _action(
        form,
        act,
        assessment=advice_request.assessment,
        advice_request=advice_request,
        template="request_exception",
        title="Record an exception to the 6-week deadline",
        button="Record the exception",
        stale_token=stale_token,
    )


def _holding_request_exception(advice_request: AdviceRequest) -> RequestException:
    exception = db().scalar(
        select(RequestException)
        .where(
            RequestException.advice_request_id == advice_request.id,
            RequestException.ends_on.is_(None),
        )
        .order_by(RequestException.id.desc())
    )
    if exception is None:
        abort(404)
    return exception


@bp.route(f"{REQUEST_PATH}/exception/end", methods=["GET", "POST"])
@login_required
def end_exception(
    assessment_id: uuid.UUID, request_id: uuid.UUID, stale_token: bool = False
) -> Any:
    advice_request = _request(assessment_id, request_id)
    exception = _holding_request_exception(advice_request)
    form = EndRequestExceptionForm()
    if request.method == "GET":
        form.ends_on.form.fill(london_date(utcnow()))

    def act() -> str:
        ended = end_request_exception(
            db(),
            exception,
            ends_on=form.ends_on.form.value,
            new_due_on=form.new_due_on.form.value,
            now=utcnow(),
            actor=_actor(),
        )
        return f"Exception ended on {long_date(ended.ends_on)}: chasing resumes the day after"

    return _action(
        form,
        act,
        assessment=advice_request.assessment,
        advice_request=advice_request,
        template="end_request_exception",
        title="End the exception",
        button="End the exception",
        stale_token=stale_token,
        exception=exception,
    )


@bp.route(f"{REQUEST_PATH}/withdraw", methods=["GET", "POST"])
@login_required
def withdraw(assessment_id: uuid.UUID, request_id: uuid.UUID, stale_token: bool = False) -> Any:
    advice_request = _request(assessment_id, request_id)
    form = WithdrawForm()

    def act() -> str:
        withdraw_request(
            db(), advice_request, reason=form.reason.data, now=utcnow(), actor=_actor()
        )
        return (
            f"Request to {advice_request.contributor.name} withdrawn. "
            "Their link no longer works and they get no more email about it."
        )

    return _action(
        form,
        act,
        assessment=advice_request.assessment,
        advice_request=advice_request,
        template="withdraw",
        title="Withdraw this request",
        button="Withdraw the request",
        stale_token=stale_token,
    )


# --- The assessment ------------------------------------------------------------------------

ASSESSMENT_PATH = "/assessments/<uuid:assessment_id>"


@bp.route(f"{ASSESSMENT_PATH}/contributors/new", methods=["GET", "POST"])
@login_required
def new_contributor(assessment_id: uuid.UUID, stale_token: bool = False) -> Any:
    assessment = _assessment(assessment_id)
    form = AddContributorForm()

    def act() -> str:
        advice_request = add_contributor(
            db(),
            assessment,
            details=ContributorDetails(
                agency=form.agency.data,
                name=form.name.data,
                email=form.email.data,
                organisation=form.organisation.data,
                role=form.role.data,
            ),
            parent_requested=form.parent_requested.data == "yes",
            now=utcnow(),
            actor=_actor(),
        )
        return f"{advice_request.contributor.name} added. Their request for advice is being sent."

    return _action(
        form,
        act,
        assessment=assessment,
        template="add_contributor",
        title="Add a contributor",
        button="Add and send the request",
        stale_token=stale_token,
    )


@bp.route(f"{ASSESSMENT_PATH}/reuse", methods=["GET", "POST"])
@login_required
def reuse(assessment_id: uuid.UUID, stale_token: bool = False) -> Any:
    assessment = _assessment(assessment_id)
    form = ReuseForm()
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
            actor=_actor(),
            actor_name=_actor_name(),
        )
        message = "Reuse of existing advice recorded"
        if replaced is not None:
            message += f". The request to {replaced.contributor.name} is withdrawn"
        return message

    return _action(
        form,
        act,
        assessment=assessment,
        template="reuse",
        title="Record reuse of existing advice",
        button="Record the reuse",
        stale_token=stale_token,
    )


@bp.route(f"{ASSESSMENT_PATH}/exception", methods=["GET", "POST"])
@login_required
def assessment_exception(assessment_id: uuid.UUID, stale_token: bool = False) -> Any:
    assessment = _assessment(assessment_id)
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
            actor=_actor(),
            actor_name=_actor_name(),
        )
        return "Assessment exception recorded: the council's milestones move with it"

    return _action(
        form,
        act,
        assessment=assessment,
        template="assessment_exception",
        title="Record an exception to the council's time limits",
        button="Record the exception",
        stale_token=stale_token,
    )


@bp.route(f"{ASSESSMENT_PATH}/exception/end", methods=["GET", "POST"])
@login_required
def end_assessment_exception_page(assessment_id: uuid.UUID, stale_token: bool = False) -> Any:
    assessment = _assessment(assessment_id)
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
            db(), exception, ends_on=form.ends_on.form.value, now=utcnow(), actor=_actor()
        )
        return f"Assessment exception ended on {long_date(ended.ends_on)}"

    return _action(
        form,
        act,
        assessment=assessment,
        template="end_assessment_exception",
        title="End the assessment exception",
        button="End the exception",
        stale_token=stale_token,
        exception=exception,
    )


@bp.route(f"{ASSESSMENT_PATH}/close", methods=["GET", "POST"])
@login_required
def close(assessment_id: uuid.UUID, stale_token: bool = False) -> Any:
    assessment = _assessment(assessment_id)
    form = CloseForm()

    def act() -> str:
        close_assessment(db(), assessment, reason=form.reason.data, now=utcnow(), actor=_actor())
        return "Assessment closed. Nothing more will be chased."

    return _action(
        form,
        act,
        assessment=assessment,
        template="close",
        title="Close the assessment",
        button="Close the assessment",
        stale_token=stale_token,
    )


PAGES: dict[str, Callable[..., Any]] = {
    "officer_actions.chase": chase,
    "officer_actions.extend": extend,
    "officer_actions.request_exception": request_exception,
    "officer_actions.end_exception": end_exception,
    "officer_actions.withdraw": withdraw,
    "officer_actions.new_contributor": new_contributor,
    "officer_actions.reuse": reuse,
    "officer_actions.assessment_exception": assessment_exception,
    "officer_actions.end_assessment_exception_page": end_assessment_exception_page,
    "officer_actions.close": close,
}
