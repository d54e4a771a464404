"""Delivery through GOV.UK Notify: the real client against a loopback server that answers as
Notify's API documentation says it does, and how each answer is classified."""

from __future__ import annotations

import base64
import json
import logging
import threading
from collections.abc import Callable, Iterator
from email.message import EmailMessage
from typing import Any

import jwt
import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from notifications import PLACEHOLDERS, NotifyBackend, compose, message_text
from notifications.backends import MailDeliveryError
from notifications.compose import KIND_HEADER
from notifications.notify import KINDS

ContextFor = Callable[..., dict[str, Any]]

SERVICE_ID = "26785a09-ab16-4eb0-8407-a37497a57506"
SECRET = "3d844edf-8d35-48ac-975b-e847b4f122b0"
API_KEY = f"advice_hub_live-{SERVICE_ID}-{SECRET}"
REQUEST_TEMPLATE = "f33517ff-2a88-4f6e-b855-c550268ce08a"
RECEIPT_TEMPLATE = "0b5c3e4a-6d1f-4f2e-9a8b-7c6d5e4f3a2b"
REPLY_TO_ID = "8e222534-7f05-4972-86e3-17c5d9f894e2"
NOTIFICATION_ID = "740e5834-3a29-46b4-9a6f-16142fde533a"
SENDER = "Northshire advice <noreply@northshire.gov.uk>"
RECIPIENT = "a.okafor@nhs.net"
PATH = "/v2/notifications/email"
PDF = b"%PDF-1.7\n% the contributor's sealed advice\n%%EOF\n"


def created(reference: str, template_id: str = REQUEST_TEMPLATE) -> dict[str, Any]:
    """The 201 answer to POST /v2/notifications/email, as Notify documents it."""
    return {
        "id": NOTIFICATION_ID,
        "reference": reference,
        "content": {
            "subject": "SUBJECT TEXT",
            "body": "MESSAGE TEXT",
            "from_email": "northshire.advice@notifications.service.gov.uk",
            "one_click_unsubscribe_url": None,
        },
        "uri": f"https://api.notifications.service.gov.uk/v2/notifications/{NOTIFICATION_ID}",
        "template": {
            "id": template_id,
            "version": 3,
            "uri": f"https://api.notifications.service.gov.uk/v2/template/{template_id}",
        },
        "scheduled_for": None,
    }


def errors(status: int, error: str, message: str) -> dict[str, Any]:
    """Notify's error body: a status code and a list of errors."""
    return {"status_code": status, "errors": [{"error": error, "message": message}]}


@pytest.fixture
def notify(httpserver_ipv4: HTTPServer) -> HTTPServer:
    """A plain-http loopback server standing in for api.notifications.service.gov.uk."""
    return httpserver_ipv4


def backend_for(server: HTTPServer | int, **options: Any) -> NotifyBackend:
    base_url = (
        f"http://127.0.0.1:{server}" if isinstance(server, int) else server.url_for("/").rstrip("/")
    )
    settings: dict[str, Any] = {
        "api_key": API_KEY,
        "templates": {"advice_request": REQUEST_TEMPLATE, "advice_receipt": RECEIPT_TEMPLATE},
        "base_url": base_url,
        "reply_to_id": REPLY_TO_ID,
        "timeout": 5,
    }
    return NotifyBackend(**(settings | options))


def request_email(context_for: ContextFor, *, to: str = f"Dr Adaeze Okafor <{RECIPIENT}>") -> Any:
    return compose(
        "advice_request",
        to=to,
        sender=SENDER,
        context=context_for("advice_request"),
        message_id="<request-1@advice.northshire.gov.uk>",
        reply_to="priya.shah@northshire.gov.uk",
    )


def receipt_email(
    context_for: ContextFor, attachments: tuple[tuple[str, str, bytes], ...] = ()
) -> EmailMessage:
    return compose(
        "advice_receipt",
        to=RECIPIENT,
        sender=SENDER,
        context=context_for("advice_receipt"),
        message_id="<receipt-1@advice.northshire.gov.uk>",
        attachments=attachments,
    )


def sent_json(server: HTTPServer) -> dict[str, Any]:
    [(request, _)] = server.log
    assert request.method == "POST"
    assert request.path == PATH
    body = request.get_json()
    assert isinstance(body, dict)
    return body


def test_a_message_goes_to_notify_with_its_template_recipient_reference_and_reply_to(
    notify: HTTPServer, context_for: ContextFor
) -> None:
    notify.expect_request(PATH, method="POST").respond_with_json(
        created("request-1@advice.northshire.gov.uk"), status=201
    )

    acceptance = backend_for(notify).send(request_email(context_for))

    body = sent_json(notify)
    assert body["template_id"] == REQUEST_TEMPLATE
    assert body["email_address"] == RECIPIENT
    assert body["reference"] == "request-1@advice.northshire.gov.uk"
    assert body["email_reply_to_id"] == REPLY_TO_ID
    assert acceptance.backend == "notify"
    assert acceptance.provider_id == NOTIFICATION_ID
    assert acceptance.detail == f"201 notification {NOTIFICATION_ID}"
    assert acceptance.accepted_at.tzinfo is not None


def test_the_template_gets_the_composed_subject_and_plain_text_with_paragraphs_and_link_whole(
    notify: HTTPServer, context_for: ContextFor
) -> None:
    notify.expect_request(PATH, method="POST").respond_with_json(created("r"), status=201)
    message = request_email(context_for)

    backend_for(notify).send(message)

    personalisation = sent_json(notify)["personalisation"]
    assert set(personalisation) == {"subject", "body"}
    assert personalisation["subject"] == str(message["Subject"])
    body = personalisation["body"]
    assert body == message_text(message).rstrip()
    lines = body.splitlines()
    assert context_for("advice_request")["link_url"] in lines
    # A paragraph the flowed text wrapped over two lines arrives as one line again.
    assert (
        "Priya Shah at Northshire County Council is asking you for health advice for an "
        "Education, Health and Care (EHC) needs assessment. The assessment is for:"
    ) in lines
    assert "" in lines  # blank lines still separate the paragraphs


def test_without_a_reply_to_id_notify_uses_the_services_default(
    notify: HTTPServer, context_for: ContextFor
) -> None:
    notify.expect_request(PATH, method="POST").respond_with_json(created("r"), status=201)

    backend_for(notify, reply_to_id=None).send(request_email(context_for))

    assert "email_reply_to_id" not in sent_json(notify)


def test_each_request_carries_a_token_signed_with_the_keys_secret_naming_the_service(
    notify: HTTPServer, context_for: ContextFor
) -> None:
    notify.expect_request(PATH, method="POST").respond_with_json(created("r"), status=201)

    backend_for(notify).send(request_email(context_for))

    [(request, _)] = notify.log
    scheme, _, token = request.headers["Authorization"].partition(" ")
    assert scheme == "Bearer"
    assert jwt.get_unverified_header(token)["alg"] == "HS256"
    claims = jwt.decode(token, SECRET, algorithms=["HS256"])
    assert claims["iss"] == SERVICE_ID
    assert isinstance(claims["iat"], int)
    assert SECRET not in request.get_data(as_text=True)


def test_a_receipt_sends_its_pdf_as_a_file_for_the_attachment_placeholder(
    notify: HTTPServer, context_for: ContextFor
) -> None:
    notify.expect_request(PATH, method="POST").respond_with_json(
        created("receipt-1@advice.northshire.gov.uk", RECEIPT_TEMPLATE), status=201
    )
    message = receipt_email(
        context_for, (("sealed-advice-AH-7K2P-9QXM.pdf", "application/pdf", PDF),)
    )

    backend_for(notify).send(message)

    body = sent_json(notify)
    assert body["template_id"] == RECEIPT_TEMPLATE
    attachment = body["personalisation"]["attachment"]
    assert base64.b64decode(attachment["file"]) == PDF
    assert attachment["filename"] == "sealed-advice-AH-7K2P-9QXM.pdf"
    assert attachment["confirm_email_before_download"] is True
    assert attachment["retention_period"] is None  # Notify's default, 26 weeks
    assert body["personalisation"]["body"] == message_text(message).rstrip()


def test_a_receipt_without_a_pdf_sends_no_attachment(
    notify: HTTPServer, context_for: ContextFor
) -> None:
    notify.expect_request(PATH, method="POST").respond_with_json(created("r"), status=201)

    backend_for(notify).send(receipt_email(context_for))

    assert set(sent_json(notify)["personalisation"]) == {"subject", "body"}


def test_a_file_on_a_kind_whose_template_has_no_place_for_it_is_refused_before_sending(
    notify: HTTPServer, context_for: ContextFor
) -> None:
    message = compose(
        "advice_request",
        to=RECIPIENT,
        sender=SENDER,
        context=context_for("advice_request"),
        message_id="<request-2@advice.northshire.gov.uk>",
        attachments=[("notes.pdf", "application/pdf", PDF)],
    )

    with pytest.raises(MailDeliveryError) as failure:
        backend_for(notify).send(message)

    assert failure.value.transient is False
    assert "((attachment))" in str(failure.value)
    assert notify.log == []


def test_a_file_over_notifys_size_limit_is_a_permanent_failure_and_is_not_sent(
    notify: HTTPServer, context_for: ContextFor
) -> None:
    big = PDF + b"0" * (2 * 1024 * 1024)
    message = receipt_email(context_for, (("sealed-advice.pdf", "application/pdf", big),))

    with pytest.raises(MailDeliveryError) as failure:
        backend_for(notify).send(message)

    assert failure.value.transient is False
    assert "2 MB" in str(failure.value)
    assert notify.log == []


@pytest.mark.parametrize(
    ("status", "error", "text"),
    [
        (400, "BadRequestError", "Can't send to this recipient using a team-only API key"),
        (400, "ValidationError", "email_address Not a valid email address"),
        (400, "BadRequestError", "Missing personalisation: attachment"),
        (403, "AuthError", "Invalid token: API key not found"),
        (403, "AuthError", "Error: Your system clock must be accurate to within 30 seconds"),
    ],
)
def test_notifys_refusals_are_permanent_and_give_its_reason(
    notify: HTTPServer, context_for: ContextFor, status: int, error: str, text: str
) -> None:
    notify.expect_request(PATH, method="POST").respond_with_json(
        errors(status, error, text), status=status
    )

    with pytest.raises(MailDeliveryError) as failure:
        backend_for(notify).send(request_email(context_for))

    assert failure.value.transient is False
    assert failure.value.maybe_sent is False
    assert f"{status} {error}: {text}" in str(failure.value)
    assert "Zx8Qk3v9" not in str(failure.value)
    assert "Sam T." not in str(failure.value)


def test_a_link_notify_quotes_back_is_left_out_of_the_failure(
    notify: HTTPServer, context_for: ContextFor
) -> None:
    link = context_for("advice_request")["link_url"]
    notify.expect_request(PATH, method="POST").respond_with_json(
        errors(400, "ValidationError", f"personalisation body contains {link}"), status=400
    )

    with pytest.raises(MailDeliveryError) as failure:
        backend_for(notify).send(request_email(context_for))

    assert "Zx8Qk3v9" not in str(failure.value)
    assert "[link]" in str(failure.value)


@pytest.mark.parametrize(("header", "retry_after"), [("7", 7.0), (None, None)])
def test_a_rate_limit_is_transient_and_passes_on_notifys_retry_after(
    notify: HTTPServer,
    context_for: ContextFor,
    header: str | None,
    retry_after: float | None,
) -> None:
    body = errors(
        429,
        "RateLimitError",
        "Exceeded rate limit for key type LIVE of 3000 requests per 60 seconds",
    )
    notify.expect_request(PATH, method="POST").respond_with_json(
        body, status=429, headers={"Retry-After": header} if header else None
    )

    with pytest.raises(MailDeliveryError) as failure:
        backend_for(notify).send(request_email(context_for))

    assert failure.value.transient is True
    assert failure.value.retry_after == retry_after
    assert "RateLimitError" in str(failure.value)


def test_a_retry_after_given_as_a_date_becomes_seconds_from_now(
    notify: HTTPServer, context_for: ContextFor
) -> None:
    notify.expect_request(PATH, method="POST").respond_with_json(
        errors(429, "TooManyRequestsError", "Exceeded send limits (250000) for today"),
        status=429,
        headers={"Retry-After": "Wed, 21 Oct 2015 07:28:00 GMT"},
    )

    with pytest.raises(MailDeliveryError) as failure:
        backend_for(notify).send(request_email(context_for))

    assert failure.value.transient is True
    assert failure.value.retry_after == 0.0  # a date already past: no wait beyond the backoff


@pytest.mark.parametrize(
    ("status", "body"),
    [
        (500, json.dumps(errors(500, "Exception", "Internal server error"))),
        (503, "<html><body>Service Unavailable</body></html>"),
    ],
)
def test_notify_failing_on_its_side_is_transient(
    notify: HTTPServer, context_for: ContextFor, status: int, body: str
) -> None:
    notify.expect_request(PATH, method="POST").respond_with_data(body, status=status)

    with pytest.raises(MailDeliveryError) as failure:
        backend_for(notify).send(request_email(context_for))

    assert failure.value.transient is True
    assert failure.value.maybe_sent is False
    assert str(status) in str(failure.value)
    assert "<html>" not in str(failure.value)


@pytest.mark.parametrize("status", [302, 307])
def test_a_redirect_is_not_followed_and_is_a_permanent_failure(
    notify: HTTPServer, context_for: ContextFor, status: int
) -> None:
    notify.expect_request(PATH, method="POST").respond_with_data(
        "", status=status, headers={"Location": notify.url_for("/elsewhere")}
    )

    with pytest.raises(MailDeliveryError) as failure:
        backend_for(notify).send(request_email(context_for))

    assert failure.value.transient is False
    assert failure.value.maybe_sent is False
    assert "NOTIFY_BASE_URL" in str(failure.value)
    assert [request.path for request, _ in notify.log] == [PATH]


@pytest.fixture
def slow_notify(notify: HTTPServer) -> Iterator[HTTPServer]:
    """Notify taking the request and then not answering until the test has finished with it."""
    release = threading.Event()

    def answer_late(request: Request) -> Response:
        release.wait(timeout=5)
        return Response(json.dumps(created("r")), status=201, content_type="application/json")

    notify.expect_request(PATH, method="POST").respond_with_handler(answer_late)
    yield notify
    release.set()


def test_no_answer_after_the_request_went_means_it_may_have_been_sent(
    slow_notify: HTTPServer, context_for: ContextFor
) -> None:
    with pytest.raises(MailDeliveryError) as failure:
        backend_for(slow_notify, timeout=0.3).send(request_email(context_for))

    assert failure.value.maybe_sent is True
    assert failure.value.transient is False
    assert "may have been sent" in str(failure.value)
    assert "dashboard" in str(failure.value)
    assert "request-1@advice.northshire.gov.uk" in str(failure.value)


def test_a_connection_dropped_after_the_request_went_means_it_may_have_been_sent(
    hang_up_port: int, context_for: ContextFor
) -> None:
    with pytest.raises(MailDeliveryError) as failure:
        backend_for(hang_up_port).send(request_email(context_for))

    assert failure.value.maybe_sent is True
    assert failure.value.transient is False


def test_a_refused_connection_is_transient_because_nothing_was_sent(
    closed_port: int, context_for: ContextFor
) -> None:
    with pytest.raises(MailDeliveryError) as failure:
        backend_for(closed_port).send(request_email(context_for))

    assert failure.value.transient is True
    assert failure.value.maybe_sent is False
    assert "could not connect" in str(failure.value)


def test_a_kind_without_a_template_id_is_permanent_and_names_the_setting(
    notify: HTTPServer, context_for: ContextFor
) -> None:
    message = compose(
        "advice_reminder",
        to=RECIPIENT,
        sender=SENDER,
        context=context_for("advice_reminder"),
        message_id="<reminder-1@advice.northshire.gov.uk>",
    )

    with pytest.raises(MailDeliveryError) as failure:
        backend_for(notify).send(message)

    assert failure.value.transient is False
    assert "NOTIFY_TEMPLATE_ADVICE_REMINDER" in str(failure.value)
    assert notify.log == []


def test_a_message_that_does_not_name_its_kind_is_permanent(
    notify: HTTPServer, context_for: ContextFor
) -> None:
    message = request_email(context_for)
    del message[KIND_HEADER]

    with pytest.raises(MailDeliveryError) as failure:
        backend_for(notify).send(message)

    assert failure.value.transient is False
    assert KIND_HEADER in str(failure.value)


def test_a_message_for_two_recipients_is_refused_because_notify_sends_to_one(
    notify: HTTPServer, context_for: ContextFor
) -> None:
    with pytest.raises(MailDeliveryError) as failure:
        backend_for(notify).send(request_email(context_for, to=f"{RECIPIENT}, b@nhs.net"))

    assert failure.value.transient is False
    assert notify.log == []


def test_an_acceptance_is_logged_with_the_ids_and_never_the_body_or_link(
    notify: HTTPServer, context_for: ContextFor, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    notify.expect_request(PATH, method="POST").respond_with_json(created("r"), status=201)

    backend_for(notify).send(request_email(context_for))

    [line] = [r.getMessage() for r in caplog.records if r.name == "notifications.notify"]
    assert "request-1@advice.northshire.gov.uk" in line
    assert NOTIFICATION_ID in line
    everything = "\n".join(r.getMessage() for r in caplog.records)
    assert "Zx8Qk3v9" not in everything
    assert "Sam T." not in everything
    assert SECRET not in everything


def test_notify_is_never_asked_twice_for_one_message() -> None:
    assert NotifyBackend.resend_is_safe is False
    assert NotifyBackend.name == "notify"


def test_every_kind_needs_a_subject_and_body_placeholder_and_the_receipt_an_attachment() -> None:
    assert set(PLACEHOLDERS) == set(KINDS)
    assert {"advice_request", "advice_receipt", "officer_digest"} <= set(KINDS)
    assert all(names[:2] == ("subject", "body") for names in PLACEHOLDERS.values())
    assert PLACEHOLDERS["advice_receipt"] == ("subject", "body", "attachment")
    assert PLACEHOLDERS["advice_request"] == ("subject", "body")


@pytest.mark.parametrize(
    ("options", "complaint"),
    [
        ({"api_key": SECRET}, "NOTIFY_API_KEY looks wrong"),
        ({"api_key": f"{SERVICE_ID}-{SECRET}"}, "NOTIFY_API_KEY looks wrong"),
        ({"api_key": f" {API_KEY}\n"}, "NOTIFY_API_KEY looks wrong"),
        ({"api_key": API_KEY[:-1]}, "NOTIFY_API_KEY looks wrong"),
        ({"templates": {"advice_request": "welcome-email"}}, "NOTIFY_TEMPLATE_ADVICE_REQUEST"),
        ({"templates": {"advice_requests": REQUEST_TEMPLATE}}, "'advice_requests'"),
        ({"reply_to_id": "priya.shah@northshire.gov.uk"}, "NOTIFY_REPLY_TO_ID"),
        ({"base_url": "http://api.notifications.service.gov.uk"}, "https://"),
        ({"base_url": "ftp://127.0.0.1"}, "https://"),
        ({"base_url": "https://api.notifications.service.gov.uk/v2"}, "root"),
        ({"timeout": 0}, "NOTIFY_TIMEOUT"),
    ],
)
def test_bad_settings_are_refused_saying_what_is_wrong(
    options: dict[str, Any], complaint: str
) -> None:
    with pytest.raises(ValueError, match=complaint) as error:
        backend_for(0, **options)

    assert SECRET not in str(error.value)


@pytest.mark.parametrize(
    "base_url",
    [
        "https://api.notifications.service.gov.uk",
        "https://api.notifications.service.gov.uk/",
        "http://localhost:8025",
        "http://127.0.0.1:8025",
    ],
)
def test_https_and_loopback_http_base_urls_are_accepted(base_url: str) -> None:
    backend = backend_for(0, base_url=base_url)

    assert backend.base_url == base_url.rstrip("/")
    assert SECRET not in repr(backend)


def test_an_untrusted_certificate_is_a_permanent_failure(
    certificate: Any, context_for: ContextFor
) -> None:
    # The client trusts only the system's certificate authorities, never this test one.
    with HTTPServer(host="127.0.0.1", port=0, ssl_context=certificate.server_context()) as server:
        base_url = server.url_for("/").rstrip("/")
        with pytest.raises(MailDeliveryError) as failure:
            backend_for(server, base_url=base_url).send(request_email(context_for))

    assert base_url.startswith("https://")
    assert failure.value.transient is False
    assert failure.value.maybe_sent is False
    assert "certificate" in str(failure.value)
