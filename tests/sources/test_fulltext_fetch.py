"""Open-access downloads (pipeline/sources/fulltext_fetch.py) against a local server on 127.0.0.1.

Served: a REAL open PDF (tests/data/fulltext/shared-mime-info-spec.pdf, provenance beside it), a
REAL non-PDF body (Crossref's recorded "Resource not found." answer), a REAL HTML document (zlib
Usage Example, tests/data/fulltext/zlib_how.html), and MADE replies where nothing real exists: HTML
landing pages (spec_landing_MADE.html and small ones written here), redirects that loop, and
redirects to another scheme. Unpaywall's addresses are read from its REAL recorded answers.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from pipeline.sources import unpaywall
from pipeline.sources.fulltext_fetch import (Candidate, Refused, check_pdf, download, epmc_candidates, oa_candidates,
                                             retrieve)
from pipeline.sources.fulltext_html import read_html
from tests.sources.api.conftest import API, ReplayServer, Reply

DATA = Path(__file__).parents[1] / "data"
PDF = (DATA / "fulltext" / "shared-mime-info-spec.pdf").read_bytes()
ZLIB = (DATA / "fulltext" / "zlib_how.html").read_bytes()
LANDING = (DATA / "fulltext" / "spec_landing_MADE.html").read_bytes()
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
    srv.add("/repo/spec", Reply(200, LANDING, {"content-type": "text/html; charset=utf-8"}))
    srv.add("/zlib_how.html", Reply(200, ZLIB, {"content-type": "text/html"}))
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
    # Four PDF addresses, then the page of the one open location without a PDF (PMC's).
    assert [c.kind for c in found] == ["pdf"] * 4 + ["page"]
    assert found[-1].url == "https://www.ncbi.nlm.nih.gov/pmc/articles/PMC5815332"
    assert {c.found_through for c in found} == {"OpenAlex oa_locations"}


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


def test_unpaywall_locations_pdf_first() -> None:
    import json

    answer = json.loads((API / "unpaywall" / "v2_physrevlett.80.3915.json").read_text(encoding="utf-8"))
    assert unpaywall.candidates(answer) == [
        Candidate("http://arxiv.org/pdf/gr-qc/9801069", "arXiv.org", None, "submittedVersion", "pdf",
                  "Unpaywall oa_locations"),
        Candidate("https://cdr.lib.unc.edu/downloads/hm50v1675",
                  "University of North Carolina at Chapel Hill - Carolina Digital Repository", None, "submittedVersion",
                  "pdf", "Unpaywall oa_locations")]
    closed = json.loads((API / "unpaywall" / "v2_s0962-1849.05.80014-9_closed.json").read_text(encoding="utf-8"))
    assert unpaywall.candidates(closed) == []
    # A location without a PDF address gives its page, after every PDF (the publisher's name as host).
    page = dict(answer["best_oa_location"], url_for_pdf=None, url="https://journals.aps.org/prl/abstract/x",
                host_type="publisher")
    found = unpaywall.candidates(dict(answer, best_oa_location=page))
    assert [(c.url, c.kind, c.host) for c in found][-1] == (
        "https://journals.aps.org/prl/abstract/x", "page", "American Physical Society (APS)")


def _retrieve(server: ReplayServer, session, path: str, doi: str | None, title: str | None, tried=None):
    return retrieve(session, Candidate(server.url + path, "host", None, None, "page"), doi, title,
                    tried=set() if tried is None else tried)


def test_a_landing_page_leads_to_its_pdf_once(server: ReplayServer, session) -> None:
    tried: set[str] = set()
    kept = _retrieve(server, session, "/repo/spec", None, TITLE, tried)
    assert (kept.suffix, kept.url, kept.via, kept.body == PDF) == (
        ".pdf", f"{server.url}/spec.pdf", f"{server.url}/repo/spec", True)
    assert kept.checked_by == "title on page 1 (through citation_pdf_url)"
    assert tried == {f"{server.url}/repo/spec", f"{server.url}/spec.pdf"}
    # Named again (the PDF was already tried for this work): not asked twice.
    with pytest.raises(Refused) as err:
        _retrieve(server, session, "/repo/spec", None, "Another title entirely, of another work", tried)
    assert str(err.value) == ("an HTML page that shows neither the work's DOI nor its title: another work's page?; "
                              f"its citation_pdf_url ({server.url}/spec.pdf) was tried already")
    assert [r["path"] for r in server.requests] == ["/repo/spec", "/spec.pdf", "/repo/spec"]


def test_a_landing_page_whose_pdf_fails_is_not_the_full_text(server: ReplayServer, session) -> None:
    server.add("/repo/gone", Reply(200, LANDING.replace(b'content="/spec.pdf"', b'content="/gone.pdf"'),
                                   {"content-type": "text/html"}))
    with pytest.raises(Refused) as err:
        _retrieve(server, session, "/repo/gone", None, TITLE)
    assert str(err.value) == ("an HTML page of the work with 68 words: a landing page, not the full text (an HTML "
                              f"full text has 2,000 words or more); its citation_pdf_url ({server.url}/gone.pdf): HTTP 404")


def test_a_pdf_link_in_another_scheme_is_not_followed(server: ReplayServer, session) -> None:
    server.add("/repo/ftp", Reply(200, LANDING.replace(b'content="/spec.pdf"', b'content="ftp://127.0.0.1/spec.pdf"'),
                                  {"content-type": "text/html"}))
    with pytest.raises(Refused) as err:
        _retrieve(server, session, "/repo/ftp", None, TITLE)
    assert str(err.value).endswith("; its citation_pdf_url is in another scheme (ftp://127.0.0.1/spec.pdf); not followed")
    assert len(server.requests) == 1


def test_an_html_full_text_is_kept_as_received(server: ReplayServer, session) -> None:
    kept = _retrieve(server, session, "/zlib_how.html", "10.5555/zlib-usage-example", "zlib Usage Example")
    assert (kept.suffix, kept.body == ZLIB, kept.via) == (".html", True, None)
    assert kept.checked_by == "title on the page, HTML with 4,156 words"
    # The page declares ISO-8859-1 in a <meta http-equiv>; its readable text drops the markup.
    page = read_html(ZLIB)
    assert page.title == "zlib Usage Example" and page.text.splitlines()[0] == "zlib Usage Example"
    assert "<tt>" not in page.text and "deflate()" in page.text


@pytest.mark.parametrize("doi, title, message", [
    (None, TITLE, "an HTML page that shows neither the work's DOI nor its title: another work's page?"),
    ("10.1103/physrevlett.80.3915", "zlib", "an HTML page that shows neither the work's DOI nor its title: "
                                            "another work's page?"),  # "zlib" alone is too short to be a title
])
def test_another_works_page_is_refused(server: ReplayServer, session, doi, title, message) -> None:
    with pytest.raises(Refused) as err:
        _retrieve(server, session, "/zlib_how.html", doi, title)
    assert str(err.value) == message


def test_a_page_naming_another_doi_is_refused() -> None:
    from pipeline.sources.fulltext_fetch import check_html

    page = read_html(b'<html><head><meta name="citation_doi" content="10.1000/other"><title>zlib Usage Example</title>'
                     b"</head><body><h1>zlib Usage Example</h1></body></html>")
    with pytest.raises(Refused) as err:
        check_html(page, "10.5555/zlib-usage-example", "zlib Usage Example")
    assert str(err.value) == "an HTML page of another work (its citation_doi is 10.1000/other)"
    same = read_html(ZLIB.replace(b"<title>", b'<meta name="citation_doi" content="doi:10.5555/ZLIB-usage-example"><title>'))
    assert check_html(same, "10.5555/zlib-usage-example", None) == "DOI on the page, HTML with 4,156 words"


def test_a_short_title_does_not_match_a_page_by_one_word() -> None:
    from pipeline.sources.fulltext_fetch import check_html

    page = read_html(b"<html><head><title>Database</title></head><body>" + b"word " * 2500 + b"</body></html>")
    with pytest.raises(Refused):
        check_html(page, None, TITLE)  # "Database" is in the title, but the title is not "Database"
