"""Open-access downloads (pipeline/sources/fulltext_fetch.py) against a local server on 127.0.0.1.

Served: a REAL open PDF (tests/data/fulltext/shared-mime-info-spec.pdf, provenance beside it), a
REAL non-PDF body (Crossref's recorded "Resource not found." answer), and MADE replies where
nothing real exists: an HTML landing page, redirects that loop, and redirects to another scheme.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from pipeline.sources.fulltext_fetch import Refused, check_pdf, download, epmc_candidates, oa_candidates
from tests.sources.api.conftest import API, ReplayServer, Reply

DATA = Path(__file__).parents[1] / "data"
PDF = (DATA / "fulltext" / "shared-mime-info-spec.pdf").read_bytes()
TITLE = "Shared MIME-info Database"


@pytest.fixture
def server() -> Iterator[ReplayServer]:
    srv = ReplayServer()
    srv.add("/spec.pdf", Reply(200, PDF, {"content-type": "application/pdf"}))
    srv.add("/not-found.txt", Reply(200, (API / "crossref_work_not_found_404" / "00_404.txt").read_bytes(),
                                    {"content-type": "text/plain"}))
    srv.add("/landing", Reply(200, b"<!DOCTYPE html><html><body>Log in to read</body></html>",  # MADE
                              {"content-type": "text/html"}))
    srv.add("/loop-a", Reply(302, b"", {"Location": "/loop-b"}))  # MADE: a redirect loop
    srv.add("/loop-b", Reply(302, b"", {"Location": "/loop-a"}))
    srv.add("/moved", Reply(301, b"", {"Location": "/spec.pdf"}))
    yield srv
    srv.close()


@pytest.fixture
def session(monkeypatch: pytest.MonkeyPatch) -> requests.Session:
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "http_proxy", "https_proxy", "ALL_PROXY", "all_proxy"):
        monkeypatch.delenv(name, raising=False)
    return requests.Session()


def test_a_real_open_pdf_is_downloaded_and_recognised_by_its_title(server: ReplayServer, session) -> None:
    url, kind, body = download(session, f"{server.url}/moved")  # one redirect, same scheme: followed
    assert url == f"{server.url}/spec.pdf" and kind == "application/pdf" and body == PDF and len(body) == 140_429
    assert check_pdf(body, None, TITLE) == "title on page 1"


def test_a_wrong_works_pdf_is_refused(server: ReplayServer, session) -> None:
    _, _, body = download(session, f"{server.url}/spec.pdf")
    with pytest.raises(Refused) as err:
        check_pdf(body, "10.7717/peerj.4375", "The state of OA: a large-scale analysis of the prevalence and impact "
                                              "of Open Access articles")
    assert str(err.value) == "page 1 shows neither the work's DOI nor its title: another work's PDF?"


@pytest.mark.parametrize("path, message", [
    ("/not-found.txt", "not a PDF (first bytes b'Resource not fou')"),
    ("/landing", "an HTML page, not a PDF (first bytes b'<!DOCTYPE html><')"),
])
def test_a_non_pdf_is_refused(server: ReplayServer, session, path: str, message: str) -> None:
    _, _, body = download(session, server.url + path)
    with pytest.raises(Refused) as err:
        check_pdf(body, None, TITLE)
    assert str(err.value) == message


def test_an_oversized_file_is_refused(server: ReplayServer, session) -> None:
    with pytest.raises(Refused) as err:
        download(session, f"{server.url}/spec.pdf", max_bytes=100_000)
    assert str(err.value) == "larger than 100,000 bytes (announces 140,429)"


def test_a_redirect_loop_is_refused(server: ReplayServer, session) -> None:
    with pytest.raises(Refused) as err:
        download(session, f"{server.url}/loop-a")
    assert str(err.value) == f"redirect loop ({server.url}/loop-a again)"
    assert [r["path"] for r in server.requests] == ["/loop-a", "/loop-b"]


@pytest.mark.parametrize("target", ["https://127.0.0.1/spec.pdf", "ftp://127.0.0.1/spec.pdf", "file:///etc/passwd"])
def test_a_redirect_to_another_scheme_is_not_followed(server: ReplayServer, session, target: str) -> None:
    server.add("/elsewhere", Reply(302, b"", {"Location": target}))  # MADE
    with pytest.raises(Refused) as err:
        download(session, f"{server.url}/elsewhere")
    assert str(err.value) == f"redirected from http to another scheme ({target}); not followed"
    assert len(server.requests) == 1


def test_only_web_addresses_are_fetched(session) -> None:
    with pytest.raises(Refused) as err:
        download(session, "file:///etc/passwd")
    assert str(err.value) == "not a web address: file:///etc/passwd"


def test_open_access_locations_best_first() -> None:
    import json

    work = json.loads((API / "openalex_work_W2741809807.json").read_text())
    found = oa_candidates(work)
    assert found[0].url == "https://peerj.com/articles/4375.pdf" and found[0].licence == "cc-by"
    assert found[0].host == "PeerJ" and found[0].version == "publishedVersion"
    assert len({c.url for c in found}) == len(found)


def test_europepmc_open_pdf_links() -> None:
    import json

    results = json.loads((API / "europepmc_search_core_cancer_page1.json").read_text())["resultList"]["result"]
    found = {r.get("doi"): epmc_candidates(r) for r in results}
    # The recorded page (25 results): 8 open-access PDF links, 1 free one, the rest none.
    assert sum(len(c) for c in found.values()) == 9
    (open_access,) = found["10.1002/hpja.70059"]
    assert (open_access.url, open_access.host, open_access.licence) == (
        "https://europepmc.org/articles/PMC12120539?pdf=render", "Europe PMC", "cc by-nc-nd")
    assert found["10.1016/s0140-6736(24)02716-8"][0].url == "https://europepmc.org/articles/PMC12124214?pdf=render"
    assert found["10.1111/bjhp.12807"] == []  # open licence, but no PDF link listed
