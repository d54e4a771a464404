"""The section K appendix for case officers: on a web page and as a PDF to attach to the plan.

Both show sealed advice, so each view and each download goes in the audit log, with the
fingerprints shown (never the text).
"""

from __future__ import annotations

import re
import uuid
from typing import Any

from flask import Blueprint, Response, abort, render_template
from sqlalchemy.orm import selectinload

from advice_hub.db_session import db
from advice_hub.domain.appendix import (
    Appendix,
    build_appendix,
    build_request_appendix,
    render_pdf,
)
from advice_hub.domain.audit import record_event
from advice_hub.models import AdviceRequest, Assessment, utcnow
from advice_hub.services import current_services
from advice_hub.web.auth import login_required
from advice_hub.web.officer import _actor, _navigation

bp = Blueprint("appendix", __name__)
# The officer pages' navigation, so the service header is the same on these pages.
bp.context_processor(_navigation)


def _load(assessment_id: uuid.UUID) -> tuple[Assessment, Appendix]:
    session = db()
    assessment = session.get(
        Assessment,
        assessment_id,
        options=[selectinload(Assessment.advice_requests).selectinload(AdviceRequest.contributor)],
    )
    if assessment is None:
        abort(404)
    return assessment, build_appendix(session, assessment)


def _verify_url() -> str:
    return current_services().settings["BASE_URL"].rstrip("/") + "/verify"


def _nothing_sealed(assessment: Assessment, appendix: Appendix, *, pdf: bool) -> Any:
    return render_template(
        "appendix/empty.html",
        page_title="No sealed advice yet",
        assessment=assessment,
        outstanding=appendix.outstanding,
        pdf=pdf,
    )


def _audit(assessment: Assessment, appendix: Appendix, action: str, now: Any) -> None:
    record_event(
        db(),
        actor=_actor(),
        action=action,
        now=now,
        assessment=assessment,
        advice=appendix.fingerprints,
    )
    db().commit()


@bp.route("/assessments/<uuid:assessment_id>/appendix")
@login_required
def web_page(assessment_id: uuid.UUID) -> Any:
    assessment, appendix = _load(assessment_id)
    if not appendix.items:
        return _nothing_sealed(assessment, appendix, pdf=False)
    html = render_template(
        "appendix/page.html",
        page_title=f"Section K appendix, assessment {appendix.reference}",
        appendix=appendix,
        verify_url=_verify_url(),
    )
    _audit(assessment, appendix, "appendix.viewed", utcnow())
    return html


@bp.route("/assessments/<uuid:assessment_id>/appendix.pdf")
@login_required
def pdf(assessment_id: uuid.UUID) -> Any:
    assessment, appendix = _load(assessment_id)
    if not appendix.items:
        # A page that says why, rather than an empty PDF; 409 as the PDF cannot exist yet.
        return _nothing_sealed(assessment, appendix, pdf=True), 409
    now = utcnow()
    document = render_pdf(
        render_template(
            "appendix/document.html",
            title=f"Section K appendix, assessment {appendix.reference}",
            appendix=appendix,
            verify_url=_verify_url(),
            produced_at=now,
        )
    )
    # Recorded once the PDF exists, so the log never claims an export that failed.
    _audit(assessment, appendix, "appendix.exported", now)
    filename = "section-k-appendix-" + re.sub(r"[^A-Za-z0-9-]", "-", appendix.reference) + ".pdf"
    return Response(
        document,
        mimetype="application/pdf",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


def receipt_pdf(session: Any, advice_request: AdviceRequest, *, now: Any) -> bytes:
    """The contributor's own advice as sealed, as a PDF for their receipt email.

    Rendered with the app's templates, so it needs the app context a worker runs in.
    """
    appendix = build_request_appendix(session, advice_request)
    return render_pdf(
        render_template(
            "appendix/document.html",
            title=f"Your sealed advice, assessment {appendix.reference}",
            appendix=appendix,
            verify_url=_verify_url(),
            produced_at=now,
            receipt=True,
        )
    )
