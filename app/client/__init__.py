"""A typed Python client for tipdesk's API, sync (:class:`TipdeskClient`) and asyncio (:class:`AsyncTipdeskClient`).

Both clients offer the same operations, built once in :mod:`app.client.calls`; answers parse into the app's own
response models, and problem+json answers raise the exceptions of :mod:`app.client.errors`. See docs/client.md.
"""

from app.client.aio import AsyncTipdeskClient
from app.client.bulk import BulkLineResult, envelope
from app.client.errors import (
    BadRequest,
    ClientError,
    Conflict,
    Forbidden,
    MethodNotAllowed,
    NotFound,
    PayloadTooLarge,
    PreconditionFailed,
    ProblemError,
    ServerError,
    ServiceUnavailable,
    TipdeskError,
    TooManyRequests,
    Unauthorized,
    UnexpectedResponse,
    UnsupportedMediaType,
    ValidationFailed,
)
from app.client.sync import TipdeskClient

__all__ = [
    "AsyncTipdeskClient",
    "BadRequest",
    "BulkLineResult",
    "ClientError",
    "Conflict",
    "Forbidden",
    "MethodNotAllowed",
    "NotFound",
    "PayloadTooLarge",
    "PreconditionFailed",
    "ProblemError",
    "ServerError",
    "ServiceUnavailable",
    "TipdeskClient",
    "TipdeskError",
    "TooManyRequests",
    "Unauthorized",
    "UnexpectedResponse",
    "UnsupportedMediaType",
    "ValidationFailed",
    "envelope",
]
