"""Files a contributor attaches to their advice (optional): upload, list, remove."""

from __future__ import annotations

import uuid
from typing import Any

from flask import abort, flash, redirect, render_template, request, url_for
from werkzeug.exceptions import RequestEntityTooLarge

from advice_hub.models import CLOSED_STATUSES, AdviceRequest, Attachment, utcnow
from advice_hub.requests.attachments import (
    KINDS,
    AttachmentError,
    add_attachment,
    live_attachments,
    readable_size,
    remove_attachment,
)
from advice_hub.services import current_services
from advice_hub.transactions import committing
from advice_hub.web.contributor.access import (
    contributor_actor,
    granted_request,
)
from advice_hub.web.contributor.blueprint import bp
from advice_hub.web.db_session import db
from advice_hub.web.errors import http_error_page
from forms import load_template


def too_large(exc: RequestEntityTooLarge) -> Any:
    """A file over ATTACHMENT_MAX_MB: the attachments page again, saying how large it may be."""
    request_id = (request.view_args or {}).get("request_id")
    if request.endpoint != "contributor.attachments" or request_id is None:
        return http_error_page(exc)
    advice_request = granted_request(request_id, allow_stale=True)
    return _page(advice_request, error=_size_message(), status=413)


def _max_bytes() -> int:
    return int(current_services().settings.attachment_max_mb * 1024 * 1024)


def _size_message() -> str:
    return f"The selected file must be smaller than {readable_size(_max_bytes())}"


def _page(advice_request: AdviceRequest, *, error: str | None = None, status: int = 200) -> Any:
    template = load_template(advice_request.template_key, advice_request.template_version)
    return render_template(
        "contributor/attachments.html",
        page_title="Attach files",
        error=error,
        form_has_errors=bool(error),
        attachments=live_attachments(db(), advice_request),
        kinds=KINDS,
        limit=readable_size(_max_bytes()),
        readable_size=readable_size,
        advice_request=advice_request,
        assessment=advice_request.assessment,
        template=template,
        home_url=url_for("contributor.form", request_id=advice_request.id),
    ), status


@bp.route("/advice/<uuid:request_id>/attachments", methods=["GET", "POST"])
def attachments(request_id: uuid.UUID) -> Any:
    session = db()
    advice_request = granted_request(request_id, allow_stale=request.method == "POST")
    if advice_request.status in CLOSED_STATUSES:
        return redirect(url_for("contributor.form", request_id=request_id))
    if request.method == "GET":
        return _page(advice_request)
    actor = contributor_actor(advice_request)
    remove = request.form.get("remove", "")
    try:
        with committing(session):
            if remove:
                attachment = session.get(Attachment, _uuid_or_404(remove))
                if attachment is None or attachment.advice_request_id != advice_request.id:
                    abort(404)
                remove_attachment(session, attachment, now=utcnow(), actor=actor)
                message = f"{attachment.filename} has been removed"
            else:
                upload = request.files.get("file")
                if upload is None or not upload.filename:
                    raise AttachmentError("Select a file to attach")
                data = upload.stream.read(_max_bytes() + 1)
                attachment = add_attachment(
                    session,
                    advice_request,
                    filename=upload.filename,
                    data=data,
                    folder=current_services().settings.attachment_dir,
                    max_bytes=_max_bytes(),
                    now=utcnow(),
                    actor=actor,
                )
                message = f"{attachment.filename} has been attached"
    except AttachmentError as exc:
        return _page(advice_request, error=str(exc), status=400)
    flash(message)
    return redirect(url_for("contributor.attachments", request_id=request_id), code=303)


def _uuid_or_404(value: str) -> uuid.UUID:
    try:
        return uuid.UUID(value)
    except ValueError:
        abort(404)
