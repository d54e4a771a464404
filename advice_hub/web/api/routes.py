"""The API's endpoints: record an assessment, record the decision to assess, read its status
and its sealed advice, and the OpenAPI document. Each parses with pydantic, calls the domain
inside ``committing`` (which rolls back whatever a refusal or a failure left) and answers."""

from __future__ import annotations

import json
import uuid
from typing import NoReturn

from flask import Response, current_app, request, url_for
from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload
from werkzeug.exceptions import HTTPException, MethodNotAllowed, NotFound

from advice_hub.accounts.api_keys import within_reach
from advice_hub.accounts.teams import team_named
from advice_hub.assessments.checks import OfficerActionError
from advice_hub.assessments.confirmations import Confirmation, WarningsToConfirm
from advice_hub.assessments.guard_rails import WarningKind
from advice_hub.assessments.ownership import officer_with_email
from advice_hub.assessments.recording import (
    ChildDetails,
    ContributorDetails,
    agree_assessment,
    create_assessment,
)
from advice_hub.models import (
    AdviceRequest,
    Agency,
    Assessment,
    AssessmentStatus,
    PlanDecision,
    RequestStatus,
    SealedAdvice,
    Team,
    User,
    utcnow,
)
from advice_hub.sealing.ledger import GENESIS
from advice_hub.transactions import committing
from advice_hub.web.api.blueprint import bp
from advice_hub.web.api.openapi import openapi_document
from advice_hub.web.api.protocol import (
    JSON,
    ApiError,
    api_actor,
    api_key,
    json_response,
    not_found,
    parse_body,
)
from advice_hub.web.api.schemas import (
    AddendumOut,
    AdviceRequestOut,
    AgreeAssessment,
    AssessmentAgreed,
    AssessmentCreated,
    AssessmentStatusOut,
    CreateAssessment,
    FieldError,
    MilestonesOut,
    SealedAdviceOut,
)
from advice_hub.web.audited import record_read
from advice_hub.web.db_session import db

# --- Endpoints --------------------------------------------------------------------------


@bp.post("/assessments")
def create() -> Response:
    """Record a request for assessment and the people to be asked for advice, for the key's
    team and (when named) its case officer."""
    body = parse_body(CreateAssessment)
    child = body.child
    with committing(db()) as session:
        team, officer = _owners(session, body)
        assessment = create_assessment(
            session,
            child=ChildDetails(
                given_names=child.given_names,
                family_name=child.family_name,
                date_of_birth=child.date_of_birth,
                year_group=child.year_group,
            ),
            requested_on=body.requested_on,
            contributors=[
                ContributorDetails(
                    agency=c.agency,
                    name=c.name,
                    email=c.email,
                    organisation=c.organisation,
                    role=c.role,
                    service_id=c.service_id,
                )
                for c in body.contributors
            ],
            now=utcnow(),
            actor=api_actor(),
            team=team,
            case_officer=officer,
        )
    return json_response(
        AssessmentCreated(id=assessment.id, reference=assessment.reference),
        201,
        {"Location": url_for(".assessment_status", assessment_id=assessment.id)},
    )


@bp.post("/assessments/<uuid:assessment_id>/agree")
def agree(assessment_id: uuid.UUID) -> Response:
    """Record the decision to assess; the advice requests are emailed after the commit."""
    # Parsed before the row is locked, so a slow client never holds the lock.
    body = parse_body(AgreeAssessment)
    with committing(db()) as session:
        assessment = locked_assessment(session, assessment_id)
        try:
            agree_assessment(
                session,
                assessment,
                decided_on=body.decided_on,
                now=utcnow(),
                actor=api_actor(),
                confirmation=_late_reason(body),
            )
        except WarningsToConfirm as exc:  # the officer's page asks; a council system says why
            message = f"{exc.warnings[0].message}. Send the reason in late_reason to record it"
            raise ApiError(
                422,
                "validation_failed",
                message,
                fields=[FieldError(field="late_reason", message=message)],
            ) from exc
    return json_response(
        AssessmentAgreed(
            id=assessment.id,
            reference=assessment.reference,
            status=AssessmentStatus(assessment.status),
        ),
        202,
        {"Location": url_for(".assessment_status", assessment_id=assessment.id)},
    )


@bp.get("/assessments/<uuid:assessment_id>")
def assessment_status(assessment_id: uuid.UUID) -> Response:
    """An assessment and where each of its advice requests has got to."""
    assessment = _load_assessment(db(), assessment_id)
    requests = sorted(assessment.advice_requests, key=lambda r: r.contributor.position)
    return json_response(
        AssessmentStatusOut(
            id=assessment.id,
            reference=assessment.reference,
            status=AssessmentStatus(assessment.status),
            requested_on=assessment.requested_on,
            decided_on=assessment.decided_on,
            team=assessment.team.name,
            case_officer_email=(
                assessment.case_officer.email if assessment.case_officer is not None else None
            ),
            milestones=milestones_out(assessment),
            advice_requests=[_request_out(r) for r in requests],
        )
    )


@bp.get("/advice-requests/<uuid:advice_request_id>/advice")
def sealed_advice(advice_request_id: uuid.UUID) -> Response:
    """The sealed advice exactly as submitted, and its addenda; every read is in the audit log."""
    session = db()
    # Another team's request is answered as a missing one, sealed or not, and its read is
    # not recorded: nothing was read.
    advice_request = session.scalar(
        select(AdviceRequest)
        .join(Assessment, Assessment.id == AdviceRequest.assessment_id)
        .where(AdviceRequest.id == advice_request_id, within_reach(api_key()))
        .options(selectinload(AdviceRequest.sealed))
    )
    if advice_request is None:
        not_found("advice request")
    sealed = advice_request.sealed
    if sealed is None:
        raise ApiError(
            404,
            "not_sealed",
            "This advice has not been submitted yet "
            f"(the request's status is {advice_request.status!s})",
        )
    record_read(
        actor=api_actor(),
        action="advice.viewed",
        advice_request=advice_request,
        content_sha256=sealed.content_sha256,
    )
    return json_response(
        SealedAdviceOut(
            advice_request_id=advice_request.id,
            agency=Agency(advice_request.agency),
            canonical=sealed.canonical,
            content_sha256=sealed.content_sha256,
            previous_seal_sha256=sealed.previous_seal_sha256,
            seal_sha256=sealed.seal_sha256,
            sealed_at=sealed.sealed_at,
            addenda=[_addendum_out(addendum) for addendum in sealed.addenda],
        )
    )


def _addendum_out(addendum: SealedAdvice) -> AddendumOut:
    return AddendumOut(
        canonical=addendum.canonical,
        content_sha256=addendum.content_sha256,
        # Never empty: the advice comes before its addenda in the chain. Were it so, the
        # genesis value is what the seal was computed from, so the published rule still holds.
        previous_seal_sha256=addendum.previous_seal_sha256 or GENESIS,
        seal_sha256=addendum.seal_sha256,
        sealed_at=addendum.sealed_at,
    )


@bp.get("/openapi.json")
def openapi() -> Response:
    """The OpenAPI 3.1 description of this API (no key needed)."""
    return current_app.response_class(json.dumps(openapi_document()), mimetype=JSON)


ANY_METHOD = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE"]


@bp.route("/", defaults={"path": ""}, methods=ANY_METHOD)
@bp.route("/<path:path>", methods=ANY_METHOD)
def unmatched(path: str) -> NoReturn:
    """Unknown URLs and methods under /api/v1.

    Flask never runs a blueprint's error handlers for routing failures (no rule matched, so
    no blueprint is known), which would leave these to the app's HTML pages. Werkzeug tries
    this rule last, after every real one, so it only sees what nothing else accepted.
    """
    allowed = _methods_of_other_rules()
    if allowed:
        raise MethodNotAllowed(valid_methods=allowed)
    raise NotFound("There is nothing at this URL; see /api/v1/openapi.json")


def _methods_of_other_rules() -> list[str]:
    adapter = current_app.create_url_adapter(request)
    allowed: set[str] = set()
    if adapter is None:
        return []
    for method in ANY_METHOD:
        try:
            rule, _ = adapter.match(method=method, return_rule=True)
        except HTTPException:
            continue
        if rule.endpoint != request.endpoint:
            allowed.update(rule.methods or ())
    return sorted(allowed)


# --- Helpers ----------------------------------------------------------------------------


def _late_reason(body: AgreeAssessment) -> Confirmation | None:
    if body.late_reason is None:
        return None
    return Confirmation(kinds=frozenset({WarningKind.LATE_DECISION}), reason=body.late_reason)


def _owners(session: Session, body: CreateAssessment) -> tuple[Team, User | None]:
    """The team (the key's, which ``team`` may only confirm) and the named case officer,
    or a 422 naming each input at fault."""
    team = api_key().team
    problems: list[FieldError] = []
    if body.team is not None:
        named = team_named(session, body.team)
        if named is None:
            message = f"There is no team called {body.team}"
            problems.append(FieldError(field="team", message=message))
        elif named.id != team.id:
            problems.append(
                FieldError(
                    field="team",
                    message=f"This API key can only record assessments for {team.name}",
                )
            )
    officer = None
    if body.case_officer_email is not None and not problems:
        try:
            officer = officer_with_email(
                session, team, body.case_officer_email, field="case_officer_email"
            )
        except OfficerActionError as exc:
            problems.append(FieldError(field=exc.field or "case_officer_email", message=str(exc)))
    if problems:
        raise ApiError(422, "validation_failed", problems[0].message, fields=problems)
    return team, officer


def locked_assessment(session: Session, assessment_id: uuid.UUID) -> Assessment:
    """The key's team's assessment, locked until the commit, so that two concurrent calls
    cannot both see the same state and act twice (on SQLite the transaction's BEGIN IMMEDIATE
    already serialises writers). Another team's is not even locked: it is answered as a
    missing one."""
    assessment = session.scalar(
        select(Assessment)
        .where(Assessment.id == assessment_id, within_reach(api_key()))
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    if assessment is None:
        not_found("assessment")
    return assessment


def _load_assessment(session: Session, assessment_id: uuid.UUID) -> Assessment:
    requests = selectinload(Assessment.advice_requests)
    assessment = session.scalar(
        select(Assessment)
        .where(Assessment.id == assessment_id, within_reach(api_key()))
        .options(
            selectinload(Assessment.team),
            selectinload(Assessment.case_officer),
            requests.selectinload(AdviceRequest.sealed),
            requests.selectinload(AdviceRequest.contributor),
        )
    )
    if assessment is None:
        not_found("assessment")
    return assessment


def milestones_out(assessment: Assessment) -> MilestonesOut:
    return MilestonesOut(
        decision_due_on=assessment.decision_due_on,
        decided_on=assessment.decided_on,
        draft_due_on=assessment.draft_due_on,
        plan_decision=PlanDecision(assessment.plan_decision) if assessment.plan_decision else None,
        plan_decided_on=assessment.plan_decided_on,
        draft_plan_sent_on=assessment.draft_plan_sent_on,
        final_due_on=assessment.final_due_on,
        final_plan_issued_on=assessment.final_plan_issued_on,
    )


def _request_out(advice_request: AdviceRequest) -> AdviceRequestOut:
    sealed = advice_request.sealed
    return AdviceRequestOut(
        id=advice_request.id,
        agency=Agency(advice_request.agency),
        status=RequestStatus(advice_request.status),
        due_on=advice_request.due_on,
        sent_at=advice_request.received_at,
        submitted_at=advice_request.submitted_at,
        content_sha256=sealed.content_sha256 if sealed is not None else None,
        seal_sha256=sealed.seal_sha256 if sealed is not None else None,
    )
