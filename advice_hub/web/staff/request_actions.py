"""A case officer's actions on one request: chase now, extend the deadline, record (or end)
a reg 8(2) exception, withdraw. Each is a page of its own, run by ``actions.run_action``."""

from __future__ import annotations

import uuid
from typing import Any

from flask import abort, request
from sqlalchemy import select

from advice_hub.assessments.request_actions import (
    end_request_exception,
    extend_deadline,
    record_request_exception,
    withdraw_request,
)
from advice_hub.chasing.control import chase_now, chase_now_refused
from advice_hub.deadlines import london_date
from advice_hub.display import london_datetime, long_date
from advice_hub.models import (
    AdviceRequest,
    RequestException,
    utcnow,
)
from advice_hub.web.db_session import db
from advice_hub.web.staff.action_forms import (
    ChaseForm,
    EndRequestExceptionForm,
    ExtendForm,
    RequestExceptionForm,
    WithdrawForm,
)
from advice_hub.web.staff.actions import ActionPage, run_action
from advice_hub.web.staff.blueprint import bp
from advice_hub.web.staff.lookup import request_or_404
from advice_hub.web.staff.sign_in import staff_actor, staff_name

# --- One request ---------------------------------------------------------------------------

REQUEST_PATH = "/assessments/<uuid:assessment_id>/requests/<uuid:request_id>"

CHASE_PAGE = ActionPage("chase", "Chase this request now", "Send a chase")
EXTEND_PAGE = ActionPage("extend", "Extend the deadline", "Extend the deadline")
REQUEST_EXCEPTION_PAGE = ActionPage(
    "request_exception", "Record an exception to the 6-week deadline", "Record the exception"
)
END_REQUEST_EXCEPTION_PAGE = ActionPage(
    "end_request_exception", "End the exception", "End the exception"
)
WITHDRAW_PAGE = ActionPage("withdraw", "Withdraw this request", "Withdraw the request")


@bp.route(f"{REQUEST_PATH}/chase", methods=["GET", "POST"])
def chase(assessment_id: uuid.UUID, request_id: uuid.UUID, stale_token: bool = False) -> Any:
    advice_request = request_or_404(assessment_id, request_id)
    session = db()

    def act() -> str:
        now = utcnow()
        planned = chase_now(session, advice_request, now=now, actor=staff_actor())
        when = "now" if planned.send_at <= now else f"on {london_datetime(planned.send_at)}"
        return f"Chase planned: {advice_request.contributor.name} is emailed {when}"

    return run_action(
        CHASE_PAGE,
        ChaseForm(),
        act,
        advice_request=advice_request,
        stale_token=stale_token,
        # The assessment page offers the chase only when it would go; an old tab or a
        # bookmark is sent back with the reason instead of to a button that would be refused.
        refused=lambda: chase_now_refused(session, advice_request, now=utcnow()),
    )


@bp.route(f"{REQUEST_PATH}/extend", methods=["GET", "POST"])
def extend(assessment_id: uuid.UUID, request_id: uuid.UUID, stale_token: bool = False) -> Any:
    advice_request = request_or_404(assessment_id, request_id)
    form = ExtendForm()

    def act() -> str:
        extension = extend_deadline(
            db(),
            advice_request,
            new_due_on=form.new_due_on.form.value,
            reason=form.reason.data,
            now=utcnow(),
            actor=staff_actor(),
            actor_name=staff_name(),
            confirmation=form.confirmation(),
        )
        return f"Deadline extended to {long_date(extension.new_due_on)}"

    return run_action(
        EXTEND_PAGE, form, act, advice_request=advice_request, stale_token=stale_token
    )


@bp.route(f"{REQUEST_PATH}/exception", methods=["GET", "POST"])
def request_exception(
    assessment_id: uuid.UUID, request_id: uuid.UUID, stale_token: bool = False
) -> Any:
    advice_request = request_or_404(assessment_id, request_id)
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
            actor=staff_actor(),
            actor_name=staff_name(),
            confirmation=form.confirmation(),
        )
        return f"Exception recorded: chasing pauses from {long_date(exception.starts_on)}"

    return run_action(
        REQUEST_EXCEPTION_PAGE, form, act, advice_request=advice_request, stale_token=stale_token
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
def end_exception(
    assessment_id: uuid.UUID, request_id: uuid.UUID, stale_token: bool = False
) -> Any:
    advice_request = request_or_404(assessment_id, request_id)
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
            actor=staff_actor(),
            confirmation=form.confirmation(),
        )
        return f"Exception ended on {long_date(ended.ends_on)}: chasing resumes the day after"

    return run_action(
        END_REQUEST_EXCEPTION_PAGE,
        form,
        act,
        advice_request=advice_request,
        stale_token=stale_token,
        exception=exception,
    )


@bp.route(f"{REQUEST_PATH}/withdraw", methods=["GET", "POST"])
def withdraw(assessment_id: uuid.UUID, request_id: uuid.UUID, stale_token: bool = False) -> Any:
    advice_request = request_or_404(assessment_id, request_id)
    form = WithdrawForm()

    def act() -> str:
        withdraw_request(
            db(), advice_request, reason=form.reason.data, now=utcnow(), actor=staff_actor()
        )
        return (
            f"Request to {advice_request.contributor.name} withdrawn. "
            "Their link no longer works and they get no more email about it."
        )

    return run_action(
        WITHDRAW_PAGE, form, act, advice_request=advice_request, stale_token=stale_token
    )
