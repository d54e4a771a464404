"""What every answer must be before the advice is sent, in words that name its question.

A draft keeps what was typed, however long and however unfinished (`forms.answers`): it is the
contributor's work in progress. These checks are made when they press "Save and continue"
(a section is completed only when its answers pass), on "Check your answers", and when the
advice is sent or sealed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from forms.answers import (
    DATE_PARTS,
    answer_key,
    empty_value,
    is_answered,
    missing_in_section,
    section_skipped,
)
from forms.templates import AdviceTemplate, Question, Section
from forms.text import CONTROL_CHARACTERS


@dataclass(frozen=True)
class Problem:
    """One thing to change before the advice can be sent."""

    section: Section
    question: Question
    message: str  # as shown beside the field
    item: int | None = None  # for a group's field: which item (from 0)
    part: Question | None = None  # and which of its fields

    @property
    def summary(self) -> str:
        """The message as an error summary lists it: a group's item says which item it is."""
        if self.item is None:
            return self.message
        return f"{self.question.item_label.capitalize()} {self.item + 1}: {self.message}"

    @property
    def anchor(self) -> str:
        """The id of what to change on the section page (a date's day box)."""
        asked = self.part or self.question
        found = self.question.id
        if self.item is not None and self.part is not None:
            found = f"{found}-{self.item}-{self.part.id}"
        return f"{found}-day" if asked.kind == "date" else found


def _name(question: Question) -> str:
    return question.label.rstrip("?")


def value_problem(question: Question, value: Any) -> str | None:
    """What must change in one answer (not a group) before it is sent, or None."""
    if question.kind == "date":
        return _date_problem(question, value)
    if question.kind not in {"text", "textarea"} or not isinstance(value, str):
        return None
    name = _name(question)
    if len(value) > question.max_length:
        return (
            f"\u2018{name}\u2019 must be {question.max_length:,} characters or fewer: "
            f"you have {len(value) - question.max_length:,} too many"
        )
    if "\ufffd" in value:
        return unreadable_message(question)
    if CONTROL_CHARACTERS.search(value):
        return (
            f"\u2018{name}\u2019 contains a hidden control character that cannot be sent. "
            "Retype the text rather than pasting it"
        )
    return None


def unreadable_message(question: Question) -> str:
    return (
        f"\u2018{_name(question)}\u2019 contains characters that could not be read, perhaps "
        "pasted from another program. Retype the parts marked \ufffd"
    )


def _date_problem(question: Question, value: Any) -> str | None:
    what = _name(question).lower()
    if isinstance(value, dict):
        if not all(str(value.get(part, "")).strip() for part in DATE_PARTS):
            return f"Enter a complete date for {what}, or leave it blank"
    elif not value:
        return None
    else:
        try:
            date.fromisoformat(value)
            return None
        except ValueError:
            pass
    return f"The date for {what} must be a real date, like 27 3 2026"


def _missing_message(section: Section, question: Question) -> str:
    if question.kind == "group":
        return f"Add at least one {question.item_label}"
    if section.can_skip:
        return f"Answer \u2018{_name(question)}\u2019, or tick that you have not assessed this area"
    return f"Answer \u2018{_name(question)}\u2019"


def invalid_answers(section: Section, answers: dict[str, Any]) -> list[Problem]:
    """The answers of a section that cannot be sent as they are, in page order."""
    problems: list[Problem] = []
    for question in section.questions:
        value = answers.get(answer_key(section, question), empty_value(question))
        if question.kind == "group":
            for index, item in enumerate(value or []):
                problems += item_problems(section, question, index, item, required=False)
        elif (message := value_problem(question, value)) is not None:
            problems.append(Problem(section, question, message))
    return problems


def item_problems(
    section: Section, group: Question, index: int, item: dict[str, Any], *, required: bool = True
) -> list[Problem]:
    """What to change in one item of a group (a piece of provision), and, if `required`,
    which of its required parts are still to answer."""
    problems: list[Problem] = []
    for part in group.fields:
        value = item.get(part.id, empty_value(part))
        if required and part.required and not is_answered(part, value):
            missing = f"Answer \u2018{_name(part)}\u2019"
            problems.append(Problem(section, group, missing, index, part))
        elif (message := value_problem(part, value)) is not None:
            problems.append(Problem(section, group, message, index, part))
    return problems


def section_problems(section: Section, answers: dict[str, Any]) -> list[Problem]:
    """Everything to answer or change before a section is completed, in page order: each
    item of a group says what it lacks. An area not assessed asks for no answers."""
    missing = {q.id for q in missing_in_section(section, answers)}
    skipped = section_skipped(section, answers)
    problems: list[Problem] = []
    for question in section.questions:
        value = answers.get(answer_key(section, question), empty_value(question))
        if question.kind == "group" and value:
            for index, item in enumerate(value):
                problems += item_problems(section, question, index, item, required=not skipped)
        elif question.id in missing:
            problems.append(Problem(section, question, _missing_message(section, question)))
        elif (message := value_problem(question, value)) is not None:
            problems.append(Problem(section, question, message))
    return problems


def advice_problems(template: AdviceTemplate, answers: dict[str, Any]) -> list[Problem]:
    """Everything to answer or change before the advice can be sent, in form order."""
    return [p for section in template.sections for p in section_problems(section, answers)]
