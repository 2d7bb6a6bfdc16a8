"""Streaming multipart parsing with hard size limits.

Starlette's form parser spools every file to disk whatever its size before an endpoint sees it.
Here the request body is parsed as it arrives and the upload is refused the moment it passes the
limit, so no more than the limit is ever held in memory or on disk.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import tempfile
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

from fastapi import Request
from fastapi.exceptions import RequestValidationError
from python_multipart.exceptions import MultipartParseError
from python_multipart.multipart import MultipartParser, parse_options_header

from app.core.errors import file_too_large, invalid_input
from app.schemas.text import forbidden_character
from app.services.uploads import ReceivedFile

# Room for the multipart framing and the small text fields around the file itself.
MULTIPART_OVERHEAD_BYTES = 64 * 1024
MAX_TEXT_FIELD_BYTES = 16 * 1024


@dataclass(slots=True)
class UploadForm:
    files: dict[str, ReceivedFile] = field(default_factory=dict)
    fields: dict[str, str] = field(default_factory=dict)

    def require_file(self, name: str) -> ReceivedFile:
        received = self.files.get(name)
        if received is None:
            raise _missing(name)
        return received

    def require_field(self, name: str) -> str:
        value = self.fields.get(name)
        if value is None:
            raise _missing(name)
        return value


def _missing(name: str) -> RequestValidationError:
    return RequestValidationError([{"loc": ("body", name), "msg": "Field required", "type": "missing"}])


class _PartCollector:
    """Receives the parser's callbacks; the actual disk writes happen outside them, off the loop."""

    def __init__(self, file_fields: frozenset[str], max_file_bytes: int, workdir: Path) -> None:
        self._file_fields = file_fields
        self._max_file_bytes = max_file_bytes
        self._workdir = workdir
        self.form = UploadForm()
        self.pending_writes: list[tuple[IO[bytes], bytes]] = []
        self._header_field = b""
        self._headers: dict[bytes, bytes] = {}
        self._name = ""
        self._filename: str | None = None
        self._sink: IO[bytes] | None = None
        self._discard = False
        self._size = 0
        self._text = bytearray()
        self.limit_exceeded = False
        self.sinks: list[IO[bytes]] = []

    def callbacks(self) -> dict[str, object]:
        return {
            "on_part_begin": self._on_part_begin,
            "on_header_field": self._on_header_field,
            "on_header_value": self._on_header_value,
            "on_headers_finished": self._on_headers_finished,
            "on_part_data": self._on_part_data,
            "on_part_end": self._on_part_end,
        }

    def _on_part_begin(self) -> None:
        self._headers = {}
        self._name = ""
        self._filename = None
        self._sink = None
        self._discard = False
        self._size = 0
        self._text = bytearray()

    def _on_header_field(self, data: bytes, start: int, end: int) -> None:
        self._header_field = data[start:end].lower()

    def _on_header_value(self, data: bytes, start: int, end: int) -> None:
        self._headers[self._header_field] = self._headers.get(self._header_field, b"") + data[start:end]

    def _on_headers_finished(self) -> None:
        _, options = parse_options_header(self._headers.get(b"content-disposition"))
        self._name = options.get(b"name", b"").decode("utf-8", "replace")
        raw_filename = options.get(b"filename")
        # Files we did not ask for are skipped; the overall body limit still bounds them.
        self._discard = raw_filename is not None and self._name not in self._file_fields
        if raw_filename is not None and self._name in self._file_fields:
            self._filename = os.path.basename(raw_filename.decode("utf-8", "replace").replace("\\", "/"))
            _refuse_forbidden(self._filename, f"The file name of '{self._name}'")
            # Named by us: nothing of the user's filename touches the file system.
            self._sink = tempfile.NamedTemporaryFile(dir=self._workdir, delete=False)  # noqa: SIM115
            self.sinks.append(self._sink)

    def _on_part_data(self, data: bytes, start: int, end: int) -> None:
        if self._discard:
            return
        chunk = data[start:end]
        self._size += len(chunk)
        if self._sink is not None:
            if self._size > self._max_file_bytes:
                self.limit_exceeded = True
                return
            self.pending_writes.append((self._sink, chunk))
        elif self._size > MAX_TEXT_FIELD_BYTES:
            raise invalid_input(f"The form field '{self._name}' is too long")
        else:
            self._text.extend(chunk)

    def _on_part_end(self) -> None:
        if self._sink is not None:
            self.pending_writes.append((self._sink, b""))  # marks the end: close after the last write
            self.form.files[self._name] = ReceivedFile(
                path=Path(self._sink.name),
                filename=self._filename or "",
                content_type=self._headers.get(b"content-type", b"application/octet-stream").decode(
                    "latin-1"
                ),
                size=self._size,
            )
        elif self._name and not self._discard:
            try:
                value = self._text.decode("utf-8")
            except UnicodeDecodeError as exc:
                raise invalid_input(f"The form field '{self._name}' is not valid UTF-8") from exc
            _refuse_forbidden(value, f"The form field '{self._name}'")
            self.form.fields[self._name] = value


def _refuse_forbidden(value: str, what: str) -> None:
    character = forbidden_character(value)
    if character is not None:
        raise invalid_input(f"{what} holds the control character {character}, which text may not contain")


def _flush(writes: list[tuple[IO[bytes], bytes]]) -> None:
    for sink, chunk in writes:
        if chunk:
            sink.write(chunk)
        else:
            sink.close()


@contextlib.asynccontextmanager
async def receive_upload(
    request: Request, *, file_fields: frozenset[str], max_file_bytes: int
) -> AsyncIterator[UploadForm]:
    """Parse a multipart request; temporary files are removed when the block exits, whatever happens."""
    content_type, options = parse_options_header(request.headers.get("content-type"))
    boundary = options.get(b"boundary")
    if content_type != b"multipart/form-data" or not boundary:
        raise RequestValidationError(
            [{"loc": ("body",), "msg": "Expected a multipart/form-data body", "type": "value_error"}]
        )
    max_body_bytes = max_file_bytes + MULTIPART_OVERHEAD_BYTES
    declared_length = request.headers.get("content-length")
    if declared_length is not None and declared_length.isdigit() and int(declared_length) > max_body_bytes:
        raise file_too_large()

    with tempfile.TemporaryDirectory(prefix="ascend-upload-") as workdir:
        collector = _PartCollector(file_fields, max_file_bytes, Path(workdir))
        parser = MultipartParser(boundary, collector.callbacks())  # type: ignore[arg-type]
        received = 0
        try:
            async for chunk in request.stream():
                received += len(chunk)
                if received > max_body_bytes:
                    raise file_too_large()
                parser.write(chunk)
                if collector.limit_exceeded:
                    raise file_too_large()
                writes, collector.pending_writes = collector.pending_writes, []
                if writes:
                    await asyncio.to_thread(_flush, writes)
            parser.finalize()
        except MultipartParseError as exc:
            raise invalid_input("The upload is not a well-formed multipart/form-data body") from exc
        finally:
            # A refused upload leaves files open; close them so the directory can be removed.
            for sink in collector.sinks:
                sink.close()
        yield collector.form
