"""The section K appendix on its web page, who may see it, what it says when nothing is sealed
and what it does with advice changed behind the app's back. The PDF's own tests are in
test_appendix_pdf.py."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
from flask.testing import FlaskClient
from sqlalchemy import select, text

from advice_hub.display import london_datetime
from advice_hub.models import Agency, AuditEvent
from tests.conftest import service_missing
from tests.factories import fresh, make_assessment
from tests.html import parse_page, text_of
from tests.web.sealed_advice_data import (
    ADDENDUM_REASON,
    ADDENDUM_TEXT,
    BROKEN_MARKUP,
    HOSTILE,
    SealedCase,
    seal_four_agencies,
)


@pytest.fixture
def case(session: Any) -> SealedCase:
    return seal_four_agencies(session)


def appendix_url(case: SealedCase, suffix: str = "") -> str:
    return f"/assessments/{case.assessment.id}/appendix{suffix}"


# --- The web page -------------------------------------------------------------------------------


def test_the_web_page_shows_each_advice_verbatim_and_escaped(
    signed_in: FlaskClient, case: SealedCase
) -> None:
    response = signed_in.get(appendix_url(case))
    assert response.status_code == 200
    html = response.data.decode()
    assert HOSTILE not in html and BROKEN_MARKUP not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    soup = parse_page(html)
    verbatim = [span.get_text() for span in soup.select(".app-verbatim")]
    for texts in case.answers.values():
        for answer in texts:
            assert answer in verbatim
    assert ADDENDUM_TEXT in verbatim


def test_the_web_page_lists_contents_addenda_and_the_attached_files_hashes(
    signed_in: FlaskClient, case: SealedCase
) -> None:
    soup = parse_page(signed_in.get(appendix_url(case)).data)
    rows = [
        [cell.get_text(" ", strip=True) for cell in row.select("td")]
        for row in soup.select(".app-appendix-contents tbody tr")
    ]
    education = case.sealed[Agency.EDUCATION]
    assert rows[0] == [
        "K1",
        "Education",
        "Priya Shah",
        "SENCO",
        london_datetime(education.sealed_at),
        " ".join(re.findall(".{8}", education.content_sha256)),
    ]
    assert rows[1][0] == "K1 addendum 1"
    assert [r[1] for r in rows] == [
        "Education",
        "",
        "Educational psychology",
        "Health",
        "Social care",
    ]
    addendum = soup.select_one("#advice-k1-addendum-1")
    assert addendum is not None
    # The author's words and why they added them; no empty copy of the template's questions.
    assert [h.get_text(strip=True) for h in addendum.select("h3, h4")] == [
        "K1 addendum 1",
        "Addendum",
        "Why the author added it",
    ]
    assert [s.get_text() for s in addendum.select(".app-verbatim")] == [
        ADDENDUM_TEXT,
        ADDENDUM_REASON,
    ]
    assert case.addendum.content_sha256 in addendum.get_text()
    files = soup.select(".app-appendix-files tbody tr")
    assert [[c.get_text(strip=True) for c in f.select("td")] for f in files] == [
        ["Clinic letter <March> & plan.pdf", "PDF, 240 KB", case.file_sha256]
    ]
    assert "/verify" in text_of(soup)


def test_viewing_the_appendix_is_audited(
    signed_in: FlaskClient, case: SealedCase, session: Any, officer: Any
) -> None:
    signed_in.get(appendix_url(case))
    events = (
        fresh(session)
        .scalars(select(AuditEvent).where(AuditEvent.action == "appendix.viewed"))
        .all()
    )
    assert [(e.actor, e.assessment_id) for e in events] == [
        (f"user:{officer.id}", case.assessment.id)
    ]


def test_the_assessment_page_links_to_both_forms_of_the_appendix(
    signed_in: FlaskClient, case: SealedCase
) -> None:
    soup = parse_page(signed_in.get(f"/assessments/{case.assessment.id}").data)
    links = {a.get_text(strip=True): a["href"] for a in soup.select("a")}
    assert links["Section K appendix (PDF)"] == appendix_url(case, ".pdf")
    assert links["Section K appendix (web page)"] == appendix_url(case)


# --- Nothing sealed, signed out, tampered ---------------------------------------------------


def test_an_assessment_without_sealed_advice_gets_a_page_saying_so(
    signed_in: FlaskClient, session: Any
) -> None:
    assessment = make_assessment(session, agreed=True)
    session.commit()
    page = signed_in.get(f"/assessments/{assessment.id}/appendix")
    assert page.status_code == 200
    assert "There is no sealed advice for this assessment yet" in text_of(parse_page(page.data))
    download = signed_in.get(f"/assessments/{assessment.id}/appendix.pdf")
    assert download.status_code == 409
    assert download.mimetype == "text/html"
    words = text_of(parse_page(download.data))
    assert "There is no sealed advice for this assessment yet" in words
    assert (
        "Still to be returned: education advice, educational psychology advice, health advice "
        "and social care advice." in words
    )


def test_the_appendix_is_for_signed_in_staff_only(client: FlaskClient, case: SealedCase) -> None:
    for suffix in ("", ".pdf"):
        response = client.get(appendix_url(case, suffix))
        assert response.status_code == 302
        assert response.headers["Location"].startswith("/sign-in")


def test_an_unknown_assessment_has_no_appendix(signed_in: FlaskClient) -> None:
    unknown = "/assessments/00000000-0000-0000-0000-000000000000/appendix"
    # Refused as another team's assessment would be: whether it exists is never told.
    assert signed_in.get(unknown).status_code == 403
    assert signed_in.get(unknown + ".pdf").status_code == 403


def test_advice_changed_behind_the_apps_back_is_left_out_and_flagged(
    signed_in: FlaskClient, case: SealedCase, svc: Any, tmp_path: Path
) -> None:
    # A database owner can drop the trigger; the appendix must still refuse the changed text.
    with svc.engine.begin() as connection:
        connection.execute(text("DROP TRIGGER sealed_advice_refuse_update"))
        connection.execute(
            text("UPDATE sealed_advice SET canonical = replace(canonical, 'Short breaks', 'None')")
        )
    page = text_of(parse_page(signed_in.get(appendix_url(case)).data))
    assert "no longer matches its fingerprint" in page
    assert "None:" not in page and "Short breaks" not in page
    assert "Known since Reception" in page  # the others are untouched
    if shutil.which("pdftotext") is None:
        service_missing("pdftotext (Debian's poppler-utils) is not installed")
    (tmp_path / "appendix.pdf").write_bytes(signed_in.get(appendix_url(case, ".pdf")).data)
    extracted = subprocess.run(
        ["pdftotext", "-enc", "UTF-8", str(tmp_path / "appendix.pdf"), "-"],
        check=True,
        capture_output=True,
        text=True,
        timeout=60,
    ).stdout
    assert "no longer matches its fingerprint" in extracted
    assert "None:" not in extracted
