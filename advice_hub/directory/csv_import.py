"""Services and their leads from one CSV file, all or nothing.

The file is UTF-8 (a byte-order mark, as Excel's "CSV UTF-8" writes, is fine; so are Windows
line endings) with this header, in any order:

    agency,name,organisation,contact_name,contact_role,contact_email,
    reviewer_name,reviewer_email,reviewer_role,lead_name,lead_email,lead_title

One line per lead. The lines with the same ``agency`` and ``name`` are one service: the first
gives its details, and the others may repeat them or leave them blank (never differ); each
line with a ``lead_name``, ``lead_email`` and ``lead_title`` adds one lead to it. A service
with no lead is one line with the lead columns blank; its overdue advice escalates to the
agency's lead. The reviewer columns are all blank (the agency's reviewer signs off) or all
filled in.

Every line is checked before anything is written, and each problem is reported with its line
number (the header is line 1) and its column. With any problem nothing is written; without,
every service is written in the caller's transaction. A service already in the directory (the
same agency and name, whatever the case) is updated rather than added: its details become the
file's and its leads the file's leads, and a retired one is offered again. Services the file
does not name are left as they are.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from advice_hub.directory.services import (
    LeadDetails,
    Problem,
    ServiceDetails,
    check_lead,
    check_service,
)
from advice_hub.models import Service, ServiceLead
from advice_hub.sealing.audit import record_event

SERVICE_COLUMNS = (
    "agency",
    "name",
    "organisation",
    "contact_name",
    "contact_role",
    "contact_email",
    "reviewer_name",
    "reviewer_email",
    "reviewer_role",
)
LEAD_COLUMNS = ("lead_name", "lead_email", "lead_title")
HEADER = SERVICE_COLUMNS + LEAD_COLUMNS
MAX_LINES = 5_000
MAX_BYTES = 2 * 1024 * 1024

TEMPLATE_CSV = (
    ",".join(HEADER)
    + "\r\n"
    + "education,Oak Tree Primary School,Oak Tree Primary School,Sam Senco,SENCO,"
    "senco@oaktree.example.org,,,,Pat Head,head@oaktree.example.org,Head teacher\r\n"
    + "health,Children's Single Point of Access,Northshire Community Health NHS Trust,"
    "SPA duty clinician,Single point of access,spa@nhs.example.org,Dr Rae Review,"
    "rae.review@nhs.example.org,Designated clinical officer,Dr Dana Okafor,"
    "dco@nhs.example.org,Designated clinical officer (DCO)\r\n"
    + "health,Children's Single Point of Access,,,,,,,,Lee Grant,"
    "lee.grant@nhs.example.org,Service manager\r\n"
)


@dataclass(frozen=True)
class LineProblem:
    """One problem: its line (0 for the file as a whole), its column and what to do."""

    line: int
    field: str
    message: str

    def __str__(self) -> str:
        where = f"Line {self.line}" if self.line else "The file"
        return (
            f"{where}, {self.field}: {self.message}" if self.field else f"{where}: {self.message}"
        )


@dataclass
class _Parsed:
    line: int
    details: ServiceDetails
    leads: list[LeadDetails] = field(default_factory=list)


@dataclass
class ImportResult:
    """What an import did, or every problem that stopped it (then it wrote nothing)."""

    added: int = 0
    updated: int = 0
    leads: int = 0
    problems: list[LineProblem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems

    def summary(self) -> str:
        def n(count: int, one: str, many: str) -> str:
            return f"{count} {one if count == 1 else many}"

        return (
            f"{n(self.added, 'service added', 'services added')}, "
            f"{n(self.updated, 'service updated', 'services updated')}, "
            f"{n(self.leads, 'lead', 'leads')} in all"
        )


def _text(data: bytes) -> tuple[str | None, list[LineProblem]]:
    if not data.strip():
        return None, [
            LineProblem(0, "", "The file is empty: it needs the header and a line for each service")
        ]
    if len(data) > MAX_BYTES:
        return None, [
            LineProblem(
                0,
                "",
                f"The file is over {MAX_BYTES // (1024 * 1024)} MB: split it into smaller files",
            )
        ]
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        return None, [
            LineProblem(
                0,
                "",
                f"The file is not UTF-8 text (byte {exc.start + 1} cannot be read): "
                'save it as "CSV UTF-8 (comma delimited)" and upload it again',
            )
        ]
    if "\x00" in text:
        return None, [
            LineProblem(
                0, "", 'The file is not a CSV file: save it as "CSV UTF-8 (comma delimited)"'
            )
        ]
    return text, []


def _header(row: list[str]) -> tuple[list[str], list[LineProblem]]:
    names = [name.strip().lower() for name in row]
    problems = []
    missing = [c for c in HEADER if c not in names]
    unknown = [n for n in names if n not in HEADER]
    if missing:
        problems.append(
            LineProblem(
                1,
                "",
                f"The header has no {', '.join(missing)} column: it must be {','.join(HEADER)}",
            )
        )
    if unknown:
        problems.append(
            LineProblem(
                1,
                "",
                "The header has columns this import does not know: "
                + ", ".join(n or "(blank)" for n in unknown),
            )
        )
    repeated = sorted({n for n in names if names.count(n) > 1})
    if repeated:
        problems.append(
            LineProblem(1, "", f"The header names {', '.join(repeated)} more than once")
        )
    return names, problems


def read_services(data: bytes) -> tuple[list[_Parsed], list[LineProblem]]:
    """The services the file describes, and every problem in it (line by line)."""
    text, problems = _text(data)
    if text is None:
        return [], problems
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    try:
        rows = []
        start = 1
        for row in reader:
            rows.append((start, row))
            start = reader.line_num + 1
    except csv.Error as exc:
        return [], [LineProblem(reader.line_num, "", f"The file cannot be read as CSV: {exc}")]
    if not rows:
        return [], [LineProblem(0, "", "The file is empty")]
    names, problems = _header(rows[0][1])
    if problems:
        return [], problems
    body = [(line, row) for line, row in rows[1:] if any(value.strip() for value in row)]
    if not body:
        return [], [LineProblem(0, "", "The file has a header but no services")]
    if len(body) > MAX_LINES:
        return [], [
            LineProblem(
                0, "", f"The file has over {MAX_LINES:,} lines: split it into smaller files"
            )
        ]
    # A service whose first line was refused is None: its later lines check only their lead.
    services: dict[tuple[str, str], _Parsed | None] = {}
    for line, row in body:
        if len(row) != len(names):
            problems.append(
                LineProblem(
                    line, "", f"It has {len(row)} values where the header has {len(names)} columns"
                )
            )
            continue
        values = dict(zip(names, row, strict=True))
        problems.extend(_line(line, values, services))
    return [s for s in services.values() if s is not None], problems


def _line(
    line: int, values: dict[str, str], services: dict[tuple[str, str], _Parsed | None]
) -> list[LineProblem]:
    raw = ServiceDetails(**{c: values[c] for c in SERVICE_COLUMNS})
    key = (raw.agency.strip().lower(), " ".join(raw.name.split()).lower())
    found = services.get(key)
    problems: list[Problem] = []
    if key not in services:
        details, problems = check_service(raw)
        found = services[key] = None if problems else _Parsed(line, details)
    elif found is not None:
        for column in SERVICE_COLUMNS[2:]:
            given = " ".join(values[column].split())
            if given and given.lower() != str(getattr(found.details, column)).lower():
                problems.append(
                    Problem(
                        column,
                        f"It differs from line {found.line}, which first names this service: "
                        "leave it blank or repeat it",
                    )
                )
    lead_values = [values[c].strip() for c in LEAD_COLUMNS]
    if any(lead_values):
        lead, lead_problems = check_lead(LeadDetails(*lead_values), prefix="lead_")
        problems.extend(lead_problems)
        if found is not None and not lead_problems:
            if any(existing.email == lead.email for existing in found.leads):
                problems.append(
                    Problem(
                        "lead_email",
                        f"{lead.email} is already a lead of this service on an earlier line",
                    )
                )
            else:
                found.leads.append(lead)
    return [LineProblem(line, p.field, p.message) for p in problems]


def import_services(session: Session, data: bytes, *, now: datetime, actor: str) -> ImportResult:
    """Check the whole file; with no problem, write every service it names (see the module)."""
    parsed, problems = read_services(data)
    if problems:
        return ImportResult(problems=problems)
    existing = {
        (s.agency, s.name.lower()): s
        for s in session.scalars(
            select(Service)
            .where(func.lower(Service.name).in_([p.details.name.lower() for p in parsed]))
            .options(selectinload(Service.leads))
        )
    }
    result = ImportResult()
    added: list[str] = []
    updated: list[str] = []
    for item in parsed:
        service = existing.get((item.details.agency, item.details.name.lower()))
        (updated if service is not None else added).append(item.details.name)
        _write(session, item, service, now=now, result=result)
    # One event for the whole file, naming each service, so a large import stays quick.
    record_event(
        session,
        actor=actor,
        action="directory.imported",
        now=now,
        added=result.added,
        updated=result.updated,
        leads=result.leads,
        added_services=added,
        updated_services=updated,
    )
    return result


def _write(
    session: Session, item: _Parsed, service: Service | None, *, now: datetime, result: ImportResult
) -> None:
    details = item.details
    if service is None:
        service = Service(created_at=now)
        session.add(service)
        result.added += 1
    else:
        result.updated += 1
        service.retired_at = None
    for column in SERVICE_COLUMNS:
        value = getattr(details, column)
        setattr(service, column, (value or None) if column.startswith("reviewer_") else value)
    kept = {lead.email: lead for lead in service.leads}
    wanted = {lead.email for lead in item.leads}
    for email, gone in kept.items():
        if email not in wanted:
            service.leads.remove(gone)
            session.delete(gone)
    for lead in item.leads:
        current = kept.get(lead.email)
        if current is None:
            session.add(
                ServiceLead(
                    service=service,
                    name=lead.name,
                    email=lead.email,
                    title=lead.title,
                    created_at=now,
                )
            )
        else:
            current.name, current.title = lead.name, lead.title
    result.leads += len(item.leads)
