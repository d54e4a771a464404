"""The page a request closed without advice shows: what happened, when and to whom
(``requests.closure``). The closed page, the confirmation after passing a request on, the old
emailed link and every page reached again afterwards (Back, a bookmark) all show it."""

from __future__ import annotations

from typing import Any

from flask import render_template

from advice_hub.assessments.contact import council_contact
from advice_hub.models import AdviceRequest, RequestStatus
from advice_hub.requests.closure import closure_of
from advice_hub.services import current_services
from advice_hub.web.db_session import db

TITLES = {
    RequestStatus.DECLINED: "You told us this child or young person is not known to your service",
    RequestStatus.PASSED_ON: "This request was passed to a colleague",
    RequestStatus.WITHDRAWN: "This request has been withdrawn",
}
CONFIRMATION = "Request passed to your colleague"


def closure_page(
    advice_request: AdviceRequest, *, status: int = 200, confirmed: bool = False
) -> Any:
    """The story of `advice_request`, which must be closed without advice (declined, passed
    on or withdrawn). `confirmed` shows it as the confirmation of what was just done."""
    closure = closure_of(db(), advice_request)
    if closure is None:
        raise ValueError(f"request {advice_request.id} is not closed without advice")
    assessment = advice_request.assessment
    contact = council_contact(assessment, current_services().settings)
    return render_template(
        "contributor/alternatives/closed.html",
        page_title=CONFIRMATION if confirmed else TITLES[closure.status],
        confirmed=confirmed,
        closure=closure,
        advice_request=advice_request,
        assessment=assessment,
        officer_name=contact.name,
        officer_email=contact.email,
    ), status
