"""Pausing Python's cyclic garbage collector around work that makes a great many short-lived, acyclic objects
(storing a bulk batch, building seeded reports): reference counting frees them, and the collector's passes over the
whole heap would otherwise cost a large share of the time. One pause for the whole process: it nests and works
across threads, and the collector comes back (as it was before the first pause) when the last pause ends."""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator
from contextlib import contextmanager

_paused = 0  # pauses in progress
_was_enabled = True
_lock = threading.Lock()


@contextmanager
def collector_paused() -> Iterator[None]:
    global _paused, _was_enabled
    with _lock:
        if _paused == 0:
            _was_enabled = gc.isenabled()
            gc.disable()
        _paused += 1
    try:
        yield
    finally:
        with _lock:
            _paused -= 1
            if _paused == 0 and _was_enabled:
                gc.enable()
