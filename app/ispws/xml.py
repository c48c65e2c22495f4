"""Protocol documents: reading `<report>` and `<fileDetails>` requests, writing `<reportResponse>` and
`<reportDoneResponse>`.

A request document is parsed by `app.reports.xml.parse_xml` (defusedxml: no DTD, no entities, no external
references; size and depth limits), then validated against the packaged cyber_tipline.xsd (element order, types,
cardinalities; location hints in the document are ignored, so nothing is fetched), then read into the report
models. Refusals become `ProtocolError`s: the parser's as 4110 (malformed XML), the schema's and the models' as 4100
(validation failed) naming each problem.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import cache
from typing import Any, cast
from xml.etree.ElementTree import Element, SubElement, tostring

import xmlschema
from pydantic import ValidationError

from app.ispws.errors import Code, ProtocolError
from app.reports import xml as report_xml
from app.reports.document import FileDetails, Report, error_pointers

MEDIA_TYPE = "text/xml"  # answered with "; charset=utf-8"
MAX_PROBLEMS = 10
MAX_PROBLEM_CHARS = 300
SUCCESS = "Success"


@cache
def schema() -> xmlschema.XMLSchema:
    return xmlschema.XMLSchema(str(report_xml.XSD_PATH))


@cache
def xsd_bytes() -> bytes:
    return report_xml.XSD_PATH.read_bytes()


def describe(problems: Sequence[str], *, lead: str = "Validation failed") -> str:
    """`lead (n problem(s)): first; second; ...`, at most `MAX_PROBLEMS`, each cut to `MAX_PROBLEM_CHARS`."""
    shown = [p if len(p) <= MAX_PROBLEM_CHARS else p[: MAX_PROBLEM_CHARS - 1] + "…" for p in problems[:MAX_PROBLEMS]]
    more = f"; and {len(problems) - MAX_PROBLEMS} more" if len(problems) > MAX_PROBLEMS else ""
    return f"{lead} ({len(problems)} problem(s)): " + "; ".join(shown) + more


def _parse(data: bytes, root: str, max_bytes: int) -> Element:
    try:
        elem = report_xml.parse_xml(data, max_bytes=max_bytes)
    except report_xml.XmlRefused as exc:
        if exc.reason == "too_large":
            raise ProtocolError(Code.invalid_request, f"The document is too large: {exc.detail}.", status=413) from None
        raise ProtocolError(Code.malformed_xml, f"Malformed XML ({exc.reason}): {exc.detail}.") from None
    if elem.tag != root:
        raise ProtocolError(
            Code.validation_failed, f"Validation failed: expected a <{root}> document, not <{elem.tag}>."
        )
    problems = [
        f"{error.path or '/' + root}: {error.reason or error.message}"
        for error in schema().iter_errors(elem, use_location_hints=False)
    ]
    if problems:
        raise ProtocolError(Code.validation_failed, describe(problems))
    return elem


def _invalid(exc: ValidationError) -> ProtocolError:
    return ProtocolError(Code.validation_failed, describe([f"{p or '/'}: {m}" for p, m in error_pointers(exc)]))


def read_report(data: bytes, *, max_bytes: int) -> Report:
    """A `<report>` request body as the report model, or a `ProtocolError` (4110, 4100)."""
    _parse(data, "report", max_bytes)
    try:
        return report_xml.report_from_xml(data, max_bytes=max_bytes)
    except ValidationError as exc:
        raise _invalid(exc) from None


def read_file_details(data: bytes, *, max_bytes: int) -> FileDetails:
    """A `<fileDetails>` request body as its model, or a `ProtocolError` (4110, 4100)."""
    _parse(data, "fileDetails", max_bytes)
    try:
        return report_xml.file_details_from_xml(data, max_bytes=max_bytes)
    except ValidationError as exc:
        raise _invalid(exc) from None


_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def xml_text(value: object) -> str:
    """The text without the characters XML 1.0 cannot carry."""
    return _NOT_XML.sub("", str(value))


def _document(root: str, children: Sequence[tuple[str, Any]]) -> bytes:
    elem = Element(root)
    for name, value in children:
        if isinstance(value, list):
            holder = SubElement(elem, name)
            for tag, text in value:
                SubElement(holder, tag).text = xml_text(text)
        elif value is not None:
            SubElement(elem, name).text = xml_text(value)
    return report_xml.XML_DECLARATION + cast(bytes, tostring(elem, encoding="utf-8", xml_declaration=False))


def report_response(
    code: Code,
    description: str,
    *,
    report_id: int | None = None,
    file_id: str | None = None,
    md5: str | None = None,
) -> bytes:
    """A `<reportResponse>`: code, description, then the report id, file id and MD5 where they apply."""
    return _document(
        "reportResponse",
        [
            ("responseCode", int(code)),
            ("responseDescription", description),
            ("reportId", report_id),
            ("fileId", file_id),
            ("hash", md5),
        ],
    )


def report_done_response(code: Code, *, report_id: int, file_ids: Sequence[str] = (), note: str | None = None) -> bytes:
    """A `<reportDoneResponse>`. The schema gives it no description element, so a refusal's description travels as
    an XML comment after the root (ignored by parsers and by validation)."""
    body = _document(
        "reportDoneResponse",
        [("responseCode", int(code)), ("reportId", report_id), ("files", [("fileId", f) for f in file_ids])],
    )
    if note:
        text = xml_text(note)
        while "--" in text:
            text = text.replace("--", "- -")
        body += b"\n<!-- " + text.encode() + b" -->"
    return body
