"""The few SQL expressions the reports need that PostgreSQL and SQLite spell differently: the
month a date falls in, the day in London an instant falls on, and the days between two dates.
Each is one expression, compiled for the database it runs on, so a report is one statement on
both."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Date, Integer, String
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.functions import GenericFunction


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
