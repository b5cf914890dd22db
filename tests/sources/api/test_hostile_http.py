"""Issue 14, cases 3 and 5: hostile servers. Secrets never follow a redirect to another host;
every request is bounded in size and in time, however the server behaves.

Each test first states what happened before the fix (measured with the attack battery,
bench/attack.py). All servers are the local replay server on 127.0.0.1 (a second instance is
"another host": another port is another origin); every hostile loop is bounded.
"""

from __future__ import annotations

import time
from pathlib import Path

import pytest
import requests

from pipeline.errors import SourceError
from pipeline.sources.connector import Step
from pipeline.sources.http import PoliteSession, Redactor, SourceClient

from .conftest import API, FakeTime, ReplayServer, Reply, api_source, search

BULK = "s2_paper_search_bulk_token_3pages"
KEY = "s2-key-123456"
OA = API / "openalex_filter_cursor_2pages_and_400s"
PAGE1, PAGE2 = (OA / "02_200.json").read_bytes(), (OA / "04_200.json").read_bytes()
JSON = {"content-type": "application/json"}


@pytest.fixture
def other() -> ReplayServer:
    srv = ReplayServer()
    yield srv
    srv.close()


def test_a_redirect_to_another_host_gets_no_api_key(server: ReplayServer, other: ReplayServer, http: PoliteSession,
                                                    tmp_path: Path) -> None:
    # Before: requests strips only Authorization on a cross-host redirect, so the second host got
    # x-api-key on every request (7 of 7 in the attack battery).
    other.replay(BULK, "query", "token")
    server.add("/graph/v1/paper/search/bulk", Reply(302, b"", {"Location": other.url + "/graph/v1/paper/search/bulk?{query}"}))
    source = api_source(server, "semantic_scholar", "/graph/v1", query="kubernetes")
    run = search(source, http, tmp_path, env={"SEMANTIC_SCHOLAR_API_KEY": KEY})
    assert len(run.records) == 2674 and run.log["complete"]
    assert server.requests[0]["headers"]["x-api-key"] == KEY  # the API's own host gets the key
    assert other.requests, "the redirect was followed"
    assert all("x-api-key" not in {k.lower() for k in r["headers"]} for r in other.requests)
    assert all(KEY not in str(r) for r in other.requests)


def test_a_redirect_that_copies_the_query_to_another_host_loses_the_key(server: ReplayServer, other: ReplayServer,
                                                                        http: PoliteSession, tmp_path: Path) -> None:
    # OpenAlex sends its key as a parameter: a server copying the query into its Location would
    # hand it on in the URL.
    other.add("/works", Reply(200, PAGE1, JSON), cursor="*")
    other.add("/works", Reply(200, PAGE2, JSON), cursor="IlsnLUluZmluaXR5JywgMCwgJ2h0dHBzOi8vb3BlbmFsZXgub3JnL1czMDQ1OTIxODkxJ10i")
    server.add("/works", Reply(302, b"", {"Location": other.url + "/works?{query}"}))
    run = search(api_source(server, "openalex", query="altmetrics"), http, tmp_path,
                 env={"OPENALEX_API_KEY": "oa-key-98765", "SLR_MAILTO": "me@example.org"})
    assert len(run.records) == 2
    assert server.requests[0]["params"]["api_key"] == "oa-key-98765"
    assert all("oa-key" not in str(r) and "me%40example" not in str(r) and "me@example" not in str(r)
               for r in other.requests)
    assert "me@example.org" in server.requests[0]["headers"]["User-Agent"]


def test_a_redirect_on_the_same_host_keeps_the_key(server: ReplayServer, http: PoliteSession, tmp_path: Path) -> None:
    server.replay(BULK, "query", "token")
    server.add("/old/paper/search/bulk", Reply(307, b"", {"Location": "/graph/v1/paper/search/bulk?{query}"}))
    source = api_source(server, "semantic_scholar", "/old", query="kubernetes")
    run = search(source, http, tmp_path, env={"SEMANTIC_SCHOLAR_API_KEY": KEY})
    assert len(run.records) == 2674
    assert [r["path"] for r in server.requests[:2]] == ["/old/paper/search/bulk", "/graph/v1/paper/search/bulk"]
    assert all(r["headers"]["x-api-key"] == KEY for r in server.requests)


class _Redirecting(requests.Session):
    """A session whose every answer is a redirect to `target` (no network: https cannot be served
    by the local test server)."""

    def __init__(self, target: str) -> None:
        super().__init__()
        self.target = target
        self.sent: list[tuple[str, dict[str, str]]] = []

    def request(self, method, url, params=None, headers=None, **kwargs):  # noqa: ANN001, ANN201
        self.sent.append((url, dict(headers or {})))
        response = requests.Response()
        response.status_code, response.url = 302, url
        response.headers["Location"] = self.target
        response._content, response._content_consumed = b"", True
        return response


@pytest.mark.parametrize(("target", "said"), [
    ("http://api.example.org/next", "redirects from https to http://api.example.org/next, which is not encrypted"),
    ("file:///etc/passwd", "redirects to file:///etc/passwd, which is not a web address"),
    ("https://api.semanticscholar.org/again", "more than 5 redirects"),
])
def test_redirects_that_are_refused(target: str, said: str, fake_time: FakeTime) -> None:
    session = _Redirecting(target)
    http = PoliteSession(session=session, sleep=fake_time.sleep, clock=fake_time.clock, now=fake_time.now)
    client = SourceClient(http, "s2", "q", 1.0, Redactor([KEY]), auth_headers={"x-api-key": KEY})
    with pytest.raises(SourceError) as error:
        client.fetch(Step(url="https://api.semanticscholar.org/graph/v1/paper/search/bulk"), lambda body: body, "page 1")
    assert said in str(error.value) and KEY not in str(error.value)
    # Only https://api.semanticscholar.org ever received the key.
    assert all(url.startswith("https://api.semanticscholar.org/") for url, headers in session.sent if "x-api-key" in headers)


def test_an_endless_body_stops_at_the_size_cap(server: ReplayServer, http: PoliteSession, tmp_path: Path) -> None:
    # Before: an endless chunked 200 reached 17.8 GB of memory at 80 s.
    http.max_body = 1 << 20
    server.add("/works", Reply(200, b"", JSON, fault="endless", limit=1024))  # up to 64 MiB offered
    with pytest.raises(SourceError) as error:
        search(api_source(server, "openalex", query="altmetrics"), http, tmp_path)
    message = str(error.value)
    assert message.startswith("openalex (openalex): the response is longer than 1,048,576 bytes; slr reads at most 1,048,576 "
                              "bytes per page (page 1, http://127.0.0.1:")
    assert len(server.requests) == 1  # not retried: a longer page would not come back shorter


def test_a_body_announced_too_long_is_not_read(server: ReplayServer, http: PoliteSession, tmp_path: Path) -> None:
    http.max_body = 1000
    server.add("/works", Reply(200, PAGE1, JSON))
    with pytest.raises(SourceError) as error:
        search(api_source(server, "openalex", query="altmetrics"), http, tmp_path)
    assert f"the response announces {len(PAGE1):,} bytes; slr reads at most 1,000 bytes per page" in str(error.value)


@pytest.mark.parametrize("fault", ["drip", "drip_headers"])
def test_a_dripping_server_meets_the_deadline_and_is_retried(fault: str, server: ReplayServer, http: PoliteSession,
                                                             tmp_path: Path) -> None:
    # Before: one byte every 20 s ran forever (the read timeout restarts at every byte).
    http.deadline, http.timeout, http.max_retries = 1.0, (2.0, 0.5), 1
    server.add("/works", Reply(200, PAGE1, JSON, fault=fault, delay=0.05, limit=400))  # 20 s if read to the end
    started = time.monotonic()
    with pytest.raises(SourceError) as error:
        search(api_source(server, "openalex", query="altmetrics"), http, tmp_path)
    elapsed = time.monotonic() - started
    assert str(error.value).startswith("openalex (openalex): no complete response within 1 s, still failing after 1 retries "
                                       "(page 1, http://127.0.0.1:")
    assert len(server.requests) == 2  # tried, then retried once under the backoff policy
    assert elapsed < 10  # two deadlines, not 40 s of dripping (a bound, not a speed figure)


def test_a_dripping_page_then_the_real_one(server: ReplayServer, http: PoliteSession, tmp_path: Path) -> None:
    http.deadline, http.timeout = 1.0, (2.0, 0.5)
    server.fault("/works", Reply(200, PAGE1, JSON, fault="drip", delay=0.05, limit=400))
    server.add("/works", Reply(200, PAGE1, JSON), cursor="*")
    server.add("/works", Reply(200, PAGE2, JSON), cursor="IlsnLUluZmluaXR5JywgMCwgJ2h0dHBzOi8vb3BlbmFsZXgub3JnL1czMDQ1OTIxODkxJ10i")
    run = search(api_source(server, "openalex", query="altmetrics"), http, tmp_path)
    assert (len(run.records), run.log["retries"], run.log["complete"]) == (2, 1, True)
    assert run.log["errors"].startswith("no complete response within 1 s")


@pytest.mark.parametrize(("body", "said"), [
    (b'{"meta": {"count": 1, "next_cursor": null}, "results": [1]}', "AttributeError"),
    (b'{"meta": {"count": 1, "next_cursor": null}, "results": [{"id": "https://openalex.org/W1", '
     b'"title": "T", "authorships": [{"author": "a string"}]}]}', "AttributeError"),
])
def test_openalex_of_an_unexpected_shape_is_a_located_error(body: bytes, said: str, server: ReplayServer,
                                                            http: PoliteSession, tmp_path: Path) -> None:
    # Before: exit 70, "a bug in slr". Made-up bodies: the real API never answered so.
    server.add("/works", Reply(200, body, JSON))
    with pytest.raises(SourceError) as error:
        search(api_source(server, "openalex", query="altmetrics"), http, tmp_path)
    message = str(error.value)
    assert message.startswith(f"openalex: the openalex response to {server.url}/works?search=altmetrics")
    assert f"does not have the shape slr expects ({said}" in message
    assert "Hint: the database may have changed its API, or base_url points at another service" in message
