"""Picking a contributor from the directory while recording an assessment or adding a
contributor: a select of the live services (those of the row's agency, when it has one) with
"Type the details instead" first. A service picked fills whatever is left blank from its
contact, and is kept on the contributor (``Contributor.service_id``), so late advice
escalates to its leads. Without JavaScript the page works the same: the details are filled
in when the form is saved. With it, ``app.js`` fills the inputs as the service is chosen.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session
from wtforms import Field, SelectChoice

from advice_hub.models import Agency, Service

TYPE_INSTEAD = SelectChoice("", "Type the details instead")
DETAIL_FIELDS = ("name", "email", "organisation", "role")


@dataclass(frozen=True)
class OfferedService:
    """A live service as the picker offers it, with what it fills in."""

    id: int
    agency: str
    name: str
    organisation: str
    contact_name: str
    contact_role: str
    contact_email: str

    @property
    def label(self) -> str:
        return f"{self.name} ({self.contact_name}, {self.contact_role})"

    def fills(self) -> dict[str, str]:
        """What each detail input becomes when left blank (as ``data-*`` for the script)."""
        return {
            "name": self.contact_name,
            "email": self.contact_email,
            "organisation": self.organisation,
            "role": self.contact_role,
        }


def offered_services(session: Session) -> dict[str, OfferedService]:
    """Every live service by its id as a string, by agency then name (one statement)."""
    rows = session.execute(
        select(
            Service.id,
            Service.agency,
            Service.name,
            Service.organisation,
            Service.contact_name,
            Service.contact_role,
            Service.contact_email,
        )
        .where(Service.retired_at.is_(None))
        .order_by(Service.agency, Service.name)
    )
    return {str(row.id): OfferedService(*row) for row in rows}


def service_choices(offered: dict[str, OfferedService], agency: str | None) -> list[SelectChoice]:
    """The select's options: typing first, then the agency's services (all, by agency, when
    the agency is not chosen yet)."""
    if agency:
        return [
            TYPE_INSTEAD,
            *(SelectChoice(k, s.label) for k, s in offered.items() if s.agency == agency),
        ]
    return [
        TYPE_INSTEAD,
        *(SelectChoice(k, f"{Agency(s.agency).label}: {s.label}") for k, s in offered.items()),
    ]


def check_pick(form: Any, offered: dict[str, OfferedService]) -> OfferedService | None:
    """The service picked on ``form`` (which has ``service``, ``agency`` and the detail
    fields), after setting a blank agency to the service's; an error on ``service`` when it is
    not offered or is another agency's. ``None`` when the details are typed."""
    field: Field = form.service
    if not field.data:
        return None
    service = offered.get(str(field.data))
    if service is None:
        field.errors = [
            *field.errors,
            "That service is no longer in the directory: choose another or type the details",
        ]
        return None
    if not form.agency.data:
        form.agency.data = service.agency
    if form.agency.data != service.agency:
        field.errors = [
            *field.errors,
            f"{service.name} gives {Agency(service.agency).advice_name}, not "
            f"{Agency(form.agency.data).advice_name}: choose one of the agency's services "
            "or type the details",
        ]
        return None
    return service
