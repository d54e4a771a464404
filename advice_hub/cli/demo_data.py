"""Demo data for the embedded default: staff to sign in as and one assessment to agree, and
what ``serve`` prints about them once the service is up."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from advice_hub.accounts.teams import add_member, create_team, team_named
from advice_hub.assessments.recording import ChildDetails, ContributorDetails, create_assessment
from advice_hub.config import Settings
from advice_hub.deadlines import london_date
from advice_hub.directory.services import (
    LeadDetails,
    ServiceDetails,
    add_lead,
    add_service,
    service_named,
)
from advice_hub.models import Agency, AgencyLead, Assessment, AssessmentStatus, User, utcnow

DEMO_TEAMS = ("North casework team", "South casework team")
# Email, name, role, teams (by index in DEMO_TEAMS), and the agency an agency lead speaks for:
# one of each role, so that development sign-in shows what each may see.
DEMO_USERS: tuple[tuple[str, str, str, tuple[int, ...], str | None], ...] = (
    ("olu.adeyemi@demo-council.example", "Olu Adeyemi", "case_officer", (0,), None),
    ("casey.morgan@demo-council.example", "Casey Morgan", "case_officer", (1,), None),
    ("mandy.price@demo-council.example", "Mandy Price", "manager", (0, 1), None),
    ("dana.okafor@demo-icb.example", "Dana Okafor", "agency_lead", (), Agency.HEALTH.value),
    ("ari.shah@demo-council.example", "Ari Shah", "auditor", (), None),
    ("kim.lee@demo-council.example", "Kim Lee", "admin", (), None),
)


DEMO_LEADS = (
    (Agency.HEALTH, "Dr Dana Okafor", "dco@icb.example.org", "designated clinical officer (DCO)"),
    (
        Agency.SOCIAL_CARE,
        "Sam Reid",
        "dsco@council.example.org",
        "designated social care officer (DSCO)",
    ),
    (
        Agency.EDUCATIONAL_PSYCHOLOGY,
        "Dr Ruth Evans",
        "principal.ep@council.example.org",
        "principal educational psychologist",
    ),
)


# The contributor directory: a school, a health single point of access and a children's
# disability team, each with a lead (the SPA with two, and a reviewer of its own).
DEMO_SERVICES = (
    (
        ServiceDetails(
            Agency.EDUCATION.value,
            "Oak Tree Primary School",
            "Oak Tree Primary School",
            "Sam Senco",
            "SENCO",
            "senco@school.example.org",
        ),
        (LeadDetails("Pat Head", "head@school.example.org", "head teacher"),),
    ),
    (
        ServiceDetails(
            Agency.HEALTH.value,
            "Children's Single Point of Access",
            "Northshire Community Health NHS Trust",
            "SPA duty clinician",
            "Single point of access",
            "spa@nhs.example.org",
            "Dr Rae Review",
            "rae.review@nhs.example.org",
            "Lead paediatrician",
        ),
        (
            LeadDetails("Lee Grant", "lee.grant@nhs.example.org", "SPA service manager"),
            LeadDetails("Dr Dana Okafor", "dco@icb.example.org", "designated clinical officer"),
        ),
    ),
    (
        ServiceDetails(
            Agency.SOCIAL_CARE.value,
            "Children with Disabilities Team",
            "Demo Council Children's Services",
            "Duty social worker",
            "Social worker",
            "cwd.team@council.example.org",
        ),
        (LeadDetails("Ola Bell", "ola.bell@council.example.org", "team manager"),),
    ),
)


def seed_demo_data(session: Session) -> list[str]:
    """Add whatever demo data is missing; running it twice adds nothing. Returns what it did."""
    done = []
    now = utcnow()
    teams = []
    for team_name in DEMO_TEAMS:
        team = team_named(session, team_name)
        if team is None:
            team = create_team(session, team_name, now=now, actor="seed")
            done.append(f"added {team_name}")
        teams.append(team)
    users = {}
    for email, name, role, in_teams, agency in DEMO_USERS:
        user = session.scalar(select(User).where(User.email == email))
        if user is None:
            user = User(email=email, name=name, role=role, roles=[role], agency=agency)
            session.add(user)
            session.flush()
            done.append(f"added user {name} ({role.replace('_', ' ')})")
            for index in in_teams:
                add_member(session, teams[index], user, now=now, actor="seed")
        users[email] = user
    manager = users[DEMO_USERS[2][0]]
    for email, _, role, _, _ in DEMO_USERS:
        if role == "case_officer" and users[email].manager is None:
            users[email].manager = manager
            done.append(f"{users[email].name}'s escalations go to {manager.name}")
    for agency, name, email, title in DEMO_LEADS:
        if session.scalar(select(AgencyLead).where(AgencyLead.agency == agency.value)) is None:
            session.add(AgencyLead(agency=agency.value, name=name, email=email, title=title))
            done.append(f"added {title} for {agency.label.lower()}")
    for details, leads in DEMO_SERVICES:
        if service_named(session, details.agency, details.name) is None:
            service = add_service(session, details, now=now, actor="seed")
            for lead in leads:
                add_lead(session, service, lead, now=now, actor="seed")
            done.append(f"added {details.name} to the directory")
    if session.scalar(select(Assessment.id).limit(1)) is None:
        assessment = create_assessment(
            session,
            child=ChildDetails(
                given_names="Jamie",
                family_name="Example",
                date_of_birth=date(2015, 9, 14),
                year_group=5,
            ),
            # Its decision whether to assess falls due within two weeks, so the demo case
            # officer's work queue (My work) has something on it from the start.
            requested_on=london_date(now) - timedelta(days=32),
            contributors=[
                ContributorDetails(
                    Agency.PARENT_CARER,
                    "Alex Example",
                    "alex.parent@example.org",
                    "Family",
                    "Parent",
                ),
                ContributorDetails(
                    Agency.EDUCATION,
                    "Sam Senco",
                    "senco@school.example.org",
                    "Oak Tree Primary School",
                    "SENCO",
                ),
                ContributorDetails(
                    Agency.EDUCATIONAL_PSYCHOLOGY,
                    "Dr Priya Patel",
                    "priya.patel@ep.example.org",
                    "Educational Psychology Service",
                    "Educational psychologist",
                ),
                ContributorDetails(
                    Agency.HEALTH,
                    "Dr Chris Jones",
                    "chris.jones@nhs.example.org",
                    "Community Paediatrics",
                    "Community paediatrician",
                ),
                ContributorDetails(
                    Agency.SOCIAL_CARE,
                    "Jo Walker",
                    "jo.walker@council.example.org",
                    "Children with Disabilities Team",
                    "Social worker",
                ),
            ],
            now=now,
            actor="seed",
            team=teams[0],
            case_officer=users[DEMO_USERS[0][0]],
        )
        done.append(f"added demo assessment {assessment.reference}")
    return done


def sign_in_hint(session: Session, settings: Settings, address: str) -> list[str]:
    """How to sign in to the service at `address` and what to look at first, as lines."""
    sign_in = f"{address}/sign-in"
    if not settings.dev_sign_in:
        return [f"Staff sign in with their council account at {sign_in}"]
    officer = session.scalar(select(User).where(User.email == DEMO_USERS[0][0]))
    if officer is None:
        return [f"No demo users yet: run `advice-hub seed`, then sign in at {sign_in}"]
    lines = [f"Sign in at {sign_in}: choose {officer.name} (case officer) and press Sign in."]
    assessment = session.scalar(
        select(Assessment)
        .where(Assessment.case_officer_id == officer.id)
        .order_by(Assessment.created_at)
        .limit(1)
    )
    if assessment is not None and assessment.status == AssessmentStatus.REQUESTED:
        lines.append(
            f"Open assessment {assessment.reference} and record the decision to assess: "
            "its requests for advice are then emailed."
        )
    elif assessment is not None:
        lines.append(f"Open assessment {assessment.reference} to follow its requests for advice.")
    if not settings.production and settings.mail_backend == "file":
        lines.append(
            f"Emails sent are listed at {address}/dev/mail (files in {settings.mail_outbox_dir})."
        )
    return lines
