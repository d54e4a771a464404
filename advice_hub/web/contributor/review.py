"""Sign-off by a senior reviewer, through their own emailed link: read, then approve or return.

The reviewer sees the advice exactly as the author left it and can only decide: approving
seals it naming both; returning sends it back to the author with comments.
"""

from __future__ import annotations

import io
import json
import uuid
from typing import Any

from flask import abort, redirect, render_template, request, send_file, url_for
from flask_wtf import FlaskForm
from wtforms import RadioField, SelectChoice, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from advice_hub.models import (
    AdviceDraft,
    AdviceRequest,
    Attachment,
    LinkPurpose,
    RequestStatus,
    utcnow,
)
from advice_hub.requests.attachments import (
    KINDS,
    AttachmentError,
    live_attachments,
    read_verified,
)
from advice_hub.requests.sign_off import SignOffError, approve, pending_review, return_to_author
from advice_hub.services import current_services
from advice_hub.transactions import committing
from advice_hub.web.contributor.access import (
    granted_request,
)
from advice_hub.web.contributor.blueprint import bp
from advice_hub.web.db_session import db
from advice_hub.web.formkit import error_list, form_page
from forms import load_template
from forms.answers import answer_key, section_skipped
from forms.text import clean_text
from forms.wtf import NoControlCharacters


class DecisionForm(FlaskForm):
    decision = RadioField(
        "Your decision",
        [DataRequired("Choose whether to approve the advice or return it to its author")],
        choices=[
            SelectChoice("approve", "Approve: seal it and send it to the council"),
            SelectChoice("return", "Return it to the author with comments"),
        ],
    )
    comments = TextAreaField(
        "Comments for the author",
        [
            Optional(),
            Length(max=5000, message="Comments must be 5,000 characters or fewer"),
            NoControlCharacters(),
        ],
        filters=[clean_text],
    )

    def validate(self, extra_validators: Any = None) -> bool:
        ok = super().validate(extra_validators)
        if self.decision.data == "return" and not self.comments.data and not self.comments.errors:
            self.comments.errors = ["Say what the author should change"]
            ok = False
        return ok


def _reviewer_request(request_id: uuid.UUID, *, allow_stale: bool = False) -> AdviceRequest:
    return granted_request(request_id, allow_stale=allow_stale, purpose=LinkPurpose.REVIEW)


@bp.route("/review/<uuid:request_id>", methods=["GET", "POST"])
def review(request_id: uuid.UUID) -> Any:
    session = db()
    advice_request = _reviewer_request(request_id, allow_stale=request.method == "POST")
    template = load_template(advice_request.template_key, advice_request.template_version)
    if advice_request.status != RequestStatus.AWAITING_SIGN_OFF:
        return _decided(advice_request)
    draft = session.get(AdviceDraft, advice_request.id)
    form = DecisionForm()
    if form.validate_on_submit():
        actor = f"reviewer:{pending_review(session, advice_request).reviewer_email}"  # type: ignore[union-attr]
        try:
            with committing(session):
                if form.decision.data == "approve":
                    approve(session, advice_request, now=utcnow(), actor=actor)
                else:
                    return_to_author(
                        session,
                        advice_request,
                        comments=form.comments.data,
                        now=utcnow(),
                        actor=actor,
                    )
        except SignOffError:
            pass  # no longer waiting (decided in another tab): the page shows where it stands
        return redirect(url_for("contributor.review", request_id=request_id), code=303)
    return form_page(
        "contributor/review/advice.html",
        title=f"Sign off {template.title.lower()}",
        errors=error_list(form),
        form=form,
        advice_request=advice_request,
        assessment=advice_request.assessment,
        template=template,
        answers=dict(draft.answers) if draft else {},
        declaration=(draft.declaration or {}) if draft else {},
        attachments=live_attachments(session, advice_request),
        kinds=KINDS,
        answer_key=answer_key,
        section_skipped=section_skipped,
        review=pending_review(session, advice_request),
    )


def _decided(advice_request: AdviceRequest) -> Any:
    sealed = advice_request.sealed
    document = json.loads(sealed.canonical) if sealed is not None else None
    return render_template(
        "contributor/review/decided.html",
        page_title="Sign-off decided"
        if advice_request.status != RequestStatus.RETURNED
        else "Returned to the author",
        advice_request=advice_request,
        assessment=advice_request.assessment,
        sealed=sealed,
        document=document,
    )


@bp.route("/review/<uuid:request_id>/files/<uuid:file_id>")
def review_file(request_id: uuid.UUID, file_id: uuid.UUID) -> Any:
    advice_request = _reviewer_request(request_id)
    attachment = db().get(Attachment, file_id)
    if (
        attachment is None
        or attachment.advice_request_id != advice_request.id
        or attachment.removed_at is not None
    ):
        abort(404)
    try:
        data = read_verified(current_services().settings.attachment_dir, attachment)
    except (AttachmentError, FileNotFoundError):
        abort(410)
    return send_file(
        io.BytesIO(data),
        mimetype=attachment.content_type,
        as_attachment=True,
        download_name=attachment.filename,
    )
