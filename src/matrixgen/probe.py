"""Wait for something to become true by retrying it, not by sleeping a fixed time.

For users' own tests (a bucket that appears, a queue that drains) and for matrixgen's
readiness probes:

    from matrixgen.probe import probe_until
    body = probe_until(lambda: urlopen(url).read(), timeout=5)
"""

from __future__ import annotations

import asyncio
import inspect
import time
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar, overload

T = TypeVar("T")

Retryable = type[BaseException] | tuple[type[BaseException], ...]


def _give_up(error: BaseException, elapsed: float, attempts: int) -> BaseException:
    note = f"probe gave up after {elapsed:.2f}s and {attempts} attempts"
    add_note = getattr(error, "add_note", None)
    if add_note is not None:
        add_note(note)
    else:  # Python 3.10: no add_note, but __notes__ is only a list (3.11 tracebacks show it)
        error.__notes__ = [*getattr(error, "__notes__", []), note]  # type: ignore[attr-defined]
    return error


def probe_until(
    fn: Callable[[], T],
    *,
    interval: float = 0.1,
    timeout: float = 3.0,
    retry: Retryable = Exception,
) -> T:
    """Call `fn` until it stops raising and return its value.

    After `timeout` seconds the last error is raised again, with a note saying how
    long it was tried. Errors that are not `retry` propagate at once.
    """
    start = time.monotonic()
    attempts = 0
    while True:
        attempts += 1
        try:
            return fn()
        except retry as error:
            elapsed = time.monotonic() - start
            if elapsed + interval > timeout:
                raise _give_up(error, elapsed, attempts) from None
        time.sleep(interval)


@overload
async def aprobe_until(
    fn: Callable[[], Awaitable[T]],
    *,
    interval: float = ...,
    timeout: float = ...,
    retry: Retryable = ...,
) -> T: ...


@overload
async def aprobe_until(
    fn: Callable[[], T], *, interval: float = ..., timeout: float = ..., retry: Retryable = ...
) -> T: ...


async def aprobe_until(
    fn: Callable[[], Any],
    *,
    interval: float = 0.1,
    timeout: float = 3.0,
    retry: Retryable = Exception,
) -> Any:
    """The async twin of `probe_until`; `fn` may be a coroutine function or a plain one."""
    start = time.monotonic()
    attempts = 0
    while True:
        attempts += 1
        try:
            result = fn()
            if inspect.isawaitable(result):
                return await result
            return result
        except retry as error:
            elapsed = time.monotonic() - start
            if elapsed + interval > timeout:
                raise _give_up(error, elapsed, attempts) from None
        await asyncio.sleep(interval)
