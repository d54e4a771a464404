"""Email for advice_hub: composing messages from template folders, and delivering them."""

from notifications.backends import (
    Acceptance,
    FileBackend,
    MailBackend,
    MailDeliveryError,
    SendingLimit,
    SendLater,
    SMTPBackend,
    backend_from_settings,
)
from notifications.compose import compose, long_date, long_datetime
from notifications.graph import GraphBackend
from notifications.mailbox import (
    StoredMessage,
    links_in,
    list_messages,
    message_html,
    message_text,
    read_message,
)

__all__ = [
    "Acceptance",
    "FileBackend",
    "GraphBackend",
    "MailBackend",
    "MailDeliveryError",
    "SMTPBackend",
    "SendLater",
    "SendingLimit",
    "StoredMessage",
    "backend_from_settings",
    "compose",
    "links_in",
    "list_messages",
    "long_date",
    "long_datetime",
    "message_html",
    "message_text",
    "read_message",
]
