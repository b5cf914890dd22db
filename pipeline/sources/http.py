"""One polite HTTP layer for every API connector (requests.Session underneath).

- A rate limit per source (requests per second, `RATES`), which also follows what the server
  says in its rate-limit headers: Crossref's `x-rate-limit-limit`/`-interval` (2026) and
  `x-ratelimit-limit`/`-interval` (2025), OpenAlex's `ratelimit-*` (2025) and `x-ratelimit-*`
  (2026) remaining/reset. The server can only slow us down, never speed us past our own bound.
- Retries with exponential backoff and jitter on 429, 5xx, timeouts, dropped connections and
  unreadable bodies, honouring `Retry-After`; no retry on other 4xx, which become a SourceError
  naming the source, the query, what the API said and the fix.
- Secrets (API keys, the contact address) come from the environment only; `Redactor` removes them
  from every URL, header, body and message before anything is logged, kept or raised.

Sleeping and the clocks are injected, so tests run the whole retry logic without waiting.
"""

from __future__ import annotations

import datetime as dt
import email.utils
import json
import os
import random
import re
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, TypeVar
from urllib.parse import parse_qsl, quote, quote_plus, urlencode, urlsplit, urlunsplit

import requests

from .. import __version__
from ..errors import SourceError
from .connector import BadPage, Step

T = TypeVar("T")

#: Environment variables whose values are secrets (never written anywhere).
SECRET_ENV: tuple[str, ...] = ("OPENALEX_API_KEY", "SEMANTIC_SCHOLAR_API_KEY", "CORE_API_KEY", "SLR_MAILTO")
#: Query parameters and headers that carry secrets.
SECRET_PARAMS = frozenset({"api_key", "apikey", "key", "mailto", "email"})
SECRET_HEADERS = frozenset({"authorization", "x-api-key", "cookie", "set-cookie", "proxy-authorization"})
REDACTED = "<redacted>"

#: Polite request rates (per second) by connector type; Crossref doubles with a contact address.
RATES: dict[str, float] = {
    "openalex": 10.0, "crossref": 5.0, "semantic_scholar": 1.0, "arxiv": 1 / 3,
    "eric": 2.0, "europepmc": 2.0, "core": 2.0, "doaj": 2.0,
}

RETRY_STATUS = frozenset({408, 425, 429, 500, 502, 503, 504, 520, 521, 522, 524})


def user_agent(mailto: str | None) -> str:
    """`slr/<version>`, with the contact address when one is set (APIs' polite pools ask for it)."""
    return f"slr/{__version__} (mailto:{mailto})" if mailto else f"slr/{__version__} (systematic review pipeline)"


class Redactor:
    """Removes secret values (and their URL-encoded forms) and secret parameters from text."""

    def __init__(self, values: list[str | None]) -> None:
        forms: set[str] = set()
        for value in values:
            if value and len(value) >= 4:
                forms.update({value, quote(value, safe=""), quote_plus(value, safe="")})
        # Longest first, so a value is never half-replaced by one of its own encodings.
        self.values = sorted(forms, key=len, reverse=True)

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> "Redactor":
        env = os.environ if env is None else env
        return cls([env.get(name) for name in SECRET_ENV])

    def text(self, text: str) -> str:
        for value in self.values:
            if value in text:
                text = text.replace(value, REDACTED)
        return text

    def url(self, url: str) -> str:
        """The URL without secret query parameters, and with any secret value left masked."""
        parts = urlsplit(url)
        query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if k.lower() not in SECRET_PARAMS]
        return self.text(urlunsplit(parts._replace(query=urlencode(query))))

    def headers(self, headers: Mapping[str, Any]) -> dict[str, str]:
        return {str(k): (REDACTED if str(k).lower() in SECRET_HEADERS else self.text(str(v))) for k, v in headers.items()}


def _number(value: Any) -> float | None:
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
        limit = _number(h.get("x-rate-limit-limit") or h.get("x-ratelimit-limit") or h.get("ratelimit-limit"))
        window = _seconds(h.get("x-rate-limit-interval") or h.get("x-ratelimit-interval"))
        if limit and window:
            self.floor = max(self.base, window / limit)
            self.interval = max(self.interval, self.floor)
        remaining = _number(h.get("x-ratelimit-remaining") or h.get("ratelimit-remaining"))
        reset = _number(h.get("x-ratelimit-reset") or h.get("ratelimit-reset"))
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
    seconds = _number(value)
    if seconds is not None:
        return max(0.0, seconds)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=dt.timezone.utc)
    return max(0.0, (when - now).total_seconds())


def describe_error(body: str, limit: int = 300) -> str:
    """What an API said in an error body (JSON message, Atom summary, or plain text), shortened."""
    text = body.strip()
    detail = ""
    if text.startswith(("{", "[")):
        try:
            data = json.loads(text)
        except ValueError:
            data = None
        parts: list[str] = []

        def collect(node: Any) -> None:
            if isinstance(node, dict):
                for key in ("error", "message", "detail", "errorMessage", "type", "value"):
                    if isinstance(node.get(key), str) and node[key] not in parts:
                        parts.append(node[key])
                    elif isinstance(node.get(key), (dict, list)):
                        collect(node[key])
            elif isinstance(node, list):
                for item in node[:3]:
                    collect(item)

        collect(data)
        detail = ": ".join(parts)
    elif "<" in text:
        match = re.search(r"<summary[^>]*>(.*?)</summary>", text, re.S) or re.search(r"<title[^>]*>(.*?)</title>", text, re.S)
        detail = match.group(1) if match else re.sub(r"<[^>]+>", " ", text)
    detail = re.sub(r"\s+", " ", detail or text).strip()
    return detail[:limit] + ("…" if len(detail) > limit else "")


class RequestRejected(SourceError):
    """The API refused a request (4xx other than 408/429): retrying would not help."""

    def __init__(self, message: str, *, hint: str | None, status: int, detail: str) -> None:
        super().__init__(message, hint=hint)
        self.status = status
        self.detail = detail


@dataclass
class Fetched:
    """One successful response, already redacted: what a raw page keeps."""

    url: str
    status: int
    headers: dict[str, str]
    body: str
    fetched_at: str
    parsed: Any = None


@dataclass
class PoliteSession:
    """The shared session, clocks and retry policy. Tests inject `sleep`, `clock`, `now` and `rng`."""

    session: requests.Session = field(default_factory=requests.Session)
    sleep: Callable[[float], None] = time.sleep
    clock: Callable[[], float] = time.monotonic
    now: Callable[[], dt.datetime] = lambda: dt.datetime.now(dt.timezone.utc)
    rng: Callable[[], float] = random.random
    timeout: tuple[float, float] = (10.0, 60.0)
    max_retries: int = 6
    backoff: float = 1.0
    max_backoff: float = 60.0
    #: Longest pause we sleep through (Retry-After, a spent budget); longer → stop and resume later.
    max_wait: float = 600.0

    def limiter(self, rate: float) -> RateLimiter:
        return RateLimiter(rate, sleep=self.sleep, clock=self.clock, max_wait=self.max_wait)

    def backoff_delay(self, attempt: int) -> float:
        """Exponential backoff with jitter: between half and all of base·2^(attempt-1), capped."""
        ceiling = min(self.max_backoff, self.backoff * 2 ** (attempt - 1))
        return ceiling * (0.5 + 0.5 * self.rng())


@dataclass
class SourceClient:
    """Requests for one source: its rate limiter, its secrets, and its retry counters."""

    http: PoliteSession
    label: str
    query: str
    rate: float
    redactor: Redactor
    auth_params: dict[str, str] = field(default_factory=dict)
    auth_headers: dict[str, str] = field(default_factory=dict)
    user_agent: str = field(default_factory=lambda: user_agent(None))
    hints: Mapping[int, str] = field(default_factory=dict)
    retries: int = 0
    problems: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.limiter = self.http.limiter(self.rate)

    def sent_url(self, step: Step) -> str:
        """The URL as sent, minus secrets (what the search log and raw pages keep)."""
        prepared = requests.Request(step.method, step.url, params=step.params).prepare()
        return self.redactor.url(prepared.url or step.url)

    def fetch(self, step: Step, parse: Callable[[str], T], where: str) -> Fetched:
        """GET one page and parse it; retry what is transient; raise SourceError for the rest."""
        attempt = 0
        url = self.sent_url(step)
        headers = {"User-Agent": self.user_agent, **self.auth_headers}
        params = {**step.params, **self.auth_params}
        while True:
            wait: float | None = None
            try:
                self.limiter.wait()
            except WaitTooLong as exc:
                raise self._stop(f"the API asks to pause for {exc.seconds:.0f} s (its rate-limit budget is spent)", where) from None
            try:
                response = self.http.session.request(step.method, step.url, params=params, headers=headers,
                                                     timeout=self.http.timeout)
                content = response.content  # a connection dropped mid-body raises here
            except requests.Timeout:
                problem = "timed out"
            except (requests.ConnectionError, requests.exceptions.ChunkedEncodingError,
                    requests.exceptions.ContentDecodingError) as exc:
                problem = f"connection failed ({type(exc).__name__})"
            except requests.RequestException as exc:
                raise SourceError(f"{self.label}: request failed: {self.redactor.text(str(exc))} ({where})",
                                  hint="check the source's base_url (or SLR_<TYPE>_URL)") from None
            else:
                self.limiter.adapt(response.headers)
                status = response.status_code
                body = self.redactor.text(_decode(content, response.headers.get("content-type", "")))
                if status == 429 or status in RETRY_STATUS or status >= 500:
                    problem = f"HTTP {status}"
                    wait = retry_after(response.headers.get("Retry-After"), self.http.now())
                    if status == 429:
                        self.limiter.slow_down()
                elif status >= 400:
                    raise self._rejected(status, body, where)
                else:
                    try:
                        parsed = parse(body)
                    except BadPage as exc:
                        problem = f"unreadable response ({self.redactor.text(str(exc))})"
                    else:
                        self.limiter.recover()
                        return Fetched(url=url, status=status, headers=self.redactor.headers(response.headers),
                                       body=body, fetched_at=self.http.now().isoformat(), parsed=parsed)
            attempt += 1
            self.problems.append(problem)
            if attempt > self.http.max_retries:
                raise self._stop(f"{problem}, still failing after {self.http.max_retries} retries", where)
            delay = wait + self.http.rng() * min(1.0, 0.1 * wait) if wait is not None else self.http.backoff_delay(attempt)
            if delay > self.http.max_wait:
                raise self._stop(f"{problem}; the API asks to retry after {delay:.0f} s", where)
            self.retries += 1
            self.http.sleep(delay)

    def _stop(self, problem: str, where: str) -> SourceError:
        return SourceError(f"{self.label}: {problem} ({where}); query: {self.query}",
                           hint="run `slr search` again later: the pages already fetched are kept and the "
                                "search resumes at the page that failed")

    def _rejected(self, status: int, body: str, where: str) -> RequestRejected:
        detail = describe_error(body)
        default = {
            400: "check the query syntax and the filters for this database",
            401: "check the API key in the environment",
            403: "check the API key in the environment",
            404: "check the source's base_url (or SLR_<TYPE>_URL)",
        }.get(status, "check the query and the source's settings")
        return RequestRejected(f"{self.label}: HTTP {status}: {detail or 'no message'} ({where}); query: {self.query}",
                               hint=self.hints.get(status, default), status=status, detail=detail)


def _decode(content: bytes, content_type: str) -> str:
    match = re.search(r"charset=([\w-]+)", content_type or "", re.I)
    try:
        return content.decode(match.group(1) if match else "utf-8", errors="replace")
    except LookupError:
        return content.decode("utf-8", errors="replace")
