"""What the generator hands over: one seeded report (what intake stores, the facts it would derive, the ground
truth), in a form that crosses process boundaries cheaply; and the pause of the garbage collector that making and
storing millions of small objects calls for."""

from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import datetime
from typing import Any

from app.reports.enrichment import Capture, Estimate
from app.reports.indicators import Indicator
from app.reports.intake import FileRecord
from seed.truth import Truth


@dataclass(slots=True)
class SeedReport:
    """One generated report: what intake stores (document, files, derived facts) and its ground truth."""

    index: int
    number: int
    esp: str
    received_at: datetime
    body: dict[str, Any]
    digest: str
    files: list[FileRecord]
    found: list[Indicator]
    captures: list[Capture]
    estimates: list[Estimate]
    kind: str
    urgent: bool
    truth: Truth

    def pack(self) -> tuple[Any, ...]:
        """Plain containers only: what crosses from a generator process cheaply (no per-object reduce calls)."""
        return (
            self.index,
            self.number,
            self.esp,
            self.received_at,
            self.body,
            self.digest,
            [(f.file_id, f.file_name, f.size, f.md5, f.sha1, f.sha256, f.details_body) for f in self.files],
            [tuple(i) for i in self.found],
            [tuple(c) for c in self.captures],
            [tuple(e) for e in self.estimates],
            self.kind,
            self.urgent,
            _truth_tuple(self.truth),
        )

    @classmethod
    def unpack(cls, data: tuple[Any, ...]) -> SeedReport:
        index, number, esp, received, body, digest, files, found, captures, estimates, kind, urgent, truth = data
        return cls(
            index,
            number,
            esp,
            received,
            body,
            digest,
            [FileRecord(i, n, s, m, h, h2, None, d) for i, n, s, m, h, h2, d in files],
            [Indicator._make(i) for i in found],
            [Capture._make(c) for c in captures],
            [Estimate._make(e) for e in estimates],
            kind,
            urgent,
            Truth(*truth),
        )


_TRUTH_FIELDS = tuple(f.name for f in fields(Truth))


def _truth_tuple(truth: Truth) -> tuple[Any, ...]:
    return tuple(getattr(truth, name) for name in _TRUTH_FIELDS)
