"""Settings are read once, typed, and frozen; a bad value or an unknown override is named;
production refuses settings that only suit a developer's machine, naming each one."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

import pytest

from advice_hub import create_app
from advice_hub.config import DEFAULT_INSTANCE, ConfigError, Settings, production_problems
from advice_hub.sealing.checkpoints import new_signing_key
from tests.conftest import TEST_SECRET, base_config, services

SAFE = {
    "ADVICE_HUB_ENV": "production",
    "DATABASE_URL": "postgresql+psycopg://app@db/advice_hub",
    "REDIS_URL": "redis://redis:6379/0",
    "SECRET_KEY": "x" * 48,
    "MAIL_BACKEND": "smtp",
    "SMTP_HOST": "smtp.example.org",
    "BASE_URL": "https://advice.example.gov.uk",
    "LEDGER_SIGNING_KEY": new_signing_key(),
    "ENTRA_TENANT_ID": "8d1c2f3e-0000-4000-8000-000000000001",
    "ENTRA_CLIENT_ID": "5a6b7c8d-0000-4000-8000-000000000002",
    "ENTRA_CLIENT_SECRET": "an-app-registration-secret",
}


def production_error(**changes: str | None) -> str:
    env = {k: v for k, v in (SAFE | changes).items() if v is not None}
    with pytest.raises(ConfigError) as caught:
        create_app(Settings.from_env(env))
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
        ({"ENTRA_TENANT_ID": None}, "ENTRA_TENANT_ID"),
        ({"ENTRA_CLIENT_ID": None}, "ENTRA_CLIENT_ID"),
        ({"ENTRA_CLIENT_SECRET": None}, "ENTRA_CLIENT_SECRET"),
        ({"ENTRA_AUTHORITY": "http://login.example/tenant"}, "ENTRA_AUTHORITY"),
    ],
)
def test_production_refuses_to_start_and_names_the_setting(
    changes: dict[str, str | None], named: str
) -> None:
    message = production_error(**changes)
    assert "refuses to start in production" in message
    assert named in message


def test_the_safe_production_settings_have_no_problems() -> None:
    assert production_problems(Settings.from_env(SAFE)) == []


def test_production_names_every_wrong_setting_at_once() -> None:
    message = production_error(DEV_SIGN_IN="yes", REDIS_URL=None, SECRET_KEY=None)
    assert all(name in message for name in ("DEV_SIGN_IN", "REDIS_URL", "SECRET_KEY"))


def test_production_without_entra_names_each_missing_setting() -> None:
    message = production_error(ENTRA_TENANT_ID=None, ENTRA_CLIENT_ID=None, ENTRA_CLIENT_SECRET=None)
    lines = [line for line in message.splitlines() if "ENTRA_" in line]
    assert [line.split()[1] for line in lines] == [
        "ENTRA_TENANT_ID",
        "ENTRA_CLIENT_ID",
        "ENTRA_CLIENT_SECRET",
    ]


def test_development_sign_in_is_off_by_default_in_production() -> None:
    assert Settings.from_env(SAFE).dev_sign_in is False
    assert Settings.from_env({}).dev_sign_in is True


def test_a_malformed_boolean_is_named() -> None:
    with pytest.raises(ConfigError, match="DEV_SIGN_IN"):
        Settings.from_env({"DEV_SIGN_IN": "perhaps"})


def test_the_embedded_default_needs_no_services(tmp_path: Path) -> None:
    settings = Settings.from_env({"ADVICE_HUB_INSTANCE": str(tmp_path)})
    assert settings.database_url == f"sqlite:///{tmp_path / 'advice_hub.sqlite3'}"
    assert settings.redis_url is None
    assert settings.mail_backend == "file"


# --- Reading the environment ---------------------------------------------------------------


def test_every_setting_has_the_default_the_readme_gives() -> None:
    settings = Settings.from_env({})

    assert settings.env == "development" and not settings.production
    assert settings.instance_dir == DEFAULT_INSTANCE
    assert settings.base_url == "http://127.0.0.1:5000"
    assert settings.mail_outbox_dir == DEFAULT_INSTANCE / "mail"
    assert settings.attachment_dir == DEFAULT_INSTANCE / "attachments"
    assert (settings.smtp_host, settings.smtp_port, settings.smtp_security) == (
        None,
        None,
        "starttls",
    )
    assert settings.smtp_timeout == 30.0
    assert settings.link_token_ttl_days == 140
    assert settings.contributor_access_seconds == 43200
    assert settings.addendum_days == 28
    assert settings.attachment_max_mb == 10.0
    assert settings.outbox_relay_grace_seconds == 30
    assert settings.clock_interval_seconds == 60.0
    assert settings.checkpoint_every_minutes == 60.0
    assert settings.receipt_pdf is False
    assert settings.ledger_signing_key is None
    assert settings.chase_policy_file is None
    assert (settings.staff_idle_minutes, settings.staff_session_hours) == (30, 8)
    assert settings.entra_authority is None and not settings.entra_sign_in
    assert Settings.from_env({"PORT": "8000"}).base_url == "http://127.0.0.1:8000"


@pytest.mark.parametrize(
    ("variable", "text", "attribute", "value"),
    [
        ("ADVICE_HUB_ENV", "production", "env", "production"),
        ("ADVICE_HUB_INSTANCE", "/srv/advice-hub", "instance_dir", Path("/srv/advice-hub")),
        ("REDIS_URL", "redis://redis:6379/0", "redis_url", "redis://redis:6379/0"),
        ("MAIL_OUTBOX_DIR", "/srv/mail", "mail_outbox_dir", Path("/srv/mail")),
        ("SMTP_PORT", "2525", "smtp_port", 2525),
        ("SMTP_TIMEOUT", "12.5", "smtp_timeout", 12.5),
        ("DEV_SIGN_IN", "off", "dev_sign_in", False),
        ("RECEIPT_PDF", "yes", "receipt_pdf", True),
        ("LINK_TOKEN_TTL_DAYS", "7", "link_token_ttl_days", 7),
        ("ATTACHMENT_DIR", "/srv/files", "attachment_dir", Path("/srv/files")),
        ("ATTACHMENT_MAX_MB", "2.5", "attachment_max_mb", 2.5),
        ("CONTRIBUTOR_ACCESS_SECONDS", " 600 ", "contributor_access_seconds", 600),
        ("ADDENDUM_DAYS", "0", "addendum_days", 0),
        ("OUTBOX_RELAY_GRACE_SECONDS", "5", "outbox_relay_grace_seconds", 5),
        ("CLOCK_INTERVAL_SECONDS", "0.5", "clock_interval_seconds", 0.5),
        ("CHECKPOINT_EVERY_MINUTES", "15", "checkpoint_every_minutes", 15.0),
        ("CHASE_POLICY_FILE", "/etc/chase.toml", "chase_policy_file", Path("/etc/chase.toml")),
        ("DATABASE_APP_ROLE", "advice_hub_app", "database_app_role", "advice_hub_app"),
        ("STAFF_IDLE_MINUTES", "15", "staff_idle_minutes", 15),
        ("STAFF_SESSION_HOURS", "10", "staff_session_hours", 10),
        ("ENTRA_TENANT_ID", "tenant-1", "entra_tenant_id", "tenant-1"),
        ("ENTRA_CLIENT_ID", "client-1", "entra_client_id", "client-1"),
        ("ENTRA_AUTHORITY", "https://id.example/t", "entra_authority", "https://id.example/t"),
    ],
)
def test_each_value_is_parsed_once_to_its_type(
    variable: str, text: str, attribute: str, value: Any
) -> None:
    parsed = getattr(Settings.from_env({variable: text}), attribute)
    assert parsed == value
    assert type(parsed) is type(value)


def test_a_variable_set_to_nothing_counts_as_unset() -> None:
    settings = Settings.from_env(
        {"REDIS_URL": "", "LINK_TOKEN_TTL_DAYS": " ", "SECRET_KEY": "", "SMTP_PORT": ""}
    )
    assert settings.redis_url is None
    assert settings.link_token_ttl_days == 140
    assert settings.smtp_port is None
    assert production_problems(settings)  # the development secret, among others


@pytest.mark.parametrize(
    ("variable", "text"),
    [
        ("LINK_TOKEN_TTL_DAYS", "abc"),
        ("CONTRIBUTOR_ACCESS_SECONDS", "1.5"),
        ("ADDENDUM_DAYS", "four weeks"),
        ("OUTBOX_RELAY_GRACE_SECONDS", "30s"),
        ("ATTACHMENT_MAX_MB", "ten"),
        ("CLOCK_INTERVAL_SECONDS", "inf"),
        ("CHECKPOINT_EVERY_MINUTES", "nan"),
        ("RECEIPT_PDF", "perhaps"),
        ("SMTP_PORT", "twenty-five"),
        ("SMTP_PORT", "0"),
        ("SMTP_PORT", "70000"),
        ("SMTP_TIMEOUT", "soon"),
        ("SMTP_TIMEOUT", "-1"),
    ],
)
def test_a_value_that_cannot_be_parsed_is_named(variable: str, text: str) -> None:
    with pytest.raises(ConfigError) as caught:
        Settings.from_env({variable: text})
    assert str(caught.value).startswith(f"{variable}: expected ")
    assert text in str(caught.value)


def test_the_app_will_not_start_on_a_value_it_cannot_parse(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LINK_TOKEN_TTL_DAYS", "abc")
    with pytest.raises(ConfigError, match="LINK_TOKEN_TTL_DAYS: expected a whole number"):
        create_app()


def test_secrets_stay_out_of_the_settings_repr() -> None:
    key = new_signing_key()
    settings = Settings.from_env(
        {"SECRET_KEY": TEST_SECRET, "SMTP_PASSWORD": "hunter2", "ENTRA_CLIENT_SECRET": "s3cret"}
    )
    settings = settings.with_overrides({"LEDGER_SIGNING_KEY": key})
    assert all(secret not in repr(settings) for secret in (TEST_SECRET, "hunter2", key, "s3cret"))
    assert "link_token_ttl_days=140" in repr(settings)


# --- Overrides, and a frozen object ----------------------------------------------------------


def test_overrides_replace_settings_by_their_names_and_leave_the_original_alone() -> None:
    original = Settings.from_env({})
    changed = original.with_overrides(
        {"ADDENDUM_DAYS": 0, "REDIS_URL": "redis://redis:6379/1", "ATTACHMENT_MAX_MB": 1}
    )
    assert (changed.addendum_days, changed.redis_url, changed.attachment_max_mb) == (
        0,
        "redis://redis:6379/1",
        1,
    )
    assert (original.addendum_days, original.redis_url) == (28, None)
    assert changed.link_token_ttl_days == original.link_token_ttl_days


@pytest.mark.parametrize("name", ["LINK_TOKEN_TTL_DAY", "link_token_ttl_days", "TESTING"])
def test_an_unknown_override_is_refused_naming_it(name: str) -> None:
    with pytest.raises(ConfigError) as caught:
        Settings.from_env({}).with_overrides({name: 7})
    assert str(caught.value) == f"{name}: no such setting"


@pytest.mark.parametrize(
    ("name", "value", "expected"),
    [
        ("ATTACHMENT_MAX_MB", "10", "expected float, got str"),
        ("LINK_TOKEN_TTL_DAYS", 7.5, "expected int, got float"),
        ("CONTRIBUTOR_ACCESS_SECONDS", True, "expected int, got bool"),
        ("DEV_SIGN_IN", "yes", "expected bool, got str"),
        ("MAIL_OUTBOX_DIR", "/srv/mail", "expected Path, got str"),
        ("SECRET_KEY", None, "expected str, got NoneType"),
        ("REDIS_URL", 6379, "expected str or None, got int"),
    ],
)
def test_an_override_of_the_wrong_type_is_refused_naming_it(
    name: str, value: Any, expected: str
) -> None:
    with pytest.raises(ConfigError) as caught:
        Settings.from_env({}).with_overrides({name: value})
    assert str(caught.value) == f"{name}: {expected}"


def test_create_app_refuses_an_unknown_override(tmp_path: Path) -> None:
    config = base_config(tmp_path, f"sqlite:///{tmp_path / 'db.sqlite3'}")
    with pytest.raises(ConfigError, match="ADDENDUM_DAY: no such setting"):
        create_app(config | {"ADDENDUM_DAY": 0})


def test_create_app_keeps_the_typed_settings_on_its_services_alone(tmp_path: Path) -> None:
    config = base_config(tmp_path, f"sqlite:///{tmp_path / 'db.sqlite3'}")
    app = create_app(config | {"ADDENDUM_DAYS": 3})
    try:
        settings = services(app).settings
        assert isinstance(settings, Settings)
        assert (settings.addendum_days, settings.mail_outbox_dir) == (3, tmp_path / "mail")
        assert "ADVICE_HUB" not in app.config
    finally:
        services(app).engine.dispose()


def test_settings_are_frozen() -> None:
    settings = Settings.from_env({})
    with pytest.raises(dataclasses.FrozenInstanceError):
        settings.addendum_days = 0  # type: ignore[misc]
    assert settings.addendum_days == 28
