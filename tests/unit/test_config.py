"""Production refuses settings that only suit a developer's machine, naming each one."""

from __future__ import annotations

import pytest

from advice_hub import create_app
from advice_hub.config import ConfigError, production_problems, settings_from_env
from advice_hub.sealing.checkpoints import new_signing_key

SAFE = {
    "ADVICE_HUB_ENV": "production",
    "DATABASE_URL": "postgresql+psycopg://app@db/advice_hub",
    "REDIS_URL": "redis://redis:6379/0",
    "SECRET_KEY": "x" * 48,
    "MAIL_BACKEND": "smtp",
    "SMTP_HOST": "smtp.example.org",
    "BASE_URL": "https://advice.example.gov.uk",
    "LEDGER_SIGNING_KEY": new_signing_key(),
}


def production_error(**changes: str | None) -> str:
    env = {k: v for k, v in (SAFE | changes).items() if v is not None}
    with pytest.raises(ConfigError) as caught:
        create_app(settings_from_env(env))
    return str(caught.value)


@pytest.mark.parametrize(
    ("changes", "named"),
    [
        ({"DEV_SIGN_IN": "true"}, "DEV_SIGN_IN"),
        ({"REDIS_URL": None}, "REDIS_URL"),
        ({"SECRET_KEY": None}, "SECRET_KEY"),
        ({"SECRET_KEY": "short"}, "SECRET_KEY"),
        ({"DATABASE_URL": "sqlite:///x.db"}, "DATABASE_URL"),
        ({"MAIL_BACKEND": "file"}, "MAIL_BACKEND"),
        ({"BASE_URL": "http://advice.example.gov.uk"}, "BASE_URL"),
        ({"LEDGER_SIGNING_KEY": None}, "LEDGER_SIGNING_KEY"),
        ({"LEDGER_SIGNING_KEY": "not-a-key"}, "LEDGER_SIGNING_KEY"),
    ],
)
def test_production_refuses_to_start_and_names_the_setting(
    changes: dict[str, str | None], named: str
) -> None:
    message = production_error(**changes)
    assert "refuses to start in production" in message
    assert named in message


def test_the_safe_production_settings_have_no_problems() -> None:
    assert production_problems(settings_from_env(SAFE)) == []


def test_production_names_every_wrong_setting_at_once() -> None:
    message = production_error(DEV_SIGN_IN="yes", REDIS_URL=None, SECRET_KEY=None)
    assert all(name in message for name in ("DEV_SIGN_IN", "REDIS_URL", "SECRET_KEY"))


def test_development_sign_in_is_off_by_default_in_production() -> None:
    assert settings_from_env(SAFE)["DEV_SIGN_IN"] is False
    assert settings_from_env({})["DEV_SIGN_IN"] is True


def test_a_malformed_boolean_is_named() -> None:
    with pytest.raises(ConfigError, match="DEV_SIGN_IN"):
        settings_from_env({"DEV_SIGN_IN": "perhaps"})


def test_the_embedded_default_needs_no_services(tmp_path: object) -> None:
    settings = settings_from_env({"ADVICE_HUB_INSTANCE": str(tmp_path)})
    assert settings["DATABASE_URL"].startswith("sqlite:///")
    assert settings["REDIS_URL"] is None
    assert settings["MAIL_BACKEND"] == "file"
