"""Pure ASGI middleware: request ids with one structured log line per request, and the request-body limit."""

from __future__ import annotations

import json
import logging
import re
import time
import uuid
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.core.errors import PROBLEM_MEDIA_TYPE, problem_type

API_PREFIX = "/api/v1"

log = logging.getLogger("tipdesk.access")
_SAFE_ID = re.compile(r"^[A-Za-z0-9._:-]{1,128}$")


def _problem_bytes(status: int, slug: str, title: str, detail: str, request_id: str | None, path: str) -> bytes:
    body: dict[str, Any] = {
        "type": problem_type(slug),
        "title": title,
        "status": status,
        "detail": detail,
        "instance": path,
    }
    if request_id:
        body["request_id"] = request_id
    return json.dumps(body).encode()


async def _send_problem(send: Send, status: int, body: bytes, request_id: str | None) -> None:
    headers = [(b"content-type", PROBLEM_MEDIA_TYPE.encode()), (b"content-length", str(len(body)).encode())]
    if request_id:
        headers.append((b"x-request-id", request_id.encode()))
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


class RequestContextMiddleware:
    """Takes ``X-Request-ID`` from the request (or makes one), echoes it, logs one JSON line per request, and turns
    any unhandled exception into a 500 problem without a stack trace."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        incoming = dict(scope.get("headers") or []).get(b"x-request-id", b"").decode("latin-1")
        request_id = incoming if _SAFE_ID.match(incoming) else uuid.uuid4().hex
        scope.setdefault("state", {})["request_id"] = request_id
        started = time.perf_counter()
        status_holder = {"status": 0, "started": False}

        async def send_with_id(message: Message) -> None:
            if message["type"] == "http.response.start":
                status_holder["status"] = message["status"]
                status_holder["started"] = True
                message["headers"] = [*message.get("headers", []), (b"x-request-id", request_id.encode())]
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        except Exception:
            log.exception("unhandled error", extra={"request_id": request_id})
            if not status_holder["started"]:
                status_holder["status"] = 500
                body = _problem_bytes(
                    500,
                    "internal-error",
                    "Internal server error",
                    "An unexpected error occurred; quote the request id when reporting it.",
                    request_id,
                    scope.get("path", ""),
                )
                await _send_problem(send, 500, body, request_id)
        finally:
            if log.isEnabledFor(logging.INFO):
                _log_request(scope, request_id, status_holder["status"], started)


def _log_request(scope: Scope, request_id: str, status: int, started: float) -> None:
    route_path = getattr(scope.get("route"), "path", None)
    if route_path and scope.get("path", "").startswith(API_PREFIX) and not route_path.startswith(API_PREFIX):
        route_path = API_PREFIX + route_path
    log.info(
        json.dumps(
            {
                "event": "request",
                "request_id": request_id,
                "method": scope.get("method"),
                "route": route_path,
                "path": scope.get("path"),
                "status": status,
                "duration_ms": round((time.perf_counter() - started) * 1000, 2),
            }
        )
    )


class BodyLimitMiddleware:
    """Refuses request bodies over ``max_bytes`` with 413, by Content-Length or while streaming. Paths matching a
    pattern of ``overrides`` (streamed endpoints such as bulk intake) get that pattern's own limit."""

    def __init__(self, app: ASGIApp, max_bytes: int, overrides: tuple[tuple[str, int], ...] = ()) -> None:
        self.app = app
        self.default_max_bytes = max_bytes
        self.overrides = tuple((re.compile(pattern), limit) for pattern, limit in overrides)

    def _limit(self, path: str) -> int:
        return next((limit for pattern, limit in self.overrides if pattern.search(path)), self.default_max_bytes)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        max_bytes = self._limit(scope.get("path", ""))

        def too_large() -> bytes:
            detail = f"The request body exceeds the limit of {max_bytes} bytes."
            request_id = scope.get("state", {}).get("request_id")
            path = scope.get("path", "")
            return _problem_bytes(413, "payload-too-large", "Request body too large", detail, request_id, path)

        length = dict(scope.get("headers") or []).get(b"content-length")
        if length is not None:
            try:
                too_big = int(length) > max_bytes
            except ValueError:
                too_big = False
            if too_big:
                await _send_problem(send, 413, too_large(), None)  # the request-id middleware adds the header
                return
        seen = 0
        exceeded = False
        response_started = False

        async def limited_receive() -> Message:
            nonlocal seen, exceeded
            if exceeded:
                return {"type": "http.disconnect"}
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > max_bytes:
                    exceeded = True
                    return {"type": "http.disconnect"}
            return message

        async def guarded_send(message: Message) -> None:
            nonlocal response_started
            if exceeded:
                return  # the app's answer to a truncated body is replaced by the 413 below
            response_started = response_started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, limited_receive, guarded_send)
        except Exception:
            if not exceeded:
                raise
        if exceeded and not response_started:
            await _send_problem(send, 413, too_large(), None)  # the request-id middleware adds the header
