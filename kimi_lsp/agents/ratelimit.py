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

Request starts are also always a little apart (MIN_START_SPACING). When a
round of answers arrives together and its follow-up requests overrun the
provider's window, the first 429 is then read before the rest of the round
is sent, not after it, as long as it comes back within a few starts (a
provider across a network answers later, and the starts in between are
already on their way); and a hundred agents' answers do not all arrive, and
queue for the one event loop, at the same moment.

Hosted providers say up front how many requests remain and when their whole
allowance is back (`x-ratelimit-remaining-requests` and
`x-ratelimit-reset-requests` on every answer, with
`x-ratelimit-limit-requests`). When answers carry them, the limiter starts
no more requests than remain until that reset, and after it no more than the
provider's limit until an answer says more; 429s still slow it down as
above. Without them it works from 429s alone.
"""

from __future__ import annotations

import asyncio
import math
import random
import re
import time
from collections import deque
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import AsyncIterator

from kimi_lsp.swarm.scheduler import GroupError

MAX_BACKOFF = 30.0
RATE_HORIZON = 60.0  # seconds of successes used to estimate the accepted rate
PACE_MARGIN = 0.95
PACE_RECOVERY = 0.998
# Request starts are at least this far apart. Without it, a hundred answers
# arriving together send a hundred requests before the event loop reads the
# first 429 among their answers; 1 ms lets it read one between starts, yet
# allows a thousand starts a second, far above any provider's rate.
MIN_START_SPACING = 0.001
DURATION_PART = re.compile(r"(\d+(?:\.\d*)?)(ms|h|m|s)")
SECONDS_PER_UNIT = {"ms": 0.001, "s": 1.0, "m": 60.0, "h": 3600.0}


class BudgetSpent(GroupError):
    """The run's request budget is used up; the message says so."""


@dataclass(frozen=True)
class ProviderQuota:
    """What the provider's answers said: `allowed` requests in all may have started before `reset_at`.

    An answer saying R remain, to a request that started when A earlier
    requests had their answers, allows A + 1 + R: the provider had counted
    those A (they were done before this one began) and this one, and had room
    for R more. Every other request counts against the R, even those the
    provider may have counted already, which only errs on the safe side
    (requests travel in parallel, so their order of arrival is unknown).

    At `reset_at` the provider's window is empty again. If it said its
    `limit`, that many requests (less those still on their way) may then
    start until an answer says more; `reset_at` is infinite until then.
    """

    allowed: int
    reset_at: float
    limit: int | None


class StartSpacing:
    """Lets request starts through one at a time, each at least `seconds` after the one before.

    Waiting starts queue up and a timer lets the next one through, so a
    burst costs one timer per start, and after the process was held up (a
    loaded machine) the starts that fell due are still let through one by
    one, with the event loop reading answers in between.
    """

    def __init__(self, seconds: float):
        self.seconds = seconds
        self._waiting: deque[asyncio.Future] = deque()
        self._last = float("-inf")
        self._timer: asyncio.TimerHandle | None = None

    async def turn(self) -> None:
        loop = asyncio.get_running_loop()
        if not self._waiting and loop.time() - self._last >= self.seconds:
            self._last = loop.time()
            return
        waiter = loop.create_future()
        self._waiting.append(waiter)
        self._schedule(loop)
        await waiter

    def _schedule(self, loop: asyncio.AbstractEventLoop) -> None:
        if self._timer is None and self._waiting:
            self._timer = loop.call_at(self._last + self.seconds, self._let_one_through, loop)

    def _let_one_through(self, loop: asyncio.AbstractEventLoop) -> None:
        self._timer = None
        while self._waiting:
            waiter = self._waiting.popleft()
            if not waiter.done():  # a cancelled start gives its turn to the next
                waiter.set_result(None)
                self._last = loop.time()
                break
        self._schedule(loop)


class AdaptiveLimiter:
    def __init__(self, ceiling: int, cooldown: float = 1.0, start_spacing: float = MIN_START_SPACING):
        self.ceiling = max(1, ceiling)
        self.spacing = StartSpacing(start_spacing)
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
        self.started = 0
        self.answered = 0  # requests whose slot was given back: answered, rejected or failed
        self.quota: ProviderQuota | None = None

    @asynccontextmanager
    async def slot(self) -> AsyncIterator[int]:
        """Hold one request slot, yielding how many requests were answered before it (for `provider_said`).

        Waits for its turn among requests starting at the same moment, then
        for a free slot, any Retry-After pause, the pace, and the provider's
        remaining requests.
        """
        await self.spacing.turn()
        async with self._changed:
            while True:
                now = time.monotonic()
                wait = max(self.paused_until - now, self._next_start - now if self.interval else 0.0)
                if wait <= 0 and self.quota_left(now) == 0:
                    assert self.quota
                    if self.quota.reset_at == math.inf and self.in_flight == 0:
                        # every request since the reset came back without saying more (say, 500s
                        # without headers): nothing will; go on from 429s alone until an answer does
                        self.quota = None
                        continue
                    if self.quota.reset_at == math.inf:  # until an answer of those on their way says more
                        await self._changed.wait()
                        continue
                    wait = self.quota.reset_at - now
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
            self.started += 1
            answered_before = self.answered
            if self._first_start is None:
                self._first_start = now
            if self.interval:
                self._next_start = max(now, self._next_start) + self.interval
        try:
            yield answered_before
        finally:
            async with self._changed:
                self.in_flight -= 1
                self.answered += 1
                self._changed.notify_all()

    def provider_said(self, headers, answered_before: int) -> None:
        """Take the remaining requests and reset from an answer, if it has them; `answered_before` is from `slot`.

        Call it while the request's slot is held, so waiting requests see it
        when the slot is released. Each answer only adds what it knows: the
        most requests any answer allows, and the latest time any says the
        window is full again.
        """
        said = parse_quota(headers)
        if said is None:
            return
        limit, remaining, reset = said
        now = time.monotonic()
        allowed, reset_at = answered_before + 1 + remaining, now + reset
        current = self._current_quota(now)
        if current is not None:
            allowed = max(allowed, current.allowed)
            reset_at = max(reset_at, current.reset_at) if current.reset_at != math.inf else reset_at
        self.quota = ProviderQuota(allowed, reset_at, limit)

    def quota_left(self, now: float) -> int | None:
        """Requests the provider still takes before its reset; None when it has not said what it allows."""
        quota = self._current_quota(now)
        return None if quota is None else max(0, quota.allowed - self.started)

    def _current_quota(self, now: float) -> ProviderQuota | None:
        """The quota as of `now`: past its reset, a fresh window of the provider's limit, if known."""
        if self.quota is not None and now >= self.quota.reset_at:
            limit = self.quota.limit
            self.quota = ProviderQuota(self.answered + limit, math.inf, limit) if limit else None
        return self.quota

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


def parse_quota(headers) -> tuple[int | None, int, float] | None:
    """(limit, remaining requests, seconds until the window is empty again) from x-ratelimit-*-requests.

    None unless both remaining and reset are there and readable; the limit is
    optional.
    """
    if headers is None:
        return None
    remaining, reset = headers.get("x-ratelimit-remaining-requests"), headers.get("x-ratelimit-reset-requests")
    seconds = parse_duration(reset) if reset is not None else None
    if remaining is None or seconds is None:
        return None
    try:
        return _whole_number(headers.get("x-ratelimit-limit-requests")), max(0, int(remaining)), seconds
    except ValueError:
        return None


def _whole_number(text: str | None) -> int | None:
    try:
        return int(text) if text is not None else None
    except ValueError:
        return None


def parse_duration(text: str) -> float | None:
    """Seconds in an OpenAI-style duration ("6s", "1m2.5s", "20ms", "1h0m0s") or a plain number of seconds."""
    text = text.strip()
    try:
        return max(0.0, float(text))
    except ValueError:
        pass
    parts = DURATION_PART.findall(text)
    if not parts or "".join(number + unit for number, unit in parts) != text:
        return None
    return sum(float(number) * SECONDS_PER_UNIT[unit] for number, unit in parts)


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
