"""Plain-text bodies wrapped as RFC 3676 format=flowed, and joined back up."""

from __future__ import annotations

from notifications.plaintext import flow, unflow

PARAGRAPH = (
    "We have agreed to assess this child or young person's special educational needs. "
    "We need your advice about their needs, the support that would meet those needs and what "
    "that support should help them achieve."
)
LINK = "https://advice.example.gov.uk/contribute/start/" + "Zx8Qk3v9Lm2Pq7Rt5Ws1Yb4Nc6" * 3


def test_a_long_paragraph_is_wrapped_with_soft_breaks_that_join_back_exactly() -> None:
    flowed = flow(PARAGRAPH)
    lines = flowed.splitlines()

    assert len(lines) > 1
    assert all(len(line) <= 72 for line in lines)
    assert all(line.endswith(" ") for line in lines[:-1])
    assert not lines[-1].endswith(" ")
    assert unflow(flowed) == PARAGRAPH + "\n"


def test_a_link_longer_than_a_line_is_kept_whole_on_its_own_line() -> None:
    flowed = flow(f"Open {LINK} to start.")

    assert any(line.rstrip() == LINK for line in flowed.splitlines())
    assert unflow(flowed) == f"Open {LINK} to start.\n"


def test_short_lines_and_single_blank_lines_are_kept_as_hard_breaks() -> None:
    text = "Reference: AH-1\n\n\n\nPriya Shah\nNorthshire County Council\n\n"

    assert flow(text) == "Reference: AH-1\n\nPriya Shah\nNorthshire County Council\n"


def test_lines_that_could_be_misread_as_quotes_or_mbox_separators_are_space_stuffed() -> None:
    flowed = flow("From the start\n> not a quote\n indented")

    assert flowed.splitlines() == [" From the start", " > not a quote", "  indented"]
    assert unflow(flowed) == "From the start\n> not a quote\n indented\n"
