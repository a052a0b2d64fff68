"""Photo attachments: type sniffed from the content, re-encoded, stored outside the web root.

Re-encoding with Pillow keeps only the pixels: it drops EXIF (a phone photo's
GPS position and device are personal data), JPEG comments, XMP and colour
profiles (Pillow writes a decoded image's `info` back out unless told otherwise:
a COM segment with the sender's name survived the old re-encoding), and whatever
else a polyglot file carried after the image.
"""

from __future__ import annotations

import hashlib
import io
import re
import secrets
import unicodedata
import warnings
from dataclasses import dataclass
from pathlib import Path

from PIL import Image, ImageOps, UnidentifiedImageError

from complaints.domain.errors import FieldError
from complaints.models import Attachment, Complaint

# Pillow's format name → (stored content type, file extension).
ALLOWED_FORMATS = {"JPEG": ("image/jpeg", "jpg"), "PNG": ("image/png", "png"), "WEBP": ("image/webp", "webp")}
MAX_PIXELS = 40_000_000  # about a 48-megapixel phone photo after rounding
MAX_SIDE = 12_000
# The file-name endings that a content type's extension may be written as.
EXTENSION_SPELLINGS = {"jpg": (".jpg", ".jpeg")}


class PhotoRejected(ValueError):
    def __init__(self, error: FieldError):
        super().__init__(error.en)
        self.error = error


@dataclass
class PreparedPhoto:
    original_name: str
    content_type: str
    extension: str
    data: bytes
    width: int
    height: int

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.data).hexdigest()


def display_name(filename: str | None, extension: str) -> str:
    """The citizen's file name, for officers to read: Thai kept, paths and controls gone,
    ending in `extension` (the type of the content).

    (werkzeug's secure_filename keeps ASCII only, which erases Thai names.) The
    name is only ever displayed; files are stored under a random name.
    """
    name = unicodedata.normalize("NFC", (filename or "").replace("\\", "/")).rsplit("/", 1)[-1]
    name = "".join(ch for ch in name if unicodedata.category(ch)[0] in "LMN" or ch in "._- ()")
    name = re.sub(r"\s+", " ", name).strip(" .")
    # The name ends in the type the content really is: a PDF/HTML polyglot sent as
    # "report.html" is downloaded as "report.html.pdf", never opened as a web page.
    suffix = "" if name.lower().endswith(EXTENSION_SPELLINGS.get(extension, (f".{extension}",))) else f".{extension}"
    return (name[: 200 - len(suffix)] + suffix) if name else f"photo.{extension}"


def _reject(field: str, th: str, en: str) -> PhotoRejected:
    return PhotoRejected(FieldError(field, th, en))


def prepare_photo(field: str, filename: str | None, raw: bytes, max_bytes: int) -> PreparedPhoto:
    """Check one upload and return its re-encoded form; raises PhotoRejected."""
    if len(raw) == 0:
        raise _reject(field, "ไฟล์ว่างเปล่า", "The file is empty.")
    if len(raw) > max_bytes:
        mb = max_bytes // (1024 * 1024)
        raise _reject(field, f"ไฟล์ภาพต้องมีขนาดไม่เกิน {mb} MB", f"A photo may be at most {mb} MB.")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(raw)) as probe:
                fmt = probe.format
                width, height = probe.size
                if fmt not in ALLOWED_FORMATS:
                    raise _reject(
                        field, "รองรับเฉพาะไฟล์ภาพ JPEG, PNG หรือ WebP", "Only JPEG, PNG or WebP photos are accepted."
                    )
                if width * height > MAX_PIXELS or max(width, height) > MAX_SIDE:
                    raise _reject(field, "ภาพมีขนาดพิกเซลใหญ่เกินไป", "The image dimensions are too large.")
                probe.verify()
            data, width, height = _pixels_only(raw, fmt)
    except PhotoRejected:
        raise
    except (
        UnidentifiedImageError,
        Image.DecompressionBombError,
        Image.DecompressionBombWarning,
        OSError,
        SyntaxError,
        ValueError,
    ):
        raise _reject(field, "ไฟล์นี้ไม่ใช่ภาพที่ถูกต้อง", "This file is not a valid image.") from None
    content_type, extension = ALLOWED_FORMATS[fmt]
    return PreparedPhoto(display_name(filename, extension), content_type, extension, data, width, height)


def _pixels_only(raw: bytes, fmt: str) -> tuple[bytes, int, int]:
    """The image re-encoded in `fmt` with its pixels and nothing else; (bytes, width, height)."""
    with Image.open(io.BytesIO(raw)) as opened:
        opened.load()
        image = ImageOps.exif_transpose(opened)
        if fmt == "JPEG" and image.mode not in ("RGB", "L"):
            image = image.convert("RGB")
        # Pillow's encoders fall back on `info` for comment, EXIF, XMP and ICC data.
        image.info = {}
        out = io.BytesIO()
        save_args = {"quality": 88} if fmt in ("JPEG", "WEBP") else {"optimize": True}
        image.save(out, format=fmt, **save_args)
        return out.getvalue(), image.size[0], image.size[1]


def scrub_stored(upload_dir: str, key: str) -> bytes | None:
    """Re-encode a stored photo in place without any metadata (erasure, retention: photos
    stored before metadata was dropped still carry it); the new bytes, or None when the
    file is missing or no longer a readable image (then it is deleted)."""
    path = Path(upload_dir) / key
    if not path.is_file():
        return None
    try:
        raw = path.read_bytes()
        with Image.open(io.BytesIO(raw)) as probe:
            fmt = probe.format
        if fmt not in ALLOWED_FORMATS:
            raise ValueError(fmt)
        data, _, _ = _pixels_only(raw, fmt)
    except (UnidentifiedImageError, Image.DecompressionBombError, OSError, SyntaxError, ValueError):
        path.unlink(missing_ok=True)
        return None
    path.write_bytes(data)
    return data


def store_file(upload_dir: str, folder: str, data: bytes, extension: str) -> str:
    """Write an accepted upload under a random name in `folder` of UPLOAD_DIR (outside the
    web root); returns the storage key (relative path)."""
    key = f"{folder}/{secrets.token_hex(16)}.{extension}"
    path = Path(upload_dir) / key
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return key


def store_photo(upload_dir: str, photo: PreparedPhoto, year: int) -> str:
    """Write the photo under a random name; returns the storage key (relative path)."""
    return store_file(upload_dir, str(year), photo.data, photo.extension)


def attachment_row(complaint: Complaint, photo: PreparedPhoto, key: str) -> Attachment:
    """The attachment row of a photo stored under `key` (store_photo), for `complaint`."""
    return Attachment(
        complaint=complaint,
        storage_key=key,
        original_name=photo.original_name,
        content_type=photo.content_type,
        size_bytes=len(photo.data),
        sha256=photo.sha256,
        width=photo.width,
        height=photo.height,
    )


def remove_stored(upload_dir: str, keys: list[str]) -> None:
    for key in keys:
        (Path(upload_dir) / key).unlink(missing_ok=True)
