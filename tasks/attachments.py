"""What a file really is, from its bytes (never from its name or the browser's
content type). The portal accepts PDF, DOCX, XLSX, ODT, JPG and PNG."""

import zipfile
from dataclasses import dataclass
from pathlib import PurePosixPath


@dataclass(frozen=True)
class FileType:
    key: str
    content_type: str
    extensions: tuple[str, ...]


PDF = FileType("pdf", "application/pdf", (".pdf",))
PNG = FileType("png", "image/png", (".png",))
JPG = FileType("jpg", "image/jpeg", (".jpg", ".jpeg"))
DOCX = FileType("docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document", (".docx",))
XLSX = FileType("xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", (".xlsx",))
ODT = FileType("odt", "application/vnd.oasis.opendocument.text", (".odt",))
ALLOWED_TYPES = (PDF, DOCX, XLSX, ODT, JPG, PNG)
ALLOWED_EXTENSIONS = tuple(ext for kind in ALLOWED_TYPES for ext in kind.extensions)


def _sniff_zip(fileobj) -> FileType | None:
    try:
        with zipfile.ZipFile(fileobj) as archive:
            names = set(archive.namelist())
            if "[Content_Types].xml" in names and "word/document.xml" in names:
                return DOCX
            if "[Content_Types].xml" in names and "xl/workbook.xml" in names:
                return XLSX
            odt_marker = ODT.content_type.encode()
            if {"mimetype", "content.xml"} <= names and archive.read("mimetype").strip() == odt_marker:
                return ODT
    except (zipfile.BadZipFile, OSError, KeyError, ValueError):
        return None
    return None


def sniff_file_type(fileobj) -> FileType | None:
    """The type of an open binary file from its content, or None if not allowed.
    Leaves the file positioned at its start."""
    fileobj.seek(0)
    head = fileobj.read(8)
    fileobj.seek(0)
    kind = None
    if head.startswith(b"%PDF-"):
        kind = PDF
    elif head.startswith(b"\x89PNG\r\n\x1a\n"):
        kind = PNG
    elif head.startswith(b"\xff\xd8\xff"):
        kind = JPG
    elif head.startswith(b"PK\x03\x04"):
        kind = _sniff_zip(fileobj)
    fileobj.seek(0)
    return kind


def extension_of(name: str) -> str:
    return PurePosixPath(name.replace("\\", "/")).suffix.lower()
