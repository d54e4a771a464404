"""`make run` on a fresh clone: only what running needs is installed, and once the service is up
it says where it is and how to sign in as a demo user."""

from __future__ import annotations

import dataclasses
import os
import queue
import re
import shutil
import subprocess
import sys
import threading
import tomllib
import urllib.request
from pathlib import Path
from typing import Any

from flask import Flask

from advice_hub.cli import seed
from advice_hub.cli.demo_data import sign_in_hint
from advice_hub.config import PROJECT_ROOT

ADVICE_HUB = str(Path(sys.executable).with_name("advice-hub"))
# What only the tests and lint use; none of it may be installed to run the service.
TOOLS = ("pytest", "playwright", "mypy", "ruff")
PYPROJECT = tomllib.loads((PROJECT_ROOT / "pyproject.toml").read_text())


def _name(requirement: str) -> str:
    return re.split(r"[\[=<>~! ;]", requirement, maxsplit=1)[0].lower().replace("_", "-")


def _pip_installs(target: str, cwd: Path = PROJECT_ROOT, *, every_step: bool = True) -> list[str]:
    """The pip install lines `make TARGET` runs (a dry run: nothing is installed)."""
    flags = ["-n", "-B"] if every_step else ["-n"]
    result = subprocess.run(
        ["make", *flags, "-f", str(PROJECT_ROOT / "Makefile"), target],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return [line for line in result.stdout.splitlines() if "pip install" in line]


def test_the_runtime_dependencies_hold_no_test_or_lint_tool() -> None:
    runtime = {_name(r) for r in PYPROJECT["project"]["dependencies"]}
    assert runtime.isdisjoint(TOOLS)
    # No extra either: anything that could be installed with the project is runtime.
    assert "optional-dependencies" not in PYPROJECT["project"]
    dev = {_name(r) for r in PYPROJECT["dependency-groups"]["dev"]}
    assert set(TOOLS) <= dev


def test_make_run_installs_the_project_alone_and_the_tests_add_the_dev_group() -> None:
    run = _pip_installs("run")
    assert run, "make run installs the project"
    for line in run:
        assert "--group" not in line and "[" not in line, line
        assert not any(tool in line for tool in TOOLS), line
    assert any(line.endswith("install --quiet -e .") for line in run)
    for target in ("test", "lint", "bench", "install"):
        assert any("--group dev" in line for line in _pip_installs(target)), target


def test_make_test_after_make_run_installs_the_dev_group_and_nothing_twice(
    tmp_path: Path,
) -> None:
    # A clone where `make run` has already installed the runtime: its stamp is newer than
    # pyproject.toml and the virtualenv exists.
    for name in ("pyproject.toml", "package.json", "package-lock.json", "assets/app.scss"):
        (tmp_path / name).parent.mkdir(exist_ok=True)
        shutil.copy(PROJECT_ROOT / name, tmp_path / name)
    (tmp_path / ".venv" / "bin").mkdir(parents=True)
    (tmp_path / ".venv" / "bin" / "python").touch()
    (tmp_path / ".stamps").mkdir()
    os.utime(tmp_path / "pyproject.toml", (1_000_000_000, 1_000_000_000))
    (tmp_path / ".stamps" / "python").touch()
    assert _pip_installs("run", tmp_path, every_step=False) == []
    assert _pip_installs("lint", tmp_path, every_step=False) == [
        ".venv/bin/pip install --quiet --group dev"
    ]


def test_the_hint_names_the_demo_case_officer_and_the_assessment_to_agree(
    app: Flask, svc: Any, session: Any
) -> None:
    assert app.test_cli_runner().invoke(seed).exit_code == 0
    lines = sign_in_hint(session, svc.settings, "http://127.0.0.1:5000")
    assert lines[0] == (
        "Sign in at http://127.0.0.1:5000/sign-in: choose Olu Adeyemi (case officer) "
        "and press Sign in."
    )
    assert re.fullmatch(r"Open assessment AH-[A-Z0-9-]+ and record the decision to .*", lines[1])
    assert lines[2].startswith("Emails sent are listed at http://127.0.0.1:5000/dev/mail")


def test_without_development_sign_in_the_hint_offers_no_demo_user(svc: Any, session: Any) -> None:
    settings = dataclasses.replace(svc.settings, dev_sign_in=False)
    assert sign_in_hint(session, settings, "https://advice.example.org") == [
        "Staff sign in with their council account at https://advice.example.org/sign-in"
    ]


def _lines_until(lines: queue.Queue[str | None], start: str, *, timeout: float) -> list[str]:
    """What a process printed up to its first line starting with `start` (failing after
    `timeout` seconds, or if it ends first)."""
    printed: list[str] = []
    while True:
        try:
            line = lines.get(timeout=timeout)
        except queue.Empty:
            raise AssertionError(f"nothing starting {start!r} in: {printed}") from None
        if line is None:
            raise AssertionError(f"ended without a line starting {start!r}: {printed}")
        printed.append(line)
        if line.startswith(start):
            return printed


def test_serve_prints_its_address_and_how_to_sign_in_once_it_answers(tmp_path: Path) -> None:
    env = {
        "PATH": os.environ["PATH"],
        "ADVICE_HUB_INSTANCE": str(tmp_path / "instance"),
        "PYTHONUNBUFFERED": "1",
    }
    for command in (["db", "upgrade"], ["seed"]):
        subprocess.run(
            [ADVICE_HUB, *command], env=env, cwd=PROJECT_ROOT, capture_output=True, check=True
        )
    server = subprocess.Popen(
        [ADVICE_HUB, "serve", "--port", "0"],
        env=env,
        cwd=PROJECT_ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    # Read in a thread of its own, so a line that never comes fails the test, never hangs it.
    lines: queue.Queue[str | None] = queue.Queue()

    def read() -> None:
        assert server.stdout is not None
        for line in server.stdout:
            lines.put(line.rstrip("\n"))
        lines.put(None)

    reader = threading.Thread(target=read)
    reader.start()
    try:
        printed = _lines_until(lines, "Emails sent are listed", timeout=45)
        up = next(line for line in printed if line.startswith("advice_hub is up on "))
        address = up.removeprefix("advice_hub is up on ")
        assert re.fullmatch(r"http://127\.0\.0\.1:\d+", address), up
        assert f"Sign in at {address}/sign-in: choose Olu Adeyemi (case officer)" in "\n".join(
            printed
        )
        # What it printed is true when it is printed: the service answers at that address.
        with urllib.request.urlopen(f"{address}/healthz", timeout=10) as health:  # noqa: S310
            assert health.status == 200
        with urllib.request.urlopen(f"{address}/sign-in", timeout=10) as page:  # noqa: S310
            assert "Olu Adeyemi (case officer)" in page.read().decode()
    finally:
        server.terminate()
        server.wait(timeout=30)
        reader.join(timeout=30)
        if server.stdout is not None:
            server.stdout.close()


def test_the_quick_start_is_two_commands() -> None:
    readme = (PROJECT_ROOT / "README.md").read_text()
    quick_start = readme.split("## Quick start", 1)[1].split("\n## ", 1)[0]
    block = quick_start.split("```sh\n", 1)[1].split("```", 1)[0]
    commands = [line.split("#", 1)[0].strip() for line in block.splitlines() if line.strip()]
    assert commands == ["make run", "make test"]
