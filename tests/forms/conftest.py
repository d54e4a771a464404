"""Fixtures for the template tests: a private copy of the published templates."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

import forms.templates

REAL_DEFINITIONS = forms.templates.DEFINITIONS


def _snapshot(folder: Path) -> dict[str, bytes]:
    return {path.name: path.read_bytes() for path in sorted(folder.iterdir())}


@pytest.fixture
def definitions(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A copy of forms/definitions that the code under test reads and publishes into.

    forms.publish reads forms.templates.DEFINITIONS when called, so patching it here moves
    both. The real folder is checked afterwards: a test must never write into it.
    """
    before = _snapshot(REAL_DEFINITIONS)
    folder = tmp_path / "definitions"
    shutil.copytree(REAL_DEFINITIONS, folder)
    monkeypatch.setattr(forms.templates, "DEFINITIONS", folder)
    forms.templates.load_template.cache_clear()
    yield folder
    forms.templates.load_template.cache_clear()
    assert _snapshot(REAL_DEFINITIONS) == before, "a test changed the real forms/definitions"
