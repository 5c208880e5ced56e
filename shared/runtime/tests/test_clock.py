from datetime import timedelta

import pytest

from l2c_runtime.clock import SimulatedClock


def test_simulated_clock_moves_forward_and_wakes_waiters() -> None:
    clock = SimulatedClock()
    waiter = clock.moved
    start = clock.now()
    clock.advance(timedelta(days=90))
    assert waiter.is_set()
    assert not clock.moved.is_set()  # a fresh event for the next move
    assert timedelta(days=90) <= clock.now() - start < timedelta(days=90, seconds=5)


def test_simulated_clock_never_goes_back() -> None:
    clock = SimulatedClock(timedelta(days=10))
    clock.set_offset(timedelta(days=3))  # an older platform offset is ignored
    assert clock.offset == timedelta(days=10)
    with pytest.raises(ValueError, match="backwards"):
        clock.advance(timedelta(seconds=-1))
