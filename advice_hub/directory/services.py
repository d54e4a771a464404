"""Services in the directory, and their leads: checked, then written and audited.

A service is named uniquely within its agency. Its contact is who a request for advice goes to
by default; its leads hear when that advice is badly overdue (each of them, instead of the
agency's one lead); its reviewer, when it has one, signs its advice off instead of the
agency's. A retired service is offered no more when an assessment is recorded, and its leads
and reviewer stand down: requests already picked from it fall back to the agency's.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from email_validator import EmailNotValidError, validate_email
from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session, selectinload

from advice_hub.models import Agency, Service, ServiceLead
from advice_hub.sealing.audit import record_event

NAME_MAX = 200
EMAIL_MAX = 320
# A directory lists services, not families: the parent's and young person's advice is their own.
DIRECTORY_AGENCIES = tuple(a for a in Agency if a not in (Agency.PARENT_CARER, Agency.YOUNG_PERSON))


@dataclass(frozen=True)
class Problem:
    """What is wrong with one input (``field``, as the CSV header and the forms name it)."""

    field: str
    message: str


class DirectoryError(ValueError):
    """A change to the directory refused; each problem names its field."""

    def __init__(self, problems: Sequence[Problem]) -> None:
        self.problems = list(problems)
        super().__init__("; ".join(p.message for p in self.problems))

    @property
    def field(self) -> str:
        return self.problems[0].field if self.problems else ""


@dataclass(frozen=True)
class ServiceDetails:
    agency: str
    name: str
    organisation: str
    contact_name: str
    contact_role: str
    contact_email: str
    reviewer_name: str = ""
    reviewer_email: str = ""
    reviewer_role: str = ""


@dataclass(frozen=True)
class LeadDetails:
    name: str
    email: str
    title: str


def _tidy(value: str | None) -> str:
    return " ".join((value or "").split())


def checked_email(value: str, field: str, what: str, problems: list[Problem]) -> str:
    """``value`` as an email address in its normal form, or a problem added for ``field``."""
    if not value:
        problems.append(Problem(field, f"Enter {what}"))
        return value
    try:
        normal = str(validate_email(value, check_deliverability=False).normalized)
    except EmailNotValidError as exc:
        problems.append(Problem(field, f"{what[:1].upper()}{what[1:]} is not valid: {exc}"))
        return value
    if len(normal) > EMAIL_MAX:
        problems.append(Problem(field, f"An email address must be {EMAIL_MAX} characters or fewer"))
    return normal.lower()


def _required(value: str, field: str, what: str, problems: list[Problem]) -> None:
    if not value:
        problems.append(Problem(field, f"Enter {what}"))
    elif len(value) > NAME_MAX:
        problems.append(
            Problem(field, f"{what[:1].upper()}{what[1:]} must be {NAME_MAX} characters or fewer")
        )


def check_service(details: ServiceDetails) -> tuple[ServiceDetails, list[Problem]]:
    """The details tidied (spaces, email addresses in normal form) and every problem found."""
    problems: list[Problem] = []
    tidy = ServiceDetails(**{k: _tidy(v) for k, v in vars(details).items()})
    agency = tidy.agency.lower()
    if agency not in {a.value for a in DIRECTORY_AGENCIES}:
        keys = ", ".join(a.value for a in DIRECTORY_AGENCIES)
        problems.append(
            Problem("agency", f"Choose the agency: {agency or 'nothing'} is not one of {keys}")
            if agency
            else Problem("agency", "Choose the service's agency")
        )
    _required(tidy.name, "name", "the service's name", problems)
    _required(tidy.organisation, "organisation", "the organisation it belongs to", problems)
    _required(tidy.contact_name, "contact_name", "the contact's name", problems)
    _required(tidy.contact_role, "contact_role", "the contact's role", problems)
    contact_email = checked_email(
        tidy.contact_email, "contact_email", "the contact's email address", problems
    )
    reviewer_email = tidy.reviewer_email
    if tidy.reviewer_name or tidy.reviewer_email or tidy.reviewer_role:
        _required(tidy.reviewer_name, "reviewer_name", "the reviewer's name", problems)
        _required(tidy.reviewer_role, "reviewer_role", "the reviewer's role", problems)
        reviewer_email = checked_email(
            tidy.reviewer_email, "reviewer_email", "the reviewer's email address", problems
        )
    return (
        replace(tidy, agency=agency, contact_email=contact_email, reviewer_email=reviewer_email),
        problems,
    )


def check_lead(details: LeadDetails, prefix: str = "") -> tuple[LeadDetails, list[Problem]]:
    """A lead's details tidied, and every problem found (fields named ``prefix`` + name)."""
    problems: list[Problem] = []
    name, title = _tidy(details.name), _tidy(details.title)
    _required(name, f"{prefix}name", "the lead's name", problems)
    _required(title, f"{prefix}title", "the lead's title", problems)
    email = checked_email(
        _tidy(details.email), f"{prefix}email", "the lead's email address", problems
    )
    return LeadDetails(name=name, email=email, title=title), problems


def service_named(session: Session, agency: str, name: str) -> Service | None:
    """The service of ``agency`` called ``name`` (whatever its case), live or retired."""
    return session.scalar(
        select(Service).where(
            Service.agency == agency, func.lower(Service.name) == _tidy(name).lower()
        )
    )


def find_services(
    session: Session, *, agency: str | None = None, search: str = "", retired: bool = False
) -> list[Service]:
    """Services by agency then name, with their leads (two statements however many)."""
    query = select(Service).options(selectinload(Service.leads))
    if agency:
        query = query.where(Service.agency == agency)
    if not retired:
        query = query.where(Service.retired_at.is_(None))
    words = _tidy(search).lower()
    if words:
        query = query.where(
            or_(
                *(
                    func.lower(column).contains(words, autoescape=True)
                    for column in (
                        Service.name,
                        Service.organisation,
                        Service.contact_name,
                        Service.contact_email,
                    )
                )
            )
        )
    return list(session.scalars(query.order_by(Service.agency, Service.name)))


def _refuse(problems: list[Problem]) -> None:
    if problems:
        raise DirectoryError(problems)


def _apply(service: Service, details: ServiceDetails) -> None:
    service.agency = details.agency
    service.name = details.name
    service.organisation = details.organisation
    service.contact_name = details.contact_name
    service.contact_role = details.contact_role
    service.contact_email = details.contact_email
    service.reviewer_name = details.reviewer_name or None
    service.reviewer_email = details.reviewer_email or None
    service.reviewer_role = details.reviewer_role or None


def _unique(session: Session, details: ServiceDetails, service: Service | None) -> None:
    same = service_named(session, details.agency, details.name)
    if same is not None and same is not service:
        label = Agency(details.agency).label.lower()
        raise DirectoryError(
            [Problem("name", f"There is already a {label} service called {same.name}")]
        )


def add_service(session: Session, details: ServiceDetails, *, now: datetime, actor: str) -> Service:
    """A new service in the directory; DirectoryError naming each problem otherwise."""
    details, problems = check_service(details)
    _refuse(problems)
    _unique(session, details, None)
    service = Service(created_at=now)
    _apply(service, details)
    session.add(service)
    session.flush()
    record_event_for(session, service, "directory.service_added", now=now, actor=actor)
    return service


def edit_service(
    session: Session, service: Service, details: ServiceDetails, *, now: datetime, actor: str
) -> Service:
    """Change a service's details (its leads are changed one by one)."""
    details, problems = check_service(details)
    _refuse(problems)
    _unique(session, details, service)
    _apply(service, details)
    record_event_for(session, service, "directory.service_changed", now=now, actor=actor)
    return service


def retire_service(session: Session, service: Service, *, now: datetime, actor: str) -> bool:
    """Offer the service no more; whether it was live."""
    if service.retired_at is not None:
        return False
    service.retired_at = now
    record_event_for(session, service, "directory.service_retired", now=now, actor=actor)
    return True


def reinstate_service(session: Session, service: Service, *, now: datetime, actor: str) -> bool:
    """Offer a retired service again; whether it was retired."""
    if service.retired_at is None:
        return False
    service.retired_at = None
    record_event_for(session, service, "directory.service_reinstated", now=now, actor=actor)
    return True


def add_lead(
    session: Session, service: Service, details: LeadDetails, *, now: datetime, actor: str
) -> ServiceLead:
    """Escalate the service's overdue advice to one more lead."""
    details, problems = check_lead(details)
    _refuse(problems)
    if any(lead.email == details.email for lead in service.leads):
        raise DirectoryError(
            [Problem("email", f"{details.email} is already a lead of {service.name}")]
        )
    lead = ServiceLead(
        service=service, name=details.name, email=details.email, title=details.title, created_at=now
    )
    session.add(lead)
    record_event_for(
        session, service, "directory.lead_added", now=now, actor=actor, lead=details.email
    )
    return lead


def remove_lead(session: Session, lead: ServiceLead, *, now: datetime, actor: str) -> None:
    service = lead.service
    service.leads.remove(lead)
    session.delete(lead)
    record_event_for(
        session, service, "directory.lead_removed", now=now, actor=actor, lead=lead.email
    )


def record_event_for(
    session: Session, service: Service, action: str, *, now: datetime, actor: str, **detail: str
) -> None:
    what: dict[str, Any] = {
        "service_id": service.id,
        "agency": service.agency,
        "service": service.name,
        **detail,
    }
    record_event(session, actor=actor, action=action, now=now, **what)
