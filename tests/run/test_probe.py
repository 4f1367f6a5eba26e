"""matrixgen.probe: retry until it works, or re-raise the last error with how long it tried."""

from __future__ import annotations

import asyncio
import time

import pytest

from matrixgen.probe import aprobe_until, probe_until


class Flaky:
    def __init__(self, failures: int) -> None:
        self.failures = failures
        self.calls = 0

    def __call__(self) -> str:
        self.calls += 1
        if self.calls <= self.failures:
            raise ConnectionError(f"refused #{self.calls}")
        return "ok"


def test_returns_the_value_once_fn_stops_raising() -> None:
    fn = Flaky(3)
    assert probe_until(fn, interval=0.01, timeout=5) == "ok"
    assert fn.calls == 4


def test_raises_the_last_error_with_the_elapsed_time() -> None:
    fn = Flaky(10_000)
    with pytest.raises(ConnectionError, match=r"refused #\d+") as info:
        probe_until(fn, interval=0.01, timeout=0.2)
    assert fn.calls > 2
    assert any("probe gave up after" in note for note in getattr(info.value, "__notes__", []))


def test_errors_outside_retry_propagate_at_once() -> None:
    calls = []

    def broken() -> None:
        calls.append(1)
        raise KeyError("config")

    with pytest.raises(KeyError):
        probe_until(broken, retry=ConnectionError, timeout=5)
    assert calls == [1]


def test_async_twin_takes_coroutines_and_plain_functions() -> None:
    state = {"n": 0}

    async def later() -> int:
        state["n"] += 1
        if state["n"] < 3:
            raise TimeoutError("not yet")
        return state["n"]

    assert asyncio.run(aprobe_until(later, interval=0.01)) == 3
    assert asyncio.run(aprobe_until(Flaky(2), interval=0.01)) == "ok"
    start = time.monotonic()
    with pytest.raises(ConnectionError):
        asyncio.run(aprobe_until(Flaky(10_000), interval=0.01, timeout=0.1))
    assert time.monotonic() - start < 5
