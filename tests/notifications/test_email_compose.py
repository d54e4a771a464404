"""Composing emails from the template folders in notifications/templates."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta, timezone
from email.message import EmailMessage
from email.utils import parsedate_to_datetime
from html.parser import HTMLParser
from typing import Any

import pytest
from jinja2 import UndefinedError

from notifications import compose, long_date, long_datetime, message_html, message_text
from notifications.compose import environment, required_context

KINDS = ("advice_request", "advice_receipt", "advice_reminder")
REQUEST_KEYS = {
    "council_name",
    "officer_name",
    "officer_email",
    "agency_label",
    "reference",
    "due_on",
    "link_url",
    "contributor_name",
    "child_display",
    "organisation",
    "template_title",
}
DOCUMENTED_KEYS = {
    "advice_request": REQUEST_KEYS,
    "advice_reminder": REQUEST_KEYS | {"days_left"},
    "advice_receipt": {
        "council_name",
        "contributor_name",
        "agency_label",
        "reference",
        "sealed_at",
        "content_sha256",
        "seal_sha256",
        "officer_name",
        "officer_email",
        "addendum_until",
        "assessment_closed",
    },
}
HOSTILE = '"><img src=x onerror=alert(1)><script>alert(1)</script>'
MESSAGE_ID = "<20260602130509.4f2a9c1b@advice.northshire.gov.uk>"

ContextFor = Callable[..., dict[str, Any]]


def build(kind: str, context: dict[str, Any], **headers: Any) -> EmailMessage:
    options: dict[str, Any] = {
        "to": "a.okafor@nhs.net",
        "sender": "Northshire advice <noreply@northshire.gov.uk>",
        "message_id": MESSAGE_ID,
        **headers,
    }
    return compose(kind, context=context, **options)


class TagCollector(HTMLParser):
    """Records every start tag and attribute the HTML part would create in a browser."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[str] = []
        self.attributes: list[tuple[str, str | None]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        self.attributes.extend(attrs)


@pytest.mark.parametrize("kind", KINDS)
def test_every_kind_composes_from_a_complete_context(kind: str, context_for: ContextFor) -> None:
    message = build(kind, context_for(kind), reply_to="priya.shah@northshire.gov.uk")

    assert message.get_content_type() == "multipart/alternative"
    parts = [part.get_content_type() for part in message.iter_parts()]
    assert parts == ["text/plain", "text/html"]
    assert message["From"] == "Northshire advice <noreply@northshire.gov.uk>"
    assert message["To"] == "a.okafor@nhs.net"
    assert message["Reply-To"] == "priya.shah@northshire.gov.uk"
    assert message["Message-ID"] == MESSAGE_ID
    assert message["Auto-Submitted"] == "auto-generated"
    sent = parsedate_to_datetime(str(message["Date"]))
    assert abs(sent - datetime.now(UTC)) < timedelta(minutes=1)
    assert "AH-7K2P-9QXM" in message_text(message)
    html = message_html(message)
    assert html is not None and "AH-7K2P-9QXM" in html


@pytest.mark.parametrize("kind", KINDS)
def test_templates_read_exactly_the_documented_context_keys(kind: str) -> None:
    assert required_context(kind) == DOCUMENTED_KEYS[kind]


def test_reply_to_is_left_out_when_not_given(context_for: ContextFor) -> None:
    message = build("advice_receipt", context_for("advice_receipt"))

    assert "Reply-To" not in message


@pytest.mark.parametrize(
    ("kind", "key"), [(kind, key) for kind in KINDS for key in sorted(DOCUMENTED_KEYS[kind])]
)
def test_a_missing_context_key_raises_and_names_the_key(
    kind: str, key: str, context_for: ContextFor
) -> None:
    context = context_for(kind)
    del context[key]

    with pytest.raises(UndefinedError, match=key):
        build(kind, context)


def test_templates_run_with_strict_undefined_so_a_typo_fails() -> None:
    with pytest.raises(UndefinedError):
        environment().from_string("{{ contributor_nmae }}").render(contributor_name="x")


@pytest.mark.parametrize("kind", KINDS)
def test_hostile_text_is_escaped_in_html_and_left_as_text_in_plain_text(
    kind: str, context_for: ContextFor
) -> None:
    hostile = {
        key: f"{key} {HOSTILE}"
        for key, value in context_for(kind).items()
        if isinstance(value, str) and key not in {"link_url", "content_sha256", "seal_sha256"}
    }
    message = build(kind, context_for(kind, **hostile))

    html = message_html(message)
    assert html is not None
    collector = TagCollector()
    collector.feed(html)
    assert "script" not in collector.tags
    assert "img" not in collector.tags
    assert not [name for name, _ in collector.attributes if name.startswith("on")]
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    text = message_text(message)
    for key in hostile:
        assert f"{key} {HOSTILE}" in text, key


@pytest.mark.parametrize(
    "url", ["javascript:alert(1)", "data:text/html,<script>alert(1)</script>", "/relative/link"]
)
def test_a_link_that_is_not_an_absolute_web_address_is_refused(
    url: str, context_for: ContextFor
) -> None:
    with pytest.raises(ValueError, match="http"):
        build("advice_request", context_for("advice_request", link_url=url))


@pytest.mark.parametrize("kind", KINDS)
def test_subject_is_one_line_and_free_of_personal_data(kind: str, context_for: ContextFor) -> None:
    context = context_for(kind)
    subject = str(build(kind, context)["Subject"])

    assert "\n" not in subject
    assert "AH-7K2P-9QXM" in subject
    for personal in ("Sam", "2016", "Okafor", "Adaeze", "Paediatrics", "Priya"):
        assert personal not in subject


def test_subject_of_an_advice_request_carries_no_personal_data(context_for: ContextFor) -> None:
    message = build("advice_request", context_for("advice_request"))

    assert message["Subject"] == "Request for health advice: reference AH-7K2P-9QXM"


def test_a_subject_that_renders_over_two_lines_is_refused(context_for: ContextFor) -> None:
    context = context_for("advice_request", agency_label="advice\nBcc: everyone@example.com")

    with pytest.raises(ValueError, match="single"):
        build("advice_request", context)


def test_a_recipient_smuggling_an_extra_header_is_refused(context_for: ContextFor) -> None:
    with pytest.raises(ValueError):
        build(
            "advice_request",
            context_for("advice_request"),
            to="a.okafor@nhs.net\r\nBcc: everyone@example.com",
        )


@pytest.mark.parametrize("message_id", ["no-brackets@example.com", "<no-domain>", "<a b@c>"])
def test_a_malformed_message_id_is_refused(message_id: str, context_for: ContextFor) -> None:
    with pytest.raises(ValueError, match="message_id"):
        build("advice_request", context_for("advice_request"), message_id=message_id)


@pytest.mark.parametrize("kind", ["../advice_request", "_shared", "advice_request/", "nope", ""])
def test_an_unknown_kind_is_refused(kind: str, context_for: ContextFor) -> None:
    with pytest.raises(ValueError, match="unknown email kind"):
        build(kind, context_for("advice_request"))


@pytest.mark.parametrize("kind", KINDS)
def test_plain_text_is_wrapped_for_reading_but_never_breaks_the_link(
    kind: str, context_for: ContextFor
) -> None:
    message = build(kind, context_for(kind))
    part = message.get_body(preferencelist=("plain",))
    assert isinstance(part, EmailMessage)
    raw = str(part.get_content())

    assert part.get_param("format") == "flowed"
    link = context_for(kind).get("link_url")
    for line in raw.splitlines():
        assert len(line.rstrip()) <= 72 or line.strip() == link, line
    if link:
        assert link in raw.splitlines()


def test_advice_request_says_what_is_asked_by_when_and_how_the_link_behaves(
    context_for: ContextFor,
) -> None:
    text = message_text(build("advice_request", context_for("advice_request")))

    for expected in (
        "Priya Shah at Northshire County Council is asking you for health advice",
        "Education, Health and Care (EHC) needs assessment",
        "Sam T., born 3 May 2016",
        "Please give your advice by 14 June 2026.",
        "within 6 weeks of receiving the request",
        "regulation 8 of the Special Educational Needs and Disability Regulations 2014",
        "The link opens a start page. Nothing changes until you press Start",
        "You do not need an account.",
        "come back later using the same link",
        "Do not forward this email. The link is personal to you.",
        "not known to Northshire Community Paediatrics",
        '"Someone else should give this advice"',
        "priya.shah@northshire.gov.uk",
        "Health advice for an EHC needs assessment",
    ):
        assert expected in text, expected


def test_receipt_shows_the_fingerprint_and_seal_in_groups_of_eight(
    context_for: ContextFor,
) -> None:
    context = context_for("advice_receipt")
    message = build("advice_receipt", context)
    text = message_text(message)
    html = message_html(message) or ""

    assert (
        "9f86d081 884c7d65 9a2feaa0 c55ad015 a3bf4f1b 2b0b822c d15d6c15 b0f00a08"
        in text.splitlines()
    )
    assert "60303ae2 2b998861 bce3b28f 33eec1be 758a213c 86c93c07 6dbe9f55 8c11c752" in text
    assert "9f86d081 884c7d65 9a2feaa0 c55ad015<br>a3bf4f1b 2b0b822c d15d6c15 b0f00a08" in html
    assert "60303ae2 2b998861 bce3b28f 33eec1be<br>758a213c 86c93c07 6dbe9f55 8c11c752" in html
    assert "on 2 June 2026 at 2:05pm" in text
    assert "Nobody at Northshire County Council can change it." in text
    assert "appendix (section K)" in text
    assert "which stays exactly as you submitted it." in text


@pytest.mark.parametrize(
    ("until", "closed", "says", "never"),
    [
        (
            datetime(2026, 6, 30, 13, 5, tzinfo=UTC),
            False,
            "Until 30 June 2026 at 2:05pm you can add an addendum yourself",
            "This assessment is closed",
        ),
        (
            None,
            False,
            "To add an addendum, email Priya Shah at",
            "you can add an addendum yourself",
        ),
        (None, True, "This assessment is closed, so no addendum can be added", "email Priya Shah"),
    ],
)
def test_receipt_says_how_to_add_an_addendum_as_the_rule_allows_now(
    until: datetime | None, closed: bool, says: str, never: str, context_for: ContextFor
) -> None:
    context = context_for("advice_receipt", addendum_until=until, assessment_closed=closed)
    message = build("advice_receipt", context)
    for part in (message_text(message).replace(" \n", " "), message_html(message) or ""):
        assert says in part.replace("<strong>", "").replace("</strong>", "")
        assert never not in part


def test_receipt_refuses_a_fingerprint_that_is_not_hexadecimal(context_for: ContextFor) -> None:
    context = context_for("advice_receipt", content_sha256="<b>not a digest</b>")

    with pytest.raises(ValueError, match="hexadecimal"):
        build("advice_receipt", context)


def test_receipt_refuses_a_naive_sealing_time(context_for: ContextFor) -> None:
    context = context_for("advice_receipt", sealed_at=datetime(2026, 6, 2, 13, 5))

    with pytest.raises(ValueError, match="aware"):
        build("advice_receipt", context)


@pytest.mark.parametrize(
    ("days_left", "subject", "sentence"),
    [
        (5, "Reminder: health advice due by 14 June 2026", "due in 5 days, by 14 June 2026."),
        (1, "Reminder: health advice due by 14 June 2026", "due tomorrow, 14 June 2026."),
        (0, "Reminder: health advice due today", "due today, 14 June 2026."),
        (-1, "Overdue: health advice was due on 14 June 2026", "It is now 1 day late."),
        (-9, "Overdue: health advice was due on 14 June 2026", "It is now 9 days late."),
    ],
)
def test_reminder_wording_follows_the_days_left(
    days_left: int, subject: str, sentence: str, context_for: ContextFor
) -> None:
    message = build("advice_reminder", context_for("advice_reminder", days_left=days_left))

    assert message["Subject"] == f"{subject}: reference AH-7K2P-9QXM"
    assert sentence in message_text(message)
    assert sentence in (message_html(message) or "")


def test_overdue_reminder_asks_for_reasons_such_as_a_missed_appointment(
    context_for: ContextFor,
) -> None:
    text = message_text(build("advice_reminder", context_for("advice_reminder", days_left=-2)))

    assert "as soon as you can" in text
    assert "missed an appointment" in text
    assert '"I cannot give this advice by the deadline"' in text


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (date(2026, 5, 3), "3 May 2026"),
        (date(2026, 12, 25), "25 December 2026"),
        # 23:30 UTC on 3 May is already 4 May in London (BST).
        (datetime(2026, 5, 3, 23, 30, tzinfo=UTC), "4 May 2026"),
    ],
)
def test_long_date_has_no_leading_zero(value: date, expected: str) -> None:
    assert long_date(value) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (datetime(2026, 5, 3, 13, 5, tzinfo=UTC), "3 May 2026 at 2:05pm"),
        (datetime(2026, 1, 10, 14, 5, tzinfo=UTC), "10 January 2026 at 2:05pm"),
        (datetime(2026, 1, 10, 9, 0, tzinfo=UTC), "10 January 2026 at 9am"),
        (datetime(2026, 1, 10, 12, 0, tzinfo=UTC), "10 January 2026 at midday"),
        (datetime(2026, 1, 10, 0, 0, tzinfo=UTC), "10 January 2026 at midnight"),
        (datetime(2026, 1, 10, 0, 7, tzinfo=UTC), "10 January 2026 at 12:07am"),
        (datetime(2026, 7, 1, 9, 5, tzinfo=timezone(timedelta(hours=-4))), "1 July 2026 at 2:05pm"),
    ],
)
def test_long_datetime_is_london_time_in_gov_uk_style(value: datetime, expected: str) -> None:
    assert long_datetime(value) == expected


def test_long_datetime_refuses_a_naive_datetime() -> None:
    with pytest.raises(ValueError, match="aware"):
        long_datetime(datetime(2026, 5, 3, 14, 5))
