"""The published templates: every file valid, and the v2 set says what the issue asks of it."""

from __future__ import annotations

import subprocess
from datetime import date
from pathlib import Path

import pytest

from advice_hub.config import PROJECT_ROOT
from advice_hub.models import Agency
from forms.templates import (
    DEFINITIONS,
    PLAN_SECTIONS,
    AdviceTemplate,
    Question,
    Section,
    latest_version,
    load_template,
    parse_template_file,
)

PUBLISHED = sorted(DEFINITIONS.glob("*.json"))
PROFESSIONAL = (
    "education",
    "educational_psychology",
    "health",
    "social_care",
    "preparation_for_adulthood",
    "other",
)
FOUR_AREAS = {
    "communication_interaction": "Communication and interaction",
    "cognition_learning": "Cognition and learning",
    "social_emotional_mental_health": "Social, emotional and mental health",
    "sensory_physical": "Sensory and/or physical",
}
ALL_BODIES = ("HCPC", "GMC", "NMC", "Social Work England")


def v2(key: str) -> AdviceTemplate:
    return load_template(key, 2)


def question(template: AdviceTemplate, section_id: str, question_id: str) -> Question:
    section = template.section(section_id)
    assert section is not None, f"{template.key} has no section {section_id!r}"
    found = next((q for q in section.questions if q.id == question_id), None)
    assert found is not None, f"{template.key} section {section_id!r} has no {question_id!r}"
    return found


def option_values(q: Question) -> list[str]:
    return [o.value for o in q.options]


def field(group: Question, field_id: str) -> Question:
    found = next((f for f in group.fields if f.id == field_id), None)
    assert found is not None, f"group {group.id!r} has no field {field_id!r}"
    return found


def all_questions(template: AdviceTemplate) -> list[Question]:
    result = []
    for _, q in template.questions():
        result.append(q)
        result.extend(q.fields)
    return result


# --- Every published file -----------------------------------------------------------------------


def test_both_versions_of_every_agency_template_are_published() -> None:
    names = {path.name for path in PUBLISHED}
    for agency in Agency:
        assert {f"{agency.value}.v1.json", f"{agency.value}.v2.json"} <= names


@pytest.mark.parametrize("path", PUBLISHED, ids=lambda p: p.name)
def test_every_published_template_is_valid_and_belongs_to_its_agency(path: Path) -> None:
    template = parse_template_file(path)
    assert template.key in {a.value for a in Agency}
    assert template.agency == template.key


@pytest.mark.parametrize("agency", list(Agency), ids=str)
def test_new_requests_for_every_agency_get_version_2(agency: Agency) -> None:
    assert latest_version(agency.value) == 2


def _git(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["git", "-C", str(PROJECT_ROOT), *args], capture_output=True, text=True, check=False
    )


def test_a_published_version_is_byte_for_byte_what_was_first_committed() -> None:
    """Requests are sealed against a pinned version, so its file may never be edited.

    Files not committed yet (a version being published now) have nothing to compare with.
    """
    if _git("rev-parse", "--git-dir").returncode != 0:
        pytest.skip("not a git checkout, so there is no history to compare with")
    changed = []
    for path in PUBLISHED:
        relative = path.relative_to(PROJECT_ROOT).as_posix()
        added = _git("log", "--diff-filter=A", "--format=%H", "--", relative).stdout.split()
        if not added:
            continue
        original = subprocess.run(
            ["git", "-C", str(PROJECT_ROOT), "show", f"{added[-1]}:{relative}"],
            capture_output=True,
            check=True,
        ).stdout
        if path.read_bytes() != original:
            changed.append(path.name)
    assert not changed, f"published versions edited in place (publish a new version): {changed}"


# --- Every v2 template --------------------------------------------------------------------------


@pytest.mark.parametrize("agency", list(Agency), ids=str)
def test_every_v2_template_names_who_co_produced_it_and_when_it_was_approved(
    agency: Agency,
) -> None:
    co_production = v2(agency.value).co_production
    assert co_production.with_ == (
        "Demo County parent carer forum, SENCO network and the designated clinical and "
        "social care officers"
    )
    assert co_production.approved_on == date(2026, 11, 16)


@pytest.mark.parametrize("agency", list(Agency), ids=str)
def test_every_v2_answer_has_a_sensible_length_limit(agency: Agency) -> None:
    questions = all_questions(v2(agency.value))
    textareas = [q for q in questions if q.kind == "textarea"]
    texts = [q for q in questions if q.kind == "text"]
    assert textareas and texts, "every template asks for long and short answers"
    for q in textareas:
        assert 1000 <= q.max_length <= 5000, q.id
    for q in texts:
        assert 200 <= q.max_length <= 300, q.id


@pytest.mark.parametrize("agency", list(Agency), ids=str)
def test_every_v2_choice_question_offers_real_choices(agency: Agency) -> None:
    choices = [q for q in all_questions(v2(agency.value)) if q.kind in {"radios", "checkboxes"}]
    assert choices, "every template asks at least one choice question"
    for q in choices:
        assert len(q.options) >= 2 and all(o.label for o in q.options), q.id


# --- Professional templates ---------------------------------------------------------------------


@pytest.mark.parametrize("key", PROFESSIONAL)
def test_professional_templates_are_written_by_professionals(key: str) -> None:
    assert v2(key).audience == "professional"


@pytest.mark.parametrize("key", PROFESSIONAL)
def test_professional_templates_ask_the_four_broad_areas_each_as_a_skippable_section(
    key: str,
) -> None:
    template = v2(key)
    for section_id, title in FOUR_AREAS.items():
        section = template.section(section_id)
        assert isinstance(section, Section), f"{key} lacks {title}"
        assert section.title == title
        assert section.can_skip and section.skip_label == "I have not assessed this area"
        needs = question(template, section_id, "needs")
        assert needs.required and needs.kind == "textarea"


@pytest.mark.parametrize("key", PROFESSIONAL)
def test_professional_templates_ask_involvement_assessments_strengths_and_views(key: str) -> None:
    template = v2(key)
    assert question(template, "involvement", "involvement").required
    contacts = question(template, "involvement", "contacts")
    assert contacts.kind == "group" and field(contacts, "date").kind == "date"
    assessments = question(template, "involvement", "assessments")
    assert assessments.kind == "group" and field(assessments, "date").kind == "date"
    assert question(template, "strengths", "strengths").required
    assert question(template, "views", "child_views").required
    assert question(template, "views", "family_views").required


@pytest.mark.parametrize("key", PROFESSIONAL)
def test_provision_is_a_repeatable_group_specified_and_quantified(key: str) -> None:
    provision = question(v2(key), "provision", "provision")
    assert provision.kind == "group" and provision.required
    assert provision.item_label == "piece of provision"
    assert [f.id for f in provision.fields] == [
        "what",
        "delivered_by",
        "qualification",
        "how_often",
        "how_long",
        "group_size",
        "plan_section",
    ]
    assert all(f.required for f in provision.fields)
    what = field(provision, "what")
    assert what.kind == "textarea" and what.check_vague_wording
    assert option_values(field(provision, "group_size")) == [
        "one_to_one",
        "small_group",
        "whole_class",
        "other",
    ]
    plan_section = field(provision, "plan_section")
    assert option_values(plan_section) == [s.lower() for s in PLAN_SECTIONS]
    assert [o.label.split(":")[0] for o in plan_section.options] == list(PLAN_SECTIONS)
    assert "Chronically Sick and Disabled Persons Act" in plan_section.options[2].label


@pytest.mark.parametrize("key", PROFESSIONAL)
def test_outcomes_are_a_repeatable_group_of_what_and_by_when(key: str) -> None:
    outcomes = question(v2(key), "outcomes", "outcomes")
    assert outcomes.kind == "group" and outcomes.required
    assert [f.id for f in outcomes.fields] == ["outcome", "by_when"]
    assert "key stage" in field(outcomes, "by_when").hint


@pytest.mark.parametrize("key", PROFESSIONAL)
def test_professional_templates_ask_what_others_should_assess(key: str) -> None:
    template = v2(key)
    assert not question(template, "other_assessments", "outside_expertise").required
    who = question(template, "other_assessments", "who_should_assess")
    assert who.kind == "checkboxes" and not who.required


@pytest.mark.parametrize(
    ("key", "bodies"),
    [
        ("health", ("HCPC", "GMC", "NMC")),
        ("social_care", ("Social Work England",)),
        ("educational_psychology", ("HCPC",)),
        # Teachers in England are on no statutory register, so there is nothing to ask.
        ("education", ()),
        ("preparation_for_adulthood", ALL_BODIES),
        ("other", ALL_BODIES),
        ("parent_carer", ()),
        ("young_person", ()),
    ],
)
def test_the_declaration_offers_the_registration_bodies_of_the_profession(
    key: str, bodies: tuple[str, ...]
) -> None:
    assert v2(key).registration_bodies == bodies


def test_health_asks_the_discipline_and_whether_the_child_is_on_the_caseload() -> None:
    template = v2("health")
    discipline = question(template, "involvement", "discipline")
    assert discipline.kind == "radios" and discipline.required
    assert option_values(discipline) == [
        "paediatrics",
        "speech_language_therapy",
        "occupational_therapy",
        "physiotherapy",
        "camhs",
        "nursing",
        "audiology",
        "other",
    ]
    caseload = question(template, "involvement", "on_caseload")
    assert caseload.kind == "yes_no" and caseload.required
    assert "waiting list" in caseload.hint
    assert question(template, "health_needs", "health_needs").required


def test_social_care_asks_the_involvement_level_and_csdpa_provision() -> None:
    template = v2("social_care")
    level = question(template, "involvement", "involvement_level")
    assert level.kind == "radios" and level.required
    assert option_values(level) == [
        "not_known",
        "early_help",
        "child_in_need",
        "child_protection",
        "looked_after",
    ]
    csdpa = question(template, "social_care_needs", "csdpa_provision")
    assert csdpa.kind == "textarea" and csdpa.required
    assert "section 2 of the Chronically Sick and Disabled Persons Act 1970" in csdpa.label
    assert "H1" in csdpa.hint


def test_education_asks_whether_a_qualified_teacher_of_vi_or_hi_was_consulted() -> None:
    template = v2("education")
    consulted = question(template, "involvement", "specialist_teacher_consulted")
    assert consulted.kind == "radios" and consulted.required
    assert option_values(consulted) == ["yes", "no", "not_relevant"]
    assert "no vision or hearing impairment" in consulted.options[2].label
    assert not question(template, "involvement", "specialist_teacher_details").required
    assert question(template, "progress", "sen_support").required


def test_preparation_for_adulthood_covers_the_four_adulthood_outcomes_as_optional_areas() -> None:
    template = v2("preparation_for_adulthood")
    for section_id in ("employment", "independent_living", "community_inclusion", "pfa_health"):
        section = template.section(section_id)
        assert section is not None and section.can_skip, section_id
    assert question(template, "strengths", "aspirations").required


def test_other_asks_the_writers_profession() -> None:
    assert question(v2("other"), "involvement", "profession").kind == "text"


# --- Family and child ---------------------------------------------------------------------------


def test_the_parent_carer_template_is_for_the_family_in_plain_words() -> None:
    template = v2("parent_carer")
    assert template.audience == "family"
    assert [s.title for s in template.sections] == [
        "About your child",
        "Your child's needs",
        "What helps",
        "Hopes for the future",
        "Anything else",
    ]
    assert not any(s.can_skip for s in template.sections)
    # Plain language: it speaks to the parent and avoids the professionals' terms.
    words = " ".join(f"{q.label} {q.hint}" for q in all_questions(template)).lower()
    for jargon in ("provision", "outcome", "cognition", "sen ", "ehc plan section"):
        assert jargon not in words
    assert "your child" in words


def test_the_young_person_template_is_all_about_me_in_the_first_person() -> None:
    template = v2("young_person")
    assert template.audience == "child" and template.title == "All about me"
    labels = [q.label for _, q in template.questions()]
    assert {
        "What people like about me",
        "What's important to me now and in the future",
        "How best to support me",
    } <= set(labels)
    assert all(" me" in label or label.startswith("I ") or " I " in label for label in labels)
    helped = question(template, "who_helped", "helped_by")
    assert helped.label == "Who helped me fill this in"
    assert helped.kind == "text" and not helped.required
    textareas = [q for _, q in template.questions() if q.kind == "textarea"]
    assert len(textareas) == 5
    assert all(q.max_length <= 3000 for q in textareas)
