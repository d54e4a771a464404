"""Choosing and configuring the mail backend from settings."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from notifications import FileBackend, SMTPBackend, backend_from_settings


def test_the_file_backend_is_the_default(tmp_path: Path) -> None:
    backend = backend_from_settings({"MAIL_OUTBOX_DIR": str(tmp_path)})

    assert isinstance(backend, FileBackend)
    assert backend.directory == tmp_path


def test_smtp_settings_build_an_smtp_backend() -> None:
    backend = backend_from_settings(
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
    backend = backend_from_settings(
        {"MAIL_BACKEND": "smtp", "SMTP_HOST": "localhost", "SMTP_SECURITY": security}
    )

    assert isinstance(backend, SMTPBackend)
    assert backend.port == port
    assert backend.timeout == 30.0


def test_an_unknown_backend_is_refused_with_the_choices() -> None:
    with pytest.raises(ValueError) as error:
        backend_from_settings({"MAIL_BACKEND": "smtpx"})

    assert str(error.value) == "MAIL_BACKEND must be one of file, smtp; got 'smtpx'"


SMTP = {"MAIL_BACKEND": "smtp", "SMTP_HOST": "smtp.northshire.gov.uk"}


@pytest.mark.parametrize(
    ("settings", "named"),
    [
        ({}, "MAIL_OUTBOX_DIR"),
        ({"MAIL_BACKEND": "file", "MAIL_OUTBOX_DIR": " "}, "MAIL_OUTBOX_DIR"),
        ({"MAIL_BACKEND": 1}, "MAIL_BACKEND"),
        ({"MAIL_BACKEND": "smtp"}, "SMTP_HOST"),
        ({**SMTP, "SMTP_HOST": ""}, "SMTP_HOST"),
        ({**SMTP, "SMTP_PORT": "twenty-five"}, "SMTP_PORT"),
        ({**SMTP, "SMTP_PORT": 0}, "SMTP_PORT"),
        ({**SMTP, "SMTP_PORT": 70000}, "SMTP_PORT"),
        ({**SMTP, "SMTP_PORT": 587.5}, "SMTP_PORT"),
        ({**SMTP, "SMTP_PORT": True}, "SMTP_PORT"),
        ({**SMTP, "SMTP_TIMEOUT": "soon"}, "SMTP_TIMEOUT"),
        ({**SMTP, "SMTP_TIMEOUT": -1}, "SMTP_TIMEOUT"),
        ({**SMTP, "SMTP_TIMEOUT": "nan"}, "SMTP_TIMEOUT"),
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
    settings: dict[str, Any], named: str
) -> None:
    with pytest.raises(ValueError, match=named):
        backend_from_settings(settings)


def test_the_password_never_appears_in_an_error() -> None:
    with pytest.raises(ValueError) as error:
        backend_from_settings({**SMTP, "SMTP_PASSWORD": "hunter2"})

    assert "hunter2" not in str(error.value)
