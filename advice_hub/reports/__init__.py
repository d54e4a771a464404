"""Timeliness reports for managers, agency leads and council systems: how soon advice comes
back (``advice_timeliness``), where assessments stand against the 20-week track and how soon
plans are issued in the DfE's SEN2 measures (``plan_timeliness``), the national figures to set
beside them (``national``), the range and scope a report covers (``period``), and the report
as flat tables for CSV and JSON (``feed``). Every figure is computed by the database in a
fixed number of statements (``sql`` holds the expressions each database spells its own way);
nothing here writes.
"""

from advice_hub.reports.feed import COLUMNS, PLAN_TABLES, TABLES, Timeliness, tables, timeliness
from advice_hub.reports.period import Month, Period, PeriodError, Scope

__all__ = [
    "COLUMNS",
    "PLAN_TABLES",
    "TABLES",
    "Month",
    "Period",
    "PeriodError",
    "Scope",
    "Timeliness",
    "tables",
    "timeliness",
]
