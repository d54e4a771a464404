"""The section K appendix as a PDF: the text a reader (or a tribunal's software) takes out of it
is the sealed text, hostile markup prints as text, and the document is A4, numbered, titled,
in English and tagged.

The PDF is rendered once for the module (about a second of WeasyPrint) from four agencies'
sealed advice, then read with Debian's poppler-utils, as a person's tools would read it.
"""

from __future__ import annotations

import logging
import re
import shutil
import subprocess
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from advice_hub import create_app
from advice_hub.documents import html_to_pdf
from advice_hub.models import AuditEvent
from tests.conftest import base_config, service_missing, services
from tests.factories import make_officer
from tests.journey import sign_in
from tests.web.sealed_advice_data import (
    ADDENDUM_REASON,
    ADDENDUM_TEXT,
    BROKEN_MARKUP,
    HOSTILE,
    TEXTS,
    seal_four_agencies,
)


@dataclass(frozen=True)
class Rendered:
    pdf: bytes
    folder: Path
    reference: str
    assessment_id: Any
    officer_id: int
    fingerprints: list[str]  # content_sha256 of each sealed row, the addendum last
    seals: list[str]
    file_sha256: str
    exported: list[tuple[str, Any, dict[str, Any]]]  # the audit rows of the download
    content_disposition: str

    def run(self, tool: str, *arguments: str) -> str:
        if shutil.which(tool) is None:
            service_missing(f"{tool} (Debian's poppler-utils) is not installed")
        path = self.folder / "appendix.pdf"
        path.write_bytes(self.pdf)
        return subprocess.run(
            [tool, *arguments, str(path), *(["-"] if tool == "pdftotext" else [])],
            check=True,
            capture_output=True,
            text=True,
            timeout=60,
        ).stdout

    def text(self, *options: str) -> str:
        return self.run("pdftotext", "-enc", "UTF-8", *options)

    def info(self) -> dict[str, str]:
        lines = self.run("pdfinfo").splitlines()
        return {k.strip(): v.strip() for k, _, v in (line.partition(":") for line in lines)}

    def objects(self) -> bytes:
        """Every stream of the PDF, inflated: where the catalogue and metadata live."""
        parts = []
        for match in re.finditer(rb"stream\r?\n(.*?)\r?\nendstream", self.pdf, re.S):
            try:
                # A decompressor object, as the pattern may have taken a final "\r" that was
                # the checksum's last byte; what it inflates is whole all the same.
                parts.append(zlib.decompressobj().decompress(match.group(1)))
            except zlib.error:
                parts.append(match.group(1))  # not deflated: the XMP metadata
        return b"\n".join(parts)


@pytest.fixture(scope="module")
def rendered(tmp_path_factory: pytest.TempPathFactory, sqlite_template: Path) -> Iterator[Rendered]:
    folder = tmp_path_factory.mktemp("appendix-pdf")
    shutil.copyfile(sqlite_template, folder / "db.sqlite3")
    app = create_app(base_config(folder, f"sqlite:///{folder / 'db.sqlite3'}"))
    app.config.update(TESTING=True)
    svc = services(app)
    with svc.session_factory() as session:
        officer = make_officer(session)
        session.commit()
        case = seal_four_agencies(session)
        rows = [*case.sealed.values(), case.addendum]
        fingerprints = [r.content_sha256 for r in rows]
        seals = [r.seal_sha256 for r in rows]
        officer_id, assessment_id = officer.id, case.assessment.id
        reference = case.assessment.reference
        session.commit()
    client = sign_in(app.test_client(), officer_id)
    response = client.get(f"/assessments/{assessment_id}/appendix.pdf")
    assert response.status_code == 200, response.data[:500]
    assert response.mimetype == "application/pdf"
    with svc.session_factory() as session:
        exported = [
            (e.actor, e.assessment_id, e.detail)
            for e in session.scalars(
                select(AuditEvent).where(AuditEvent.action == "appendix.exported")
            )
        ]
    yield Rendered(
        pdf=response.data,
        folder=folder,
        reference=reference,
        assessment_id=assessment_id,
        officer_id=officer_id,
        fingerprints=fingerprints,
        seals=seals,
        file_sha256=case.file_sha256,
        exported=exported,
        content_disposition=response.headers["Content-Disposition"],
    )
    svc.engine.dispose()


FURNITURE = re.compile(
    r"^(Page \d+ of \d+|Demo County Council: EHC plan, section K|Assessment [A-Z0-9-]+|"
    r"K\d+: .+ advice)$"
)


def without_page_furniture(extracted: str) -> str:
    """The extracted text without what the margins repeat on every page (the running title,
    the advice's title, the reference, "Page N of M") and the blank space around them, so a
    page break reads as a line break."""
    pages = []
    for page in extracted.split("\f"):
        kept = []
        for line in page.splitlines():
            parts = [part for part in re.split(r"\s{2,}", line.strip()) if part]
            if not (parts and all(FURNITURE.match(part) for part in parts)):
                kept.append(line)
        pages.append("\n".join(kept).strip("\n"))
    return "\n".join(pages)


def verbatim_pattern(expected: str, *, starts_line: bool = True) -> str:
    """A pattern for `expected` as `pdftotext -layout` gives it back, allowing only what the
    page's layout did to the white space: a line break, back to the block's indentation, where
    the PDF wrapped a line (at a space, after a hyphen, or inside a word too long for the line).
    Every other character must be there, in order, as written. pdftotext rebuilds spaces from
    the gaps between letters, so a run of spaces is compared as a run (two may come back as
    one), but a space, an indent or a line break is never dropped or invented."""
    indent = r"\1" if starts_line else r"[ ]*"
    wrap = rf"(?:[ ]*\n{indent})?"
    pattern = [r"(?m)^([ ]*)" if starts_line else ""]
    for token in re.findall(r" +|\n+|.", expected):
        if token.startswith(" "):
            pattern.append(rf"(?:[ ]+|[ ]*\n{indent})")
        elif token.startswith("\n"):
            pattern.append(rf"[ ]*\n(?:[ ]*\n)*{indent}")
        else:
            pattern.append(re.escape(token) + wrap)
    return "".join(pattern)


def appears_verbatim(expected: str, extracted: str, *, starts_line: bool = True) -> bool:
    return re.search(verbatim_pattern(expected, starts_line=starts_line), extracted) is not None


def test_the_text_extracted_from_the_pdf_is_the_sealed_text(rendered: Rendered) -> None:
    extracted = without_page_furniture(rendered.text("-layout"))
    expected = [
        *(text for texts in TEXTS.values() for text in texts),
        ADDENDUM_TEXT,
        ADDENDUM_REASON,
    ]
    assert [t for t in expected if not appears_verbatim(t, extracted)] == []


def test_the_comparison_would_notice_a_changed_letter_or_space(rendered: Rendered) -> None:
    extracted = without_page_furniture(rendered.text("-layout"))
    written = "Needs <b>daily</b> phonics, 20 minutes, 1:1 with a trained TA."
    assert appears_verbatim(written, extracted)
    assert not appears_verbatim(written.replace("TA", "TB"), extracted)
    assert not appears_verbatim(written.replace("1:1 with", "1:1with"), extracted)
    assert not appears_verbatim(written.replace("<b>", "<b >"), extracted)
    assert not appears_verbatim("Mae Sian yn hoffi", extracted)  # the circumflex matters
    assert not appears_verbatim("Short breaks:\none weekend a month", extracted)  # the indent too


def test_hostile_text_is_printed_as_text_in_the_pdf(rendered: Rendered) -> None:
    extracted = rendered.text()
    assert HOSTILE in extracted
    assert BROKEN_MARKUP in extracted
    assert "Needs <b>daily</b> phonics" in extracted
    assert "Added <i>after</i> review." in extracted
    assert "Clinic letter <March> & plan.pdf" in extracted
    assert rendered.info()["JavaScript"] == "no"


def test_every_fingerprint_seal_and_file_hash_is_in_the_pdf(rendered: Rendered) -> None:
    extracted = rendered.text()
    unwrapped = extracted.replace("\n", "")
    for fingerprint, seal in zip(rendered.fingerprints, rendered.seals, strict=True):
        assert fingerprint in unwrapped
        assert seal in unwrapped
        # The contents table shows each fingerprint as the receipt does, in groups of 8, four
        # to a line (the reading order of a table's cells is pdftotext's own).
        groups = re.findall(".{8}", fingerprint)
        assert " ".join(groups[:4]) in extracted and " ".join(groups[4:]) in extracted
    assert rendered.file_sha256 in unwrapped
    assert appears_verbatim("enter it at http://localhost/verify.", extracted, starts_line=False)


def test_the_pdf_is_a4_titled_in_english_tagged_and_numbered(rendered: Rendered) -> None:
    info = rendered.info()
    pages = int(info["Pages"])
    assert pages >= 5  # the contents, then each of the four pieces of advice on pages of its own
    assert info["Page size"].startswith("595.276 x 841.89")  # A4, in points
    assert info["Tagged"] == "yes"
    assert info["Title"] == f"Section K appendix, assessment {rendered.reference}"
    assert info["Author"] == "Demo County Council"
    catalogue = rendered.objects()
    assert b"/Lang (en-GB)" in catalogue
    assert b"pdfuaid:part" in catalogue  # declared PDF/UA-1 in its XMP metadata
    assert b"/DisplayDocTitle true" in catalogue
    numbers = re.findall(r"Page (\d+) of (\d+)", rendered.text("-layout"))
    assert numbers == [(str(n), str(pages)) for n in range(1, pages + 1)]


def test_the_pdf_uses_arial_or_its_metric_twin_and_no_gds_transport(rendered: Rendered) -> None:
    fonts = rendered.run("pdffonts")
    assert re.search(r"Arial|Liberation-Sans", fonts)
    assert "Transport" not in fonts
    assert "Serif" not in fonts


def test_the_download_is_named_and_audited_with_the_fingerprints_only(rendered: Rendered) -> None:
    assert rendered.content_disposition == (
        f'attachment; filename="section-k-appendix-{rendered.reference}.pdf"'
    )
    ((actor, assessment_id, detail),) = rendered.exported
    assert actor == f"user:{rendered.officer_id}"
    assert assessment_id == rendered.assessment_id
    assert sorted(detail["advice"]) == sorted(rendered.fingerprints)
    assert HOSTILE not in str(detail)


def test_rendering_fetches_nothing_a_document_points_at(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    secret = tmp_path / "secret.css"
    secret.write_text("p { color: red }")
    html = (
        f'<html lang="en-GB"><head><title>T</title><link rel="stylesheet" href="file://{secret}">'
        '</head><body><img src="http://127.0.0.1:9/x.png" alt="x"><p>Only this</p></body></html>'
    )
    with caplog.at_level(logging.WARNING, logger="weasyprint"):
        pdf = html_to_pdf(html)
    assert pdf.startswith(b"%PDF-")
    refused = [r.getMessage() for r in caplog.records if "fetches nothing" in r.getMessage()]
    assert len(refused) == 2
