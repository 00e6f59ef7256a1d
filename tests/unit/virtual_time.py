"""A virtual-time asyncio loop: timers fire in order at once, and `loop.time()` jumps to them.

    with virtual_time() as loop:
        loop.run_until_complete(main())     # asyncio.sleep(30) inside takes no real time

Tests of deadlines run on it instead of the real clock, so they assert exact times and never
race a busy machine. The loop's selector polls real file descriptors without blocking; when
nothing is ready it advances the clock by the timeout asyncio asked to wait, which is exactly
the time to the next timer. With no timer and nothing ready, the program could never go on: the
selector raises instead of hanging.
"""

from __future__ import annotations

import asyncio
import selectors
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any


class Deadlock(RuntimeError):
    """Every task waits, and no timer will ever wake one."""


class _TimeWarpSelector(selectors.DefaultSelector):  # type: ignore[misc,valid-type]
    def __init__(self) -> None:
        super().__init__()
        self.now = 0.0

    def select(self, timeout: float | None = None) -> list[Any]:
        ready = super().select(0)
        if ready or timeout == 0:
            return ready
        if timeout is None:
            raise Deadlock("every task waits, and no timer is set")
        self.now += timeout
        return []


class VirtualTimeLoop(asyncio.SelectorEventLoop):
    """An event loop whose clock is virtual (see the module docs)."""

    def __init__(self) -> None:
        self._warp = _TimeWarpSelector()
        super().__init__(selector=self._warp)

    def time(self) -> float:
        return self._warp.now


@contextmanager
def virtual_time() -> Iterator[VirtualTimeLoop]:
    loop = VirtualTimeLoop()
    try:
        yield loop
    finally:
        loop.close()
