"""Email for advice_hub: composing messages from template folders, and delivering them."""

from notifications.backends import (
    Acceptance,
    FileBackend,
    MailBackend,
    MailDeliveryError,
    SMTPBackend,
)
from notifications.compose import compose, long_date, long_datetime
from notifications.from_settings import backend_from_settings
from notifications.graph import GraphBackend
from notifications.limits import MessagesPerMinute, SendingLimit, SendLater
from notifications.mailbox import (
    StoredMessage,
    links_in,
    list_messages,
    message_html,
    message_text,
    read_message,
)
from notifications.notify import PLACEHOLDERS, NotifyBackend

__all__ = [
    "PLACEHOLDERS",
    "Acceptance",
    "FileBackend",
    "GraphBackend",
    "MailBackend",
    "MailDeliveryError",
    "MessagesPerMinute",
    "NotifyBackend",
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
