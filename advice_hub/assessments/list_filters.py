"""What narrows a list of assessments: the search box and the filters, as one typed object,
read from the strings a query string or an API call gives and turned into WHERE clauses.

**Search** finds an assessment by its reference (exact, or what it starts with, whatever the
case), by the child's name, accents and case ignored (each word typed must start the folded
given names or family name: "zoe ob" finds Zoë O'Brien), or by date of birth when the text
is a date (3/5/2016, 2016-05-03, 3 May 2016). Prefixes are range comparisons on the folded
and reference columns, ``col >= 'sam' AND col < 'san'``, which a btree index answers on
SQLite and on PostgreSQL with a bytewise (C) collation, each with a LIKE beside it that keeps
the answer exact under any collation.

**Stage** is read from the status and the milestones recorded:

- *requested*: the decision whether to assess is not recorded yet;
- *gathering advice*: agreed, no decision to issue a plan and no draft plan yet;
- *draft plan*: the council decided to issue a plan or sent the draft, final not issued;
- *final plan issued*: the final plan's date is recorded (closed since or not);
- *closed*: closed without a final plan (not issued, or the request withdrawn).

**Track** is ``assessments.track``'s one red/amber/green rule.
"""

from __future__ import annotations

import enum
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import TypeVar

from sqlalchemy import ColumnElement, and_, case, exists, literal, or_, select, true
from sqlalchemy.orm import InstrumentedAttribute

from advice_hub.assessments.track import Track, track_expression
from advice_hub.models import (
    AdviceRequest,
    Agency,
    Assessment,
    AssessmentStatus,
    PlanDecision,
    RequestStatus,
    folded,
)

SEARCH_MAX = 100
E = TypeVar("E", bound=enum.StrEnum)


class ListingError(ValueError):
    """A search, filter, order or page asked for that cannot be given; ``field`` names the
    input at fault and the message says what to do."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


class Stage(enum.StrEnum):
    REQUESTED = "requested"
    GATHERING_ADVICE = "gathering_advice"
    DRAFT_PLAN = "draft_plan"
    FINAL_PLAN_ISSUED = "final_plan_issued"
    CLOSED = "closed"

    @property
    def label(self) -> str:
        return {
            "requested": "Requested",
            "gathering_advice": "Gathering advice",
            "draft_plan": "Draft plan",
            "final_plan_issued": "Final plan issued",
            "closed": "Closed",
        }[self.value]


def stage_expression() -> ColumnElement[str]:
    """The assessment's Stage as a SQL expression (see the module's docstring)."""
    return case(
        (Assessment.final_plan_issued_on.is_not(None), literal(Stage.FINAL_PLAN_ISSUED.value)),
        (Assessment.status == str(AssessmentStatus.CLOSED), literal(Stage.CLOSED.value)),
        (Assessment.status == str(AssessmentStatus.REQUESTED), literal(Stage.REQUESTED.value)),
        (
            or_(
                Assessment.draft_plan_sent_on.is_not(None),
                Assessment.plan_decision == str(PlanDecision.ISSUE),
            ),
            literal(Stage.DRAFT_PLAN.value),
        ),
        else_=literal(Stage.GATHERING_ADVICE.value),
    )


def stage_of(assessment: Assessment) -> Stage:
    """``stage_expression`` read in Python for one assessment."""
    if assessment.final_plan_issued_on is not None:
        return Stage.FINAL_PLAN_ISSUED
    if assessment.status == AssessmentStatus.CLOSED:
        return Stage.CLOSED
    if assessment.status == AssessmentStatus.REQUESTED:
        return Stage.REQUESTED
    if assessment.draft_plan_sent_on is not None or assessment.plan_decision == PlanDecision.ISSUE:
        return Stage.DRAFT_PLAN
    return Stage.GATHERING_ADVICE


@dataclass(frozen=True)
class ListFilter:
    """The search and the filters of one list of assessments; empty narrows nothing."""

    search: str = ""
    officer_id: int | None = None
    team_id: int | None = None
    agency: Agency | None = None
    request_status: RequestStatus | None = None
    stage: Stage | None = None
    track: Track | None = None

    @property
    def narrows(self) -> bool:
        return self != ListFilter()

    @property
    def filters_only(self) -> ListFilter:
        """The same search without the filters: what the counts beside each filter count."""
        return ListFilter(search=self.search)


def _choice(kind: type[E], field: str, raw: str | None, what: str) -> E | None:
    if not raw:
        return None
    try:
        return kind(raw)
    except ValueError:
        raise ListingError(
            field, f"There is no {what} called {raw!r}: choose one from the list"
        ) from None


def _number(field: str, raw: str | None, what: str) -> int | None:
    if not raw:
        return None
    if not raw.isascii() or not raw.isdigit() or len(raw) > 12:
        raise ListingError(field, f"Choose a {what} from the list")
    return int(raw)


def parse_filter(params: Mapping[str, str | None]) -> ListFilter:
    """A ListFilter from query-string values (``q``, ``officer``, ``team``, ``agency``,
    ``request_status``, ``stage``, ``track``); ListingError naming the one at fault."""
    search = " ".join((params.get("q") or "").split())
    if len(search) > SEARCH_MAX:
        raise ListingError("q", f"Search for at most {SEARCH_MAX} characters")
    if any(ord(c) < 0x20 for c in search):
        raise ListingError("q", "Search for letters, numbers and dates only")
    return ListFilter(
        search=search,
        officer_id=_number("officer", params.get("officer"), "case officer"),
        team_id=_number("team", params.get("team"), "team"),
        agency=_choice(Agency, "agency", params.get("agency"), "agency"),
        request_status=_choice(
            RequestStatus, "request_status", params.get("request_status"), "request status"
        ),
        stage=_choice(Stage, "stage", params.get("stage"), "stage"),
        track=_choice(Track, "track", params.get("track"), "track"),
    )


# --- Search ----------------------------------------------------------------------------------

_NUMERIC_DATE = re.compile(r"^(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})$")
_ISO_DATE = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$")
_WORDED_DATE = re.compile(r"^(\d{1,2})\s+([A-Za-z]+)\.?,?\s+(\d{4})$")


def date_typed(text: str) -> date | None:
    """The date ``text`` is, read day first as people in England write it, or None."""
    text = text.strip()
    try:
        if match := _ISO_DATE.match(text):
            year, month, day = (int(g) for g in match.groups())
            return date(year, month, day)
        if match := _NUMERIC_DATE.match(text):
            day, month, year = (int(g) for g in match.groups())
            return date(year, month, day)
        if match := _WORDED_DATE.match(text):
            day_text, month_name, year_text = match.groups()
            for pattern in ("%B", "%b"):
                try:
                    named = datetime.strptime(month_name[:9].title(), pattern).month
                except ValueError:
                    continue
                return date(int(year_text), named, int(day_text))
            if month_name.lower().startswith("sept"):
                return date(int(year_text), 9, int(day_text))
    except ValueError:
        return None
    return None


def _after_prefix(prefix: str) -> str:
    """The smallest string greater than every string that starts with ``prefix``."""
    last = prefix[-1]
    if ord(last) >= 0x10FFFF:
        return prefix + "\uffff"
    return prefix[:-1] + chr(ord(last) + 1)


def starts_with(
    column: ColumnElement[str] | InstrumentedAttribute[str], prefix: str
) -> ColumnElement[bool]:
    """``column`` starts with ``prefix``: as a range, which a btree index answers, and as
    LIKE, which holds it exact under a database collation that does not order bytewise (a
    language collation may sort "sa-nders" between "sam" and "san")."""
    return and_(
        column >= prefix,
        column < _after_prefix(prefix),
        column.startswith(prefix, autoescape=True),
    )


def search_clause(text: str) -> ColumnElement[bool]:
    """The assessments the search text finds (every one when it is empty)."""
    text = text.strip()
    if not text:
        return true()
    born = date_typed(text)
    if born is not None:
        return Assessment.child_date_of_birth == born
    reference = starts_with(Assessment.reference, text.upper())
    words = folded(text).split()
    names = and_(
        *(
            or_(
                starts_with(Assessment.child_given_folded, word),
                starts_with(Assessment.child_family_folded, word),
            )
            for word in words
        )
    )
    return or_(reference, names) if words else reference


# --- Filters ---------------------------------------------------------------------------------


def _request_clause(agency: Agency | None, status: RequestStatus | None) -> ColumnElement[bool]:
    """Some advice request of the assessment is of this agency and in this status."""
    conditions = [AdviceRequest.assessment_id == Assessment.id]
    if agency is not None:
        conditions.append(AdviceRequest.agency == agency.value)
    if status is not None:
        conditions.append(AdviceRequest.status == status.value)
    return exists(select(AdviceRequest.id).where(*conditions))


def filter_clause(listing: ListFilter, *, today: date) -> ColumnElement[bool]:
    """Every condition of ``listing`` on Assessment."""
    clauses: list[ColumnElement[bool]] = [search_clause(listing.search)]
    if listing.officer_id is not None:
        clauses.append(Assessment.case_officer_id == listing.officer_id)
    if listing.team_id is not None:
        clauses.append(Assessment.team_id == listing.team_id)
    if listing.agency is not None or listing.request_status is not None:
        clauses.append(_request_clause(listing.agency, listing.request_status))
    if listing.stage is not None:
        clauses.append(stage_expression() == listing.stage.value)
    if listing.track is not None:
        clauses.append(track_expression(today) == listing.track.value)
    return and_(*clauses)
