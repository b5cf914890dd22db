"""The polite HTTP layer against faults on the local server: every fault ends in the complete result
or a clear error, never a silent partial result, and a rerun resumes where the last run stopped.

The pages are OpenAlex's recorded cursor pages (page 1: two works, page 2: empty, the end) and
Crossref's recorded cursor pages; the faults are injected by the test server.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

from pipeline.errors import SourceError
from pipeline.sources.http import PoliteSession, Redactor, describe_error
from pipeline.sources.rate_limit import RateLimiter, WaitTooLong, retry_after

from .conftest import API, FakeTime, ReplayServer, Reply, api_source, search

OA = API / "openalex_filter_cursor_2pages_and_400s"
PAGE1, PAGE2 = (OA / "02_200.json").read_bytes(), (OA / "04_200.json").read_bytes()
CURSOR = "IlsnLUluZmluaXR5JywgMCwgJ2h0dHBzOi8vb3BlbmFsZXgub3JnL1czMDQ1OTIxODkxJ10i"
IDS = ["W3046863325", "W3045921891"]
JSON = {"content-type": "application/json"}


def serve(server: ReplayServer, *page2_first: Reply) -> None:
    """OpenAlex's two recorded pages; `page2_first` replies answer page 2 before the recorded one."""
    server.add("/works", [*page2_first, Reply(200, PAGE2, JSON)], cursor=CURSOR)
    server.add("/works", Reply(200, PAGE1, JSON), cursor="*")


def source(server: ReplayServer):  # noqa: ANN201
    return api_source(server, "openalex", query="altmetrics")


FAULTS = {
    "429 with Retry-After": (Reply(429, b'{"error": "Too Many Requests"}', {"Retry-After": "7", **JSON}), "HTTP 429", [7.35]),
    "429 without Retry-After": (Reply(429, b"slow down", {}), "HTTP 429", [0.75]),
    "500 then success": (Reply(500, b"Internal Server Error"), "HTTP 500", [0.75]),
    "503 with an HTTP-date Retry-After": (
        Reply(503, b"", {"Retry-After": "Sun, 01 Mar 2026 10:00:12 GMT"}), "HTTP 503", [12.5, 0.1]),
    "timeout": (Reply(200, PAGE1, JSON, fault="timeout"), "timed out", [0.75]),
    "connection dropped mid-body": (Reply(200, PAGE1, JSON, fault="drop"), "connection failed (ChunkedEncodingError)", [0.75]),
    "truncated JSON": (Reply(200, PAGE1, JSON, fault="truncate"), "unreadable response (not valid JSON: ", [0.75]),
}


@pytest.mark.parametrize("name", FAULTS)
def test_one_fault_then_the_complete_result(name: str, server: ReplayServer, http: PoliteSession, tmp_path: Path,
                                            fake_time: FakeTime) -> None:
    fault, problem, waits = FAULTS[name]
    server.fault("/works", fault)
    serve(server)
    run = search(source(server), http, tmp_path)
    assert [r["_id"] for r in run.records] == IDS
    assert (run.log["complete"], run.log["retries"], run.log["pages"]) == (True, 1, 2)
    assert run.log["errors"].startswith(problem)
    assert [r["params"]["cursor"] for r in server.requests] == ["*", "*", CURSOR]
    # The retry waited as the fault asked (Retry-After, or backoff with this test's fixed jitter).
    assert fake_time.sleeps[: len(waits)] == pytest.approx(waits, abs=0.01)


def test_429_slows_the_rate_down(server: ReplayServer, http: PoliteSession, tmp_path: Path, fake_time: FakeTime) -> None:
    server.fault("/works", Reply(429, b"", {}))
    serve(server)
    search(source(server), http, tmp_path)
    # Backoff 0.75 s after the 429, then page 2 waits 0.2 s: half the rate of the usual 0.1 s.
    assert fake_time.sleeps == pytest.approx([0.75, 0.2])


def test_persistent_failure_is_an_error_and_a_rerun_resumes(server: ReplayServer, http: PoliteSession,
                                                            tmp_path: Path) -> None:
    serve(server, *[Reply(500, b"Internal Server Error")] * 4)
    with pytest.raises(SourceError) as error:
        search(source(server), http, tmp_path)
    message = str(error.value)
    assert message.startswith("openalex (openalex): HTTP 500, still failing after 3 retries (page 2, ")
    assert "query: altmetrics" in message and "search resumes at the page that failed" in message
    state = json.loads((tmp_path / "20260301T100000Z" / "state.json").read_text())
    assert (state["pages"], state["complete"], state["next"]["params"]["cursor"], state["retries"]) == (1, False, CURSOR, 3)
    server.requests.clear()
    run = search(source(server), http, tmp_path, run_id="20260302T090000Z")
    assert [r["params"]["cursor"] for r in server.requests] == [CURSOR]  # page 1 is not fetched again
    assert [r["_id"] for r in run.records] == IDS
    assert run.log["run_id"] == "20260301T100000Z" and run.log["pages"] == 2 and run.log["retries"] == 3
    assert run.log["errors"] == "HTTP 500 ×4; resumed at page 2"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["20260301T100000Z"]


def test_a_later_run_is_a_new_run(server: ReplayServer, http: PoliteSession, tmp_path: Path) -> None:
    serve(server)
    search(source(server), http, tmp_path)
    search(source(server), http, tmp_path, run_id="20260401T090000Z")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["20260301T100000Z", "20260401T090000Z"]


def test_expiring_cursor_restarts_the_search(server: ReplayServer, http: PoliteSession, tmp_path: Path) -> None:
    # Crossref's recorded pages; the second request first gets Crossref's recorded cursor-invalid 404.
    expired = Reply(404, (API / "crossref_cursor_invalid_404/00_404.json").read_bytes(), JSON)
    page1 = (API / "crossref_cursor_select_doi_page1/00_200.json").read_bytes()
    page2 = (API / "crossref_cursor_select_doi_page2_empty/00_200.json").read_bytes()
    server.add("/works", Reply(200, page1, JSON), cursor="*")
    server.add("/works", [expired, Reply(200, page2, JSON)])
    run = search(api_source(server, "crossref", query="litstudy"), http, tmp_path)
    assert [r["params"]["cursor"][:6] for r in server.requests] == ["*", "DnF1ZX", "*", "DnF1ZX"]
    assert [r["_id"] for r in run.records] == ["10.2139/ssrn.4079400", "10.1016/j.softx.2022.101207"]
    assert run.log["complete"] is True and run.log["run_id"] == "20260301T100000Z-2"
    assert run.log["errors"] == ("paging cursor expired at page 2 of run 20260301T100000Z; searched again from page 1")
    abandoned = json.loads((tmp_path / "20260301T100000Z" / "state.json").read_text())
    assert abandoned["abandoned"] is True and abandoned["complete"] is False
    # Offline rebuilds from the finished run, not the abandoned one.
    offline = search(api_source(server, "crossref", query="litstudy"), http, tmp_path, offline=True)
    assert offline.records == run.records


def test_a_cursor_that_keeps_expiring_is_an_error(server: ReplayServer, http: PoliteSession, tmp_path: Path) -> None:
    expired = Reply(404, (API / "crossref_cursor_invalid_404/00_404.json").read_bytes(), JSON)
    server.add("/works", Reply(200, (API / "crossref_cursor_select_doi_page1/00_200.json").read_bytes(), JSON), cursor="*")
    server.add("/works", expired)
    with pytest.raises(SourceError) as error:
        search(api_source(server, "crossref", query="litstudy"), http, tmp_path)
    assert "HTTP 404: Cursor specified but it is invalid: cursor-invalid: thing (page 2, " in str(error.value)
    assert "the paging cursor expired 3 times" in str(error.value)


def test_retry_after_longer_than_we_wait(server: ReplayServer, http: PoliteSession, tmp_path: Path) -> None:
    server.fault("/works", Reply(429, b"", {"Retry-After": "3600"}))
    serve(server)
    with pytest.raises(SourceError, match=r"HTTP 429; the API asks to retry after 36\d\d s \(page 1, "):
        search(source(server), http, tmp_path)


def test_spent_budget_in_headers_pauses_or_stops(fake_time: FakeTime) -> None:
    manifest = json.loads((OA / "manifest.json").read_text())
    limiter = RateLimiter(10, sleep=fake_time.sleep, clock=fake_time.clock, max_wait=600)
    limiter.adapt({**manifest[2]["headers"], "ratelimit-remaining": "0"})  # 2025 spelling: reset in 1 s
    limiter.wait()
    assert fake_time.sleeps == [1.0]
    recorded = json.loads((API / "openalex_singleton_title_null_paratext/manifest.json").read_text())[0]["headers"]
    limiter.adapt(recorded)  # 2026 spelling, 9,655 of 10,000 left: no pause
    limiter.wait()
    assert fake_time.sleeps == pytest.approx([1.0, 0.1])
    limiter.adapt({**recorded, "x-ratelimit-remaining": "0"})  # budget spent until 39,959 s from now
    with pytest.raises(WaitTooLong):
        limiter.wait()


@pytest.mark.parametrize("folder, rate, interval", [
    ("crossref_cursor_invalid_404", 10.0, 0.2),            # 2026 spelling, public pool: 5 per 1 s
    ("crossref_works_query_rows2_2026", 10.0, 0.1),        # 2026 spelling, polite pool: 10 per 1 s
    ("crossref_works_query_rows2_2025_plaintext", 5.0, 0.2),  # 2025 spelling, 50 per 1 s: never faster
])
def test_rate_follows_the_recorded_headers(folder: str, rate: float, interval: float, fake_time: FakeTime) -> None:
    headers = json.loads((API / folder / "manifest.json").read_text())[0]["headers"]
    limiter = RateLimiter(rate, sleep=fake_time.sleep, clock=fake_time.clock)
    limiter.adapt({k: ", ".join(v) for k, v in headers.items()})
    assert limiter.interval == pytest.approx(interval)


def test_redactor() -> None:
    redact = Redactor(["sk-secret-1", "me+x@example.org", None, "abc"])
    assert redact.url("https://api.x/works?search=a&api_key=sk-secret-1&mailto=me%2Bx%40example.org&cursor=*") \
        == "https://api.x/works?search=a&cursor=%2A"
    assert redact.text("key sk-secret-1 mail me%2Bx%40example.org") == "key <redacted> mail <redacted>"
    assert redact.headers({"Authorization": "Bearer z", "X-Note": "me+x@example.org"}) == {
        "Authorization": "<redacted>", "X-Note": "<redacted>"}
    assert redact.text("abc") == "abc"  # values shorter than 4 characters are not secrets worth masking


def test_retry_after_and_error_bodies() -> None:
    now = dt.datetime(2026, 3, 1, 10, 0, tzinfo=dt.timezone.utc)
    assert retry_after("7", now) == 7.0 and retry_after("Sun, 01 Mar 2026 10:01:00 GMT", now) == 60.0
    assert retry_after(None, now) is None and retry_after("soon", now) is None
    assert describe_error((API / "s2_unknown_field_400/00_400.json").read_text()) == "Unrecognized or unsupported fields: [unknown]"
    assert describe_error((API / "arxiv_idlist_malformed_400/00_400.xml").read_text()) == "incorrect id format for abc"
    assert describe_error("Resource not found.") == "Resource not found."
