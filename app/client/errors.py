"""Exceptions of the client: every problem+json answer becomes a :class:`ProblemError` of its status family.

Branch on the class (``except NotFound``), on ``status`` or on ``slug`` (the last part of the problem ``type``,
listed in ``docs/problems.md``); ``title`` and ``detail`` are for people. Members a problem type adds of its own
(``allowed`` on an invalid transition, ``parameter`` on a bad cursor, ...) are in ``extra``.
"""

from __future__ import annotations

import json
from typing import Any, ClassVar

import httpx
from pydantic import ValidationError

from app.core.errors import PROBLEM_MEDIA_TYPE, Problem, ProblemDetailItem

TYPE_PREFIX = "urn:tipdesk:problem:"


class TipdeskError(Exception):
    """Base of everything the client raises itself (transport failures stay ``httpx.TransportError``)."""


class UnexpectedResponse(TipdeskError):
    """A success status whose body is not what the operation returns (e.g. a proxy's HTML page)."""

    def __init__(self, message: str, response: httpx.Response) -> None:
        super().__init__(message)
        self.response = response


class ProblemError(TipdeskError):
    """An error answer: its RFC 9457 problem document, parsed."""

    status_code: ClassVar[int | None] = None  # the status a subclass stands for (None: a family or any status)

    def __init__(self, problem: Problem, response: httpx.Response | None = None) -> None:
        super().__init__(f"{problem.status} {problem.title}" + (f": {problem.detail}" if problem.detail else ""))
        self.problem = problem
        self.response = response

    @property
    def status(self) -> int:
        return self.problem.status

    @property
    def type(self) -> str:
        """The full problem type, e.g. ``urn:tipdesk:problem:not-found``."""
        return self.problem.type

    @property
    def slug(self) -> str:
        """The problem type without its prefix, e.g. ``not-found``."""
        return self.problem.type.removeprefix(TYPE_PREFIX)

    @property
    def title(self) -> str:
        return self.problem.title

    @property
    def detail(self) -> str | None:
        return self.problem.detail

    @property
    def errors(self) -> list[ProblemDetailItem]:
        """One item per wrong value (validation errors); empty otherwise."""
        return list(self.problem.errors or [])

    @property
    def request_id(self) -> str | None:
        return self.problem.request_id

    @property
    def extra(self) -> dict[str, Any]:
        """Members the problem type adds of its own."""
        return dict(self.problem.model_extra or {})


class ClientError(ProblemError):
    """4xx: the request was wrong; sending it again unchanged gives the same answer."""


class BadRequest(ClientError):
    status_code = 400


class Unauthorized(ClientError):
    """No token, or one that expired or was revoked: log in again."""

    status_code = 401


class Forbidden(ClientError):
    status_code = 403


class NotFound(ClientError):
    """No such resource, or one the caller may not see (tipdesk answers 404 rather than 403 inside exercises)."""

    status_code = 404


class MethodNotAllowed(ClientError):
    status_code = 405


class Conflict(ClientError):
    """The resource's state does not allow it (e.g. ``invalid-transition`` lists ``extra["allowed"]``)."""

    status_code = 409


class PreconditionFailed(ClientError):
    """``If-Match`` named a version that is no longer current: read the resource again."""

    status_code = 412


class PayloadTooLarge(ClientError):
    status_code = 413


class UnsupportedMediaType(ClientError):
    status_code = 415


class ValidationFailed(ClientError):
    """422: the values are wrong; ``errors`` points at each one."""

    status_code = 422


class TooManyRequests(ClientError):
    status_code = 429

    @property
    def retry_after(self) -> float | None:
        """Seconds the server asked to wait, when it said."""
        return _seconds(self.response.headers.get("Retry-After")) if self.response is not None else None


class ServerError(ProblemError):
    """5xx: the server failed; the request may succeed later."""


class ServiceUnavailable(ServerError):
    status_code = 503

    @property
    def retry_after(self) -> float | None:
        return _seconds(self.response.headers.get("Retry-After")) if self.response is not None else None


def _seconds(value: str | None) -> float | None:
    try:
        return float(value) if value is not None else None
    except ValueError:
        return None


_BY_STATUS: dict[int, type[ProblemError]] = {
    cls.status_code: cls
    for cls in (
        BadRequest,
        Unauthorized,
        Forbidden,
        NotFound,
        MethodNotAllowed,
        Conflict,
        PreconditionFailed,
        PayloadTooLarge,
        UnsupportedMediaType,
        ValidationFailed,
        TooManyRequests,
        ServiceUnavailable,
    )
    if cls.status_code is not None
}


def error_class(status: int) -> type[ProblemError]:
    """The most specific exception class for a status: its own, else its family's."""
    if status in _BY_STATUS:
        return _BY_STATUS[status]
    if 400 <= status < 500:
        return ClientError
    if status >= 500:
        return ServerError
    return ProblemError


def problem_of(status: int, body: bytes, content_type: str) -> Problem:
    """The problem document of an error answer; a non-problem body (a proxy's page) gets a generic one."""
    media = content_type.split(";")[0].strip().lower()
    if media in (PROBLEM_MEDIA_TYPE, "application/json"):
        try:
            data = json.loads(body)
            if isinstance(data, dict):
                data.setdefault("status", status)
                return Problem.model_validate(data)
        except (ValueError, ValidationError):
            pass
    try:
        phrase = httpx.codes.get_reason_phrase(status) or "Error"
    except ValueError:  # pragma: no cover - httpx answers "" for unknown codes
        phrase = "Error"
    text = body[:500].decode("utf-8", "replace").strip()
    return Problem(type=f"{TYPE_PREFIX}http-error", title=phrase, status=status, detail=text or None)


def from_problem(problem: Problem, response: httpx.Response | None = None) -> ProblemError:
    return error_class(problem.status)(problem, response)


def from_response(response: httpx.Response) -> ProblemError:
    """The exception for an error answer whose body has been read."""
    problem = problem_of(response.status_code, response.content, response.headers.get("content-type", ""))
    return from_problem(problem, response)
