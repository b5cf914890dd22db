"""API search benchmark: paging speed under a rate limit, and the `--offline` rebuild rate.

    python bench/search.py [--rate 10] [--pages N] [--source semantic_scholar|eric|both] [--profile]

A local HTTP server on 127.0.0.1 (in this process) serves page after page of a real recorded
response from tests/data/api/, and `run_api_source` pages through it with a real `PoliteSession`
(requests, the rate limiter, real sleeps) whose rate is set to `--rate` requests per second, then
rebuilds the same search offline (`offline=True`) from the pages it kept. The pages are repeated
real responses, rewritten only where paging needs it: Semantic Scholar's bulk-search pages
(s2_paper_search_bulk_token_3pages: 1,000, 1,000 and 674 papers with id and title) get a new
`token` and `total`; ERIC's 386-record page with abstracts (eric_search_source_isse_rows2000.json)
gets a new `start` and `numFound`; each repeat's ids get a suffix, so every record is distinct.

Figures (issue: rate ≥ 0.9 of the limit's bound; offline rebuild ≥ 50,000 records/s):
- online records/s as a fraction of the bound, rate × records per page;
- offline rebuild records/s: `run_api_source(offline=True)` (read, gunzip and parse the kept
  pages), and, as `slr search --offline` goes on to do, also the record table (`make_records`);
  since the repeats hold the same values, make_records' per-call caches of cleaned values
  (keywords, venues, names) find every value again, so it is also timed once per repeat, where
  values repeat only as much as in one set of real records (the pessimistic figure).
`--profile` adds a cProfile of the offline rebuild. A figure, not a test.
"""

from __future__ import annotations

import argparse
import cProfile
import gc
import gzip
import io
import json
import os
import platform
import pstats
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from importlib import metadata
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import requests

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT))

from pipeline.config import ApiSource  # noqa: E402
from pipeline.records import make_records  # noqa: E402
from pipeline.sources.api import ApiRun, connector, run_api_source  # noqa: E402
from pipeline.sources.connector import Step  # noqa: E402
from pipeline.sources.http import RATES, PoliteSession  # noqa: E402

RESULTS = HERE / "results" / "search.txt"
API = ROOT / "tests" / "data" / "api"
RUN_ID = "20260301T100000Z"
#: Where each repeat's ids get their suffix, and where paging values go (replaced per request).
REPEAT, NEXT, TOTAL = "@@REPEAT@@", '"@@NEXT@@"', '"@@TOTAL@@"'


@dataclass
class Feed:
    """Real response bodies as templates, and how one request picks its page."""

    type: str
    label: str
    path: str                     # the API path the connector asks for
    templates: list[bytes]        # real bodies with placeholders for the paging values
    counts: list[int]             # records on each template
    pages: int

    def count(self, n: int) -> int:
        return self.counts[n % len(self.templates)]

    @property
    def total(self) -> int:
        return sum(self.count(n) for n in range(self.pages))

    def body(self, n: int, next_value: str) -> bytes:
        repeat = n // len(self.templates)
        body = self.templates[n % len(self.templates)]
        return (body.replace(REPEAT.encode(), f"-r{repeat}".encode() if repeat else b"")
                .replace(NEXT.encode(), next_value.encode()).replace(TOTAL.encode(), str(self.total).encode()))


def s2_feed(pages: int) -> Feed:
    """Semantic Scholar bulk search: page n answers `token=p<n>` and names `p<n+1>` (null at the end)."""
    templates, counts = [], []
    for name in ("00_200.json", "01_200.json", "02_200.json"):
        data = json.loads((API / "s2_paper_search_bulk_token_3pages" / name).read_text(encoding="utf-8"))
        data["total"], data["token"] = TOTAL[1:-1], NEXT[1:-1]
        for paper in data["data"]:
            paper["paperId"] += REPEAT
        templates.append(json.dumps(data, ensure_ascii=False).encode("utf-8"))
        counts.append(len(data["data"]))
    return Feed("semantic_scholar", "Semantic Scholar bulk search (id + title per paper)", "/paper/search/bulk",
                templates, counts, pages)


def eric_feed(pages: int) -> Feed:
    """ERIC: the request's `start` picks the page; `numFound` is the served total."""
    data = json.loads((API / "eric_search_source_isse_rows2000.json").read_text(encoding="utf-8"))
    data["response"]["numFound"], data["response"]["start"] = TOTAL[1:-1], NEXT[1:-1]
    for doc in data["response"]["docs"]:
        doc["id"] += REPEAT
    return Feed("eric", "ERIC search (full records with abstracts)", "/",
                [json.dumps(data, ensure_ascii=False).encode("utf-8")], [len(data["response"]["docs"])], pages)


class PageServer:
    """Serves a feed's pages on 127.0.0.1 (HTTP/1.1 keep-alive, like the real APIs)."""

    def __init__(self, feed: Feed) -> None:
        self.feed = feed
        self.served = 0
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.httpd.daemon_threads = True
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.httpd.server_address[1]}"

    def page(self, path: str, params: dict[str, str]) -> bytes | None:
        feed = self.feed
        if path.rstrip("/") != feed.path.rstrip("/"):
            return None
        if feed.type == "semantic_scholar":
            n = int(params["token"][1:]) if params.get("token") else 0
            following = f'"p{n + 1}"' if n + 1 < feed.pages else "null"
            return feed.body(n, following)
        start = int(params.get("start", 0))
        n = start // feed.counts[0]
        return feed.body(n, str(start))

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: Any) -> None:
                pass

            def do_GET(self) -> None:
                parts = urlsplit(self.path)
                body = server.page(parts.path, dict(parse_qsl(parts.query, keep_blank_values=True)))
                status = 200 if body is not None else 404
                body = body if body is not None else b'{"error": "no such page"}'
                server.served += 1
                self.send_response(status)
                self.send_header("Content-Type", "application/json; charset=utf-8")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        return Handler

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


def timed(action: Callable[[], Any]) -> tuple[Any, float]:
    gc.collect()
    started = time.perf_counter()
    result = action()
    return result, time.perf_counter() - started


def profile(action: Callable[[], Any], top: int = 18) -> str:
    profiler = cProfile.Profile()
    profiler.enable()
    action()
    profiler.disable()
    out = io.StringIO()
    stats = pstats.Stats(profiler, stream=out).strip_dirs()
    stats.sort_stats("tottime").print_stats(top)
    return out.getvalue()


def breakdown(source: ApiSource, raw_dir: Path) -> dict[str, float]:
    """Seconds spent in each step of an offline rebuild, step by step over the kept pages."""
    module = connector(source.type)
    paths = sorted(raw_dir.rglob("page-*.json.gz"))
    spent = dict.fromkeys(("read", "gunzip", "page header + body text", "body JSON", "connector fields"), 0.0)
    for path in paths:
        t0 = time.perf_counter()
        data = path.read_bytes()
        t1 = time.perf_counter()
        text = gzip.decompress(data)
        t2 = time.perf_counter()
        head, newline, rest = text.partition(b"\n")
        if newline and head.startswith(b'{"page_format": '):  # as raw.decode_page reads format 2
            page = json.loads(head)
            body = rest.decode("utf-8")
        else:  # format 1: the body is a JSON string inside the page's JSON
            page = json.loads(text)
            body = page["body"]
        t3 = time.perf_counter()
        json.loads(body)
        t4 = time.perf_counter()
        module.parse(body, Step.from_json(page["request"]), source)  # the body JSON again, then fields
        t5 = time.perf_counter()
        for key, seconds in zip(spent, (t1 - t0, t2 - t1, t3 - t2, t4 - t3, (t5 - t4) - (t4 - t3)), strict=True):
            spent[key] += seconds
    return spent


def bench_source(feed: Feed, rate: float, raw_root: Path, show_profile: bool) -> list[str]:
    server = PageServer(feed)
    slept: list[float] = []

    def sleep(seconds: float) -> None:
        slept.append(seconds)
        time.sleep(seconds)

    session = requests.Session()
    session.trust_env = False  # no proxy between us and 127.0.0.1
    http = PoliteSession(session=session, sleep=sleep)
    source = ApiSource(name=feed.type, type=feed.type, query='microcredential* | "digital badge"' if
                       feed.type == "semantic_scholar" else 'title:"micro-credentials"', base_url=server.url)
    raw_dir = raw_root / feed.type
    saved_rate = RATES[feed.type]
    RATES[feed.type] = rate  # the protocol's connectors have no per-source rate setting: set it here
    try:
        online, seconds = timed(lambda: run_api_source(source, raw_dir, run_id=RUN_ID, session=http, env={}))
    finally:
        RATES[feed.type] = saved_rate
        server.close()
    assert isinstance(online, ApiRun)
    records, pages = len(online.records), online.log["pages"]
    per_page = records / pages
    bound = rate * per_page
    achieved = records / seconds
    # The limiter lets the first request go at once, so N pages need at least (N - 1) / rate seconds.
    fastest = (pages - 1) / rate
    waited = sum(slept)
    kept = sum(p.stat().st_size for p in raw_dir.rglob("page-*.json.gz"))
    del online
    offline, offline_seconds = timed(lambda: run_api_source(source, raw_dir, run_id=RUN_ID, offline=True, env={}))
    assert len(offline.records) == records, (len(offline.records), records)
    steps = breakdown(source, raw_dir)
    ids = [raw.get("_id") for raw in offline.records]
    (frame, warnings), table_seconds = timed(lambda: make_records(offline.records, source=feed.type,
                                                                  source_query=source.query, native_ids=ids,
                                                                  run_id=RUN_ID))
    # The pages repeat the same real records, so make_records' per-call value caches (keywords,
    # venues, names) see every value again and again; with distinct records they would not. Its
    # pessimistic figure: one call per repeat, so values repeat only within one set of real records.
    cycle = sum(feed.counts)
    _, distinct_seconds = timed(lambda: [make_records(offline.records[start:start + cycle], source=feed.type,
                                                      source_query=source.query, native_ids=ids[start:start + cycle],
                                                      run_id=RUN_ID) for start in range(0, records, cycle)])
    lines = [
        f"{feed.label}: {pages} pages of {', '.join(f'{c:,}' for c in feed.counts)} records "
        f"(real responses repeated), {rate:g} requests/s",
        f"  online:  {records:,} records in {seconds:.2f} s = {achieved:,.0f} records/s, {pages / seconds:.2f} pages/s; "
        f"bound {rate:g} pages/s x {per_page:,.0f} records/page = {bound:,.0f} records/s, i.e. {pages} pages in "
        f">= {fastest:.1f} s -> {fastest / seconds:.3f} of the bound (goal >= 0.9)",
        f"           waiting for the rate limiter {waited:.1f} s; the rest (request, parse, keep page + state) "
        f"{(seconds - waited) / pages * 1000:.1f} ms a page; kept pages {kept / 2**20:.1f} MiB gzipped",
        f"  offline: {records:,} records rebuilt from kept pages in {offline_seconds:.2f} s = "
        f"{records / offline_seconds:,.0f} records/s (goal >= 50,000)",
        "           of which (measured step by step): "
        + ", ".join(f"{step} {spent:.2f} s" for step, spent in steps.items()),
        f"           + record table (make_records, as slr search --offline does): {table_seconds:.2f} s; together "
        f"{records / (offline_seconds + table_seconds):,.0f} records/s",
        f"           (make_records with no value repeated across repeats, {records // cycle} calls of {cycle:,} "
        f"records: {distinct_seconds:.2f} s; together {records / (offline_seconds + distinct_seconds):,.0f} records/s)",
    ]
    print("\n".join(lines), flush=True)
    if len(frame) != records or warnings:
        print(f"  note: {len(frame):,} rows, {len(warnings):,} warnings from make_records")
    if show_profile:
        print(f"\n  cProfile, offline rebuild ({feed.type}):")
        print(profile(lambda: run_api_source(source, raw_dir, run_id=RUN_ID, offline=True, env={})))
        print(f"  cProfile, make_records ({feed.type}):")
        print(profile(lambda: make_records(offline.records, source=feed.type, native_ids=ids, run_id=RUN_ID)))
    return lines


def machine() -> str:
    return (f"{platform.platform(terse=True)}, {os.cpu_count()} CPUs, Python {platform.python_version()}, "
            f"requests {metadata.version('requests')}, pandas {metadata.version('pandas')}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--source", choices=("semantic_scholar", "eric", "both"), default="both")
    parser.add_argument("--rate", type=float, default=10.0, help="requests per second (default 10)")
    parser.add_argument("--pages", type=int, default=None,
                        help="pages per source (default: enough for >= 100,000 records)")
    parser.add_argument("--profile", action="store_true", help="also print a cProfile of the offline rebuild")
    args = parser.parse_args(argv)
    feeds = []
    if args.source in ("semantic_scholar", "both"):
        feeds.append(s2_feed(args.pages or 113))    # 113 pages: 100,938 papers
    if args.source in ("eric", "both"):
        feeds.append(eric_feed(args.pages or 260))  # 260 pages: 100,360 records
    lines = [f"API search, local server on 127.0.0.1 (pages are repeated real recorded responses); {machine()}"]
    print(lines[0], flush=True)
    with tempfile.TemporaryDirectory() as folder:
        for feed in feeds:
            lines += bench_source(feed, args.rate, Path(folder), args.profile)
    if args.source == "both" and args.pages is None and args.rate == 10.0:
        RESULTS.parent.mkdir(parents=True, exist_ok=True)
        RESULTS.write_text("\n".join(lines) + "\n", encoding="utf-8")
        print(f"wrote {RESULTS.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
