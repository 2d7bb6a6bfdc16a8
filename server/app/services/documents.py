"""Resume files: check that the content is what the extension claims, and extract the text."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import docx
from pypdf import PdfReader
from pypdf.errors import PdfReadError

PDF_MAGIC = b"%PDF-"
# A DOCX is a ZIP (OOXML) package whose main part is word/document.xml.
DOCX_MAIN_PART = "word/document.xml"
MIN_TEXT_CHARACTERS = 20


class DocumentError(Exception):
    """The file is not a readable resume; the message is meant for the user."""


def extract_resume_text(path: Path, extension: str) -> str:
    """Blocking: call it from a worker thread."""
    if extension == ".pdf":
        text = _pdf_text(path)
    elif extension == ".docx":
        text = _docx_text(path)
    else:
        raise DocumentError(f"Unsupported resume type '{extension}'")
    text = _normalise(text)
    if len(text) < MIN_TEXT_CHARACTERS:
        raise DocumentError(
            "No text could be extracted from the resume (is it a scanned image?). "
            "Upload a PDF or DOCX that contains selectable text."
        )
    return text


def _pdf_text(path: Path) -> str:
    with path.open("rb") as handle:
        if handle.read(1024).find(PDF_MAGIC) == -1:
            raise DocumentError("The file has a .pdf extension but is not a PDF document")
    try:
        reader = PdfReader(path)
        if reader.is_encrypted:
            raise DocumentError("The PDF is password-protected; upload an unprotected copy")
        return "\n".join(page.extract_text() or "" for page in reader.pages)
    except (PdfReadError, ValueError, KeyError, TypeError, OSError) as exc:
        raise DocumentError("The PDF could not be read; it may be damaged") from exc


def _docx_text(path: Path) -> str:
    if not zipfile.is_zipfile(path):
        raise DocumentError("The file has a .docx extension but is not a Word document")
    with zipfile.ZipFile(path) as package:
        if DOCX_MAIN_PART not in package.namelist():
            raise DocumentError("The file has a .docx extension but is not a Word document")
    try:
        document = docx.Document(io.BytesIO(path.read_bytes()))
    except (ValueError, KeyError, zipfile.BadZipFile, OSError) as exc:
        raise DocumentError("The Word document could not be read; it may be damaged") from exc
    lines = [paragraph.text for paragraph in document.paragraphs]
    for table in document.tables:
        for row in table.rows:
            lines.append(" | ".join(cell.text for cell in row.cells))
    return "\n".join(lines)


def _normalise(text: str) -> str:
    # Postgres TEXT cannot hold NUL, which some PDF producers emit.
    text = text.replace("\x00", "")
    lines = (" ".join(line.split()) for line in text.splitlines())
    return "\n".join(line for line in lines if line).strip()
