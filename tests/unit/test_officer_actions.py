"""What a case officer does beyond sending requests: the domain layer, on SQLite."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from advice_hub.assessments.assessment_actions import (
    ExistingAdvice,
    add_contributor,
    close_assessment,
    end_assessment_exception,
    record_assessment_exception,
    record_reuse,
)
from advice_hub.assessments.checks import AssessmentClosedError, RequestClosedError
from advice_hub.assessments.recording import ContributorDetails
from advice_hub.assessments.request_actions import (
    OfficerActionError,
    end_request_exception,
    extend_deadline,
    record_request_exception,
    withdraw_request,
)
from advice_hub.chasing import default_policy
from advice_hub.chasing.control import ChaseError, chase_now
from advice_hub.chasing.state import is_paused
from advice_hub.chasing.sweep import sweep_chases
from advice_hub.deadlines import adjusted_milestones, advice_due_on, london_date
from advice_hub.jobs.clock import tick
from advice_hub.jobs.delivery import Outcome, deliver_outbox_message
from advice_hub.models import (
    AdviceRequest,
    AdviceReuse,
    Agency,
    Assessment,
    AssessmentException,
    AssessmentStatus,
    AuditEvent,
    Chase,
    DeadlineExtension,
    DeadlineReason,
    MessageKind,
    OutboxMessage,
    RequestException,
    RequestStatus,
    utcnow,
)
from advice_hub.requests.links import find_usable_token, issue_link_token
from forms import latest_version
from notifications.mailbox import list_messages
from tests.factories import fresh, make_assessment

NOW = utcnow()
TODAY = london_date(NOW)
ACTOR = "user:1"
NAME = "Olu Officer"
WORDS = "Private words <b>nobody</b> logs"
LAWFUL = [reason for reason in DeadlineReason if reason.is_lawful_exception]


def agreed(session: Session) -> Assessment:
    assessment = make_assessment(session, agreed=True)
    session.commit()
    return assessment


def received(advice_request: AdviceRequest, days_ago: int = 10) -> AdviceRequest:
    """As if the request's email was received `days_ago` days ago: its clock is running."""
    at = NOW - timedelta(days=days_ago)
    advice_request.created_at = at
    advice_request.received_at = at
    advice_request.due_on = advice_due_on(at)
    advice_request.status = RequestStatus.SENT
    return advice_request


def health(assessment: Assessment) -> AdviceRequest:
    return next(r for r in assessment.advice_requests if r.agency == Agency.HEALTH)


def running_health_request(session: Session, days_ago: int = 10) -> AdviceRequest:
    advice_request = received(health(agreed(session)), days_ago)
    session.commit()
    return advice_request


def actions(session: Session) -> list[str]:
    return list(session.scalars(select(AuditEvent.action).order_by(AuditEvent.id)))


def extend(session: Session, advice_request: AdviceRequest, **overrides: Any) -> Any:
    due = advice_request.effective_due_on
    values: dict[str, Any] = {
        "new_due_on": due + timedelta(weeks=2) if due else None,
        "reason": "The EP is off sick for two weeks",
        "now": NOW,
        "actor": ACTOR,
        "actor_name": NAME,
    }
    return extend_deadline(session, advice_request, **(values | overrides))


def except_(session: Session, advice_request: AdviceRequest, **overrides: Any) -> Any:
    values: dict[str, Any] = {
        "reason": DeadlineReason.MISSED_APPOINTMENT,
        "details": "Missed the clinic on Tuesday; rebooked for the 20th",
        "starts_on": TODAY,
        "now": NOW,
        "actor": ACTOR,
        "actor_name": NAME,
    }
    return record_request_exception(session, advice_request, **(values | overrides))


EXISTING = ExistingAdvice(
    agency=Agency.EDUCATIONAL_PSYCHOLOGY,
    description="EP report of 3 March, held on the child's file",
    author_name="Dr Amal Reid",
    advice_dated=TODAY - timedelta(days=60),
    author_agreed_on=TODAY - timedelta(days=3),
    la_agreed_on=TODAY - timedelta(days=2),
    family_agreed_on=TODAY - timedelta(days=1),
    family_agreed_by="Jo Taylor-Brown (mother)",
)


def reuse(session: Session, assessment: Assessment, **overrides: Any) -> AdviceReuse:
    values: dict[str, Any] = {"now": NOW, "actor": ACTOR, "actor_name": NAME}
    return record_reuse(
        session, assessment, advice=overrides.pop("advice", EXISTING), **(values | overrides)
    )


# --- Extending a deadline ------------------------------------------------------------------


def test_an_extension_moves_the_due_date_and_keeps_the_statutory_one(session: Session) -> None:
    advice_request = running_health_request(session)
    statutory = advice_request.due_on
    extension = extend(session, advice_request, new_due_on=statutory + timedelta(days=10))
    session.commit()
    stored = fresh(session).get_one(AdviceRequest, advice_request.id)
    assert stored.due_on == statutory
    assert stored.effective_due_on == statutory + timedelta(days=10)
    row = session.get_one(DeadlineExtension, extension.id)
    assert (row.previous_due_on, row.new_due_on) == (statutory, statutory + timedelta(days=10))
    assert (row.reason, row.recorded_by, row.recorded_by_name) == (
        "The EP is off sick for two weeks",
        ACTOR,
        NAME,
    )
    assert actions(session)[-1] == "request.extended"


def test_a_second_extension_counts_from_the_extended_date(session: Session) -> None:
    advice_request = running_health_request(session)
    first = extend(session, advice_request)
    second = extend(session, advice_request, new_due_on=first.new_due_on + timedelta(days=1))
    assert second.previous_due_on == first.new_due_on


@pytest.mark.parametrize(
    ("days_after_due", "message"),
    [(0, "must be after the current one"), (-3, "must be after"), (400, "within a year")],
)
def test_an_extension_must_be_later_than_the_current_due_date_and_within_a_year(
    session: Session, days_after_due: int, message: str
) -> None:
    advice_request = running_health_request(session)
    with pytest.raises(OfficerActionError, match=message) as refused:
        extend(
            session,
            advice_request,
            new_due_on=advice_request.due_on + timedelta(days=days_after_due),
        )
    assert refused.value.field == "new_due_on"
    assert advice_request.extended_due_on is None


def test_an_extension_needs_a_reason(session: Session) -> None:
    advice_request = running_health_request(session)
    with pytest.raises(OfficerActionError) as refused:
        extend(session, advice_request, reason="   ")
    assert refused.value.field == "reason"


def test_a_request_not_yet_received_has_no_deadline_to_extend(session: Session) -> None:
    advice_request = health(agreed(session))
    with pytest.raises(OfficerActionError, match="not been received") as refused:
        extend(session, advice_request, new_due_on=TODAY + timedelta(weeks=8))
    assert refused.value.field is None


def test_an_extension_cancels_a_chase_planned_for_the_old_date(session: Session) -> None:
    advice_request = running_health_request(session)
    chase = chase_now(session, advice_request, now=NOW, actor=ACTOR)
    extend(session, advice_request)
    assert chase.cancelled_at == NOW
    assert chase.outbox_message is not None and chase.outbox_message.cancelled_at == NOW


def test_a_submitted_request_cannot_be_extended(session: Session) -> None:
    advice_request = running_health_request(session)
    advice_request.status = RequestStatus.SUBMITTED
    session.commit()
    with pytest.raises(RequestClosedError, match="submitted"):
        extend(session, advice_request)


# --- Reg 8(2) exceptions on one request ----------------------------------------------------


def test_a_waiting_list_can_never_be_recorded_as_an_exception(session: Session) -> None:
    advice_request = running_health_request(session)
    with pytest.raises(OfficerActionError, match="waiting list") as refused:
        except_(
            session,
            advice_request,
            reason=DeadlineReason.OTHER,
            details="18-week waiting list for the clinic",
        )
    assert refused.value.field == "reason"
    session.rollback()
    assert session.scalars(select(RequestException)).all() == []


def test_an_unknown_reason_is_refused(session: Session) -> None:
    advice_request = running_health_request(session)
    with pytest.raises(OfficerActionError) as refused:
        except_(session, advice_request, reason="waiting_list")
    assert refused.value.field == "reason"


@pytest.mark.parametrize("reason", LAWFUL)
def test_each_lawful_exception_pauses_chasing_while_it_holds(
    session: Session, reason: DeadlineReason
) -> None:
    advice_request = running_health_request(session)
    except_(session, advice_request, reason=reason)
    session.commit()
    assert is_paused(session, advice_request, now=NOW)


def test_an_exception_can_move_the_due_date(session: Session) -> None:
    advice_request = running_health_request(session)
    new_due_on = advice_request.due_on + timedelta(weeks=3)
    exception = except_(session, advice_request, new_due_on=new_due_on)
    assert exception.new_due_on == new_due_on
    assert advice_request.effective_due_on == new_due_on
    assert advice_request.due_on == advice_due_on(advice_request.received_at)


def test_recording_an_exception_cancels_the_chase_already_planned(session: Session) -> None:
    advice_request = running_health_request(session)
    chase = chase_now(session, advice_request, now=NOW, actor=ACTOR)
    except_(session, advice_request)
    assert chase.cancelled_at == NOW


def test_away_from_the_area_for_less_than_four_weeks_is_not_an_exception(
    session: Session,
) -> None:
    advice_request = running_health_request(session)
    with pytest.raises(OfficerActionError, match="4 weeks or more") as refused:
        except_(
            session,
            advice_request,
            reason=DeadlineReason.ABSENT_FROM_AREA,
            ends_on=TODAY + timedelta(days=26),  # 27 days, counting both ends
        )
    assert refused.value.field == "ends_on"
    except_(
        session,
        advice_request,
        reason=DeadlineReason.ABSENT_FROM_AREA,
        ends_on=TODAY + timedelta(days=27),
    )


def test_an_exception_cannot_start_before_the_request_was_sent(session: Session) -> None:
    advice_request = running_health_request(session)
    with pytest.raises(OfficerActionError) as refused:
        except_(session, advice_request, starts_on=TODAY - timedelta(days=30))
    assert refused.value.field == "starts_on"


def test_a_second_exception_waits_for_the_first_to_end(session: Session) -> None:
    advice_request = running_health_request(session)
    except_(session, advice_request)
    with pytest.raises(OfficerActionError, match="still holds"):
        except_(session, advice_request, reason=DeadlineReason.EXCEPTIONAL_CIRCUMSTANCES)


def test_ending_an_exception_resumes_chasing_the_next_day(session: Session) -> None:
    advice_request = running_health_request(session)
    exception = except_(session, advice_request, starts_on=TODAY - timedelta(days=5))
    end_request_exception(
        session, exception, ends_on=TODAY - timedelta(days=1), now=NOW, actor=ACTOR
    )
    session.commit()
    assert not is_paused(session, advice_request, now=NOW)
    assert actions(session)[-2:] == ["request.exception_recorded", "request.exception_ended"]


def test_an_exception_cannot_end_before_it_started_or_end_twice(session: Session) -> None:
    advice_request = running_health_request(session)
    exception = except_(session, advice_request)
    with pytest.raises(OfficerActionError, match="before it started") as refused:
        end_request_exception(
            session, exception, ends_on=TODAY - timedelta(days=1), now=NOW, actor=ACTOR
        )
    assert refused.value.field == "ends_on"
    end_request_exception(session, exception, ends_on=TODAY, now=NOW, actor=ACTOR)
    with pytest.raises(OfficerActionError, match="already ended"):
        end_request_exception(session, exception, ends_on=TODAY, now=NOW, actor=ACTOR)


# --- Withdrawing a request -----------------------------------------------------------------


def test_withdrawing_closes_the_request_and_revokes_its_links(session: Session) -> None:
    advice_request = running_health_request(session)
    raw = issue_link_token(session, advice_request, now=NOW, ttl=timedelta(days=10))
    withdraw_request(session, advice_request, reason="Duplicate request", now=NOW, actor=ACTOR)
    session.commit()
    stored = fresh(session).get_one(AdviceRequest, advice_request.id)
    assert stored.status == RequestStatus.WITHDRAWN
    assert (stored.withdrawn_at, stored.withdrawn_reason) == (NOW, "Duplicate request")
    assert find_usable_token(session, raw, now=NOW) is None
    event = session.scalars(select(AuditEvent).where(AuditEvent.action == "request.withdrawn"))
    assert event.one().detail["links_revoked"] == 1


def test_withdrawing_needs_a_reason_and_happens_once(session: Session) -> None:
    advice_request = running_health_request(session)
    with pytest.raises(OfficerActionError) as refused:
        withdraw_request(session, advice_request, reason="", now=NOW, actor=ACTOR)
    assert refused.value.field == "reason"
    withdraw_request(session, advice_request, reason="Not needed", now=NOW, actor=ACTOR)
    with pytest.raises(RequestClosedError, match="withdrawn"):
        withdraw_request(session, advice_request, reason="Again", now=NOW, actor=ACTOR)


def test_a_request_withdrawn_before_its_email_went_is_never_emailed(
    session: Session, svc: Any, request: pytest.FixtureRequest
) -> None:
    assessment = agreed(session)  # committed: the four emails are with the broker
    withdraw_request(session, health(assessment), reason="Wrong clinic", now=NOW, actor=ACTOR)
    session.commit()
    request.getfixturevalue("jobs").run()  # the worker starts only now
    recipients = [m.to for m in list_messages(Path(svc.settings.mail_outbox_dir))]
    assert len(recipients) == 3
    assert health(assessment).contributor.email not in recipients


def test_a_withdrawn_request_gets_no_more_email(
    session: Session, svc: Any, request: pytest.FixtureRequest
) -> None:
    advice_request = running_health_request(session, days_ago=50)  # overdue: chases are due
    chase = chase_now(session, advice_request, now=NOW, actor=ACTOR)
    session.commit()
    outbox_id = chase.outbox_message_id
    withdraw_request(session, advice_request, reason="Moved to another trust", now=NOW, actor=ACTOR)
    session.commit()
    assert fresh(session).get_one(Chase, chase.id).cancelled_at == NOW
    assert outbox_id is not None
    assert deliver_outbox_message(svc.session_factory, svc.mail, svc.settings, outbox_id) is (
        Outcome.NOTHING_TO_DO
    )
    for days in (0, 1, 7, 14):
        tick(svc, now=NOW + timedelta(days=days))
    request.getfixturevalue("jobs").run()  # started after the writes, so none of them waits
    sent_to_health = [
        m
        for m in list_messages(Path(svc.settings.mail_outbox_dir))
        if m.to == advice_request.contributor.email
    ]
    assert sent_to_health == []
    with pytest.raises(ChaseError):
        chase_now(session, advice_request, now=NOW + timedelta(days=1), actor=ACTOR)


# --- Adding a contributor ------------------------------------------------------------------

SALT = ContributorDetails(
    agency=Agency.OTHER,
    name="Kim Private-Therapist",
    email="Kim@Therapy.Example.org",
    organisation="Independent SALT",
    role="Speech and language therapist",
)


def test_an_added_contributor_is_asked_on_the_latest_template_with_the_email_queued(
    session: Session,
) -> None:
    assessment = agreed(session)
    advice_request = add_contributor(
        session, assessment, details=SALT, parent_requested=False, now=NOW, actor=ACTOR
    )
    session.commit()
    stored = fresh(session).get_one(AdviceRequest, advice_request.id)
    assert (stored.template_key, stored.template_version) == ("other", latest_version("other"))
    assert stored.status == RequestStatus.QUEUED and stored.due_on is None
    assert stored.contributor.email == "Kim@therapy.example.org"  # the domain part normalised
    assert stored.contributor.position == 5
    queued = session.scalars(
        select(OutboxMessage).where(OutboxMessage.advice_request_id == stored.id)
    ).all()
    assert [(m.kind, m.sequence) for m in queued] == [(MessageKind.ADVICE_REQUEST, 1)]


@pytest.mark.parametrize("parent_requested", [True, False])
def test_whether_the_parent_asked_for_a_contributor_is_recorded(
    session: Session, parent_requested: bool
) -> None:
    assessment = agreed(session)
    add_contributor(
        session, assessment, details=SALT, parent_requested=parent_requested, now=NOW, actor=ACTOR
    )
    session.commit()
    event = session.scalars(select(AuditEvent).where(AuditEvent.action == "contributor.added"))
    assert event.one().detail == {"agency": "other", "parent_requested": parent_requested}


def test_the_same_person_is_not_asked_twice_for_the_same_advice(session: Session) -> None:
    assessment = agreed(session)
    existing = health(assessment).contributor
    twin = replace(SALT, agency=Agency.HEALTH, email=existing.email.upper())
    with pytest.raises(OfficerActionError, match="already asked") as refused:
        add_contributor(
            session, assessment, details=twin, parent_requested=False, now=NOW, actor=ACTOR
        )
    assert refused.value.field == "email"


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"email": "not-an-address"}, "email"),
        ({"name": " "}, "name"),
        ({"agency": "astrology"}, "agency"),
        ({"role": "x" * 201}, "role"),
    ],
)
def test_bad_contributor_details_name_the_field(
    session: Session, change: dict[str, str], field: str
) -> None:
    assessment = agreed(session)
    with pytest.raises(OfficerActionError) as refused:
        add_contributor(
            session,
            assessment,
            details=replace(SALT, **change),
            parent_requested=False,
            now=NOW,
            actor=ACTOR,
        )
    assert refused.value.field == field


def test_a_contributor_is_added_only_after_the_decision_to_assess(session: Session) -> None:
    assessment = make_assessment(session)
    with pytest.raises(OfficerActionError, match="decision to assess"):
        add_contributor(
            session, assessment, details=SALT, parent_requested=True, now=NOW, actor=ACTOR
        )


# --- Reusing existing advice (reg 6(4)) ----------------------------------------------------


@pytest.mark.parametrize("missing", ["author_agreed_on", "la_agreed_on", "family_agreed_on"])
def test_reuse_needs_all_three_agreements(session: Session, missing: str) -> None:
    assessment = agreed(session)
    with pytest.raises(OfficerActionError, match="agreed the advice is sufficient") as refused:
        reuse(session, assessment, advice=replace(EXISTING, **{missing: None}))
    assert refused.value.field == missing
    session.rollback()
    assert session.scalars(select(AdviceReuse)).all() == []


def test_reuse_names_the_parent_or_young_person_who_agreed(session: Session) -> None:
    assessment = agreed(session)
    with pytest.raises(OfficerActionError) as refused:
        reuse(session, assessment, advice=replace(EXISTING, family_agreed_by=""))
    assert refused.value.field == "family_agreed_by"


def test_an_agreement_cannot_come_before_the_advice_or_after_today(session: Session) -> None:
    assessment = agreed(session)
    early = replace(EXISTING, la_agreed_on=EXISTING.advice_dated - timedelta(days=1))
    with pytest.raises(OfficerActionError, match="on or after the date of the advice") as refused:
        reuse(session, assessment, advice=early)
    assert refused.value.field == "la_agreed_on"
    late = replace(EXISTING, author_agreed_on=TODAY + timedelta(days=1))
    with pytest.raises(OfficerActionError, match="today or in the past") as refused:
        reuse(session, assessment, advice=late)
    assert refused.value.field == "author_agreed_on"


def test_reuse_withdraws_the_request_it_replaces(session: Session) -> None:
    assessment = agreed(session)
    ep = next(r for r in assessment.advice_requests if r.agency == Agency.EDUCATIONAL_PSYCHOLOGY)
    record = reuse(session, assessment, replaced_request=ep)
    session.commit()
    assert record.replaced_request_id == ep.id
    assert fresh(session).get_one(AdviceRequest, ep.id).status == RequestStatus.WITHDRAWN
    assert actions(session)[-2:] == ["request.withdrawn", "reuse.recorded"]


def test_reuse_cannot_replace_another_agencys_request(session: Session) -> None:
    assessment = agreed(session)
    with pytest.raises(OfficerActionError) as refused:
        reuse(session, assessment, replaced_request=health(assessment))
    assert refused.value.field == "replaced_request"
    assert health(assessment).status != RequestStatus.WITHDRAWN


# --- Reg 10(4)/13(3) exceptions on the assessment ------------------------------------------


def assessment_exception(session: Session, assessment: Assessment, **overrides: Any) -> Any:
    values: dict[str, Any] = {
        "reason": "family_circumstances",
        "details": "Bereavement in the family",
        "starts_on": assessment.requested_on + timedelta(days=3),
        "ends_on": assessment.requested_on + timedelta(days=16),
        "now": NOW,
        "actor": ACTOR,
        "actor_name": NAME,
    }
    return record_assessment_exception(session, assessment, **(values | overrides))


def test_an_assessment_exception_moves_the_milestones_but_no_request_deadline(
    session: Session,
) -> None:
    advice_request = running_health_request(session)
    assessment = advice_request.assessment
    due = advice_request.effective_due_on
    exception = assessment_exception(session, assessment)
    session.commit()
    moved = adjusted_milestones(assessment.requested_on, [(exception.starts_on, exception.ends_on)])
    assert moved.final_due == moved.statutory.final_due + timedelta(days=14)
    assert fresh(session).get_one(AdviceRequest, advice_request.id).effective_due_on == due
    assert not is_paused(session, advice_request, now=NOW)


def test_a_setting_closed_for_less_than_four_weeks_is_refused(session: Session) -> None:
    assessment = agreed(session)
    with pytest.raises(OfficerActionError, match="4 weeks or more") as refused:
        assessment_exception(session, assessment, reason="setting_closed")
    assert refused.value.field == "ends_on"


def test_a_reg_8_2_reason_is_not_an_assessment_exception(session: Session) -> None:
    assessment = agreed(session)
    with pytest.raises(OfficerActionError) as refused:
        assessment_exception(session, assessment, reason=DeadlineReason.MISSED_APPOINTMENT)
    assert refused.value.field == "reason"


def test_an_assessment_exception_starts_at_most_a_week_before_the_request(
    session: Session,
) -> None:
    assessment = agreed(session)
    with pytest.raises(OfficerActionError, match="a week before") as refused:
        assessment_exception(
            session, assessment, starts_on=assessment.requested_on - timedelta(days=8)
        )
    assert refused.value.field == "starts_on"
    assessment_exception(session, assessment, starts_on=assessment.requested_on - timedelta(days=7))


def test_an_open_assessment_exception_holds_the_milestones_until_it_ends(
    session: Session,
) -> None:
    assessment = agreed(session)
    exception = assessment_exception(session, assessment, ends_on=None)
    with pytest.raises(OfficerActionError, match="still holds"):
        assessment_exception(session, assessment)
    end_assessment_exception(session, exception, ends_on=TODAY, now=NOW, actor=ACTOR)
    session.commit()
    stored = fresh(session).get_one(AssessmentException, exception.id)
    assert stored.ends_on == TODAY
    assert actions(session)[-1] == "assessment.exception_ended"


# --- Closing the assessment ----------------------------------------------------------------


def test_closing_stops_all_chasing(session: Session) -> None:
    advice_request = running_health_request(session, days_ago=50)
    chase = chase_now(session, advice_request, now=NOW, actor=ACTOR)
    close_assessment(session, advice_request.assessment, reason="moved_away", now=NOW, actor=ACTOR)
    session.commit()
    assert fresh(session).get_one(Chase, chase.id).cancelled_at == NOW
    stored = session.get_one(Assessment, advice_request.assessment_id)
    assert (stored.status, stored.closed_reason, stored.closed_at) == (
        AssessmentStatus.CLOSED,
        "moved_away",
        NOW,
    )
    swept = sweep_chases(session, default_policy(), now=NOW + timedelta(days=1))
    assert (swept.reminders, swept.escalations) == (0, 0)
    with pytest.raises(ChaseError):
        chase_now(session, advice_request, now=NOW + timedelta(days=1), actor=ACTOR)


def test_closing_needs_a_known_reason_and_happens_once(session: Session) -> None:
    assessment = agreed(session)
    with pytest.raises(OfficerActionError) as refused:
        close_assessment(session, assessment, reason="bored", now=NOW, actor=ACTOR)
    assert refused.value.field == "reason"
    for milestone in ("plan_issued", "not_issuing"):  # recorded with their dates instead
        with pytest.raises(OfficerActionError, match="under the plan milestones"):
            close_assessment(session, assessment, reason=milestone, now=NOW, actor=ACTOR)
    close_assessment(session, assessment, reason="moved_away", now=NOW, actor=ACTOR)
    with pytest.raises(AssessmentClosedError):
        close_assessment(session, assessment, reason="request_withdrawn", now=NOW, actor=ACTOR)


def test_a_closed_assessment_refuses_every_other_action(session: Session) -> None:
    advice_request = running_health_request(session)
    assessment = advice_request.assessment
    close_assessment(session, assessment, reason="request_withdrawn", now=NOW, actor=ACTOR)
    attempts = [
        lambda: extend(session, advice_request),
        lambda: except_(session, advice_request),
        lambda: withdraw_request(session, advice_request, reason="x", now=NOW, actor=ACTOR),
        lambda: add_contributor(
            session, assessment, details=SALT, parent_requested=False, now=NOW, actor=ACTOR
        ),
        lambda: reuse(session, assessment),
        lambda: assessment_exception(session, assessment),
    ]
    for attempt in attempts:
        with pytest.raises(AssessmentClosedError):
            attempt()


# --- The audit log -------------------------------------------------------------------------


def test_every_action_is_audited_without_anyones_own_words(session: Session) -> None:
    advice_request = running_health_request(session)
    assessment = advice_request.assessment
    extend(session, advice_request, reason=WORDS)
    exception = except_(session, advice_request, details=WORDS)
    end_request_exception(session, exception, ends_on=TODAY, now=NOW, actor=ACTOR)
    assessment_exception(session, assessment, details=WORDS)
    reuse(session, assessment, advice=replace(EXISTING, description=WORDS))
    add_contributor(
        session,
        assessment,
        details=replace(SALT, name=WORDS),
        parent_requested=True,
        now=NOW,
        actor=ACTOR,
    )
    withdraw_request(session, advice_request, reason=WORDS, now=NOW, actor=ACTOR)
    close_assessment(session, assessment, reason="moved_away", now=NOW, actor=ACTOR)
    session.commit()
    events = session.scalars(select(AuditEvent).where(AuditEvent.actor == ACTOR)).all()
    assert [e.action for e in events] == [
        "request.extended",
        "request.exception_recorded",
        "request.exception_ended",
        "assessment.exception_recorded",
        "reuse.recorded",
        "contributor.added",
        "request.withdrawn",
        "assessment.closed",
    ]
    assert all(e.assessment_id == assessment.id for e in events)
    assert not [e for e in events if "Private words" in str(e.detail)]


def test_dates_in_the_audit_log_are_iso_dates(session: Session) -> None:
    advice_request = running_health_request(session)
    extension = extend(session, advice_request)
    session.commit()
    event = session.scalars(select(AuditEvent).where(AuditEvent.action == "request.extended"))
    detail = event.one().detail
    assert date.fromisoformat(detail["new_due_on"]) == extension.new_due_on
