"""Errors that carry their HTTP status, rendered as RFC 9457 ``application/problem+json``.

Domain code raises :class:`AppError` subclasses (never ``HTTPException``); one set of handlers, installed by
:func:`install_handlers`, turns those, framework errors and database outages into problem documents. Problem ``type``
values are ``urn:tipdesk:problem:<slug>``; the slugs are listed in ``docs/problems.md``.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from http import HTTPStatus
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy.exc import DataError, DBAPIError, IntegrityError, OperationalError
from starlette.exceptions import HTTPException as StarletteHTTPException

log = logging.getLogger("tipdesk.errors")

PROBLEM_MEDIA_TYPE = "application/problem+json"


def problem_type(slug: str) -> str:
    return f"urn:tipdesk:problem:{slug}"


class ProblemDetailItem(BaseModel):
    pointer: str = Field(description="JSON Pointer into the request body, or the parameter's name for others.")
    location: str = Field(default="body", description="body, query, path, header or cookie")
    message: str


class Problem(BaseModel):
    """An RFC 9457 problem document. Further members may appear for specific problem types."""

    model_config = ConfigDict(extra="allow")

    type: str = Field(examples=["urn:tipdesk:problem:not-found"])
    title: str
    status: int
    detail: str | None = None
    instance: str | None = None
    request_id: str | None = None
    errors: list[ProblemDetailItem] | None = None


class AppError(Exception):
    status_code: int = 500
    slug: str = "internal-error"
    title: str = "Internal server error"

    def __init__(
        self,
        detail: str | None = None,
        *,
        headers: Mapping[str, str] | None = None,
        extra: Mapping[str, Any] | None = None,
        errors: Sequence[ProblemDetailItem] | None = None,
    ) -> None:
        super().__init__(detail or self.title)
        self.detail = detail
        self.headers = dict(headers or {})
        self.extra = dict(extra or {})
        self.errors = list(errors) if errors else None


class BadRequest(AppError):
    status_code, slug, title = 400, "bad-request", "Bad request"


class Unauthorized(AppError):
    status_code, slug, title = 401, "unauthorized", "Authentication required"

    def __init__(self, detail: str | None = None, **kw: Any) -> None:
        kw.setdefault("headers", {"WWW-Authenticate": 'Bearer realm="tipdesk"'})
        super().__init__(detail, **kw)


class Forbidden(AppError):
    status_code, slug, title = 403, "forbidden", "Not permitted"


class NotFound(AppError):
    status_code, slug, title = 404, "not-found", "Not found"


class Conflict(AppError):
    status_code, slug, title = 409, "conflict", "Conflict"


class InvalidTransition(Conflict):
    slug, title = "invalid-transition", "Transition not allowed"


class PreconditionFailed(AppError):
    status_code, slug, title = 412, "precondition-failed", "Precondition failed"


class PayloadTooLarge(AppError):
    status_code, slug, title = 413, "payload-too-large", "Request body too large"


class UnprocessableEntity(AppError):
    status_code, slug, title = 422, "validation-error", "Request validation failed"


class TooManyRequests(AppError):
    status_code, slug, title = 429, "too-many-requests", "Too many requests"


class ServiceUnavailable(AppError):
    status_code, slug, title = 503, "service-unavailable", "Service unavailable"


class DatabaseUnavailable(ServiceUnavailable):
    slug, title = "database-unavailable", "Database unavailable"


class NotMigrated(ServiceUnavailable):
    slug, title = "not-migrated", "Database not migrated"


def problem_response(
    status: int,
    slug: str,
    title: str,
    detail: str | None = None,
    *,
    request: Request | None = None,
    headers: Mapping[str, str] | None = None,
    extra: Mapping[str, Any] | None = None,
    errors: Sequence[ProblemDetailItem] | None = None,
) -> JSONResponse:
    body: dict[str, Any] = {"type": problem_type(slug), "title": title, "status": status}
    if detail:
        body["detail"] = detail
    if request is not None:
        body["instance"] = request.url.path
        rid = getattr(request.state, "request_id", None)
        if rid:
            body["request_id"] = rid
    if errors:
        body["errors"] = [e.model_dump() for e in errors]
    if extra:
        body.update({k: v for k, v in extra.items() if k not in body})
    return JSONResponse(body, status_code=status, headers=dict(headers or {}), media_type=PROBLEM_MEDIA_TYPE)


def _pointer(loc: Sequence[int | str]) -> tuple[str, str]:
    if not loc:
        return "body", ""
    where, *rest = loc
    if where == "body":
        parts = [str(p).replace("~", "~0").replace("/", "~1") for p in rest]
        return "body", "/" + "/".join(parts) if parts else ""
    return str(where), ".".join(str(p) for p in rest)


def validation_items(raw_errors: Sequence[Any]) -> list[ProblemDetailItem]:
    items: list[ProblemDetailItem] = []
    for err in raw_errors:
        location, pointer = _pointer(tuple(err.get("loc", ())))
        items.append(ProblemDetailItem(pointer=pointer, location=location, message=str(err.get("msg", "invalid"))))
    return items


def error_response(exc: AppError, request: Request) -> JSONResponse:
    return problem_response(
        exc.status_code,
        exc.slug,
        exc.title,
        exc.detail,
        request=request,
        headers=exc.headers,
        extra=exc.extra,
        errors=exc.errors,
    )


async def _app_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, AppError)
    return error_response(exc, request)


async def _http_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    status = exc.status_code
    slugs = {
        404: "not-found",
        405: "method-not-allowed",
        401: "unauthorized",
        403: "forbidden",
        413: "payload-too-large",
    }
    try:
        title = HTTPStatus(status).phrase
    except ValueError:
        title = "Error"
    detail = exc.detail if isinstance(exc.detail, str) and exc.detail != title else None
    headers = dict(exc.headers or {})
    if status == 404 and detail is None:
        detail = f"No resource at {request.url.path}"
    if status == 405:
        from app.core.openapi import allowed_methods

        allowed = allowed_methods(request.app, request.url.path)
        headers["Allow"] = ", ".join(allowed)
        detail = f"{request.method} is not allowed here; allowed: {', '.join(allowed)}."
    return problem_response(status, slugs.get(status, "http-error"), title, detail, request=request, headers=headers)


async def _validation_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    raw = list(exc.errors())
    broken = [e for e in raw if e.get("type") == "json_invalid"]
    if broken:
        items = []
        for e in broken:
            loc = tuple(e.get("loc", ()))
            where = f" at character {loc[-1]}" if loc and isinstance(loc[-1], int) else ""
            reason = (e.get("ctx") or {}).get("error", "invalid JSON")
            items.append(ProblemDetailItem(pointer="", location="body", message=f"{reason}{where}"))
        return problem_response(
            400,
            "malformed-json",
            "Malformed JSON",
            "The request body is not valid JSON.",
            request=request,
            errors=items,
        )
    return problem_response(
        422,
        "validation-error",
        "Request validation failed",
        f"{len(raw)} problem(s) in the request.",
        request=request,
        errors=validation_items(raw),
    )


async def _data_error(request: Request, exc: Exception) -> JSONResponse:
    log.warning("data error: %s", type(exc).__name__)
    return problem_response(
        422,
        "invalid-data",
        "Value not storable",
        "A value cannot be stored (e.g. a NUL character in text, or a number out of range).",
        request=request,
    )


async def _db_error(request: Request, exc: Exception) -> JSONResponse:
    log.error("database error: %s", type(exc).__name__)
    return problem_response(
        503,
        "database-unavailable",
        "Database unavailable",
        "The database could not be reached or is busy; retry shortly.",
        request=request,
        headers={"Retry-After": "1"},
    )


async def _integrity_error(request: Request, exc: Exception) -> JSONResponse:
    log.warning("integrity error: %s", type(exc).__name__)
    return problem_response(
        409,
        "conflict",
        "Conflict",
        "The change conflicts with data stored meanwhile; read it again and retry.",
        request=request,
    )


def install_handlers(app: FastAPI) -> None:
    app.add_exception_handler(AppError, _app_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(IntegrityError, _integrity_error)
    app.add_exception_handler(DataError, _data_error)
    app.add_exception_handler(OperationalError, _db_error)
    app.add_exception_handler(DBAPIError, _db_error)


def responses(*errors: type[AppError] | int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI ``responses=`` entries for the problems an operation can return."""
    out: dict[int | str, dict[str, Any]] = {}
    for e in errors:
        status = e if isinstance(e, int) else e.status_code
        try:
            desc = HTTPStatus(status).phrase
        except ValueError:
            desc = "Error"
        out[status] = {
            "description": desc,
            "content": {PROBLEM_MEDIA_TYPE: {"schema": {"$ref": "#/components/schemas/Problem"}}},
        }
    return out
