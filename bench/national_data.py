"""Benchmark data at national scale: what a large council (or several) holds after two years.

``generate_rows`` yields, batch by batch, plain rows for every table the staff pages, the work
queue, the reports and the API read: teams of case officers (about 100 cases each, open and
closed), a manager over several teams, an agency lead and an auditor; assessments requested over
the last two years with their contributors and advice requests, due dates, extensions, deadline
reports, chases (reminders, overdue chases, escalations to the lead and the manager), outbox
rows (some failed), assessment exceptions on a few per cent, the council's milestones
(``decided_on``, ``plan_decision``, ``draft_plan_sent_on``, ``final_plan_issued_on``: about
half of plans issued within 20 weeks, as in England) and a few audit events each.

The rows respect the schema as the app writes it: names folded with ``models.folded``, the
stored ``*_due_on`` milestones from ``deadlines.adjusted_milestones``, each request's due date
from ``deadlines.advice_due_on``. Audit rows join the audit chain exactly as
``sealing.ledger.chain_new_audit_events`` would link them, so ``advice-hub ledger verify``
still passes on a generated database. No advice is sealed: submitted requests have no
``sealed_advice`` row (the seal chain stays empty), which the pages show as "not returned".

``bench.bulk_load`` writes the rows: COPY on PostgreSQL, executemany on SQLite.
"""

from __future__ import annotations

import json
import random
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from types import SimpleNamespace
from typing import Any

from advice_hub.deadlines import adjusted_milestones, advice_due_on
from advice_hub.models import (
    AssessmentExceptionReason,
    AssessmentStatus,
    ClosureReason,
    DeadlineReason,
    PlanDecision,
    RequestStatus,
    folded,
)
from advice_hub.sealing.ledger import audit_document, chain_link, sha256_hex

COLUMNS: dict[str, tuple[str, ...]] = {
    "teams": ("id", "name", "created_at"),
    "users": ("id", "email", "name", "role", "roles", "manager_id", "agency", "created_at"),
    "team_memberships": ("team_id", "user_id", "added_at"),
    "agency_leads": ("id", "agency", "name", "email", "title", "created_at"),
    "staff_messages": (
        "id", "kind", "key", "recipient", "recipient_name", "user_id", "agency", "payload",
        "created_at", "send_after", "dispatched_at", "claimed_at", "sent_at", "attempts",
    ),
    "assessments": (
        "id", "reference", "child_given_names", "child_family_name", "child_given_folded",
        "child_family_folded", "child_date_of_birth", "child_year_group", "requested_on",
        "decided_on", "status", "case_officer_id", "team_id", "created_at", "agreed_at",
        "closed_at", "closed_reason", "updated_at", "decision_due_on", "draft_due_on",
        "final_due_on", "plan_decision", "plan_decided_on", "draft_plan_sent_on",
        "final_plan_issued_on",
    ),
    "assessment_exceptions": (
        "id", "assessment_id", "reason", "details", "starts_on", "ends_on", "recorded_at",
        "recorded_by", "recorded_by_name",
    ),
    "contributors": (
        "id", "assessment_id", "position", "agency", "name", "email", "organisation", "role",
        "requested_by_parent",
    ),
    "advice_requests": (
        "id", "assessment_id", "contributor_id", "agency", "template_key", "template_version",
        "status", "created_at", "received_at", "due_on", "opened_at", "submitted_at",
        "declined_at", "declined_by_name", "declined_by_role", "declined_what_they_know",
        "extended_due_on", "withdrawn_at", "withdrawn_reason", "updated_at", "advice_read_at",
    ),
    "outbox_messages": (
        "id", "advice_request_id", "kind", "sequence", "created_at", "dispatched_at",
        "completed_at", "failed_at", "attempts", "last_error",
    ),
    "chases": (
        "id", "advice_request_id", "kind", "key", "sequence", "due_on", "milestone_on",
        "send_at", "planned_at", "planned_by", "reason", "catch_up", "outbox_message_id",
        "staff_message_id",
    ),
    "deadline_extensions": (
        "id", "advice_request_id", "previous_due_on", "new_due_on", "reason", "recorded_at",
        "recorded_by", "recorded_by_name",
    ),
    "deadline_reports": (
        "id", "advice_request_id", "reason", "is_lawful_exception", "details", "expected_by",
        "recorded_at", "recorded_by", "recorded_by_name", "reported_by_contributor",
        "acknowledged_at",
    ),
    "audit_events": (
        "id", "occurred_at", "actor", "action", "assessment_id", "advice_request_id", "detail",
        "chain_index", "event_sha256", "chain_sha256",
    ),
}  # fmt: skip
# Tables in the order their foreign keys need.
TABLES = tuple(COLUMNS)
JSON_COLUMNS = {("users", "roles"), ("staff_messages", "payload"), ("audit_events", "detail")}

GIVEN = (
    "Zoë", "Oliver", "Amelia", "Muhammad", "Chloé", "Noah", "Siân", "José", "Isla", "Łukasz",
    "Aoife", "Leo", "Freya", "Yusuf", "Renée", "Harry", "Ava", "Kacper", "Niamh", "Arjun",
)  # fmt: skip
FAMILY = (
    "O'Brien", "Smith", "Nowak", "Müller", "Jones", "Khan", "Brontë", "Williams", "Patel",
    "García", "Taylor", "Davies", "Ó Súilleabháin", "Evans", "Begum", "Wilson", "Thomas",
)  # fmt: skip
# The agencies every assessment asks, in order, then those some ask.
AGENCIES = ("parent_carer", "education", "educational_psychology", "health", "social_care")
EXTRA = ("preparation_for_adulthood", "other")
ORGANISATIONS = {
    "parent_carer": ("Family", "Parent"),
    "education": ("Riverside Primary School", "SENCO"),
    "educational_psychology": ("Educational Psychology Service", "Educational psychologist"),
    "health": ("Community Paediatrics", "Consultant paediatrician"),
    "social_care": ("Children's Disability Team", "Social worker"),
    "preparation_for_adulthood": ("Preparing for Adulthood Team", "PfA adviser"),
    "other": ("Speech and Language Therapy", "Speech and language therapist"),
}
TEMPLATE_VERSION = 2
TEAM_SIZE = 37  # officers a team: a manager's four teams hold about 150 officers
TEAMS_A_MANAGER = 4
CASES_AN_OFFICER = 100
WEEK = timedelta(weeks=1)


@dataclass(frozen=True)
class Scale:
    assessments: int
    requests_an_assessment: int = 5
    batch: int = 10_000


@dataclass
class People:
    """Who the benchmark signs in as, with the teams they work in."""

    officers: list[tuple[int, int]] = field(default_factory=list)  # (user id, team id)
    managers: dict[int, int] = field(default_factory=dict)  # team id -> manager's user id
    agency_lead: int = 0
    auditor: int = 0
    teams: int = 0


def at(day: date, hour: int = 10) -> datetime:
    return datetime(day.year, day.month, day.day, hour, tzinfo=UTC)


class Generator:
    """Rows for ``scale``, as of ``today``, the same for the same seed."""

    def __init__(
        self,
        scale: Scale,
        *,
        today: date,
        seed: int = 11,
        audit_head: tuple[int, str | None] = (0, None),
    ) -> None:
        self.scale = scale
        self.today = today
        self.rng = random.Random(seed)  # noqa: S311 -- made-up data, the same each run
        self.ids: dict[str, int] = {}
        self.people = People()
        # The audit chain continues from the database's head (none in a fresh database).
        self.audit_index, self.audit_head = audit_head
        self.staff_keys: dict[str, int] = {}
        self._rows: dict[str, list[tuple[Any, ...]]] = {}
        self._batch_staff: dict[str, int] = {}

    def next_id(self, table: str) -> int:
        self.ids[table] = self.ids.get(table, 0) + 1
        return self.ids[table]

    # --- people -------------------------------------------------------------------------

    def staff(self) -> dict[str, list[tuple[Any, ...]]]:
        rows: dict[str, list[tuple[Any, ...]]] = {t: [] for t in TABLES}
        created = at(self.today - timedelta(days=800))
        officers = max(3, self.scale.assessments // CASES_AN_OFFICER)
        teams = max(1, -(-officers // TEAM_SIZE))
        self.people.teams = teams

        def user(email: str, name: str, role: str, **extra: Any) -> int:
            uid = self.next_id("users")
            rows["users"].append(
                (uid, email, name, role, [role], extra.get("manager"), extra.get("agency"), created)
            )
            return uid

        for t in range(1, teams + 1):
            rows["teams"].append((self.next_id("teams"), f"SEND casework team {t:02d}", created))
        for m in range(0, teams, TEAMS_A_MANAGER):
            manager = user(
                f"manager{m // TEAMS_A_MANAGER + 1}@council.example",
                f"Morgan Manager {m // TEAMS_A_MANAGER + 1}",
                "manager",
            )
            for team in range(m + 1, min(teams, m + TEAMS_A_MANAGER) + 1):
                self.people.managers[team] = manager
                rows["team_memberships"].append((team, manager, created))
        for n in range(officers):
            team = n % teams + 1
            uid = user(
                f"officer{n + 1}@council.example",
                f"{self.rng.choice(GIVEN)} {self.rng.choice(FAMILY)}",
                "case_officer",
                manager=self.people.managers[team],
            )
            self.people.officers.append((uid, team))
            rows["team_memberships"].append((team, uid, created))
        self.people.agency_lead = user(
            "dco@health.example", "Dana Clinical", "agency_lead", agency="health"
        )
        self.people.auditor = user("auditor@council.example", "Avery Auditor", "auditor")
        for agency in AGENCIES:
            rows["agency_leads"].append((
                self.next_id("agency_leads"), agency, f"Lead for {agency.replace('_', ' ')}",
                f"lead.{agency}@services.example", "head of service", created,
            ))  # fmt: skip
        return rows

    # --- assessments --------------------------------------------------------------------

    def batches(self) -> Iterator[dict[str, list[tuple[Any, ...]]]]:
        counts = self._request_counts()
        total = self.scale.assessments
        for start in range(0, total, self.scale.batch):
            rows: dict[str, list[tuple[Any, ...]]] = {t: [] for t in TABLES}
            self._rows, self._batch_staff = rows, {}
            for i in range(start, min(total, start + self.scale.batch)):
                self._assessment(rows, i, counts[i])
            yield rows

    def _request_counts(self) -> list[int]:
        """Requests per assessment, adding up to exactly ``requests_an_assessment`` a case:
        none while the council has not decided to assess, three to eight once it has."""
        rng, n = self.rng, self.scale.assessments
        counts = [rng.choices((0, 4, 5, 6, 7), (3, 25, 42, 23, 7))[0] for _ in range(n)]
        target = n * self.scale.requests_an_assessment
        decided = [i for i, c in enumerate(counts) if c]
        gap = target - sum(counts)
        while gap != 0 and decided:
            i = rng.choice(decided)
            step = 1 if gap > 0 else -1
            if 3 <= counts[i] + step <= 8:
                counts[i] += step
                gap -= step
        return counts

    def _assessment(self, rows: dict[str, list[tuple[Any, ...]]], i: int, requests: int) -> None:
        rng, today = self.rng, self.today
        officer, team = self.people.officers[i % len(self.people.officers)]
        officer_id: int | None = officer if rng.random() > 0.03 else None
        # Not yet decided: requested within the last six weeks.
        requested_on = today - timedelta(days=rng.randint(0, 730 if requests else 41))
        given, family = rng.choice(GIVEN), rng.choice(FAMILY)
        born = requested_on - timedelta(days=rng.randint(2 * 365, 19 * 365))
        year_group = min(14, max(-2, (requested_on - born).days // 365 - 5))
        aid = uuid.UUID(int=rng.getrandbits(128), version=4)
        actor = f"user:{officer}"
        decided_on = None if requests == 0 else requested_on + timedelta(days=rng.randint(20, 41))
        if decided_on is not None and decided_on > today:
            decided_on = today
        periods: list[tuple[date, date | None]] = []
        if decided_on is not None and rng.random() < 0.04:
            starts = requested_on + timedelta(days=rng.randint(15, 90))
            ends: date | None = starts + timedelta(days=rng.randint(28, 45))
            if starts <= today:
                if ends is not None and ends > today and rng.random() < 0.5:
                    ends = None  # still holding: the milestones wait
                periods.append((starts, ends))
                rows["assessment_exceptions"].append((
                    self.next_id("assessment_exceptions"), aid,
                    rng.choice(list(AssessmentExceptionReason)).value,
                    "The setting was closed for building works.", starts, ends, at(starts),
                    actor, "Case officer",
                ))  # fmt: skip
        milestones = adjusted_milestones(requested_on, periods)
        plan = self._plan(requested_on, decided_on, milestones.final_due)
        status = AssessmentStatus.REQUESTED if decided_on is None else AssessmentStatus.AGREED
        closed_on, closed_reason = plan["closed_on"], plan["closed_reason"]
        if closed_on is not None:
            status = AssessmentStatus.CLOSED
        created = at(requested_on, 9)
        changed = at(closed_on or decided_on or requested_on, 15)
        rows["assessments"].append((
            aid, f"EHC{i + 1:07d}", given, family, folded(given), folded(family), born,
            year_group, requested_on, decided_on, status.value, officer_id, team, created,
            at(decided_on) if decided_on else None, at(closed_on, 16) if closed_on else None,
            closed_reason, changed, milestones.decision_due, milestones.draft_due,
            milestones.final_due, plan["decision"], plan["decided_on"], plan["draft_sent_on"],
            plan["final_issued_on"],
        ))  # fmt: skip
        self._audit(
            rows, created, actor, "assessment.created", aid, None, reference=f"EHC{i + 1:07d}"
        )
        if decided_on is None:
            return
        self._audit(rows, at(decided_on), actor, "assessment.agreed", aid, None)
        agencies = list(AGENCIES) + [EXTRA[k % 2] for k in range(max(0, requests - 5))]
        for position, agency in enumerate(agencies[:requests]):
            self._request(rows, aid, position, agency, decided_on, closed_on, team, officer)
        if closed_on is not None:
            self._audit(
                rows, at(closed_on, 16), actor, "assessment.closed", aid, None, reason=closed_reason
            )

    def _plan(
        self, requested_on: date, decided_on: date | None, final_due: date | None
    ) -> dict[str, Any]:
        """The council's decision, draft and final plan: about half of final plans within 20
        weeks (England 2024: 46%), most of the rest within a year; none beyond today."""
        rng, today = self.rng, self.today
        plan: dict[str, Any] = dict.fromkeys(
            (
                "decision",
                "decided_on",
                "draft_sent_on",
                "final_issued_on",
                "closed_on",
                "closed_reason",
            )
        )
        if decided_on is None:
            return plan
        if rng.random() < 0.02:  # the family withdrew or moved away
            on = decided_on + timedelta(days=rng.randint(10, 80))
            if on <= today:
                reason = rng.choice((ClosureReason.REQUEST_WITHDRAWN, ClosureReason.MOVED_AWAY))
                plan.update(closed_on=on, closed_reason=reason.value)
            return plan
        decision_on = requested_on + timedelta(weeks=rng.randint(11, 17))
        if decision_on > today:
            return plan
        issue = rng.random() < 0.9
        decision = PlanDecision.ISSUE if issue else PlanDecision.NOT_ISSUE
        plan.update(decided_on=decision_on, decision=decision.value)
        if not issue:
            plan.update(closed_on=decision_on, closed_reason=ClosureReason.NOT_ISSUING.value)
            return plan
        weeks = rng.uniform(15, 20) if rng.random() < 0.5 else rng.uniform(20.2, 60)
        final_on = requested_on + timedelta(days=int(weeks * 7))
        draft_on = max(decision_on, final_on - timedelta(days=rng.randint(21, 35)))
        if draft_on <= today:
            plan["draft_sent_on"] = draft_on
        if final_on <= today:
            plan.update(
                final_issued_on=final_on,
                closed_on=final_on,
                closed_reason=ClosureReason.PLAN_ISSUED.value,
            )
        return plan

    def _request(
        self,
        rows: dict[str, list[tuple[Any, ...]]],
        aid: uuid.UUID,
        position: int,
        agency: str,
        decided_on: date,
        closed_on: date | None,
        team: int,
        officer: int,
    ) -> None:
        rng, today = self.rng, self.today
        contributor = self.next_id("contributors")
        organisation, role = ORGANISATIONS[agency]
        name = f"{rng.choice(GIVEN)} {rng.choice(FAMILY)}"
        rows["contributors"].append((
            contributor, aid, position, agency, name, f"contributor{contributor}@{agency}.example",
            organisation, role, agency == "other" and rng.random() < 0.3,
        ))  # fmt: skip
        rid = uuid.UUID(int=rng.getrandbits(128), version=4)
        created = at(decided_on, 11)
        delivered = created + timedelta(days=rng.choice((0, 0, 1, 2)), minutes=rng.randint(1, 30))
        failed = rng.random() < 0.015 and closed_on is None
        statutory = advice_due_on(delivered)
        later = statutory + timedelta(days=rng.choice((14, 21, 28)))
        moved = rng.random() < 0.06 and not failed
        expected = later if moved else statutory
        # A request whose email failed was never received: no clock, no due date.
        received, due = (None, None) if failed else (delivered, statutory)
        extended = later if moved else None
        opened = submitted = declined = withdrawn = read = None
        ending = closed_on or today
        if failed:
            status = RequestStatus.SEND_FAILED
        else:
            returned_on = delivered.date() + timedelta(days=int(rng.triangular(10, 90, 38)))
            roll = rng.random()
            if roll < 0.05 and closed_on is not None:
                status, withdrawn = RequestStatus.WITHDRAWN, at(closed_on, 14)
            elif roll < 0.09:
                status, declined = RequestStatus.DECLINED, at(min(ending, delivered.date() + WEEK))
            elif returned_on <= ending:
                status, submitted = RequestStatus.SUBMITTED, at(returned_on, 13)
                if rng.random() < 0.85 or closed_on is not None:
                    read = submitted + timedelta(hours=rng.randint(2, 72))
            else:
                status = rng.choice((RequestStatus.SENT, RequestStatus.OPENED, RequestStatus.DRAFT))
            if status in (RequestStatus.OPENED, RequestStatus.DRAFT) or submitted:
                opened = delivered + timedelta(days=rng.randint(0, 5))
        changed = submitted or declined or withdrawn or opened or received or created
        rows["advice_requests"].append((
            rid, aid, contributor, agency, agency, TEMPLATE_VERSION, status.value, created,
            received, due, opened, submitted, declined,
            name if declined else None, role if declined else None,
            "Not known to our service." if declined else None, extended, withdrawn,
            "The family asked for it to be withdrawn." if withdrawn else None, changed, read,
        ))  # fmt: skip
        outbox = self.next_id("outbox_messages")
        rows["outbox_messages"].append((
            outbox, rid, "advice_request", 1, created, created,
            None if failed else received, created + timedelta(minutes=40) if failed else None,
            3 if failed else 1, "550 5.1.1 mailbox unavailable" if failed else None,
        ))  # fmt: skip
        self._audit(
            rows,
            received or created,
            "worker",
            "email.failed" if failed else "email.sent",
            aid,
            rid,
            kind="advice_request",
        )
        if moved:
            rows["deadline_extensions"].append((
                self.next_id("deadline_extensions"), rid, statutory, later,
                "The clinic moved the appointment.", at(statutory - WEEK), f"user:{officer}",
                "Officer",
            ))  # fmt: skip
        if not failed and status not in (RequestStatus.WITHDRAWN, RequestStatus.DECLINED):
            if rng.random() < 0.04 and statutory - WEEK <= today:
                reason = rng.choice(list(DeadlineReason))
                rows["deadline_reports"].append((
                    self.next_id("deadline_reports"), rid, reason.value,
                    reason.is_lawful_exception, "The family is away until next month.",
                    statutory + timedelta(days=21), at(statutory - WEEK, 12), "contributor",
                    name, True, at(statutory) if rng.random() < 0.5 else None,
                ))  # fmt: skip
            self._chases(rows, aid, rid, agency, expected, submitted or declined, closed_on, team)

    def _chases(
        self,
        rows: dict[str, list[tuple[Any, ...]]],
        aid: uuid.UUID,
        rid: uuid.UUID,
        agency: str,
        due: date,
        answered: datetime | None,
        closed_on: date | None,
        team: int,
    ) -> None:
        """A reminder 7 days before the due date, then a chase a week while overdue (at
        most six), escalations to the lead after a week and to the manager after two."""
        stop = min(d for d in (answered.date() if answered else None, closed_on, self.today) if d)
        planned: list[tuple[str, int | None, date]] = [("reminder", 7, due - WEEK)]
        for n in range(1, 7):
            planned.append(("overdue_chase", n, due + n * WEEK))
        planned += [
            ("escalation_lead", None, due + WEEK),
            ("escalation_manager", None, due + 2 * WEEK),
        ]
        sequence = 1
        for kind, number, on in planned:
            if on > stop:
                continue
            key = f"{kind}:{number}:{due}" if number is not None else f"{kind}:{due}"
            outbox = staff = None
            if kind.startswith("escalation"):
                staff = self._staff_message(kind, agency, team, on, rid)
                self._audit(rows, at(on, 9), "clock", "escalation.planned", aid, rid, kind=kind)
            else:
                sequence += 1
                outbox = self.next_id("outbox_messages")
                rows["outbox_messages"].append((
                    outbox, rid, "advice_reminder", sequence - 1, at(on, 8), at(on, 9),
                    at(on, 9), None, 1, None,
                ))  # fmt: skip
            rows["chases"].append((
                self.next_id("chases"), rid, kind, key, number, due, on, at(on, 9), at(on, 8),
                "clock", kind.replace("_", " "), False, outbox, staff,
            ))  # fmt: skip

    def _staff_message(self, kind: str, agency: str, team: int, on: date, rid: uuid.UUID) -> int:
        lead = kind == "escalation_lead"
        manager = f"manager{(team - 1) // TEAMS_A_MANAGER + 1}@council.example"
        recipient = f"lead.{agency}@services.example" if lead else manager
        kind = "lead_escalation" if lead else "manager_escalation"
        prefix = f"{kind}:{agency if lead else '-'}:{recipient}:{on}:"
        if prefix in self._batch_staff:
            return self._batch_staff[prefix]
        count = self.staff_keys.get(prefix, 0) + 1
        self.staff_keys[prefix] = count
        sid = self.next_id("staff_messages")
        self._batch_staff[prefix] = sid
        self._rows["staff_messages"].append((
            sid, kind, f"{prefix}{count}", recipient,
            "Lead" if lead else "Manager", None if lead else self.people.managers[team],
            agency if lead else None, {"request_ids": [str(rid)], "day": on.isoformat()},
            at(on, 8), None, at(on, 9), at(on, 9), at(on, 9), 1,
        ))  # fmt: skip
        return sid

    def _audit(
        self,
        rows: dict[str, list[tuple[Any, ...]]],
        when: datetime,
        actor: str,
        action: str,
        assessment_id: uuid.UUID | None,
        request_id: uuid.UUID | None,
        **detail: Any,
    ) -> None:
        event = SimpleNamespace(
            occurred_at=when,
            actor=actor,
            action=action,
            assessment_id=assessment_id,
            advice_request_id=request_id,
            detail=detail,
        )
        # ledger.canonical_json less its NFC pass: every string here is ASCII, so the text is
        # the same and the chain verifies.
        document = json.dumps(audit_document(event), sort_keys=True, separators=(",", ":"))  # type: ignore[arg-type]
        fingerprint = sha256_hex(document)
        self.audit_head = chain_link(self.audit_head, fingerprint)
        self.audit_index += 1
        rows["audit_events"].append((
            self.next_id("audit_events"), when, actor, action, assessment_id, request_id, detail,
            self.audit_index, fingerprint, self.audit_head,
        ))  # fmt: skip
