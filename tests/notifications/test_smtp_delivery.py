"""Delivery through real SMTP servers on loopback (aiosmtpd), and how failures are classified."""

from __future__ import annotations

import email.policy
import logging
from collections.abc import Callable
from email.message import EmailMessage
from email.parser import BytesParser
from typing import Any

import pytest

from notifications import SMTPBackend, compose, links_in
from notifications.backends import MailDeliveryError

ContextFor = Callable[..., dict[str, Any]]
SENDER = "Northshire advice <noreply@northshire.gov.uk>"
RECIPIENT = "a.okafor@nhs.net"


def request_email(context_for: ContextFor, to: str = RECIPIENT) -> EmailMessage:
    return compose(
        "advice_request",
        to=to,
        sender=SENDER,
        context=context_for("advice_request"),
        message_id="<request-1@advice.northshire.gov.uk>",
        reply_to="priya.shah@northshire.gov.uk",
    )


def plain_backend(port: int, **options: Any) -> SMTPBackend:
    return SMTPBackend("127.0.0.1", port, security="none", timeout=5, **options)


def test_smtp_delivery_arrives_at_the_loopback_server_with_the_right_envelope_recipient(
    smtp_server: Any, context_for: ContextFor
) -> None:
    acceptance = plain_backend(smtp_server.port).send(request_email(context_for))

    [received] = smtp_server.handler.received
    assert received.rcpt_tos == [RECIPIENT]
    assert received.mail_from == "noreply@northshire.gov.uk"
    assert acceptance.backend == "smtp"
    assert acceptance.accepted_at.tzinfo is not None
    assert acceptance.detail == "250 2.0.0 OK: queued as 4F2A9C1B"


def test_a_message_sent_over_smtp_keeps_its_message_id_and_links(
    smtp_server: Any, context_for: ContextFor
) -> None:
    plain_backend(smtp_server.port).send(request_email(context_for))

    [received] = smtp_server.handler.received
    delivered = BytesParser(policy=email.policy.default).parsebytes(received.content)
    assert isinstance(delivered, EmailMessage)
    assert delivered["Message-ID"] == "<request-1@advice.northshire.gov.uk>"
    assert links_in(delivered) == [context_for("advice_request")["link_url"]]


def test_one_refused_recipient_among_several_is_reported_without_failing_the_send(
    smtp_server: Any, context_for: ContextFor
) -> None:
    smtp_server.handler.refuse["left@nhs.net"] = "550 5.1.1 Mailbox unavailable"
    message = request_email(context_for, to=f"{RECIPIENT}, left@nhs.net")

    acceptance = plain_backend(smtp_server.port).send(message)

    assert smtp_server.handler.received[0].rcpt_tos == [RECIPIENT]
    assert "refused: left@nhs.net 550" in acceptance.detail


@pytest.mark.parametrize(
    ("reply", "transient"),
    [
        ("550 5.1.1 No such user here", False),
        ("553 5.1.3 Bad recipient address syntax", False),
        ("451 4.3.0 Temporary lookup failure, try again later", True),
        ("452 4.2.2 Mailbox full", True),
    ],
)
def test_a_refused_recipient_is_permanent_for_5xx_and_transient_for_4xx(
    smtp_server: Any, context_for: ContextFor, reply: str, transient: bool
) -> None:
    smtp_server.handler.rcpt_reply = reply

    with pytest.raises(MailDeliveryError) as failure:
        plain_backend(smtp_server.port).send(request_email(context_for))

    assert failure.value.transient is transient
    assert failure.value.smtp_code == int(reply[:3])
    assert smtp_server.handler.received == []


@pytest.mark.parametrize(
    ("reply", "transient"),
    [("554 5.7.1 Message rejected as spam", False), ("421 4.7.0 Try again later", True)],
)
def test_a_refused_message_body_is_permanent_for_5xx_and_transient_for_4xx(
    smtp_server: Any, context_for: ContextFor, reply: str, transient: bool
) -> None:
    smtp_server.handler.data_reply = reply

    with pytest.raises(MailDeliveryError) as failure:
        plain_backend(smtp_server.port).send(request_email(context_for))

    assert failure.value.transient is transient


def test_connection_refused_is_a_transient_failure(
    closed_port: int, context_for: ContextFor
) -> None:
    with pytest.raises(MailDeliveryError) as failure:
        plain_backend(closed_port).send(request_email(context_for))

    assert failure.value.transient is True
    assert failure.value.smtp_code is None


def test_a_server_that_never_answers_times_out_as_a_transient_failure(
    silent_port: int, context_for: ContextFor
) -> None:
    backend = SMTPBackend("127.0.0.1", silent_port, security="none", timeout=0.2)

    with pytest.raises(MailDeliveryError) as failure:
        backend.send(request_email(context_for))

    assert failure.value.transient is True


def test_a_server_that_hangs_up_is_a_transient_failure(
    hang_up_port: int, context_for: ContextFor
) -> None:
    with pytest.raises(MailDeliveryError) as failure:
        plain_backend(hang_up_port).send(request_email(context_for))

    assert failure.value.transient is True


def test_starttls_is_never_skipped_when_the_server_does_not_offer_it(
    smtp_server: Any, context_for: ContextFor
) -> None:
    backend = SMTPBackend("127.0.0.1", smtp_server.port, security="starttls", timeout=5)

    with pytest.raises(MailDeliveryError) as failure:
        backend.send(request_email(context_for))

    assert failure.value.transient is False
    assert smtp_server.handler.received == []


def test_starttls_then_login_delivers_to_a_submission_server(
    starttls_server: Any, certificate: Any, context_for: ContextFor
) -> None:
    backend = SMTPBackend(
        "127.0.0.1",
        starttls_server.port,
        username="advice-hub",
        password="correct horse battery staple",
        timeout=5,
        ssl_context=certificate.client_context(),
    )

    backend.send(request_email(context_for))

    [received] = starttls_server.handler.received
    assert received.authenticated is True
    assert received.rcpt_tos == [RECIPIENT]


def test_a_wrong_password_is_a_permanent_failure(
    starttls_server: Any, certificate: Any, context_for: ContextFor
) -> None:
    backend = SMTPBackend(
        "127.0.0.1",
        starttls_server.port,
        username="advice-hub",
        password="wrong",
        timeout=5,
        ssl_context=certificate.client_context(),
    )

    with pytest.raises(MailDeliveryError) as failure:
        backend.send(request_email(context_for))

    assert failure.value.transient is False
    assert failure.value.smtp_code == 535
    assert starttls_server.handler.received == []


def test_an_untrusted_certificate_is_a_permanent_failure(
    starttls_server: Any, context_for: ContextFor
) -> None:
    # The default context trusts only the system's certificate authorities.
    backend = SMTPBackend(
        "127.0.0.1", starttls_server.port, username="advice-hub", password="x", timeout=5
    )

    with pytest.raises(MailDeliveryError) as failure:
        backend.send(request_email(context_for))

    assert failure.value.transient is False
    assert "certificate" in str(failure.value)


def test_implicit_tls_delivers(
    start_smtp: Callable[..., Any], certificate: Any, context_for: ContextFor
) -> None:
    server = start_smtp(ssl_context=certificate.server_context())
    backend = SMTPBackend(
        "127.0.0.1",
        server.port,
        security="ssl",
        timeout=5,
        ssl_context=certificate.client_context(),
    )

    backend.send(request_email(context_for))

    assert len(server.handler.received) == 1


def test_credentials_are_never_sent_without_tls() -> None:
    with pytest.raises(ValueError, match="starttls"):
        SMTPBackend("127.0.0.1", 25, username="advice-hub", password="secret", security="none")


def test_the_backend_description_does_not_show_the_password() -> None:
    backend = SMTPBackend("smtp.example.com", 587, username="advice-hub", password="hunter2")

    assert "hunter2" not in repr(backend)


def test_sending_logs_neither_the_link_nor_the_body(
    smtp_server: Any, context_for: ContextFor, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG, logger="notifications")

    plain_backend(smtp_server.port).send(request_email(context_for))

    # Only our own records: the test server's debug log shows the whole DATA stream.
    ours = "\n".join(
        record.getMessage() for record in caplog.records if record.name.startswith("notifications")
    )
    assert "request-1@advice.northshire.gov.uk" in ours
    assert "Zx8Qk3v9" not in ours
    assert "Sam T." not in ours
