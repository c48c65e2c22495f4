"""GroupCommit: callers that arrive while a batch of their key is being run are run together next; each gets its
own outcome; a failing batch is redone item by item, so a failure reaches only its own caller."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Sequence
from typing import Any

import pytest

from app.db.group_commit import GroupCommit


class Recorder:
    """A ``run`` that records its batches; the first batch waits until ``hold`` more callers are queued."""

    def __init__(self, outcome: Callable[[str, Any], Any], hold: int = 0) -> None:
        self.outcome = outcome
        self.hold = hold
        self.batches: list[tuple[str, list[Any], str]] = []
        self.groups: GroupCommit[str, Any, Any] = GroupCommit(self.run, max_batch=3)
        self._lock = threading.Lock()

    def run(self, key: str, items: Sequence[Any]) -> list[Any]:
        with self._lock:
            first = not self.batches
            self.batches.append((key, list(items), threading.current_thread().name))
        if first and self.hold:
            deadline = time.monotonic() + 10
            while sum(len(q) for q in self.groups._queues.values()) < self.hold and time.monotonic() < deadline:
                time.sleep(0.005)
        return [self.outcome(key, item) for item in items]


def _callers(groups: GroupCommit[str, Any, Any], calls: list[tuple[str, Any]]) -> list[Any]:
    """Submit every call from its own thread, the first one first; each result or raised exception."""
    results: list[Any] = [None] * len(calls)

    def call(i: int) -> None:
        try:
            results[i] = groups.submit(*calls[i])
        except Exception as exc:
            results[i] = exc

    threads = [threading.Thread(target=call, args=(i,), name=f"caller-{i}") for i in range(len(calls))]
    threads[0].start()
    time.sleep(0.05)  # the first caller leads the first batch
    for t in threads[1:]:
        t.start()
    for t in threads:
        t.join(timeout=30)
    return results


def test_a_lone_caller_is_run_at_once_and_gets_its_result() -> None:
    rec = Recorder(lambda key, item: f"{key}:{item}")
    assert rec.groups.submit("a", 1) == "a:1"
    assert rec.batches == [("a", [1], threading.current_thread().name)]
    assert rec.groups.batch_sizes == {1: 1}
    assert rec.groups._queues == {}


def test_callers_arriving_during_a_batch_are_run_together_next_each_with_its_own_result() -> None:
    rec = Recorder(lambda key, item: item * 10, hold=5)
    results = _callers(rec.groups, [("a", i) for i in range(6)])
    assert results == [0, 10, 20, 30, 40, 50]
    sizes = [len(items) for _key, items, _thread in rec.batches]
    assert sizes == [1, 3, 2]  # the leader alone, then the five that queued meanwhile, at most three at a time
    assert sorted(i for _key, items, _thread in rec.batches for i in items) == list(range(6))
    # the lead passed from caller to caller: the later batches ran in threads of callers that were waiting
    assert rec.batches[0][2] == "caller-0"
    assert {thread for _key, _items, thread in rec.batches[1:]} <= {f"caller-{i}" for i in range(1, 6)}
    assert rec.groups._queues == {}


def test_keys_are_never_mixed() -> None:
    key_of = {0: "a", 1: "a", 2: "b", 3: "a", 4: "b"}
    rec = Recorder(lambda key, item: f"{key}{item}", hold=2)
    results = _callers(rec.groups, [(key_of[i], i) for i in range(5)])
    assert results == ["a0", "a1", "b2", "a3", "b4"]
    for key, items, _thread in rec.batches:
        assert all(key_of[i] == key for i in items)
    assert sorted(i for _key, items, _thread in rec.batches for i in items) == list(range(5))


def test_an_exception_as_outcome_is_raised_in_its_caller_only() -> None:
    def outcome(_key: str, item: int) -> Any:
        return ValueError(f"no {item}") if item == 2 else item

    rec = Recorder(outcome, hold=3)
    results = _callers(rec.groups, [("a", i) for i in range(4)])
    assert results[:2] == [0, 1] and results[3] == 3
    assert isinstance(results[2], ValueError) and str(results[2]) == "no 2"


def test_a_failing_batch_is_redone_item_by_item_and_the_failure_reaches_its_caller_only() -> None:
    def outcome(_key: str, item: int) -> Any:
        if item == 2:
            raise RuntimeError("item 2 breaks the batch")
        return item

    rec = Recorder(outcome, hold=3)
    results = _callers(rec.groups, [("a", i) for i in range(4)])
    assert results[:2] == [0, 1] and results[3] == 3
    assert isinstance(results[2], RuntimeError)
    # the batch holding item 2 failed as a whole, then each of its items ran alone
    failed = next(items for _key, items, _thread in rec.batches if 2 in items and len(items) > 1)
    alone = [items for _key, items, _thread in rec.batches if len(items) == 1]
    assert all([i] in alone for i in failed)
    assert rec.groups._queues == {}


def test_max_batch_must_be_positive() -> None:
    with pytest.raises(ValueError):
        GroupCommit(lambda key, items: list(items), max_batch=0)


def test_only_waiting_callers_prepare_for_waiting_and_a_failing_preparation_still_gets_the_outcome() -> None:
    rec = Recorder(lambda key, item: item, hold=2)
    prepared: list[int] = []

    def prepare(i: int) -> None:
        prepared.append(i)
        if i == 2:
            raise RuntimeError("preparation fails")

    results: list[Any] = [None] * 3

    def call(i: int) -> None:
        results[i] = rec.groups.submit("a", i, before_waiting=lambda: prepare(i))

    threads = [threading.Thread(target=call, args=(i,)) for i in range(3)]
    threads[0].start()
    time.sleep(0.05)
    for t in threads[1:]:
        t.start()
    for t in threads:
        t.join(timeout=30)
    assert results == [0, 1, 2]
    assert sorted(prepared) == [1, 2]  # the first caller led at once: it never waited
