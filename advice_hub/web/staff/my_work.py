"""My work: a case officer's start page, the queue of what needs doing across their cases
(``assessments.work_queue``), and marking a contributor's deadline report dealt with."""

from __future__ import annotations

import uuid
from typing import Any

from flask import abort, flash, redirect, render_template, url_for
from flask_wtf import FlaskForm

from advice_hub.accounts.teams import teams_of
from advice_hub.assessments.checks import OfficerActionError
from advice_hub.assessments.follow_up import deal_with_deadline_report
from advice_hub.assessments.work_queue import work_queue
from advice_hub.models import DeadlineReport, utcnow
from advice_hub.services import current_services
from advice_hub.transactions import committing
from advice_hub.web.db_session import db
from advice_hub.web.staff.blueprint import bp
from advice_hub.web.staff.lookup import request_or_404
from advice_hub.web.staff.sign_in import signed_in_user, staff_actor


class DealtWithForm(FlaskForm):
    """Nothing to fill in: the button, and the security token."""


@bp.route("/my-work")
def my_work() -> Any:
    session = db()
    user = signed_in_user()
    queue = work_queue(session, user, now=utcnow(), chase_policy=current_services().chase_policy)
    return render_template(
        "staff/my_work.html",
        page_title="My work",
        queue=queue,
        in_a_team=bool(teams_of(session, user)),
    )


@bp.route(
    "/assessments/<uuid:assessment_id>/requests/<uuid:request_id>"
    "/deadline-reports/<int:report_id>/dealt-with",
    methods=["POST"],
)
def deadline_report_dealt_with(
    assessment_id: uuid.UUID, request_id: uuid.UUID, report_id: int
) -> Any:
    advice_request = request_or_404(assessment_id, request_id)
    session = db()
    report = session.get(DeadlineReport, report_id)
    if (
        report is None
        or report.advice_request_id != advice_request.id
        or not report.reported_by_contributor
    ):
        abort(404)
    form = DealtWithForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        with committing(session):
            deal_with_deadline_report(session, report, now=utcnow(), actor=staff_actor())
    except OfficerActionError as exc:
        flash(str(exc))
    else:
        flash(
            f"{advice_request.contributor.name}'s report that their advice will be late is "
            "marked dealt with"
        )
    return redirect(url_for("staff.my_work"), code=303)
