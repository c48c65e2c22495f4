"""The chunk pipeline: made here, by a thread ahead of the caller, or by worker processes, the reports are the
same and come in order; and no more than ``AHEAD`` chunks are ever made ahead of the one the caller holds."""

from __future__ import annotations

import pytest

from seed import loader
from seed.plan import CHUNK, Plan
from seed.records import SeedReport
from tests.seed.helpers import plan

REPORTS = 7 * CHUNK + 250


def _flat(chunks: list[list[SeedReport]]) -> list[tuple[object, ...]]:
    return [r.pack() for chunk in chunks for r in chunk]


def test_every_way_of_making_chunks_gives_the_same_reports_in_order() -> None:
    serial = list(loader.chunks(plan("load", REPORTS, seed=5)))
    assert [r.index for c in serial for r in c] == list(range(REPORTS))
    threaded = list(loader.chunks(plan("load", REPORTS, seed=5), prefetch=True))
    forked = list(loader.chunks(plan("load", REPORTS, seed=5), workers=2))
    assert _flat(threaded) == _flat(serial)
    assert _flat(forked) == _flat(serial)


def test_chunks_made_ahead_are_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    made: list[int] = []
    real = loader.generate_chunk

    def counting(p: Plan, chunk: int) -> list[SeedReport]:
        made.append(chunk)
        return real(p, chunk)

    monkeypatch.setattr(loader, "generate_chunk", counting)
    p = plan("load", 20 * CHUNK, seed=3)
    for held, _chunk in enumerate(loader.chunks(p, prefetch=True)):
        assert len(made) <= held + 1 + loader.AHEAD
    assert made == list(range(p.chunk_count))
