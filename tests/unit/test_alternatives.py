"""Not known to our service, passed to a colleague, deadline cannot be met: the domain layer.

The tests that matter for the schema (constraints, NUL bytes, locking) run on both databases.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from advice_hub.deadlines import london_date
from advice_hub.models import (
    CLOSED_STATUSES,
    AdviceRequest,
    Agency,
    AuditEvent,
    Contributor,
    DeadlineReason,
    DeadlineReport,
    MessageKind,
    OutboxMessage,
    RequestStatus,
    utcnow,
)
from advice_hub.requests.alternatives import (
    AlternativeError,
    ClosedRequestError,
    decline_not_known,
    pass_on,
    report_deadline_cannot_be_met,
)
from advice_hub.requests.links import find_usable_token, issue_link_token
from tests.conftest import services
from tests.factories import fresh, make_assessment

NOW = utcnow()
TODAY = london_date(NOW)
ACTOR = "contributor:health.3@example.org"
LAWFUL = [r for r in DeadlineReason if r is not DeadlineReason.OTHER]


@pytest.fixture
def db(any_db_app: Flask) -> Iterator[Session]:
    """A session on the app's own database: SQLite, then PostgreSQL."""
    with services(any_db_app).session_factory() as session:
        yield session


def health_request(session: Session) -> AdviceRequest:
    assessment = make_assessment(session, agreed=True)
    # Picked before the commit, so that no read afterwards holds SQLite's lock (the app's
    # sessions take it on their first statement) while another session writes.
    advice_request = next(r for r in assessment.advice_requests if r.agency == Agency.HEALTH)
    session.commit()
    return advice_request


def actions(session: Session, advice_request: AdviceRequest) -> list[str]:
    return list(
        session.scalars(
            select(AuditEvent.action)
            .where(AuditEvent.advice_request_id == advice_request.id)
            .order_by(AuditEvent.id)
        )
    )


def hand_over(session: Session, advice_request: AdviceRequest, **overrides: Any) -> AdviceRequest:
    values: dict[str, Any] = {
        "colleague_name": "Priya Shah",
        "colleague_email": "priya.shah@nhs.example.org",
        "colleague_role": "Speech and language therapist",
        "note": "Priya saw Sam in clinic last month.",
        "now": NOW,
        "actor": ACTOR,
    }
    values.update(overrides)
    return pass_on(session, advice_request, **values)


# --- Not known to our service ------------------------------------------------------------


def test_declining_keeps_what_they_know_word_for_word_and_closes_the_request(db: Session) -> None:
    advice_request = health_request(db)
    words = "Referred in March, <b>not seen</b> yet.\nKnown to the CAMHS team \u2013 café hours  "
    decline_not_known(
        db,
        advice_request,
        what_we_know=words,
        name="Dr Chris Jones",
        role="Community paediatrician",
        now=NOW,
        actor=ACTOR,
    )
    db.commit()

    stored = fresh(db).get_one(AdviceRequest, advice_request.id)
    assert stored.status == RequestStatus.DECLINED
    assert stored.status in CLOSED_STATUSES  # so chasing stops for it
    assert stored.declined_what_they_know == words
    assert (stored.declined_by_name, stored.declined_by_role) == (
        "Dr Chris Jones",
        "Community paediatrician",
    )
    assert stored.declined_at == NOW
    assert actions(db, stored)[-1] == "request.declined"


def test_the_audit_log_says_a_request_was_declined_but_never_holds_their_words(
    db: Session,
) -> None:
    advice_request = health_request(db)
    decline_not_known(
        db, advice_request, what_we_know="Private detail", name="A", role="B", now=NOW, actor=ACTOR
    )
    db.commit()
    event = db.scalars(select(AuditEvent).where(AuditEvent.action == "request.declined")).one()
    assert event.actor == ACTOR
    assert "Private detail" not in str(event.detail)


def test_declining_without_saying_what_they_know_is_allowed(db: Session) -> None:
    advice_request = health_request(db)
    decline_not_known(db, advice_request, what_we_know="", name="A", role="B", now=NOW, actor=ACTOR)
    assert advice_request.status == RequestStatus.DECLINED
    assert advice_request.declined_what_they_know is None


def test_declining_needs_a_name_and_a_role(db: Session) -> None:
    advice_request = health_request(db)
    with pytest.raises(AlternativeError) as refused:
        decline_not_known(
            db, advice_request, what_we_know="", name="  ", role="B", now=NOW, actor=ACTOR
        )
    assert refused.value.field == "name"
    assert advice_request.status != RequestStatus.DECLINED


def test_a_nul_byte_is_refused_before_it_reaches_the_database(db: Session) -> None:
    advice_request = health_request(db)
    with pytest.raises(AlternativeError) as refused:
        decline_not_known(
            db,
            advice_request,
            what_we_know="Seen\x00 once",
            name="A",
            role="B",
            now=NOW,
            actor=ACTOR,
        )
    assert refused.value.field == "what_we_know"


# --- Passing on to a colleague -----------------------------------------------------------


def test_passing_on_asks_the_colleague_on_the_same_pinned_template(db: Session) -> None:
    advice_request = health_request(db)
    advice_request.template_version = 1  # pinned before version 2 was published
    db.commit()

    successor = hand_over(db, advice_request)
    db.commit()

    fresh(db)
    old = db.get_one(AdviceRequest, advice_request.id)
    new = db.get_one(AdviceRequest, successor.id)
    assert (new.template_key, new.template_version) == ("health", 1)
    assert new.assessment_id == old.assessment_id
    assert new.agency == old.agency == Agency.HEALTH
    assert new.status == RequestStatus.QUEUED
    assert new.received_at is None and new.due_on is None  # the clock starts on receipt
    colleague = new.contributor
    assert (colleague.name, colleague.email, colleague.role) == (
        "Priya Shah",
        "priya.shah@nhs.example.org",
        "Speech and language therapist",
    )
    assert colleague.organisation == old.contributor.organisation
    assert colleague.agency == Agency.HEALTH
    assert colleague.position == max(c.position for c in old.assessment.contributors)


def test_passing_on_queues_the_colleagues_email_through_the_outbox(db: Session) -> None:
    advice_request = health_request(db)
    successor = hand_over(db, advice_request)
    db.commit()
    queued = db.scalars(
        select(OutboxMessage).where(OutboxMessage.advice_request_id == successor.id)
    ).all()
    assert [(m.kind, m.sequence) for m in queued] == [(MessageKind.ADVICE_REQUEST, 1)]


def test_passing_on_records_both_directions(db: Session) -> None:
    advice_request = health_request(db)
    successor = hand_over(db, advice_request)
    db.commit()

    fresh(db)
    old = db.get_one(AdviceRequest, advice_request.id)
    new = db.get_one(AdviceRequest, successor.id)
    assert old.status == RequestStatus.PASSED_ON
    assert new.passed_on_from_id == old.id
    assert old.passed_on_to is not None and old.passed_on_to.id == new.id
    assert new.passed_on_note == "Priya saw Sam in clinic last month."
    assert actions(db, old)[-1] == "request.passed_on"
    assert actions(db, new) == ["request.received_from_colleague"]
    events = db.scalars(select(AuditEvent).where(AuditEvent.action.like("request.%"))).all()
    details = {e.action: e.detail for e in events}
    assert details["request.passed_on"]["to_request"] == str(new.id)
    assert details["request.received_from_colleague"]["from_request"] == str(old.id)


def test_passing_on_revokes_every_live_link_of_the_old_request(db: Session) -> None:
    advice_request = health_request(db)
    ttl = timedelta(days=30)
    raws = [issue_link_token(db, advice_request, now=NOW, ttl=ttl) for _ in range(2)]
    db.commit()

    hand_over(db, advice_request)
    db.commit()

    assert all(find_usable_token(fresh(db), raw, now=utcnow()) is None for raw in raws)


def test_a_colleague_can_be_in_another_organisation(db: Session) -> None:
    advice_request = health_request(db)
    successor = hand_over(db, advice_request, colleague_organisation="Children's Therapy Service")
    assert successor.contributor.organisation == "Children's Therapy Service"


@pytest.mark.parametrize("spelling", [str, lambda e: f" {e.upper()} "], ids=["same", "in capitals"])
def test_passing_on_to_your_own_email_address_is_refused(db: Session, spelling: Any) -> None:
    advice_request = health_request(db)
    own = advice_request.contributor.email
    contributors = db.scalar(select(func.count(Contributor.id)))
    with pytest.raises(AlternativeError) as refused:
        hand_over(db, advice_request, colleague_email=spelling(own))
    assert refused.value.field == "colleague_email"
    db.rollback()
    assert fresh(db).get_one(AdviceRequest, advice_request.id).status not in CLOSED_STATUSES
    assert db.scalar(select(func.count(Contributor.id))) == contributors


def test_a_request_is_passed_on_at_most_once(db: Session) -> None:
    advice_request = health_request(db)
    hand_over(db, advice_request)
    db.commit()
    with pytest.raises(ClosedRequestError):
        hand_over(db, advice_request, colleague_email="someone.else@nhs.example.org")


def test_the_database_refuses_two_requests_passed_on_from_the_same_one(db: Session) -> None:
    advice_request = health_request(db)
    successor = hand_over(db, advice_request)
    db.commit()
    db.add(
        AdviceRequest(
            assessment_id=successor.assessment_id,
            contributor_id=successor.contributor_id,
            agency=successor.agency,
            template_key=successor.template_key,
            template_version=successor.template_version,
            passed_on_from_id=advice_request.id,
        )
    )
    with pytest.raises(IntegrityError):
        db.commit()
    db.rollback()


# --- The deadline cannot be met ----------------------------------------------------------


@pytest.mark.parametrize("reason", LAWFUL, ids=str)
def test_each_reason_the_law_allows_is_recorded_as_an_exception(
    session: Session, reason: DeadlineReason
) -> None:
    advice_request = health_request(session)
    report = report_deadline_cannot_be_met(
        session,
        advice_request,
        reason=reason.value,
        details="The family is abroad until June.",
        expected_by=TODAY + timedelta(weeks=8),
        now=NOW,
        actor=ACTOR,
    )
    session.commit()
    stored = fresh(session).get_one(DeadlineReport, report.id)
    assert stored.reason == reason.value
    assert stored.is_lawful_exception is True


def test_another_reason_such_as_a_waiting_list_is_recorded_but_is_not_an_exception(
    db: Session,
) -> None:
    advice_request = health_request(db)
    report = report_deadline_cannot_be_met(
        db,
        advice_request,
        reason=DeadlineReason.OTHER,
        details="18-week waiting list for a SALT assessment",
        expected_by=None,
        now=NOW,
        actor=ACTOR,
    )
    db.commit()
    stored = fresh(db).get_one(DeadlineReport, report.id)
    assert stored.is_lawful_exception is False
    assert stored.details == "18-week waiting list for a SALT assessment"
    assert stored.expected_by is None
    assert stored.reported_by_contributor is True
    assert (stored.recorded_by, stored.recorded_by_name) == (ACTOR, "Health Contributor 3")
    assert stored.recorded_at == NOW


def test_a_deadline_report_leaves_the_request_open_for_advice(db: Session) -> None:
    advice_request = health_request(db)
    status = advice_request.status
    report_deadline_cannot_be_met(
        db,
        advice_request,
        reason="missed_appointment",
        details="Did not attend on 3 March",
        expected_by=TODAY,
        now=NOW,
        actor=ACTOR,
    )
    db.commit()
    stored = fresh(db).get_one(AdviceRequest, advice_request.id)
    assert stored.status == status
    assert stored.status not in CLOSED_STATUSES
    assert [r.reason for r in stored.deadline_reports] == ["missed_appointment"]
    assert actions(db, stored)[-1] == "deadline.reported"


def test_a_reason_outside_the_list_is_refused(db: Session) -> None:
    with pytest.raises(AlternativeError) as refused:
        report_deadline_cannot_be_met(
            db,
            health_request(db),
            reason="waiting_list",
            details="x",
            expected_by=None,
            now=NOW,
            actor=ACTOR,
        )
    assert refused.value.field == "reason"


def test_an_expected_date_in_the_past_is_refused(db: Session) -> None:
    with pytest.raises(AlternativeError) as refused:
        report_deadline_cannot_be_met(
            db,
            health_request(db),
            reason="other",
            details="x",
            expected_by=TODAY - timedelta(days=1),
            now=NOW,
            actor=ACTOR,
        )
    assert refused.value.field == "expected_by"


# --- Closed requests ---------------------------------------------------------------------


def decline(session: Session, advice_request: AdviceRequest) -> Any:
    return decline_not_known(
        session, advice_request, what_we_know="", name="A", role="B", now=NOW, actor=ACTOR
    )


def report_late(session: Session, advice_request: AdviceRequest) -> Any:
    return report_deadline_cannot_be_met(
        session,
        advice_request,
        reason="other",
        details="Waiting list",
        expected_by=None,
        now=NOW,
        actor=ACTOR,
    )


@pytest.mark.parametrize("status", sorted(CLOSED_STATUSES))
@pytest.mark.parametrize("act", [decline, hand_over, report_late], ids=lambda f: f.__name__)
def test_a_closed_request_cannot_be_declined_passed_on_or_reported_late(
    session: Session, status: RequestStatus, act: Any
) -> None:
    advice_request = health_request(session)
    advice_request.status = status
    session.commit()
    events = session.scalar(select(func.count(AuditEvent.id)))

    with pytest.raises(ClosedRequestError) as refused:
        act(session, advice_request)
    assert refused.value.status == status
    session.rollback()

    assert fresh(session).get_one(AdviceRequest, advice_request.id).status == status
    assert session.scalar(select(func.count(AuditEvent.id))) == events
    assert session.scalar(select(func.count(DeadlineReport.id))) == 0
    assert session.scalar(select(func.count(AdviceRequest.id))) == 4


def test_a_decline_read_from_a_stale_copy_still_sees_the_request_was_closed(
    db: Session, any_db_app: Flask
) -> None:
    advice_request = health_request(db)
    with services(any_db_app).session_factory() as other:
        hand_over(other, other.get_one(AdviceRequest, advice_request.id))
        other.commit()
    # `advice_request` was loaded before the other session passed it on.
    assert advice_request.status != RequestStatus.PASSED_ON
    with pytest.raises(ClosedRequestError):
        decline(db, advice_request)


def test_the_deadline_reasons_are_the_three_in_regulation_8_2_and_other() -> None:
    assert {r.value for r in LAWFUL} == {
        "exceptional_circumstances",
        "absent_from_area",
        "missed_appointment",
    }
    assert not DeadlineReason.OTHER.is_lawful_exception
