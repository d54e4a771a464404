"""An assessment's timeline: its audit events, newest first, each as a sentence a person reads.

Every action maps to a sentence here; an action with no sentence (one added later) still shows,
named from its code, and a sentence that cannot be built from an event's detail falls back the
same way, so a new or odd event never breaks the assessment page. Sentences are plain text:
the page escapes them, so a contributor's or officer's words can never become markup.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from advice_hub.display import london_datetime, long_date, plural
from advice_hub.models import (
    AdviceRequest,
    Agency,
    Assessment,
    AssessmentExceptionReason,
    AuditEvent,
    ClosureReason,
    DeadlineReason,
    User,
)


@dataclass(frozen=True)
class TimelineEntry:
    occurred_at: datetime
    who: str
    what: str
    # The audit row behind the entry, for the CSV export and anyone checking the chain.
    action: str = ""
    actor: str = ""
    chain_index: int | None = None
    event_sha256: str | None = None


EMAIL_KINDS = {
    "advice_request": "Request for advice",
    "advice_reminder": "Reminder",
    "advice_receipt": "Receipt for the advice",
    "sign_off_request": "Request for sign-off",
    "advice_returned": "Advice returned to its author with the reviewer's comments",
    "addendum_request": "Request for an addendum",
    "addendum_receipt": "Receipt for the addendum",
}
CHASE_KINDS = {
    "reminder": "Reminder",
    "due_today": "Due-today reminder",
    "overdue_chase": "Overdue chase",
    "manual_chase": "Chase",
}


def _day(value: Any) -> str:
    return long_date(date.fromisoformat(value))


def _label(enum: Any, value: Any) -> str:
    return str(enum(value).label)


def _when(event: AuditEvent, send_at: Any) -> str:
    at = datetime.fromisoformat(send_at)
    if at <= event.occurred_at + timedelta(minutes=1):
        return "now"
    return f"on {london_datetime(at)}"


def _chase(event: AuditEvent, about: str) -> str:
    kind = CHASE_KINDS.get(str(event.detail.get("kind")), "Chase")
    sentence = f"{kind} for {about} planned, to go {_when(event, event.detail['send_at'])}"
    if event.detail.get("kind") != "manual_chase" and event.detail.get("reason"):
        sentence += f" ({event.detail['reason']})"
    return sentence


def _extended(event: AuditEvent, about: str) -> str:
    detail = event.detail
    previous, new = _day(detail["previous_due_on"]), _day(detail["new_due_on"])
    return f"Deadline for {about} extended from {previous} to {new}"


def _request_exception(event: AuditEvent, about: str) -> str:
    detail = event.detail
    sentence = (
        f"Exception recorded for {about} (regulation 8(2)): "
        f"{_label(DeadlineReason, detail['reason']).lower()}, from {_day(detail['starts_on'])}"
    )
    if detail.get("ends_on"):
        sentence += f" to {_day(detail['ends_on'])}"
    if detail.get("new_due_on"):
        sentence += f"; now due {_day(detail['new_due_on'])}"
    return sentence


def _request_exception_ended(event: AuditEvent, about: str) -> str:
    sentence = f"Exception for {about} ended on {_day(event.detail['ends_on'])}"
    if event.detail.get("new_due_on"):
        sentence += f"; now due {_day(event.detail['new_due_on'])}"
    return sentence


def _assessment_exception(event: AuditEvent, about: str) -> str:
    detail = event.detail
    sentence = (
        "Assessment exception recorded (regulations 10(4) and 13(3)): "
        f"{_label(AssessmentExceptionReason, detail['reason']).lower()}, "
        f"from {_day(detail['starts_on'])}"
    )
    if detail.get("ends_on"):
        sentence += f" to {_day(detail['ends_on'])}"
    return sentence


def _contributor_added(event: AuditEvent, about: str) -> str:
    sentence = f"{about} added as a contributor"
    if event.detail.get("parent_requested"):
        sentence += ", at the request of the parent or young person"
    return sentence


def _reuse(event: AuditEvent, about: str) -> str:
    advice = Agency(event.detail["agency"]).advice_name
    return f"Existing {advice} reused, agreed by its author, the council and the family"


def _deadline_reported(event: AuditEvent, about: str) -> str:
    lawful = "a lawful reason" if event.detail.get("lawful_exception") else "not an exception"
    return f"{about} reported the advice will be late: {lawful}"


Describe = Callable[[AuditEvent, str], str]

# Kept in the audit log, but not the case's story: who opened its page, and who was refused.
NOT_ON_THE_TIMELINE = ("assessment.viewed", "staff.refused")

# `about` is who the event concerns: "Dr Chris Jones (health)", or the assessment itself.
SENTENCES: dict[str, Describe] = {
    "assessment.created": lambda e, about: "Assessment recorded",
    "assessment.agreed": lambda e, about: (
        "Decision to assess recorded: "
        f"{plural(e.detail['requests'], 'request', 'requests')} for advice to send"
    ),
    "email.sent": lambda e, about: (
        f"{EMAIL_KINDS.get(str(e.detail.get('kind')), 'Email')} emailed to {about}"
    ),
    "email.failed": lambda e, about: (
        f"{EMAIL_KINDS.get(str(e.detail.get('kind')), 'Email')} to {about} could not be sent"
    ),
    "chase.planned": _chase,
    "escalation.planned": lambda e, about: (
        f"Escalation about {about} to the {e.detail['to']} planned ({e.detail['reason']})"
    ),
    "escalation.sent": lambda e, about: f"Escalation about {about} emailed to the {e.detail['to']}",
    "request.opened": lambda e, about: f"{about} opened the request",
    "draft.started": lambda e, about: f"{about} started writing their advice",
    "attachment.added": lambda e, about: f"{about} attached a file",
    "attachment.removed": lambda e, about: f"{about} removed an attached file",
    "sign_off.requested": lambda e, about: f"Advice from {about} sent for sign-off",
    "sign_off.returned": lambda e, about: f"Advice from {about} returned to its author",
    "advice.sealed": lambda e, about: f"Advice from {about} submitted and sealed",
    "advice.viewed": lambda e, about: f"Advice from {about} read",
    "attachment.viewed": lambda e, about: f"A file attached to the advice from {about} opened",
    "request.declined": lambda e, about: f"{about} said the child is not known to their service",
    "request.passed_on": lambda e, about: f"{about} passed the request to a colleague",
    "request.received_from_colleague": lambda e, about: (
        f"{about} was passed the request by a colleague"
    ),
    "deadline.reported": _deadline_reported,
    "deadline_report.dealt_with": lambda e, about: (
        f"The report from {about} that their advice will be late marked dealt with"
    ),
    "request.extended": _extended,
    "request.exception_recorded": _request_exception,
    "request.exception_ended": _request_exception_ended,
    "request.withdrawn": lambda e, about: f"Request to {about} withdrawn; its links stopped",
    "contributor.added": _contributor_added,
    "reuse.recorded": _reuse,
    "assessment.exception_recorded": _assessment_exception,
    "assessment.exception_ended": lambda e, about: (
        f"Assessment exception ended on {_day(e.detail['ends_on'])}"
    ),
    "advice.addendum_sealed": lambda e, about: f"Addendum from {about} submitted and sealed",
    "addendum.requested": lambda e, about: f"Addendum asked of {about}",
    "appendix.viewed": lambda e, about: "Section K appendix read",
    "appendix.exported": lambda e, about: "Section K appendix downloaded as a PDF",
    "timeline.exported": lambda e, about: "Timeline downloaded as a spreadsheet",
    "assessment.plan_decision_recorded": lambda e, about: (
        (
            "Decided to issue an EHC plan"
            if e.detail["decision"] == "issue"
            else "Decided not to issue an EHC plan"
        )
        + f", on {_day(e.detail['decided_on'])}"
        + (" (corrected)" if e.detail.get("previous_decided_on") else "")
    ),
    "assessment.draft_plan_sent": lambda e, about: (
        f"Draft plan sent on {_day(e.detail['sent_on'])}"
        + (" (corrected)" if e.detail.get("previous_sent_on") else "")
    ),
    "assessment.final_plan_issued": lambda e, about: (
        f"Final plan issued on {_day(e.detail['issued_on'])}"
    ),
    "assessment.closed": lambda e, about: (
        f"Assessment closed: {_label(ClosureReason, e.detail['reason'])}"
    ),
    "assessment.assigned": lambda e, about: (
        f"Given to {e.detail['to_officer']}"
        + (f" in {e.detail['to_team']}" if e.detail["to_team"] != e.detail["from_team"] else "")
        + f": {e.detail['reason']}"
    ),
}


def describe(event: AuditEvent, about: str) -> str:
    """The sentence for one event; an unknown action or odd detail gets a plain fallback.
    An action the officer confirmed despite a warning says so, with their reason."""
    sentence = SENTENCES.get(event.action)
    if sentence is not None:
        try:
            said = sentence(event, about)
            if reason := event.detail.get("warning_reason"):
                said += f", despite a warning. Reason given: {reason}"
            return said
        except (KeyError, ValueError, TypeError, AttributeError):
            pass  # the detail is not what this sentence expects; say what we can
    what = event.action.replace(".", ": ").replace("_", " ")
    return f"{what[:1].upper()}{what[1:]}" + (f" ({about})" if about != "the assessment" else "")


def _who(actor: str, users: dict[int, str], requests: dict[uuid.UUID, AdviceRequest]) -> str:
    kind, _, rest = actor.partition(":")
    if kind == "user" and rest.isdigit():
        return users.get(int(rest), "A member of staff")
    if kind == "contributor":
        for advice_request in requests.values():
            if advice_request.contributor.email == rest:
                return advice_request.contributor.name
        return "The contributor"
    if kind == "reviewer":
        return "The reviewer"
    if kind == "api-key":
        return f"Council system ({rest})"
    if kind in {"system", "clock"}:
        return "The service"
    return actor


def timeline_for(session: Session, assessment: Assessment) -> list[TimelineEntry]:
    """Every audit event of the assessment and of its requests, newest first."""
    requests = {r.id: r for r in assessment.advice_requests}
    events = session.scalars(
        select(AuditEvent)
        .where(
            or_(
                AuditEvent.assessment_id == assessment.id,
                AuditEvent.advice_request_id.in_(list(requests)),
            ),
            AuditEvent.action.not_in(NOT_ON_THE_TIMELINE),
        )
        .order_by(AuditEvent.occurred_at.desc(), AuditEvent.id.desc())
    ).all()
    user_ids = {
        int(rest)
        for event in events
        if (parts := event.actor.partition(":"))[0] == "user" and (rest := parts[2]).isdigit()
    }
    users = {
        user.id: user.name
        for user in (session.scalars(select(User).where(User.id.in_(user_ids))) if user_ids else ())
    }
    entries = []
    for event in events:
        advice_request = requests.get(event.advice_request_id) if event.advice_request_id else None
        about = "the assessment"
        if advice_request is not None:
            agency = advice_request.agency_label.lower()
            about = f"{advice_request.contributor.name} ({agency})"
        entries.append(
            TimelineEntry(
                occurred_at=event.occurred_at,
                who=_who(event.actor, users, requests),
                what=describe(event, about),
                action=event.action,
                actor=event.actor,
                chain_index=event.chain_index,
                event_sha256=event.event_sha256,
            )
        )
    return entries
