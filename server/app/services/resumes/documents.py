"""Resume files: check that the content is what the extension claims, and extract the text.

A resume is a file from a stranger. Nothing here trusts it: a DOCX's archive is measured from its
directory before a byte is inflated, a PDF's pages are counted before any is read, and the whole
extraction runs in a child process (`read_in_child`) with its own memory and CPU limits, so a file
built to exhaust either costs that child, never the API.
"""

from __future__ import annotations

import asyncio
import io
import json
import logging
import os
import resource
import sys
import warnings
import weakref
import zipfile
from dataclasses import dataclass
from pathlib import Path

import docx
from pypdf import PdfReader
from pypdf.errors import PdfReadError

from app.schemas.text import FORBIDDEN_CHARACTERS

PDF_MAGIC = b"%PDF-"
# A DOCX is a ZIP (OOXML) package whose main part is word/document.xml.
DOCX_MAIN_PART = "word/document.xml"
MIN_TEXT_CHARACTERS = 20
# Far beyond any resume (a long one is a few pages, a few dozen archive members, under 1 MB of XML).
MAX_PDF_PAGES = 50
MAX_ARCHIVE_MEMBERS = 1000
MAX_ARCHIVE_UNCOMPRESSED_BYTES = 50 * 1024 * 1024
# Word's XML compresses about 10:1; a bomb's 1000:1. Small members are exempt: their size is harmless.
MAX_COMPRESSION_RATIO = 100
RATIO_CHECKED_ABOVE_BYTES = 1024 * 1024
MAX_TEXT_CHARACTERS = 200_000

logger = logging.getLogger(__name__)

UNREADABLE_PDF = "The PDF could not be read; it may be damaged"
UNREADABLE_DOCX = "The Word document could not be read; it may be damaged"


class DocumentError(Exception):
    """The file is not a readable resume; the message is meant for the user."""


@dataclass(frozen=True, slots=True)
class ReaderLimits:
    """What one extraction may spend: address space for the child, CPU seconds, and seconds overall."""

    memory_bytes: int
    cpu_seconds: int
    wall_seconds: float


def extract_resume_text(path: Path, extension: str) -> str:
    """Blocking, and trusting the process it runs in to be expendable: call it through `read_in_child`."""
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
    if len(text) > MAX_TEXT_CHARACTERS:
        raise DocumentError(
            f"The document holds over {MAX_TEXT_CHARACTERS:,} characters of text, far more than a resume"
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
        if len(reader.pages) > MAX_PDF_PAGES:
            raise DocumentError(
                f"The PDF has {len(reader.pages)} pages; a resume may have at most {MAX_PDF_PAGES}"
            )
        texts: list[str] = []
        length = 0
        for page in reader.pages:
            texts.append(page.extract_text() or "")
            length += len(texts[-1])
            if length > MAX_TEXT_CHARACTERS:
                break
        return "\n".join(texts)
    except (PdfReadError, ValueError, KeyError, TypeError, AttributeError, RecursionError, OSError) as exc:
        raise DocumentError(UNREADABLE_PDF) from exc


def check_archive(package: zipfile.ZipFile) -> None:
    """Refuse an archive whose directory promises more than a resume could hold. The directory's sizes
    bind: zipfile stops inflating a member at its declared size (and fails its checksum there)."""
    members = package.infolist()
    if len(members) > MAX_ARCHIVE_MEMBERS:
        raise DocumentError(f"The Word document holds {len(members)} parts; a resume has far fewer")
    total = sum(member.file_size for member in members)
    if total > MAX_ARCHIVE_UNCOMPRESSED_BYTES:
        raise DocumentError(
            f"The Word document unpacks to {total // (1024 * 1024)} MB; "
            f"a resume may unpack to at most {MAX_ARCHIVE_UNCOMPRESSED_BYTES // (1024 * 1024)} MB"
        )
    for member in members:
        if member.file_size > RATIO_CHECKED_ABOVE_BYTES and member.file_size > MAX_COMPRESSION_RATIO * max(
            1, member.compress_size
        ):
            raise DocumentError(
                "The Word document is compressed beyond what any document needs (a ZIP bomb?)"
            )


def _docx_text(path: Path) -> str:
    if not zipfile.is_zipfile(path):
        raise DocumentError("The file has a .docx extension but is not a Word document")
    try:
        with zipfile.ZipFile(path) as package:
            if DOCX_MAIN_PART not in package.namelist():
                raise DocumentError("The file has a .docx extension but is not a Word document")
            check_archive(package)
        document = docx.Document(io.BytesIO(path.read_bytes()))
    except (ValueError, KeyError, zipfile.BadZipFile, zipfile.LargeZipFile, OSError) as exc:
        raise DocumentError(UNREADABLE_DOCX) from exc
    lines = [paragraph.text for paragraph in document.paragraphs]
    for table in document.tables:
        for row in table.rows:
            lines.append(" | ".join(cell.text for cell in row.cells))
    return "\n".join(lines)


def _normalise(text: str) -> str:
    # Postgres TEXT cannot hold NUL, which some PDF producers emit, nor the lone surrogates a crafted
    # font map decodes to; no other control character belongs in a resume either.
    text = FORBIDDEN_CHARACTERS.sub("", text)
    lines = (" ".join(line.split()) for line in text.splitlines())
    return "\n".join(line for line in lines if line).strip()


# The child: `python -m app.services.resumes.documents <path> <extension> <memory bytes> <cpu seconds>`.
APP_ROOT = Path(__file__).resolve().parents[3]
TOO_COMPLEX = "The document is too complex to read as a resume (it needs more memory or time than any resume)"


def _module_command(module: str) -> list[str]:
    # The desktop bundle has no interpreter: its executable runs a module after --run-module, as
    # `python -m` would (installer/ascend_entry.py; the server cannot import the launcher's helper).
    if getattr(sys, "frozen", False):
        return [sys.executable, "--run-module", module]
    return [sys.executable, "-m", module]


# What the reader needs of the API's environment; the rest (database URL, signing key, storage and
# OAuth secrets) stays out of reach of a process that parses a stranger's file.
CHILD_ENVIRONMENT = ("PATH", "HOME", "LANG", "LC_ALL", "LC_CTYPE", "TMPDIR", "PYTHONPATH", "SYSTEMROOT")


def child_environment() -> dict[str, str]:
    return {name: os.environ[name] for name in CHILD_ENVIRONMENT if name in os.environ}


class ReaderUnavailableError(Exception):
    """No reader process could be started (the machine is out of processes or memory): try later."""


# At most this many readers per API process at once; more uploads wait their turn.
CONCURRENT_READERS = 2
_gates: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, asyncio.Semaphore] = weakref.WeakKeyDictionary()


def _gate() -> asyncio.Semaphore:
    loop = asyncio.get_running_loop()
    gate = _gates.get(loop)
    if gate is None:
        gate = _gates[loop] = asyncio.Semaphore(CONCURRENT_READERS)
    return gate


async def read_in_child(path: Path, extension: str, limits: ReaderLimits) -> str:
    """The text of the resume at `path`, read by a child process under `limits`; a file that breaks
    the limits or the reader is a DocumentError, like any unreadable file."""
    async with _gate():
        return await _read(path, extension, limits)


async def _read(path: Path, extension: str, limits: ReaderLimits) -> str:
    try:
        process = await asyncio.create_subprocess_exec(
            *_module_command("app.services.resumes.documents"),
            str(path),
            extension,
            str(limits.memory_bytes),
            str(limits.cpu_seconds),
            stdin=asyncio.subprocess.DEVNULL,
            stdout=asyncio.subprocess.PIPE,
            # Nothing of a stranger's file is read back but the answer: warnings could run to megabytes.
            stderr=asyncio.subprocess.DEVNULL,
            cwd=APP_ROOT,
            env=child_environment(),
        )
    except OSError as exc:
        raise ReaderUnavailableError(f"the resume reader could not start: {exc}") from exc
    try:
        stdout, _ = await asyncio.wait_for(process.communicate(), limits.wall_seconds)
    except TimeoutError:
        raise DocumentError(TOO_COMPLEX) from None
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()
    try:
        answer = json.loads(stdout)
    except ValueError:
        # Killed by a limit (SIGXCPU, SIGKILL) or out of memory before it could answer.
        logger.warning("the resume reader stopped with code %s", process.returncode)
        raise DocumentError(TOO_COMPLEX) from None
    if "error" in answer:
        raise DocumentError(str(answer["error"]))
    return str(answer["text"])


def _child(argv: list[str]) -> int:
    path, extension, memory_bytes, cpu_seconds = argv
    resource.setrlimit(resource.RLIMIT_AS, (int(memory_bytes), int(memory_bytes)))
    resource.setrlimit(resource.RLIMIT_CPU, (int(cpu_seconds), int(cpu_seconds)))
    # No core file when the CPU limit ends it, and the API's own work first.
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    os.nice(10)
    logging.disable(logging.CRITICAL)
    warnings.simplefilter("ignore")
    try:
        answer = {"text": extract_resume_text(Path(path), extension)}
    except DocumentError as exc:
        answer = {"error": str(exc)}
    except MemoryError:
        answer = {"error": TOO_COMPLEX}
    except Exception:  # noqa: BLE001  (a hostile file may break the readers anywhere; the child only reports it)
        answer = {"error": UNREADABLE_PDF if extension == ".pdf" else UNREADABLE_DOCX}
    sys.stdout.write(json.dumps(answer))
    return 0


if __name__ == "__main__":
    sys.exit(_child(sys.argv[1:]))
