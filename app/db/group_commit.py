"""Group commit: concurrent callers with the same key have their work done together, in one call of ``run``.

Threads call :meth:`GroupCommit.submit` and block until their item is done. The first caller for a key becomes
its *leader*: it takes every item queued for that key (up to ``max_batch``), runs them together, hands each caller
its own outcome, and passes the lead to the next waiting caller, if any. Nothing waits on a timer: a batch is
whatever arrived while the previous batch of that key was being written, so a lone caller is served at once and
callers that arrive together share one transaction's fixed costs (its round trips, its commit).

``run`` returns one outcome per item, in order: a result, or an exception that is raised in that item's caller
only. If ``run`` itself raises for a batch of several items, each item is run again alone, so a failure reaches
only the caller whose item causes it.
"""

from __future__ import annotations

import logging
import threading
from collections import deque
from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass, field
from typing import Generic, TypeVar

K = TypeVar("K", bound=Hashable)
T = TypeVar("T")
R = TypeVar("R")
log = logging.getLogger(__name__)


@dataclass(eq=False, slots=True)
class _Ticket(Generic[T, R]):
    item: T
    ready: threading.Event = field(default_factory=threading.Event)
    lead: bool = False  # woken to lead the next batch rather than with an outcome
    result: R | None = None
    error: BaseException | None = None


class GroupCommit(Generic[K, T, R]):
    def __init__(self, run: Callable[[K, Sequence[T]], Sequence[R | BaseException]], *, max_batch: int) -> None:
        if max_batch < 1:
            raise ValueError("max_batch must be at least 1")
        self._run = run
        self._max_batch = max_batch
        self._lock = threading.Lock()
        self._queues: dict[K, deque[_Ticket[T, R]]] = {}  # a key has a queue exactly while it has a leader
        self.batch_sizes: dict[int, int] = {}  # how many batches of each size were run (what tests read)

    def submit(self, key: K, item: T, *, before_waiting: Callable[[], object] | None = None) -> R:
        """Run ``item`` with its key's batch; its result, or its exception raised. ``before_waiting``: called first
        when the caller has to wait for a batch to be run by another caller."""
        ticket: _Ticket[T, R] = _Ticket(item)
        with self._lock:
            queue = self._queues.get(key)
            leading = queue is None
            if queue is None:
                queue = self._queues[key] = deque()
            queue.append(ticket)
        if not leading:
            if before_waiting is not None:
                try:
                    before_waiting()
                except Exception:  # the item is queued and will be run all the same: wait for its outcome
                    log.warning("group commit: the caller's preparation for waiting failed", exc_info=True)
            ticket.ready.wait()
            if not ticket.lead:
                return self._outcome(ticket)
        self._lead(key, queue)
        return self._outcome(ticket)

    def _lead(self, key: K, queue: deque[_Ticket[T, R]]) -> None:
        """Run one batch (the leader's own ticket is at the head of the queue), then hand the lead on."""
        with self._lock:
            batch = [queue.popleft() for _ in range(min(len(queue), self._max_batch))]
            self.batch_sizes[len(batch)] = self.batch_sizes.get(len(batch), 0) + 1
        try:
            self._settle(key, batch)
        finally:
            with self._lock:
                if queue:
                    successor = queue[0]
                    successor.lead = True
                    successor.ready.set()
                else:
                    del self._queues[key]
            for ticket in batch[1:]:  # the leader's own ticket (first) is read by the leader itself
                ticket.ready.set()

    def _settle(self, key: K, batch: list[_Ticket[T, R]]) -> None:
        try:
            outcomes = self._run(key, [t.item for t in batch])
        except Exception as exc:
            if len(batch) == 1:
                batch[0].error = exc
            else:  # each alone: the failure reaches only the caller whose item causes it
                for ticket in batch:
                    self._settle(key, [ticket])
            return
        except BaseException as exc:  # an interrupt: every caller of the batch sees it, and so does the leader
            for ticket in batch:
                ticket.error = exc
            raise
        for ticket, outcome in zip(batch, outcomes, strict=True):
            if isinstance(outcome, BaseException):
                ticket.error = outcome
            else:
                ticket.result = outcome

    @staticmethod
    def _outcome(ticket: _Ticket[T, R]) -> R:
        if ticket.error is not None:
            raise ticket.error
        return ticket.result  # type: ignore[return-value]  # set whenever error is not
