"""Sharing one provider among many agents: adaptive concurrency, backoff, budget.

Every agent of a run shares one `AdaptiveLimiter`. It lets at most `limit`
model requests be in flight. On a 429 the limit halves (at most once per
cooldown, so a burst of rejections from one overload counts once) and every
agent waits out the provider's Retry-After; each success raises the limit by
1/limit, so it recovers by about one request per round trip (AIMD, as TCP
does). The run then settles near the concurrency the provider allows instead
of hammering it with retries.
"""

from __future__ import annotations

import asyncio
import random
import time
from contextlib import asynccontextmanager
from typing import AsyncIterator

from kimi_lsp.swarm.scheduler import GroupError

MAX_BACKOFF = 30.0


class BudgetSpent(GroupError):
    """The run's request budget is used up; the message says so."""


class AdaptiveLimiter:
    def __init__(self, ceiling: int, cooldown: float = 1.0):
        self.ceiling = max(1, ceiling)
        self.limit = float(self.ceiling)
        self.cooldown = cooldown
        self.in_flight = 0
        self.rejections = 0
        self.paused_until = 0.0
        self._last_decrease = float("-inf")
        self._changed = asyncio.Condition()

    @asynccontextmanager
    async def slot(self) -> AsyncIterator[None]:
        """Hold one request slot; waits for a free slot and for any Retry-After pause."""
        async with self._changed:
            while True:
                pause = self.paused_until - time.monotonic()
                if pause > 0:
                    try:
                        await asyncio.wait_for(self._changed.wait(), pause)
                    except TimeoutError:
                        pass
                    continue
                if self.in_flight < int(self.limit):
                    break
                await self._changed.wait()
            self.in_flight += 1
        try:
            yield
        finally:
            async with self._changed:
                self.in_flight -= 1
                self._changed.notify_all()

    def succeeded(self) -> None:
        self.limit = min(float(self.ceiling), self.limit + 1 / self.limit)

    def rate_limited(self, retry_after: float | None) -> None:
        """A 429: pause everyone for Retry-After, and halve the limit once per overload."""
        now = time.monotonic()
        self.rejections += 1
        if retry_after:
            self.paused_until = max(self.paused_until, now + retry_after)
        if now - self._last_decrease >= self.cooldown:
            self._last_decrease = now
            self.limit = max(1.0, self.limit / 2)


def backoff_delay(attempt: int, retry_after: float | None, base: float = 0.5) -> float:
    """Seconds before retry number `attempt` (1-based): the provider's word, else exponential, with jitter."""
    if retry_after is not None:
        return retry_after * random.uniform(1.0, 1.1)
    return min(MAX_BACKOFF, base * 2 ** (attempt - 1)) * random.uniform(0.5, 1.5)


def parse_retry_after(headers) -> float | None:
    """Retry-After in seconds (the `retry-after-ms` extension wins when present)."""
    for name, scale in (("retry-after-ms", 0.001), ("retry-after", 1.0)):
        value = headers.get(name) if headers is not None else None
        if value is not None:
            try:
                return max(0.0, float(value) * scale)
            except ValueError:
                continue
    return None


class RequestBudget:
    """How many model requests one run may still make, shared by its agents."""

    def __init__(self, limit: int | None):
        self.limit = limit
        self.used = 0

    @property
    def spent(self) -> bool:
        return self.limit is not None and self.used >= self.limit

    def message(self) -> str:
        return f"request budget spent ({self.used} of {self.limit} model requests)"

    def take(self) -> None:
        if self.spent:
            raise BudgetSpent(self.message())
        self.used += 1
