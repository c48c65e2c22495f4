"""Seeded documents in the exact form intake stores, and the facts intake would derive from them.

``shape`` gives an object written with only the fields it uses the list fields of its model (``[]`` when
empty), as the JSON form of a validated model has them (``model_dump(mode="json", exclude_none=True)``).
``Facts`` records, while a document is built, what intake would find in it: indicators in the order intake's walk
meets them, capture events and estimated locations. tests/seed/test_equivalence.py checks
both against intake's own functions on thousands of seeded reports.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from functools import cache, lru_cache
from typing import Any, get_origin

from pydantic import BaseModel

from app.reports import indicators
from app.reports.document import json_pointer
from app.reports.enrichment import Capture, Estimate
from app.reports.indicators import IndicatorKind

Path = tuple[str | int, ...]


@cache
def _lists(cls: type[BaseModel]) -> tuple[str, ...]:
    return tuple(name for name, info in cls.model_fields.items() if get_origin(info.annotation) is list)


def shape(cls: type[BaseModel], data: dict[str, Any]) -> dict[str, Any]:
    """`data` (changed in place) with each list field of `cls` it lacks present as `[]`. Not recursive: every
    object is shaped where it is built."""
    for name in _lists(cls):
        if name not in data:
            data[name] = []
    return data


def digest(body: dict[str, Any]) -> str:
    """intake.request_hash of a document whose JSON form is `body`."""
    return hashlib.sha256(json.dumps(body, sort_keys=True, separators=(",", ":")).encode()).hexdigest()


_pointer = lru_cache(maxsize=8192)(json_pointer)


@dataclass(slots=True)
class Facts:
    """What intake would derive from a report, recorded while the report is built."""

    hits: list[tuple[IndicatorKind, str, str, Path]] = field(default_factory=list)  # kind, scope, value, path
    captures: list[Capture] = field(default_factory=list)
    estimates: list[Estimate] = field(default_factory=list)

    def hit(self, kind: IndicatorKind, value: str, path: Path, scope: str = "") -> None:
        self.hits.append((kind, scope, value, path))

    def capture(self, path: Path, ip: str, event: str | None, when: str | None) -> None:
        self.captures.append(Capture(path, ip, event, when))
        self.hit("ip", ip, (*path, "ipAddress"))

    def indicators(self) -> list[indicators.Indicator]:
        """Unique by (kind, scope, value), first occurrence first, every pointer kept (as intake extracts them)."""
        merged: dict[tuple[IndicatorKind, str, str], list[str]] = {}
        for kind, scope, value, path in self.hits:
            merged.setdefault((kind, scope, value), []).append(_pointer(path))
        return [indicators.Indicator(kind, scope, value, tuple(ptrs)) for (kind, scope, value), ptrs in merged.items()]
