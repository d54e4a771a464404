"""Agency leads: who hears, for each agency, when its advice is badly overdue (the designated
clinical officer for health, the DSCO for social care, the principal educational psychologist).
An agency without one escalates to the SEND team's mailbox (``chasing``).

The command (``advice-hub leads``) and the administration pages both change them here; every
change is audited. Its functions change the session they are given and never commit.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from advice_hub.accounts.users import NAME_MAX, UserError, check_agency, normal_email
from advice_hub.models import AgencyLead
from advice_hub.sealing.audit import record_event

TITLE_MAX = 200


def lead_for(session: Session, agency: str) -> AgencyLead | None:
    return session.scalar(select(AgencyLead).where(AgencyLead.agency == agency))


def agency_leads(session: Session) -> dict[str, AgencyLead]:
    """Each agency's lead, by agency key (one statement)."""
    return {lead.agency: lead for lead in session.scalars(select(AgencyLead))}


def set_agency_lead(
    session: Session,
    *,
    agency: str,
    name: str,
    email: str,
    title: str,
    now: datetime,
    actor: str,
) -> AgencyLead:
    """Send ``agency``'s escalations to this lead, replacing whoever had them. Raises UserError
    (a ValueError) for an unknown agency, a bad email address or a missing name or title."""
    agency = check_agency(agency)
    email = normal_email(email)
    name, title = " ".join(name.split()), " ".join(title.split())
    if not name:
        raise UserError("Enter the lead's name")
    if not title:
        raise UserError("Enter the lead's title, for example designated clinical officer (DCO)")
    if len(name) > NAME_MAX or len(title) > TITLE_MAX:
        raise UserError(f"A name and a title must each be {NAME_MAX} characters or fewer")
    lead = lead_for(session, agency)
    if lead is None:
        lead = AgencyLead(agency=agency, name=name, email=email, title=title, created_at=now)
        session.add(lead)
    else:
        lead.name, lead.email, lead.title = name, email, title
    record_event(session, actor=actor, action="lead.set", now=now, agency=agency, lead=email)
    return lead


def clear_agency_lead(session: Session, *, agency: str, now: datetime, actor: str) -> bool:
    """Stop sending ``agency``'s escalations to a named lead; whether there was one."""
    lead = lead_for(session, check_agency(agency))
    if lead is None:
        return False
    session.delete(lead)
    record_event(session, actor=actor, action="lead.cleared", now=now, agency=agency)
    return True
