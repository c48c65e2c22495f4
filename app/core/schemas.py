"""Base pydantic models shared by every domain."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from typing import Annotated, Any

from pydantic import AfterValidator, AwareDatetime, BaseModel, BeforeValidator, ConfigDict


class Schema(BaseModel):
    """Input and output models: attributes readable from ORM objects, unknown input fields refused."""

    model_config = ConfigDict(from_attributes=True, extra="forbid")


class ReadSchema(BaseModel):
    model_config = ConfigDict(from_attributes=True)


_RFC3339 = re.compile(r"^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?([Zz]|[+-]\d{2}:?\d{2})?$")
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def require_rfc3339(value: Any) -> Any:
    """Only a date-time *string* (or a datetime) is a date-time: no Unix timestamps, as the OpenAPI format says."""
    if isinstance(value, datetime):
        return value
    if not isinstance(value, str) or not _RFC3339.match(value.strip()):
        raise ValueError("must be an RFC 3339 date-time string, e.g. 2026-03-02T08:00:00Z")
    return value


def require_iso_date(value: Any) -> Any:
    if isinstance(value, date) and not isinstance(value, datetime):
        return value
    if not isinstance(value, str) or not _ISO_DATE.match(value.strip()):
        raise ValueError("must be a date string, e.g. 2026-03-02")
    return value


EARLIEST = datetime(1970, 1, 1, tzinfo=UTC)
LATEST = datetime(2200, 1, 1, tzinfo=UTC)


def within_range(value: datetime) -> datetime:
    if not EARLIEST <= value < LATEST:
        raise ValueError("must lie between 1970 and 2199")
    return value


Rfc3339 = Annotated[AwareDatetime, BeforeValidator(require_rfc3339), AfterValidator(within_range)]
"""An input date-time: an RFC 3339 string with an offset."""
