"""Publishing a template version: in order, never overwriting, and only for an agency."""

from __future__ import annotations

import json
import stat
from pathlib import Path
from typing import Any

import pytest
from flask import Flask

import forms.templates
from advice_hub.cli.templates import templates_publish
from forms.publish import AlreadyPublished, publish_template, published_keys, published_versions
from forms.templates import TemplateError, latest_version, load_template


def _draft(tmp_path: Path, name: str, **changes: Any) -> Path:
    """A new template file outside the definitions folder, based on health version 2."""
    data = json.loads((forms.templates.DEFINITIONS / "health.v2.json").read_text())
    data.update(changes)
    folder = tmp_path / "drafts"
    folder.mkdir(exist_ok=True)
    path = folder / name
    path.write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return path


def _files(folder: Path) -> set[str]:
    return {p.name for p in folder.iterdir()}


def test_publishing_the_next_version_makes_it_the_one_new_requests_use(
    definitions: Path, tmp_path: Path
) -> None:
    load_template("health", 2)  # a cached earlier version must not hide the new one
    source = _draft(tmp_path, "health.v3.json", version=3, title="Health advice (2027)")
    target = publish_template(source)
    assert target == definitions / "health.v3.json"
    assert target.read_bytes() == source.read_bytes()
    assert stat.S_IMODE(target.stat().st_mode) == 0o644
    assert latest_version("health") == 3
    assert load_template("health", 3).title == "Health advice (2027)"
    assert load_template("health", 2).title == "Health advice"
    assert published_versions("health") == [1, 2, 3]


def test_publishing_leaves_no_temporary_files(definitions: Path, tmp_path: Path) -> None:
    before = _files(definitions)
    publish_template(_draft(tmp_path, "health.v3.json", version=3))
    with pytest.raises(TemplateError):
        publish_template(_draft(tmp_path, "health.v5.json", version=5))
    assert _files(definitions) == before | {"health.v3.json"}


def test_a_published_version_is_never_overwritten(definitions: Path, tmp_path: Path) -> None:
    original = (definitions / "health.v2.json").read_bytes()
    source = _draft(tmp_path, "health.v2.json", title="Health advice, reworded")
    with pytest.raises(TemplateError) as raised:
        publish_template(source)
    message = str(raised.value)
    assert message.startswith("health.v2.json: version 2 of 'health' is already published")
    assert "never changes" in message and "as version 3 instead" in message
    assert (definitions / "health.v2.json").read_bytes() == original


def test_an_identical_file_is_already_published_and_nothing_is_written(
    definitions: Path,
) -> None:
    before = {p.name: p.stat().st_mtime_ns for p in definitions.iterdir()}
    copy = definitions.parent / "copy" / "health.v2.json"
    copy.parent.mkdir()
    copy.write_bytes((definitions / "health.v2.json").read_bytes())
    with pytest.raises(AlreadyPublished, match="already published with identical content"):
        publish_template(copy)
    assert {p.name: p.stat().st_mtime_ns for p in definitions.iterdir()} == before


def test_a_file_already_in_the_definitions_folder_counts_as_published(definitions: Path) -> None:
    with pytest.raises(AlreadyPublished):
        publish_template(definitions / "health.v1.json")


@pytest.mark.parametrize("version", [4, 1])
def test_versions_are_published_in_order_without_gaps(
    definitions: Path, tmp_path: Path, version: int
) -> None:
    source = _draft(tmp_path, f"health.v{version}.json", version=version, title="Changed")
    with pytest.raises(TemplateError) as raised:
        publish_template(source)
    message = str(raised.value)
    assert message.startswith(f"health.v{version}.json: ")
    if version == 4:
        assert "version: 4 cannot be published; the next version of 'health' is 3" in message
        assert "(published: 1, 2)" in message
    else:
        assert "already published" in message
    assert not (definitions / "health.v4.json").exists()


def test_a_new_key_starts_at_version_1(definitions: Path, tmp_path: Path) -> None:
    for path in definitions.glob("other.v*.json"):
        path.unlink()
    second = _draft(tmp_path, "other.v2.json", key="other", agency="other", version=2)
    with pytest.raises(
        TemplateError, match=r"the next version of 'other' is 1 \(published: none\)"
    ):
        publish_template(second)
    first = _draft(tmp_path, "other.v1.json", key="other", agency="other", version=1)
    assert publish_template(first) == definitions / "other.v1.json"
    assert published_versions("other") == [1]


def test_only_agency_keys_can_be_published(definitions: Path, tmp_path: Path) -> None:
    source = _draft(tmp_path, "speech_therapy.v1.json", key="speech_therapy", version=1)
    with pytest.raises(TemplateError) as raised:
        publish_template(source)
    message = str(raised.value)
    assert message.startswith("speech_therapy.v1.json: key: 'speech_therapy' is not an agency")
    assert "health" in message and "young_person" in message
    assert "speech_therapy" not in published_keys()


def test_the_agency_must_be_the_key(definitions: Path, tmp_path: Path) -> None:
    source = _draft(tmp_path, "health.v3.json", version=3, agency="education")
    with pytest.raises(TemplateError, match=r"agency: 'education' must be the same as the key"):
        publish_template(source)


def test_an_invalid_file_is_not_published(definitions: Path, tmp_path: Path) -> None:
    source = _draft(tmp_path, "health.v3.json", version=3, registration_bodies=["GMC", "GMC"])
    with pytest.raises(TemplateError, match=r"^health\.v3\.json: .*listed twice"):
        publish_template(source)
    assert not (definitions / "health.v3.json").exists()


def test_a_zero_padded_file_name_is_published_under_the_name_requests_look_for(
    definitions: Path, tmp_path: Path
) -> None:
    target = publish_template(_draft(tmp_path, "health.v03.json", version=3))
    assert target.name == "health.v3.json"
    assert load_template("health", 3).version == 3


def test_a_missing_file_is_named(definitions: Path, tmp_path: Path) -> None:
    with pytest.raises(TemplateError, match="no such file"):
        publish_template(tmp_path / "health.v3.json")


# --- The command ---------------------------------------------------------------------------------


def test_the_command_publishes_and_says_what_it_did(
    app: Flask, definitions: Path, tmp_path: Path
) -> None:
    source = _draft(tmp_path, "health.v3.json", version=3)
    result = app.test_cli_runner().invoke(templates_publish, [str(source)])
    assert result.exit_code == 0, result.output
    assert f"published health version 3 (Health advice) as {definitions / 'health.v3.json'}" in (
        result.output
    )
    assert "requests already sent keep the version they were sent with" in result.output


def test_the_command_exits_1_with_the_reason_when_it_refuses(
    app: Flask, definitions: Path, tmp_path: Path
) -> None:
    source = _draft(tmp_path, "health.v2.json", title="Reworded")
    result = app.test_cli_runner().invoke(templates_publish, [str(source)])
    assert result.exit_code == 1
    assert result.stderr.startswith("not published: health.v2.json: version 2 of 'health'")


def test_the_command_succeeds_with_a_note_when_the_file_is_already_published(
    app: Flask, definitions: Path, tmp_path: Path
) -> None:
    copy = tmp_path / "health.v2.json"
    copy.write_bytes((definitions / "health.v2.json").read_bytes())
    result = app.test_cli_runner().invoke(templates_publish, [str(copy)])
    assert result.exit_code == 0
    assert "already published with identical content; nothing to do" in result.output
