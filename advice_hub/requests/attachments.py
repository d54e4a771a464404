"""Files attached to advice: PDF, Word (DOCX) and images, checked by content, not by name.

Files live outside the web root, one per attachment, named by id; their SHA-256 is recorded
on upload, sealed with the advice, and checked again whenever a file is read back.
"""

from __future__ import annotations

import hashlib
import io
import os
import re
import tempfile
import unicodedata
import uuid
import zipfile
from datetime import datetime
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from advice_hub.models import CLOSED_STATUSES, AdviceRequest, Attachment
from advice_hub.sealing.audit import record_event

MAX_ATTACHMENTS = 20
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
KINDS = {
    "application/pdf": "PDF",
    DOCX: "Word document",
    "image/png": "PNG image",
    "image/jpeg": "JPEG image",
}


def readable_size(size: int) -> str:
    """A size as people write it: "10 MB", "250 KB"."""
    if size >= 2**20:
        megabytes = size / 2**20
        return f"{megabytes:.0f} MB" if megabytes == int(megabytes) else f"{megabytes:.1f} MB"
    return f"{max(1, round(size / 1024))} KB"


class AttachmentError(ValueError):
    """An upload that cannot be kept; the message says why, for the person who sent it."""


def sniff_content_type(data: bytes) -> str | None:
    """The type the bytes really are (of those accepted), whatever the file is called."""
    if data.startswith(b"%PDF-"):
        return "application/pdf"
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if data.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if data.startswith(b"PK\x03\x04"):
        # A DOCX is a zip with a Word document part; any other zip is refused.
        try:
            with zipfile.ZipFile(io.BytesIO(data)) as archive:
                names = set(archive.namelist())
        except zipfile.BadZipFile:
            return None
        if "[Content_Types].xml" in names and "word/document.xml" in names:
            return DOCX
    return None


def clean_filename(name: str) -> str:
    """A file name safe to show and to offer for download: no folders or control characters."""
    base = re.split(r"[\\/]", name or "")[-1]
    base = unicodedata.normalize("NFC", base)
    base = "".join(ch for ch in base if unicodedata.category(ch)[0] != "C").strip(" .")
    return base[:200] or "attachment"


def attachment_path(folder: Path, attachment: Attachment) -> Path:
    return folder / str(attachment.advice_request_id) / str(attachment.id)


def live_attachments(session: Session, advice_request: AdviceRequest) -> list[Attachment]:
    return list(
        session.scalars(
            select(Attachment)
            .where(
                Attachment.advice_request_id == advice_request.id,
                Attachment.removed_at.is_(None),
            )
            .order_by(Attachment.uploaded_at, Attachment.id)
        )
    )


def add_attachment(
    session: Session,
    advice_request: AdviceRequest,
    *,
    filename: str,
    data: bytes,
    folder: Path,
    max_bytes: int,
    now: datetime,
    actor: str,
) -> Attachment:
    """Check and keep one uploaded file; the caller commits."""
    if advice_request.status in CLOSED_STATUSES:
        raise AttachmentError("This advice has been sent, so files can no longer be added")
    if not data:
        raise AttachmentError("The selected file is empty")
    if len(data) > max_bytes:
        raise AttachmentError(f"The selected file must be smaller than {readable_size(max_bytes)}")
    content_type = sniff_content_type(data)
    if content_type is None:
        raise AttachmentError(
            "The selected file must be a PDF, a Word document (DOCX), or a PNG or JPEG image"
        )
    if len(live_attachments(session, advice_request)) >= MAX_ATTACHMENTS:
        raise AttachmentError(f"You can attach up to {MAX_ATTACHMENTS} files")
    attachment = Attachment(
        id=uuid.uuid4(),
        advice_request_id=advice_request.id,
        filename=clean_filename(filename),
        content_type=content_type,
        size=len(data),
        sha256=hashlib.sha256(data).hexdigest(),
        uploaded_at=now,
    )
    _write_atomically(attachment_path(folder, attachment), data)
    session.add(attachment)
    record_event(
        session,
        actor=actor,
        action="attachment.added",
        now=now,
        advice_request=advice_request,
        attachment_id=str(attachment.id),
        sha256=attachment.sha256,
        size=attachment.size,
    )
    return attachment


def remove_attachment(
    session: Session, attachment: Attachment, *, now: datetime, actor: str
) -> None:
    """Take a file off the advice before it is sent (the stored bytes are kept)."""
    if attachment.advice_request.status in CLOSED_STATUSES:
        raise AttachmentError("This advice has been sent, so its files cannot be removed")
    attachment.removed_at = now
    record_event(
        session,
        actor=actor,
        action="attachment.removed",
        now=now,
        advice_request=attachment.advice_request,
        attachment_id=str(attachment.id),
    )


def read_verified(folder: Path, attachment: Attachment) -> bytes:
    """The stored bytes, refused if they no longer match the recorded SHA-256."""
    data = attachment_path(folder, attachment).read_bytes()
    if hashlib.sha256(data).hexdigest() != attachment.sha256:
        raise AttachmentError(f"attachment {attachment.id} does not match its fingerprint")
    return data


def _write_atomically(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=".upload-")
    try:
        with os.fdopen(handle, "wb") as file:
            file.write(data)
            file.flush()
            os.fsync(file.fileno())
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
