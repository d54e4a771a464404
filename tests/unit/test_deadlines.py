"""Statutory date arithmetic, checked against the regulations and real England calendars."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

import pytest
import time_machine

from advice_hub.deadlines import (
    ADVICE_PERIOD,
    LONDON,
    AssessmentMilestones,
    add_working_days,
    advice_due_on,
    assessment_milestones,
    comments_due,
    is_bank_holiday,
    is_working_day,
    london_date,
    next_sending_instant,
    next_working_day,
    working_days_between,
)


def utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    """An instant given in UTC."""
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


def london(
    year: int, month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0
) -> datetime:
    """The UTC instant of a London wall-clock time."""
    return datetime(year, month, day, hour, minute, second, tzinfo=LONDON).astimezone(UTC)


# --- The advice deadline (reg 8(1)) ----------------------------------------------------------


def test_advice_is_due_six_weeks_after_the_day_of_receipt_on_the_same_weekday() -> None:
    due = advice_due_on(utc(2026, 1, 5, 10, 0))  # Monday
    assert due == date(2026, 2, 16)
    assert due.weekday() == 0
    assert due - date(2026, 1, 5) == ADVICE_PERIOD == timedelta(weeks=6)


def test_a_request_received_at_half_past_eleven_utc_in_summer_was_received_the_next_day() -> None:
    received = utc(2026, 6, 30, 23, 30)  # 00:30 BST on Wednesday 1 July
    assert london_date(received) == date(2026, 7, 1)
    assert advice_due_on(received) == date(2026, 8, 12)


def test_a_request_received_at_half_past_eleven_utc_in_winter_was_received_that_day() -> None:
    received = utc(2026, 1, 15, 23, 30)  # 23:30 GMT
    assert london_date(received) == date(2026, 1, 15)
    assert advice_due_on(received) == date(2026, 2, 26)


def test_receipt_a_minute_before_and_after_london_midnight_in_summer_falls_on_two_days() -> None:
    assert advice_due_on(utc(2026, 7, 14, 22, 59)) == date(2026, 8, 25)
    assert advice_due_on(utc(2026, 7, 14, 23, 0)) == date(2026, 8, 26)


def test_receipt_on_the_night_the_clocks_go_back_uses_the_london_date() -> None:
    # 23:30 UTC on Saturday 30 October 2027 is 00:30 BST on Sunday 31 October.
    assert london_date(utc(2027, 10, 30, 23, 30)) == date(2027, 10, 31)
    # 00:30 UTC on 31 October is 01:30 BST; 01:30 UTC is 01:30 GMT: both that Sunday.
    assert london_date(utc(2027, 10, 31, 0, 30)) == date(2027, 10, 31)
    assert london_date(utc(2027, 10, 31, 1, 30)) == date(2027, 10, 31)


def test_the_advice_deadline_is_not_moved_off_a_bank_holiday_or_weekend() -> None:
    # Received Monday 15 February 2027: six weeks on is Easter Monday, and it stays there.
    assert advice_due_on(utc(2027, 2, 15, 9, 0)) == date(2027, 3, 29)
    # Received on a Saturday: due on a Saturday.
    assert advice_due_on(utc(2026, 3, 7, 12, 0)) == date(2026, 4, 18)


def test_an_instant_without_a_timezone_is_refused() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        london_date(datetime(2026, 1, 5, 10, 0))
    with pytest.raises(ValueError, match="timezone-aware"):
        advice_due_on(datetime(2026, 1, 5, 10, 0))


@pytest.mark.parametrize(
    "today", ["2026-01-05 09:00Z", "2026-07-01 00:30+01:00", "2030-12-25 12:00Z"]
)
def test_deadlines_do_not_depend_on_when_they_are_worked_out(today: str) -> None:
    with time_machine.travel(datetime.fromisoformat(today), tick=False):
        assert advice_due_on(utc(2026, 6, 30, 23, 30)) == date(2026, 8, 12)
        assert assessment_milestones(date(2026, 1, 2)).final_due == date(2026, 5, 22)
        assert next_sending_instant(utc(2027, 3, 25, 16, 30)) == utc(2027, 3, 30, 8, 0)


# --- Bank holidays and working days ----------------------------------------------------------


def test_good_friday_and_easter_monday_2027_are_not_working_days() -> None:
    assert not is_working_day(date(2027, 3, 26))
    assert not is_working_day(date(2027, 3, 29))
    assert is_working_day(date(2027, 3, 25))
    assert is_working_day(date(2027, 3, 30))


def test_christmas_2027_on_a_weekend_gives_substitute_days_on_monday_and_tuesday() -> None:
    assert date(2027, 12, 25).weekday() == 5
    assert is_bank_holiday(date(2027, 12, 27))
    assert is_bank_holiday(date(2027, 12, 28))
    assert not is_working_day(date(2027, 12, 27))
    assert not is_working_day(date(2027, 12, 28))
    assert is_working_day(date(2027, 12, 29))


def test_the_one_off_bank_holidays_for_the_state_funeral_and_the_coronation_count() -> None:
    assert not is_working_day(date(2022, 9, 19))  # state funeral of Queen Elizabeth II
    assert not is_working_day(date(2023, 5, 8))  # coronation of King Charles III
    assert not is_working_day(date(2022, 6, 3))  # platinum jubilee


def test_early_may_spring_and_summer_bank_holidays_are_not_working_days() -> None:
    for day in (date(2026, 5, 4), date(2026, 5, 25), date(2026, 8, 31)):
        assert day.weekday() == 0
        assert not is_working_day(day)
    assert not is_working_day(date(2027, 5, 3))
    assert not is_working_day(date(2027, 5, 31))


def test_scottish_and_northern_irish_bank_holidays_are_working_days_in_england() -> None:
    assert is_working_day(date(2026, 1, 2))  # 2 January, Scotland only
    assert is_working_day(date(2026, 3, 17))  # St Patrick's Day, Northern Ireland only
    assert is_working_day(date(2026, 7, 13))  # Battle of the Boyne (observed), NI only
    assert is_working_day(date(2026, 8, 3))  # Scotland's summer bank holiday


def test_weekends_are_not_working_days() -> None:
    assert not is_working_day(date(2026, 1, 10))
    assert not is_working_day(date(2026, 1, 11))
    assert is_working_day(date(2026, 1, 12))


def test_the_next_working_day_is_today_when_today_is_one() -> None:
    assert next_working_day(date(2026, 1, 7)) == date(2026, 1, 7)
    assert next_working_day(date(2026, 1, 10)) == date(2026, 1, 12)
    assert next_working_day(date(2027, 3, 26)) == date(2027, 3, 30)
    assert next_working_day(date(2027, 12, 24)) == date(2027, 12, 24)
    assert next_working_day(date(2027, 12, 25)) == date(2027, 12, 29)


def test_adding_working_days_skips_the_weekend() -> None:
    assert add_working_days(date(2026, 1, 9), 1) == date(2026, 1, 12)  # Friday -> Monday
    assert add_working_days(date(2026, 1, 8), 5) == date(2026, 1, 15)
    assert add_working_days(date(2026, 1, 10), 1) == date(2026, 1, 12)  # Saturday -> Monday


def test_adding_working_days_skips_bank_holidays() -> None:
    assert add_working_days(date(2027, 3, 25), 1) == date(2027, 3, 30)  # over Easter
    assert add_working_days(date(2026, 5, 22), 1) == date(2026, 5, 26)  # spring bank holiday
    assert add_working_days(date(2027, 12, 24), 1) == date(2027, 12, 29)
    assert add_working_days(date(2026, 12, 23), 5) == date(2027, 1, 4)  # into the new year


def test_adding_zero_working_days_changes_nothing_even_on_a_holiday() -> None:
    assert add_working_days(date(2026, 1, 7), 0) == date(2026, 1, 7)
    assert add_working_days(date(2027, 3, 26), 0) == date(2027, 3, 26)


def test_adding_negative_working_days_counts_backwards_over_holidays() -> None:
    assert add_working_days(date(2026, 1, 12), -1) == date(2026, 1, 9)  # Monday -> Friday
    assert add_working_days(date(2026, 1, 10), -1) == date(2026, 1, 9)  # Saturday -> Friday
    assert add_working_days(date(2027, 3, 30), -1) == date(2027, 3, 25)  # back over Easter
    assert add_working_days(date(2027, 12, 29), -2) == date(2027, 12, 23)


def test_working_days_between_excludes_the_start_and_includes_the_end() -> None:
    assert working_days_between(date(2026, 1, 9), date(2026, 1, 12)) == 1  # Fri -> Mon
    assert working_days_between(date(2026, 1, 5), date(2026, 1, 9)) == 4
    assert working_days_between(date(2026, 1, 5), date(2026, 1, 5)) == 0
    assert working_days_between(date(2027, 3, 25), date(2027, 3, 30)) == 1  # Easter
    assert working_days_between(date(2027, 12, 24), date(2027, 12, 31)) == 3
    assert working_days_between(date(2026, 1, 12), date(2026, 1, 9)) == -1


def test_working_days_between_undoes_adding_working_days_from_any_day() -> None:
    start = date(2027, 3, 1)
    for offset in range(70):  # through Easter and the early May bank holiday, weekends too
        day = start + timedelta(days=offset)
        for n in range(-12, 13):
            assert working_days_between(day, add_working_days(day, n)) == n, (day, n)


# --- Office hours for sending messages --------------------------------------------------------


def test_a_message_inside_office_hours_goes_at_once() -> None:
    assert next_sending_instant(london(2026, 1, 7, 11, 15)) == london(2026, 1, 7, 11, 15)
    assert next_sending_instant(london(2026, 1, 7, 9, 0)) == london(2026, 1, 7, 9, 0)


def test_a_message_before_opening_waits_for_nine_o_clock_london_time() -> None:
    assert next_sending_instant(london(2026, 1, 7, 6, 30)) == utc(2026, 1, 7, 9, 0)
    assert next_sending_instant(london(2026, 7, 7, 6, 30)) == utc(2026, 7, 7, 8, 0)


def test_a_message_after_closing_waits_for_the_next_morning() -> None:
    assert next_sending_instant(london(2026, 1, 7, 18, 45)) == utc(2026, 1, 8, 9, 0)


def test_a_message_at_exactly_four_o_clock_waits_for_the_next_morning() -> None:
    assert next_sending_instant(london(2026, 1, 7, 16, 0)) == utc(2026, 1, 8, 9, 0)
    assert next_sending_instant(london(2026, 1, 7, 15, 59, 59)) == london(2026, 1, 7, 15, 59, 59)


def test_a_message_on_friday_evening_waits_for_monday_morning() -> None:
    assert next_sending_instant(london(2026, 1, 9, 17, 0)) == utc(2026, 1, 12, 9, 0)
    assert next_sending_instant(london(2026, 1, 10, 10, 0)) == utc(2026, 1, 12, 9, 0)


def test_a_message_on_a_bank_holiday_waits_for_the_next_working_day() -> None:
    assert next_sending_instant(london(2026, 5, 25, 10, 0)) == utc(2026, 5, 26, 8, 0)
    assert next_sending_instant(london(2027, 12, 24, 16, 30)) == utc(2027, 12, 29, 9, 0)


def test_over_easter_and_the_spring_clock_change_nine_o_clock_is_eight_utc() -> None:
    # Thursday 25 March 2027 16:30 GMT; Good Friday, the clocks go forward on Easter Sunday
    # 28 March, Easter Monday; the office opens Tuesday 30 March at 09:00 BST.
    sent = next_sending_instant(utc(2027, 3, 25, 16, 30))
    assert sent == utc(2027, 3, 30, 8, 0)
    assert sent.astimezone(LONDON).time() == time(9, 0)


def test_across_the_autumn_clock_change_nine_o_clock_is_nine_utc() -> None:
    # Friday 29 October 2027 17:00 BST; clocks go back on Sunday 31 October.
    sent = next_sending_instant(utc(2027, 10, 29, 16, 0))
    assert sent == utc(2027, 11, 1, 9, 0)
    assert sent.astimezone(LONDON).time() == time(9, 0)


def test_during_the_repeated_hour_on_the_night_the_clocks_go_back_it_waits_for_monday() -> None:
    assert next_sending_instant(utc(2027, 10, 31, 0, 30)) == utc(2027, 11, 1, 9, 0)
    assert next_sending_instant(utc(2027, 10, 31, 1, 30)) == utc(2027, 11, 1, 9, 0)


def test_office_hours_are_read_as_london_wall_clock_time_in_summer() -> None:
    # 15:30 UTC in July is 16:30 BST: closed.
    assert next_sending_instant(utc(2026, 7, 7, 15, 30)) == utc(2026, 7, 8, 8, 0)
    # 08:30 UTC in July is 09:30 BST: open.
    assert next_sending_instant(utc(2026, 7, 7, 8, 30)) == utc(2026, 7, 7, 8, 30)


def test_the_sending_instant_is_returned_in_utc_whatever_zone_it_was_given_in() -> None:
    sent = next_sending_instant(datetime(2026, 7, 7, 11, 0, tzinfo=LONDON))
    assert sent.tzinfo is UTC
    assert sent == utc(2026, 7, 7, 10, 0)


def test_office_hours_can_be_set_by_the_caller() -> None:
    at = london(2026, 1, 7, 16, 30)
    assert next_sending_instant(at, closes=time(17, 30)) == at
    assert next_sending_instant(london(2026, 1, 7, 7, 45), opens=time(8, 0)) == utc(
        2026, 1, 7, 8, 0
    )


def test_office_hours_that_close_before_they_open_are_refused() -> None:
    with pytest.raises(ValueError, match="open before"):
        next_sending_instant(utc(2026, 1, 7, 10, 0), opens=time(16, 0), closes=time(9, 0))
    with pytest.raises(ValueError, match="timezone-aware"):
        next_sending_instant(datetime(2026, 1, 7, 10, 0))


# --- The local authority's milestones and the draft plan ----------------------------------------


def test_milestones_for_a_request_on_2_january_2026() -> None:
    assert assessment_milestones(date(2026, 1, 2)) == AssessmentMilestones(
        decision_due=date(2026, 2, 13),
        draft_due=date(2026, 4, 24),
        final_due=date(2026, 5, 22),
    )


def test_milestones_are_six_sixteen_and_twenty_weeks_from_the_request() -> None:
    requested = date(2026, 9, 14)
    milestones = assessment_milestones(requested)
    assert (milestones.decision_due - requested).days == 6 * 7
    assert (milestones.draft_due - requested).days == 16 * 7
    assert (milestones.final_due - requested).days == 20 * 7


def test_comments_on_a_draft_run_fifteen_days_counting_the_day_it_is_served() -> None:
    assert comments_due(date(2026, 4, 1)) == date(2026, 4, 15)
    assert (comments_due(date(2026, 4, 1)) - date(2026, 4, 1)).days + 1 == 15


def test_a_draft_served_by_week_sixteen_leaves_its_comments_inside_week_twenty() -> None:
    milestones = assessment_milestones(date(2026, 1, 2))
    assert comments_due(milestones.draft_due) == date(2026, 5, 8)
    assert comments_due(milestones.draft_due) < milestones.final_due
