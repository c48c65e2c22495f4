"""Statistics as CSV: the columns a response model names, one row per line, RFC 4180 quoting, UTF-8.

Empty cells are missing values (null in JSON); times are RFC 3339 in UTC (``Z``); numbers as JSON gives them."""

from __future__ import annotations

import csv
import io
import uuid
from datetime import UTC, datetime
from typing import Any

from app.stats.schemas import StatsRead

CSV_MEDIA_TYPE = "text/csv"


def cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.astimezone(UTC).isoformat().replace("+00:00", "Z")
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, bool):
        return "true" if value else "false"
    if hasattr(value, "value"):  # enums
        return str(value.value)
    return str(value)


def to_csv(model: StatsRead) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(model.CSV_COLUMNS)
    for row in model.csv_rows():
        writer.writerow([cell(v) for v in row])
    return out.getvalue()
