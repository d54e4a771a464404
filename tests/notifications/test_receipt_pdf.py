"""With RECEIPT_PDF on, the contributor's receipt carries a PDF of their own advice as sealed,
naming the child only as emails do; with it off (the default), the receipt has no attachment."""

from __future__ import annotations

import email
import email.policy
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from advice_hub.models import AdviceRequest, Agency, utcnow
from advice_hub.requests.seal import seal_submission
from notifications.mailbox import list_messages
from tests.conftest import base_config, service_missing
from tests.factories import first_text_key, fresh, make_assessment

ANSWER = "Seen in clinic three times.\nNeeds 30 minutes of speech therapy weekly <b>1:1</b>."


@pytest.fixture
def app_config(tmp_path: Path, sqlite_url: str, request: pytest.FixtureRequest) -> dict[str, Any]:
    config = base_config(tmp_path, sqlite_url)
    config["RECEIPT_PDF"] = getattr(request, "param", True)
    return config


def receipt_of(svc: Any, session: Any, jobs: Any) -> tuple[email.message.EmailMessage, str]:
    make_assessment(session, agreed=True, agencies=(Agency.HEALTH,))
    session.commit()
    jobs.run()
    advice_request = fresh(session).scalars(select(AdviceRequest)).one()
    sealed = seal_submission(
        session,
        advice_request,
        answers={first_text_key(advice_request): ANSWER},
        declaration={"name": "Dr Chris Jones", "role": "Paediatrician"},
        now=utcnow(),
        actor="contributor",
    )
    fingerprint = sealed.content_sha256
    session.commit()
    jobs.run()
    folder = Path(svc.settings.mail_outbox_dir)
    [receipt] = [m for m in list_messages(folder) if "received" in m.subject.lower()]
    raw = (folder / receipt.name).read_bytes()
    return email.message_from_bytes(raw, policy=email.policy.default), fingerprint  # type: ignore[return-value]


def test_the_receipt_carries_the_sealed_advice_as_a_pdf(
    svc: Any, session: Any, jobs: Any, tmp_path: Path
) -> None:
    if shutil.which("pdftotext") is None:
        service_missing("pdftotext (poppler-utils) is needed to read the PDF")
    message, fingerprint = receipt_of(svc, session, jobs)
    [pdf] = [
        part for part in message.iter_attachments() if part.get_content_type() == "application/pdf"
    ]
    assert pdf.get_filename().startswith("sealed-advice-AH-")
    path = tmp_path / "receipt.pdf"
    path.write_bytes(pdf.get_content())
    text = subprocess.run(
        ["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True
    ).stdout
    assert "Your advice, as sealed" in text
    assert "Seen in clinic three times." in text
    assert "<b>1:1</b>" in text  # hostile markup printed as text
    assert fingerprint[:8] in text
    # The child as emails name them: given names and an initial, never the family name.
    assert "Sam T." in text and "Taylor-Brown" not in text


@pytest.mark.parametrize("app_config", [False], indirect=True)
def test_by_default_the_receipt_has_no_attachment(svc: Any, session: Any, jobs: Any) -> None:
    message, _ = receipt_of(svc, session, jobs)
    assert list(message.iter_attachments()) == []
