"""The one declared authorization policy: every endpoint of the app, who may reach it and how.

Each endpoint has an entry; building the app refuses to start when one has none
(``check_every_endpoint_listed``), and ``tests/web/test_authorization_matrix.py`` walks the whole
URL map against this table for every role and for no session.

Staff pages are enforced here, before the view runs (``authorize_staff_request``): no session
goes to sign-in; a role the entry does not name, or a record the role does not reach, gets the
same 403 page, whether or not the record exists, so that nobody learns what another team
holds. Contributors' pages are reached by their emailed link (``web.contributor.access``), the
API by a key holding the entry's scope (``web.api.protocol``).
"""

from __future__ import annotations

import enum
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from flask import Flask, render_template, request
from sqlalchemy import select

from advice_hub.accounts.access import (
    Reach,
    Role,
    admitted,
    may_reach_assessment,
    may_reach_request,
    roles_of,
)
from advice_hub.models import AdviceRequest, Assessment, User
from advice_hub.web.db_session import db


class Gate(enum.Enum):
    PUBLIC = "anyone"
    CONTRIBUTOR_LINK = "a contributor's emailed link"
    API_KEY = "an API key with the scope named"
    STAFF = "a signed-in member of staff with a role named"
    DEVELOPMENT = "anyone, in the embedded default only (never registered in production)"


@dataclass(frozen=True)
class Access:
    gate: Gate
    # STAFF: the roles admitted, and how far each reaches the assessment or request the URL
    # names (None: the page names no record).
    grants: Mapping[Role, Reach | None] = field(default_factory=dict)
    # API_KEY: the scope the key must hold.
    scope: str | None = None


def staff(grants: Mapping[Role, Reach | None]) -> Access:
    return Access(Gate.STAFF, grants=dict(grants))


def api(scope: str | None) -> Access:
    return Access(Gate.API_KEY, scope=scope)


PUBLIC = Access(Gate.PUBLIC)
LINK = Access(Gate.CONTRIBUTOR_LINK)
DEVELOPMENT = Access(Gate.DEVELOPMENT)

# Case officers work their team's assessments; managers all their teams'.
CASEWORK: dict[Role, Reach | None] = {Role.CASE_OFFICER: Reach.TEAM, Role.MANAGER: Reach.TEAM}
# Sealed advice and appendices: casework, and auditors across the council.
ADVICE = CASEWORK | {Role.AUDITOR: Reach.ANY}
# One agency's sealed advice: agency leads too, for their own agency's requests.
AGENCY_ADVICE = ADVICE | {Role.AGENCY_LEAD: Reach.AGENCY}
# Timeliness: managers their teams', agency leads their agency's advice, auditors everyone's.
REPORTS: dict[Role, Reach | None] = {
    Role.MANAGER: Reach.TEAM,
    Role.AGENCY_LEAD: Reach.AGENCY,
    Role.AUDITOR: Reach.ANY,
}
ANY_STAFF: dict[Role, Reach | None] = dict.fromkeys(Role)
ADMINISTRATION: dict[Role, Reach | None] = {Role.ADMIN: None}

POLICY: dict[str, Access] = {
    # Signing in and out, and what anyone may check.
    "staff.sign_in": PUBLIC,
    "staff.sign_in_start": PUBLIC,
    "staff.sign_in_callback": PUBLIC,
    "staff.sign_out": PUBLIC,
    "public.healthz": PUBLIC,
    "public.verify": PUBLIC,
    "static": PUBLIC,
    "dev.mail": DEVELOPMENT,
    "dev.message": DEVELOPMENT,
    # Staff: where each role starts, and pages with no personal data.
    "staff.home": staff(ANY_STAFF),
    "staff.templates": staff(ANY_STAFF),
    "staff.template_preview": staff(ANY_STAFF),
    # Staff: casework. My work shows the person's own cases (and their teams' unassigned).
    "staff.my_work": staff(CASEWORK),
    "staff.deadline_report_dealt_with": staff(CASEWORK),
    "staff.assessments": staff(CASEWORK | {Role.AUDITOR: Reach.ANY}),
    "staff.new_assessment": staff(dict.fromkeys(CASEWORK)),
    "staff.assessment": staff(CASEWORK),
    "staff.assign": staff(CASEWORK),
    "staff.agree": staff(CASEWORK),
    "staff.timeline_csv": staff(CASEWORK),
    "staff.new_contributor": staff(CASEWORK),
    "staff.reuse": staff(CASEWORK),
    "staff.assessment_exception": staff(CASEWORK),
    "staff.end_assessment_exception": staff(CASEWORK),
    "staff.close": staff(CASEWORK),
    "staff.plan_decision": staff(CASEWORK),
    "staff.draft_plan": staff(CASEWORK),
    "staff.final_plan": staff(CASEWORK),
    "staff.chase": staff(CASEWORK),
    "staff.extend": staff(CASEWORK),
    "staff.request_exception": staff(CASEWORK),
    "staff.end_exception": staff(CASEWORK),
    "staff.withdraw": staff(CASEWORK),
    "staff.request_addendum": staff(CASEWORK),
    # Staff: sealed advice, every view audited.
    "staff.appendix": staff(ADVICE),
    "staff.appendix_pdf": staff(ADVICE),
    "staff.sealed_advice": staff(AGENCY_ADVICE),
    "staff.sealed_file": staff(AGENCY_ADVICE),
    "staff.agency_requests": staff({Role.AGENCY_LEAD: Reach.AGENCY}),
    # Staff: timeliness, in figures that name no child (advice_hub.reports.scopes says whose).
    "staff.timeliness": staff(REPORTS),
    "staff.timeliness_csv": staff(REPORTS),
    # Administration: teams, users, leads, reviewers and API keys; never a child or advice.
    "admin.home": staff(ADMINISTRATION),
    "admin.teams": staff(ADMINISTRATION),
    "admin.new_team": staff(ADMINISTRATION),
    "admin.team": staff(ADMINISTRATION),
    "admin.remove_member": staff(ADMINISTRATION),
    "admin.users": staff(ADMINISTRATION),
    "admin.user": staff(ADMINISTRATION),
    "admin.deactivate_user": staff(ADMINISTRATION),
    "admin.reactivate_user": staff(ADMINISTRATION),
    "admin.agency_leads": staff(ADMINISTRATION),
    "admin.agency_lead": staff(ADMINISTRATION),
    "admin.remove_agency_lead": staff(ADMINISTRATION),
    "admin.sign_off_reviewers": staff(ADMINISTRATION),
    "admin.sign_off_reviewer": staff(ADMINISTRATION),
    "admin.remove_sign_off_reviewer": staff(ADMINISTRATION),
    "admin.directory": staff(ADMINISTRATION),
    "admin.new_service": staff(ADMINISTRATION),
    "admin.service": staff(ADMINISTRATION),
    "admin.retire_service": staff(ADMINISTRATION),
    "admin.reinstate_service": staff(ADMINISTRATION),
    "admin.new_service_lead": staff(ADMINISTRATION),
    "admin.remove_service_lead": staff(ADMINISTRATION),
    "admin.import_services": staff(ADMINISTRATION),
    "admin.directory_template": staff(ADMINISTRATION),
    "admin.api_keys": staff(ADMINISTRATION),
    "admin.new_api_key": staff(ADMINISTRATION),
    "admin.revoke_api_key": staff(ADMINISTRATION),
    # Contributors, by their emailed link.
    "contributor.link_start": LINK,
    "contributor.link_redeem": LINK,
    "contributor.form": LINK,
    "contributor.section": LINK,
    "contributor.item_step": LINK,
    "contributor.check": LINK,
    "contributor.declaration": LINK,
    "contributor.submitted": LINK,
    "contributor.keep_alive": LINK,
    "contributor.attachments": LINK,
    "contributor.awaiting_sign_off": LINK,
    "contributor.closed": LINK,
    "contributor.deadline": LINK,
    "contributor.deadline_reported": LINK,
    "contributor.not_known": LINK,
    "contributor.pass_on": LINK,
    "contributor.passed_on": LINK,
    "contributor.add_addendum": LINK,
    "contributor.addendum_sealed": LINK,
    "contributor.review": LINK,
    "contributor.review_file": LINK,
    # Council systems.
    "api.openapi": PUBLIC,
    "api.unmatched": api(None),
    "api.create": api("assessments:write"),
    "api.agree": api("assessments:write"),
    "api.record_milestone": api("assessments:write"),
    "api.assessment_status": api("assessments:read"),
    # The lists show statuses and dates, never advice: what a status read shows, many at once.
    "api.list_assessments": api("assessments:read"),
    "api.list_advice_requests": api("assessments:read"),
    "api.sealed_advice": api("advice:read"),
    "api.timeliness_feed": api("reports:read"),
}

# The administration pages, for the navigation item that leads to them.
ADMINISTRATION_PAGES = frozenset(e for e in POLICY if e.startswith("admin."))


def access_for(endpoint: str | None) -> Access | None:
    return POLICY.get(endpoint or "")


def check_every_endpoint_listed(app: Flask) -> None:
    """Refuse to build an app with an endpoint the policy does not name: it would be open to
    whoever found it, or closed to everyone without anyone deciding so."""
    unlisted = sorted({rule.endpoint for rule in app.url_map.iter_rules()} - POLICY.keys())
    if unlisted:
        raise RuntimeError(
            "These endpoints have no entry in advice_hub.web.authorization.POLICY: "
            + ", ".join(unlisted)
        )


# --- Staff pages --------------------------------------------------------------------------


class Refusal(enum.Enum):
    ROLE = "role"  # the person's roles do not include one the page admits
    RECORD = "record"  # the page's assessment or request is not one the person reaches


def staff_refusal(user: User, access: Access, view_args: Mapping[str, Any]) -> Refusal | None:
    """Why this signed-in user may not open this staff page, or None if they may."""
    grants = admitted(user, access.grants)
    if not grants:
        return Refusal.ROLE
    reaches = {reach for reach in grants.values() if reach is not None}
    if not reaches:
        return None  # the page names no record
    assessment_id = view_args.get("assessment_id")
    request_id = view_args.get("request_id")
    if not isinstance(assessment_id, uuid.UUID):
        return None
    session = db()
    if isinstance(request_id, uuid.UUID):
        found = session.execute(
            select(AdviceRequest, Assessment.team_id)
            .join(Assessment, Assessment.id == AdviceRequest.assessment_id)
            .where(AdviceRequest.id == request_id, AdviceRequest.assessment_id == assessment_id)
        ).first()
        if found is None:
            # Who reaches everything may learn that nothing is there (the view answers 404).
            return None if Reach.ANY in reaches else Refusal.RECORD
        advice_request, team_id = found
        reached = may_reach_request(session, user, grants, advice_request, team_id)
        return None if reached else Refusal.RECORD
    assessment = session.get(Assessment, assessment_id)
    if assessment is None:
        return None if Reach.ANY in reaches else Refusal.RECORD
    return None if may_reach_assessment(session, user, grants, assessment) else Refusal.RECORD


def forbidden_page(user: User, refusal: Refusal, access: Access) -> tuple[str, int]:
    """The 403 page: what the person can do about it, and nothing about the record itself."""
    admits = sorted((role for role in access.grants), key=list(Role).index)
    return (
        render_template(
            "staff/errors/forbidden.html",
            page_title="You cannot open this page",
            refusal=refusal.value,
            admitted_roles=[f"{role.label.lower()}s" for role in admits],
            held_roles=[
                role.label.lower() for role in sorted(roles_of(user), key=list(Role).index)
            ],
            is_assessment="assessment_id" in (request.view_args or {}),
        ),
        403,
    )
