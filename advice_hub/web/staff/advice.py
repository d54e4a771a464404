"""Sealed advice as case officers read it, and the files sealed with it; each view and each
download goes in the audit log."""

from __future__ import annotations

import io
import json
import uuid
from typing import Any

from flask import (
    abort,
    render_template,
    send_file,
)

from advice_hub.accounts.access import admitted, may_reach_assessment
from advice_hub.assessments.follow_up import mark_advice_read
from advice_hub.models import (
    AdviceRequest,
    Attachment,
    utcnow,
)
from advice_hub.requests.attachments import KINDS, AttachmentError, read_verified
from advice_hub.sealing.audit import record_event
from advice_hub.sealing.seals import verify_sealed
from advice_hub.services import current_services
from advice_hub.transactions import committing
from advice_hub.web.audited import record_read
from advice_hub.web.authorization import CASEWORK
from advice_hub.web.db_session import db
from advice_hub.web.staff.blueprint import bp
from advice_hub.web.staff.lookup import request_or_404
from advice_hub.web.staff.sign_in import signed_in_user, staff_actor
from forms import load_template


@bp.route("/assessments/<uuid:assessment_id>/advice/<uuid:request_id>")
def sealed_advice(assessment_id: uuid.UUID, request_id: uuid.UUID) -> Any:
    advice_request = request_or_404(assessment_id, request_id)
    sealed = advice_request.sealed
    if sealed is None:
        abort(404)
    document = json.loads(sealed.canonical)
    template = load_template(document["template"]["key"], document["template"]["version"])
    session = db()
    user = signed_in_user()
    # Read by someone who works the case (not an auditor or an agency lead): it leaves the
    # officer's work queue, in the same commit as the read's audit event.
    works_the_case = may_reach_assessment(
        session, user, admitted(user, CASEWORK), advice_request.assessment
    )
    now = utcnow()
    with committing(session):
        if works_the_case:
            mark_advice_read(advice_request, now=now)
        record_event(
            session,
            actor=staff_actor(),
            action="advice.viewed",
            now=now,
            advice_request=advice_request,
        )
    return render_template(
        "staff/sealed_advice.html",
        page_title=f"{advice_request.agency_label} advice",
        advice_request=advice_request,
        assessment=advice_request.assessment,
        sealed=sealed,
        document=document,
        template=template,
        intact=verify_sealed(sealed),
        kinds=KINDS,
    )


@bp.route("/assessments/<uuid:assessment_id>/advice/<uuid:request_id>/files/<uuid:file_id>")
def sealed_file(assessment_id: uuid.UUID, request_id: uuid.UUID, file_id: uuid.UUID) -> Any:
    """A file sealed with the advice, checked against its fingerprint before it is sent."""
    session = db()
    attachment = session.get(Attachment, file_id)
    advice_request = session.get(AdviceRequest, request_id)
    if (
        attachment is None
        or advice_request is None
        or advice_request.assessment_id != assessment_id
        or attachment.advice_request_id != request_id
        or advice_request.sealed is None
        or str(file_id)
        not in {f["id"] for f in json.loads(advice_request.sealed.canonical).get("attachments", [])}
    ):
        abort(404)
    try:
        data = read_verified(current_services().settings.attachment_dir, attachment)
    except (AttachmentError, FileNotFoundError):
        abort(410)
    record_read(
        actor=staff_actor(),
        action="attachment.viewed",
        advice_request=advice_request,
        attachment_id=str(file_id),
    )
    return send_file(
        io.BytesIO(data),
        mimetype=attachment.content_type,
        as_attachment=True,
        download_name=attachment.filename,
    )
