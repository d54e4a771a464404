"""Deliver composed emails through GOV.UK Notify's API.

Notify sends only what one of its own templates says, so the council sets up one Notify email
template per message kind whose subject is ``((subject))`` and whose body is ``((body))``, and
this backend fills them with the subject and the plain-text part that ``compose`` rendered from
advice_hub's own template folder. The wording therefore stays in ``notifications/templates/``,
reviewed and tested with the code, and the file, SMTP and Notify backends all send the same
words. The receipt's PDF travels as Notify's "send a file by email" link, which its template
places with ``((attachment))``. Notify builds the HTML itself, and its sender address and
reply-to address are the service's own (``reply_to_id`` picks one of the reply-to addresses
set up in Notify), so the composed HTML part, From and Reply-To are not used.

Notify has no idempotency key: every request that reaches it sends an email. So the backend
never tries again itself (``resend_is_safe`` is False), and when Notify stops answering after
the request went out it says the message may have been sent, rather than inviting a retry
that would reach the recipient twice. ``reference`` carries the Message-ID, which the send
ledger is keyed on and which Notify's delivery receipts and dashboard show.
"""

from __future__ import annotations

import logging
import re
import ssl
from collections.abc import Mapping
from datetime import UTC, datetime
from email.message import EmailMessage
from email.utils import getaddresses
from io import BytesIO
from typing import Any, Final
from urllib.parse import urlsplit

from notifications_python_client import prepare_upload
from notifications_python_client.errors import APIError, InvalidResponse
from notifications_python_client.notifications import NotificationsAPIClient
from notifications_python_client.utils import DOCUMENT_UPLOAD_SIZE_LIMIT
from requests import exceptions as http_errors
from urllib3.exceptions import MaxRetryError, NewConnectionError

from notifications.backends import Acceptance, MailDeliveryError, retry_after_seconds
from notifications.compose import KIND_HEADER, TEMPLATE_DIR
from notifications.mailbox import links_in, message_text

logger = logging.getLogger(__name__)

DEFAULT_BASE_URL: Final = "https://api.notifications.service.gov.uk"
_UUID: Final = r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"
_UUID_RE: Final = re.compile(_UUID, re.IGNORECASE)
# Notify shows a key as "{key name}-{service id}-{secret}"; the client reads the two ids from
# the end, so a truncated or padded key would sign tokens Notify can only refuse.
_API_KEY: Final = re.compile(rf"\S+-{_UUID}-{_UUID}", re.IGNORECASE)
_LOOPBACK: Final = frozenset({"127.0.0.1", "localhost"})
_KIND: Final = re.compile(r"[a-z][a-z0-9_]*")
# Keeps a refusal readable in logs and the send ledger whatever Notify answers.
_MAX_ERROR_TEXT: Final = 300

KINDS: Final[tuple[str, ...]] = tuple(
    sorted(
        path.name for path in TEMPLATE_DIR.iterdir() if path.is_dir() and _KIND.fullmatch(path.name)
    )
)
# Kinds that may carry a file: the contributor's receipt, with their sealed advice as a PDF
# when RECEIPT_PDF is on.
ATTACHMENT_KINDS: Final = frozenset({"advice_receipt"})
PLACEHOLDERS: Final[Mapping[str, tuple[str, ...]]] = {
    kind: ("subject", "body", "attachment") if kind in ATTACHMENT_KINDS else ("subject", "body")
    for kind in KINDS
}
"""The placeholders each kind's Notify template must hold: ``((subject))`` as its subject and
``((body))`` as its body, and for the receipt ``((attachment))`` where the download link goes.
The receipt template needs ``((attachment))`` only when RECEIPT_PDF is on: Notify refuses a
message whose template names a placeholder it was not given."""


def template_setting(kind: str) -> str:
    """The setting that holds the Notify template id for ``kind``: ``NOTIFY_TEMPLATE_<KIND>``."""
    return f"NOTIFY_TEMPLATE_{kind.upper()}"


class NotifyBackend:
    """Sends each message through the Notify template set up for its kind.

    A new connection is opened for every message: the client is not safe to share between
    threads, and a kept-alive connection that Notify had closed could fail after the request
    was written, which would leave the message in doubt for no reason.
    """

    name = "notify"
    resend_is_safe = False

    def __init__(
        self,
        *,
        api_key: str,
        templates: Mapping[str, str],
        base_url: str = DEFAULT_BASE_URL,
        reply_to_id: str | None = None,
        timeout: float = 30.0,
    ) -> None:
        if not isinstance(api_key, str) or not _API_KEY.fullmatch(api_key):
            # Never echo the key: this message ends up in logs and on the console.
            raise ValueError(
                "NOTIFY_API_KEY looks wrong: a Notify API key is the key's name, the service id "
                "and a secret joined by hyphens ({name}-{service id}-{secret}), with no spaces "
                "around it; copy the whole key from the API integration page in Notify"
            )
        for kind, template_id in templates.items():
            if kind not in KINDS:
                raise ValueError(
                    f"no email kind {kind!r} to set a Notify template for; "
                    f"the kinds are {', '.join(KINDS)}"
                )
            if not isinstance(template_id, str) or not _UUID_RE.fullmatch(template_id):
                raise ValueError(
                    f"{template_setting(kind)} must be a Notify template id (a UUID such as "
                    f"f33517ff-2a88-4f6e-b855-c550268ce08a); got {template_id!r}"
                )
        if reply_to_id is not None and not _UUID_RE.fullmatch(reply_to_id):
            raise ValueError(
                "NOTIFY_REPLY_TO_ID must be the id (a UUID) of a reply-to email address set up "
                f"in Notify; got {reply_to_id!r}"
            )
        _check_base_url(base_url)
        if not timeout > 0:
            raise ValueError(f"NOTIFY_TIMEOUT must be a positive number of seconds; got {timeout}")
        self._api_key = api_key
        self.templates = dict(templates)
        self.base_url = base_url.rstrip("/")
        self.reply_to_id = reply_to_id
        self.timeout = float(timeout)

    def __repr__(self) -> str:
        return f"NotifyBackend(base_url={self.base_url!r}, kinds={sorted(self.templates)!r})"

    def send(self, message: EmailMessage) -> Acceptance:
        """Ask Notify to send ``message`` through its kind's template.

        Raises ``MailDeliveryError``: permanent for a missing template, a message Notify cannot
        carry and Notify's 4xx refusals; transient for 429, 5xx and failures to connect; and
        ``maybe_sent`` (not transient) when Notify stopped answering after the request went.
        """
        message_id = str(message["Message-ID"] or "")
        reference = message_id.strip().strip("<>")
        template_id = self._template_for(message)
        address = _recipient(message)
        personalisation = self._personalisation(message)

        client = NotificationsAPIClient(self._api_key, base_url=self.base_url, timeout=self.timeout)
        # Notify's API never redirects. Following one would repeat the request (with the
        # token) somewhere else, so a redirect comes back as a refusal instead.
        client.request_session.max_redirects = 0
        try:
            response = client.send_email_notification(
                email_address=address,
                template_id=template_id,
                personalisation=personalisation,
                reference=reference or None,
                email_reply_to_id=self.reply_to_id,
            )
        except InvalidResponse as error:
            # Only a 2xx answer reaches the JSON decoding: Notify took the message.
            response = None
            if error.status_code >= 300:
                raise self._refusal(error, message, reference) from error
        except APIError as error:
            raise self._refusal(error, message, reference) from error
        finally:
            client.request_session.close()

        accepted_at = datetime.now(UTC)
        notification_id = response.get("id") if isinstance(response, dict) else None
        provider_id = str(notification_id) if notification_id else None
        logger.info(
            "Mail accepted: backend=notify message_id=%s notification_id=%s",
            message_id,
            provider_id,
        )
        return Acceptance(
            accepted_at=accepted_at,
            backend=self.name,
            detail=f"201 notification {provider_id or '(no id in the answer)'}",
            provider_id=provider_id,
        )

    def _template_for(self, message: EmailMessage) -> str:
        kind = str(message[KIND_HEADER] or "").strip()
        if not _KIND.fullmatch(kind):
            raise MailDeliveryError(
                f"the message has no {KIND_HEADER} header naming its kind, so no Notify "
                "template can be chosen",
                transient=False,
            )
        template_id = self.templates.get(kind)
        if template_id is None:
            raise MailDeliveryError(
                f"no Notify template for {kind} emails: set {template_setting(kind)} to the id "
                "of a Notify email template with subject ((subject)) and body ((body))",
                transient=False,
            )
        return template_id

    def _personalisation(self, message: EmailMessage) -> dict[str, Any]:
        kind = str(message[KIND_HEADER])
        personalisation: dict[str, Any] = {
            "subject": str(message["Subject"] or ""),
            # The plain text was wrapped as format=flowed; Notify gets each paragraph on one
            # line again, as the template rendered it, so links stay whole.
            "body": message_text(message).rstrip(),
        }
        files = list(message.iter_attachments())
        if not files:
            return personalisation
        if kind not in ATTACHMENT_KINDS:
            # Notify would take the file and show it nowhere: its template has no place for it.
            raise MailDeliveryError(
                f"{kind} emails cannot carry a file through Notify: only "
                f"{', '.join(sorted(ATTACHMENT_KINDS))} has an ((attachment)) placeholder",
                transient=False,
            )
        if len(files) > 1:
            raise MailDeliveryError(
                f"Notify sends one file per ((attachment)) placeholder; this {kind} email has "
                f"{len(files)}",
                transient=False,
            )
        [part] = files
        data = part.get_content()
        if not isinstance(data, bytes):
            data = str(data).encode()
        if len(data) > DOCUMENT_UPLOAD_SIZE_LIMIT:
            raise MailDeliveryError(
                f"the attached file is {len(data):,} bytes; Notify takes files up to "
                f"{DOCUMENT_UPLOAD_SIZE_LIMIT:,} bytes (2 MB)",
                transient=False,
            )
        # The recipient must type their email address before the download starts, so a
        # forwarded email does not hand their sealed advice to someone else. Notify keeps the
        # file for its default 26 weeks.
        personalisation["attachment"] = prepare_upload(
            BytesIO(data), filename=part.get_filename(), confirm_email_before_download=True
        )
        return personalisation

    def _refusal(self, error: APIError, message: EmailMessage, reference: str) -> MailDeliveryError:
        response = error.response
        if response is None:
            return self._transport_failure(error.__cause__, reference)
        status = response.status_code
        text = _scrub(_notify_errors(error), links_in(message))
        if status == 429:
            return MailDeliveryError(
                f"Notify is limiting sending: {status} {text}",
                transient=True,
                retry_after=retry_after_seconds(response.headers.get("Retry-After")),
            )
        if 300 <= status < 400:
            return MailDeliveryError(
                f"Notify's API answered {status}, a redirect, which is not followed: "
                "check NOTIFY_BASE_URL",
                transient=False,
            )
        if status >= 500 or status == 408:
            return MailDeliveryError(
                f"Notify could not take the message: {status} {text}", transient=True
            )
        return MailDeliveryError(f"Notify refused the message: {status} {text}", transient=False)

    def _transport_failure(self, cause: BaseException | None, reference: str) -> MailDeliveryError:
        # requests raises ConnectTimeout, SSLError and ProxyError, and a ConnectionError whose
        # reason is a NewConnectionError, before any byte of the request reaches Notify. Every
        # other failure came after the request went: Notify may have sent the email.
        if isinstance(cause, http_errors.SSLError) and _certificate_rejected(cause):
            return MailDeliveryError(
                f"Notify's TLS certificate was rejected: {_reason(cause)}", transient=False
            )
        if isinstance(
            cause, http_errors.ConnectTimeout | http_errors.SSLError | http_errors.ProxyError
        ) or (
            isinstance(cause, http_errors.ConnectionError)
            and isinstance(_reason(cause), NewConnectionError)
        ):
            return MailDeliveryError(
                f"could not connect to Notify at {self.base_url}: {_reason(cause)}",
                transient=True,
            )
        what = (
            f"did not answer within {self.timeout:g} s"
            if isinstance(cause, http_errors.ReadTimeout)
            else f"stopped answering ({type(_reason(cause)).__name__})"
        )
        return MailDeliveryError(
            f"Notify {what} after the message was sent to it, so it may have been sent: check "
            f"Notify's dashboard for reference {reference} before sending it again",
            transient=False,
            maybe_sent=True,
        )


def _check_base_url(base_url: str) -> None:
    parts = urlsplit(base_url) if isinstance(base_url, str) else None
    loopback = parts is not None and parts.scheme == "http" and parts.hostname in _LOOPBACK
    if parts is None or not parts.hostname or not (parts.scheme == "https" or loopback):
        raise ValueError(
            "NOTIFY_BASE_URL must be an https:// URL (plain http only on 127.0.0.1 or "
            f"localhost, for tests); got {base_url!r}"
        )
    if parts.path.strip("/") or parts.query or parts.fragment or parts.username:
        # The client joins "/v2/..." onto it, which would drop any path silently.
        raise ValueError(
            f"NOTIFY_BASE_URL must be the API's root, such as {DEFAULT_BASE_URL}; got {base_url!r}"
        )


def _recipient(message: EmailMessage) -> str:
    addresses = [
        address for _, address in getaddresses([str(v) for v in message.get_all("To", [])])
    ]
    copies = message.get_all("Cc", []) + message.get_all("Bcc", [])
    if len(addresses) != 1 or not addresses[0] or copies:
        raise MailDeliveryError(
            f"Notify sends each email to one address; this one has {len(addresses)} To "
            f"address(es){' and copies' if copies else ''}",
            transient=False,
        )
    return addresses[0]


def _notify_errors(error: APIError) -> str:
    """Notify's ``errors[].error`` and ``errors[].message``, trimmed; never an HTML page."""
    found = error.message
    if isinstance(found, list):
        text = "; ".join(
            f"{item.get('error', '')}: {item.get('message', '')}".strip(": ")
            if isinstance(item, dict)
            else str(item)
            for item in found
        )
    else:
        text = str(found)
    text = " ".join(text.split())
    return text if len(text) <= _MAX_ERROR_TEXT else text[: _MAX_ERROR_TEXT - 1] + "…"


def _scrub(text: str, links: list[str]) -> str:
    # Notify's messages do not quote personalisation today; a link that grants access must
    # not reach the logs even if one ever does.
    for link in links:
        text = text.replace(link, "[link]")
    return text


def _reason(error: BaseException | None) -> BaseException | None:
    # requests wraps urllib3's MaxRetryError, whose reason is the failure that counts.
    inner = error.args[0] if error is not None and error.args else None
    if isinstance(inner, MaxRetryError) and inner.reason is not None:
        return inner.reason
    return inner if isinstance(inner, BaseException) else error


def _certificate_rejected(error: BaseException) -> bool:
    reason = _reason(error)
    return any(
        isinstance(found, ssl.SSLCertVerificationError)
        for found in (reason, *(reason.args if reason is not None else ()))
    )
