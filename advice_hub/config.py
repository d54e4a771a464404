"""Settings for advice_hub, read from the environment once, typed, and never changed.

Two ways to run share one code path: the embedded default (SQLite, in-process broker and
worker, mail to files, development sign-in) and production (PostgreSQL, Redis, SMTP). In
production the app refuses to start on a setting that only suits a developer's machine.
"""

from __future__ import annotations

import math
import os
import types
from collections.abc import Mapping
from dataclasses import dataclass, field, fields, replace
from functools import cache
from pathlib import Path
from typing import Any, get_args, get_origin, get_type_hints

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_INSTANCE = PROJECT_ROOT / "instance"
INSECURE_DEV_SECRET = "development-only-secret-do-not-use-in-production"  # noqa: S105


# NOTIFY_TEMPLATE_ADVICE_REQUEST and so on: one GOV.UK Notify template id per message kind.
NOTIFY_TEMPLATE_PREFIX = "NOTIFY_TEMPLATE_"


class ConfigError(RuntimeError):
    """A setting is missing or unsafe; the message names every setting that is wrong."""


@dataclass(frozen=True, kw_only=True)
class Settings:
    """Every setting the service reads, each parsed once, when the process starts.

    An attribute is its setting's name in lower case (``base_url`` is BASE_URL); overrides
    (`with_overrides`, `create_app(config)`) use the upper-case names, as the README does.
    Frozen, so a value read in one place is the value everywhere, for the process's life.
    """

    env: str  # from ADVICE_HUB_ENV; "production" refuses unsafe settings at start-up
    instance_dir: Path  # from ADVICE_HUB_INSTANCE
    database_url: str
    redis_url: str | None
    secret_key: str = field(repr=False)
    base_url: str
    council_name: str
    mail_from: str
    # Who contributors reply to when an assessment has no named case officer.
    send_team_name: str
    send_team_email: str
    mail_backend: str  # its choices belong to notifications, which checks them
    mail_outbox_dir: Path
    smtp_host: str | None
    smtp_port: int | None  # None: the port that suits SMTP_SECURITY
    smtp_username: str | None
    smtp_password: str | None = field(repr=False)
    smtp_security: str
    smtp_timeout: float
    # Microsoft Graph (MAIL_BACKEND=graph): an app registration allowed Mail.Send, sending as
    # one shared mailbox; GRAPH_AUTHORITY points at another OpenID provider (tests) instead of
    # Entra ID, GRAPH_URL at another Graph endpoint (a national cloud).
    graph_tenant_id: str | None
    graph_client_id: str | None
    graph_client_secret: str | None = field(repr=False)
    graph_mailbox: str | None
    graph_authority: str | None
    graph_url: str
    graph_timeout: float
    # Graph takes about 30 messages a minute from one mailbox: every worker process shares
    # this limit (through Redis when REDIS_URL is set).
    graph_messages_per_minute: int
    # GOV.UK Notify (MAIL_BACKEND=notify): the service's API key, one template per message kind
    # (NOTIFY_TEMPLATE_<KIND>, e.g. NOTIFY_TEMPLATE_ADVICE_REQUEST), and optionally the id of a
    # reply-to address set up in Notify.
    notify_api_key: str | None = field(repr=False)
    notify_base_url: str
    notify_templates: dict[str, str]
    notify_reply_to_id: str | None
    notify_timeout: float
    dev_sign_in: bool
    # Staff sign in with the council's Microsoft Entra ID (the app registration's tenant, client
    # id and secret); ENTRA_AUTHORITY points at another OpenID Connect provider instead.
    entra_tenant_id: str | None
    entra_client_id: str | None
    entra_client_secret: str | None = field(repr=False)
    entra_authority: str | None
    # A member of staff's session ends after this long without a page, and after this long at
    # most however busy they are.
    staff_idle_minutes: int
    staff_session_hours: int
    link_token_ttl_days: int
    # Attach a PDF of the contributor's own sealed advice to their receipt.
    receipt_pdf: bool
    # Files contributors attach: kept outside the web root, each up to ATTACHMENT_MAX_MB.
    attachment_dir: Path
    attachment_max_mb: float
    # A contributor's access lapses after this long without a page view or a save.
    contributor_access_seconds: int
    # How long after sealing an author may add an addendum through their own link; after
    # that only through a link a case officer sends with an addendum request.
    addendum_days: int
    outbox_relay_grace_seconds: int
    clock_interval_seconds: float
    # Signs the ledger's checkpoints (base64 Ed25519 key; a development key is made in the
    # instance folder when unset, away from production).
    ledger_signing_key: str | None = field(repr=False)
    checkpoint_every_minutes: float
    # How often the clock works the timeliness reports' figures out again.
    reports_refresh_minutes: float
    # Migrations run as the tables' owner; DATABASE_URL's role may then be denied UPDATE,
    # DELETE and TRUNCATE on sealed tables (see README, "Database roles").
    migration_database_url: str | None
    database_app_role: str | None
    # When reminders, chases and escalations go, per agency (None: the shipped file).
    chase_policy_file: Path | None

    @property
    def production(self) -> bool:
        return self.env == "production"

    @property
    def entra_sign_in(self) -> bool:
        """Whether staff can sign in with Entra ID (or the OpenID provider ENTRA_AUTHORITY)."""
        return bool(self.entra_tenant_id and self.entra_client_id and self.entra_client_secret)

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Settings:
        """Read every setting from environment variables (the defaults suit `make run`).

        A variable set to nothing counts as unset. A value that cannot be parsed raises
        ConfigError naming its variable.
        """
        env = os.environ if environ is None else environ
        instance = _path(env, "ADVICE_HUB_INSTANCE", DEFAULT_INSTANCE)
        environment = _text(env, "ADVICE_HUB_ENV", "development")
        return cls(
            env=environment,
            instance_dir=instance,
            database_url=_text(env, "DATABASE_URL", f"sqlite:///{instance / 'advice_hub.sqlite3'}"),
            redis_url=_optional(env, "REDIS_URL"),
            secret_key=_secret(env, "SECRET_KEY") or INSECURE_DEV_SECRET,
            base_url=_text(env, "BASE_URL", "http://127.0.0.1:" + _text(env, "PORT", "5000")),
            council_name=_text(env, "COUNCIL_NAME", "Demo County Council"),
            mail_from=_text(env, "MAIL_FROM", "advice@advice-hub.invalid"),
            send_team_name=_text(env, "SEND_TEAM_NAME", "the SEND assessment team"),
            send_team_email=_text(env, "SEND_TEAM_EMAIL", "send-team@advice-hub.invalid"),
            mail_backend=_text(env, "MAIL_BACKEND", "file"),
            mail_outbox_dir=_path(env, "MAIL_OUTBOX_DIR", instance / "mail"),
            smtp_host=_optional(env, "SMTP_HOST"),
            smtp_port=_port(env, "SMTP_PORT"),
            smtp_username=_optional(env, "SMTP_USERNAME"),
            smtp_password=_secret(env, "SMTP_PASSWORD"),
            smtp_security=_text(env, "SMTP_SECURITY", "starttls"),
            smtp_timeout=_float(env, "SMTP_TIMEOUT", 30.0, positive=True),
            graph_tenant_id=_optional(env, "GRAPH_TENANT_ID"),
            graph_client_id=_optional(env, "GRAPH_CLIENT_ID"),
            graph_client_secret=_secret(env, "GRAPH_CLIENT_SECRET"),
            graph_mailbox=_optional(env, "GRAPH_MAILBOX"),
            graph_authority=_optional(env, "GRAPH_AUTHORITY"),
            graph_url=_text(env, "GRAPH_URL", "https://graph.microsoft.com/v1.0"),
            graph_timeout=_float(env, "GRAPH_TIMEOUT", 30.0, positive=True),
            graph_messages_per_minute=_int(env, "GRAPH_MESSAGES_PER_MINUTE", 30, positive=True),
            notify_api_key=_secret(env, "NOTIFY_API_KEY"),
            notify_base_url=_text(
                env, "NOTIFY_BASE_URL", "https://api.notifications.service.gov.uk"
            ),
            notify_templates=_named(env, NOTIFY_TEMPLATE_PREFIX),
            notify_reply_to_id=_optional(env, "NOTIFY_REPLY_TO_ID"),
            notify_timeout=_float(env, "NOTIFY_TIMEOUT", 30.0, positive=True),
            dev_sign_in=_bool(env, "DEV_SIGN_IN", default=environment != "production"),
            entra_tenant_id=_optional(env, "ENTRA_TENANT_ID"),
            entra_client_id=_optional(env, "ENTRA_CLIENT_ID"),
            entra_client_secret=_secret(env, "ENTRA_CLIENT_SECRET"),
            entra_authority=_optional(env, "ENTRA_AUTHORITY"),
            staff_idle_minutes=_int(env, "STAFF_IDLE_MINUTES", 30),
            staff_session_hours=_int(env, "STAFF_SESSION_HOURS", 8),
            link_token_ttl_days=_int(env, "LINK_TOKEN_TTL_DAYS", 140),
            receipt_pdf=_bool(env, "RECEIPT_PDF", default=False),
            attachment_dir=_path(env, "ATTACHMENT_DIR", instance / "attachments"),
            attachment_max_mb=_float(env, "ATTACHMENT_MAX_MB", 10.0),
            contributor_access_seconds=_int(env, "CONTRIBUTOR_ACCESS_SECONDS", 43200),
            addendum_days=_int(env, "ADDENDUM_DAYS", 28),
            outbox_relay_grace_seconds=_int(env, "OUTBOX_RELAY_GRACE_SECONDS", 30),
            clock_interval_seconds=_float(env, "CLOCK_INTERVAL_SECONDS", 60.0),
            ledger_signing_key=_optional(env, "LEDGER_SIGNING_KEY"),
            checkpoint_every_minutes=_float(env, "CHECKPOINT_EVERY_MINUTES", 60.0),
            reports_refresh_minutes=_float(env, "REPORTS_REFRESH_MINUTES", 5.0, positive=True),
            migration_database_url=_optional(env, "MIGRATION_DATABASE_URL"),
            database_app_role=_optional(env, "DATABASE_APP_ROLE"),
            chase_policy_file=_optional_path(env, "CHASE_POLICY_FILE"),
        )

    def with_overrides(self, overrides: Mapping[str, Any]) -> Settings:
        """These settings with some replaced, each given by its upper-case name and a value
        of its type (tests and embedding pass these to `create_app`).

        A name that is no setting, or a value of the wrong type, is refused naming it: a
        typo in a test's settings must fail, not leave the default quietly in place.
        """
        types_by_name = _types_by_name()
        changes = {}
        for name, value in overrides.items():
            if name not in types_by_name:
                raise ConfigError(f"{name}: no such setting")
            expected = types_by_name[name]
            if not _is_a(value, expected):
                raise ConfigError(
                    f"{name}: expected {_type_name(expected)}, got {type(value).__name__}"
                )
            changes[name.lower()] = value
        return replace(self, **changes)


def production_problems(settings: Settings) -> list[str]:
    """Every reason these settings are unfit for production, each naming its setting."""
    problems = []
    if settings.dev_sign_in:
        problems.append(
            "DEV_SIGN_IN must be off in production (development sign-in lets anyone in)"
        )
    if not settings.redis_url:
        problems.append(
            "REDIS_URL must be set in production (the embedded broker loses nothing "
            "but runs only inside one process)"
        )
    for name, value in (
        ("ENTRA_TENANT_ID", settings.entra_tenant_id),
        ("ENTRA_CLIENT_ID", settings.entra_client_id),
        ("ENTRA_CLIENT_SECRET", settings.entra_client_secret),
    ):
        if not value:
            problems.append(
                f"{name} must be set in production (staff sign in with the council's "
                "Microsoft Entra ID app registration)"
            )
    if settings.entra_authority and not settings.entra_authority.startswith("https://"):
        problems.append("ENTRA_AUTHORITY must be an https:// address")
    secret = settings.secret_key
    if secret == INSECURE_DEV_SECRET or len(secret) < 32:
        problems.append("SECRET_KEY must be set to a random value of at least 32 characters")
    if not settings.database_url.startswith("postgresql"):
        problems.append("DATABASE_URL must point at PostgreSQL (postgresql+psycopg://...)")
    if settings.mail_backend == "file":
        problems.append("MAIL_BACKEND must not be 'file' in production (nobody would get the mail)")
    if not settings.ledger_signing_key:
        problems.append(
            "LEDGER_SIGNING_KEY must be set in production (`advice-hub ledger new-key` makes one)"
        )
    if not settings.base_url.startswith("https://"):
        problems.append("BASE_URL must be the service's https:// address")
    return problems


def check_settings(settings: Settings) -> None:
    """Raise ConfigError when production settings are unsafe."""
    if settings.production:
        problems = production_problems(settings)
        if problems:
            raise ConfigError(
                "advice_hub refuses to start in production:\n  - " + "\n  - ".join(problems)
            )


# --- Reading one variable ----------------------------------------------------------------
# Each takes the variable's name, so that every error names it.


def _optional(env: Mapping[str, str], name: str) -> str | None:
    # Deployment tools often set a variable to nothing to mean "unset".
    value = env.get(name)
    return value.strip() if value is not None and value.strip() else None


def _text(env: Mapping[str, str], name: str, default: str) -> str:
    return _optional(env, name) or default


def _secret(env: Mapping[str, str], name: str) -> str | None:
    # Taken exactly as given: a space may belong to a password. Never echoed in an error.
    value = env.get(name)
    return value if value else None


def _path(env: Mapping[str, str], name: str, default: Path) -> Path:
    value = _optional(env, name)
    return Path(value) if value is not None else default


def _optional_path(env: Mapping[str, str], name: str) -> Path | None:
    value = _optional(env, name)
    return Path(value) if value is not None else None


def _bool(env: Mapping[str, str], name: str, *, default: bool) -> bool:
    value = _optional(env, name)
    if value is None:
        return default
    lowered = value.lower()
    if lowered in {"1", "true", "yes", "on"}:
        return True
    if lowered in {"0", "false", "no", "off"}:
        return False
    raise ConfigError(f"{name}: expected true or false, got {value!r}")


def _int(env: Mapping[str, str], name: str, default: int, *, positive: bool = False) -> int:
    value = _optional(env, name)
    if value is None:
        return default
    try:
        number = int(value)
    except ValueError:
        raise ConfigError(f"{name}: expected a whole number, got {value!r}") from None
    if positive and number <= 0:
        raise ConfigError(f"{name}: expected a whole number above 0, got {value!r}")
    return number


def _named(env: Mapping[str, str], prefix: str) -> dict[str, str]:
    """Every variable named ``prefix`` + a name, by that name in lower case (NOTIFY_TEMPLATE_
    ADVICE_REQUEST is ``advice_request``); the names are checked by whoever reads them."""
    return {
        name.removeprefix(prefix).lower(): value
        for name in env
        if name.startswith(prefix) and len(name) > len(prefix)
        if (value := _optional(env, name)) is not None
    }


def _float(env: Mapping[str, str], name: str, default: float, *, positive: bool = False) -> float:
    value = _optional(env, name)
    if value is None:
        return default
    try:
        number = float(value)
    except ValueError:
        raise ConfigError(f"{name}: expected a number, got {value!r}") from None
    if not math.isfinite(number) or (positive and number <= 0):
        wanted = "a positive number" if positive else "a finite number"
        raise ConfigError(f"{name}: expected {wanted}, got {value!r}")
    return number


def _port(env: Mapping[str, str], name: str) -> int | None:
    if _optional(env, name) is None:
        return None
    port = _int(env, name, 0)
    if not 0 < port < 65536:
        raise ConfigError(f"{name}: expected a port between 1 and 65535, got {port}")
    return port


# --- Checking an override ------------------------------------------------------------------


@cache
def _types_by_name() -> dict[str, Any]:
    hints = get_type_hints(Settings)
    return {setting.name.upper(): hints[setting.name] for setting in fields(Settings)}


def _options(expected: Any) -> tuple[Any, ...]:
    return get_args(expected) if isinstance(expected, types.UnionType) else (expected,)


def _is_a(value: Any, expected: Any) -> bool:
    for option in _options(expected):
        if option is type(None):
            if value is None:
                return True
        elif isinstance(value, bool):
            # bool is an int subclass: True is no number of seconds.
            if option is bool:
                return True
        elif option is float:
            if isinstance(value, int | float):
                return True
        elif isinstance(value, get_origin(option) or option):
            return True
    return False


def _type_name(expected: Any) -> str:
    return " or ".join(
        "None" if option is type(None) else option.__name__ for option in _options(expected)
    )
