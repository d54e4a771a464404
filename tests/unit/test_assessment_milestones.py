"""The LA's milestones moved by its own exceptions (reg 5(4), 10(4), 13(3)): a pure function."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from advice_hub.deadlines import adjusted_milestones, assessment_milestones

REQUESTED = date(2026, 1, 2)  # Friday: decision 13 February, draft 24 April, final 22 May 2026
STATUTORY = assessment_milestones(REQUESTED)


def test_with_no_exception_the_milestones_are_the_statutory_ones() -> None:
    adjusted = adjusted_milestones(REQUESTED, [])
    assert (adjusted.decision_due, adjusted.draft_due, adjusted.final_due) == (
        date(2026, 2, 13),
        date(2026, 4, 24),
        date(2026, 5, 22),
    )
    assert adjusted.statutory == STATUTORY
    assert not adjusted.on_hold


def test_a_closed_four_week_exception_early_on_moves_every_milestone_by_28_days() -> None:
    adjusted = adjusted_milestones(REQUESTED, [(date(2026, 1, 12), date(2026, 2, 8))])
    assert adjusted.decision_due == STATUTORY.decision_due + timedelta(days=28)
    assert adjusted.draft_due == STATUTORY.draft_due + timedelta(days=28)
    assert adjusted.final_due == STATUTORY.final_due + timedelta(days=28)


def test_an_exception_after_a_milestone_leaves_that_milestone_where_it_was() -> None:
    # School closed for 4 weeks in weeks 17 to 20: after the decision and the draft.
    adjusted = adjusted_milestones(REQUESTED, [(date(2026, 4, 27), date(2026, 5, 24))])
    assert adjusted.decision_due == STATUTORY.decision_due
    assert adjusted.draft_due == STATUTORY.draft_due
    assert adjusted.final_due == STATUTORY.final_due + timedelta(days=28)


def test_an_exception_starting_on_the_milestone_day_moves_it() -> None:
    adjusted = adjusted_milestones(REQUESTED, [(STATUTORY.draft_due, STATUTORY.draft_due)])
    assert adjusted.draft_due == STATUTORY.draft_due + timedelta(days=1)
    assert adjusted.decision_due == STATUTORY.decision_due


def test_a_milestone_moved_into_a_later_exception_moves_again() -> None:
    first = (date(2026, 2, 1), date(2026, 2, 10))  # 10 days: the decision moves to 23 February
    second = (date(2026, 2, 20), date(2026, 2, 24))  # 5 more days, reached only after moving
    adjusted = adjusted_milestones(REQUESTED, [second, first])
    assert adjusted.decision_due == STATUTORY.decision_due + timedelta(days=15)


def test_overlapping_exceptions_count_each_day_once() -> None:
    adjusted = adjusted_milestones(
        REQUESTED,
        [(date(2026, 1, 10), date(2026, 1, 19)), (date(2026, 1, 15), date(2026, 1, 24))],
    )
    assert adjusted.final_due == STATUTORY.final_due + timedelta(days=15)


def test_touching_exceptions_add_up() -> None:
    adjusted = adjusted_milestones(
        REQUESTED,
        [(date(2026, 1, 10), date(2026, 1, 19)), (date(2026, 1, 20), date(2026, 1, 24))],
    )
    assert adjusted.final_due == STATUTORY.final_due + timedelta(days=15)


def test_days_before_the_request_and_the_day_of_the_request_move_nothing() -> None:
    # A setting closed from a week before the request counts only from the day after it.
    adjusted = adjusted_milestones(REQUESTED, [(date(2025, 12, 26), date(2026, 1, 5))])
    assert adjusted.final_due == STATUTORY.final_due + timedelta(days=3)
    assert adjusted_milestones(REQUESTED, [(date(2025, 12, 1), REQUESTED)]).final_due == (
        STATUTORY.final_due
    )


def test_an_exception_still_holding_puts_the_milestones_after_its_start_on_hold() -> None:
    adjusted = adjusted_milestones(REQUESTED, [(date(2026, 3, 2), None)])
    assert adjusted.decision_due == STATUTORY.decision_due  # already past when it began
    assert adjusted.draft_due is None
    assert adjusted.final_due is None
    assert adjusted.on_hold


def test_an_open_exception_absorbs_a_later_closed_one() -> None:
    adjusted = adjusted_milestones(
        REQUESTED, [(date(2026, 1, 10), None), (date(2026, 3, 1), date(2026, 3, 5))]
    )
    assert (adjusted.decision_due, adjusted.draft_due, adjusted.final_due) == (None, None, None)


def test_an_exception_ending_before_it_starts_is_refused() -> None:
    with pytest.raises(ValueError, match="cannot end"):
        adjusted_milestones(REQUESTED, [(date(2026, 2, 10), date(2026, 2, 1))])


@pytest.mark.parametrize("length", [1, 7, 28, 60])
def test_one_closed_exception_inside_week_one_moves_every_milestone_by_its_length(
    length: int,
) -> None:
    starts_on = REQUESTED + timedelta(days=3)
    ends_on = starts_on + timedelta(days=length - 1)
    adjusted = adjusted_milestones(REQUESTED, [(starts_on, ends_on)])
    for moved, statutory in (
        (adjusted.decision_due, STATUTORY.decision_due),
        (adjusted.draft_due, STATUTORY.draft_due),
        (adjusted.final_due, STATUTORY.final_due),
    ):
        assert moved == statutory + timedelta(days=length)
