"""Advice templates: versioned data files in `forms/definitions/`, validated on load.

A file is named `<key>.v<version>.json`. A published version never changes; every advice
request pins the key and version it was sent with.
"""

from __future__ import annotations

import json
import re
from datetime import date
from functools import cache
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

DEFINITIONS = Path(__file__).resolve().parent / "definitions"
FILE_NAME = re.compile(r"^(?P<key>[a-z_]+)\.v(?P<version>\d+)\.json$")
IDENTIFIER = r"^[a-z][a-z0-9_]*$"


class TemplateError(ValueError):
    """A template file is missing or broken; the message names the file and the field."""


QuestionKind = Literal["text", "textarea", "radios", "checkboxes", "yes_no", "date", "group"]
SIMPLE_KINDS = ("text", "textarea", "radios", "checkboxes", "yes_no", "date")
PLAN_SECTIONS = ("F", "G", "H1", "H2")
# Statutory registers a declaration may name. Teachers in England have none (the General Teaching
# Council for England closed in 2012), so education templates offer no registration body.
REGISTRATION_BODIES = ("HCPC", "GMC", "NMC", "Social Work England")


class Option(BaseModel):
    """One choice of a radios or checkboxes question."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    value: str = Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9_]*$")  # e.g. "H1", a plan section
    label: str = Field(min_length=1)
    hint: str = ""


class Question(BaseModel):
    """One question. A `group` repeats its `fields` (e.g. one row per piece of provision)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str = Field(pattern=IDENTIFIER)
    label: str = Field(min_length=1)
    hint: str = ""
    kind: QuestionKind = "textarea"
    max_length: int = Field(default=10000, ge=1, le=50000)
    required: bool = True
    options: tuple[Option, ...] = ()
    fields: tuple[Question, ...] = ()
    # For groups: what one item is called ("piece of provision") and how many are allowed.
    item_label: str = ""
    max_items: int = Field(default=20, ge=1, le=100)
    # Ask for frequency and duration when the answer uses vague provision wording.
    check_vague_wording: bool = False

    @model_validator(mode="after")
    def _consistent(self) -> Question:
        if self.kind in {"radios", "checkboxes"}:
            if len(self.options) < 2:
                raise ValueError(f"{self.kind} question {self.id!r} needs at least two options")
            values = [o.value for o in self.options]
            if len(values) != len(set(values)):
                raise ValueError(f"option values repeat in question {self.id!r}")
        elif self.options:
            raise ValueError(f"only radios and checkboxes questions have options ({self.id!r})")
        if self.kind == "group":
            if not self.fields:
                raise ValueError(f"group question {self.id!r} needs fields")
            if any(f.kind == "group" for f in self.fields):
                raise ValueError(f"group question {self.id!r} cannot contain another group")
            ids = [f.id for f in self.fields]
            if len(ids) != len(set(ids)):
                raise ValueError(f"field ids repeat in group {self.id!r}")
            if not self.item_label:
                raise ValueError(f"group question {self.id!r} needs an item_label")
        elif self.fields:
            raise ValueError(f"only group questions have fields ({self.id!r})")
        return self


class Section(BaseModel):
    """One page of the form."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str = Field(pattern=IDENTIFIER)
    title: str = Field(min_length=1)
    description: str = ""
    # An optional area of need: the writer may say they did not assess it instead of answering.
    can_skip: bool = False
    skip_label: str = "I have not assessed this area"
    questions: tuple[Question, ...] = Field(min_length=1)

    @model_validator(mode="after")
    def _question_ids_unique(self) -> Section:
        ids = [q.id for q in self.questions]
        if len(ids) != len(set(ids)):
            raise ValueError(f"question ids repeat in section {self.id!r}")
        return self


class CoProduction(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    with_: str = Field(alias="with", min_length=1)
    approved_on: date


class AdviceTemplate(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    key: str = Field(pattern=IDENTIFIER)
    version: int = Field(ge=1)
    agency: str
    title: str = Field(min_length=1)
    # Who writes it: a professional, a parent or carer, or the child or young person.
    audience: Literal["professional", "family", "child"] = "professional"
    introduction: str
    co_production: CoProduction
    # Registration bodies the declaration offers (HCPC, GMC, NMC, Social Work England).
    registration_bodies: tuple[str, ...] = ()
    sections: tuple[Section, ...] = Field(min_length=1)

    @model_validator(mode="after")
    def _section_ids_unique(self) -> AdviceTemplate:
        ids = [s.id for s in self.sections]
        if len(ids) != len(set(ids)):
            raise ValueError("section ids repeat")
        return self

    @model_validator(mode="after")
    def _registration_bodies_known(self) -> AdviceTemplate:
        unknown = [b for b in self.registration_bodies if b not in REGISTRATION_BODIES]
        if unknown:
            raise ValueError(
                f"registration_bodies: unknown {unknown}; use any of {list(REGISTRATION_BODIES)}"
            )
        if len(self.registration_bodies) != len(set(self.registration_bodies)):
            raise ValueError("registration_bodies: a body is listed twice")
        if self.registration_bodies and self.audience != "professional":
            raise ValueError(
                f"registration_bodies: only professional templates ask for a registration, "
                f"not a {self.audience} one"
            )
        return self

    def questions(self) -> list[tuple[Section, Question]]:
        return [(section, question) for section in self.sections for question in section.questions]

    def section(self, section_id: str) -> Section | None:
        return next((s for s in self.sections if s.id == section_id), None)


def skip_key(section: Section) -> str:
    """Where a section's "not assessed by me" answer is kept."""
    return f"{section.id}._not_assessed"


def parse_template_file(path: Path) -> AdviceTemplate:
    """Read and validate one file; errors name the file, the field and the problem."""
    match = FILE_NAME.match(path.name)
    if not match:
        raise TemplateError(f"{path.name}: file name must look like <key>.v<version>.json")
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise TemplateError(f"{path.name}: cannot be read as UTF-8 JSON: {exc}") from exc
    try:
        template = AdviceTemplate.model_validate(data)
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in err['loc']) or '(top level)'}: {err['msg']}"
            for err in exc.errors()
        )
        raise TemplateError(f"{path.name}: {problems}") from exc
    if template.key != match["key"]:
        raise TemplateError(
            f"{path.name}: key: {template.key!r} inside, but the file name says {match['key']!r}"
        )
    if template.version != int(match["version"]):
        raise TemplateError(
            f"{path.name}: version: {template.version} inside, "
            f"but the file name says {int(match['version'])}"
        )
    return template


@cache
def load_template(key: str, version: int) -> AdviceTemplate:
    """One pinned template version (cached: published versions never change)."""
    path = DEFINITIONS / f"{key}.v{version}.json"
    if not path.is_file():
        raise TemplateError(f"{path.name}: no such template version")
    return parse_template_file(path)


def latest_version(key: str) -> int:
    """The newest published version of a template."""
    versions = [
        int(m["version"])
        for p in DEFINITIONS.glob(f"{key}.v*.json")
        if (m := FILE_NAME.match(p.name)) and m["key"] == key
    ]
    if not versions:
        raise TemplateError(f"no template is published for {key!r}")
    return max(versions)


def check_all() -> list[str]:
    """Validate every template file; returns one message per broken file."""
    problems = []
    for path in sorted(DEFINITIONS.glob("*.json")):
        try:
            parse_template_file(path)
        except TemplateError as exc:
            problems.append(str(exc))
    return problems
