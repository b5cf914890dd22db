"""How fast slr asks a database: its own bound, the server's rate-limit headers, Retry-After.

`RateLimiter` keeps at most `rate` requests a second, follows what the server says in its headers
(Crossref's `x-rate-limit-limit`/`-interval` in 2026 and `x-ratelimit-*` in 2025; OpenAlex's
`ratelimit-*` in 2025 and `x-ratelimit-*` in 2026: limit, remaining, reset) — which can only slow
it down, never speed it past its own bound — halves its rate after a 429 and recovers slowly. It
raises `WaitTooLong` rather than sleep longer than `max_wait`. Clocks and sleep are injected, so
tests run it without waiting. Used by the polite HTTP layer (http.py), one limiter per database.
"""

from __future__ import annotations

import datetime as dt
import email.utils
import re
from collections.abc import Callable, Mapping
from typing import Any


def header_number(value: Any) -> float | None:
    """The number at the start of a header value ("5", "1.5", "5, 10"), or None."""
    try:
        return float(str(value).strip().split(",")[0])
    except (TypeError, ValueError):
        return None


def _seconds(value: Any) -> float | None:
    """ "1s", "500ms", "1" → seconds."""
    if value is None:
        return None
    match = re.fullmatch(r"\s*([\d.]+)\s*(ms|s|m)?\s*", str(value))
    if not match:
        return None
    number = float(match.group(1))
    return number / 1000 if match.group(2) == "ms" else number * 60 if match.group(2) == "m" else number


class WaitTooLong(Exception):
    """The server asks for a pause longer than we are willing to sleep."""

    def __init__(self, seconds: float) -> None:
        super().__init__(f"{seconds:.0f} s")
        self.seconds = seconds


class RateLimiter:
    """At most `rate` requests per second, slower when the server's headers or a 429 say so."""

    def __init__(self, rate: float, *, sleep: Callable[[float], None], clock: Callable[[], float],
                 max_wait: float = 600.0) -> None:
        self.base = 1.0 / rate
        self.floor = self.base
        self.interval = self.base
        self.next_at = float("-inf")
        self.paused_until = float("-inf")
        self.sleep, self.clock, self.max_wait = sleep, clock, max_wait

    @property
    def rate(self) -> float:
        return 1.0 / self.interval

    def wait(self) -> None:
        """Sleep until the next request may go; raise WaitTooLong rather than sleep for hours."""
        now = self.clock()
        target = max(self.next_at, self.paused_until)
        if target - now > self.max_wait:
            raise WaitTooLong(target - now)
        if target > now:
            self.sleep(target - now)
            now = max(self.clock(), target)
        self.next_at = now + self.interval

    def adapt(self, headers: Mapping[str, Any]) -> None:
        """Follow the server's stated limit (never above our own) and pause when its budget is spent."""
        h = {str(k).lower(): v for k, v in headers.items()}
        limit = header_number(h.get("x-rate-limit-limit") or h.get("x-ratelimit-limit") or h.get("ratelimit-limit"))
        window = _seconds(h.get("x-rate-limit-interval") or h.get("x-ratelimit-interval"))
        if limit and window:
            self.floor = max(self.base, window / limit)
            self.interval = max(self.interval, self.floor)
        remaining = header_number(h.get("x-ratelimit-remaining") or h.get("ratelimit-remaining"))
        reset = header_number(h.get("x-ratelimit-reset") or h.get("ratelimit-reset"))
        if remaining is not None and remaining <= 0 and reset:
            self.paused_until = self.clock() + reset

    def slow_down(self) -> None:
        """After a 429: halve the rate for the rest of the run (recovering slowly on success)."""
        self.interval = min(self.interval * 2, max(self.floor * 16, 1.0))

    def recover(self) -> None:
        self.interval = max(self.floor, self.interval * 0.9)


def retry_after(value: str | None, now: dt.datetime) -> float | None:
    """Seconds from a Retry-After header (seconds or an HTTP date)."""
    if not value:
        return None
    seconds = header_number(value)
    if seconds is not None:
        return max(0.0, seconds)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=dt.timezone.utc)
    return max(0.0, (when - now).total_seconds())
