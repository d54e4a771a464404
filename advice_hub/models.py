"""The database schema, as typed SQLAlchemy 2 models.

Instants are stored in UTC and always come back timezone-aware, on SQLite as on PostgreSQL.
Rows of `sealed_advice` are written once: an ORM guard here and database triggers (see the
migrations) refuse any update or delete.
"""

from __future__ import annotations

import enum
import unicodedata
import uuid
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
    Uuid,
    false,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship, validates

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UTCDateTime(TypeDecorator[datetime]):
    """A timestamp stored as naive UTC and returned timezone-aware in UTC."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetimes are ambiguous; pass an aware datetime")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def utcnow() -> datetime:
    return datetime.now(UTC)


def folded(text: str) -> str:
    """A name as search compares it: accents taken off, case folded, spaces single.

    "Zoë  O'Brien" and "zoe o'brien" fold alike, so a search typed without accents finds the
    child whatever the database's collation.
    """
    decomposed = unicodedata.normalize("NFKD", text)
    bare = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(bare.casefold().split())


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class Agency(enum.StrEnum):
    """Who is asked for advice (SEND Regulations 2014, reg 6(1))."""

    EDUCATION = "education"
    EDUCATIONAL_PSYCHOLOGY = "educational_psychology"
    HEALTH = "health"
    SOCIAL_CARE = "social_care"
    PARENT_CARER = "parent_carer"
    YOUNG_PERSON = "young_person"
    PREPARATION_FOR_ADULTHOOD = "preparation_for_adulthood"
    OTHER = "other"

    @property
    def label(self) -> str:
        """Its name on its own, as a heading or a table shows it: "Social care"."""
        return AGENCY_LABELS[self]

    @property
    def advice_name(self) -> str:
        """What it gives, as a sentence names it: "social care advice"."""
        return f"{self.label[:1].lower()}{self.label[1:]} advice"


def agency_label(key: str) -> str:
    """The name of the agency whose key is ``key``, as ``Agency.label`` gives it. Everything
    that shows an agency key to people names it here; a key that is no agency (a template
    file published under another name) is shown as it is written."""
    try:
        return Agency(key).label
    except ValueError:
        return key


AGENCY_LABELS = {
    Agency.EDUCATION: "Education",
    Agency.EDUCATIONAL_PSYCHOLOGY: "Educational psychology",
    Agency.HEALTH: "Health",
    Agency.SOCIAL_CARE: "Social care",
    Agency.PARENT_CARER: "Parent or carer",
    Agency.YOUNG_PERSON: "Young person",
    Agency.PREPARATION_FOR_ADULTHOOD: "Preparation for adulthood",
    Agency.OTHER: "Other",
}


class AssessmentStatus(enum.StrEnum):
    REQUESTED = "requested"  # recorded, the LA has not yet agreed to assess
    AGREED = "agreed"  # the LA agreed to assess; advice is being gathered
    CLOSED = "closed"  # plan issued, decided not to issue, or the request withdrawn: no chasing


class RequestStatus(enum.StrEnum):
    QUEUED = "queued"  # committed, email not yet accepted by the mail server
    SENT = "sent"
    OPENED = "opened"
    DRAFT = "draft"
    SUBMITTED = "submitted"
    SEND_FAILED = "send_failed"
    AWAITING_SIGN_OFF = "awaiting_sign_off"  # complete; a senior reviewer must approve it
    RETURNED = "returned"  # the reviewer sent it back to the author with comments
    DECLINED = "declined"  # "not known to our service", with what they do know
    PASSED_ON = "passed_on"  # handed to a colleague, who has a request of their own
    WITHDRAWN = "withdrawn"  # withdrawn by the case officer

    @property
    def label(self) -> str:
        return {
            "queued": "Sending",
            "sent": "Sent",
            "opened": "Opened",
            "draft": "Draft started",
            "submitted": "Submitted",
            "send_failed": "Email failed",
            "awaiting_sign_off": "Awaiting sign-off",
            "returned": "Returned to author",
            "declined": "Not known to service",
            "passed_on": "Passed on",
            "withdrawn": "Withdrawn",
        }[self.value]


# A request in one of these states takes no more answers and is never chased.
CLOSED_STATUSES = frozenset(
    {
        RequestStatus.SUBMITTED,
        RequestStatus.DECLINED,
        RequestStatus.PASSED_ON,
        RequestStatus.WITHDRAWN,
    }
)


class DeadlineReason(enum.StrEnum):
    """Why advice will be late. Only the first three excuse it (SEND Regulations 2014, reg 8(2));
    a waiting list, staffing or workload is "other": recorded, but not an exception."""

    EXCEPTIONAL_CIRCUMSTANCES = "exceptional_circumstances"
    ABSENT_FROM_AREA = "absent_from_area"
    MISSED_APPOINTMENT = "missed_appointment"
    OTHER = "other"

    @property
    def is_lawful_exception(self) -> bool:
        return self is not DeadlineReason.OTHER

    @property
    def label(self) -> str:
        return {
            "exceptional_circumstances": "Exceptional personal circumstances",
            "absent_from_area": "Away from the area for 4 weeks or more",
            "missed_appointment": "Missed an appointment the service arranged",
            "other": "Another reason",
        }[self.value]


class MessageKind(enum.StrEnum):
    ADVICE_REQUEST = "advice_request"
    ADVICE_RECEIPT = "advice_receipt"
    SIGN_OFF_REQUEST = "sign_off_request"  # to the reviewer
    ADVICE_RETURNED = "advice_returned"  # to the author, with the reviewer's comments
    ADVICE_REMINDER = "advice_reminder"  # a reminder or chase, with a fresh link to the draft
    ADDENDUM_REQUEST = "addendum_request"  # the case officer asks the author for an addendum
    ADDENDUM_RECEIPT = "addendum_receipt"  # to the author, with the addendum's fingerprint


class LinkPurpose(enum.StrEnum):
    """What an emailed link lets its holder do (link_tokens.purpose holds the value). Each has
    its own path (advice_hub.requests.links.LINK_PATHS) and its own access cookie."""

    CONTRIBUTE = "contribute"  # write the advice
    REVIEW = "review"  # a senior reviewer signs it off
    ADDENDUM = "addendum"  # add an addendum to sealed advice, at a case officer's request


class StaffMessageKind(enum.StrEnum):
    """Emails to council staff and agency leads: never about one child by name."""

    LEAD_ESCALATION = "lead_escalation"  # to an agency's lead: their service's overdue requests
    MANAGER_ESCALATION = "manager_escalation"  # to the case officer's manager
    OFFICER_DIGEST = "officer_digest"  # a case officer's daily summary


class AssessmentExceptionReason(enum.StrEnum):
    """Why the LA's own milestones move (SEND Regulations 2014, reg 10(4) and 13(3)).

    Kept apart from reg 8(2), which excuses one body's late advice.
    """

    SETTING_CLOSED = "setting_closed"
    FAMILY_CIRCUMSTANCES = "family_circumstances"
    FAMILY_AWAY = "family_away"

    @property
    def label(self) -> str:
        return {
            "setting_closed": "School or setting closed for 4 weeks or more",
            "family_circumstances": "Exceptional personal circumstances of the child or family",
            "family_away": "Child or family away from the area for 4 weeks or more",
        }[self.value]


class PlanDecision(enum.StrEnum):
    """The council's decision, after assessing, whether to issue an EHC plan (reg 10)."""

    ISSUE = "issue"
    NOT_ISSUE = "not_issue"

    @property
    def label(self) -> str:
        return {
            "issue": "To issue an EHC plan",
            "not_issue": "Not to issue an EHC plan",
        }[self.value]


class ClosureReason(enum.StrEnum):
    PLAN_ISSUED = "plan_issued"
    NOT_ISSUING = "not_issuing"
    REQUEST_WITHDRAWN = "request_withdrawn"
    MOVED_AWAY = "moved_away"

    @property
    def label(self) -> str:
        return {
            "plan_issued": "EHC plan issued",
            "not_issuing": "Decided not to issue a plan",
            "request_withdrawn": "Request for assessment withdrawn",
            "moved_away": "Moved to another local authority",
        }[self.value]


class Team(Base):
    """A team of case officers (and their managers) that assessments belong to: what a case
    officer may see and act on is their team's assessments."""

    __tablename__ = "teams"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    members: Mapped[list[User]] = relationship(
        secondary="team_memberships", back_populates="teams", order_by="User.name"
    )


class TeamMembership(Base):
    """A member of staff's place in a team: an officer works its cases, a manager oversees it."""

    __tablename__ = "team_memberships"

    team_id: Mapped[int] = mapped_column(ForeignKey("teams.id"), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), primary_key=True, index=True)
    added_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class User(Base):
    """A member of council staff who signs in."""

    __tablename__ = "users"

    __table_args__ = (UniqueConstraint("tenant_id", "object_id", name="uq_users_entra_identity"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(320), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    # The first of `roles` (case_officer, manager, agency_lead, auditor, admin).
    role: Mapped[str] = mapped_column(String(40))
    # Who the person is to Entra ID: the ID token's `tid` and `oid` (None for a user made for
    # development sign-in). Name and email are refreshed from the token at each sign-in.
    tenant_id: Mapped[str | None] = mapped_column(String(64))
    object_id: Mapped[str | None] = mapped_column(String(64))
    # Every role the token's `roles` claim gave at the last sign-in.
    roles: Mapped[list[str]] = mapped_column(
        JSON, default=lambda context: [context.get_current_parameters()["role"]]
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Who hears when this officer's requests are badly overdue (and who gets their escalations).
    manager_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    # Set when an administrator turns the person's access off: their sessions end at their next
    # request and they cannot sign in again until turned back on.
    deactivated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # For an agency lead: the agency whose requests (across every team) they may read.
    agency: Mapped[str | None] = mapped_column(String(40))

    manager: Mapped[User | None] = relationship(remote_side=[id])
    teams: Mapped[list[Team]] = relationship(
        secondary="team_memberships", back_populates="members", order_by="Team.name"
    )


class StaffSession(Base):
    """A member of staff's signed-in session, held here so that signing out ends it at once.

    The browser's cookie holds only a random token; this row holds its SHA-256.
    """

    __tablename__ = "staff_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    token_sha256: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    # "development" or "entra": how the person signed in, so sign-out knows where to send them.
    signed_in_with: Mapped[str] = mapped_column(String(20))
    started_at: Mapped[datetime] = mapped_column(UTCDateTime)
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Why it ended: "signed_out", "idle", "lifetime", "replaced".
    end_reason: Mapped[str | None] = mapped_column(String(20))

    user: Mapped[User] = relationship()


class StaffSignInFlow(Base):
    """A sign-in through Entra ID on its way: msal's flow (state, nonce, PKCE verifier), kept
    here rather than in the browser, used once and then deleted."""

    __tablename__ = "staff_sign_in_flows"

    id: Mapped[int] = mapped_column(primary_key=True)
    key_sha256: Mapped[str] = mapped_column(String(64), unique=True)
    flow: Mapped[dict[str, Any]] = mapped_column(JSON)
    next_url: Mapped[str] = mapped_column(String(2000))
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)


class ApiKey(Base):
    """A key a council case-management system uses; only its SHA-256 is kept."""

    __tablename__ = "api_keys"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120), unique=True)
    key_sha256: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The only team whose assessments the key reaches, and what it may do there
    # (accounts.api_keys.SCOPES).
    team_id: Mapped[int] = mapped_column(ForeignKey("teams.id"))
    scopes: Mapped[list[str]] = mapped_column(JSON)

    team: Mapped[Team] = relationship()


class Assessment(Base):
    """One EHC needs assessment of one child or young person."""

    __tablename__ = "assessments"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    reference: Mapped[str] = mapped_column(String(20), unique=True)
    child_given_names: Mapped[str] = mapped_column(String(200))
    child_family_name: Mapped[str] = mapped_column(String(200))
    child_date_of_birth: Mapped[date] = mapped_column(Date)
    # -2/-1 nursery, 0 reception, 1-14 school and college years; None when not in education.
    child_year_group: Mapped[int | None] = mapped_column(Integer)
    requested_on: Mapped[date] = mapped_column(Date)
    decided_on: Mapped[date | None] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(20), default=AssessmentStatus.REQUESTED)
    case_officer_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    # The team whose officers see and act on the assessment (accounts.policy).
    team_id: Mapped[int] = mapped_column(ForeignKey("teams.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    agreed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closed_reason: Mapped[str | None] = mapped_column(String(40))
    # Any change to the assessment or to one of its advice requests: what a council system
    # syncing through the API asks for with updated_since.
    updated_at: Mapped[datetime] = mapped_column(
        UTCDateTime, default=utcnow, onupdate=utcnow, index=True
    )
    # The names as search compares them (``folded``), kept in step by ``_fold_names``.
    child_given_folded: Mapped[str] = mapped_column(String(200), index=True)
    child_family_folded: Mapped[str] = mapped_column(String(200), index=True)
    # The council's milestones after its exceptions (``assessments.milestones``), stored so
    # that lists, the work queue and reports can filter and count on them; None while an
    # exception holds them.
    decision_due_on: Mapped[date | None] = mapped_column(Date)
    draft_due_on: Mapped[date | None] = mapped_column(Date)
    final_due_on: Mapped[date | None] = mapped_column(Date, index=True)
    # What happened at each milestone, recorded as it happens (``assessments.plan_milestones``):
    # the decision whether to issue a plan (PlanDecision), the draft plan sent, the final plan
    # issued. The 20-week figures are computed from these, never typed in.
    plan_decision: Mapped[str | None] = mapped_column(String(20))
    plan_decided_on: Mapped[date | None] = mapped_column(Date)
    draft_plan_sent_on: Mapped[date | None] = mapped_column(Date)
    final_plan_issued_on: Mapped[date | None] = mapped_column(Date, index=True)

    case_officer: Mapped[User | None] = relationship()
    team: Mapped[Team] = relationship()
    contributors: Mapped[list[Contributor]] = relationship(
        back_populates="assessment", order_by="Contributor.position"
    )
    advice_requests: Mapped[list[AdviceRequest]] = relationship(
        back_populates="assessment", order_by="AdviceRequest.created_at"
    )
    # Existing advice used instead of asking again (reg 6(4)).
    advice_reuses: Mapped[list[AdviceReuse]] = relationship(
        back_populates="assessment", order_by="AdviceReuse.recorded_at"
    )

    __table_args__ = (
        # The assessments list's default order, walked by keyset pagination.
        Index("ix_assessments_requested_on_id", "requested_on", "id"),
        Index("ix_assessments_case_officer_id_status", "case_officer_id", "status"),
        Index("ix_assessments_child_date_of_birth", "child_date_of_birth"),
    )

    @validates("child_given_names", "child_family_name")
    def _fold_names(self, key: str, value: str) -> str:
        target = "child_given_folded" if key == "child_given_names" else "child_family_folded"
        setattr(self, target, folded(value))
        return value

    @property
    def child_display(self) -> str:
        """How emails name the child: never the full name."""
        initial = self.child_family_name[:1].upper()
        dob = self.child_date_of_birth
        return f"{self.child_given_names} {initial}., born {dob.day} {dob:%B %Y}"


class Contributor(Base):
    """A person the LA asks for advice on one assessment."""

    __tablename__ = "contributors"

    id: Mapped[int] = mapped_column(primary_key=True)
    assessment_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("assessments.id"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    agency: Mapped[str] = mapped_column(String(40))
    name: Mapped[str] = mapped_column(String(200))
    email: Mapped[str] = mapped_column(String(320))
    organisation: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(200))
    # Added because the parent or young person reasonably asked for their advice (reg 6(1)(i)).
    # The directory's service the contributor was picked from, if any: whose leads a late
    # request escalates to and whose reviewer signs off.
    service_id: Mapped[int | None] = mapped_column(ForeignKey("services.id"), index=True)
    requested_by_parent: Mapped[bool] = mapped_column(
        Boolean, default=False, server_default=false()
    )

    assessment: Mapped[Assessment] = relationship(back_populates="contributors")


# The SQL of the agency lead's open-requests index: the date advice is now expected, with
# requests not yet sent last, over the requests not closed (CLOSED_STATUSES).
AGENCY_OPEN_DUE = "coalesce(extended_due_on, due_on, '9999-12-31')"
OPEN_REQUEST_CONDITION = "status NOT IN ('declined', 'passed_on', 'submitted', 'withdrawn')"


class AdviceRequest(Base):
    """One request for advice, sent to one contributor, with its own 6-week clock."""

    __tablename__ = "advice_requests"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    assessment_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("assessments.id"), index=True)
    contributor_id: Mapped[int] = mapped_column(ForeignKey("contributors.id"))
    agency: Mapped[str] = mapped_column(String(40))
    template_key: Mapped[str] = mapped_column(String(60))
    template_version: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(20), default=RequestStatus.QUEUED)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # received_at: when the mail server accepted the first email; the 6-week clock starts here.
    received_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    due_on: Mapped[date | None] = mapped_column(Date)
    opened_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # "Not known to our service": the contributor's own words, kept verbatim, and who said so.
    declined_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    declined_by_name: Mapped[str | None] = mapped_column(String(200))
    declined_by_role: Mapped[str | None] = mapped_column(String(200))
    declined_what_they_know: Mapped[str | None] = mapped_column(Text)
    # Set on a colleague's request: the request passed on to them (now PASSED_ON) and the note
    # that came with it. Unique, so a request is passed on at most once.
    passed_on_from_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("advice_requests.id"), index=True, unique=True
    )
    passed_on_note: Mapped[str | None] = mapped_column(Text)
    # The due date once an extension or a reg 8(2) exception moved it; due_on stays the
    # statutory date counted from receipt.
    extended_due_on: Mapped[date | None] = mapped_column(Date)
    withdrawn_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    withdrawn_reason: Mapped[str | None] = mapped_column(Text)
    updated_at: Mapped[datetime] = mapped_column(
        UTCDateTime, default=utcnow, onupdate=utcnow, index=True
    )
    # When the case officer first read the advice that arrived (the work queue's "not yet read").
    advice_read_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    assessment: Mapped[Assessment] = relationship(back_populates="advice_requests")
    contributor: Mapped[Contributor] = relationship()
    draft: Mapped[AdviceDraft | None] = relationship(back_populates="advice_request")
    # The advice as first sealed; its addenda hang off it (SealedAdvice.addenda).
    sealed: Mapped[SealedAdvice | None] = relationship(
        primaryjoin="and_(AdviceRequest.id == SealedAdvice.advice_request_id, "
        "SealedAdvice.addendum_to_id.is_(None))",
        viewonly=True,
    )
    passed_on_from: Mapped[AdviceRequest | None] = relationship(
        remote_side=[id], back_populates="passed_on_to"
    )
    passed_on_to: Mapped[AdviceRequest | None] = relationship(back_populates="passed_on_from")
    deadline_reports: Mapped[list[DeadlineReport]] = relationship(
        back_populates="advice_request", order_by="DeadlineReport.recorded_at"
    )

    @property
    def agency_label(self) -> str:
        return Agency(self.agency).label

    @property
    def advice_name(self) -> str:
        """The advice asked for, as a sentence names it: "health advice"."""
        return Agency(self.agency).advice_name

    @property
    def status_label(self) -> str:
        return RequestStatus(self.status).label

    __table_args__ = (
        # Open and overdue requests by agency: the timeliness report and the list's filters.
        Index("ix_advice_requests_agency_status", "agency", "status"),
        Index("ix_advice_requests_status_due_on", "status", "due_on"),
        # The agency lead's open requests, earliest due first, a page at a time from its
        # cursor (``assessments.agency_queue`` spells the same expression and condition).
        Index(
            "ix_advice_requests_agency_open_due",
            "agency",
            text(AGENCY_OPEN_DUE),
            "created_at",
            "id",
            postgresql_include=["assessment_id"],
            postgresql_where=text(OPEN_REQUEST_CONDITION),
            # SQLite cannot reflect an index on an expression, and the embedded default's
            # data is small enough to sort.
            info={"postgresql_only": True},
        ).ddl_if(dialect="postgresql"),
        # Whether an assessment has advice overdue (``assessments.track``), asked of every
        # assessment a list counts: its open requests' dates, without reading the table.
        Index(
            "ix_advice_requests_open_by_assessment",
            "assessment_id",
            postgresql_include=["due_on", "extended_due_on"],
            postgresql_where=text(OPEN_REQUEST_CONDITION),
            sqlite_where=text(OPEN_REQUEST_CONDITION),
        ),
        # Their advice sealed lately, newest first.
        Index(
            "ix_advice_requests_agency_status_submitted_at",
            "agency",
            "status",
            "submitted_at",
            "id",
        ),
    )

    @property
    def effective_due_on(self) -> date | None:
        """The date advice is now expected: an extension's or exception's, else the statutory."""
        return self.extended_due_on or self.due_on


class DeadlineReport(Base):
    """Why one request's advice will be late, and whether the law excuses it (reg 8(2)).

    A contributor reports one from their link; case officers will record them too, so who
    recorded it is kept apart from the reason. Rows are added, never rewritten.
    """

    __tablename__ = "deadline_reports"

    id: Mapped[int] = mapped_column(primary_key=True)
    advice_request_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("advice_requests.id"), index=True
    )
    reason: Mapped[str] = mapped_column(String(40))
    is_lawful_exception: Mapped[bool] = mapped_column(Boolean)
    details: Mapped[str] = mapped_column(Text)  # the reporter's words, verbatim
    expected_by: Mapped[date | None] = mapped_column(Date)
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    recorded_by: Mapped[str] = mapped_column(String(200))  # the actor, as in the audit log
    recorded_by_name: Mapped[str] = mapped_column(String(200))
    reported_by_contributor: Mapped[bool] = mapped_column(Boolean)
    # When the case officer marked the report dealt with: it leaves their work queue.
    acknowledged_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    advice_request: Mapped[AdviceRequest] = relationship(back_populates="deadline_reports")

    @property
    def reason_label(self) -> str:
        return DeadlineReason(self.reason).label


class LinkToken(Base):
    """An emailed link's secret; only its SHA-256 is kept."""

    __tablename__ = "link_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    advice_request_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("advice_requests.id"), index=True
    )
    token_sha256: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    redeemed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # What the link lets its holder do: a LinkPurpose value.
    purpose: Mapped[str] = mapped_column(
        String(20),
        default=LinkPurpose.CONTRIBUTE.value,
        server_default=LinkPurpose.CONTRIBUTE.value,
    )

    advice_request: Mapped[AdviceRequest] = relationship()


class OutboxMessage(Base):
    """A message committed with the change that caused it, handed to the broker after commit.

    The clock's relay re-sends rows still incomplete after a grace period, so nothing committed
    is lost when the broker or a worker dies.
    """

    __tablename__ = "outbox_messages"
    __table_args__ = (UniqueConstraint("advice_request_id", "kind", "sequence"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    advice_request_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("advice_requests.id"))
    kind: Mapped[str] = mapped_column(String(40))
    sequence: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    dispatched_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    failed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(String(500))
    # A chase planned outside office hours waits until then; the relay hands it over at that time.
    send_after: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # A chase no longer wanted (the advice arrived first): never sent.
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    advice_request: Mapped[AdviceRequest] = relationship()


class SendLedger(Base):
    """One row per email actually handed to the mail server.

    Its unique key (request, kind, sequence) is what makes a redelivered task send nothing.
    """

    __tablename__ = "send_ledger"
    __table_args__ = (UniqueConstraint("advice_request_id", "kind", "sequence"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    advice_request_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("advice_requests.id"))
    kind: Mapped[str] = mapped_column(String(40))
    sequence: Mapped[int] = mapped_column(Integer)
    message_id: Mapped[str] = mapped_column(String(200))
    recipient: Mapped[str] = mapped_column(String(320))
    claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    backend: Mapped[str | None] = mapped_column(String(20))
    detail: Mapped[str | None] = mapped_column(String(500))


class AdviceDraft(Base):
    """The contributor's answers so far; saved on every page."""

    __tablename__ = "advice_drafts"

    advice_request_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("advice_requests.id"), primary_key=True
    )
    answers: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    version: Mapped[int] = mapped_column(Integer)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # The author's declaration, kept while the advice waits for sign-off.
    declaration: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    # The sections the contributor completed ("Save and continue" with every answer passing
    # its checks), in form order. None on a draft saved before completion was recorded.
    completed_sections: Mapped[list[str] | None] = mapped_column(JSON)

    advice_request: Mapped[AdviceRequest] = relationship(back_populates="draft")

    # Optimistic locking: a stale writer (a second tab) fails instead of overwriting.
    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012 - SQLAlchemy's own attribute


class SignOffReviewer(Base):
    """Who signs off an agency's advice before it is sealed (a senior EP, the DCO)."""

    __tablename__ = "sign_off_reviewers"

    id: Mapped[int] = mapped_column(primary_key=True)
    agency: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    email: Mapped[str] = mapped_column(String(320))
    role: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class SignOffReview(Base):
    """One round of sign-off: asked of a reviewer, then approved or returned with comments."""

    __tablename__ = "sign_off_reviews"

    id: Mapped[int] = mapped_column(primary_key=True)
    advice_request_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("advice_requests.id"), index=True
    )
    reviewer_name: Mapped[str] = mapped_column(String(200))
    reviewer_email: Mapped[str] = mapped_column(String(320))
    reviewer_role: Mapped[str] = mapped_column(String(200))
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decision: Mapped[str | None] = mapped_column(String(20))  # approved, returned
    comments: Mapped[str | None] = mapped_column(Text)

    advice_request: Mapped[AdviceRequest] = relationship()


class Attachment(Base):
    """A file a contributor attached to their advice, kept outside the web root.

    The file's SHA-256 goes into the seal, so the sealed advice vouches for the exact bytes.
    """

    __tablename__ = "attachments"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    advice_request_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("advice_requests.id"), index=True
    )
    filename: Mapped[str] = mapped_column(String(200))
    content_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    uploaded_at: Mapped[datetime] = mapped_column(UTCDateTime)
    removed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    advice_request: Mapped[AdviceRequest] = relationship()


class SealedAdvice(Base):
    """Submitted advice, or an addendum to it by its author, exactly as written.

    Never updated, never deleted. Every row, addenda included, is one link in the seal chain
    (``chain_index``). A request has one original (``addendum_to_id`` empty) and any number of
    addenda pointing at it.
    """

    __tablename__ = "sealed_advice"
    __table_args__ = (
        Index(
            "uq_sealed_advice_original",
            "advice_request_id",
            unique=True,
            sqlite_where=text("addendum_to_id IS NULL"),
            postgresql_where=text("addendum_to_id IS NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    advice_request_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("advice_requests.id"), index=True
    )
    addendum_to_id: Mapped[int | None] = mapped_column(ForeignKey("sealed_advice.id"))
    chain_index: Mapped[int] = mapped_column(Integer, unique=True)
    canonical: Mapped[str] = mapped_column(Text)
    content_sha256: Mapped[str] = mapped_column(String(64))
    previous_seal_sha256: Mapped[str | None] = mapped_column(String(64), unique=True)
    seal_sha256: Mapped[str] = mapped_column(String(64), unique=True)
    sealed_at: Mapped[datetime] = mapped_column(UTCDateTime)

    advice_request: Mapped[AdviceRequest] = relationship()
    addendum_to: Mapped[SealedAdvice | None] = relationship(
        remote_side=[id], back_populates="addenda"
    )
    addenda: Mapped[list[SealedAdvice]] = relationship(
        back_populates="addendum_to", order_by="SealedAdvice.chain_index"
    )


class AuditEvent(Base):
    """What happened, who did it and when. Append-only."""

    __tablename__ = "audit_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    actor: Mapped[str] = mapped_column(String(200))
    action: Mapped[str] = mapped_column(String(80))
    assessment_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("assessments.id"), index=True
    )
    # Indexed: an assessment's timeline reads its requests' events by this.
    advice_request_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("advice_requests.id"), index=True
    )
    detail: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    # The audit chain, filled in as the row is flushed (advice_hub.sealing.ledger):
    # event_sha256 over the row's canonical form, chain_sha256 over the previous row's.
    # Unique indexes rather than constraints: SQLite adds an index without rebuilding the table.
    chain_index: Mapped[int | None] = mapped_column(Integer, index=True, unique=True)
    event_sha256: Mapped[str | None] = mapped_column(String(64))
    chain_sha256: Mapped[str | None] = mapped_column(String(64), index=True, unique=True)

    # Relationships (not bare ids) so the unit of work inserts the subject first.
    assessment: Mapped[Assessment | None] = relationship()
    advice_request: Mapped[AdviceRequest | None] = relationship()


class Service(Base):
    """One organisation or service in the contributor directory: a school, a health single
    point of access, a children's disability team. Several per agency, each with its own
    contact mailbox, leads for escalation and sign-off reviewer."""

    __tablename__ = "services"
    __table_args__ = (UniqueConstraint("agency", "name", name="uq_services_agency_name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    agency: Mapped[str] = mapped_column(String(40), index=True)
    name: Mapped[str] = mapped_column(String(200))
    organisation: Mapped[str] = mapped_column(String(200))
    contact_name: Mapped[str] = mapped_column(String(200))
    contact_role: Mapped[str] = mapped_column(String(200))
    contact_email: Mapped[str] = mapped_column(String(320))
    reviewer_name: Mapped[str | None] = mapped_column(String(200))
    reviewer_email: Mapped[str | None] = mapped_column(String(320))
    reviewer_role: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    retired_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    leads: Mapped[list[ServiceLead]] = relationship(
        back_populates="service", order_by="ServiceLead.id"
    )

    @property
    def agency_label(self) -> str:
        return Agency(self.agency).label


class ServiceLead(Base):
    """Someone a service's late advice escalates to."""

    __tablename__ = "service_leads"
    __table_args__ = (
        UniqueConstraint("service_id", "email", name="uq_service_leads_service_email"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    service_id: Mapped[int] = mapped_column(ForeignKey("services.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    email: Mapped[str] = mapped_column(String(320))
    title: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    service: Mapped[Service] = relationship(back_populates="leads")


class AgencyLead(Base):
    """Who hears when a service's advice is overdue: the DCO, the DSCO, the principal EP..."""

    __tablename__ = "agency_leads"

    id: Mapped[int] = mapped_column(primary_key=True)
    agency: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    email: Mapped[str] = mapped_column(String(320))
    title: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class StaffMessage(Base):
    """An email to staff or an agency lead (escalation, digest): its own outbox and ledger row.

    The unique ``key`` (kind, recipient, day) means two clocks, or a clock run twice, queue it
    once; claim and sent times make a redelivered task send nothing.
    """

    __tablename__ = "staff_messages"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(40))
    key: Mapped[str] = mapped_column(String(200), unique=True)
    recipient: Mapped[str] = mapped_column(String(320))
    recipient_name: Mapped[str] = mapped_column(String(200))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    agency: Mapped[str | None] = mapped_column(String(40))
    # Ids only (requests, dates): the email is composed from the database when it is sent.
    payload: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    send_after: Mapped[datetime | None] = mapped_column(UTCDateTime)
    dispatched_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    failed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(String(500))
    message_id: Mapped[str | None] = mapped_column(String(200))

    user: Mapped[User | None] = relationship()


class Chase(Base):
    """One planned reminder, chase or escalation of one request: the schedule, in the database.

    The key names the milestone and the due date it was for; a partial unique index over live
    rows means two clocks planning the same milestone queue it once, while a cancelled row
    (the request paused or closed before it went) lets the milestone be planned again.
    """

    __tablename__ = "chases"
    __table_args__ = (
        Index(
            "uq_chases_live_key",
            "advice_request_id",
            "key",
            unique=True,
            sqlite_where=text("cancelled_at IS NULL"),
            postgresql_where=text("cancelled_at IS NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    advice_request_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("advice_requests.id"), index=True
    )
    kind: Mapped[str] = mapped_column(String(30))
    key: Mapped[str] = mapped_column(String(80))
    sequence: Mapped[int | None] = mapped_column(Integer)
    due_on: Mapped[date] = mapped_column(Date)
    milestone_on: Mapped[date] = mapped_column(Date)
    send_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    planned_at: Mapped[datetime] = mapped_column(UTCDateTime)
    planned_by: Mapped[str] = mapped_column(String(200))  # "clock", or the officer who chased
    reason: Mapped[str] = mapped_column(String(300))
    catch_up: Mapped[bool] = mapped_column(Boolean, default=False)
    outbox_message_id: Mapped[int | None] = mapped_column(ForeignKey("outbox_messages.id"))
    staff_message_id: Mapped[int | None] = mapped_column(ForeignKey("staff_messages.id"))
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    advice_request: Mapped[AdviceRequest] = relationship()
    outbox_message: Mapped[OutboxMessage | None] = relationship()
    staff_message: Mapped[StaffMessage | None] = relationship()


class RequestException(Base):
    """A reg 8(2) exception recorded by the LA on one request: it pauses chasing while it
    holds, and may move the due date. A waiting list is never one."""

    __tablename__ = "request_exceptions"

    id: Mapped[int] = mapped_column(primary_key=True)
    advice_request_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("advice_requests.id"), index=True
    )
    reason: Mapped[str] = mapped_column(String(40))  # a lawful DeadlineReason
    details: Mapped[str] = mapped_column(Text)
    starts_on: Mapped[date] = mapped_column(Date)
    ends_on: Mapped[date | None] = mapped_column(Date)  # None while it still holds
    new_due_on: Mapped[date | None] = mapped_column(Date)
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime)
    recorded_by: Mapped[str] = mapped_column(String(200))
    recorded_by_name: Mapped[str] = mapped_column(String(200))

    advice_request: Mapped[AdviceRequest] = relationship()

    @property
    def reason_label(self) -> str:
        return DeadlineReason(self.reason).label


class DeadlineExtension(Base):
    """A later due date the case officer agreed, with the reason. Not a reg 8(2) exception."""

    __tablename__ = "deadline_extensions"

    id: Mapped[int] = mapped_column(primary_key=True)
    advice_request_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("advice_requests.id"), index=True
    )
    previous_due_on: Mapped[date] = mapped_column(Date)
    new_due_on: Mapped[date] = mapped_column(Date)
    reason: Mapped[str] = mapped_column(Text)
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime)
    recorded_by: Mapped[str] = mapped_column(String(200))
    recorded_by_name: Mapped[str] = mapped_column(String(200))

    advice_request: Mapped[AdviceRequest] = relationship()


class AssessmentException(Base):
    """A reg 10(4)/13(3) exception on the assessment: moves the LA's own milestones."""

    __tablename__ = "assessment_exceptions"

    id: Mapped[int] = mapped_column(primary_key=True)
    assessment_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("assessments.id"), index=True)
    reason: Mapped[str] = mapped_column(String(40))  # AssessmentExceptionReason
    details: Mapped[str] = mapped_column(Text)
    starts_on: Mapped[date] = mapped_column(Date)
    ends_on: Mapped[date | None] = mapped_column(Date)
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime)
    recorded_by: Mapped[str] = mapped_column(String(200))
    recorded_by_name: Mapped[str] = mapped_column(String(200))

    assessment: Mapped[Assessment] = relationship()

    @property
    def reason_label(self) -> str:
        return AssessmentExceptionReason(self.reason).label


class AdviceReuse(Base):
    """Existing advice used instead of a new request (reg 6(4)): only when its author, the LA
    and the parent or young person all agree it is sufficient."""

    __tablename__ = "advice_reuses"

    id: Mapped[int] = mapped_column(primary_key=True)
    assessment_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("assessments.id"), index=True)
    agency: Mapped[str] = mapped_column(String(40))
    description: Mapped[str] = mapped_column(Text)  # which advice: title, date, where it is held
    author_name: Mapped[str] = mapped_column(String(200))
    advice_dated: Mapped[date] = mapped_column(Date)
    author_agreed_on: Mapped[date] = mapped_column(Date)
    la_agreed_on: Mapped[date] = mapped_column(Date)
    family_agreed_on: Mapped[date] = mapped_column(Date)
    family_agreed_by: Mapped[str] = mapped_column(String(200))  # the parent or young person
    replaced_request_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("advice_requests.id"))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime)
    recorded_by: Mapped[str] = mapped_column(String(200))
    recorded_by_name: Mapped[str] = mapped_column(String(200))

    assessment: Mapped[Assessment] = relationship(back_populates="advice_reuses")

    @property
    def agency_label(self) -> str:
        return Agency(self.agency).label

    @property
    def advice_name(self) -> str:
        return Agency(self.agency).advice_name


class LedgerCheckpoint(Base):
    """A signed statement of the heads of the seal and audit chains at one moment.

    Exported and kept outside the database, checkpoints prove the history: a row changed or
    removed behind the app's back no longer leads to the signed head.
    """

    __tablename__ = "ledger_checkpoints"

    id: Mapped[int] = mapped_column(primary_key=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    seal_chain_index: Mapped[int] = mapped_column(Integer)
    seal_head_sha256: Mapped[str] = mapped_column(String(64))
    audit_chain_index: Mapped[int] = mapped_column(Integer)
    audit_head_sha256: Mapped[str] = mapped_column(String(64))
    statement: Mapped[str] = mapped_column(Text)  # the exact text signed
    key_id: Mapped[str] = mapped_column(String(64))  # SHA-256 of the public key
    signature: Mapped[str] = mapped_column(String(200))  # Ed25519, base64


# --- The timeliness reports' rollup (``advice_hub.reports.rollup``) ---------------------------
# Figures the clock works out from the rows above, so that a report over a year of a national
# council's work reads a few thousand cells, not half a million requests. Nothing else writes
# them, and every figure can be worked out again from the rows they count.


class ReportRefresh(Base):
    """When the rollup was last worked out: one row."""

    __tablename__ = "report_refreshes"

    id: Mapped[int] = mapped_column(primary_key=True)
    # The instant the last refresh began reading: rows changed since are worked out again.
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    refreshed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The day in London the open requests and assessments were judged against.
    as_of: Mapped[date | None] = mapped_column(Date)


class ReportAdviceCell(Base):
    """The advice figures of one team's requests of one agency whose statutory date fell in
    one month (``reports.advice_timeliness`` says what each counts)."""

    __tablename__ = "report_advice_cells"

    month: Mapped[str] = mapped_column(String(7), primary_key=True)  # 'YYYY-MM'
    team_id: Mapped[int] = mapped_column(ForeignKey("teams.id"), primary_key=True)
    agency: Mapped[str] = mapped_column(String(40), primary_key=True)
    due: Mapped[int] = mapped_column(Integer)
    on_time: Mapped[int] = mapped_column(Integer)
    late: Mapped[int] = mapped_column(Integer)
    late_with_exception: Mapped[int] = mapped_column(Integer)
    open: Mapped[int] = mapped_column(Integer)
    overdue: Mapped[int] = mapped_column(Integer)
    escalations: Mapped[int] = mapped_column(Integer)
    returned: Mapped[int] = mapped_column(Integer)
    # How many of the returned requests took each number of days ({"31": 2, ...}): the
    # percentiles are read from these, exactly as from the requests themselves.
    days: Mapped[dict[str, int]] = mapped_column(JSON)


class ReportPlanCell(Base):
    """The plans one officer of one team issued in one month, in the SEN2 bands
    (``reports.plan_timeliness``); ``officer_id`` None for assessments with no officer."""

    __tablename__ = "report_plan_cells"
    __table_args__ = (Index("ix_report_plan_cells_month", "month"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    month: Mapped[str] = mapped_column(String(7))
    team_id: Mapped[int] = mapped_column(ForeignKey("teams.id"))
    officer_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    issued: Mapped[int] = mapped_column(Integer)
    issued_with_exception: Mapped[int] = mapped_column(Integer)
    within_20_weeks: Mapped[int] = mapped_column(Integer)
    within_20_weeks_excluding_exceptions: Mapped[int] = mapped_column(Integer)
    over_20_weeks_within_a_year: Mapped[int] = mapped_column(Integer)
    over_a_year: Mapped[int] = mapped_column(Integer)
    days_to_issue: Mapped[int] = mapped_column(Integer)
    days_to_issue_excluding_exceptions: Mapped[int] = mapped_column(Integer)


class ReportOpenTrack(Base):
    """How many of one officer's open assessments in one team stood at one place on the
    20-week track on the day of the refresh."""

    __tablename__ = "report_open_tracks"

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[int] = mapped_column(ForeignKey("teams.id"))
    officer_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    track: Mapped[str] = mapped_column(String(20))
    assessments: Mapped[int] = mapped_column(Integer)


IMMUTABLE_MODELS: tuple[type[Base], ...] = (SealedAdvice, AuditEvent, LedgerCheckpoint)
