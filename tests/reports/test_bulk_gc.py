"""The garbage collector pause around bulk batches: off while any batch runs, restored after the last."""

from __future__ import annotations

import gc
from collections.abc import Iterator

import pytest

from app.core.collector import collector_paused


@pytest.fixture
def collector_on() -> Iterator[None]:
    was = gc.isenabled()
    gc.enable()
    yield
    if not was:
        gc.disable()


@pytest.mark.usefixtures("collector_on")
def test_paused_while_any_batch_runs_and_restored_after_the_last() -> None:
    with collector_paused():
        assert not gc.isenabled()
        with collector_paused():  # a second batch, e.g. another stream's
            assert not gc.isenabled()
        assert not gc.isenabled()  # the first one is still running
    assert gc.isenabled()


@pytest.mark.usefixtures("collector_on")
def test_restored_when_a_batch_fails() -> None:
    with pytest.raises(RuntimeError), collector_paused():
        raise RuntimeError("database gone")
    assert gc.isenabled()


@pytest.mark.usefixtures("collector_on")
def test_left_off_when_it_was_off() -> None:
    gc.disable()
    with collector_paused():
        pass
    assert not gc.isenabled()
