"""The section K appendix for case officers: on a web page and as a PDF to attach to the plan.

Both show sealed advice, so each view and each download goes in the audit log, with the
fingerprints shown (never the text).
"""

from __future__ import annotations

import re
import uuid
from typing import Any

from flask import Response, render_template

from advice_hub.assessments.appendix import Appendix, build_appendix
from advice_hub.documents import render_pdf
from advice_hub.models import Assessment, utcnow
from advice_hub.services import current_services
from advice_hub.web.audited import record_read
from advice_hub.web.db_session import db
from advice_hub.web.staff.blueprint import bp
from advice_hub.web.staff.lookup import WITH_CONTRIBUTORS, assessment_or_404
from advice_hub.web.staff.sign_in import staff_actor


def _load(assessment_id: uuid.UUID) -> tuple[Assessment, Appendix]:
    assessment = assessment_or_404(assessment_id, WITH_CONTRIBUTORS)
    return assessment, build_appendix(db(), assessment)


def _verify_url() -> str:
    return current_services().settings.base_url.rstrip("/") + "/verify"


def _nothing_sealed(assessment: Assessment, appendix: Appendix, *, pdf: bool) -> Any:
    return render_template(
        "staff/appendix/empty.html",
        page_title="No sealed advice yet",
        assessment=assessment,
        outstanding=appendix.outstanding,
        pdf=pdf,
    )


def _audit(assessment: Assessment, appendix: Appendix, action: str, now: Any) -> None:
    record_read(
        actor=staff_actor(),
        action=action,
        now=now,
        assessment=assessment,
        advice=appendix.fingerprints,
    )


@bp.route("/assessments/<uuid:assessment_id>/appendix")
def appendix(assessment_id: uuid.UUID) -> Any:
    assessment, appendix = _load(assessment_id)
    if not appendix.items:
        return _nothing_sealed(assessment, appendix, pdf=False)
    html = render_template(
        "staff/appendix/page.html",
        page_title=f"Section K appendix, assessment {appendix.reference}",
        appendix=appendix,
        verify_url=_verify_url(),
    )
    _audit(assessment, appendix, "appendix.viewed", utcnow())
    return html


@bp.route("/assessments/<uuid:assessment_id>/appendix.pdf")
def appendix_pdf(assessment_id: uuid.UUID) -> Any:
    assessment, appendix = _load(assessment_id)
    if not appendix.items:
        # A page that says why, rather than an empty PDF; 409 as the PDF cannot exist yet.
        return _nothing_sealed(assessment, appendix, pdf=True), 409
    now = utcnow()
    document = render_pdf(
        "documents/appendix.html",
        title=f"Section K appendix, assessment {appendix.reference}",
        appendix=appendix,
        verify_url=_verify_url(),
        council_name=current_services().settings.council_name,
        produced_at=now,
    )
    # Recorded once the PDF exists, so the log never claims an export that failed.
    _audit(assessment, appendix, "appendix.exported", now)
    filename = "section-k-appendix-" + re.sub(r"[^A-Za-z0-9-]", "-", appendix.reference) + ".pdf"
    return Response(
        document,
        mimetype="application/pdf",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )
