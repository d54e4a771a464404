"""The one mail backend a deployment uses, built from its settings (``MAIL_BACKEND`` and the
chosen backend's own), each missing or invalid setting named."""

from __future__ import annotations

from typing import cast

from advice_hub.config import Settings
from notifications.backends import (
    BACKENDS,
    SECURITY_MODES,
    FileBackend,
    MailBackend,
    Security,
    SMTPBackend,
)
from notifications.compose import sendable_kinds
from notifications.graph import GraphBackend
from notifications.notify import NotifyBackend


def backend_from_settings(settings: Settings) -> MailBackend:
    """Build the configured backend from the ``MAIL_*``, ``SMTP_*``, ``GRAPH_*`` and
    ``NOTIFY_*`` settings. (How fast the backend may send is the sender's to keep to: see
    ``advice_hub.app``'s sending limit.)

    ``MAIL_BACKEND`` is ``file`` (default; writes to ``MAIL_OUTBOX_DIR``), ``smtp`` (needs
    ``SMTP_HOST``; ``SMTP_PORT`` defaults to 587, or 465 when ``SMTP_SECURITY`` is ``ssl``),
    ``graph`` (a shared mailbox through Microsoft Graph) or ``notify`` (GOV.UK Notify). The
    settings arrive parsed; what is checked here is what only makes sense together. Raises
    ValueError naming every setting that is missing or invalid.
    """
    kind = settings.mail_backend
    if kind not in BACKENDS:
        raise ValueError(f"MAIL_BACKEND must be one of {', '.join(BACKENDS)}; got {kind!r}")
    if kind == "file":
        return FileBackend(settings.mail_outbox_dir)
    if kind == "graph":
        return _graph_backend(settings)
    if kind == "notify":
        return _notify_backend(settings)

    host = settings.smtp_host
    if not host:
        raise ValueError("SMTP_HOST is required when MAIL_BACKEND is 'smtp'")
    security = settings.smtp_security
    if security not in SECURITY_MODES:
        raise ValueError(
            f"SMTP_SECURITY must be one of {', '.join(SECURITY_MODES)}; got {security!r}"
        )
    username, password = settings.smtp_username, settings.smtp_password
    if username and not password:
        raise ValueError("SMTP_PASSWORD is required when SMTP_USERNAME is set")
    if password and not username:
        raise ValueError("SMTP_USERNAME is required when SMTP_PASSWORD is set")
    if username and security == "none":
        raise ValueError("SMTP_SECURITY must be 'starttls' or 'ssl' when SMTP_USERNAME is set")
    return SMTPBackend(
        host,
        settings.smtp_port or (465 if security == "ssl" else 587),
        username=username,
        password=password,
        security=cast(Security, security),
        timeout=settings.smtp_timeout,
    )


def _required(backend: str, values: dict[str, str | None]) -> dict[str, str]:
    """The named settings' values, or ValueError naming every one that is unset."""
    missing = [name for name, value in values.items() if not value]
    if missing:
        raise ValueError(
            f"MAIL_BACKEND '{backend}' needs {', '.join(missing)} "
            f"({'is' if len(missing) == 1 else 'are'} not set)"
        )
    return {name: value for name, value in values.items() if value}


def _graph_backend(settings: Settings) -> MailBackend:
    given = _required(
        "graph",
        {
            "GRAPH_TENANT_ID": settings.graph_tenant_id,
            "GRAPH_CLIENT_ID": settings.graph_client_id,
            "GRAPH_CLIENT_SECRET": settings.graph_client_secret,
            "GRAPH_MAILBOX": settings.graph_mailbox,
        },
    )
    return GraphBackend(
        tenant_id=given["GRAPH_TENANT_ID"],
        client_id=given["GRAPH_CLIENT_ID"],
        client_secret=given["GRAPH_CLIENT_SECRET"],
        mailbox=given["GRAPH_MAILBOX"],
        authority=settings.graph_authority,
        graph_url=settings.graph_url,
        timeout=settings.graph_timeout,
    )


def _notify_backend(settings: Settings) -> MailBackend:
    kinds = sendable_kinds()
    templates = settings.notify_templates
    unknown = sorted(set(templates) - set(kinds))
    if unknown:
        names = ", ".join(f"NOTIFY_TEMPLATE_{name.upper()}" for name in unknown)
        raise ValueError(f"{names}: no such message kind (the kinds are {', '.join(kinds)})")
    _required(
        "notify",
        {"NOTIFY_API_KEY": settings.notify_api_key}
        | {f"NOTIFY_TEMPLATE_{kind.upper()}": templates.get(kind) for kind in kinds},
    )
    return NotifyBackend(
        api_key=settings.notify_api_key or "",
        templates=templates,
        base_url=settings.notify_base_url,
        reply_to_id=settings.notify_reply_to_id,
        timeout=settings.notify_timeout,
    )
