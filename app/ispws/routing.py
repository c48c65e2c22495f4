"""HTTP plumbing of `/ispws/`: protocol documents as responses, refusals rendered as documents, `Request-ID`.

- `ProtocolRoute` turns what a call raises into its protocol answer: a `ProtocolError` into a `<reportResponse>`
  (a `<reportDoneResponse>` on routes answering with `DoneResponse`), `NotAuthenticated` into 401 with an empty body
  and `WWW-Authenticate: Basic`, `Throttled` into 429 with an empty body and `Retry-After`. Anything else is a fault
  and propagates to the service-wide handlers (the transaction rolls back).
- `RequestIdHeader` gives every response under `/ispws/` the protocol's `Request-ID` header, with the value of the
  `X-Request-ID` the request-context middleware assigned (it runs outside that middleware, so faults and body-limit
  refusals carry it too).
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import Any

from fastapi import Request, Response
from fastapi.routing import APIRoute
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.ispws import xml
from app.ispws.errors import NotAuthenticated, ProtocolError, Throttled

PREFIX = "/ispws"
REALM = 'Basic realm="ispws", charset="UTF-8"'


class ReportResponse(Response):
    """A `<reportResponse>` document."""

    media_type = xml.MEDIA_TYPE


class DoneResponse(Response):
    """A `<reportDoneResponse>` document."""

    media_type = xml.MEDIA_TYPE


class XsdResponse(Response):
    media_type = xml.MEDIA_TYPE


def refusal(exc: ProtocolError, *, done: bool) -> Response:
    if done:
        body = xml.report_done_response(exc.code, report_id=exc.report_id or 0, note=exc.description)
        return DoneResponse(body, status_code=exc.status)
    return ReportResponse(
        xml.report_response(exc.code, exc.description, report_id=exc.report_id), status_code=exc.status
    )


class ProtocolRoute(APIRoute):
    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()
        done = self.response_class is DoneResponse

        async def answer(request: Request) -> Response:
            try:
                return await handler(request)
            except ProtocolError as exc:
                return refusal(exc, done=done)
            except NotAuthenticated:
                return Response(status_code=401, headers={"WWW-Authenticate": REALM})
            except Throttled as exc:
                return Response(status_code=429, headers={"Retry-After": exc.retry_after})

        return answer


def _under_prefix(path: str) -> bool:
    return path == PREFIX or path.startswith(PREFIX + "/")


class RequestIdHeader:
    """Adds `Request-ID` (the `X-Request-ID` value) to every response under `/ispws/`."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not _under_prefix(scope.get("path", "")):
            await self.app(scope, receive, send)
            return

        async def send_with_request_id(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                request_id = next((v for k, v in headers if k.lower() == b"x-request-id"), None)
                if request_id is not None:
                    headers.append((b"request-id", request_id))
                    message["headers"] = headers
            await send(message)

        await self.app(scope, receive, send_with_request_id)
