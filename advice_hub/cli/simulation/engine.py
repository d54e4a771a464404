"""The simulated 20 weeks: assessments agreed on random working days, a seeded return
pattern, the real clock sweeping four times a day (down on a few days) and the real delivery
code sending every email at the simulated time, to a counting sink."""

from __future__ import annotations

import heapq
import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from email.message import EmailMessage
from functools import partial
from typing import Any

from dramatiq.brokers.stub import StubBroker
from sqlalchemy import event
from sqlalchemy.orm import Session

from advice_hub.assessments.recording import (
    ChildDetails,
    ContributorDetails,
    agree_assessment,
    create_assessment,
)
from advice_hub.chasing import ChasePolicy
from advice_hub.cli.simulation.rules import Report, check, instant
from advice_hub.config import Settings
from advice_hub.db import make_engine, make_session_factory
from advice_hub.deadlines import (
    add_working_days,
    london_date,
    next_working_day,
)
from advice_hub.jobs.clock import tick
from advice_hub.jobs.delivery import deliver_outbox_message, deliver_staff_message
from advice_hub.models import (
    AdviceRequest,
    Agency,
    AgencyLead,
    Assessment,
    AssessmentStatus,
    ClosureReason,
    PlanDecision,
    RequestException,
    Team,
    User,
)
from advice_hub.outbox import install_after_commit_dispatch
from advice_hub.requests.alternatives import decline_not_known
from advice_hub.requests.seal import seal_submission
from advice_hub.services import Services
from advice_hub.transactions import transaction
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


class SimulatedMailbox:
    """A mail backend for simulations: accepts every email at the simulated time and counts
    it by kind. It keeps no content and delivers nothing."""

    name = "simulated"
    resend_is_safe = True

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


class Simulation:
    def __init__(
        self,
        *,
        assessments: int,
        seed: int,
        start: date,
        settings: Settings,
        policy: ChasePolicy,
        database_url: str,
    ) -> None:
        self.count = assessments
        self.random = random.Random(seed)  # noqa: S311 - a seeded, repeatable pattern, not a secret
        self.start = next_working_day(start)
        self.now = instant(self.start, time(0, 0))
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
            sending_limit=None,
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
        team = Team(name="Casework team", members=managers + officers)
        session.add(team)
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
            at = instant(day, time(self.random.randrange(9, 16), self.random.randrange(60)))
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
        officer = session.get_one(User, officer_id)
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
            team=officer.teams[0],
            case_officer=officer,
        )
        requests = agree_assessment(
            session, assessment, decided_on=day, now=self.now, actor="simulation"
        )
        session.flush()
        due = day + timedelta(weeks=6)
        for advice_request in requests:
            self._plan_outcome(advice_request.id, day, due)
        closes = instant(assessment.requested_on + TWENTY_WEEKS, time(17, 0))
        self._at(closes, partial(self._close, assessment_id=assessment.id))

    def _plan_outcome(self, request_id: Any, agreed: date, due: date) -> None:
        roll = self.random.random()
        evening = time(self.random.choice((8, 11, 14, 19, 21)), self.random.randrange(60))
        if roll < 0.45:
            outcome = Outcome(
                "on_time", instant(agreed + timedelta(self.random.randrange(5, 43)), evening)
            )
        elif roll < 0.70:
            late = add_working_days(due, self.random.randrange(1, 35))
            outcome = Outcome("late", instant(late, evening))
        elif roll < 0.77:
            outcome = Outcome(
                "declined", instant(agreed + timedelta(self.random.randrange(2, 30)), evening)
            )
        elif roll < 0.82:
            outcome = Outcome("exception", exception_days=self.random.randrange(14, 35))
            starts = agreed + timedelta(self.random.randrange(10, 35))
            self._at(
                instant(starts, time(10, 30)),
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
            outcome.at = instant(new_due - timedelta(days=self.random.randrange(0, 10)), time(15))
            self._at(outcome.at, partial(self._return, request_id=request_id, outcome=outcome))

    def _close(self, session: Session, assessment_id: Any) -> None:
        assessment = session.get_one(Assessment, assessment_id)
        assessment.status = AssessmentStatus.CLOSED
        assessment.closed_at = self.now
        assessment.closed_reason = ClosureReason.PLAN_ISSUED.value
        # The milestones the 20-week figures count from, as the officer would record them.
        issued_on = london_date(self.now)
        assessment.plan_decision = PlanDecision.ISSUE.value
        assessment.plan_decided_on = assessment.draft_plan_sent_on = issued_on - timedelta(days=21)
        assessment.final_plan_issued_on = issued_on

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
        with transaction(self.factory) as session:
            officers = self._people(session)
        self._plan_assessments(officers)
        # Every assessment closes 20 weeks after its request, at most 26 weeks from the start.
        last = instant(self.start + timedelta(weeks=26), time(0))
        day = self.start
        for _ in range(3):  # three outages of one to three days
            down_from = add_working_days(self.start, self.random.randrange(25, 100))
            for offset in range(self.random.randrange(1, 4)):
                self.down.add(down_from + timedelta(days=offset))
        self.report.clock_down = sorted(self.down)
        while self.events or instant(day, time(0)) <= last:
            for at in SWEEP_TIMES:
                sweep_at = instant(day, at)
                while self.events and self.events[0][0] <= sweep_at:
                    when, _, action = heapq.heappop(self.events)
                    self.now = when
                    with transaction(self.factory) as session:
                        action(session)
                    self._deliver()
                if day in self.down:
                    continue
                self.now = sweep_at
                # The reports' figures change nothing the simulation checks, and working them
                # out on each of its days would cost more than the chasing it is about.
                tick(self.services, now=sweep_at, reports=False)
                self._deliver()
            if day.weekday() == 0:
                progress(f"simulated to {day.isoformat()}")
            day += timedelta(days=1)
        with self.factory() as session:
            check(session, self.report, self.services.chase_policy, self.down)
        return self.report
