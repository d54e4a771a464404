"""The public /verify page: whether a fingerprint is sealed advice and when, and nothing else."""

from __future__ import annotations

from typing import Any

import pytest
from flask.testing import FlaskClient

from advice_hub.display import london_datetime
from advice_hub.models import Agency
from notifications.compose import hex_groups
from tests.html import parse_page, text_of
from tests.web.sealed_advice_data import DECLARATIONS, SealedCase, seal_four_agencies


@pytest.fixture
def case(session: Any) -> SealedCase:
    return seal_four_agencies(session)


def check(client: FlaskClient, typed: str) -> tuple[int, str, str]:
    response = client.get("/verify", query_string={"fingerprint": typed})
    html = response.data.decode()
    return response.status_code, html, text_of(parse_page(html))


def result(words: str) -> str:
    """The banner's one sentence of result, without the fingerprint it repeats."""
    if "Result " not in words:
        return ""
    return words.split("Result ", 1)[1].split(" Fingerprint checked")[0]


def test_the_page_asks_for_a_fingerprint_without_signing_in(client: FlaskClient) -> None:
    response = client.get("/verify")
    assert response.status_code == 200
    soup = parse_page(response.data)
    form = soup.select_one("form")
    assert form is not None and (form.get("method") or "").lower() == "get"
    (field,) = soup.select("input[name=fingerprint]")
    assert soup.select_one("h1 label[for=fingerprint]") is not None
    assert field["id"] == "fingerprint"
    assert "Result" not in text_of(soup)


def test_a_sealed_fingerprint_is_confirmed_with_when_it_was_sealed(
    client: FlaskClient, case: SealedCase
) -> None:
    sealed = case.sealed[Agency.HEALTH]
    status, _, words = check(client, sealed.content_sha256)
    assert status == 200
    assert result(words) == (
        "This is the fingerprint of a sealed piece of advice, sealed on "
        f"{london_datetime(sealed.sealed_at)}"
    )


def test_the_seal_is_recognised_too(client: FlaskClient, case: SealedCase) -> None:
    sealed = case.sealed[Agency.SOCIAL_CARE]
    _, _, words = check(client, sealed.seal_sha256)
    when = london_datetime(sealed.sealed_at)
    assert result(words) == f"This is the seal of a sealed piece of advice, sealed on {when}"


def test_an_addendum_says_it_is_one(client: FlaskClient, case: SealedCase) -> None:
    _, _, words = check(client, case.addendum.content_sha256)
    assert result(words).startswith("This is the fingerprint of a sealed addendum to a piece of")


@pytest.mark.parametrize(
    "shape",
    [
        pytest.param(str.upper, id="upper-case"),
        pytest.param(lambda h: " ".join(hex_groups(h)), id="receipt-groups"),
        pytest.param(
            lambda h: " ".join(hex_groups(h)[:4]) + "\n" + " ".join(hex_groups(h)[4:]),
            id="two-lines-as-in-the-html-receipt",
        ),
        pytest.param(lambda h: f"  {h.upper()}\t", id="pasted-with-white-space"),
        pytest.param(lambda h: " ".join(h), id="a-space-between-every-character"),
    ],
)
def test_a_fingerprint_is_found_however_it_was_typed(
    client: FlaskClient, case: SealedCase, shape: Any
) -> None:
    sealed = case.sealed[Agency.EDUCATION]
    status, _, words = check(client, shape(sealed.content_sha256))
    assert status == 200
    assert result(words).startswith("This is the fingerprint of a sealed piece of advice")
    assert f"Fingerprint checked: {' '.join(hex_groups(sealed.content_sha256))}" in words


def test_an_unknown_fingerprint_is_not_sealed_advice(client: FlaskClient, case: SealedCase) -> None:
    status, _, words = check(client, "0" * 63 + "1")
    assert status == 200
    assert result(words) == "No sealed advice has this fingerprint"
    assert "Check that you copied all 64 characters" in words


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("", "Enter the fingerprint"),
        ("   ", "Enter the fingerprint"),
        ("abc123", "The fingerprint must be 64 characters long. You entered 6"),
        ("a" * 65, "The fingerprint must be 64 characters long. You entered 65"),
        (
            "g" + "a" * 63,
            "The fingerprint must only include the numbers 0 to 9 and the letters a to f",
        ),
        ("<script>alert(1)</script>", "The fingerprint must only include the numbers 0 to 9"),
    ],
)
def test_input_that_is_not_64_hexadecimal_characters_gets_a_clear_error(
    client: FlaskClient, typed: str, message: str
) -> None:
    status, html, words = check(client, typed)
    assert status == 400
    soup = parse_page(html)
    assert soup.title is not None and soup.title.get_text().startswith("Error: ")
    summary = soup.select_one(".govuk-error-summary a[href='#fingerprint']")
    assert summary is not None and summary.get_text(strip=True).startswith(message)
    assert soup.select_one("#fingerprint-error") is not None
    assert "Result" not in words
    assert "<script>alert(1)</script>" not in html


def test_the_answer_never_shows_the_advice_or_who_it_is_about(
    client: FlaskClient, case: SealedCase
) -> None:
    assessment = case.assessment
    never = [
        assessment.child_given_names,
        assessment.child_family_name,
        assessment.reference,
        str(assessment.id),
        "Educational psychology",
        "Social care",
        *(d["name"] for d in DECLARATIONS.values()),
        *(d["role"] for d in DECLARATIONS.values()),
        *(c.name for c in assessment.contributors),
        *(c.organisation for c in assessment.contributors),
        *(c.email for c in assessment.contributors),
    ]
    for sealed in [*case.sealed.values(), case.addendum]:
        for typed in (sealed.content_sha256, sealed.seal_sha256):
            _, html, words = check(client, typed)
            assert result(words).startswith("This is the")
            shown = [n for n in never if n in html]
            assert shown == []
            leaked = [t for t in case.every_text() if t[:20] in html]
            assert leaked == []


def test_every_page_links_to_the_check_in_its_footer(client: FlaskClient) -> None:
    for url in ("/verify", "/sign-in"):
        soup = parse_page(client.get(url).data)
        footer = {a.get_text(strip=True): a["href"] for a in soup.select(".govuk-footer a")}
        assert footer["Check a fingerprint of sealed advice"] == "/verify"
