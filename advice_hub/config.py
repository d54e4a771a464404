"""Settings for advice_hub, read from the environment.

Two ways to run share one code path: the embedded default (SQLite, in-process broker and
worker, mail to files, development sign-in) and production (PostgreSQL, Redis, SMTP). In
production the app refuses to start on a setting that only suits a developer's machine.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_INSTANCE = PROJECT_ROOT / "instance"
INSECURE_DEV_SECRET = "development-only-secret-do-not-use-in-production"  # noqa: S105


class ConfigError(RuntimeError):
    """A setting is missing or unsafe; the message names every setting that is wrong."""


def _bool(value: str | None, default: bool) -> bool:
    if value is None or value == "":
        return default
    lowered = value.strip().lower()
    if lowered in {"1", "true", "yes", "on"}:
        return True
    if lowered in {"0", "false", "no", "off"}:
        return False
    raise ConfigError(f"expected true or false, got {value!r}")


def settings_from_env(environ: Mapping[str, str] | None = None) -> dict[str, Any]:
    """Build the settings dict from environment variables (defaults suit `make run`)."""
    env = os.environ if environ is None else environ
    instance = Path(env.get("ADVICE_HUB_INSTANCE", str(DEFAULT_INSTANCE)))
    production = env.get("ADVICE_HUB_ENV", "development") == "production"
    try:
        dev_sign_in = _bool(env.get("DEV_SIGN_IN"), default=not production)
    except ConfigError as exc:
        raise ConfigError(f"DEV_SIGN_IN: {exc}") from exc
    try:
        receipt_pdf = _bool(env.get("RECEIPT_PDF"), default=False)
    except ConfigError as exc:
        raise ConfigError(f"RECEIPT_PDF: {exc}") from exc
    return {
        "ENV": env.get("ADVICE_HUB_ENV", "development"),
        # Attach a PDF of the contributor's own sealed advice to their receipt.
        "RECEIPT_PDF": receipt_pdf,
        "INSTANCE_DIR": instance,
        "DATABASE_URL": env.get("DATABASE_URL", f"sqlite:///{instance / 'advice_hub.sqlite3'}"),
        "REDIS_URL": env.get("REDIS_URL") or None,
        "SECRET_KEY": env.get("SECRET_KEY") or INSECURE_DEV_SECRET,
        "BASE_URL": env.get("BASE_URL", "http://127.0.0.1:" + env.get("PORT", "5000")),
        "COUNCIL_NAME": env.get("COUNCIL_NAME", "Demo County Council"),
        "MAIL_FROM": env.get("MAIL_FROM", "advice@advice-hub.invalid"),
        # Who contributors reply to when an assessment has no named case officer.
        "SEND_TEAM_NAME": env.get("SEND_TEAM_NAME", "the SEND assessment team"),
        "SEND_TEAM_EMAIL": env.get("SEND_TEAM_EMAIL", "send-team@advice-hub.invalid"),
        "MAIL_BACKEND": env.get("MAIL_BACKEND", "file"),
        "MAIL_OUTBOX_DIR": Path(env.get("MAIL_OUTBOX_DIR", str(instance / "mail"))),
        "SMTP_HOST": env.get("SMTP_HOST"),
        "SMTP_PORT": env.get("SMTP_PORT", "587"),
        "SMTP_USERNAME": env.get("SMTP_USERNAME"),
        "SMTP_PASSWORD": env.get("SMTP_PASSWORD"),
        "SMTP_SECURITY": env.get("SMTP_SECURITY", "starttls"),
        "SMTP_TIMEOUT": env.get("SMTP_TIMEOUT", "30"),
        "DEV_SIGN_IN": dev_sign_in,
        "LINK_TOKEN_TTL_DAYS": int(env.get("LINK_TOKEN_TTL_DAYS", "140")),
        # Files contributors attach: kept outside the web root, each up to ATTACHMENT_MAX_MB.
        "ATTACHMENT_DIR": Path(env.get("ATTACHMENT_DIR", str(instance / "attachments"))),
        "ATTACHMENT_MAX_MB": float(env.get("ATTACHMENT_MAX_MB", "10")),
        # A contributor's access lapses after this long without a page view or a save.
        "CONTRIBUTOR_ACCESS_SECONDS": int(env.get("CONTRIBUTOR_ACCESS_SECONDS", "43200")),
        # How long after sealing an author may add an addendum through their own link; after
        # that only through a link a case officer sends with an addendum request.
        "ADDENDUM_DAYS": int(env.get("ADDENDUM_DAYS", "28")),
        "OUTBOX_RELAY_GRACE_SECONDS": int(env.get("OUTBOX_RELAY_GRACE_SECONDS", "30")),
        "CLOCK_INTERVAL_SECONDS": float(env.get("CLOCK_INTERVAL_SECONDS", "60")),
        # Signs the ledger's checkpoints (base64 Ed25519 key; a development key is made in
        # the instance folder when unset, away from production).
        "LEDGER_SIGNING_KEY": env.get("LEDGER_SIGNING_KEY") or None,
        "CHECKPOINT_EVERY_MINUTES": float(env.get("CHECKPOINT_EVERY_MINUTES", "60")),
        # Migrations run as the tables' owner; DATABASE_URL's role may then be denied UPDATE,
        # DELETE and TRUNCATE on sealed tables (see README, "Database roles").
        "MIGRATION_DATABASE_URL": env.get("MIGRATION_DATABASE_URL") or None,
        "DATABASE_APP_ROLE": env.get("DATABASE_APP_ROLE") or None,
        # When reminders, chases and escalations go, per agency (None: the shipped file).
        "CHASE_POLICY_FILE": (
            Path(env["CHASE_POLICY_FILE"]) if env.get("CHASE_POLICY_FILE") else None
        ),
    }


def production_problems(settings: Mapping[str, Any]) -> list[str]:
    """Every reason these settings are unfit for production, each naming its setting."""
    problems = []
    if settings.get("DEV_SIGN_IN"):
        problems.append(
            "DEV_SIGN_IN must be off in production (development sign-in lets anyone in)"
        )
    if not settings.get("REDIS_URL"):
        problems.append(
            "REDIS_URL must be set in production (the embedded broker loses nothing "
            "but runs only inside one process)"
        )
    secret = settings.get("SECRET_KEY") or ""
    if secret == INSECURE_DEV_SECRET or len(secret) < 32:
        problems.append("SECRET_KEY must be set to a random value of at least 32 characters")
    if not str(settings.get("DATABASE_URL", "")).startswith("postgresql"):
        problems.append("DATABASE_URL must point at PostgreSQL (postgresql+psycopg://...)")
    if settings.get("MAIL_BACKEND") == "file":
        problems.append("MAIL_BACKEND must not be 'file' in production (nobody would get the mail)")
    if not settings.get("LEDGER_SIGNING_KEY"):
        problems.append(
            "LEDGER_SIGNING_KEY must be set in production (`advice-hub ledger new-key` makes one)"
        )
    if not str(settings.get("BASE_URL", "")).startswith("https://"):
        problems.append("BASE_URL must be the service's https:// address")
    return problems


def check_settings(settings: Mapping[str, Any]) -> None:
    """Raise ConfigError when production settings are unsafe."""
    if settings.get("ENV") == "production":
        problems = production_problems(settings)
        if problems:
            raise ConfigError(
                "advice_hub refuses to start in production:\n  - " + "\n  - ".join(problems)
            )
