"""Choosing and configuring the mail backend from settings."""

from __future__ import annotations

from pathlib import Path

import pytest

from advice_hub import create_app
from advice_hub.config import ConfigError, Settings
from notifications import (
    FileBackend,
    GraphBackend,
    MailBackend,
    NotifyBackend,
    SMTPBackend,
    backend_from_settings,
)
from notifications.compose import sendable_kinds
from tests.conftest import base_config


def backend_from_env(env: dict[str, str]) -> MailBackend:
    return backend_from_settings(Settings.from_env(env))


def test_the_file_backend_is_the_default(tmp_path: Path) -> None:
    backend = backend_from_env({"MAIL_OUTBOX_DIR": str(tmp_path)})

    assert isinstance(backend, FileBackend)
    assert backend.directory == tmp_path


def test_the_file_backend_writes_to_the_instance_folder_by_default(tmp_path: Path) -> None:
    backend = backend_from_env({"ADVICE_HUB_INSTANCE": str(tmp_path), "MAIL_OUTBOX_DIR": " "})

    assert isinstance(backend, FileBackend)
    assert backend.directory == tmp_path / "mail"


def test_smtp_settings_build_an_smtp_backend() -> None:
    backend = backend_from_env(
        {
            "MAIL_BACKEND": "smtp",
            "SMTP_HOST": "smtp.northshire.gov.uk",
            "SMTP_PORT": "2525",
            "SMTP_USERNAME": "advice-hub",
            "SMTP_PASSWORD": "secret",
            "SMTP_TIMEOUT": "12.5",
        }
    )

    assert isinstance(backend, SMTPBackend)
    assert (backend.host, backend.port, backend.security) == (
        "smtp.northshire.gov.uk",
        2525,
        "starttls",
    )
    assert (backend.username, backend.timeout) == ("advice-hub", 12.5)


@pytest.mark.parametrize(("security", "port"), [("starttls", 587), ("ssl", 465), ("none", 587)])
def test_the_smtp_port_defaults_to_suit_the_security(security: str, port: int) -> None:
    backend = backend_from_env(
        {"MAIL_BACKEND": "smtp", "SMTP_HOST": "localhost", "SMTP_SECURITY": security}
    )

    assert isinstance(backend, SMTPBackend)
    assert backend.port == port
    assert backend.timeout == 30.0


def test_an_unknown_backend_is_refused_with_the_choices() -> None:
    with pytest.raises(ValueError) as error:
        backend_from_env({"MAIL_BACKEND": "smtpx"})

    assert str(error.value) == "MAIL_BACKEND must be one of file, smtp, graph, notify; got 'smtpx'"


def test_the_app_will_not_start_on_a_bad_mail_setting(tmp_path: Path) -> None:
    config = base_config(tmp_path, f"sqlite:///{tmp_path / 'db.sqlite3'}")
    with pytest.raises(ConfigError, match="SMTP_HOST is required"):
        create_app(config | {"MAIL_BACKEND": "smtp", "SMTP_HOST": None})


SMTP = {"MAIL_BACKEND": "smtp", "SMTP_HOST": "smtp.northshire.gov.uk"}


@pytest.mark.parametrize(
    ("env", "named"),
    [
        ({"MAIL_BACKEND": "smtp"}, "SMTP_HOST"),
        ({**SMTP, "SMTP_HOST": ""}, "SMTP_HOST"),
        ({**SMTP, "SMTP_HOST": "   "}, "SMTP_HOST"),
        ({**SMTP, "SMTP_PORT": "twenty-five"}, "SMTP_PORT"),
        ({**SMTP, "SMTP_PORT": "0"}, "SMTP_PORT"),
        ({**SMTP, "SMTP_PORT": "-25"}, "SMTP_PORT"),
        ({**SMTP, "SMTP_PORT": "70000"}, "SMTP_PORT"),
        ({**SMTP, "SMTP_PORT": "587.5"}, "SMTP_PORT"),
        ({**SMTP, "SMTP_TIMEOUT": "soon"}, "SMTP_TIMEOUT"),
        ({**SMTP, "SMTP_TIMEOUT": "-1"}, "SMTP_TIMEOUT"),
        ({**SMTP, "SMTP_TIMEOUT": "0"}, "SMTP_TIMEOUT"),
        ({**SMTP, "SMTP_TIMEOUT": "nan"}, "SMTP_TIMEOUT"),
        ({**SMTP, "SMTP_TIMEOUT": "inf"}, "SMTP_TIMEOUT"),
        ({**SMTP, "SMTP_SECURITY": "tls"}, "SMTP_SECURITY"),
        ({**SMTP, "SMTP_USERNAME": "advice-hub"}, "SMTP_PASSWORD"),
        ({**SMTP, "SMTP_PASSWORD": "secret"}, "SMTP_USERNAME"),
        (
            {**SMTP, "SMTP_SECURITY": "none", "SMTP_USERNAME": "u", "SMTP_PASSWORD": "p"},
            "SMTP_SECURITY",
        ),
    ],
)
def test_a_missing_or_invalid_setting_is_named_in_the_error(
    env: dict[str, str], named: str
) -> None:
    # A value that does not parse is refused reading the environment, a combination that
    # does not work building the backend; either way the setting is named.
    with pytest.raises((ConfigError, ValueError), match=named):
        backend_from_env(env)


def test_the_password_never_appears_in_an_error() -> None:
    with pytest.raises(ValueError) as error:
        backend_from_env({**SMTP, "SMTP_PASSWORD": "hunter2"})

    assert "hunter2" not in str(error.value)


def test_the_readme_names_the_notify_template_of_every_kind_of_email() -> None:
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text()

    for kind in sendable_kinds():
        assert f"| `{kind}` |" in readme, kind
        assert f"`NOTIFY_TEMPLATE_{kind.upper()}`" in readme, kind


def test_a_notify_template_setting_for_no_kind_of_email_is_refused() -> None:
    with pytest.raises(ValueError, match="NOTIFY_TEMPLATE_ADVICE_REQEST: no such message kind"):
        backend_from_env(
            {
                "MAIL_BACKEND": "notify",
                "NOTIFY_TEMPLATE_ADVICE_REQEST": "8a1f0c52-2b7e-4f0e-9d3a-6c5b4a3f2e10",
            }
        )


@pytest.mark.parametrize(
    ("backend", "named"),
    [
        ("graph", "GRAPH_TENANT_ID, GRAPH_CLIENT_ID, GRAPH_CLIENT_SECRET, GRAPH_MAILBOX"),
        ("notify", "NOTIFY_API_KEY, NOTIFY_TEMPLATE_ADDENDUM_RECEIPT"),
    ],
)
def test_a_backend_with_its_settings_missing_names_every_one(backend: str, named: str) -> None:
    with pytest.raises(ValueError, match=f"MAIL_BACKEND '{backend}' needs {named}"):
        backend_from_env({"MAIL_BACKEND": backend})


def test_notify_settings_build_a_notify_backend_with_a_template_for_every_kind() -> None:
    templates = {
        f"NOTIFY_TEMPLATE_{kind.upper()}": f"8a1f0c52-2b7e-4f0e-9d3a-6c5b4a3f2e{n:02d}"
        for n, kind in enumerate(sendable_kinds())
    }
    backend = backend_from_env(
        {
            "MAIL_BACKEND": "notify",
            "NOTIFY_API_KEY": "live-1c2d3e4f-0a1b-4c2d-8e3f-5a6b7c8d9e0f-"
            "9f8e7d6c-5b4a-4392-8170-6f5e4d3c2b1a",
            "NOTIFY_REPLY_TO_ID": "0d1e2f3a-4b5c-4d6e-8f70-8192a3b4c5d6",
        }
        | templates
    )

    assert isinstance(backend, NotifyBackend)
    assert backend.resend_is_safe is False


def test_graph_settings_build_a_graph_backend_for_the_shared_mailbox() -> None:
    backend = backend_from_env(
        {
            "MAIL_BACKEND": "graph",
            "GRAPH_TENANT_ID": "0b7c3a52-6f1e-4d8a-9c3b-5e2f1a4d7c90",
            "GRAPH_CLIENT_ID": "5d4c3b2a-1f0e-4d9c-8b7a-6f5e4d3c2b1a",
            "GRAPH_CLIENT_SECRET": "a-client-secret",
            "GRAPH_MAILBOX": "advice@northshire.gov.uk",
            "GRAPH_TIMEOUT": "12",
        }
    )

    assert isinstance(backend, GraphBackend)
    assert (backend.mailbox, backend.timeout, backend.resend_is_safe) == (
        "advice@northshire.gov.uk",
        12.0,
        False,
    )
    assert "a-client-secret" not in repr(backend)
