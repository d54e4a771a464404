"""The plan milestones, recorded as they happen: each after the one before, dated today or
earlier, audited, and the last of them closing the assessment."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from advice_hub.assessments.checks import AssessmentClosedError, OfficerActionError
from advice_hub.assessments.confirmations import Confirmation, WarningsToConfirm
from advice_hub.assessments.plan_milestones import (
    record_draft_plan_sent,
    record_final_plan_issued,
    record_plan_decision,
)
from advice_hub.assessments.recording import agree_assessment
from advice_hub.deadlines import london_date
from advice_hub.models import (
    Assessment,
    AssessmentStatus,
    AuditEvent,
    Chase,
    ClosureReason,
    PlanDecision,
    utcnow,
)
from tests.factories import make_assessment

NOW = utcnow()
TODAY = london_date(NOW)
ACTOR = "user:1"


def _agreed(session: Session, *, weeks_ago: int) -> Assessment:
    """An assessment requested ``weeks_ago`` and agreed two weeks after the request."""
    requested_on = TODAY - timedelta(weeks=weeks_ago)
    assessment = make_assessment(session, requested_on=requested_on)
    agree_assessment(
        session, assessment, decided_on=requested_on + timedelta(weeks=2), now=NOW, actor=ACTOR
    )
    return assessment


def _events(session: Session, action: str) -> list[AuditEvent]:
    return list(
        session.scalars(
            select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id)
        )
    )


def test_the_milestones_are_recorded_in_order_and_the_final_plan_closes_the_assessment(
    session: Session,
) -> None:
    assessment = _agreed(session, weeks_ago=15)
    record_plan_decision(
        session,
        assessment,
        decision="issue",
        decided_on=TODAY - timedelta(days=30),
        now=NOW,
        actor=ACTOR,
    )
    record_draft_plan_sent(
        session, assessment, sent_on=TODAY - timedelta(days=20), now=NOW, actor=ACTOR
    )
    record_final_plan_issued(session, assessment, issued_on=TODAY, now=NOW, actor=ACTOR)
    assert (
        assessment.plan_decision,
        assessment.plan_decided_on,
        assessment.draft_plan_sent_on,
        assessment.final_plan_issued_on,
    ) == (PlanDecision.ISSUE, TODAY - timedelta(days=30), TODAY - timedelta(days=20), TODAY)
    assert (assessment.status, assessment.closed_reason) == (
        AssessmentStatus.CLOSED,
        ClosureReason.PLAN_ISSUED,
    )
    (issued,) = _events(session, "assessment.final_plan_issued")
    assert issued.detail["issued_on"] == TODAY.isoformat()
    assert issued.assessment_id == assessment.id
    assert _events(session, "assessment.closed")[0].detail["reason"] == "plan_issued"
    with pytest.raises(AssessmentClosedError):
        record_draft_plan_sent(session, assessment, sent_on=TODAY, now=NOW, actor=ACTOR)


def test_a_decision_not_to_issue_closes_the_assessment_and_stops_chasing(
    session: Session,
) -> None:
    assessment = make_assessment(session, agreed=True)
    record_plan_decision(
        session,
        assessment,
        decision=PlanDecision.NOT_ISSUE,
        decided_on=TODAY,
        now=NOW,
        actor=ACTOR,
    )
    assert (assessment.status, assessment.closed_reason) == (
        AssessmentStatus.CLOSED,
        ClosureReason.NOT_ISSUING,
    )
    assert assessment.final_plan_issued_on is None
    pending = session.scalars(select(Chase).where(Chase.cancelled_at.is_(None))).all()
    assert pending == []


@pytest.mark.parametrize(
    ("step", "message"),
    [
        ("draft", "decision to issue a plan first"),
        ("final", "draft plan sent first"),
    ],
)
def test_a_milestone_before_the_one_it_follows_is_refused(
    session: Session, step: str, message: str
) -> None:
    assessment = make_assessment(session, agreed=True)
    with pytest.raises(OfficerActionError, match=message):
        if step == "draft":
            record_draft_plan_sent(session, assessment, sent_on=TODAY, now=NOW, actor=ACTOR)
        else:
            record_final_plan_issued(session, assessment, issued_on=TODAY, now=NOW, actor=ACTOR)
    assert assessment.status == AssessmentStatus.AGREED


def test_before_the_decision_to_assess_nothing_is_recorded(session: Session) -> None:
    assessment = make_assessment(session)  # requested, not yet agreed
    with pytest.raises(OfficerActionError, match="decision to assess first"):
        record_plan_decision(
            session, assessment, decision="issue", decided_on=TODAY, now=NOW, actor=ACTOR
        )


def test_dates_in_the_future_or_before_the_milestone_before_are_refused(
    session: Session,
) -> None:
    assessment = make_assessment(session, agreed=True)  # decided today
    for day, message in (
        (TODAY + timedelta(days=1), "today or in the past"),
        (TODAY - timedelta(days=1), "cannot be before the decision to assess"),
        (None, "Enter the date of the decision"),
    ):
        with pytest.raises(OfficerActionError, match=message) as refused:
            record_plan_decision(
                session, assessment, decision="issue", decided_on=day, now=NOW, actor=ACTOR
            )
        assert refused.value.field == "on"
    with pytest.raises(OfficerActionError) as unknown:
        record_plan_decision(
            session, assessment, decision="maybe", decided_on=TODAY, now=NOW, actor=ACTOR
        )
    assert unknown.value.field == "decision"
    assert assessment.plan_decision is None


def test_a_decision_may_be_corrected_until_the_draft_is_sent_and_the_audit_keeps_both(
    session: Session,
) -> None:
    assessment = _agreed(session, weeks_ago=4)
    record_plan_decision(
        session,
        assessment,
        decision="issue",
        decided_on=TODAY - timedelta(days=2),
        now=NOW,
        actor=ACTOR,
    )
    record_plan_decision(
        session,
        assessment,
        decision="issue",
        decided_on=TODAY - timedelta(days=3),
        now=NOW,
        actor=ACTOR,
    )
    corrected = _events(session, "assessment.plan_decision_recorded")[-1]
    assert corrected.detail["previous_decided_on"] == (TODAY - timedelta(days=2)).isoformat()
    record_draft_plan_sent(session, assessment, sent_on=TODAY, now=NOW, actor=ACTOR)
    with pytest.raises(OfficerActionError, match="already sent"):
        record_plan_decision(
            session, assessment, decision="not_issue", decided_on=TODAY, now=NOW, actor=ACTOR
        )


def test_a_final_plan_inside_the_comments_period_needs_a_reason(session: Session) -> None:
    assessment = _agreed(session, weeks_ago=18)
    record_plan_decision(
        session,
        assessment,
        decision="issue",
        decided_on=TODAY - timedelta(days=20),
        now=NOW,
        actor=ACTOR,
    )
    record_draft_plan_sent(
        session, assessment, sent_on=TODAY - timedelta(days=5), now=NOW, actor=ACTOR
    )
    with pytest.raises(WarningsToConfirm, match="before the 15 days for comments"):
        record_final_plan_issued(session, assessment, issued_on=TODAY, now=NOW, actor=ACTOR)
    assert assessment.status == AssessmentStatus.AGREED
    record_final_plan_issued(
        session,
        assessment,
        issued_on=TODAY,
        now=NOW,
        actor=ACTOR,
        confirmation=Confirmation(
            kinds=frozenset({"final_before_comments"}), reason="The parent agreed the draft"
        ),
    )
    (issued,) = _events(session, "assessment.final_plan_issued")
    assert issued.detail["warning_reason"] == "The parent agreed the draft"
    assert assessment.status == AssessmentStatus.CLOSED
