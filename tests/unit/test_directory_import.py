"""Importing the contributor directory from CSV: a good file adds its services with their
leads; each kind of bad line is reported with its line number and column and nothing is
written; importing again updates by agency and name; Excel's byte-order mark and Windows line
endings are read; a file that is not UTF-8 CSV says so."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select

from advice_hub.directory.csv_import import HEADER, TEMPLATE_CSV, import_services
from advice_hub.directory.services import ServiceDetails, add_service, retire_service
from advice_hub.models import AuditEvent, Service, ServiceLead, utcnow

HEAD = ",".join(HEADER)
SCHOOL = "education,Oak Tree Primary,Oak Tree Academy Trust,Sam Senco,SENCO,senco@oak.example"
SPA = "health,Children's SPA,Northshire NHS Trust,SPA clinician,Duty,spa@nhs.example"


def _file(*lines: str, newline: str = "\n") -> bytes:
    return newline.join([HEAD, *lines, ""]).encode()


def _import(session: Any, data: bytes) -> Any:
    result = import_services(session, data, now=utcnow(), actor="test")
    session.flush()
    return result


def _services(session: Any) -> dict[str, Service]:
    return {s.name: s for s in session.scalars(select(Service))}


def _count(session: Any, model: Any) -> int:
    return session.scalar(select(func.count()).select_from(model))


def test_a_good_file_adds_each_service_with_its_leads_and_is_audited(session: Any) -> None:
    result = _import(
        session,
        _file(
            f"{SCHOOL},,,,Pat Head,Head@Oak.example,Head teacher",
            f"{SPA},Dr Rae,rae@nhs.example,Lead paediatrician,Lee Grant,lee@nhs.example,Manager",
            "health,Children's SPA,,,,,,,,Dr Dana,dco@icb.example,DCO",
            "social_care,Disability Team,Council,Duty worker,Social worker,cwd@council.example"
            ",,,,,,",
        ),
    )
    assert result.ok, result.problems
    assert (result.added, result.updated, result.leads) == (3, 0, 3)
    services = _services(session)
    school, spa, team = (
        services["Oak Tree Primary"],
        services["Children's SPA"],
        services["Disability Team"],
    )
    assert (school.agency, school.organisation, school.contact_email) == (
        "education",
        "Oak Tree Academy Trust",
        "senco@oak.example",
    )
    assert [(lead.name, lead.email) for lead in school.leads] == [("Pat Head", "head@oak.example")]
    assert school.reviewer_email is None
    assert [lead.email for lead in spa.leads] == ["lee@nhs.example", "dco@icb.example"]
    assert (spa.reviewer_name, spa.reviewer_role) == ("Dr Rae", "Lead paediatrician")
    assert team.leads == []
    [event] = session.scalars(select(AuditEvent)).all()  # one for the file, naming each
    assert (event.action, event.actor) == ("directory.imported", "test")
    assert event.detail["added_services"] == [
        "Oak Tree Primary",
        "Children's SPA",
        "Disability Team",
    ]
    assert (event.detail["added"], event.detail["updated"], event.detail["leads"]) == (3, 0, 3)


def test_the_downloadable_template_imports_as_it_is(session: Any) -> None:
    result = _import(session, TEMPLATE_CSV.encode())
    assert result.ok, result.problems
    assert (result.added, result.leads) == (2, 3)


def test_each_kind_of_bad_line_is_reported_with_its_line_and_column_and_nothing_is_written(
    session: Any,
) -> None:
    result = _import(
        session,
        _file(
            f"{SCHOOL},,,,,,",  # line 2: good
            "schools,Elm Primary,Elm Trust,Jo,SENCO,jo@elm.example,,,,,,",  # 3: no such agency
            "education,,Elm Trust,Jo,SENCO,jo@elm.example,,,,,,",  # 4: no name
            "education,Ash Primary,Ash Trust,Jo,SENCO,not an address,,,,,,",  # 5: bad email
            "education,Ash Two,Ash Trust,Jo,SENCO,jo@ash.example,Rev,,Senior,,,",  # 6: reviewer
            "education,Oak Tree Primary,Another Trust,,,,,,,,,",  # 7: differs from line 2
            "education,Oak Tree Primary,,,,,,,,Pat,,Head",  # 8: lead without an email
            "education,Too Short,Trust",  # 9: too few values
        ),
    )
    assert not result.ok
    found = {(p.line, p.field) for p in result.problems}
    assert found == {
        (3, "agency"),
        (4, "name"),
        (5, "contact_email"),
        (6, "reviewer_email"),
        (7, "organisation"),
        (8, "lead_email"),
        (9, ""),
    }
    messages = [str(p) for p in result.problems]
    assert any(
        m.startswith("Line 3, agency: Choose the agency: schools is not one of") for m in messages
    )
    assert any("differs from line 2" in m for m in messages)
    assert any("It has 3 values where the header has 12 columns" in m for m in messages)
    assert _count(session, Service) == 0
    assert _count(session, ServiceLead) == 0
    assert _count(session, AuditEvent) == 0


def test_the_later_lines_of_a_service_refused_on_its_first_report_only_their_own_problems(
    session: Any,
) -> None:
    result = _import(
        session,
        _file(
            "education,Elm,Elm Trust,Jo,SENCO,not an address,,,,Pat,pat@elm.example,Head",
            "education,Elm,,,,,,,,Kit,kit@elm.example,Deputy",
            "education,Elm,,,,,,,,Mo,,Deputy",
        ),
    )
    assert [(p.line, p.field) for p in result.problems] == [
        (2, "contact_email"),
        (4, "lead_email"),
    ]


def test_a_lead_named_twice_for_one_service_is_reported_on_its_second_line(session: Any) -> None:
    result = _import(
        session,
        _file(f"{SCHOOL},,,,Pat,pat@oak.example,Head", f"{SCHOOL},,,,Pat,PAT@oak.example,Head"),
    )
    assert [(p.line, p.field) for p in result.problems] == [(3, "lead_email")]


def test_importing_again_updates_by_agency_and_name_instead_of_adding(session: Any) -> None:
    first = _import(
        session,
        _file(
            f"{SCHOOL},,,,Pat Head,head@oak.example,Head teacher",
            f"{SCHOOL},,,,Kit Deputy,deputy@oak.example,Deputy head",
        ),
    )
    assert first.ok
    retire_service(session, _services(session)["Oak Tree Primary"], now=utcnow(), actor="test")
    untouched = add_service(
        session,
        ServiceDetails("health", "Not In The File", "Trust", "A", "B", "a@nhs.example"),
        now=utcnow(),
        actor="test",
    )
    again = _import(
        session,
        _file(
            "EDUCATION,oak tree primary,Oak Tree Academy Trust,New Senco,SENCO,new@oak.example"
            ",,,,Pat Head,head@oak.example,Executive head",
            "education,Oak Tree Primary,,,,,,,,Mo New,mo@oak.example,Chair of governors",
        ),
    )
    assert again.ok, again.problems
    assert (again.added, again.updated) == (0, 1)
    imported = session.scalars(
        select(AuditEvent).where(AuditEvent.action == "directory.imported").order_by(AuditEvent.id)
    ).all()
    assert imported[-1].detail["updated_services"] == ["oak tree primary"]  # the file's spelling
    session.expire_all()
    [school] = [s for s in session.scalars(select(Service)) if s.agency == "education"]
    assert school.contact_email == "new@oak.example"
    assert school.retired_at is None  # named in the file: offered again
    assert {(lead.email, lead.title) for lead in school.leads} == {
        ("head@oak.example", "Executive head"),
        ("mo@oak.example", "Chair of governors"),
    }
    assert session.get(Service, untouched.id).retired_at is None
    assert _count(session, Service) == 2


def test_a_byte_order_mark_and_windows_line_endings_are_read(session: Any) -> None:
    data = b"\xef\xbb\xbf" + _file(f"{SCHOOL},,,,Pat,pat@oak.example,Head", newline="\r\n")
    result = _import(session, data)
    assert result.ok, result.problems
    assert list(_services(session)) == ["Oak Tree Primary"]


def test_a_quoted_value_across_lines_counts_the_line_it_starts_on(session: Any) -> None:
    result = _import(
        session,
        _file(
            'education,"Two\nLines",Trust,Jo,SENCO,jo@x.example,,,,,,',
            "bad,X,Y,Z,W,v@x.example,,,,,,",
        ),
    )
    assert [(p.line, p.field) for p in result.problems] == [(4, "agency")]


def test_a_file_that_is_not_utf8_csv_gets_a_clear_error(session: Any) -> None:
    latin = (
        _file("education,Ecole Élan,Trust,Jo,SENCO,jo@x.example,,,,,,").decode().encode("latin-1")
    )
    [problem] = _import(session, latin).problems
    assert problem.line == 0
    assert "The file is not UTF-8 text" in str(problem)
    assert "CSV UTF-8" in str(problem)
    [binary] = _import(session, b"PK\x03\x04\x00\x00binary spreadsheet").problems
    assert "not" in str(binary) and "CSV" in str(binary)
    [empty] = _import(session, b"").problems
    assert "The file is empty" in str(empty)


def test_a_header_without_the_columns_is_refused_on_line_1(session: Any) -> None:
    problems = _import(session, b"agency,name,colour\neducation,Oak,blue\n").problems
    assert [p.line for p in problems] == [1, 1]
    assert "has no organisation" in str(problems[0])
    assert "colour" in str(problems[1])
