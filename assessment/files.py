"""Evidence files: type sniffed from the content, size limited, stored outside the web root.

Like complaint photos (complaints/services/casework/photos.py) the file is kept under a
random name in UPLOAD_DIR; the name the user gave is only displayed. The type
is decided by the bytes, never by the name or the browser's content type.
"""

from __future__ import annotations

import hashlib
import io
import zipfile
from dataclasses import dataclass
from pathlib import Path

from complaints.domain.errors import FieldError, invalid
from complaints.services.analytics.api import display_name, store_file

# (content type, extension) by what the content is.
PDF = ("application/pdf", "pdf")
PNG = ("image/png", "png")
JPEG = ("image/jpeg", "jpg")
DOCX = ("application/vnd.openxmlformats-officedocument.wordprocessingml.document", "docx")
XLSX = ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "xlsx")
EVIDENCE_DIR = "assessment"


@dataclass
class EvidenceFile:
    original_name: str
    content_type: str
    extension: str
    data: bytes

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.data).hexdigest()


def _reject(th: str, en: str):
    return invalid([FieldError("file", th, en)])


def _office_type(raw: bytes) -> tuple[str, str] | None:
    try:
        with zipfile.ZipFile(io.BytesIO(raw)) as archive:
            names = set(archive.namelist())
    except (zipfile.BadZipFile, ValueError, OSError):
        return None
    if "[Content_Types].xml" not in names:
        return None
    if "word/document.xml" in names:
        return DOCX
    if "xl/workbook.xml" in names:
        return XLSX
    return None


def sniff(raw: bytes) -> tuple[str, str] | None:
    """The content type and extension of an accepted evidence file, or None."""
    if raw.startswith(b"%PDF-"):
        return PDF
    if raw.startswith(b"\x89PNG\r\n\x1a\n"):
        return PNG
    if raw.startswith(b"\xff\xd8\xff"):
        return JPEG
    if raw.startswith(b"PK\x03\x04"):
        return _office_type(raw)
    return None


def prepare(filename: str | None, raw: bytes, max_bytes: int) -> EvidenceFile:
    """Check an upload; a bilingual 422 names what is wrong."""
    if not raw:
        raise _reject("ไฟล์ว่างเปล่า", "The file is empty.")
    if len(raw) > max_bytes:
        mb = max_bytes / (1024 * 1024)
        raise _reject(f"ไฟล์หลักฐานต้องมีขนาดไม่เกิน {mb:g} MB", f"An evidence file may be at most {mb:g} MB.")
    kind = sniff(raw)
    if kind is None:
        raise _reject(
            "รองรับเฉพาะไฟล์ PDF, PNG, JPEG, DOCX หรือ XLSX", "Only PDF, PNG, JPEG, DOCX or XLSX files are accepted."
        )
    content_type, extension = kind
    name = display_name(filename, extension)
    return EvidenceFile(name, content_type, extension, raw)


def store(upload_dir: str, evidence: EvidenceFile, fiscal_year: int) -> str:
    """Write the file under a random name; returns the storage key (relative to UPLOAD_DIR)."""
    return store_file(upload_dir, f"{EVIDENCE_DIR}/{fiscal_year}", evidence.data, evidence.extension)


def path_of(upload_dir: str, key: str) -> Path:
    """The file of a storage key, which must stay inside the evidence folder."""
    base = (Path(upload_dir) / EVIDENCE_DIR).resolve()
    path = (Path(upload_dir) / key).resolve()
    if base not in path.parents:
        raise ValueError("storage key outside the evidence folder")
    return path


def remove(upload_dir: str, key: str) -> None:
    path_of(upload_dir, key).unlink(missing_ok=True)
