"""What a staff page's URL names, found or answered with 404: an assessment, or one of its
advice requests (never a request of another assessment, whatever the URL says)."""

from __future__ import annotations

import uuid
from typing import Any

from flask import abort
from sqlalchemy.orm import selectinload

from advice_hub.models import AdviceRequest, Assessment
from advice_hub.web.db_session import db

# For pages that list each request with its contributor, loaded in one more query.
WITH_CONTRIBUTORS = selectinload(Assessment.advice_requests).selectinload(AdviceRequest.contributor)


def assessment_or_404(assessment_id: uuid.UUID, *options: Any) -> Assessment:
    """The assessment, loaded with ``options`` (what the page shows of it)."""
    assessment = db().get(Assessment, assessment_id, options=list(options))
    if assessment is None:
        abort(404)
    return assessment


def request_or_404(assessment_id: uuid.UUID, request_id: uuid.UUID) -> AdviceRequest:
    """The advice request, if it belongs to the assessment the URL names."""
    advice_request = db().get(AdviceRequest, request_id)
    if advice_request is None or advice_request.assessment_id != assessment_id:
        abort(404)
    return advice_request
