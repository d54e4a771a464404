"""The application factory: settings, clients, blueprints, templates and security headers."""

from __future__ import annotations

import secrets
import uuid
from collections.abc import Mapping
from datetime import timedelta
from pathlib import Path
from typing import Any

from flask import Flask, g, request
from jinja2 import ChoiceLoader, FileSystemLoader, PackageLoader, PrefixLoader, StrictUndefined

from advice_hub.chasing import ChasePolicy, PolicyError, load_policy
from advice_hub.config import PROJECT_ROOT, ConfigError, Settings, check_settings
from advice_hub.db import make_engine, make_session_factory
from advice_hub.jobs.broker import bind_broker, make_broker
from advice_hub.logs import configure_logging
from advice_hub.outbox import install_after_commit_dispatch
from advice_hub.services import EXTENSION_KEY, Services, current_services
from advice_hub.web import register_web
from advice_hub.web.contributor.sections import SECTION_POST_LIMIT
from advice_hub.web.templating import PageEnvironment
from notifications import MailBackend, MessagesPerMinute, SendingLimit, backend_from_settings

STATIC_DIR = Path(__file__).resolve().parent / "static"


def build_app(config: Mapping[str, Any] | Settings | None = None) -> Flask:
    settings = _settings(config)
    check_settings(settings)
    _check_signing_key(settings)
    configure_logging()

    app = Flask(
        "advice_hub",
        template_folder=str(PROJECT_ROOT / "templates"),
        static_folder=str(STATIC_DIR),
        static_url_path="/static",
    )
    production = settings.production
    app.config.update(
        SECRET_KEY=settings.secret_key,
        SESSION_COOKIE_NAME="__Host-session" if production else "session",
        SESSION_COOKIE_SECURE=production,
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        PERMANENT_SESSION_LIFETIME=timedelta(hours=8),
        WTF_CSRF_TIME_LIMIT=None,  # tied to the session instead, so long forms do not expire
        # Forms and API bodies; the upload page takes more, a section page less (_request_limits).
        MAX_CONTENT_LENGTH=2 * 1024 * 1024,
    )
    app.jinja_environment = PageEnvironment
    app.jinja_loader = ChoiceLoader(
        [
            FileSystemLoader(str(PROJECT_ROOT / "templates")),
            PrefixLoader({"govuk_frontend_jinja": PackageLoader("govuk_frontend_jinja")}),
        ]
    )
    app.jinja_env.trim_blocks = True
    app.jinja_env.lstrip_blocks = True
    # A misspelt or missing variable fails the page, as it fails an email (see PageEnvironment).
    app.jinja_env.undefined = StrictUndefined

    engine = make_engine(settings.database_url)
    factory = make_session_factory(engine)
    broker = make_broker(settings.redis_url)
    # Imported here so that models, migrations and the CLI's imports stay light.
    from advice_hub.jobs.actors import ACTORS, outbox_dispatcher, staff_dispatcher

    bind_broker(broker, app, ACTORS)

    dispatch = outbox_dispatcher(broker)
    dispatch_staff = staff_dispatcher(broker)
    install_after_commit_dispatch(factory, dispatch, dispatch_staff)
    app.extensions[EXTENSION_KEY] = Services(
        settings=settings,
        engine=engine,
        session_factory=factory,
        mail=_mail_backend(settings),
        sending_limit=_sending_limit(settings),
        broker=broker,
        dispatch=dispatch,
        dispatch_staff=dispatch_staff,
        # Read and checked now, so a mistake in the policy file stops the start, naming it.
        chase_policy=_chase_policy(settings),
    )
    # First, so that a request refused by an earlier hook (a lapsed security token, a post
    # too large) still has its id and its script nonce.
    _install_request_hooks(app)
    _request_limits(app, settings)
    register_web(app, production=production)
    return app


def _settings(config: Mapping[str, Any] | Settings | None) -> Settings:
    """The environment's settings with `config`'s overrides, or `config` itself when an
    embedding program built its own."""
    if isinstance(config, Settings):
        return config
    return Settings.from_env().with_overrides(config or {})


def _check_signing_key(settings: Settings) -> None:
    from advice_hub.sealing.checkpoints import SigningKeyError, load_signing_key

    if settings.production:
        try:
            load_signing_key(settings)
        except SigningKeyError as exc:
            raise ConfigError(f"advice_hub refuses to start in production:\n  - {exc}") from None


def _mail_backend(settings: Settings) -> MailBackend:
    try:
        return backend_from_settings(settings)
    except ValueError as exc:
        raise ConfigError(str(exc)) from None


def _sending_limit(settings: Settings) -> SendingLimit | None:
    """Graph's limit on one mailbox, counted in Redis so that every worker process shares it
    (in memory on the embedded default, where one process sends)."""
    if settings.mail_backend != "graph":
        return None
    from dramatiq.rate_limits.backends import RedisBackend, StubBackend

    counts = RedisBackend(url=settings.redis_url) if settings.redis_url else StubBackend()
    mailbox = (settings.graph_mailbox or "").lower()
    return MessagesPerMinute(
        counts, f"advice-hub:mail:graph:{mailbox}", limit=settings.graph_messages_per_minute
    )


def _chase_policy(settings: Settings) -> ChasePolicy:
    try:
        return load_policy(settings.chase_policy_file)
    except PolicyError as exc:
        raise ConfigError(f"CHASE_POLICY_FILE: {exc}") from None


def _request_limits(app: Flask, settings: Settings) -> None:
    """Request size limits of their own for two pages: the upload page takes one file plus
    its form; a section of the contributor's form, and each step of a repeatable item, takes
    far more than its answers need, and refuses a paste far beyond that whole, saying so,
    rather than cutting it short.

    Registered before CSRF protection, which reads the form and so needs the limit first.
    """
    limits = {
        "contributor.attachments": int(settings.attachment_max_mb * 1024 * 1024) + 512 * 1024,
        "contributor.section": SECTION_POST_LIMIT,
        "contributor.item_step": SECTION_POST_LIMIT,
    }

    @app.before_request
    def _request_limit() -> None:
        limit = limits.get(request.endpoint or "")
        if limit is not None:
            request.max_content_length = limit


def _install_request_hooks(app: Flask) -> None:
    from advice_hub.web.db_session import close_session

    app.teardown_appcontext(close_session)

    @app.before_request
    def _request_context() -> None:
        g.request_id = request.headers.get("X-Request-ID", "")[:64] or uuid.uuid4().hex
        g.csp_nonce = secrets.token_urlsafe(16)

    @app.context_processor
    def _template_globals() -> dict[str, Any]:
        settings = current_services().settings
        return {
            "cspNonce": g.get("csp_nonce", ""),
            "council_name": settings.council_name,
            "assetPath": "/static/govuk/assets",
            "development": not settings.production,
            "footer_links": [
                {"href": "/verify", "text": "Check a fingerprint of sealed advice"},
                *(
                    [{"href": "/dev/mail", "text": "Mail sent (development only)"}]
                    if not settings.production
                    else []
                ),
            ],
        }

    @app.after_request
    def _security_headers(response: Any) -> Any:
        nonce = g.get("csp_nonce", "")
        response.headers.setdefault(
            "Content-Security-Policy",
            f"default-src 'self'; script-src 'self' 'nonce-{nonce}'; style-src 'self'; "
            "img-src 'self' data:; font-src 'self'; frame-ancestors 'none'; "
            "form-action 'self'; base-uri 'none'",
        )
        # Same-origin only: a link token in a URL never reaches another site in a Referer.
        response.headers["Referrer-Policy"] = "same-origin"
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["X-Frame-Options"] = "DENY"
        response.headers["X-Request-ID"] = g.get("request_id", "")
        if not request.path.startswith("/static/"):
            response.headers["Cache-Control"] = "no-store"
        return response
