"""Request bodies of `/ispws/` calls, read as streams and bounded.

`read_xml` collects an XML document up to its limit. `read_form` parses a multipart/form-data body with
python-multipart's streaming parser (or a small urlencoded one): text fields are kept (a few bytes each), and a
file part is hashed (MD5, SHA-1 and SHA-256) as its bytes arrive and then dropped: at most one read batch is held
in memory and nothing is written anywhere, not even a temporary file. Parsing and hashing run in a worker thread,
one batch at a time.

A body over its limit is refused as soon as its `Content-Length` (or, when streamed, its running total) says so,
with HTTP 413 and a protocol code; reading stops there.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import parse_qsl

from python_multipart.exceptions import MultipartParseError
from python_multipart.multipart import MultipartParser, parse_options_header
from starlette.concurrency import run_in_threadpool
from starlette.requests import ClientDisconnect, Request

from app.ispws.errors import Code, ProtocolError
from app.ispws.xml import xml_text

SELF_BOUNDED = 2**63 - 1
"""The service-wide body limit for `/ispws/` paths (app/main.py): none, because these calls bound their bodies
here and answer a refusal with a protocol document rather than the service-wide problem document."""
FORM_ALLOWANCE = 64 * 1024
"""What a form may carry besides its file: boundaries, part headers, the `id` field."""
MAX_FIELD_BYTES = 1024
MAX_PARTS = 8
MAX_FILE_NAME = 1024
BATCH_BYTES = 1 << 20


@dataclass(frozen=True, slots=True)
class ReceivedFile:
    """What is kept of a file part: its field, its name as sent, its size and hashes."""

    field: str
    name: str | None
    size: int
    md5: str
    sha1: str
    sha256: str


@dataclass(slots=True)
class Form:
    fields: dict[str, str] = field(default_factory=dict)
    files: list[ReceivedFile] = field(default_factory=list)


def _too_large(limit: int, code: Code) -> ProtocolError:
    return ProtocolError(code, f"The request body exceeds the limit of {limit} bytes.", status=413)


def _declared_too_large(request: Request, limit: int, code: Code) -> None:
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        raise _too_large(limit, code)


async def read_xml(request: Request, *, max_bytes: int) -> bytes:
    """The body, if it is at most `max_bytes` (else 4000 with HTTP 413)."""
    _declared_too_large(request, max_bytes, Code.invalid_request)
    chunks: list[bytes] = []
    seen = 0
    try:
        async for chunk in request.stream():
            seen += len(chunk)
            if seen > max_bytes:
                raise _too_large(max_bytes, Code.invalid_request)
            chunks.append(chunk)
    except ClientDisconnect:
        raise ProtocolError(Code.invalid_request, "The request body ended early.") from None
    return b"".join(chunks)


class _Part:
    __slots__ = ("field", "filename", "hashes", "header_field", "header_value", "headers", "size", "value")

    def __init__(self) -> None:
        self.header_field = bytearray()
        self.header_value = bytearray()
        self.headers: dict[bytes, bytes] = {}
        self.field = ""
        self.filename: str | None = None
        self.hashes: tuple[hashlib._Hash, ...] | None = None
        self.value = bytearray()
        self.size = 0


class _MultipartReader:
    """Callbacks of the streaming parser: fields into `form.fields`, files hashed into `form.files`."""

    def __init__(self, boundary: bytes, *, max_file: int, file_code: Code) -> None:
        self.form = Form()
        self.ended = False
        self._max_file = max_file
        self._file_code = file_code
        self._parts = 0
        self._part = _Part()
        callbacks: dict[str, Callable[..., None]] = {
            "on_part_begin": self._begin,
            "on_header_field": lambda d, s, e: self._part.header_field.extend(d[s:e]),
            "on_header_value": lambda d, s, e: self._part.header_value.extend(d[s:e]),
            "on_header_end": self._header_end,
            "on_headers_finished": self._headers_finished,
            "on_part_data": self._data,
            "on_part_end": self._part_end,
            "on_end": self._end,
        }
        self._parser = MultipartParser(boundary, callbacks)  # type: ignore[arg-type]

    def feed(self, data: bytes) -> None:
        if data:
            self._parser.write(data)

    def _begin(self) -> None:
        self._parts += 1
        if self._parts > MAX_PARTS:
            raise ProtocolError(Code.invalid_request, f"The form has more than {MAX_PARTS} parts.")
        self._part = _Part()

    def _header_end(self) -> None:
        part = self._part
        part.headers[bytes(part.header_field).strip().lower()] = bytes(part.header_value).strip()
        part.header_field.clear()
        part.header_value.clear()

    def _headers_finished(self) -> None:
        part = self._part
        disposition, params = parse_options_header(part.headers.get(b"content-disposition", b""))
        name = params.get(b"name")
        if disposition != b"form-data" or name is None:
            raise ProtocolError(Code.invalid_request, "A form part has no Content-Disposition: form-data name.")
        part.field = name.decode("utf-8", errors="replace")
        filename = params.get(b"filename")
        if filename is not None or part.field == "file":
            if filename is not None:
                part.filename = xml_text(filename.decode("utf-8", errors="replace"))[:MAX_FILE_NAME] or None
            part.hashes = (hashlib.md5(usedforsecurity=False), hashlib.sha1(usedforsecurity=False), hashlib.sha256())

    def _data(self, data: bytes, start: int, end: int) -> None:
        part = self._part
        if part.hashes is None:
            if len(part.value) + end - start > MAX_FIELD_BYTES:
                raise ProtocolError(Code.invalid_request, f"The form field {part.field!r} is too long.")
            part.value.extend(data[start:end])
            return
        part.size += end - start
        if part.size > self._max_file:
            raise ProtocolError(self._file_code, f"The file exceeds the limit of {self._max_file} bytes.", status=413)
        chunk = memoryview(data)[start:end]
        for h in part.hashes:
            h.update(chunk)

    def _part_end(self) -> None:
        part = self._part
        if part.hashes is None:
            self.form.fields.setdefault(part.field, bytes(part.value).decode("utf-8", errors="replace"))
            return
        md5, sha1, sha256 = (h.hexdigest() for h in part.hashes)
        self.form.files.append(ReceivedFile(part.field, part.filename, part.size, md5, sha1, sha256))

    def _end(self) -> None:
        self.ended = True


def _urlencoded(body: bytes) -> Form:
    try:
        pairs = parse_qsl(body.decode("utf-8"), keep_blank_values=True, max_num_fields=MAX_PARTS)
    except (UnicodeDecodeError, ValueError):
        raise ProtocolError(Code.invalid_request, "The form body is not valid URL-encoded UTF-8.") from None
    form = Form()
    for name, value in pairs:
        form.fields.setdefault(name, value[:MAX_FIELD_BYTES])
    return form


async def read_form(request: Request, *, max_file: int = 0, failed: Code = Code.invalid_request) -> Form:
    """The fields and files of a multipart/form-data or application/x-www-form-urlencoded body.

    A body over `max_file + FORM_ALLOWANCE` bytes, or a file over `max_file`, is refused with code `failed` and HTTP
    413; a body cut short, with `failed` too.
    """
    limit = max_file + FORM_ALLOWANCE
    _declared_too_large(request, limit, failed)
    media_type, params = parse_options_header(request.headers.get("content-type", ""))
    multipart = media_type == b"multipart/form-data"
    if multipart and not params.get(b"boundary"):
        raise ProtocolError(Code.invalid_request, "The multipart body has no boundary.")
    if not multipart and media_type not in (b"application/x-www-form-urlencoded", b""):
        raise ProtocolError(
            Code.invalid_request, "Send the fields as multipart/form-data or application/x-www-form-urlencoded."
        )
    reader = _MultipartReader(params[b"boundary"], max_file=max_file, file_code=failed) if multipart else None
    pending = bytearray()
    seen = 0
    try:
        async for chunk in request.stream():
            seen += len(chunk)
            if seen > limit:
                raise _too_large(limit, failed)
            pending.extend(chunk)
            if reader is not None and len(pending) >= BATCH_BYTES:
                await run_in_threadpool(reader.feed, bytes(pending))
                pending.clear()
        if reader is None:
            return _urlencoded(bytes(pending))
        await run_in_threadpool(reader.feed, bytes(pending))
    except ClientDisconnect:
        raise ProtocolError(failed, "The request body ended early.") from None
    except MultipartParseError:
        raise ProtocolError(Code.invalid_request, "The multipart body is malformed.") from None
    if not reader.ended:
        raise ProtocolError(failed, "The multipart body ended before its closing boundary.")
    return reader.form
