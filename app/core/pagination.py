"""Keyset pagination for every list: ``limit`` (≤ the configured maximum), an opaque signed ``cursor``, and the
``next_cursor`` to continue from (null on the last page). ``total=true`` adds a count of all matches."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, Any, Generic, TypeVar

from fastapi import Depends, Query, Request
from pydantic import BaseModel, Field
from sqlalchemy import Select, and_, func, or_, select
from sqlalchemy.orm import InstrumentedAttribute, Session

from app.core.errors import BadRequest

T = TypeVar("T")


class Page(BaseModel, Generic[T]):
    items: list[T]
    next_cursor: str | None = Field(description="Pass as `cursor` to get the next page; null on the last page.")
    total: int | None = Field(default=None, description="All matching items; only when `total=true` was asked.")


@dataclass(frozen=True, slots=True)
class PageParams:
    limit: int
    cursor: str | None
    with_total: bool
    secret: str


def page_params(
    request: Request,
    limit: Annotated[
        int | None, Query(ge=1, description="Items per page (default and maximum are configured).")
    ] = None,
    cursor: Annotated[str | None, Query(max_length=1024, description="`next_cursor` of the previous page.")] = None,
    total: Annotated[bool, Query(description="Also count all matching items.")] = False,
) -> PageParams:
    settings = request.app.state.settings
    effective = min(limit or settings.page_default_limit, settings.page_max_limit)
    return PageParams(limit=effective, cursor=cursor, with_total=total, secret=settings.secret_key)


PageDep = Annotated[PageParams, Depends(page_params)]


def _sign(payload: bytes, secret: str) -> str:
    return hmac.new(secret.encode(), payload, hashlib.sha256).hexdigest()[:16]


def _encode_value(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, uuid.UUID):
        return str(value)
    return value


def _decode_value(raw: Any, column: InstrumentedAttribute[Any]) -> Any:
    python_type = column.type.python_type
    if python_type is datetime:
        return datetime.fromisoformat(raw)
    if python_type is uuid.UUID:
        return uuid.UUID(raw)
    if python_type is int and isinstance(raw, int):
        return raw
    if python_type is str and isinstance(raw, str):
        return raw
    raise ValueError("unexpected cursor value")


def _list_identity(keys: Sequence[InstrumentedAttribute[Any]]) -> bytes:
    """What a cursor is signed for: the keys (table and column) of the list that issued it."""
    return ",".join(f"{k.class_.__tablename__}.{k.key}" for k in keys).encode() + b"|"


def encode_cursor(values: Sequence[Any], keys: Sequence[InstrumentedAttribute[Any]], secret: str) -> str:
    payload = json.dumps([_encode_value(v) for v in values], separators=(",", ":")).encode()
    signature = _sign(_list_identity(keys) + payload, secret)
    return base64.urlsafe_b64encode(payload).decode().rstrip("=") + "." + signature


def decode_cursor(cursor: str, keys: Sequence[InstrumentedAttribute[Any]], secret: str) -> list[Any]:
    try:
        body, sig = cursor.rsplit(".", 1)
        payload = base64.urlsafe_b64decode(body + "=" * (-len(body) % 4))
        if not hmac.compare_digest(sig, _sign(_list_identity(keys) + payload, secret)):
            raise ValueError("bad signature")
        raw = json.loads(payload)
        if not isinstance(raw, list) or len(raw) != len(keys):
            raise ValueError("wrong shape")
        return [_decode_value(v, k) for v, k in zip(raw, keys, strict=True)]
    except (ValueError, TypeError, UnicodeDecodeError) as exc:
        raise BadRequest("The cursor is not one this list issued.", extra={"parameter": "cursor"}) from exc


def paginate(
    session: Session,
    stmt: Select[Any],
    *,
    keys: Sequence[InstrumentedAttribute[Any]],
    params: PageParams,
    descending: bool = False,
) -> tuple[list[Any], str | None, int | None]:
    """Rows of ``stmt`` (one entity per row) ordered by ``keys``, which together must be unique."""
    total = None
    if params.with_total:
        total = session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery()))
    if params.cursor:
        values = decode_cursor(params.cursor, keys, params.secret)
        stmt = stmt.where(_after(keys, values, descending))
    order = [k.desc() if descending else k.asc() for k in keys]
    rows = list(session.scalars(stmt.order_by(*order).limit(params.limit + 1)))
    next_cursor = None
    if len(rows) > params.limit:
        rows = rows[: params.limit]
        last = rows[-1]
        next_cursor = encode_cursor([getattr(last, k.key) for k in keys], keys, params.secret)
    return rows, next_cursor, total


def _after(keys: Sequence[InstrumentedAttribute[Any]], values: Sequence[Any], descending: bool) -> Any:
    """(k1 > v1) OR (k1 = v1 AND k2 > v2) OR ...: portable row-value comparison."""
    clauses = []
    for i, key in enumerate(keys):
        equal = [keys[j] == values[j] for j in range(i)]
        beyond = key < values[i] if descending else key > values[i]
        clauses.append(and_(*equal, beyond))
    return or_(*clauses)
