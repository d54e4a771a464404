"""The advice-hub command: seeding, template checks and refusing unsafe production settings."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from flask import Flask
from sqlalchemy import func, select

from advice_hub.cli import main, seed
from advice_hub.cli.demo_data import DEMO_USERS
from advice_hub.cli.templates import templates_check
from advice_hub.config import PROJECT_ROOT
from advice_hub.models import Assessment, User

ADVICE_HUB = str(Path(sys.executable).with_name("advice-hub"))


def test_seeding_twice_adds_the_demo_data_once(app: Flask, session: Any) -> None:
    runner = app.test_cli_runner()
    first = runner.invoke(seed)
    second = runner.invoke(seed)
    assert first.exit_code == 0 and "added demo assessment" in first.output
    assert second.exit_code == 0 and "already present" in second.output
    assert session.scalar(select(func.count(User.id))) == len(DEMO_USERS)
    assert session.scalar(select(func.count(Assessment.id))) == 1


def test_templates_check_passes_on_the_published_templates(app: Flask) -> None:
    result = app.test_cli_runner().invoke(templates_check)
    assert result.exit_code == 0, result.output


def test_templates_check_names_the_broken_file_and_field(
    app: Flask, tmp_path: Path, monkeypatch: Any
) -> None:
    import forms.templates

    broken = json.loads((forms.templates.DEFINITIONS / "health.v1.json").read_text())
    broken["sections"][0]["questions"][0]["max_length"] = -5
    folder = tmp_path / "definitions"
    folder.mkdir()
    (folder / "health.v1.json").write_text(json.dumps(broken))
    monkeypatch.setattr(forms.templates, "DEFINITIONS", folder)
    result = app.test_cli_runner().invoke(templates_check)
    assert result.exit_code == 1
    assert "health.v1.json" in result.output
    assert "sections.0.questions.0.max_length" in result.output


def test_the_command_refuses_unsafe_production_settings_and_names_them() -> None:
    env = {
        "PATH": os.environ["PATH"],
        "ADVICE_HUB_ENV": "production",
        "DEV_SIGN_IN": "true",
    }
    result = subprocess.run(
        [ADVICE_HUB, "seed"],
        env=env,
        capture_output=True,
        text=True,
        cwd=PROJECT_ROOT,
        timeout=60,
        check=False,
    )
    assert result.returncode == 2
    assert "refuses to start in production" in result.stderr
    for setting in (
        "DEV_SIGN_IN",
        "REDIS_URL",
        "SECRET_KEY",
        "DATABASE_URL",
        "ENTRA_TENANT_ID",
        "ENTRA_CLIENT_ID",
        "ENTRA_CLIENT_SECRET",
    ):
        assert setting in result.stderr
    assert "Traceback" not in result.stderr


def test_the_command_group_lists_every_admin_command() -> None:
    names = set(main.commands)
    assert {"db", "seed", "serve", "clock", "templates", "api-keys", "directory"} <= names
