"""Late advice and sign-off go to the directory service a contributor was picked from: each of
its leads hears of badly overdue advice (not the agency's lead), and its reviewer signs the
advice off (not the agency's). A contributor typed in, or picked from a service since retired
or without leads, still reaches the agency's lead and reviewer."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any

import pytest
import time_machine
from flask.testing import FlaskClient
from sqlalchemy import select

from advice_hub.assessments.recording import ChildDetails, agree_assessment, create_assessment
from advice_hub.deadlines import LONDON, london_date
from advice_hub.directory.services import (
    LeadDetails,
    ServiceDetails,
    add_lead,
    add_service,
    retire_service,
)
from advice_hub.jobs.clock import tick
from advice_hub.models import (
    AdviceRequest,
    Agency,
    AgencyLead,
    AuditEvent,
    Chase,
    Contributor,
    RequestStatus,
    Service,
    SignOffReview,
    StaffMessage,
    StaffMessageKind,
    utcnow,
)
from advice_hub.requests.sign_off import set_reviewer
from notifications.mailbox import links_in, list_messages, message_text, read_message
from tests.factories import casework_team, contributor, fresh, make_officer
from tests.journey import complete_every_section, open_link, sign_and_send

AGREED_AT = datetime(2026, 3, 2, 10, 0, tzinfo=LONDON)  # Monday 2 March 2026; due 13 April
SWEEP_TIMES = (time(0, 5), time(9, 0), time(13, 0), time(16, 30))


def _spa(session: Any, *, leads: int = 2, reviewer: bool = False) -> Service:
    service = add_service(
        session,
        ServiceDetails(
            "health",
            "Children's SPA",
            "Northshire NHS Trust",
            "SPA clinician",
            "Single point of access",
            "spa@nhs.example",
            *(("Dr Rae Review", "rae@nhs.example", "Lead paediatrician") if reviewer else ()),
        ),
        now=utcnow(),
        actor="test",
    )
    for n in range(1, leads + 1):
        add_lead(
            session,
            service,
            LeadDetails(f"Lead {n}", f"lead{n}@nhs.example", "SPA manager"),
            now=utcnow(),
            actor="test",
        )
    return service


def _agreed(session: Any, *details: Any) -> list[AdviceRequest]:
    assessment = create_assessment(
        session,
        child=ChildDetails(
            given_names="Sam", family_name="Taylor", date_of_birth=date(2016, 5, 3), year_group=4
        ),
        requested_on=london_date(utcnow()) - timedelta(days=20),
        contributors=list(details),
        now=utcnow(),
        actor="test",
        team=casework_team(session),
        case_officer=make_officer(session),
    )
    return agree_assessment(
        session, assessment, decided_on=london_date(utcnow()), now=utcnow(), actor="test"
    )


# --- Escalation --------------------------------------------------------------------------


@pytest.fixture
def travel() -> Iterator[time_machine.travel]:
    with time_machine.travel(AGREED_AT, tick=False) as traveller:
        yield traveller


def _run_days(svc: Any, jobs: Any, travel: Any, start: date, end: date) -> None:
    day = start
    while day <= end:
        for at in SWEEP_TIMES:
            travel.move_to(datetime.combine(day, at, tzinfo=LONDON))
            tick(svc)
            jobs.run()
        day += timedelta(days=1)


def _lead_emails(session: Any) -> list[StaffMessage]:
    return list(
        fresh(session).scalars(
            select(StaffMessage)
            .where(
                StaffMessage.kind == StaffMessageKind.LEAD_ESCALATION,
                StaffMessage.sent_at.is_not(None),
            )
            .order_by(StaffMessage.recipient)
        )
    )


@pytest.fixture
def two_requests(session: Any, svc: Any, jobs: Any, travel: Any) -> dict[str, AdviceRequest]:
    """Two overdue-to-be health requests on one assessment: one picked from the SPA (two
    leads), one typed in; the agency has its own lead (the DCO)."""
    session.add(AgencyLead(agency="health", name="Dee", email="dco@icb.example", title="DCO"))
    spa = _spa(session)
    picked, typed = _agreed(
        session,
        contributor(
            Agency.HEALTH, 1, name="", email="", organisation="", role="", service_id=spa.id
        ),
        contributor(Agency.HEALTH, 2),
    )
    session.commit()
    jobs.run()
    return {"picked": picked, "typed": typed}


def test_overdue_advice_from_a_service_is_escalated_to_each_of_its_leads_not_the_agency_lead(
    session: Any, svc: Any, jobs: Any, travel: Any, two_requests: dict[str, AdviceRequest]
) -> None:
    picked = fresh(session).get_one(AdviceRequest, two_requests["picked"].id)
    assert picked.contributor.email == "spa@nhs.example"  # filled from the service's contact
    assert picked.contributor.organisation == "Northshire NHS Trust"
    assert picked.due_on == date(2026, 4, 13)
    _run_days(svc, jobs, travel, date(2026, 4, 18), date(2026, 4, 21))
    emails = _lead_emails(session)
    by_recipient = {m.recipient: m for m in emails}
    assert sorted(by_recipient) == ["dco@icb.example", "lead1@nhs.example", "lead2@nhs.example"]
    # Each service lead hears of the picked request alone; the DCO of the typed one alone.
    for lead in ("lead1@nhs.example", "lead2@nhs.example"):
        assert by_recipient[lead].payload["request_ids"] == [str(picked.id)]
        assert london_date(by_recipient[lead].sent_at) == date(2026, 4, 20)
    assert by_recipient["dco@icb.example"].payload["request_ids"] == [str(two_requests["typed"].id)]
    chases = session.scalars(
        select(Chase).where(
            Chase.advice_request_id == picked.id, Chase.staff_message_id.is_not(None)
        )
    ).all()
    assert len(chases) == 2
    planned = session.scalars(
        select(AuditEvent).where(
            AuditEvent.action == "escalation.planned", AuditEvent.advice_request_id == picked.id
        )
    ).one()
    assert planned.detail["to"] == ("SPA manager, Children's SPA and SPA manager, Children's SPA")
    # The lead's email lists what else is overdue in their service only, not the agency's.
    folder = Path(svc.settings.mail_outbox_dir)
    [mail] = [m for m in list_messages(folder) if m.to == "lead1@nhs.example"]
    body = message_text(read_message(folder, mail.name))
    assert "Health Contributor 2" not in body


def test_a_retired_service_escalates_to_the_agency_lead_again(
    session: Any, svc: Any, jobs: Any, travel: Any, two_requests: dict[str, AdviceRequest]
) -> None:
    service = fresh(session).scalars(select(Service)).one()
    retire_service(session, service, now=utcnow(), actor="test")
    session.commit()
    _run_days(svc, jobs, travel, date(2026, 4, 19), date(2026, 4, 20))
    [dco] = _lead_emails(session)
    assert dco.recipient == "dco@icb.example"
    assert sorted(dco.payload["request_ids"]) == sorted(str(r.id) for r in two_requests.values())


# --- Sign-off ----------------------------------------------------------------------------


def _mails(svc: Any, to: str) -> list[Any]:
    folder = Path(svc.settings.mail_outbox_dir)
    return [read_message(folder, m.name) for m in list_messages(folder) if m.to == to]


def _submit(client: FlaskClient, svc: Any, jobs: Any, to: str) -> None:
    jobs.run()
    (email,) = _mails(svc, to)
    form_url = open_link(client, links_in(email)[0]).headers["Location"]
    complete_every_section(client, form_url, text="Seen in clinic")
    response = sign_and_send(client, form_url, name="Dr Ellis Author", role="Paediatrician")
    assert response.status_code == 303
    jobs.run()


@pytest.mark.parametrize("retired", [False, True])
def test_advice_from_a_service_with_a_reviewer_is_signed_off_by_it_else_by_the_agencys(
    client: FlaskClient, session: Any, svc: Any, jobs: Any, retired: bool
) -> None:
    set_reviewer(
        session,
        agency="health",
        name="Dr Agency",
        email="agency.reviewer@icb.example",
        role="DCO",
        now=utcnow(),
        actor="test",
    )
    spa = _spa(session, leads=0, reviewer=True)
    [picked] = _agreed(
        session, contributor(Agency.HEALTH, 1, email="author@nhs.example", service_id=spa.id)
    )
    if retired:
        retire_service(session, spa, now=utcnow(), actor="test")
    session.commit()
    _submit(client, svc, jobs, "author@nhs.example")
    review = fresh(session).scalars(select(SignOffReview)).one()
    expected = "agency.reviewer@icb.example" if retired else "rae@nhs.example"
    assert review.reviewer_email == expected
    assert session.get(AdviceRequest, picked.id).status == RequestStatus.AWAITING_SIGN_OFF
    assert len(_mails(svc, expected)) == 1


def test_a_service_without_a_reviewer_leaves_sign_off_to_the_agency_or_none(
    client: FlaskClient, session: Any, svc: Any, jobs: Any
) -> None:
    spa = _spa(session, leads=1, reviewer=False)
    [picked] = _agreed(
        session, contributor(Agency.HEALTH, 1, email="author@nhs.example", service_id=spa.id)
    )
    session.commit()
    assert fresh(session).get_one(Contributor, picked.contributor_id).service_id == spa.id
    _submit(client, svc, jobs, "author@nhs.example")
    assert fresh(session).scalars(select(SignOffReview)).all() == []
    assert session.get(AdviceRequest, picked.id).status == RequestStatus.SUBMITTED
