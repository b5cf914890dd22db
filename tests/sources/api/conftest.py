"""A local HTTP server on 127.0.0.1 that replays recorded API responses and injects faults.

`server.replay(folder, "cursor", ...)` serves a recorded fixture (tests/data/api/<folder>/manifest.json)
at its recorded path, matched on the named query parameters; `server.add(path, reply, **params)`
serves one reply; `server.fault(path, *faults)` serves faults first (a 429, a 500, a timeout, a
connection dropped mid-body, a truncated body), then the normal replies. `fake_time` makes the
HTTP layer's sleeps instant and records them, so retry tests never wait.
"""

from __future__ import annotations

import datetime as dt
import json
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, unquote, urlsplit

import pytest

from pipeline.config import ApiSource
from pipeline.sources.http import PoliteSession

API = Path(__file__).parents[2] / "data" / "api"
SECRET_PARAMS = {"api_key", "mailto", "email", "key"}
# Headers the server sets itself (bodies are stored decoded, so no content-encoding either).
_OWN_HEADERS = {"content-length", "content-encoding", "transfer-encoding", "connection", "status"}


@dataclass
class Reply:
    status: int = 200
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)
    #: None, "timeout" (answer after the client gave up), "drop" (close mid-body), "truncate";
    #: hostile servers: "endless" (a chunked body that never ends: 64 KiB chunks, at most `limit`
    #: of them), "drip" (the body one byte every `delay` seconds), "drip_headers" (the status line
    #: and headers one byte every `delay` seconds). Every loop is bounded, all on loopback.
    fault: str | None = None
    delay: float = 0.0
    limit: int = 4096


@dataclass
class Route:
    path: str
    match: dict[str, str]
    replies: list[Reply]
    served: int = 0

    def next(self) -> Reply:
        reply = self.replies[min(self.served, len(self.replies) - 1)]
        self.served += 1
        return reply


def _norm(path: str) -> str:
    return unquote(path).rstrip("/") or "/"


def _headers(recorded: dict[str, Any]) -> dict[str, str]:
    out = {}
    for key, value in (recorded or {}).items():
        if key.lower() in _OWN_HEADERS:
            continue
        out[key] = ", ".join(value) if isinstance(value, list) else str(value)
    return out


class ReplayServer:
    def __init__(self) -> None:
        self.routes: list[Route] = []
        self.faults: dict[str, list[Reply]] = {}
        self.requests: list[dict[str, Any]] = []
        self.lock = threading.Lock()
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), _handler(self))
        self.httpd.daemon_threads = True
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.httpd.server_address[1]}"

    def add(self, path: str, replies: Reply | list[Reply], **match: Any) -> None:
        replies = replies if isinstance(replies, list) else [replies]
        self.routes.append(Route(_norm(path), {k: str(v) for k, v in match.items()}, replies))

    def fault(self, path: str, *faults: Reply) -> None:
        self.faults.setdefault(_norm(path), []).extend(faults)

    def replay(self, folder: str, *keys: str) -> list[dict[str, Any]]:
        """Serve every interaction of a recorded fixture at its path, matched on `keys` params."""
        manifest = json.loads((API / folder / "manifest.json").read_text())
        grouped: dict[tuple[str, tuple[tuple[str, str], ...]], list[Reply]] = {}
        for item in manifest:
            parts = urlsplit(item["uri"])
            params = dict(parse_qsl(parts.query, keep_blank_values=True))
            match = tuple((k, params.get(k, "")) for k in keys)
            body = (API / folder / item["body_file"]).read_bytes()
            grouped.setdefault((parts.path, match), []).append(Reply(item["status"], body, _headers(item["headers"])))
        for (path, match), replies in grouped.items():
            self.add(path, replies, **dict(match))
        return manifest

    def find(self, path: str, params: dict[str, str]) -> Reply:
        with self.lock:
            queue = self.faults.get(path)
            if queue:
                return queue.pop(0)
            for route in self.routes:
                if route.path == path and all(params.get(k, "") == v for k, v in route.match.items()):
                    return route.next()
        return Reply(404, b'{"error": "no recorded response for this request"}', {"content-type": "application/json"})

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


def _handler(server: ReplayServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args: Any) -> None:  # keep test output quiet
            pass

        def do_GET(self) -> None:
            parts = urlsplit(self.path)
            params = dict(parse_qsl(parts.query, keep_blank_values=True))
            server.requests.append({"path": parts.path, "params": params, "headers": dict(self.headers),
                                    "raw": self.path})
            match = {k: v for k, v in params.items() if k not in SECRET_PARAMS}
            self.send(server.find(_norm(parts.path), match))

        def do_POST(self) -> None:
            parts = urlsplit(self.path)
            params = dict(parse_qsl(parts.query, keep_blank_values=True))
            length = min(int(self.headers.get("Content-Length") or 0), 1 << 20)
            server.requests.append({"path": parts.path, "params": params, "headers": dict(self.headers),
                                    "raw": self.path, "method": "POST", "body": self.rfile.read(length)})
            match = {k: v for k, v in params.items() if k not in SECRET_PARAMS}
            self.send(server.find(_norm(parts.path), match))

        def send(self, reply: Reply) -> None:
            body = reply.body
            try:
                if reply.fault in ("endless", "drip", "drip_headers"):
                    self.hostile(reply)
                    return
                if reply.fault == "timeout":
                    time.sleep(1.0)
                self.send_response(reply.status)
                for key, value in reply.headers.items():
                    # "{query}" in a header (a redirect's Location) stands for the request's query.
                    self.send_header(key, value.replace("{query}", urlsplit(self.path).query))
                if reply.fault == "truncate":
                    body = body[: len(body) // 2]
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                if reply.fault == "drop":
                    self.wfile.write(body[: len(body) // 2])
                    self.wfile.flush()
                    self.connection.shutdown(socket.SHUT_RDWR)
                    self.close_connection = True
                    return
                self.wfile.write(body)
            except (BrokenPipeError, ConnectionResetError, OSError):
                self.close_connection = True

        def hostile(self, reply: Reply) -> None:
            self.close_connection = True
            if reply.fault == "drip_headers":
                head = f"HTTP/1.1 {reply.status} OK\r\nContent-Length: {len(reply.body)}\r\n\r\n".encode()
                for index in range(min(len(head), reply.limit)):
                    self.wfile.write(head[index:index + 1])
                    self.wfile.flush()
                    time.sleep(reply.delay)
                self.wfile.write(reply.body)
                return
            self.send_response(reply.status)
            for key, value in reply.headers.items():
                self.send_header(key, value)
            if reply.fault == "endless":
                self.send_header("Transfer-Encoding", "chunked")
                self.end_headers()
                chunk = b"x" * 65536
                for _ in range(reply.limit):
                    self.wfile.write(b"%x\r\n%s\r\n" % (len(chunk), chunk))
                self.wfile.write(b"0\r\n\r\n")
                return
            self.send_header("Content-Length", str(len(reply.body)))
            self.end_headers()
            for index in range(min(len(reply.body), reply.limit)):
                self.wfile.write(reply.body[index:index + 1])
                self.wfile.flush()
                time.sleep(reply.delay)

    return Handler


@pytest.fixture
def server() -> Iterator[ReplayServer]:
    srv = ReplayServer()
    yield srv
    srv.close()


class FakeTime:
    """Instant sleeps on a fake monotonic clock; wall time starts at 2026-03-01 10:00 UTC."""

    def __init__(self) -> None:
        self.t = 0.0
        self.sleeps: list[float] = []

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.t += seconds

    def clock(self) -> float:
        return self.t

    def now(self) -> dt.datetime:
        return dt.datetime(2026, 3, 1, 10, 0, tzinfo=dt.timezone.utc) + dt.timedelta(seconds=self.t)


@pytest.fixture
def fake_time() -> FakeTime:
    return FakeTime()


@pytest.fixture
def http(fake_time: FakeTime) -> PoliteSession:
    """The polite session with instant sleeps, a fixed jitter, and a short read timeout."""
    return PoliteSession(sleep=fake_time.sleep, clock=fake_time.clock, now=fake_time.now, rng=lambda: 0.5,
                         timeout=(2.0, 0.3), max_retries=3)


@pytest.fixture(autouse=True)
def _no_proxies_no_secrets(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "http_proxy", "https_proxy", "ALL_PROXY", "all_proxy",
                 "OPENALEX_API_KEY", "SEMANTIC_SCHOLAR_API_KEY", "CORE_API_KEY", "SLR_MAILTO"):
        monkeypatch.delenv(name, raising=False)


def api_source(server: ReplayServer, type_: str, prefix: str = "", **kwargs: Any) -> ApiSource:
    """An API source of `type_` pointed at the local server (`prefix` = the API's base path)."""
    return ApiSource(name=kwargs.pop("name", type_), type=type_, base_url=server.url + prefix, **kwargs)


def fixture_json(name: str) -> Any:
    return json.loads((API / name).read_text())


def search(source: ApiSource, http: PoliteSession, raw_dir: Path, *, run_id: str = "20260301T100000Z",
           env: dict[str, str] | None = None, offline: bool = False) -> Any:
    """run_api_source with the test session and an explicit environment (no secrets unless given)."""
    from pipeline.sources.api import run_api_source

    return run_api_source(source, raw_dir, run_id=run_id, offline=offline, session=http, env=env or {})


def records_of(run: Any, name: str = "src") -> Any:
    """The normalised record table of a run, as `slr search` builds it."""
    from pipeline.records import make_records

    frame, _ = make_records(run.records, source=name, native_ids=[r.get("_id") for r in run.records])
    return frame
