"""One polite HTTP layer for every API connector (requests.Session underneath).

- A rate limit per database (requests per second, `RATES`), which also follows what the server
  says in its rate-limit headers (rate_limit.py). The server can only slow us down, never speed
  us past our own bound.
- Retries with exponential backoff and jitter on 429, 5xx, timeouts, dropped connections and
  unreadable bodies, honouring `Retry-After`; no retry on other 4xx, which become a SourceError
  naming the source, the query, what the API said and the fix.
- Secrets (API keys, the contact address) come from the environment only; `Redactor` removes them
  from every URL, header, body and message before anything is logged, kept or raised. Redirects
  are followed here, not by requests (which strips only `Authorization` on a host change): a
  redirect to another scheme, host or port drops every secret header and parameter, and one from
  https to http is refused.
- Every request is bounded: a connect and a read timeout, an overall deadline (headers and body
  together, so a server that drips one byte at a time cannot hold a search forever) and a cap on
  the body's size (counted after decompression). A timeout or a passed deadline is retried like a
  dropped connection; an oversized body is an error.

Sleeping and the clocks are injected, so tests run the whole retry logic without waiting.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import random
import re
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, TypeVar
from urllib.parse import parse_qsl, quote, quote_plus, urlencode, urljoin, urlsplit, urlunsplit

import requests

from .. import __version__
from ..errors import SourceError
from .connector import BadPage, Step
from .rate_limit import RateLimiter, WaitTooLong, header_number, retry_after

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
RATES["citations"] = RATES["openalex"]  # citation searching asks OpenAlex
#: Unpaywall (full-text lookups) asks for at most 100,000 calls a day and names no rate; 10/s is
#: OpenAlex's polite rate (the same organisation, OurResearch), one DOI a request.
RATES["unpaywall"] = 10.0

RETRY_STATUS = frozenset({408, 425, 429, 500, 502, 503, 504, 520, 521, 522, 524})
REDIRECT_STATUS = frozenset({301, 302, 303, 307, 308})
_DEFAULT_PORTS = {"http": 80, "https": 443}


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
    #: (connect, read) timeouts in seconds: read is the longest silence between two received bytes.
    timeout: tuple[float, float] = (10.0, 60.0)
    #: Seconds one request may take in all (headers and body), however the bytes trickle in.
    deadline: float = 120.0
    #: Largest response body we read (bytes, after decompression); a page of 200 OpenAlex works
    #: with abstracts is about 2 MB.
    max_body: int = 64 * 1024 * 1024
    max_redirects: int = 5
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


@dataclass(frozen=True)
class HostAuth:
    """What one further API host of a source gets: its own secrets, contact line and rate."""

    params: dict[str, str]
    headers: dict[str, str]
    user_agent: str
    rate: float


@dataclass
class SourceClient:
    """Requests for one source: its rate limiter, its secrets, and its retry counters.

    With `auth_origin` set (the source's base URL), the source's secrets and contact address go to
    that origin only; a request to another origin gets those of `hosts` (keyed by base URL), each
    with its own rate limiter, or none. Citation searching asks Semantic Scholar and Crossref for
    what OpenAlex lacks: the OpenAlex key must not travel with those requests."""

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
    auth_origin: str | None = None
    hosts: Mapping[str, HostAuth] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.limiter = self.http.limiter(self.rate)
        self._hosts = {_origin(url): (auth, self.http.limiter(auth.rate)) for url, auth in self.hosts.items()}

    def _for(self, url: str) -> tuple[dict[str, str], dict[str, str], RateLimiter]:
        """(params, headers, limiter) of the request's origin: a secret goes only where it belongs."""
        origin = _origin(url)
        if self.auth_origin is None or origin == _origin(self.auth_origin):
            return dict(self.auth_params), {"User-Agent": self.user_agent, **self.auth_headers}, self.limiter
        if origin in self._hosts:
            auth, limiter = self._hosts[origin]
            return dict(auth.params), {"User-Agent": auth.user_agent, **auth.headers}, limiter
        return {}, {"User-Agent": user_agent(None)}, self.limiter

    def sent_url(self, step: Step) -> str:
        """The URL as sent, minus secrets (what the search log and raw pages keep)."""
        prepared = requests.Request(step.method, step.url, params=step.params).prepare()
        return self.redactor.url(prepared.url or step.url)

    def fetch(self, step: Step, parse: Callable[[str], T], where: str) -> Fetched:
        """GET one page and parse it; retry what is transient; raise SourceError for the rest."""
        attempt = 0
        url = self.sent_url(step)
        secret_params, headers, limiter = self._for(step.url)
        params = {**step.params, **secret_params}
        while True:
            wait: float | None = None
            try:
                limiter.wait()
            except WaitTooLong as exc:
                raise self._stop(f"the API asks to pause for {exc.seconds:.0f} s (its rate-limit budget is spent)", where) from None
            try:
                response, content = self._bounded(step, params, headers, where)
            except (requests.Timeout, _DeadlinePassed) as exc:
                problem = "timed out" if isinstance(exc, requests.Timeout) else str(exc)
            except (requests.ConnectionError, requests.exceptions.ChunkedEncodingError,
                    requests.exceptions.ContentDecodingError) as exc:
                problem = f"connection failed ({type(exc).__name__})"
            except requests.RequestException as exc:
                raise SourceError(f"{self.label}: request failed: {self.redactor.text(str(exc))} ({where})",
                                  hint="check the source's base_url (or SLR_<TYPE>_URL)") from None
            else:
                limiter.adapt(response.headers)
                status = response.status_code
                body = self.redactor.text(_decode(content, response.headers.get("content-type", "")))
                if status == 429 or status in RETRY_STATUS or status >= 500:
                    problem = f"HTTP {status}"
                    wait = retry_after(response.headers.get("Retry-After"), self.http.now())
                    if status == 429:
                        limiter.slow_down()
                elif status >= 400:
                    raise self._rejected(status, body, where)
                else:
                    try:
                        parsed = parse(body)
                    except BadPage as exc:
                        problem = f"unreadable response ({self.redactor.text(str(exc))})"
                    else:
                        limiter.recover()
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

    def _bounded(self, step: Step, params: dict[str, Any], headers: dict[str, str],
                 where: str) -> tuple[requests.Response, bytes]:
        """One request (redirects included) and its body, within `http.deadline` seconds.

        The request runs in a daemon thread so that the deadline holds however slowly a server
        sends headers or body; when it passes, the connection is shut down (which ends the
        thread's blocking read) and `_DeadlinePassed` is raised here."""
        outcome: dict[str, Any] = {}
        finished = threading.Event()
        cancelled = threading.Event()

        def work() -> None:
            try:
                outcome["value"] = self._follow(step, params, headers, where, cancelled, outcome)
            except BaseException as exc:  # handed to the calling thread
                outcome["error"] = exc
            finally:
                finished.set()

        worker = threading.Thread(target=work, name=f"slr-http-{self.label}", daemon=True)
        worker.start()
        if not finished.wait(self.http.deadline):
            cancelled.set()
            _shutdown(outcome.get("response"))
            raise _DeadlinePassed(f"no complete response within {self.http.deadline:g} s")
        if "error" in outcome:
            raise outcome["error"]
        return outcome["value"]

    def _follow(self, step: Step, params: dict[str, Any], headers: dict[str, str], where: str,
                cancelled: threading.Event, outcome: dict[str, Any]) -> tuple[requests.Response, bytes]:
        """GET with redirects followed by hand: secrets only ever go to the origin they were set for."""
        origin = _origin(step.url)
        secret_params = set(params) - set(step.params)
        method, url, send_params, send_headers = step.method, step.url, params, dict(headers)
        for _ in range(self.http.max_redirects + 1):
            response = self.http.session.request(method, url, params=send_params, headers=send_headers,
                                                 json=step.body if method != "GET" else None,
                                                 timeout=self.http.timeout, stream=True, allow_redirects=False)
            outcome["response"] = response
            location = response.headers.get("location")
            if response.status_code not in REDIRECT_STATUS or not location:
                return response, self._body(response, where, cancelled)
            response.close()
            target = urljoin(response.url, location)
            if urlsplit(target).scheme not in _DEFAULT_PORTS:
                raise SourceError(f"{self.label}: the API redirects to {self.redactor.url(target)}, "
                                  f"which is not a web address ({where})",
                                  hint="check the source's base_url (or SLR_<TYPE>_URL)")
            if urlsplit(response.url).scheme == "https" and urlsplit(target).scheme != "https":
                raise SourceError(f"{self.label}: the API redirects from https to {self.redactor.url(target)}, "
                                  f"which is not encrypted; slr does not follow it ({where})",
                                  hint="check the source's base_url (or SLR_<TYPE>_URL)")
            if _origin(target) != origin:
                # Another host, port or scheme: it gets no key, no contact address, no cookie.
                # A server that copies our query into its Location would hand the key on in the URL.
                secret = ({k.lower() for k in headers} - {"user-agent"}) | SECRET_HEADERS
                send_headers = {k: v for k, v in send_headers.items() if k.lower() not in secret}
                send_headers["User-Agent"] = user_agent(None)  # ours names the contact address
                parts = urlsplit(target)
                query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True)
                         if k.lower() not in SECRET_PARAMS and k not in secret_params]
                target = urlunsplit(parts._replace(query=urlencode(query)))
            method = "GET" if response.status_code == 303 else method
            url, send_params = target, None
        raise SourceError(f"{self.label}: more than {self.http.max_redirects} redirects ({where})",
                          hint="check the source's base_url (or SLR_<TYPE>_URL)")

    def _body(self, response: requests.Response, where: str, cancelled: threading.Event) -> bytes:
        """The body, read in chunks and refused past `http.max_body` bytes."""
        limit = self.http.max_body
        declared = header_number(response.headers.get("content-length"))
        if declared is not None and declared > limit:
            response.close()
            raise self._too_large(f"announces {declared:,.0f} bytes", where)
        chunks: list[bytes] = []
        size = 0
        for chunk in response.iter_content(64 * 1024):
            if cancelled.is_set():
                break
            size += len(chunk)
            if size > limit:
                response.close()
                raise self._too_large(f"is longer than {limit:,} bytes", where)
            chunks.append(chunk)
        return b"".join(chunks)

    def _too_large(self, what: str, where: str) -> SourceError:
        return SourceError(f"{self.label}: the response {what}; slr reads at most {self.http.max_body:,} bytes "
                           f"per page ({where}); query: {self.query}",
                           hint="check the source's base_url (or SLR_<TYPE>_URL), or ask for smaller pages")

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


#: Environment variables that tighten the request bounds (the attack battery and slow-network
#: users): seconds per request, bytes per body, retries per request.
LIMIT_ENV = {"SLR_HTTP_DEADLINE": ("deadline", float), "SLR_HTTP_MAX_BODY": ("max_body", int),
             "SLR_HTTP_RETRIES": ("max_retries", int)}


def limits_from_env(env: Mapping[str, str]) -> dict[str, Any]:
    """PoliteSession keyword arguments from `LIMIT_ENV` variables that are set (a bad value is an error)."""
    out: dict[str, Any] = {}
    for name, (key, kind) in LIMIT_ENV.items():
        if env.get(name):
            try:
                out[key] = kind(env[name])
            except ValueError:
                raise SourceError(f'{name}="{env[name]}" is not a {"number" if kind is float else "whole number"}',
                                  hint=f"unset {name}, or set it to a positive number") from None
    return out


class _DeadlinePassed(Exception):
    """A request took longer than the session's deadline (retried like a timeout)."""


def _origin(url: str) -> tuple[str, str, int | None]:
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    return scheme, (parts.hostname or "").lower(), parts.port or _DEFAULT_PORTS.get(scheme)


def _shutdown(response: requests.Response | None) -> None:
    """Shut a response's socket down from another thread: the blocked read there ends at once."""
    import socket

    raw = getattr(response, "raw", None)
    connection = getattr(raw, "_connection", None) or getattr(raw, "connection", None)
    sock = getattr(connection, "sock", None)
    if sock is None:  # urllib3 keeps it on the http.client response's socket file
        fp = getattr(getattr(raw, "_fp", None), "fp", None)
        sock = getattr(getattr(fp, "raw", None), "_sock", None)
    if sock is not None:
        try:
            sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass


def _decode(content: bytes, content_type: str) -> str:
    match = re.search(r"charset=([\w-]+)", content_type or "", re.I)
    try:
        return content.decode(match.group(1) if match else "utf-8", errors="replace")
    except LookupError:
        return content.decode("utf-8", errors="replace")
