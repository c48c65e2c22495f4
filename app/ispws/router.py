"""HTTP: the CyberTipline Reporting API protocol under `/ispws/` (see docs/ispws.md).

Requests and answers are the protocol's XML documents and forms, not JSON. A refusal is a protocol document with a
non-zero `responseCode`, answered with HTTP 200 unless the request was not read through (401 not authenticated,
429 throttled, 413 over a size limit).
"""

from __future__ import annotations

import re
from typing import Any

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool

from app.ispws import service, xml
from app.ispws.bodies import read_form, read_xml
from app.ispws.dependencies import AuthenticatedUser, Caller, IspwsSession, reporter_context
from app.ispws.errors import Code, ProtocolError
from app.ispws.openapi import FORM_ID, MULTIPART_UPLOAD, XML_BODY, answers
from app.ispws.routing import DoneResponse, ProtocolRoute, ReportResponse, XsdResponse

router = APIRouter(prefix="/ispws", tags=["ispws"], route_class=ProtocolRoute)

_INTEGER = re.compile(r"[+-]?[0-9]{1,20}")
_LONG = range(-(2**63), 2**63)


def _report_id(fields: dict[str, str]) -> int:
    text = fields.get("id", "").strip()
    if not text:
        raise ProtocolError(Code.invalid_request, "Invalid request: the form field `id` (the report id) is missing.")
    if not _INTEGER.fullmatch(text) or int(text) not in _LONG:
        raise ProtocolError(Code.invalid_request, "Invalid request: the report id must be an integer (xs:long).")
    return int(text)


def _success(**kw: Any) -> ReportResponse:
    return ReportResponse(xml.report_response(Code.success, xml.SUCCESS, **kw))


@router.get(
    "/status",
    response_class=ReportResponse,
    summary="Check the connection and the credential",
    responses=answers("status"),
)
def status(session: IspwsSession, user: AuthenticatedUser) -> ReportResponse:
    """`responseCode` 0 when the credential may submit reports; 3100 when the account holds no single `reporter`
    membership or its exercise is closed or archived."""
    reporter_context(session, user=user)
    return _success()


@router.get("/xsd", response_class=XsdResponse, summary="The report schema (XSD)", responses=answers("xsd"))
def xsd(user: AuthenticatedUser) -> XsdResponse:
    """The cyber_tipline.xsd every `<report>` and `<fileDetails>` is validated against."""
    return XsdResponse(xml.xsd_bytes())


@router.post(
    "/submit",
    response_class=ReportResponse,
    summary="Open a report",
    responses=answers("submit"),
    openapi_extra=XML_BODY,
)
async def submit(request: Request, session: IspwsSession, ctx: Caller) -> ReportResponse:
    """Opens a report from a `<report>` document and answers its `reportId`. The report enters the exercise only on
    `finish`; unfinished, it expires 24 hours after opening or one hour after its last change, whichever is later
    (exercise time)."""
    limit = request.app.state.settings.ispws_max_xml_bytes
    data = await read_xml(request, max_bytes=limit)
    document = await run_in_threadpool(xml.read_report, data, max_bytes=limit)
    row = await run_in_threadpool(service.open_report, session, ctx=ctx, document=document)
    return _success(report_id=row.id)


@router.post(
    "/upload",
    response_class=ReportResponse,
    summary="Upload a file to an open report",
    responses=answers("upload"),
    openapi_extra=MULTIPART_UPLOAD,
)
async def upload(request: Request, session: IspwsSession, ctx: Caller) -> ReportResponse:
    """The file is hashed (MD5, SHA-1, SHA-256) while it streams in, and its bytes are dropped: tipdesk keeps its
    name, size and hashes only. Answers the new opaque `fileId` and the MD5 as `hash`."""
    settings = request.app.state.settings
    form = await read_form(request, max_file=settings.ispws_max_upload_bytes, failed=Code.file_upload_failed)
    report_id = _report_id(form.fields)
    if len(form.files) != 1:
        problem = "has no `file` part" if not form.files else "has more than one file; upload them one by one"
        raise ProtocolError(Code.invalid_request, f"Invalid request: the form {problem}.", report_id=report_id)
    received = form.files[0]
    if received.size == 0:
        raise ProtocolError(Code.malformed_file, "Malformed file: the file is empty.", report_id=report_id)
    stored = await run_in_threadpool(
        service.add_file, session, ctx=ctx, report_id=report_id, file=received, max_files=settings.ispws_max_files
    )
    return _success(report_id=report_id, file_id=stored.file_id, md5=stored.md5)


@router.post(
    "/fileinfo",
    response_class=ReportResponse,
    summary="Describe an uploaded file",
    responses=answers("fileinfo"),
    openapi_extra=XML_BODY,
)
async def fileinfo(request: Request, session: IspwsSession, ctx: Caller) -> ReportResponse:
    """A `<fileDetails>` document for a file of an open report (`reportId` and `fileId` first), once per file."""
    limit = request.app.state.settings.ispws_max_xml_bytes
    data = await read_xml(request, max_bytes=limit)
    details = await run_in_threadpool(xml.read_file_details, data, max_bytes=limit)
    stored = await run_in_threadpool(service.describe_file, session, ctx=ctx, details=details)
    return _success(report_id=details.reportId, file_id=stored.file_id)


@router.post(
    "/finish",
    response_class=DoneResponse,
    summary="File the report into the exercise",
    responses=answers("finish"),
    openapi_extra=FORM_ID,
)
async def finish(request: Request, session: IspwsSession, ctx: Caller) -> DoneResponse:
    """The report enters the exercise: Section B enrichment, indicators, its case and routing, its
    `report.received` event. Irreversible: no more files or details. Answers a `<reportDoneResponse>` listing the
    report's file ids (a refusal too, with the description as an XML comment: the schema gives this document no
    description element)."""
    report_id = _report_id((await read_form(request)).fields)
    done = await run_in_threadpool(service.finish, session, ctx=ctx, report_id=report_id)
    return DoneResponse(xml.report_done_response(Code.success, report_id=done.row.id, file_ids=done.file_ids))


@router.post(
    "/retract",
    response_class=ReportResponse,
    summary="Cancel an open report",
    responses=answers("retract"),
    openapi_extra=FORM_ID,
)
async def retract(request: Request, session: IspwsSession, ctx: Caller) -> ReportResponse:
    """The unfinished report is cancelled and its document and file records deleted."""
    report_id = _report_id((await read_form(request)).fields)
    row = await run_in_threadpool(service.retract, session, ctx=ctx, report_id=report_id)
    return _success(report_id=row.id)
