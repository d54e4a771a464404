"""The chase policy: when reminders, chases and escalations fall due, per agency.

A council edits ``advice_hub/chasing/chase_policy.toml``, or its own copy passed to ``load_policy``
(the app will find it through a ``CHASE_POLICY_FILE`` setting). The file has a ``[default]``
table and optional ``[agency.<key>]`` tables, each setting any field of ``AgencyPolicy``.
For one agency a field comes from, first to last:

1. its own ``[agency.<key>]`` table;
2. the built-in facts about that agency (``BUILTIN_AGENCY_SETTINGS``: who its lead is, and that
   families are chased gently and never "escalated" to a lead);
3. the ``[default]`` table;
4. the ``AgencyPolicy`` defaults in this module.

The shipped file spells all of this out, so what a council reads is what runs. The file is
checked strictly: an unknown table or key, a number below 1, a manager escalated before the
lead, or office hours outside 07:00-20:00 is refused with a ``PolicyError`` naming the file,
the table and the key, so a typo cannot silently switch chasing off.
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field, fields, replace
from datetime import time
from itertools import pairwise
from pathlib import Path
from types import MappingProxyType
from typing import Any

from advice_hub.deadlines import OFFICE_CLOSES, OFFICE_OPENS
from advice_hub.display import plural
from advice_hub.models import Agency

DEFAULT_POLICY_FILE = Path(__file__).resolve().parent / "chase_policy.toml"

# Messages go out no earlier and no later than this, whatever a council writes.
EARLIEST_OPENING = time(7, 0)
LATEST_CLOSING = time(20, 0)


class PolicyError(ValueError):
    """A chase policy file is unreadable or wrong; names the file, the table and the key."""

    def __init__(self, path: Path | str, table: str | None, key: str | None, problem: str):
        self.path = str(path)
        self.table = table
        self.key = key
        self.problem = problem
        where = self.path
        if table:
            where += f": [{table}]"
        if key:
            where += f" {key}"
        super().__init__(f"{where}: {problem}")


@dataclass(frozen=True, slots=True)
class AgencyPolicy:
    """How one agency's requests are chased. Days are calendar days before the due date and
    working days after it (England and Wales bank holidays excluded)."""

    # Reminders this many calendar days before the due date, largest first.
    reminder_days_before: tuple[int, ...] = (14, 7)
    remind_on_due_date: bool = True
    # Once overdue, a chase every N working days from the due date, at most max_chases of them.
    overdue_chase_every_working_days: int = 5
    max_chases: int = 6
    # Escalations, once each, when the request is this many working days overdue.
    escalate_to_lead: bool = True
    escalate_to_lead_after_working_days: int = 5
    escalate_to_manager_after_working_days: int = 10
    lead_title: str = "head of service"
    # Messages go out on working days from office_opens (inclusive) to office_closes (exclusive).
    office_opens: time = OFFICE_OPENS
    office_closes: time = OFFICE_CLOSES


FIELD_NAMES = tuple(f.name for f in fields(AgencyPolicy))

# Facts about each agency that hold unless its own [agency.<key>] table says otherwise.
BUILTIN_AGENCY_SETTINGS: Mapping[str, Mapping[str, Any]] = MappingProxyType(
    {
        Agency.EDUCATION.value: {"lead_title": "head teacher"},
        Agency.EDUCATIONAL_PSYCHOLOGY.value: {"lead_title": "principal educational psychologist"},
        Agency.HEALTH.value: {"lead_title": "designated clinical officer (DCO)"},
        Agency.SOCIAL_CARE.value: {"lead_title": "designated social care officer (DSCO)"},
        # A family has no "lead" to escalate to; chase them gently and tell only the manager.
        Agency.PARENT_CARER.value: {"escalate_to_lead": False, "max_chases": 2},
        Agency.YOUNG_PERSON.value: {"escalate_to_lead": False, "max_chases": 2},
        Agency.PREPARATION_FOR_ADULTHOOD.value: {"lead_title": "preparation for adulthood lead"},
        Agency.OTHER.value: {"lead_title": "head of service"},
    }
)


def _builtin_agencies(default: AgencyPolicy) -> dict[str, AgencyPolicy]:
    return {key: replace(default, **settings) for key, settings in BUILTIN_AGENCY_SETTINGS.items()}


@dataclass(frozen=True)
class ChasePolicy:
    """The default policy plus each agency's resolved policy."""

    default: AgencyPolicy = AgencyPolicy()
    agencies: Mapping[str, AgencyPolicy] = field(
        default_factory=lambda: MappingProxyType(_builtin_agencies(AgencyPolicy()))
    )
    source: str | None = field(default=None, compare=False)

    def for_agency(self, agency: str) -> AgencyPolicy:
        """The policy for ``agency`` (an ``Agency`` value); the default for anything else."""
        return self.agencies.get(str(agency), self.default)


def default_policy() -> ChasePolicy:
    """The built-in policy; the shipped ``chase_policy.toml`` says exactly the same."""
    return ChasePolicy()


def load_policy(path: Path | None = None) -> ChasePolicy:
    """Read and check a chase policy file (the shipped ``chase_policy.toml`` when ``None``).

    Raises ``PolicyError`` naming the file, the table and the key of the first problem found.
    """
    path = DEFAULT_POLICY_FILE if path is None else Path(path)
    try:
        with path.open("rb") as handle:
            document = tomllib.load(handle)
    except FileNotFoundError:
        raise PolicyError(path, None, None, "no such file") from None
    except tomllib.TOMLDecodeError as exc:
        raise PolicyError(path, None, None, f"not valid TOML: {exc}") from None
    return _policy_from_document(path, document)


def _policy_from_document(path: Path, document: Mapping[str, Any]) -> ChasePolicy:
    for key in document:
        if key not in ("default", "agency"):
            raise PolicyError(
                path, None, key, "unknown table (expected [default] and [agency.<key>] tables)"
            )
    default_table = _table(path, document, "default", None)
    default = _resolve(path, "default", AgencyPolicy(), default_table)

    agency_tables = _table(path, document, "agency", None)
    known = {agency.value for agency in Agency}
    for key in agency_tables:
        if key not in known:
            raise PolicyError(
                path,
                f"agency.{key}",
                None,
                f"unknown agency {key!r} (expected one of {', '.join(sorted(known))})",
            )
    agencies: dict[str, AgencyPolicy] = {}
    for key, builtin in _builtin_agencies(default).items():
        table = _table(path, agency_tables, key, "agency")
        agencies[key] = _resolve(path, f"agency.{key}", builtin, table)
    return ChasePolicy(default=default, agencies=MappingProxyType(agencies), source=str(path))


def _table(
    path: Path, parent: Mapping[str, Any], key: str, parent_name: str | None
) -> Mapping[str, Any]:
    value = parent.get(key, {})
    if not isinstance(value, dict):
        name = f"{parent_name}.{key}" if parent_name else key
        raise PolicyError(path, name, None, "must be a table")
    return value


def _resolve(
    path: Path, table: str, base: AgencyPolicy, settings: Mapping[str, Any]
) -> AgencyPolicy:
    """``base`` with ``settings`` applied, every value checked, then the whole checked."""
    changes: dict[str, Any] = {}
    for key, value in settings.items():
        if key not in FIELD_NAMES:
            raise PolicyError(
                path, table, key, f"unknown setting (expected one of {', '.join(FIELD_NAMES)})"
            )
        changes[key] = _check_value(path, table, key, value)
    policy = replace(base, **changes)
    _check_whole(path, table, policy, settings)
    return policy


def _check_value(path: Path, table: str, key: str, value: Any) -> Any:
    def fail(problem: str) -> PolicyError:
        return PolicyError(path, table, key, problem)

    if key == "reminder_days_before":
        if not isinstance(value, list) or not all(_is_int(v) for v in value):
            raise fail("must be a list of whole numbers of days, e.g. [14, 7]")
        if any(v < 1 for v in value):
            raise fail("every reminder must be at least 1 day before the due date")
        if any(a <= b for a, b in pairwise(value)):
            raise fail("must be in descending order without repeats, e.g. [14, 7]")
        return tuple(value)
    if key in ("remind_on_due_date", "escalate_to_lead"):
        if not isinstance(value, bool):
            raise fail("must be true or false")
        return value
    if key == "lead_title":
        if not isinstance(value, str) or not value.strip():
            raise fail("must be a non-empty string")
        return value.strip()
    if key in ("office_opens", "office_closes"):
        return _parse_time(value, fail)
    # Every other setting is a count of working days or of chases.
    if not _is_int(value):
        raise fail("must be a whole number")
    if value < 1:
        raise fail("must be at least 1")
    return value


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _parse_time(value: Any, fail: Any) -> time:
    if isinstance(value, str):
        try:
            value = time.fromisoformat(value)
        except ValueError:
            raise fail("must be a time of day such as 09:00") from None
    if not isinstance(value, time) or value.tzinfo is not None:
        raise fail("must be a time of day such as 09:00 (London time, no offset)")
    if not EARLIEST_OPENING <= value <= LATEST_CLOSING:
        raise fail(f"must be between {EARLIEST_OPENING:%H:%M} and {LATEST_CLOSING:%H:%M}")
    return value


def _check_whole(path: Path, table: str, policy: AgencyPolicy, settings: Mapping[str, Any]) -> None:
    """Checks across fields, blamed on the key this table set (the later one if it set both)."""

    def blame(*keys: str) -> str:
        return next((key for key in reversed(keys) if key in settings), keys[-1])

    if (
        policy.escalate_to_lead
        and policy.escalate_to_manager_after_working_days
        < policy.escalate_to_lead_after_working_days
    ):
        manager = plural(
            policy.escalate_to_manager_after_working_days, "working day", "working days"
        )
        raise PolicyError(
            path,
            table,
            blame("escalate_to_lead_after_working_days", "escalate_to_manager_after_working_days"),
            f"the manager would hear before the lead: manager after {manager}, "
            f"lead after {policy.escalate_to_lead_after_working_days}",
        )
    if policy.office_opens >= policy.office_closes:
        raise PolicyError(
            path,
            table,
            blame("office_opens", "office_closes"),
            f"office hours must open before they close "
            f"({policy.office_opens:%H:%M} to {policy.office_closes:%H:%M})",
        )
