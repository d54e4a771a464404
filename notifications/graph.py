"""Deliver mail through Microsoft Graph's ``sendMail``, as the council's shared mailbox.

Why MIME: Graph accepts a message either as its own JSON (subject, one body, attachments as
objects) or as a whole MIME message, base64 encoded, sent with ``Content-Type: text/plain``
("send a message in MIME format"). The JSON form holds a single body, so it would drop either
the plain or the HTML part, and Graph would write its own Message-ID. The MIME form sends the
message exactly as ``compose`` built it: both alternatives, the PDF attachment, Message-ID and
Reply-To. The From header must be the shared mailbox (or an address it may send as).

Why no resend: Graph has no idempotency key. Every accepted POST is another email in the
recipient's inbox, so ``resend_is_safe`` is False, and a request that went out but whose answer
never came back (a read timeout, a connection dropped mid-answer) is reported with
``maybe_sent``: a person checks the mailbox's Sent Items before anything is sent again. Only
failures before the request could leave (refused connection, unknown host, connect timeout)
and answers in which Graph says it did not take the message are retried.

Limits: Exchange Online limits how many messages a mailbox may send. The sender keeps to a
``SendingLimit`` shared by every sending process before it claims a message (see
``notifications.limits``), so nothing here waits. Graph's own throttling (429, or 503 with
``Retry-After``) comes back as a transient ``MailDeliveryError`` with ``retry_after``.

Tokens: the app signs in as itself (client credentials, msal), with the ``.default`` scope of
the Graph host, so the app registration needs the ``Mail.Send`` application permission
(ideally limited to the shared mailbox by an application access policy). msal keeps the token
in its cache and serves it until five minutes before it expires, so a busy worker asks the
token endpoint about once an hour. A 401 from Graph drops the cached token, so the next attempt
fetches a fresh one. The client secret never appears in an error or a log line.
"""

from __future__ import annotations

import base64
import email.policy
import logging
import re
import ssl
import threading
import uuid
from collections.abc import Iterator, Mapping
from datetime import UTC, datetime
from email.message import EmailMessage
from typing import Any, Final
from urllib.parse import quote, urlsplit

import msal
import requests
from msal.exceptions import MsalServiceError
from urllib3.exceptions import NewConnectionError

from notifications.backends import Acceptance, MailDeliveryError, retry_after_seconds

logger = logging.getLogger(__name__)

DEFAULT_GRAPH_URL: Final = "https://graph.microsoft.com/v1.0"
ENTRA_LOGIN: Final = "https://login.microsoftonline.com"
# Graph's 429 normally says how long to wait; when it does not, a minute is a polite guess.
DEFAULT_THROTTLE_SECONDS: Final = 60.0
# Graph's and the token endpoint's explanations go into errors that case officers may read;
# a few hundred characters say what went wrong without pasting a whole page.
_TEXT_LIMIT: Final = 300
# A directory (tenant) id is a GUID or a domain name; nothing that could change the URL path.
_TENANT: Final = re.compile(r"[A-Za-z0-9][A-Za-z0-9.-]*")
# OAuth error codes that mean the token endpoint is having a bad moment (RFC 6749 5.2 and
# Entra's own); every other error is configuration that trying again will not fix.
_TRANSIENT_TOKEN_ERRORS: Final = frozenset({"temporarily_unavailable", "server_error"})
_TOKEN_HINTS: Final[Mapping[str, str]] = {
    "invalid_client": (
        "check the client secret (it may have expired) and the client id of the app registration"
    ),
    "unauthorized_client": (
        "check the client id and the tenant id: the app registration is not usable in this tenant"
    ),
    "invalid_scope": ("check the Graph URL: the token endpoint does not know its .default scope"),
    "invalid_request": "check the tenant id and the client id",
}
_GRAPH_HINTS: Final[Mapping[int, str]] = {
    403: (
        "check the app registration has the Mail.Send application permission, with admin "
        "consent, and that its access policy covers the shared mailbox"
    ),
    404: "check the shared mailbox address",
    413: "the message is larger than Graph accepts (about 4 MB once encoded)",
}


class GraphBackend:
    """Sends through Microsoft Graph as ``mailbox``, signed in as an app registration.

    ``authority`` None signs in at Entra ID for ``tenant_id``; otherwise it is the https
    address of an OpenID Connect authority (a national cloud, or the tests' stand-in), whose
    ``/.well-known/openid-configuration`` names the token endpoint. ``timeout`` applies to
    every connection and read, the token endpoint's included. Safe to share between threads.
    """

    name = "graph"
    resend_is_safe = False

    def __init__(
        self,
        *,
        tenant_id: str,
        client_id: str,
        client_secret: str,
        mailbox: str,
        authority: str | None = None,
        graph_url: str = DEFAULT_GRAPH_URL,
        timeout: float = 30.0,
    ) -> None:
        for setting, value in (
            ("tenant_id", tenant_id),
            ("client_id", client_id),
            ("client_secret", client_secret),
            ("mailbox", mailbox),
        ):
            if not isinstance(value, str) or not value.strip():
                raise ValueError(f"Graph mail needs a {setting}")
        if not _TENANT.fullmatch(tenant_id):
            raise ValueError(
                f"tenant_id must be a directory (tenant) id or domain name; got {tenant_id!r}"
            )
        if any(c.isspace() or not c.isprintable() for c in mailbox):
            raise ValueError(f"mailbox must be an email address; got {mailbox!r}")
        if isinstance(timeout, bool) or not isinstance(timeout, int | float) or timeout <= 0:
            raise ValueError(f"timeout must be a positive number of seconds; got {timeout!r}")
        self.tenant_id = tenant_id
        self.client_id = client_id
        self._secret = client_secret
        self.mailbox = mailbox
        self.authority = _https_url("authority", authority, path=True) if authority else None
        self.graph_url = _https_url("graph_url", graph_url, path=False)
        self.timeout = float(timeout)
        graph = urlsplit(self.graph_url)
        # The token is for the Graph host in use, so a national cloud's Graph gets its own.
        self._scope = f"{graph.scheme}://{graph.netloc}/.default"
        self._send_url = f"{self.graph_url}/users/{quote(mailbox, safe='')}/sendMail"
        self._session = requests.Session()
        self._lock = threading.Lock()
        self._app: Any = None

    def __repr__(self) -> str:
        return (
            f"GraphBackend(mailbox={self.mailbox!r}, tenant_id={self.tenant_id!r}, "
            f"client_id={self.client_id!r})"
        )

    def send(self, message: EmailMessage) -> Acceptance:
        """Hand ``message`` to Graph as MIME; ``MailDeliveryError`` when Graph does not take it."""
        token = self._token()
        client_request_id = str(uuid.uuid4())
        body = base64.b64encode(message.as_bytes(policy=email.policy.SMTP))
        try:
            response = self._session.post(
                self._send_url,
                data=body,
                headers={
                    "Authorization": f"Bearer {token}",
                    "Content-Type": "text/plain",
                    "client-request-id": client_request_id,
                },
                timeout=self.timeout,
                # A redirect would resend the message somewhere else (or drop it as a GET).
                allow_redirects=False,
            )
        except requests.RequestException as error:
            raise _unanswered(error, client_request_id) from error
        ids = (
            f"request-id={response.headers.get('request-id', '-')} "
            f"client-request-id={client_request_id}"
        )
        status = response.status_code
        if 200 <= status < 300:
            detail = f"{status} {ids}"
            logger.info(
                "Mail accepted: backend=graph message_id=%s reply=%s", message["Message-ID"], detail
            )
            return Acceptance(accepted_at=datetime.now(UTC), backend=self.name, detail=detail)
        if status == 401:
            # Revoked, or expired early: the next attempt signs in afresh.
            self._forget_token()
            raise MailDeliveryError(
                f"Graph refused the access token (401{_graph_error(response)}); a new one will "
                f"be fetched for the next attempt; {ids}",
                transient=True,
            )
        raise self._refusal(response, ids)

    def _refusal(self, response: requests.Response, ids: str) -> MailDeliveryError:
        status = response.status_code
        explained = f"Graph did not take the message: {status}{_graph_error(response)}"
        if status == 429:
            wait = retry_after_seconds(response.headers.get("Retry-After"))
            return MailDeliveryError(
                f"{explained}; try again later; {ids}",
                transient=True,
                retry_after=DEFAULT_THROTTLE_SECONDS if wait is None else wait,
            )
        if status >= 500 or status == 408:
            return MailDeliveryError(
                f"{explained}; try again later; {ids}",
                transient=True,
                retry_after=retry_after_seconds(response.headers.get("Retry-After")),
            )
        hint = _GRAPH_HINTS.get(status)
        return MailDeliveryError(
            self._scrub(f"{explained}; {hint}; {ids}" if hint else f"{explained}; {ids}"),
            transient=False,
        )

    def _client(self) -> Any:
        """The msal app, made on first use: making it fetches the authority's metadata."""
        with self._lock:
            if self._app is None:
                where = (
                    {"oidc_authority": self.authority}
                    if self.authority
                    else {"authority": f"{ENTRA_LOGIN}/{self.tenant_id}"}
                )
                try:
                    self._app = msal.ConfidentialClientApplication(
                        self.client_id,
                        client_credential=self._secret,
                        timeout=self.timeout,
                        **where,
                    )
                except (requests.RequestException, MsalServiceError) as error:
                    raise MailDeliveryError(
                        "could not reach the sign-in service for Graph mail: "
                        + _trimmed(str(error)),
                        transient=not _certificate_rejected(error),
                    ) from error
                except ValueError as error:
                    # msal's word for a tenant or authority its metadata does not confirm.
                    raise MailDeliveryError(
                        self._scrub(
                            "the sign-in service for Graph mail refused its settings: check "
                            f"the tenant id and the authority; {_trimmed(str(error))}"
                        ),
                        transient=False,
                    ) from error
            return self._app

    def _token(self) -> str:
        app = self._client()
        try:
            result = app.acquire_token_for_client(scopes=[self._scope])
        except (requests.RequestException, MsalServiceError) as error:
            # Unreachable, timed out, or a 5xx from the token endpoint.
            raise MailDeliveryError(
                f"could not get a Microsoft Graph token: {_trimmed(str(error))}",
                transient=not _certificate_rejected(error),
            ) from error
        except ValueError as error:
            # An answer that is not JSON: a proxy's page, or the service half up.
            raise MailDeliveryError(
                "could not get a Microsoft Graph token: the token endpoint's answer was not JSON",
                transient=True,
            ) from error
        if isinstance(result, dict) and isinstance(result.get("access_token"), str):
            return str(result["access_token"])
        error_code = str((result or {}).get("error") or "no access token")
        description = str((result or {}).get("error_description") or "")
        hint = _TOKEN_HINTS.get(error_code, "check the tenant id, client id and client secret")
        transient = error_code in _TRANSIENT_TOKEN_ERRORS
        text = f"could not get a Microsoft Graph token: {error_code}"
        if not transient:
            text += f": {hint}"
        if description:
            text += f" ({_trimmed(description)})"
        raise MailDeliveryError(self._scrub(text), transient=transient)

    def _forget_token(self) -> None:
        with self._lock:
            app = self._app
        if app is None:
            return
        # Straight from the cache rather than through remove_tokens_for_client(), which for
        # Entra's own authority first asks Microsoft for its host aliases over the network.
        cache = app.token_cache
        for entry in list(
            cache.search(
                msal.TokenCache.CredentialType.ACCESS_TOKEN, query={"client_id": self.client_id}
            )
        ):
            cache.remove_at(entry)

    def _scrub(self, text: str) -> str:
        # Belt and braces: no error text built here holds the secret, but providers' own
        # descriptions are pasted in, and a confused one might echo what it was sent.
        return text.replace(self._secret, "[client secret]")


def _https_url(setting: str, value: str, *, path: bool) -> str:
    """``value`` without a trailing slash, if it is an https URL with a host (and, for msal's
    authority, a path); ValueError naming ``setting`` otherwise."""
    parts = urlsplit(value) if isinstance(value, str) else None
    if (
        parts is None
        or parts.scheme != "https"
        or not parts.hostname
        or parts.username is not None
        or parts.query
        or parts.fragment
        or any(c.isspace() for c in value)
    ):
        raise ValueError(f"{setting} must be an https URL; got {value!r}")
    if path and not parts.path.strip("/"):
        raise ValueError(f"{setting} must name a path after the host, such as /<tenant>/v2.0")
    return value.rstrip("/")


def _graph_error(response: requests.Response) -> str:
    """Graph's error code and message (``{"error": {"code", "message"}}``), trimmed, as
    `` ErrorCode: message``; just the reason phrase when the body is not Graph's JSON."""
    try:
        found = response.json()
    except ValueError:
        found = None
    error = found.get("error") if isinstance(found, dict) else None
    if isinstance(error, dict) and (error.get("code") or error.get("message")):
        code = str(error.get("code") or "").strip()
        text = _trimmed(str(error.get("message") or ""))
        return f" {code}: {text}" if text else f" {code}"
    return f" {response.reason}" if response.reason else ""


def _trimmed(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= _TEXT_LIMIT else text[: _TEXT_LIMIT - 1] + "…"


def _causes(error: BaseException) -> Iterator[object]:
    """``error`` and what it wraps: requests keeps urllib3's error in ``args[0]``, and
    urllib3's MaxRetryError keeps the real one in ``reason``."""
    pending: list[object] = [error]
    seen: set[int] = set()
    while pending:
        found = pending.pop()
        if found is None or id(found) in seen:
            continue
        seen.add(id(found))
        yield found
        if isinstance(found, BaseException):
            pending.extend((found.__cause__, found.__context__, *found.args[:1]))
        pending.append(getattr(found, "reason", None))


def _certificate_rejected(error: BaseException) -> bool:
    # An untrusted or mismatched certificate needs a person to look at it (or at the proxy
    # presenting it); retrying would only repeat the refusal, as for SMTP.
    return any(isinstance(cause, ssl.SSLCertVerificationError) for cause in _causes(error))


def _unanswered(error: requests.RequestException, client_request_id: str) -> MailDeliveryError:
    """Classify a request that got no answer by whether any of it can have reached Graph."""
    if _certificate_rejected(error):
        # Checked during the handshake, before a byte of the request.
        return MailDeliveryError(
            f"Graph's TLS certificate was rejected: {_trimmed(str(error))}", transient=False
        )
    if isinstance(error, requests.ConnectTimeout) or (
        not isinstance(error, requests.exceptions.SSLError)
        and any(isinstance(cause, NewConnectionError) for cause in _causes(error))
    ):
        # Refused, unreachable, unknown host, or no connection in time: nothing was sent.
        return MailDeliveryError(
            f"could not connect to Graph: {_trimmed(str(error))}", transient=True
        )
    # The request may have gone: a read timeout, a connection reset or closed before the
    # answer, a TLS failure that cannot be told apart from one after sending.
    return MailDeliveryError(
        "Graph stopped answering after the message was sent, so it may have gone. Check the "
        "shared mailbox's Sent Items before sending it again "
        f"(client-request-id={client_request_id}; {type(error).__name__})",
        transient=False,
        maybe_sent=True,
    )
