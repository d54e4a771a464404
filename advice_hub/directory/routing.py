"""Who a request picked from a directory service reaches: the service's leads when its advice
is badly overdue, and its reviewer for sign-off. A request typed in by hand, or picked from a
service since retired or without leads (or without a reviewer), reaches the agency's own lead
(``accounts.agency_leads``) or reviewer (``requests.sign_off``), as before the directory."""

from __future__ import annotations

import uuid
from collections import defaultdict
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from advice_hub.directory.services import DirectoryError, Problem
from advice_hub.models import AdviceRequest, Agency, Contributor, Service, ServiceLead


@dataclass(frozen=True)
class ServiceReviewer:
    """A service's sign-off reviewer, shaped as an agency's ``SignOffReviewer`` is."""

    name: str
    email: str
    role: str
    service_id: int


def service_leads(
    session: Session, request_ids: list[uuid.UUID]
) -> dict[uuid.UUID, list[ServiceLead]]:
    """Each request's live service's leads, by request id (requests without any are absent):
    one statement per 500 requests."""
    found: dict[uuid.UUID, list[ServiceLead]] = defaultdict(list)
    for start in range(0, len(request_ids), 500):
        rows = session.execute(
            # The service too, so that each lead's ``service`` is read from these rows.
            select(AdviceRequest.id, ServiceLead, Service)
            .join(Contributor, Contributor.id == AdviceRequest.contributor_id)
            .join(Service, Service.id == Contributor.service_id)
            .join(ServiceLead, ServiceLead.service_id == Service.id)
            .where(
                AdviceRequest.id.in_(request_ids[start : start + 500]),
                Service.retired_at.is_(None),
            )
            .order_by(ServiceLead.id)
        )
        for request_id, lead, _ in rows:
            found[request_id].append(lead)
    return dict(found)


def service_reviewer(session: Session, advice_request: AdviceRequest) -> ServiceReviewer | None:
    """The reviewer of the live service the request's contributor was picked from, if any."""
    service = session.scalar(
        select(Service)
        .join(Contributor, Contributor.service_id == Service.id)
        .where(
            Contributor.id == advice_request.contributor_id,
            Service.retired_at.is_(None),
            Service.reviewer_email.is_not(None),
        )
    )
    if service is None or not service.reviewer_email:
        return None
    return ServiceReviewer(
        name=service.reviewer_name or "",
        email=service.reviewer_email,
        role=service.reviewer_role or "",
        service_id=service.id,
    )


def picked_service(session: Session, service_id: int, agency: str) -> Service:
    """The live service chosen for a contributor of ``agency``; DirectoryError (on the
    ``service`` field) when there is none or it gives another agency's advice."""
    service = session.get(Service, service_id)
    if service is None or service.retired_at is not None:
        raise DirectoryError(
            [
                Problem(
                    "service",
                    "That service is no longer in the directory: "
                    "choose another or type the details",
                )
            ]
        )
    if service.agency != agency:
        raise DirectoryError(
            [
                Problem(
                    "service",
                    f"{service.name} gives {Agency(service.agency).advice_name}, not "
                    f"{Agency(agency).advice_name}: choose a service of the contributor's "
                    "agency or type the details",
                )
            ]
        )
    return service
