"""Signed checkpoints of the ledger's two chains, and verifying the whole ledger.

A checkpoint states the position and link at the head of the seal chain and of the audit
chain, signed with the service's Ed25519 key (``LEDGER_SIGNING_KEY``). Exported and kept
outside the database (by the council's records team, or a tribunal), checkpoints prove the
history: anyone who rewrites rows behind the app's back, even recomputing every hash, can no
longer reach the signed links without the key.

The statement signed is canonical JSON (see ``advice_hub.sealing.ledger``):
``{"audit_chain": {"head": ..., "index": ...}, "created_at": ..., "format":
"advice-hub-checkpoint/1", "seal_chain": {"head": ..., "index": ...}}``.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from advice_hub.config import Settings
from advice_hub.display import plural
from advice_hub.models import AuditEvent, LedgerCheckpoint, SealedAdvice
from advice_hub.sealing.audit import record_event
from advice_hub.sealing.ledger import (
    ChainHead,
    Problem,
    canonical_json,
    chain_links,
    take_ledger_lock,
    verify_audit_chain,
    verify_seal_chain,
)

CHECKPOINT_FORMAT = "advice-hub-checkpoint/1"
KEY_FILE_NAME = "ledger-signing.key"


class SigningKeyError(RuntimeError):
    """The signing key setting is missing or not an Ed25519 key."""


# --- The key ---------------------------------------------------------------------------------


def load_signing_key(settings: Settings) -> Ed25519PrivateKey:
    """The key from LEDGER_SIGNING_KEY (base64 of the 32-byte Ed25519 private key).

    Away from production a missing key is made once and kept in the instance folder, so a
    developer's checkpoints stay verifiable across restarts.
    """
    value = settings.ledger_signing_key
    if not value:
        if settings.production:
            raise SigningKeyError("LEDGER_SIGNING_KEY must be set in production")
        path = settings.instance_dir / KEY_FILE_NAME
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            raw = Ed25519PrivateKey.generate().private_bytes_raw()
            descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(descriptor, "w") as handle:
                handle.write(base64.b64encode(raw).decode("ascii"))
        value = path.read_text().strip()
    try:
        raw = base64.b64decode(value, validate=True)
        return Ed25519PrivateKey.from_private_bytes(raw)
    except ValueError as exc:
        raise SigningKeyError(
            "LEDGER_SIGNING_KEY must be the base64 of a 32-byte Ed25519 private key "
            f"(`advice-hub ledger new-key` makes one): {exc}"
        ) from None


def new_signing_key() -> str:
    """A fresh key, as LEDGER_SIGNING_KEY wants it."""
    return base64.b64encode(Ed25519PrivateKey.generate().private_bytes_raw()).decode("ascii")


def public_key_text(public_key: Ed25519PublicKey) -> str:
    return base64.b64encode(public_key.public_bytes(Encoding.Raw, PublicFormat.Raw)).decode()


def key_id(public_key: Ed25519PublicKey) -> str:
    return hashlib.sha256(public_key.public_bytes(Encoding.Raw, PublicFormat.Raw)).hexdigest()


# --- Writing checkpoints ---------------------------------------------------------------------


def _heads(session: Session) -> tuple[ChainHead, ChainHead]:
    seal = session.execute(
        select(SealedAdvice.chain_index, SealedAdvice.seal_sha256)
        .order_by(SealedAdvice.chain_index.desc())
        .limit(1)
    ).first()
    audit = session.execute(
        select(AuditEvent.chain_index, AuditEvent.chain_sha256)
        .where(AuditEvent.chain_index.is_not(None))
        .order_by(AuditEvent.chain_index.desc())
        .limit(1)
    ).first()
    return (
        ChainHead(seal[0], seal[1]) if seal else ChainHead(0, "0" * 64),
        ChainHead(audit[0] or 0, audit[1] or "0" * 64) if audit else ChainHead(0, "0" * 64),
    )


def write_checkpoint(
    session: Session, key: Ed25519PrivateKey, *, now: datetime, actor: str
) -> LedgerCheckpoint:
    """Sign the two chains' heads as they stand in this transaction, and log that it was done.

    The audit event that records the checkpoint comes after the head it signs.
    """
    take_ledger_lock(session)
    seal, audit = _heads(session)
    created_at = now.astimezone(UTC).isoformat(timespec="microseconds")
    statement = canonical_json(
        {
            "format": CHECKPOINT_FORMAT,
            "created_at": created_at,
            "seal_chain": {"index": seal.index, "head": seal.sha256},
            "audit_chain": {"index": audit.index, "head": audit.sha256},
        }
    )
    signature = base64.b64encode(key.sign(statement.encode("utf-8"))).decode("ascii")
    checkpoint = LedgerCheckpoint(
        created_at=now,
        seal_chain_index=seal.index,
        seal_head_sha256=seal.sha256,
        audit_chain_index=audit.index,
        audit_head_sha256=audit.sha256,
        statement=statement,
        key_id=key_id(key.public_key()),
        signature=signature,
    )
    session.add(checkpoint)
    session.flush()
    record_event(
        session,
        actor=actor,
        action="ledger.checkpoint",
        now=now,
        checkpoint=checkpoint.id,
        seal_chain_index=seal.index,
        audit_chain_index=audit.index,
    )
    return checkpoint


def checkpoint_due(session: Session, *, now: datetime, every: timedelta) -> bool:
    """True when the chains moved on since the last checkpoint and ``every`` has passed.

    The last checkpoint's own audit event does not count as moving on, so a quiet service
    does not sign a new checkpoint every hour about nothing.
    """
    last = session.scalars(
        select(LedgerCheckpoint).order_by(LedgerCheckpoint.id.desc()).limit(1)
    ).first()
    seal, audit = _heads(session)
    if last is None:
        return seal.index > 0 or audit.index > 0
    if now - last.created_at < every:
        return False
    return seal.index > last.seal_chain_index or audit.index > last.audit_chain_index + 1


# --- Exporting and verifying -----------------------------------------------------------------


def export_lines(session: Session, public_key: Ed25519PublicKey) -> list[str]:
    """Every checkpoint as one JSON line: the statement, its signature and the public key."""
    public = public_key_text(public_key)
    return [
        json.dumps(
            {
                "statement": checkpoint.statement,
                "signature": checkpoint.signature,
                "key_id": checkpoint.key_id,
                "public_key": public if checkpoint.key_id == key_id(public_key) else None,
            },
            sort_keys=True,
        )
        for checkpoint in session.scalars(select(LedgerCheckpoint).order_by(LedgerCheckpoint.id))
    ]


@dataclass
class Verification:
    problems: list[Problem] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    seal_head: ChainHead = field(default_factory=lambda: ChainHead(0, "0" * 64))
    audit_head: ChainHead = field(default_factory=lambda: ChainHead(0, "0" * 64))
    checkpoints: int = 0

    @property
    def ok(self) -> bool:
        return not self.problems


def _check_signed(
    statement: str,
    signature: str,
    public_keys: dict[str, Ed25519PublicKey],
    stated_key_id: str,
) -> str | None:
    key = public_keys.get(stated_key_id)
    if key is None:
        return f"signed with a key this service does not hold (key {stated_key_id[:16]}...)"
    try:
        key.verify(base64.b64decode(signature), statement.encode("utf-8"))
    except (InvalidSignature, ValueError):
        return "its signature does not match its statement"
    return None


def verify_ledger(
    session: Session,
    public_key: Ed25519PublicKey,
    *,
    outside_copies: Iterable[str] = (),
) -> Verification:
    """Recompute both chains and hold them to every checkpoint: those in the database and,
    when given, the exported lines kept outside it."""
    result = Verification()
    seal_problems, result.seal_head = verify_seal_chain(session)
    audit_problems, result.audit_head = verify_audit_chain(session)
    result.problems.extend(seal_problems + audit_problems)
    keys = {key_id(public_key): public_key}

    statements: list[tuple[str, str, str, str]] = []  # (source, statement, signature, key id)
    for checkpoint in session.scalars(select(LedgerCheckpoint).order_by(LedgerCheckpoint.id)):
        statements.append(
            (
                f"ledger_checkpoints row {checkpoint.id}",
                checkpoint.statement,
                checkpoint.signature,
                checkpoint.key_id,
            )
        )
    for number, line in enumerate(outside_copies, start=1):
        if not line.strip():
            continue
        try:
            exported = json.loads(line)
            statements.append(
                (
                    f"exported checkpoint {number}",
                    exported["statement"],
                    exported["signature"],
                    exported["key_id"],
                )
            )
        except (ValueError, KeyError, TypeError):
            result.problems.append(
                Problem("exported checkpoints", number, None, "not a checkpoint line")
            )
    seal_wanted, audit_wanted, parsed = set(), set(), []
    for source, statement, signature, stated_key in statements:
        trouble = _check_signed(statement, signature, keys, stated_key)
        document = json.loads(statement) if trouble is None else None
        parsed.append((source, document, trouble))
        if document is not None:
            seal_wanted.add(document["seal_chain"]["index"])
            audit_wanted.add(document["audit_chain"]["index"])
    seal_links = chain_links(session, SealedAdvice, seal_wanted)
    audit_links = chain_links(session, AuditEvent, audit_wanted)
    for source, document, trouble in parsed:
        result.checkpoints += 1
        if trouble is not None:
            result.problems.append(Problem(source, 0, None, trouble))
            continue
        assert document is not None
        for chain, links in (("seal_chain", seal_links), ("audit_chain", audit_links)):
            index, head = document[chain]["index"], document[chain]["head"]
            if index == 0:
                continue
            if links.get(index) != head:
                result.problems.append(
                    Problem(
                        source,
                        0,
                        index,
                        f"the {chain.replace('_', ' ')} no longer reaches the signed link at "
                        f"position {index}: rows up to there were changed, removed or rebuilt",
                    )
                )
    unchained = session.scalar(
        select(func.count()).select_from(AuditEvent).where(AuditEvent.chain_index.is_(None))
    )
    if unchained:
        outside = plural(unchained, "audit row is", "audit rows are")
        result.notes.append(f"{outside} outside the chain")
    return result
