"""The chase policy file: defaults, overrides, and refusals that name the file, table and key."""

from __future__ import annotations

from datetime import time
from pathlib import Path

import pytest

from advice_hub.chasing.policy import (
    DEFAULT_POLICY_FILE,
    AgencyPolicy,
    ChasePolicy,
    PolicyError,
    default_policy,
    load_policy,
)
from advice_hub.models import Agency


def write_policy(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "chase_policy.toml"
    path.write_text(text, encoding="utf-8")
    return path


# --- Defaults ----------------------------------------------------------------------------------


def test_the_shipped_file_says_exactly_what_the_built_in_defaults_say() -> None:
    assert DEFAULT_POLICY_FILE.name == "chase_policy.toml"
    assert load_policy(None) == default_policy()
    assert load_policy(DEFAULT_POLICY_FILE).source == str(DEFAULT_POLICY_FILE)


def test_the_defaults_follow_the_issue() -> None:
    policy = default_policy().default
    assert policy.reminder_days_before == (14, 7)
    assert policy.remind_on_due_date is True
    assert policy.overdue_chase_every_working_days == 5
    assert policy.escalate_to_lead_after_working_days == 5
    assert policy.escalate_to_manager_after_working_days == 10
    assert policy.max_chases == 6
    assert (policy.office_opens, policy.office_closes) == (time(9, 0), time(16, 0))


@pytest.mark.parametrize(
    ("agency", "lead_title"),
    [
        (Agency.HEALTH, "designated clinical officer (DCO)"),
        (Agency.SOCIAL_CARE, "designated social care officer (DSCO)"),
        (Agency.EDUCATIONAL_PSYCHOLOGY, "principal educational psychologist"),
        (Agency.EDUCATION, "head teacher"),
        (Agency.PREPARATION_FOR_ADULTHOOD, "preparation for adulthood lead"),
        (Agency.OTHER, "head of service"),
    ],
)
def test_each_agency_escalates_to_its_own_lead(agency: Agency, lead_title: str) -> None:
    for policy in (default_policy(), load_policy(None)):
        assert policy.for_agency(agency).lead_title == lead_title
        assert policy.for_agency(agency).escalate_to_lead is True


@pytest.mark.parametrize("agency", [Agency.PARENT_CARER, Agency.YOUNG_PERSON])
def test_families_are_chased_gently_and_never_escalated_to_a_lead(agency: Agency) -> None:
    policy = default_policy().for_agency(agency)
    assert policy.escalate_to_lead is False
    assert policy.max_chases == 2


def test_every_agency_has_a_policy_and_an_unknown_one_gets_the_default() -> None:
    policy = default_policy()
    assert set(policy.agencies) == {agency.value for agency in Agency}
    assert policy.for_agency("police") == policy.default


# --- Overrides -----------------------------------------------------------------------------------


def test_the_default_table_applies_to_every_agency_and_an_agency_table_wins(
    tmp_path: Path,
) -> None:
    path = write_policy(
        tmp_path,
        """
        [default]
        reminder_days_before = [21, 10, 3]
        max_chases = 4
        office_opens = 08:30:00
        office_closes = "17:00"

        [agency.health]
        max_chases = 8
        lead_title = "DCO for the integrated care board"
        """,
    )
    policy = load_policy(path)
    health = policy.for_agency(Agency.HEALTH)
    assert health.max_chases == 8
    assert health.lead_title == "DCO for the integrated care board"
    assert health.reminder_days_before == (21, 10, 3)
    assert (health.office_opens, health.office_closes) == (time(8, 30), time(17, 0))
    education = policy.for_agency(Agency.EDUCATION)
    assert education.max_chases == 4
    assert education.lead_title == "head teacher"  # built in, the file did not change it
    assert policy.default.max_chases == 4
    assert policy.source == str(path)


def test_an_empty_file_is_the_built_in_policy(tmp_path: Path) -> None:
    assert load_policy(write_policy(tmp_path, "")) == ChasePolicy()


def test_an_empty_reminder_list_means_no_reminders(tmp_path: Path) -> None:
    policy = load_policy(write_policy(tmp_path, "[default]\nreminder_days_before = []\n"))
    assert policy.default.reminder_days_before == ()


def test_a_family_can_be_given_a_lead_by_its_own_table(tmp_path: Path) -> None:
    path = write_policy(
        tmp_path,
        '[agency.parent_carer]\nescalate_to_lead = true\nlead_title = "family support lead"\n',
    )
    parent = load_policy(path).for_agency(Agency.PARENT_CARER)
    assert parent.escalate_to_lead is True
    assert parent.lead_title == "family support lead"
    assert parent.max_chases == 2


def test_policies_are_frozen() -> None:
    with pytest.raises(AttributeError):
        AgencyPolicy().max_chases = 3  # type: ignore[misc]


# --- Refusals ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "table", "key", "problem"),
    [
        ("[defaults]\nmax_chases = 3\n", None, "defaults", "unknown table"),
        ("agency = 3\n", "agency", None, "must be a table"),
        ("[agency]\nhealth = 3\n", "agency.health", None, "must be a table"),
        ("[default]\nmax_chase = 3\n", "default", "max_chase", "unknown setting"),
        ("[agency.police]\nmax_chases = 3\n", "agency.police", None, "unknown agency"),
        ("[agency.health]\nlead = 'DCO'\n", "agency.health", "lead", "unknown setting"),
        ("[default]\nmax_chases = -1\n", "default", "max_chases", "at least 1"),
        (
            "[agency.health]\noverdue_chase_every_working_days = 0\n",
            "agency.health",
            "overdue_chase_every_working_days",
            "at least 1",
        ),
        ("[default]\nmax_chases = 'six'\n", "default", "max_chases", "whole number"),
        ("[default]\nmax_chases = true\n", "default", "max_chases", "whole number"),
        ("[default]\nmax_chases = 2.5\n", "default", "max_chases", "whole number"),
        (
            "[agency.social_care]\nescalate_to_manager_after_working_days = 3\n",
            "agency.social_care",
            "escalate_to_manager_after_working_days",
            "manager would hear before the lead",
        ),
        (
            "[default]\nescalate_to_lead_after_working_days = 12\n",
            "default",
            "escalate_to_lead_after_working_days",
            "manager would hear before the lead",
        ),
        ("[default]\noffice_opens = '06:30'\n", "default", "office_opens", "between 07:00"),
        ("[default]\noffice_closes = 21:00:00\n", "default", "office_closes", "between 07:00"),
        ("[default]\noffice_opens = 'nine'\n", "default", "office_opens", "time of day"),
        ("[default]\noffice_opens = 9\n", "default", "office_opens", "time of day"),
        (
            "[agency.education]\noffice_opens = '16:00'\noffice_closes = '09:00'\n",
            "agency.education",
            "office_closes",
            "open before they close",
        ),
        (
            "[default]\noffice_opens = '16:30'\n",
            "default",
            "office_opens",
            "open before they close",
        ),
        (
            "[default]\nreminder_days_before = [7, 14]\n",
            "default",
            "reminder_days_before",
            "descending",
        ),
        (
            "[default]\nreminder_days_before = [7, 7]\n",
            "default",
            "reminder_days_before",
            "descending",
        ),
        (
            "[default]\nreminder_days_before = [14, 0]\n",
            "default",
            "reminder_days_before",
            "at least 1 day",
        ),
        ("[default]\nreminder_days_before = 14\n", "default", "reminder_days_before", "list"),
        ("[default]\nremind_on_due_date = 'yes'\n", "default", "remind_on_due_date", "true or"),
        ("[agency.health]\nlead_title = '  '\n", "agency.health", "lead_title", "non-empty"),
    ],
)
def test_a_wrong_setting_is_refused_naming_the_file_the_table_and_the_key(
    tmp_path: Path, text: str, table: str | None, key: str | None, problem: str
) -> None:
    path = write_policy(tmp_path, text)
    with pytest.raises(PolicyError) as raised:
        load_policy(path)
    error = raised.value
    assert (error.path, error.table, error.key) == (str(path), table, key)
    assert problem in error.problem
    message = str(error)
    assert str(path) in message
    if table:
        assert f"[{table}]" in message
    if key:
        assert key in message


def test_a_missing_file_is_refused_by_name(tmp_path: Path) -> None:
    path = tmp_path / "nowhere.toml"
    with pytest.raises(PolicyError, match=r"nowhere\.toml: no such file"):
        load_policy(path)


def test_a_file_that_is_not_toml_is_refused_by_name(tmp_path: Path) -> None:
    path = write_policy(tmp_path, "[default\nmax_chases = 3\n")
    with pytest.raises(PolicyError, match=r"chase_policy\.toml: not valid TOML"):
        load_policy(path)
