"""Attaching a file in Chromium: chosen through the file input, checked by its content, and
sealed with the advice by its SHA-256. Every page is scanned with axe-core."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from tests.browser.journey import (
    FORM_URL,
    assert_sealed_as_shown,
    check_answers_and_continue,
    check_page,
    complete_every_section,
    heading,
    sign_and_send,
    start,
)

pytestmark = pytest.mark.browser

REFUSED = "The selected file must be a PDF, a Word document (DOCX), or a PNG or JPEG image"


def minimal_pdf(text: str) -> bytes:
    """A small valid PDF 1.4 document: one page showing `text`, with a correct xref table."""
    stream = f"BT /F1 18 Tf 72 720 Td ({text}) Tj ET".encode("ascii")
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] "
        b"/Resources << /Font << /F1 4 0 R >> >> /Contents 5 0 R >>",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
        b"<< /Length %d >>\nstream\n%s\nendstream" % (len(stream), stream),
    ]
    document = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(document))
        document += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    xref = len(document)
    document += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    for offset in offsets:
        document += b"%010d 00000 n \n" % offset
    document += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        xref,
    )
    return bytes(document)


LETTER = minimal_pdf("Clinic letter, 4 May 2026: speech and language assessment")
# Named as a PDF, but plain text: the content decides, so it is refused.
DISGUISED = b"Not really a PDF: notes typed into a text editor and renamed.\n"


@pytest.fixture
def app_config(app_config: dict[str, Any], tmp_path: Path) -> dict[str, Any]:
    """The browser layer's settings, with attached files kept in the test's own folder."""
    return {**app_config, "ATTACHMENT_DIR": tmp_path / "attachments"}


def choose_and_attach(page: Page, name: str, data: bytes) -> None:
    page.get_by_label("Upload a file").set_input_files(
        {"name": name, "mimeType": "application/pdf", "buffer": data}
    )
    page.get_by_role("button", name="Attach file").click()
    page.wait_for_load_state()


def test_a_pdf_attached_in_the_browser_is_sealed_by_its_hash_and_a_disguised_file_is_refused(
    page: Page, health_link: str, session: Any, tmp_path: Path
) -> None:
    form_url = start(page, health_link)
    page.get_by_role("link", name="Attach files (optional)").click()
    expect(heading(page)).to_have_text("Attach files (optional)")
    check_page(page)
    attachments_url = page.url

    choose_and_attach(page, "clinic-letter.pdf", LETTER)
    expect(page).to_have_url(attachments_url)
    expect(page.locator(".govuk-notification-banner--success")).to_contain_text(
        "clinic-letter.pdf has been attached"
    )
    listed = page.locator(".app-attachment")
    expect(listed).to_have_count(1)
    expect(listed).to_contain_text("clinic-letter.pdf")
    expect(listed).to_contain_text("PDF, 1 KB")
    check_page(page)

    choose_and_attach(page, "more-notes.pdf", DISGUISED)
    expect(page).to_have_url(attachments_url)  # the same page, with the problem on it
    summary = page.locator(".govuk-error-summary")
    expect(summary).to_be_focused()
    expect(summary.get_by_role("link")).to_have_text([REFUSED])
    expect(page.locator("#file-error")).to_contain_text(REFUSED)
    expect(listed).to_have_count(1)  # the letter is still attached; the fake is not
    expect(listed).not_to_contain_text("more-notes.pdf")
    check_page(page)
    summary.get_by_role("link", name=REFUSED).click()
    expect(page.get_by_label("Upload a file")).to_be_focused()

    page.get_by_role("button", name="Continue").click()
    expect(page).to_have_url(FORM_URL)
    files_task = page.locator(".govuk-task-list__item", has_text="Attach files")
    expect(files_task).to_contain_text("1 file attached")
    check_page(page)
    complete_every_section(page)
    expect(page.locator("main")).to_contain_text("clinic-letter.pdf (PDF)")
    check_answers_and_continue(page)
    fingerprint = sign_and_send(page)

    sealed = assert_sealed_as_shown(session, form_url, fingerprint)
    [attached] = json.loads(sealed.canonical)["attachments"]
    assert attached["filename"] == "clinic-letter.pdf"
    assert attached["content_type"] == "application/pdf"
    assert attached["size"] == len(LETTER)
    assert attached["sha256"] == hashlib.sha256(LETTER).hexdigest()
    # What is kept on disk is exactly what the browser sent.
    stored = tmp_path / "attachments" / str(sealed.advice_request_id) / attached["id"]
    assert stored.read_bytes() == LETTER
