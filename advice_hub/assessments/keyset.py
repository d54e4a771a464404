"""Keyset pagination: opaque cursors and the WHERE clause that continues from one.

A page is read as "the rows after (or before) this row in this order", never "skip N rows",
so a deep page costs what the first one does and a row added or changed meanwhile never
shifts what comes next. A cursor is base64url JSON naming the order it was made for, the
sort key values of the row it continues from and that row's id (the tie-breaker that makes
the order total), and which way it goes. It is opaque to clients: a cursor that does not
decode, or was made for another order, is refused with ``CursorError``, never guessed at.
"""

from __future__ import annotations

import base64
import binascii
import enum
import json
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import ColumnElement, Date, Integer, String, and_, literal, or_
from sqlalchemy.orm import InstrumentedAttribute
from sqlalchemy.types import TypeEngine

from advice_hub.models import UTCDateTime

CURSOR_VERSION = 1
MAX_CURSOR_LENGTH = 2000
# A column of a model, or any SQL expression.
Expression = ColumnElement[Any] | InstrumentedAttribute[Any]


class CursorError(ValueError):
    """A cursor that cannot be used: damaged, out of date or made for another order."""

    field = "cursor"


class KeyKind(enum.StrEnum):
    TEXT = "text"
    DATE = "date"
    INSTANT = "instant"
    NUMBER = "number"


_TYPES: dict[KeyKind, TypeEngine[Any]] = {
    KeyKind.TEXT: String(),
    KeyKind.DATE: Date(),
    KeyKind.INSTANT: UTCDateTime(),
    KeyKind.NUMBER: Integer(),
}


@dataclass(frozen=True)
class SortKey:
    """One column of an order: its SQL expression and how its values go into a cursor."""

    expression: Expression
    kind: KeyKind


@dataclass(frozen=True)
class Cursor:
    """Where a page starts: after (``forward``) or before the row with these key values."""

    order: str
    values: tuple[Any, ...]
    row_id: uuid.UUID
    forward: bool = True


def _encode_value(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    return value


def _decode_value(raw: Any, kind: KeyKind) -> Any:
    if kind is KeyKind.TEXT and isinstance(raw, str):
        return raw
    if kind is KeyKind.NUMBER and isinstance(raw, int) and not isinstance(raw, bool):
        return raw
    if kind is KeyKind.DATE and isinstance(raw, str):
        return date.fromisoformat(raw)
    if kind is KeyKind.INSTANT and isinstance(raw, str):
        instant = datetime.fromisoformat(raw)
        if instant.tzinfo is None:
            raise ValueError("naive instant")
        return instant
    raise ValueError(f"not a {kind} value")


def encode_cursor(cursor: Cursor) -> str:
    """The cursor as a URL-safe string."""
    document = {
        "v": CURSOR_VERSION,
        "o": cursor.order,
        "k": [_encode_value(v) for v in cursor.values],
        "i": str(cursor.row_id),
        "f": cursor.forward,
    }
    raw = json.dumps(document, separators=(",", ":"), ensure_ascii=True).encode("ascii")
    return base64.urlsafe_b64encode(raw).decode("ascii").rstrip("=")


BAD_CURSOR = (
    "The page link is damaged or out of date: go back to the first page of the list and try again"
)


def decode_cursor(text: str, *, order: str, keys: Sequence[SortKey]) -> Cursor:
    """The cursor ``text`` names, checked against the order it must have been made for."""
    if len(text) > MAX_CURSOR_LENGTH:
        raise CursorError(BAD_CURSOR)
    try:
        raw = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
        document = json.loads(raw.decode("ascii"))
        if not isinstance(document, dict) or document.get("v") != CURSOR_VERSION:
            raise ValueError("not a cursor")
        made_for = document["o"]
        if made_for != order:
            raise CursorError(
                "The page link was made for another order of the list: go back to the first page"
            )
        values = document["k"]
        if not isinstance(values, list) or len(values) != len(keys):
            raise ValueError("wrong number of values")
        forward = document["f"]
        if not isinstance(forward, bool) or not isinstance(document["i"], str):
            raise ValueError("not a cursor")
        decoded = tuple(_decode_value(v, key.kind) for v, key in zip(values, keys, strict=True))
        row_id = uuid.UUID(document["i"])
    except CursorError:
        raise
    except (ValueError, KeyError, TypeError, UnicodeError, binascii.Error) as exc:
        raise CursorError(BAD_CURSOR) from exc
    return Cursor(order=order, values=decoded, row_id=row_id, forward=forward)


def continues_from(
    keys: Sequence[SortKey],
    id_column: Expression,
    cursor: Cursor,
    *,
    descending: bool,
) -> ColumnElement[bool]:
    """The rows strictly after the cursor's row in the order (``keys``, id), or strictly
    before it when the cursor goes backwards; spelled as nested OR/AND so it works the same
    on SQLite and PostgreSQL, NULL-free keys assumed (coalesce nullable columns).

    The first key's bound is said once more on its own (``key >= value``, implied by the
    rest): a database cannot start an index scan at an OR, so without it a page would read
    every row before the cursor's and throw them away, and a deep page would cost more than
    the first."""
    later = cursor.forward != descending  # walking towards larger values

    def beyond(column: Expression, value: Any) -> ColumnElement[bool]:
        return column > value if later else column < value

    bound_id = literal(cursor.row_id, id_column.type)
    clause: ColumnElement[bool] = beyond(id_column, bound_id)
    pairs = list(zip(keys, cursor.values, strict=True))
    for key, value in reversed(pairs):
        bound = literal(value, _TYPES[key.kind])
        clause = or_(beyond(key.expression, bound), and_(key.expression == bound, clause))
    if not pairs:
        return clause
    first, value = pairs[0]
    start = literal(value, _TYPES[first.kind])
    at_least = first.expression >= start if later else first.expression <= start
    return and_(at_least, clause)


def ordering(
    keys: Sequence[SortKey], id_column: Expression, *, descending: bool
) -> list[ColumnElement[Any]]:
    """ORDER BY for the keys then the id, all one way."""
    columns = [key.expression for key in keys] + [id_column]
    return [c.desc() if descending else c.asc() for c in columns]
