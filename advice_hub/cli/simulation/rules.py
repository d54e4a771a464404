"""The rules a simulation's chase log is held to, and the report that says whether it kept
them: no contributor gets more than one email on a day, none after their request closed, no
chase or escalation outside working hours, and every overdue request escalated to its lead
and to the manager on schedule (or, when the clock was down that day, on the first sweep after
it came back)."""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from advice_hub.chasing import ChaseKind, ChasePolicy
from advice_hub.deadlines import (
    LONDON,
    add_working_days,
    is_working_day,
    london_date,
)
from advice_hub.display import plural
from advice_hub.models import (
    AdviceRequest,
    Chase,
    MessageKind,
    RequestException,
    SendLedger,
    StaffMessage,
)

CONTRIBUTOR_KINDS = (MessageKind.ADVICE_REQUEST.value, MessageKind.ADVICE_REMINDER.value)


def instant(day: date, at: time) -> datetime:
    """That time of day in London on ``day``, as an instant."""
    return datetime.combine(day, at, tzinfo=LONDON).astimezone(UTC)


@dataclass
class Report:
    assessments: int = 0
    requests: int = 0
    outcomes: Counter[str] = field(default_factory=Counter)
    emails: Counter[str] = field(default_factory=Counter)
    clock_down: list[date] = field(default_factory=list)
    most_contributor_emails_in_a_day: int = 0
    violations: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list))
    escalations: Counter[str] = field(default_factory=Counter)

    @property
    def ok(self) -> bool:
        return not any(self.violations.values())

    def lines(self) -> list[str]:
        out = [
            f"assessments: {self.assessments}, advice requests: {self.requests}",
            "returns: " + ", ".join(f"{k} {v}" for k, v in sorted(self.outcomes.items())),
            "clock down on: " + (", ".join(d.isoformat() for d in self.clock_down) or "never"),
            "emails sent: " + ", ".join(f"{k} {v}" for k, v in sorted(self.emails.items())),
            f"most emails to one contributor in a day: {self.most_contributor_emails_in_a_day}",
            "escalations: " + ", ".join(f"{k} {v}" for k, v in sorted(self.escalations.items())),
        ]
        for rule in RULES:
            found = self.violations.get(rule, [])
            exceptions = plural(len(found), "exception", "exceptions")
            out.append(f"{'PASS' if not found else 'FAIL'}: {rule} ({exceptions})")
            out.extend(f"    {line}" for line in found[:10])
        return out


RULES = (
    "no contributor gets more than one email on a day",
    "no email to a contributor after their request closed",
    "no chase, escalation or digest outside working hours",
    "every overdue request escalated to its lead on schedule",
    "every overdue request escalated to the manager on schedule",
)


def _in_hours(instant: datetime, policy_opens: time, policy_closes: time) -> bool:
    local = instant.astimezone(LONDON)
    return is_working_day(local.date()) and policy_opens <= local.time() < policy_closes


def check(session: Session, report: Report, policy: ChasePolicy, down: set[date]) -> None:
    """Read the ledger and the schedule back and hold them to the rules."""
    requests = {r.id: r for r in session.scalars(select(AdviceRequest))}
    per_day: Counter[tuple[Any, date]] = Counter()
    for ledger in session.scalars(select(SendLedger)):
        report.emails[ledger.kind] += 1
        advice_request = requests[ledger.advice_request_id]
        if ledger.kind not in CONTRIBUTOR_KINDS or ledger.sent_at is None:
            continue
        per_day[(ledger.advice_request_id, london_date(ledger.sent_at))] += 1
        if ledger.kind == MessageKind.ADVICE_REMINDER:
            closed_at = advice_request.submitted_at or advice_request.declined_at
            if closed_at is not None and ledger.sent_at > closed_at:
                report.violations[RULES[1]].append(
                    f"request {advice_request.id}: chased at {ledger.sent_at}, closed {closed_at}"
                )
            agency = policy.for_agency(advice_request.agency)
            if not _in_hours(ledger.sent_at, agency.office_opens, agency.office_closes):
                report.violations[RULES[2]].append(f"chase at {ledger.sent_at:%Y-%m-%d %H:%M}")
    report.most_contributor_emails_in_a_day = max(per_day.values(), default=0)
    for (request_id, day), count in per_day.items():
        if count > 1:
            report.violations[RULES[0]].append(f"request {request_id}: {count} emails on {day}")
    staff = list(session.scalars(select(StaffMessage).where(StaffMessage.sent_at.is_not(None))))
    for message in staff:
        report.emails[message.kind] += 1
        assert message.sent_at is not None
        if not _in_hours(message.sent_at, time(9), time(16)):
            report.violations[RULES[2]].append(f"{message.kind} at {message.sent_at}")
    _check_escalations(session, report, policy, down, requests)


def _check_escalations(
    session: Session,
    report: Report,
    policy: ChasePolicy,
    down: set[date],
    requests: dict[Any, AdviceRequest],
) -> None:
    sent_on: dict[tuple[Any, str], date] = {}
    for chase, message in session.execute(
        select(Chase, StaffMessage).join(StaffMessage, Chase.staff_message_id == StaffMessage.id)
    ):
        if chase.cancelled_at is None and message.sent_at is not None:
            sent_on[(chase.advice_request_id, chase.kind)] = london_date(message.sent_at)
    for advice_request in requests.values():
        due = advice_request.effective_due_on
        if due is None:
            continue
        agency = policy.for_agency(advice_request.agency)
        checks = [(ChaseKind.ESCALATION_MANAGER, agency.escalate_to_manager_after_working_days, 4)]
        if agency.escalate_to_lead:
            checks.append(
                (ChaseKind.ESCALATION_LEAD, agency.escalate_to_lead_after_working_days, 3)
            )
        closed_at = advice_request.submitted_at or advice_request.declined_at
        assessment_closed = advice_request.assessment.closed_at
        for kind, days, rule in checks:
            expected = add_working_days(due, days)
            # The first sweep of the day at opening time sends it; a clock down that day
            # sends it on the first working day it is back.
            while expected in down or not is_working_day(expected):
                expected += timedelta(days=1)
            at_opening = instant(expected, time(9))
            still_open = (closed_at is None or closed_at > at_opening) and (
                assessment_closed is None or assessment_closed > at_opening
            )
            actual = sent_on.get((advice_request.id, kind.value))
            if not still_open:
                ended = closed_at or assessment_closed
                if actual is not None and ended is not None and actual > london_date(ended):
                    report.violations[RULES[rule]].append(
                        f"request {advice_request.id}: escalated on {actual} after it closed"
                    )
                continue
            if _paused_on(session, advice_request, expected):
                report.escalations[f"{kind.value} skipped while an exception held"] += 1
                continue
            if actual == expected:
                late = add_working_days(due, days) != expected
                report.escalations[
                    f"{kind.value} {'after an outage' if late else 'on schedule'}"
                ] += 1
            else:
                report.violations[RULES[rule]].append(
                    f"request {advice_request.id} ({advice_request.agency}, due {due}): "
                    f"{kind.value} expected {expected}, sent {actual or 'never'}"
                )


def _paused_on(session: Session, advice_request: AdviceRequest, day: date) -> bool:
    exceptions = session.scalars(
        select(RequestException).where(RequestException.advice_request_id == advice_request.id)
    )
    return any(e.starts_on <= day and (e.ends_on is None or day <= e.ends_on) for e in exceptions)
