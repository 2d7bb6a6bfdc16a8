"""Reads one file field of a multipart upload while it streams in, within a byte limit.

Framework form parsing spools whole uploads to memory or disk before a handler runs; here the
body is parsed chunk by chunk and the wanted field is kept only up to the limit, so an
oversized upload costs at most `limit` bytes of memory and is never written anywhere.
"""

from __future__ import annotations

import io
from collections.abc import AsyncIterator

from python_multipart.exceptions import MultipartParseError
from python_multipart.multipart import MultipartParser, parse_options_header

# Room for the multipart framing and small extra fields around the file itself.
_FRAMING_ALLOWANCE = 64 * 1024


class UploadInvalidError(ValueError):
    """The body is not multipart/form-data holding the expected file field."""


class UploadTooLargeError(ValueError):
    """The file field is larger than the limit."""


class _FieldCollector:
    """Multipart parser callbacks that keep the data of one named part, up to a limit."""

    def __init__(self, field: bytes, limit: int) -> None:
        self.field = field
        self.limit = limit
        self.data = io.BytesIO()
        self.found = False
        self.overflow = False
        self._capturing = False
        self._header_name = bytearray()
        self._header_value = bytearray()
        self._disposition = b""

    def on_part_begin(self) -> None:
        self._disposition = b""

    def on_header_field(self, data: bytes, start: int, end: int) -> None:
        self._header_name += data[start:end]

    def on_header_value(self, data: bytes, start: int, end: int) -> None:
        self._header_value += data[start:end]

    def on_header_end(self) -> None:
        if bytes(self._header_name).strip().lower() == b"content-disposition":
            self._disposition = bytes(self._header_value)
        self._header_name.clear()
        self._header_value.clear()

    def on_headers_finished(self) -> None:
        disposition, params = parse_options_header(self._disposition)
        self._capturing = disposition == b"form-data" and params.get(b"name") == self.field
        if self._capturing:
            if self.found:
                raise UploadInvalidError(f"the field '{self.field.decode()}' appears more than once")
            self.found = True

    def on_part_data(self, data: bytes, start: int, end: int) -> None:
        if not self._capturing or self.overflow:
            return
        if self.data.tell() + (end - start) > self.limit:
            self.overflow = True
            # Whatever was kept is useless now; release it at once.
            self.data = io.BytesIO()
            return
        self.data.write(data[start:end])

    def on_part_end(self) -> None:
        self._capturing = False


async def read_file_field(
    content_type: str | None, chunks: AsyncIterator[bytes], field: str, limit: int
) -> io.BytesIO:
    """The content of the file field `field`, rewound; raises UploadTooLargeError past `limit` bytes.

    The content is returned as the buffer it was collected in, rather than copied into a
    bytes object, so an accepted upload is held in memory once.

    After an overflow the rest of the body is still read, and dropped, up to another
    `limit` bytes, so that an ordinary client finishes sending and reads the 413 instead
    of seeing its connection reset mid-upload.
    """
    mime, params = parse_options_header(content_type)
    boundary = params.get(b"boundary")
    if mime != b"multipart/form-data" or not boundary:
        raise UploadInvalidError(f"Send multipart/form-data with the audio file in the field '{field}'")
    collector = _FieldCollector(field.encode(), limit)
    parser = MultipartParser(
        boundary,
        callbacks={
            "on_part_begin": collector.on_part_begin,
            "on_header_field": collector.on_header_field,
            "on_header_value": collector.on_header_value,
            "on_header_end": collector.on_header_end,
            "on_headers_finished": collector.on_headers_finished,
            "on_part_data": collector.on_part_data,
            "on_part_end": collector.on_part_end,
        },
    )
    body_budget = limit + _FRAMING_ALLOWANCE
    received = 0
    try:
        async for chunk in chunks:
            received += len(chunk)
            if collector.overflow or received > body_budget:
                collector.overflow = True
                if received > 2 * body_budget:
                    break
                continue
            parser.write(chunk)
        if not collector.overflow:
            parser.finalize()
    except MultipartParseError as exc:
        raise UploadInvalidError(f"Malformed multipart body: {exc}") from exc
    if collector.overflow:
        raise UploadTooLargeError(f"the upload exceeds {limit} bytes")
    if not collector.found:
        raise UploadInvalidError(f"The request has no file field '{field}'")
    collector.data.seek(0)
    return collector.data
