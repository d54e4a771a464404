"""The few SQL expressions the reports need that PostgreSQL and SQLite spell differently: the
month a date falls in, the day in London an instant falls on, and the days between two dates.
Each is one expression, compiled for the database it runs on, so a report is one statement on
both. And ``falls_in``, a date in one of some months, which the refresh of the reports'
rollup works out month by month."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

from sqlalchemy import ColumnElement, Date, Integer, String, and_, false, or_
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import InstrumentedAttribute
from sqlalchemy.sql.functions import GenericFunction

from advice_hub.reports.period import Month


class month_of(GenericFunction[str]):
    """The month a date falls in, as 'YYYY-MM'."""

    type = String()
    inherit_cache = True


class london_day(GenericFunction[Any]):
    """The day in London (Europe/London) of an instant stored as naive UTC."""

    type = Date()
    inherit_cache = True


class days_between(GenericFunction[int]):
    """Whole days from the second date to the first (later minus earlier)."""

    type = Integer()
    inherit_cache = True


@compiles(month_of, "postgresql")
def _month_pg(element: month_of, compiler: Any, **kw: Any) -> str:
    return f"to_char({compiler.process(element.clauses, **kw)}, 'YYYY-MM')"


@compiles(month_of, "sqlite")
def _month_sqlite(element: month_of, compiler: Any, **kw: Any) -> str:
    return f"strftime('%Y-%m', {compiler.process(element.clauses, **kw)})"


@compiles(london_day, "postgresql")
def _london_pg(element: london_day, compiler: Any, **kw: Any) -> str:
    inner = compiler.process(element.clauses, **kw)
    return f"CAST(timezone('Europe/London', timezone('UTC', {inner})) AS DATE)"


@compiles(london_day, "sqlite")
def _london_sqlite(element: london_day, compiler: Any, **kw: Any) -> str:
    # Registered on every SQLite connection by advice_hub.db (the Python zoneinfo rules).
    return f"london_date({compiler.process(element.clauses, **kw)})"


@compiles(days_between, "postgresql")
def _days_pg(element: days_between, compiler: Any, **kw: Any) -> str:
    later, earlier = list(element.clauses)
    return f"({compiler.process(later, **kw)} - {compiler.process(earlier, **kw)})"


@compiles(days_between, "sqlite")
def _days_sqlite(element: days_between, compiler: Any, **kw: Any) -> str:
    later, earlier = list(element.clauses)
    return (
        f"CAST(julianday({compiler.process(later, **kw)}) - "
        f"julianday({compiler.process(earlier, **kw)}) AS INTEGER)"
    )


def falls_in(
    day: InstrumentedAttribute[date | None], months: Sequence[Month] | None
) -> ColumnElement[bool]:
    """A date column holds a day in one of ``months`` (None: any month, so not NULL), spelled as
    ranges of dates so that an index on the column serves them."""
    if months is None:
        return day.is_not(None)
    return or_(false(), *(and_(day >= m.first_day, day < m.plus(1).first_day) for m in months))
