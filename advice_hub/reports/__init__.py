"""Timeliness reports for managers, agency leads and council systems: how soon advice comes
back (``advice_timeliness``), where assessments stand against the 20-week track and how soon
plans are issued in the DfE's SEN2 measures (``plan_timeliness``), the national figures to set
beside them (``national``), the range and scope a report covers (``period``), and the report
as flat tables for CSV and JSON (``feed``). The clock works every figure out into a rollup
(``rollup``) and a report reads it back in a fixed number of statements whatever the data held
(``sql`` holds the expressions each database spells its own way); only the rollup's refresh
writes, and only the rollup.
"""

from advice_hub.reports.feed import COLUMNS, PLAN_TABLES, TABLES, Timeliness, tables, timeliness
from advice_hub.reports.period import Month, Period, PeriodError, Scope
from advice_hub.reports.rollup import Refreshed, refresh_due, refresh_reports

__all__ = [
    "COLUMNS",
    "PLAN_TABLES",
    "TABLES",
    "Month",
    "Period",
    "PeriodError",
    "Refreshed",
    "Scope",
    "Timeliness",
    "refresh_due",
    "refresh_reports",
    "tables",
    "timeliness",
]
