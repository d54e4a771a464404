"""The ledger: the hash chains over sealed advice and the audit log, and checking them.

Two chains share one format. Each row has a canonical text (JSON, keys sorted, separators
"," and ":", strings in NFC, UTF-8) whose SHA-256 is its own fingerprint, and a link:

    link = SHA-256(ASCII(previous link, or 64 zeros for the first) + ":" + fingerprint)

* Sealed advice (``sealed_advice``): the fingerprint is ``content_sha256`` over ``canonical``
  (stored as written), the link is ``seal_sha256``. Addenda are links of the same chain.
* The audit log (``audit_events``): the fingerprint ``event_sha256`` is over
  ``audit_document(event)`` (rebuilt from the row's columns), the link is ``chain_sha256``.

Rows join the audit chain as they are flushed, under the same transaction-scoped advisory lock
that seals take on PostgreSQL (SQLite's immediate transactions already serialise writers), so
the chain has no forks and sealing and auditing can never wait on each other.

``verify_ledger`` recomputes both chains from the stored rows and names every row that no
longer matches: a byte changed by anyone, the database's superuser included, shows.
"""

from __future__ import annotations

import hashlib
import json
import unicodedata
import uuid
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from advice_hub.models import AuditEvent, SealedAdvice

GENESIS = "0" * 64
AUDIT_FORMAT = "advice-hub-audit/1"
# One key for both chains: a transaction holding it may append to either, in any order.
LEDGER_LOCK_KEY = 7_220_250_001


def _nfc(value: Any) -> Any:
    if isinstance(value, str):
        return unicodedata.normalize("NFC", value)
    if isinstance(value, dict):
        return {_nfc(k): _nfc(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_nfc(v) for v in value]
    return value


def canonical_json(document: dict[str, Any]) -> str:
    """The canonical text of a document (see the module docstring)."""
    return json.dumps(_nfc(document), sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def sha256_hex(data: str) -> str:
    return hashlib.sha256(data.encode("utf-8")).hexdigest()


def chain_link(previous: str | None, fingerprint: str) -> str:
    """The link that commits to ``fingerprint`` and, through ``previous``, to all before it."""
    return sha256_hex(f"{previous or GENESIS}:{fingerprint}")


def take_ledger_lock(session: Session) -> None:
    """Hold the ledger's append lock until this transaction ends (PostgreSQL only)."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": LEDGER_LOCK_KEY})


# --- The audit chain -------------------------------------------------------------------------


def _instant(value: datetime) -> str:
    return value.astimezone(UTC).isoformat(timespec="microseconds")


def _id(value: uuid.UUID | None) -> str | None:
    return str(value) if value is not None else None


def audit_document(event: AuditEvent) -> dict[str, Any]:
    """What an audit row's fingerprint covers: every column but its id and chain fields."""
    return {
        "format": AUDIT_FORMAT,
        "occurred_at": _instant(event.occurred_at),
        "actor": event.actor,
        "action": event.action,
        "assessment_id": _id(event.assessment_id),
        "advice_request_id": _id(event.advice_request_id),
        "detail": event.detail or {},
    }


def chain_new_audit_events(session: Session, events: Iterable[AuditEvent]) -> None:
    """Give each new audit row its place in the chain (called just before they are flushed).

    The ids of the rows an event is about are settled first, so the fingerprint covers the
    values the database will hold; the detail is passed through JSON for the same reason.
    """
    pending = [e for e in events if e.chain_index is None]
    if not pending:
        return
    take_ledger_lock(session)
    with session.no_autoflush:
        head = session.execute(
            select(AuditEvent.chain_index, AuditEvent.chain_sha256)
            .where(AuditEvent.chain_index.is_not(None))
            .order_by(AuditEvent.chain_index.desc())
            .limit(1)
        ).first()
    index: int = (head[0] or 0) if head is not None else 0
    previous: str | None = head[1] if head is not None else None
    for event in pending:
        if event.assessment is not None and event.assessment.id is None:
            event.assessment.id = uuid.uuid4()
        if event.advice_request is not None and event.advice_request.id is None:
            event.advice_request.id = uuid.uuid4()
        if event.assessment is not None:
            event.assessment_id = event.assessment.id
        if event.advice_request is not None:
            event.advice_request_id = event.advice_request.id
        event.occurred_at = (event.occurred_at or datetime.now(UTC)).astimezone(UTC)
        event.detail = json.loads(json.dumps(event.detail or {}))
        index += 1
        event.chain_index = index
        event.event_sha256 = sha256_hex(canonical_json(audit_document(event)))
        event.chain_sha256 = chain_link(previous, event.event_sha256)
        previous = event.chain_sha256


# --- Verifying ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Problem:
    """One row that does not hold up, and why."""

    table: str
    row_id: int
    chain_index: int | None
    problem: str

    def __str__(self) -> str:
        where = f"{self.table} row {self.row_id}"
        if self.chain_index is not None:
            where += f" (chain position {self.chain_index})"
        return f"{where}: {self.problem}"


@dataclass(frozen=True)
class ChainHead:
    index: int
    sha256: str


def _batches(
    session: Session, model: Any, order: Any, *where: Any, size: int = 1000
) -> Iterator[Any]:
    last = None
    while True:
        query = select(model).where(*where).order_by(order).limit(size)
        if last is not None:
            query = query.where(order > last)
        rows = session.scalars(query).all()
        if not rows:
            return
        yield from rows
        last = getattr(rows[-1], order.key)
        session.expunge_all()


def verify_seal_chain(session: Session) -> tuple[list[Problem], ChainHead]:
    """Recompute every sealed row's fingerprint and link; returns problems and the head."""
    problems: list[Problem] = []
    previous: str | None = None
    expected_index = 1
    head = ChainHead(0, GENESIS)
    seals: dict[int, str] = {}  # row id -> seal, for addenda to be checked against
    for row in _batches(session, SealedAdvice, SealedAdvice.chain_index):

        def fail(problem: str, row: SealedAdvice = row) -> None:
            problems.append(Problem("sealed_advice", row.id, row.chain_index, problem))

        if row.chain_index != expected_index:
            fail(f"expected chain position {expected_index}: a row is missing or was inserted")
        expected_index = row.chain_index + 1
        if sha256_hex(row.canonical) != row.content_sha256:
            fail("the advice text does not match its fingerprint (content_sha256): it was changed")
        for trouble in _columns_disagree_with_canonical(row, seals):
            fail(trouble)
        seals[row.id] = row.seal_sha256
        if row.previous_seal_sha256 != previous:
            fail("does not point at the seal before it (previous_seal_sha256)")
        if chain_link(previous, row.content_sha256) != row.seal_sha256:
            fail("its seal (seal_sha256) does not follow from the seal before it")
        previous = row.seal_sha256
        head = ChainHead(row.chain_index, row.seal_sha256)
    return problems, head


def _columns_disagree_with_canonical(row: SealedAdvice, seals: dict[int, str]) -> list[str]:
    """The row's own columns must say what its sealed text says (which request, when, and
    for an addendum which advice it amends), so none of them can be changed unnoticed."""
    try:
        document = json.loads(row.canonical)
    except ValueError:
        return ["the advice text is not the JSON that was sealed"]
    troubles = []
    request_id = document.get("advice_request_id")
    if request_id is not None and request_id != str(row.advice_request_id):
        troubles.append("its advice_request_id is not the request the advice was sealed for")
    sealed_at = document.get("sealed_at")
    try:
        same_time = sealed_at is None or datetime.fromisoformat(sealed_at) == row.sealed_at
    except (TypeError, ValueError):
        same_time = False
    if not same_time:
        troubles.append("its sealed_at is not the time in the sealed text")
    amends = document.get("addendum_to")
    if row.addendum_to_id is None and amends is not None:
        troubles.append("the sealed text is an addendum but the row is not marked as one")
    if row.addendum_to_id is not None:
        original = seals.get(row.addendum_to_id)
        stated = amends.get("seal_sha256") if isinstance(amends, dict) else None
        if original is None or stated != original:
            troubles.append("its addendum_to_id does not point at the advice it was sealed for")
    return troubles


def verify_audit_chain(session: Session) -> tuple[list[Problem], ChainHead]:
    """Recompute every audit row's fingerprint and link; returns problems and the head."""
    problems: list[Problem] = []
    unchained = session.scalars(select(AuditEvent.id).where(AuditEvent.chain_index.is_(None)))
    problems.extend(
        Problem("audit_events", event_id, None, "is not in the audit chain")
        for event_id in unchained
    )
    previous: str | None = None
    expected_index = 1
    head = ChainHead(0, GENESIS)
    chained = _batches(
        session, AuditEvent, AuditEvent.chain_index, AuditEvent.chain_index.is_not(None)
    )
    for row in chained:

        def fail(problem: str, row: AuditEvent = row) -> None:
            problems.append(Problem("audit_events", row.id, row.chain_index, problem))

        if row.chain_index != expected_index:
            fail(f"expected chain position {expected_index}: a row is missing or was inserted")
        expected_index = row.chain_index + 1
        if sha256_hex(canonical_json(audit_document(row))) != row.event_sha256:
            fail("what it records does not match its fingerprint (event_sha256): it was changed")
        if chain_link(previous, row.event_sha256 or "") != row.chain_sha256:
            fail("its link (chain_sha256) does not follow from the row before it")
        previous = row.chain_sha256
        head = ChainHead(row.chain_index, row.chain_sha256 or "")
    return problems, head


def chain_links(session: Session, model: Any, indexes: set[int]) -> dict[int, str]:
    """The stored link at each of ``indexes`` in a chain (sealed advice or audit events)."""
    if not indexes:
        return {}
    link = SealedAdvice.seal_sha256 if model is SealedAdvice else AuditEvent.chain_sha256
    rows = session.execute(
        select(model.chain_index, link).where(model.chain_index.in_(sorted(indexes)))
    )
    return {index: value for index, value in rows}
