"""Sharing one provider among many agents: adaptive concurrency, pacing, backoff, budget.

Every agent of a run shares one `AdaptiveLimiter`. It lets at most `limit`
model requests be in flight. On a 429 the limit halves (at most once per
cooldown, so a burst of rejections from one overload counts once) and every
agent waits out the provider's Retry-After; each success raises the limit by
1/limit, so it recovers by about one request per round trip (AIMD, as TCP
does).

Concurrency alone cannot hold a requests-per-minute limit: when a provider's
window reopens, every waiting agent would start at once and most would be
rejected again. So a 429 also sets a pace: request starts are spaced at the
rate the provider has actually been accepting (over the last minute at most,
less 5%), and each success shortens the spacing by 0.2%, probing upward until
the next 429 sets the pace again. The run settles just under the provider's allowed rate
with few rejections, instead of hammering it with retries.
"""

from __future__ import annotations

import asyncio
import random
import time
from collections import deque
from contextlib import asynccontextmanager
from typing import AsyncIterator

from kimi_lsp.swarm.scheduler import GroupError

MAX_BACKOFF = 30.0
RATE_HORIZON = 60.0  # seconds of successes used to estimate the accepted rate
PACE_MARGIN = 0.95
PACE_RECOVERY = 0.998


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
        self.interval = 0.0  # seconds between request starts; 0 until the first 429
        self._next_start = 0.0
        self._successes: deque[float] = deque()
        self._first_start: float | None = None
        self._last_decrease = float("-inf")
        self._changed = asyncio.Condition()

    @asynccontextmanager
    async def slot(self) -> AsyncIterator[None]:
        """Hold one request slot; waits for a free slot, any Retry-After pause, and the pace."""
        async with self._changed:
            while True:
                now = time.monotonic()
                wait = max(self.paused_until - now, self._next_start - now if self.interval else 0.0)
                if wait > 0:
                    try:
                        await asyncio.wait_for(self._changed.wait(), wait)
                    except TimeoutError:
                        pass
                    continue
                if self.in_flight < int(self.limit):
                    break
                await self._changed.wait()
            self.in_flight += 1
            if self._first_start is None:
                self._first_start = now
            if self.interval:
                self._next_start = max(now, self._next_start) + self.interval
        try:
            yield
        finally:
            async with self._changed:
                self.in_flight -= 1
                self._changed.notify_all()

    def succeeded(self) -> None:
        now = time.monotonic()
        self._successes.append(now)
        while self._successes[0] < now - RATE_HORIZON:
            self._successes.popleft()
        self.limit = min(float(self.ceiling), self.limit + 1 / self.limit)
        self.interval *= PACE_RECOVERY

    def rate_limited(self, retry_after: float | None) -> None:
        """A 429: pause everyone for Retry-After; once per overload, halve the limit and pace at the accepted rate."""
        now = time.monotonic()
        self.rejections += 1
        if retry_after:
            self.paused_until = max(self.paused_until, now + retry_after)
        if now - self._last_decrease < self.cooldown:
            return
        self._last_decrease = now
        self.limit = max(1.0, self.limit / 2)
        accepted = self.accepted_rate(now)
        if accepted:
            self.interval = 1 / (accepted * PACE_MARGIN)

    def accepted_rate(self, now: float) -> float | None:
        """Requests per second the provider took since the first (at most RATE_HORIZON back).

        Requests still in flight count: the provider accepted them, and early
        in a run they are most of what it accepted.
        """
        accepted = len(self._successes) + self.in_flight
        if self._first_start is None or not accepted:
            return None
        return accepted / max(min(RATE_HORIZON, now - self._first_start), 1e-3)


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
