"""A seeded simulation of many assessments through 20 weeks, on the real clock code.

``advice-hub simulate`` builds a throwaway database (SQLite in a temporary folder unless a
URL is given), agrees assessments on random working days, and plays out a random but seeded
return pattern: advice on time, late, declined, delayed by a reg 8(2) exception, or never.
Between those events the real clock (``advice_hub.clock.tick``) sweeps four times a day, with
a few days when it is down, and every email it queues is delivered by the real delivery code
at the simulated time. Mail goes to a counting sink, never to anyone.

The report then checks the chase log against the rules: no contributor gets more than one
email on a day, none after their request closed, no chase or escalation outside working hours,
and every overdue request escalated to its lead and to the manager on schedule (or, when the
clock was down that day, on the first sweep after it came back).
"""

from __future__ import annotations

import heapq
import logging
import random
import tempfile
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from email.message import EmailMessage
from functools import partial
from pathlib import Path
from typing import Any

from dramatiq.brokers.stub import StubBroker
from sqlalchemy import event, select
from sqlalchemy.orm import Session

from advice_hub.chasing import ChaseKind, ChasePolicy
from advice_hub.clock import tick
from advice_hub.db import make_engine, make_session_factory
from advice_hub.deadlines import (
    LONDON,
    add_working_days,
    is_working_day,
    london_date,
    next_working_day,
)
from advice_hub.domain.alternatives import decline_not_known
from advice_hub.domain.assessments import (
    ChildDetails,
    ContributorDetails,
    agree_assessment,
    create_assessment,
)
from advice_hub.domain.delivery import deliver_outbox_message
from advice_hub.domain.outbox import install_after_commit_dispatch
from advice_hub.domain.sealing import seal_submission
from advice_hub.domain.staff_mail import deliver_staff_message
from advice_hub.models import (
    AdviceRequest,
    Agency,
    AgencyLead,
    Assessment,
    AssessmentStatus,
    Chase,
    ClosureReason,
    MessageKind,
    RequestException,
    SendLedger,
    StaffMessage,
    User,
)
from advice_hub.services import Services
from forms import load_template
from notifications import Acceptance

SWEEP_TIMES = (time(0, 5), time(9, 0), time(13, 0), time(16, 30))
TWENTY_WEEKS = timedelta(weeks=20)
PROFESSIONAL = (
    Agency.EDUCATION,
    Agency.EDUCATIONAL_PSYCHOLOGY,
    Agency.HEALTH,
    Agency.SOCIAL_CARE,
)
CONTRIBUTOR_KINDS = (MessageKind.ADVICE_REQUEST.value, MessageKind.ADVICE_REMINDER.value)


class SimulatedMailbox:
    """A mail backend for simulations: accepts every email at the simulated time and counts
    it by kind. It keeps no content and delivers nothing."""

    name = "simulated"

    def __init__(self, clock: Callable[[], datetime]) -> None:
        self.clock = clock
        self.accepted = 0

    def send(self, message: EmailMessage) -> Acceptance:
        self.accepted += 1
        return Acceptance(accepted_at=self.clock(), backend=self.name, detail="counted")


@dataclass
class Outcome:
    """What one contributor will do, decided up front from the seed."""

    kind: str  # on_time, late, declined, exception, never
    at: datetime | None = None
    exception_days: int = 0


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
            out.append(f"{'PASS' if not found else 'FAIL'}: {rule} ({len(found)} exceptions)")
            out.extend(f"    {line}" for line in found[:10])
        return out


RULES = (
    "no contributor gets more than one email on a day",
    "no email to a contributor after their request closed",
    "no chase, escalation or digest outside working hours",
    "every overdue request escalated to its lead on schedule",
    "every overdue request escalated to the manager on schedule",
)


def _instant(day: date, at: time) -> datetime:
    return datetime.combine(day, at, tzinfo=LONDON).astimezone(UTC)


class Simulation:
    def __init__(
        self,
        *,
        assessments: int,
        seed: int,
        start: date,
        settings: dict[str, Any],
        policy: ChasePolicy,
        database_url: str,
    ) -> None:
        self.count = assessments
        self.random = random.Random(seed)  # noqa: S311 - a seeded, repeatable pattern, not a secret
        self.start = next_working_day(start)
        self.now = _instant(self.start, time(0, 0))
        engine = make_engine(database_url)
        if engine.dialect.name == "sqlite":
            # A throwaway database: nothing is gained by waiting for the disk on each commit.
            event.listen(
                engine,
                "connect",
                lambda connection, _: connection.execute("PRAGMA synchronous=OFF"),
            )
        self.factory = make_session_factory(engine)
        self.outbox: list[int] = []
        self.staff: list[int] = []
        install_after_commit_dispatch(
            self.factory, self.outbox.append, self.staff.append, clock=lambda: self.now
        )
        self.mail = SimulatedMailbox(lambda: self.now)
        self.services = Services(
            settings=settings,
            engine=engine,
            session_factory=self.factory,
            mail=self.mail,
            broker=StubBroker(),
            dispatch=self.outbox.append,
            dispatch_staff=self.staff.append,
            chase_policy=policy,
        )
        # Things people do, by time: a heap, since doing one can plan another.
        self.events: list[tuple[datetime, int, Callable[[Session], None]]] = []
        self._sequence = 0
        self.report = Report(assessments=assessments)
        self.down: set[date] = set()

    # --- Setting up -------------------------------------------------------------------

    def _people(self, session: Session) -> list[User]:
        managers = [
            User(email=f"manager{i}@council.example", name=f"Manager {i}", role="manager")
            for i in range(2)
        ]
        officers = [
            User(
                email=f"officer{i}@council.example",
                name=f"Officer {i}",
                role="case_officer",
                manager=managers[i % 2],
            )
            for i in range(10)
        ]
        session.add_all(managers + officers)
        for agency in (*PROFESSIONAL, Agency.PREPARATION_FOR_ADULTHOOD, Agency.OTHER):
            session.add(
                AgencyLead(
                    agency=agency.value,
                    name=f"{agency.label} lead",
                    email=f"lead.{agency.value}@example.org",
                    title=self.services.chase_policy.for_agency(agency.value).lead_title,
                )
            )
        return officers

    def _plan_assessments(self, officers: list[User]) -> None:
        for n in range(self.count):
            day = add_working_days(self.start, self.random.randrange(0, 20))
            at = _instant(day, time(self.random.randrange(9, 16), self.random.randrange(60)))
            year_group = self.random.randrange(0, 14)
            agencies = [*PROFESSIONAL, Agency.PARENT_CARER]
            if year_group >= 9:
                agencies.append(Agency.PREPARATION_FOR_ADULTHOOD)
            officer = officers[n % len(officers)]
            self._at(
                at,
                partial(
                    self._agree,
                    n=n,
                    agencies=tuple(agencies),
                    officer_id=officer.id,
                    year_group=year_group,
                    day=day,
                ),
            )

    def _at(self, when: datetime, action: Callable[[Session], None]) -> None:
        self._sequence += 1
        heapq.heappush(self.events, (when, self._sequence, action))

    def _agree(
        self,
        session: Session,
        n: int,
        agencies: tuple[Agency, ...],
        officer_id: int,
        year_group: int,
        day: date,
    ) -> None:
        assessment = create_assessment(
            session,
            child=ChildDetails(f"Child{n}", f"Family{n}", date(2014, 1, 1), year_group),
            requested_on=day - timedelta(days=self.random.randrange(14, 42)),
            contributors=[
                ContributorDetails(
                    a, f"{a.label} {n}", f"{a.value}.{n}@example.org", "Service", "Role"
                )
                for a in agencies
            ],
            now=self.now,
            actor="simulation",
            case_officer=session.get(User, officer_id),
        )
        requests = agree_assessment(
            session, assessment, decided_on=day, now=self.now, actor="simulation"
        )
        session.flush()
        due = day + timedelta(weeks=6)
        for advice_request in requests:
            self._plan_outcome(advice_request.id, day, due)
        closes = _instant(assessment.requested_on + TWENTY_WEEKS, time(17, 0))
        self._at(closes, partial(self._close, assessment_id=assessment.id))

    def _plan_outcome(self, request_id: Any, agreed: date, due: date) -> None:
        roll = self.random.random()
        evening = time(self.random.choice((8, 11, 14, 19, 21)), self.random.randrange(60))
        if roll < 0.45:
            outcome = Outcome(
                "on_time", _instant(agreed + timedelta(self.random.randrange(5, 43)), evening)
            )
        elif roll < 0.70:
            late = add_working_days(due, self.random.randrange(1, 35))
            outcome = Outcome("late", _instant(late, evening))
        elif roll < 0.77:
            outcome = Outcome(
                "declined", _instant(agreed + timedelta(self.random.randrange(2, 30)), evening)
            )
        elif roll < 0.82:
            outcome = Outcome("exception", exception_days=self.random.randrange(14, 35))
            starts = agreed + timedelta(self.random.randrange(10, 35))
            self._at(
                _instant(starts, time(10, 30)),
                partial(self._exception, request_id=request_id, outcome=outcome, starts=starts),
            )
        else:
            outcome = Outcome("never")
        self.report.outcomes[outcome.kind] += 1
        self.report.requests += 1
        if outcome.at is not None:
            self._at(outcome.at, partial(self._return, request_id=request_id, outcome=outcome))

    # --- What contributors and officers do ------------------------------------------------

    def _return(self, session: Session, request_id: Any, outcome: Outcome) -> None:
        advice_request = session.get_one(AdviceRequest, request_id)
        if advice_request.status not in ("sent", "opened", "draft") or (
            advice_request.assessment.status != AssessmentStatus.AGREED
        ):
            return
        if outcome.kind == "declined":
            decline_not_known(
                session,
                advice_request,
                what_we_know="Not known to the service.",
                name="A Practitioner",
                role="Practitioner",
                now=self.now,
                actor="contributor",
            )
            return
        template = load_template(advice_request.template_key, advice_request.template_version)
        key = next(
            f"{s.id}.{q.id}" for s, q in template.questions() if q.kind in ("textarea", "text")
        )
        seal_submission(
            session,
            advice_request,
            answers={key: "Advice given in the simulation."},
            declaration={"name": "A Practitioner", "role": "Practitioner"},
            now=self.now,
            actor="contributor",
        )

    def _exception(self, session: Session, request_id: Any, outcome: Outcome, starts: date) -> None:
        advice_request = session.get_one(AdviceRequest, request_id)
        if advice_request.due_on is None or advice_request.status not in (
            "sent",
            "opened",
            "draft",
        ):
            return
        ends = starts + timedelta(days=outcome.exception_days)
        new_due = max(advice_request.due_on, ends + timedelta(days=14))
        session.add(
            RequestException(
                advice_request=advice_request,
                reason="exceptional_circumstances",
                details="A family crisis, recorded in the simulation.",
                starts_on=starts,
                ends_on=ends,
                new_due_on=new_due,
                recorded_at=self.now,
                recorded_by="simulation",
                recorded_by_name="Simulation",
            )
        )
        advice_request.extended_due_on = new_due
        if self.random.random() < 0.7:
            outcome.at = _instant(new_due - timedelta(days=self.random.randrange(0, 10)), time(15))
            self._at(outcome.at, partial(self._return, request_id=request_id, outcome=outcome))

    def _close(self, session: Session, assessment_id: Any) -> None:
        assessment = session.get_one(Assessment, assessment_id)
        assessment.status = AssessmentStatus.CLOSED
        assessment.closed_at = self.now
        assessment.closed_reason = ClosureReason.PLAN_ISSUED.value

    # --- Running ----------------------------------------------------------------------

    def _deliver(self) -> None:
        settings = self.services.settings
        while self.outbox or self.staff:
            outbox, self.outbox[:] = list(self.outbox), []
            staff, self.staff[:] = list(self.staff), []
            for outbox_id in outbox:
                deliver_outbox_message(
                    self.factory, self.mail, settings, outbox_id, clock=lambda: self.now
                )
            for staff_id in staff:
                deliver_staff_message(
                    self.factory, self.mail, settings, staff_id, clock=lambda: self.now
                )

    def run(self, progress: Callable[[str], None] = lambda _: None) -> Report:
        with self.factory() as session, session.begin():
            officers = self._people(session)
        self._plan_assessments(officers)
        # Every assessment closes 20 weeks after its request, at most 26 weeks from the start.
        last = _instant(self.start + timedelta(weeks=26), time(0))
        day = self.start
        for _ in range(3):  # three outages of one to three days
            down_from = add_working_days(self.start, self.random.randrange(25, 100))
            for offset in range(self.random.randrange(1, 4)):
                self.down.add(down_from + timedelta(days=offset))
        self.report.clock_down = sorted(self.down)
        while self.events or _instant(day, time(0)) <= last:
            for at in SWEEP_TIMES:
                sweep_at = _instant(day, at)
                while self.events and self.events[0][0] <= sweep_at:
                    when, _, action = heapq.heappop(self.events)
                    self.now = when
                    with self.factory() as session, session.begin():
                        action(session)
                    self._deliver()
                if day in self.down:
                    continue
                self.now = sweep_at
                tick(self.services, now=sweep_at)
                self._deliver()
            if day.weekday() == 0:
                progress(f"simulated to {day.isoformat()}")
            day += timedelta(days=1)
        with self.factory() as session:
            check(session, self.report, self.services.chase_policy, self.down)
        return self.report


# --- Checking the chase log ------------------------------------------------------------------


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
            at_opening = _instant(expected, time(9))
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


def run_simulation(
    *,
    assessments: int,
    seed: int,
    start: date,
    settings: dict[str, Any],
    policy: ChasePolicy,
    database_url: str | None = None,
    progress: Callable[[str], None] = lambda _: None,
) -> Report:
    """Run a simulation in a throwaway SQLite database (or ``database_url``, migrated first)."""
    from alembic import command
    from alembic.config import Config

    from advice_hub.config import PROJECT_ROOT

    # Thousands of sweeps: the clock's per-sweep log lines would drown the summary.
    quiet = [logging.getLogger(name) for name in ("advice_hub.clock", "alembic")]
    levels = [logger.level for logger in quiet]
    for logger in quiet:
        logger.setLevel(logging.WARNING)
    with tempfile.TemporaryDirectory(prefix="advice-hub-simulation-") as folder:
        url = database_url or f"sqlite:///{Path(folder) / 'simulation.sqlite3'}"
        config = Config(str(PROJECT_ROOT / "alembic.ini"))
        config.attributes["url"] = url
        config.attributes["configure_logger"] = False
        command.upgrade(config, "head")
        simulated = {
            **settings,
            "DATABASE_URL": url,
            "BASE_URL": "https://advice-hub.invalid",
            "MAIL_BACKEND": "simulated",
        }
        simulation = Simulation(
            assessments=assessments,
            seed=seed,
            start=start,
            settings=simulated,
            policy=policy,
            database_url=url,
        )
        try:
            return simulation.run(progress)
        finally:
            simulation.services.engine.dispose()
            for logger, level in zip(quiet, levels, strict=True):
                logger.setLevel(level)
