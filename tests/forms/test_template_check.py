"""`advice-hub templates check` names the broken file, the field and the problem."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from flask import Flask

from advice_hub.cli.templates import templates_check
from forms.templates import TemplateError, parse_template_file

Mutation = Callable[[dict[str, Any]], None]


def _set(path: str, value: Any) -> Mutation:
    """A change to one field of the template, addressed the way error messages address it."""

    def mutate(data: dict[str, Any]) -> None:
        *parents, last = path.split(".")
        target: Any = data
        for part in parents:
            target = target[int(part)] if part.isdigit() else target[part]
        target[int(last) if last.isdigit() else last] = value

    return mutate


def _duplicate_first_question(data: dict[str, Any]) -> None:
    questions = data["sections"][0]["questions"]
    questions.append(dict(questions[0]))


BROKEN: dict[str, tuple[Mutation, list[str]]] = {
    "wrong kind": (
        _set("sections.0.questions.2.kind", "essay"),
        ["sections.0.questions.2.kind", "Input should be 'text', 'textarea'"],
    ),
    "radios without options": (
        _set("sections.0.questions.0.options", []),
        ["sections.0.questions.0", "radios question 'discipline' needs at least two options"],
    ),
    "group without fields": (
        _set("sections.0.questions.3.fields", []),
        ["sections.0.questions.3", "group question 'contacts' needs fields"],
    ),
    "group without item label": (
        _set("sections.0.questions.3.item_label", ""),
        ["sections.0.questions.3", "group question 'contacts' needs an item_label"],
    ),
    "duplicate question ids": (
        _duplicate_first_question,
        ["sections.0", "question ids repeat in section 'involvement'"],
    ),
    "duplicate section ids": (
        _set("sections.1.id", "involvement"),
        ["(top level)", "section ids repeat"],
    ),
    "unknown top-level field": (
        _set("colour", "blue"),
        ["colour", "Extra inputs are not permitted"],
    ),
    "bad date": (
        _set("co_production.approved_on", "16/11/2026"),
        ["co_production.approved_on", "Input should be a valid date"],
    ),
    "identifier with capitals": (
        _set("sections.1.questions.0.id", "Strengths"),
        ["sections.1.questions.0.id", "String should match pattern"],
    ),
    "unknown registration body": (
        _set("registration_bodies", ["HCPC", "HPC"]),
        ["registration_bodies: unknown ['HPC']"],
    ),
    "registration asked of a family": (
        _set("audience", "family"),
        ["registration_bodies: only professional templates ask for a registration"],
    ),
}


def _health_v2() -> dict[str, Any]:
    from forms.templates import DEFINITIONS

    data: dict[str, Any] = json.loads((DEFINITIONS / "health.v2.json").read_text())
    return data


@pytest.fixture
def check(app: Flask, definitions: Path) -> Callable[[], Any]:
    """Runs `advice-hub templates check` over the private copy of the templates."""
    return lambda: app.test_cli_runner().invoke(templates_check)


@pytest.mark.parametrize("case", list(BROKEN))
def test_check_names_the_file_the_field_and_the_problem(
    definitions: Path, check: Callable[[], Any], case: str
) -> None:
    mutate, expected = BROKEN[case]
    data = _health_v2()
    mutate(data)
    (definitions / "health.v2.json").write_text(json.dumps(data, indent=2))
    result = check()
    assert result.exit_code == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, "only the broken file is reported"
    assert lines[0].startswith("health.v2.json: ")
    for words in expected:
        assert words in lines[0]


def test_check_reports_a_file_that_is_not_json(definitions: Path, check: Callable[[], Any]) -> None:
    (definitions / "health.v2.json").write_text('{"key": "health", "version": 2,')
    result = check()
    assert result.exit_code == 1
    assert "health.v2.json: cannot be read as UTF-8 JSON" in result.stderr


def test_check_reports_a_file_that_is_not_utf8(definitions: Path, check: Callable[[], Any]) -> None:
    (definitions / "health.v2.json").write_bytes(b'{"title": "Caf\xe9"}')
    assert "health.v2.json: cannot be read as UTF-8 JSON" in check().stderr


def test_check_reports_a_version_that_differs_from_the_file_name(
    definitions: Path, check: Callable[[], Any]
) -> None:
    data = _health_v2()
    (definitions / "health.v3.json").write_text(json.dumps(data))
    result = check()
    assert result.exit_code == 1
    assert "health.v3.json: version: 2 inside, but the file name says 3" in result.stderr


def test_check_reports_a_key_that_differs_from_the_file_name(
    definitions: Path, check: Callable[[], Any]
) -> None:
    (definitions / "education.v3.json").write_text(json.dumps(_health_v2() | {"version": 3}))
    result = check()
    assert "education.v3.json: key: 'health' inside, but the file name says 'education'" in (
        result.stderr
    )


def test_check_reports_a_badly_named_file(definitions: Path, check: Callable[[], Any]) -> None:
    (definitions / "health-v3.json").write_text(json.dumps(_health_v2()))
    assert "health-v3.json: file name must look like <key>.v<version>.json" in check().stderr


def test_check_reports_every_broken_file_and_passes_the_rest(
    definitions: Path, check: Callable[[], Any]
) -> None:
    (definitions / "health.v2.json").write_text("not json")
    (definitions / "education.v2.json").write_text("[]")
    result = check()
    assert result.exit_code == 1
    reported = sorted(line.split(":")[0] for line in result.stderr.strip().splitlines())
    assert reported == ["education.v2.json", "health.v2.json"]


def test_check_passes_the_published_templates(definitions: Path, check: Callable[[], Any]) -> None:
    result = check()
    assert result.exit_code == 0, result.output
    assert result.output == "all templates are valid\n"


def test_v1_files_without_the_newer_fields_still_validate(tmp_path: Path) -> None:
    minimal = {
        "key": "other",
        "version": 1,
        "agency": "other",
        "title": "Advice",
        "introduction": "For advice.",
        "co_production": {"with": "The forum", "approved_on": "2026-11-01"},
        "sections": [
            {"id": "needs", "title": "Needs", "questions": [{"id": "needs", "label": "Needs?"}]}
        ],
    }
    path = tmp_path / "other.v1.json"
    path.write_text(json.dumps(minimal))
    template = parse_template_file(path)
    assert template.audience == "professional" and template.registration_bodies == ()


def test_parse_errors_are_template_errors(tmp_path: Path) -> None:
    path = tmp_path / "other.v1.json"
    path.write_text("{}")
    with pytest.raises(TemplateError, match=r"^other\.v1\.json: "):
        parse_template_file(path)
