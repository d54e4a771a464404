"""What counts as an answer, and how far each section of a form has got.

Answers are kept under "<section>.<question>" keys:
  text, textarea, radios, yes_no ("yes"/"no"), date ("YYYY-MM-DD")  -> str
  checkboxes                                                        -> list[str]
  group                                                             -> list[dict[field id, value]]
and a section whose area the writer did not assess has "<section>._not_assessed" = "yes".

A draft keeps answers exactly as typed, so it may also hold what could not be sent yet: text
over its limit, and a date not yet complete or real as its parts {"day", "month", "year"}.
`forms.checks` says what must change before the advice is sent.
"""

from __future__ import annotations

import enum
from collections.abc import Collection
from datetime import date
from typing import Any

from forms.templates import AdviceTemplate, Question, Section, skip_key


class SectionStatus(enum.StrEnum):
    NOT_STARTED = "not_started"
    IN_PROGRESS = "in_progress"
    COMPLETED = "completed"

    @property
    def label(self) -> str:
        return {
            "not_started": "Not yet started",
            "in_progress": "In progress",
            "completed": "Completed",
        }[self.value]


def answer_key(section: Section, question: Question) -> str:
    return f"{section.id}.{question.id}"


def empty_value(question: Question) -> Any:
    if question.kind == "group":
        return []
    if question.kind == "checkboxes":
        return []
    return ""


DATE_PARTS = ("day", "month", "year")


def date_answer(day: str, month: str, year: str) -> str | dict[str, str]:
    """A date as a draft keeps it: "" when blank, "YYYY-MM-DD" when real (years 1900 to
    2100), and otherwise the parts as typed, for the contributor to finish."""
    parts = {"day": day.strip(), "month": month.strip(), "year": year.strip()}
    if not any(parts.values()):
        return ""
    real = real_date(parts)
    return real.isoformat() if real is not None else parts


def real_date(parts: dict[str, str]) -> date | None:
    try:
        day, month, year = (int(parts.get(p, "")) for p in DATE_PARTS)
        return date(year, month, day) if 1900 <= year <= 2100 else None
    except ValueError:
        return None


def is_answered(question: Question, value: Any) -> bool:
    """Whether a value answers the question (a group needs one complete item); an answer
    that cannot be sent as it is (`forms.checks`) still counts as answered."""
    if question.kind == "group":
        return bool(value) and all(_item_complete(question, item) for item in value)
    if isinstance(value, list):
        return bool(value)
    if isinstance(value, dict):  # a date typed in part
        return any(value.values())
    return isinstance(value, str) and value.strip() != ""


def _item_complete(group: Question, item: dict[str, Any]) -> bool:
    return all(
        is_answered(field, item.get(field.id, empty_value(field)))
        for field in group.fields
        if field.required
    )


def section_skipped(section: Section, answers: dict[str, Any]) -> bool:
    return section.can_skip and answers.get(skip_key(section)) == "yes"


def missing_in_section(section: Section, answers: dict[str, Any]) -> list[Question]:
    """Required questions of a section still unanswered (none if the area was not assessed)."""
    if section_skipped(section, answers):
        return []
    return [
        q
        for q in section.questions
        if q.required and not is_answered(q, answers.get(answer_key(section, q), empty_value(q)))
    ]


def section_status(
    section: Section, answers: dict[str, Any], completed: Collection[str]
) -> SectionStatus:
    """Completed only when the contributor completed it (`completed`, what the draft records
    of "Save and continue"); in progress once anything in it is answered or ticked."""
    if section.id in completed:
        return SectionStatus.COMPLETED
    touched = section_skipped(section, answers) or any(
        is_answered(q, answers.get(answer_key(section, q), empty_value(q)))
        for q in section.questions
    )
    return SectionStatus.IN_PROGRESS if touched else SectionStatus.NOT_STARTED


def missing_required(
    template: AdviceTemplate, answers: dict[str, Any]
) -> list[tuple[Section, Question]]:
    """Every required question still unanswered, in form order."""
    return [(s, q) for s in template.sections for q in missing_in_section(s, answers)]


def complete_answers(template: AdviceTemplate, answers: dict[str, Any]) -> dict[str, Any]:
    """Every question's answer (empty where unanswered), plus not-assessed marks: what is sealed."""
    result: dict[str, Any] = {}
    for section in template.sections:
        if section.can_skip:
            result[skip_key(section)] = "yes" if section_skipped(section, answers) else "no"
        for question in section.questions:
            key = answer_key(section, question)
            result[key] = answers.get(key, empty_value(question))
    return result


def _shape_ok(question: Question, value: Any) -> bool:
    if question.kind == "date" and isinstance(value, dict):
        return set(value) <= set(DATE_PARTS) and all(isinstance(v, str) for v in value.values())
    if question.kind == "group":
        return isinstance(value, list) and all(
            isinstance(item, dict)
            and set(item) <= {f.id for f in question.fields}
            and all(_shape_ok(f, item.get(f.id, empty_value(f))) for f in question.fields)
            for item in value
        )
    if question.kind == "checkboxes":
        allowed = {o.value for o in question.options}
        return isinstance(value, list) and all(v in allowed for v in value)
    if not isinstance(value, str):
        return False
    if question.kind == "radios":
        return value == "" or value in {o.value for o in question.options}
    if question.kind == "yes_no":
        return value in {"", "yes", "no"}
    return True


def shape_problems(template: AdviceTemplate, answers: dict[str, Any]) -> list[str]:
    """Answers whose shape does not fit their question (a list for a text box, an unknown
    option, a key the template does not have). Empty when every answer fits."""
    problems = []
    known: dict[str, Question | None] = {answer_key(s, q): q for s, q in template.questions()} | {
        skip_key(s): None for s in template.sections if s.can_skip
    }
    for key, value in answers.items():
        if key not in known:
            problems.append(f"{key}: the template has no such question")
            continue
        question = known[key]
        if question is None:
            if value not in {"yes", "no"}:
                problems.append(f"{key}: must be yes or no")
        elif not _shape_ok(question, value):
            problems.append(f"{key}: does not fit a {question.kind} question")
    return problems


def completed_sections(
    template: AdviceTemplate, answers: dict[str, Any], recorded: Collection[str] | None
) -> set[str]:
    """The sections a draft records as completed. A draft saved before completion was
    recorded (`recorded` is None) counts, as it did then, each section whose required
    questions are all answered, or whose area was not assessed."""
    if recorded is not None:
        return set(recorded)
    return {
        s.id
        for s in template.sections
        if section_skipped(s, answers)
        or (
            any(is_answered(q, answers.get(answer_key(s, q), empty_value(q))) for q in s.questions)
            and not missing_in_section(s, answers)
        )
    }
