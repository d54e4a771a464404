"""The law's guard-rails warn and do not block: what each warns about, and that an officer's
own act that gives one goes ahead only with the reason, which the audit log keeps."""

from __future__ import annotations

import uuid
from datetime import date, timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from advice_hub.assessments.assessment_actions import (
    ExistingAdvice,
    record_assessment_exception,
    record_reuse,
)
from advice_hub.assessments.confirmations import (
    Confirmation,
    WarningsToConfirm,
    confirmations_of,
)
from advice_hub.assessments.guard_rails import WarningKind, warnings_for
from advice_hub.assessments.recording import agree_assessment
from advice_hub.assessments.request_actions import (
    extend_deadline,
    record_request_exception,
    withdraw_request,
)
from advice_hub.assessments.timeline import describe
from advice_hub.deadlines import assessment_milestones, london_date
from advice_hub.models import (
    AdviceRequest,
    Agency,
    Assessment,
    AssessmentStatus,
    AuditEvent,
    DeadlineExtension,
    RequestStatus,
    utcnow,
)
from tests.factories import FOUR_AGENCIES, make_assessment, mark_sent, request_for

NOW = utcnow()
TODAY = london_date(NOW)
WITH_PARENT = (Agency.PARENT_CARER, *FOUR_AGENCIES)
LATE = frozenset({WarningKind.LATE_DECISION.value})
PAST_FINAL = frozenset({WarningKind.ADVICE_AFTER_FINAL_PLAN.value})


def kinds(session: Session, assessment: Assessment) -> list[tuple[str, uuid.UUID | None]]:
    session.flush()
    return [
        (w.kind.value, w.advice_request_id)
        for w in warnings_for(session, [assessment])[assessment.id]
    ]


def running(
    session: Session, *, requested_days_ago: int = 20, received_days_ago: int = 10
) -> Assessment:
    """An agreed assessment, with the parent asked, whose requests' emails were received
    `received_days_ago` days ago."""
    assessment = make_assessment(
        session,
        agencies=WITH_PARENT,
        requested_on=TODAY - timedelta(days=requested_days_ago),
    )
    agree_assessment(
        session,
        assessment,
        decided_on=TODAY,
        now=NOW,
        actor="test",
        confirmation=Confirmation(LATE, "Set up late"),
    )
    at = NOW - timedelta(days=received_days_ago)
    mark_sent(assessment, at)
    session.commit()
    return assessment


def health(assessment: Assessment) -> AdviceRequest:
    return request_for(assessment, Agency.HEALTH)


def final_due(assessment: Assessment) -> date:
    return assessment_milestones(assessment.requested_on).final_due


# --- The parent or young person (reg 6(1)(a)) ---------------------------------------------


def test_an_assessment_that_asks_no_parent_or_young_person_is_warned(session: Session) -> None:
    without = make_assessment(session, agencies=FOUR_AGENCIES)
    assert kinds(session, without) == [(WarningKind.PARENT_NOT_ASKED.value, None)]
    for agency in (Agency.PARENT_CARER, Agency.YOUNG_PERSON):
        asked = make_assessment(session, agencies=(agency, Agency.EDUCATION))
        assert kinds(session, asked) == []


def test_withdrawing_the_parents_request_warns_and_reusing_their_advice_does_not(
    session: Session,
) -> None:
    assessment = make_assessment(session, agreed=True, agencies=WITH_PARENT)
    session.commit()
    parent = next(r for r in assessment.advice_requests if r.agency == Agency.PARENT_CARER)
    withdraw_request(session, parent, reason="Sent to the wrong address", now=NOW, actor="test")
    assert kinds(session, assessment) == [(WarningKind.PARENT_NOT_ASKED.value, None)]
    record_reuse(
        session,
        assessment,
        advice=ExistingAdvice(
            agency=Agency.PARENT_CARER,
            description="Parents' views given in March",
            author_name="Jo Taylor-Brown",
            advice_dated=TODAY - timedelta(days=30),
            author_agreed_on=TODAY,
            la_agreed_on=TODAY,
            family_agreed_on=TODAY,
            family_agreed_by="Jo Taylor-Brown (mother)",
        ),
        now=NOW,
        actor="test",
        actor_name="Olu",
    )
    assert kinds(session, assessment) == []


# --- A decision after 6 weeks (reg 5(1)) ---------------------------------------------------


def test_a_late_decision_is_recorded_only_with_its_reason_which_the_audit_log_keeps(
    session: Session,
) -> None:
    assessment = make_assessment(
        session, agencies=WITH_PARENT, requested_on=TODAY - timedelta(weeks=6, days=1)
    )
    session.commit()
    with pytest.raises(WarningsToConfirm) as asked:
        agree_assessment(session, assessment, decided_on=TODAY, now=NOW, actor="user:1")
    (warning,) = asked.value.warnings
    assert warning.kind is WarningKind.LATE_DECISION
    assert "after its 6-week limit" in warning.message
    assert assessment.status == AssessmentStatus.REQUESTED and assessment.advice_requests == []
    with pytest.raises(WarningsToConfirm) as asked:
        agree_assessment(
            session,
            assessment,
            decided_on=TODAY,
            now=NOW,
            actor="user:1",
            confirmation=Confirmation(LATE, "   "),
        )
    assert asked.value.reason_missing
    requests = agree_assessment(
        session,
        assessment,
        decided_on=TODAY,
        now=NOW,
        actor="user:1",
        confirmation=Confirmation(LATE, "The panel met late after the summer closure"),
    )
    session.commit()
    assert len(requests) == 5
    agreed = session.scalar(select(AuditEvent).where(AuditEvent.action == "assessment.agreed"))
    assert agreed.detail["warnings"] == ["late_decision"]
    assert agreed.detail["warning_reason"] == "The panel met late after the summer closure"
    assert kinds(session, assessment) == [(WarningKind.LATE_DECISION.value, None)]
    confirmed = confirmations_of(session, assessment)[("late_decision", None)]
    assert confirmed.reason == "The panel met late after the summer closure"
    assert describe(agreed, "the assessment").endswith(
        "despite a warning. Reason given: The panel met late after the summer closure"
    )


def test_a_decision_on_the_last_day_of_6_weeks_gives_no_warning(session: Session) -> None:
    assessment = make_assessment(
        session, agencies=WITH_PARENT, requested_on=TODAY - timedelta(weeks=6)
    )
    agree_assessment(session, assessment, decided_on=TODAY, now=NOW, actor="test")
    assert kinds(session, assessment) == []


def test_an_assessment_exception_moves_the_decision_limit_and_its_warning(
    session: Session,
) -> None:
    requested_on = TODAY - timedelta(weeks=8)
    assessment = make_assessment(session, agencies=WITH_PARENT, requested_on=requested_on)
    record_assessment_exception(
        session,
        assessment,
        reason="setting_closed",
        details="School closed for rebuilding",
        starts_on=requested_on + timedelta(days=1),
        ends_on=requested_on + timedelta(days=28),
        now=NOW,
        actor="test",
        actor_name="Olu",
    )
    agree_assessment(session, assessment, decided_on=TODAY, now=NOW, actor="test")
    assert kinds(session, assessment) == []


# --- Advice due after the final plan (reg 13(2)) -------------------------------------------


def test_an_extension_past_the_final_plan_goes_ahead_only_with_its_reason(
    session: Session,
) -> None:
    assessment = running(session)
    advice_request = health(assessment)
    past_final = final_due(assessment) + timedelta(days=3)

    def extend(confirmation: Confirmation | None = None) -> DeadlineExtension:
        return extend_deadline(
            session,
            advice_request,
            new_due_on=past_final,
            reason="Clinic closed",
            now=NOW,
            actor="user:1",
            actor_name="Olu",
            confirmation=confirmation,
        )

    with pytest.raises(WarningsToConfirm) as asked:
        extend()
    (warning,) = asked.value.warnings
    assert warning.kind is WarningKind.ADVICE_AFTER_FINAL_PLAN
    assert warning.advice_request_id == advice_request.id
    assert "after the final plan is due" in warning.message
    session.rollback()
    assert advice_request.extended_due_on is None
    with pytest.raises(WarningsToConfirm):  # a confirmation of another warning is not this one
        extend(Confirmation(LATE, "Agreed with the DCO"))
    session.rollback()
    extend(Confirmation(PAST_FINAL, "Agreed with the DCO: the only paediatrician is away"))
    session.commit()
    event = session.scalar(select(AuditEvent).where(AuditEvent.action == "request.extended"))
    assert event.detail["warnings"] == ["advice_after_final_plan"]
    assert event.detail["warning_reason"] == "Agreed with the DCO: the only paediatrician is away"
    # Past the final plan, and so past the draft: one warning, the one confirmed.
    assert kinds(session, assessment) == [("advice_after_final_plan", advice_request.id)]
    confirmed = confirmations_of(session, assessment)[
        ("advice_after_final_plan", advice_request.id)
    ]
    assert confirmed.reason.startswith("Agreed with the DCO")


def test_an_extension_up_to_the_final_plan_gives_no_final_plan_warning(session: Session) -> None:
    assessment = running(session)
    extend_deadline(
        session,
        health(assessment),
        new_due_on=final_due(assessment),
        reason="Clinic closed",
        now=NOW,
        actor="test",
        actor_name="Olu",
    )
    assert WarningKind.ADVICE_AFTER_FINAL_PLAN.value not in [
        k for k, _ in kinds(session, assessment)
    ]


def test_an_exception_moving_advice_past_the_final_plan_needs_its_reason(
    session: Session,
) -> None:
    assessment = running(session)
    advice_request = health(assessment)
    arguments = {
        "reason": "exceptional_circumstances",
        "details": "Family bereavement",
        "starts_on": TODAY,
        "new_due_on": final_due(assessment) + timedelta(days=1),
        "now": NOW,
        "actor": "test",
        "actor_name": "Olu",
    }
    with pytest.raises(WarningsToConfirm):
        record_request_exception(session, advice_request, **arguments)
    session.rollback()
    exception = record_request_exception(
        session,
        advice_request,
        **arguments,
        confirmation=Confirmation(PAST_FINAL, "The family asked for time"),
    )
    assert exception.new_due_on == arguments["new_due_on"]


# --- Advice due after the draft plan (week 16) ---------------------------------------------


def test_advice_still_awaited_after_the_draft_plan_date_is_warned_until_it_arrives(
    session: Session,
) -> None:
    # Requested 100 days ago: the draft is due in 12 days, the health advice in 32.
    assessment = running(session, requested_days_ago=100)
    advice_request = health(assessment)
    after_draft = [
        request_id
        for kind, request_id in kinds(session, assessment)
        if kind == WarningKind.ADVICE_AFTER_DRAFT_PLAN.value
    ]
    assert set(after_draft) == {r.id for r in assessment.advice_requests}
    advice_request.status = RequestStatus.SUBMITTED
    assert ("advice_after_draft_plan", advice_request.id) not in kinds(session, assessment)
