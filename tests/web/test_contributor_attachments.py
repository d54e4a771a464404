"""Files attached to advice: checked by content, stored outside the web root, sealed by hash."""

from __future__ import annotations

import hashlib
import io
import json
import zipfile
from pathlib import Path
from typing import Any

import pytest
from flask.testing import FlaskClient
from sqlalchemy import select
from werkzeug.datastructures import FileStorage
from werkzeug.test import encode_multipart

from advice_hub.config import PROJECT_ROOT
from advice_hub.models import Agency, Attachment, SealedAdvice
from notifications.mailbox import links_in, list_messages, read_message
from tests.conftest import base_config
from tests.factories import fresh, make_assessment
from tests.html import parse_page, text_of
from tests.journey import complete_every_section, csrf_of, open_link, sign_and_send, sign_in

PDF = b"%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def docx_bytes() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", "<w:document/>")
    return buffer.getvalue()


@pytest.fixture
def app_config(tmp_path: Path, sqlite_url: str) -> dict[str, Any]:
    return base_config(tmp_path, sqlite_url) | {
        "ATTACHMENT_DIR": tmp_path / "files",
        "ATTACHMENT_MAX_MB": 0.25,
    }


@pytest.fixture
def form_url(client: FlaskClient, session: Any, svc: Any, jobs: Any) -> str:
    make_assessment(session, agreed=True, agencies=(Agency.HEALTH,))
    session.commit()
    jobs.run()
    folder = Path(svc.settings.mail_outbox_dir)
    (message,) = list_messages(folder)
    return open_link(client, links_in(read_message(folder, message.name))[0]).headers["Location"]


def upload(client: FlaskClient, form_url: str, name: str, data: bytes) -> Any:
    page = client.get(f"{form_url}/attachments")
    # Encoded up front: the test client's own encoder spools a large body to a temporary
    # file that it never closes when the app refuses the request early.
    boundary, body = encode_multipart(
        {"csrf_token": csrf_of(page.data), "file": FileStorage(io.BytesIO(data), name)}
    )
    return client.post(
        f"{form_url}/attachments",
        data=body,
        content_type=f"multipart/form-data; boundary={boundary}",
    )


@pytest.mark.parametrize(
    ("name", "data", "kind"),
    [
        ("report.pdf", PDF, "application/pdf"),
        ("scan.png", PNG, "image/png"),
        (
            "notes.docx",
            docx_bytes(),
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        ),
        ("photo-called-a.pdf", PNG, "image/png"),  # the content decides, not the name
    ],
)
def test_pdf_word_and_image_files_are_accepted_by_their_content(
    client: FlaskClient, form_url: str, session: Any, svc: Any, name: str, data: bytes, kind: str
) -> None:
    assert upload(client, form_url, name, data).status_code == 303
    attachment = fresh(session).scalar(select(Attachment))
    assert attachment.content_type == kind
    assert attachment.sha256 == hashlib.sha256(data).hexdigest()
    stored = (
        Path(svc.settings.attachment_dir) / str(attachment.advice_request_id) / str(attachment.id)
    )
    assert stored.read_bytes() == data
    assert PROJECT_ROOT / "advice_hub" / "static" not in stored.parents
    page = parse_page(client.get(f"{form_url}/attachments").data)
    assert name in text_of(page)
    assert "1 file attached" in text_of(parse_page(client.get(form_url).data))


@pytest.mark.parametrize(
    ("name", "data"),
    [
        ("setup.pdf", b"MZ\x90\x00 this is a program, not a PDF"),
        ("archive.docx", b"PK\x03\x04" + b"\x00" * 40),  # a broken zip
        ("page.html", b"<html><script>alert(1)</script></html>"),
    ],
)
def test_a_disguised_or_unsupported_file_is_refused_with_a_clear_message(
    client: FlaskClient, form_url: str, session: Any, name: str, data: bytes
) -> None:
    response = upload(client, form_url, name, data)
    assert response.status_code == 400
    soup = parse_page(response.data)
    assert "must be a PDF, a Word document (DOCX), or a PNG or JPEG image" in text_of(soup)
    assert soup.select_one(".govuk-error-summary a")["href"] == "#file"
    assert fresh(session).scalar(select(Attachment)) is None


def test_a_zip_that_is_not_a_word_document_is_refused(client: FlaskClient, form_url: str) -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("payload.exe", "MZ")
    assert upload(client, form_url, "letter.docx", buffer.getvalue()).status_code == 400


def test_a_file_over_the_limit_is_refused_and_the_draft_is_untouched(
    client: FlaskClient, form_url: str, session: Any
) -> None:
    complete_every_section(client, form_url)
    before = fresh(session).scalars(select(Attachment)).all()
    just_over = upload(client, form_url, "big.pdf", PDF + b"0" * 300_000)
    assert just_over.status_code == 400
    assert "must be smaller than 256 KB" in text_of(parse_page(just_over.data))
    far_over = upload(client, form_url, "huge.pdf", PDF + b"0" * 2_000_000)
    assert far_over.status_code == 413
    assert "The selected file must be smaller than" in text_of(parse_page(far_over.data))
    assert fresh(session).scalars(select(Attachment)).all() == before
    assert "Check your answers" in text_of(parse_page(client.get(f"{form_url}/check").data))


def test_a_hostile_file_name_is_cleaned_and_shown_as_text(
    client: FlaskClient, form_url: str, session: Any
) -> None:
    assert (
        upload(client, form_url, "..\\..\\<img src=x onerror=alert(1)>\x07.pdf", PDF).status_code
        == 303
    )
    attachment = fresh(session).scalar(select(Attachment))
    assert attachment.filename == "<img src=x onerror=alert(1)>.pdf"
    html = client.get(f"{form_url}/attachments").data.decode()
    assert "<img src=x" not in html and "&lt;img src=x onerror=alert(1)&gt;.pdf" in html


def test_attached_files_are_sealed_by_hash_and_the_case_officer_gets_the_exact_bytes(
    client: FlaskClient, form_url: str, session: Any, svc: Any, signed_in_officer: FlaskClient
) -> None:
    upload(client, form_url, "report.pdf", PDF)
    upload(client, form_url, "removed.png", PNG)
    removed = fresh(session).scalar(select(Attachment).where(Attachment.filename == "removed.png"))
    page = client.get(f"{form_url}/attachments")
    client.post(
        f"{form_url}/attachments",
        data={"csrf_token": csrf_of(page.data), "remove": str(removed.id)},
    )
    complete_every_section(client, form_url)
    assert (
        sign_and_send(
            client, form_url, registration_body="GMC", registration_number="7654321"
        ).status_code
        == 303
    )
    sealed = fresh(session).scalar(select(SealedAdvice))
    files = json.loads(sealed.canonical)["attachments"]
    assert [(f["filename"], f["sha256"]) for f in files] == [
        ("report.pdf", hashlib.sha256(PDF).hexdigest())
    ]
    request_id = sealed.advice_request_id
    assessment_id = sealed.advice_request.assessment_id
    url = f"/assessments/{assessment_id}/advice/{request_id}/files/{files[0]['id']}"
    response = signed_in_officer.get(url)
    assert response.status_code == 200
    assert response.data == PDF
    assert "attachment" in response.headers["Content-Disposition"]
    # A file changed on disk behind the app's back is never handed out as sealed.
    stored = Path(svc.settings.attachment_dir) / str(request_id) / files[0]["id"]
    stored.write_bytes(PDF.replace(b"Catalog", b"Catalo9"))
    assert signed_in_officer.get(url).status_code == 410
    # The removed file was never sealed, so it cannot be fetched as sealed advice.
    removed_url = f"/assessments/{assessment_id}/advice/{request_id}/files/{removed.id}"
    assert signed_in_officer.get(removed_url).status_code == 404


@pytest.fixture
def signed_in_officer(app: Any, officer: Any) -> FlaskClient:
    """The case officer in a browser of their own, apart from the contributor's client."""
    return sign_in(app.test_client(), officer.id)
