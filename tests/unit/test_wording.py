"""One way to word counts, lists and agencies: the helpers in advice_hub.display and the
agency's label, and the places that used to spell them by hand (the chase schedule's reasons,
the timeline, the command's output)."""

from __future__ import annotations

from datetime import date
from types import SimpleNamespace

import pytest
from flask import Flask

from advice_hub.assessments.timeline import describe
from advice_hub.chasing.planner import contributor_schedule, escalation_schedule
from advice_hub.chasing.policy import AgencyPolicy
from advice_hub.display import joined, plural, sentence
from advice_hub.models import Agency, agency_label, utcnow
from advice_hub.requests.seal import seal_submission
from notifications.compose import environment
from tests.conftest import services
from tests.factories import first_text_key, make_assessment
from tests.integration.test_ledger_verify import run_verify


@pytest.mark.parametrize(
    ("count", "expected"),
    [(0, "0 requests"), (1, "1 request"), (2, "2 requests"), (1200, "1,200 requests")],
)
def test_a_count_agrees_with_its_number(count: int, expected: str) -> None:
    assert plural(count, "request", "requests") == expected


def test_irregular_forms_and_phrases_are_given_whole() -> None:
    assert plural(1, "addendum", "addenda") == "1 addendum"
    assert plural(3, "addendum", "addenda") == "3 addenda"
    assert plural(2, "service does", "services do") == "2 services do"
    assert plural(1, "the addendum", "the addenda", with_count=False) == "the addendum"
    assert plural(2, "the addendum", "the addenda", with_count=False) == "the addenda"


@pytest.mark.parametrize(
    ("items", "expected"),
    [
        ([], ""),
        (["health advice"], "health advice"),
        (["social care advice", "health advice"], "social care advice and health advice"),
        (["HCPC", "GMC", "NMC"], "HCPC, GMC and NMC"),
    ],
)
def test_a_list_reads_as_a_sentence_says_it(items: list[str], expected: str) -> None:
    assert joined(items) == expected


def test_a_choice_is_joined_with_or() -> None:
    assert joined(["HCPC", "GMC", "NMC"], "or") == "HCPC, GMC or NMC"


def test_a_name_made_for_the_middle_of_a_sentence_can_start_one() -> None:
    assert sentence("educational psychology advice") == "Educational psychology advice"


def test_emails_have_the_same_helpers_as_pages() -> None:
    template = environment().from_string(
        '{{ n|plural("request", "requests") }} for {{ names|joined }}'
    )
    assert template.render(n=1, names=["health", "social care"]) == (
        "1 request for health and social care"
    )


# --- Agencies ------------------------------------------------------------------------------------


@pytest.mark.parametrize("agency", list(Agency))
def test_every_agency_is_named_by_its_label_and_its_advice_from_it(agency: Agency) -> None:
    assert agency_label(agency.value) == agency.label
    assert agency.advice_name == f"{agency.label[:1].lower()}{agency.label[1:]} advice"


def test_the_family_and_social_care_are_named_as_people_say_them() -> None:
    assert Agency.PARENT_CARER.label == "Parent or carer"
    assert Agency.SOCIAL_CARE.advice_name == "social care advice"


def test_a_key_that_is_no_agency_is_shown_as_written() -> None:
    assert agency_label("speech_therapy_private") == "speech_therapy_private"


# --- What used to be spelt by hand ---------------------------------------------------------------

ONE_DAY_POLICY = AgencyPolicy(
    reminder_days_before=(1,),
    remind_on_due_date=False,
    overdue_chase_every_working_days=1,
    max_chases=1,
    escalate_to_lead_after_working_days=1,
    escalate_to_manager_after_working_days=1,
)


def test_the_chase_schedule_says_one_day_not_one_days() -> None:
    schedule = contributor_schedule(date(2027, 2, 1), date(2027, 3, 15), ONE_DAY_POLICY)
    assert [m.label for m in schedule] == [
        "1 day before due",
        "1 working day overdue (chase 1 of 1)",
    ]
    escalations = escalation_schedule(date(2027, 3, 15), ONE_DAY_POLICY)
    assert [m.label for m in escalations] == [
        "1 working day overdue: escalated to the head of service",
        "1 working day overdue: escalated to the case officer's manager",
    ]


def test_the_timeline_counts_one_request_as_one_request() -> None:
    agreed = SimpleNamespace(action="assessment.agreed", detail={"requests": 1})
    assert describe(agreed, "the assessment") == (  # type: ignore[arg-type]
        "Decision to assess recorded: 1 request for advice to send"
    )


def test_ledger_verify_says_one_row_for_one_piece_of_sealed_advice(app: Flask) -> None:
    factory = services(app).session_factory
    with factory() as session, session.begin():
        assessment = make_assessment(session, agreed=True, agencies=(Agency.HEALTH,))
        (advice_request,) = assessment.advice_requests
        seal_submission(
            session,
            advice_request,
            answers={first_text_key(advice_request): "Needs a quiet room."},
            declaration={"name": "Dr Chris Jones", "role": "Paediatrician"},
            now=utcnow(),
            actor="contributor",
        )
    result = run_verify(app)
    assert result.exit_code == 0, result.output
    assert "sealed advice: 1 row, head " in result.output
