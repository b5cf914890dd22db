"""`slr fulltext fetch` with Unpaywall (SLR_MAILTO) and HTML pages, against a local server on 127.0.0.1.

Served, REAL: Unpaywall's answer for 10.1103/physrevlett.80.3915 (two repository PDFs) and for a
closed article (tests/data/api/unpaywall/, PROVENANCE.tsv), with the addresses of the first pointed
at the local server; Europe PMC's answer without hits; the open PDF of tests/data/fulltext (the
Shared MIME-info Database specification) and a real HTML document, "zlib Usage Example"
(tests/data/fulltext/PROVENANCE.md).
MADE, said here: OpenAlex's answer (no work: every DOI is left to the other lists); Unpaywall's
answers for the specification and the zlib page (the real answer above with their DOI, title
and one location each, since neither has an Unpaywall record); its 404 body (shaped as
Unpaywall's server writes errors); the specification's landing page (spec_landing_MADE.html).
"""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from pipeline.cli import main
from pipeline.runner import Context
from pipeline.runner.fulltext import retrieval_log, run_fulltext_fetch
from tests.sources.api.conftest import API, ReplayServer, Reply

FULLTEXT = Path(__file__).parents[1] / "data" / "fulltext"
PDF = (FULLTEXT / "shared-mime-info-spec.pdf").read_bytes()
ZLIB = (FULLTEXT / "zlib_how.html").read_bytes()
LANDING = (FULLTEXT / "spec_landing_MADE.html").read_bytes()
UNPAYWALL = API / "unpaywall"
MAILTO = "reviewer@uni.test"
KEY = "openalex-key-5c1e"
SPEC_DOI = "10.5555/shared-mime-info-0.21"  # MADE: the specification has no DOI
ZLIB_DOI = "10.5555/zlib-usage-example"     # MADE: neither has the zlib page
PRL_DOI = "10.1103/physrevlett.80.3915"
CLOSED_DOI = "10.1016/s0962-1849(05)80014-9"
UNKNOWN_DOI = "10.5555/not-in-unpaywall"
PRL_TITLE = "Stable Characteristic Evolution of Generic Three-Dimensional Single-Black-Hole Spacetimes"


def _location(url: str, institution: str) -> dict:
    """One repository location without a PDF address (MADE, in Unpaywall's fields)."""
    return {"endpoint_id": None, "evidence": "oa repository (via OAI-PMH title match)", "host_type": "repository",
            "is_best": True, "license": "cc-by", "oa_date": None, "pmh_id": None,
            "repository_institution": institution, "updated": "2026-12-01T00:00:00",
            "url": url, "url_for_landing_page": url, "url_for_pdf": None, "version": "publishedVersion"}


@pytest.fixture
def server(monkeypatch: pytest.MonkeyPatch) -> Iterator[ReplayServer]:
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "http_proxy", "https_proxy"):
        monkeypatch.delenv(name, raising=False)
    srv = ReplayServer()
    json_type = {"content-type": "application/json"}
    real = json.loads((UNPAYWALL / "v2_physrevlett.80.3915.json").read_text(encoding="utf-8"))
    prl = copy.deepcopy(real)
    for location in [prl["best_oa_location"], prl["first_oa_location"], *prl["oa_locations"]]:
        path = "/arxiv/pdf/gr-qc/9801069" if "arxiv" in location["url_for_pdf"] else "/cdr/downloads/hm50v1675"
        location["url"] = location["url_for_pdf"] = srv.url + path
        location["url_for_landing_page"] = srv.url + path + "/landing"  # not asked: a PDF address is given
    made = {}
    for doi, title, url, institution in [(SPEC_DOI, "Shared MIME-info Database", "/repo/spec", "freedesktop.org"),
                                         (ZLIB_DOI, "zlib Usage Example", "/zlib/zlib_how.html", "zlib.net")]:
        answer = copy.deepcopy(real) | {"doi": doi, "doi_url": f"https://doi.org/{doi}", "title": title}
        answer["best_oa_location"] = _location(srv.url + url, institution)
        answer["oa_locations"] = [answer["best_oa_location"]]
        made[doi] = answer
    srv.add(f"/unpaywall/{PRL_DOI}", Reply(200, json.dumps(prl).encode(), json_type))
    srv.add(f"/unpaywall/{SPEC_DOI}", Reply(200, json.dumps(made[SPEC_DOI]).encode(), json_type))
    srv.add(f"/unpaywall/{ZLIB_DOI}", Reply(200, json.dumps(made[ZLIB_DOI]).encode(), json_type))
    srv.add(f"/unpaywall/{CLOSED_DOI}", Reply(200, (UNPAYWALL / "v2_s0962-1849.05.80014-9_closed.json").read_bytes(),
                                               json_type))
    srv.add(f"/unpaywall/{UNKNOWN_DOI}", Reply(404, (UNPAYWALL / "v2_404_not_in_unpaywall_MADE.json").read_bytes(),
                                                json_type))
    srv.add("/works", Reply(200, b'{"meta": {"count": 0, "next_cursor": null}, "results": []}', json_type))
    srv.add("/europepmc/search", Reply(200, (API / "europepmc_search_no_results.json").read_bytes(), json_type))
    srv.add("/arxiv/pdf/gr-qc/9801069", Reply(200, PDF, {"content-type": "application/pdf"}))
    srv.add("/cdr/downloads/hm50v1675", Reply(200, ZLIB, {"content-type": "text/html"}))
    srv.add("/repo/spec", Reply(200, LANDING, {"content-type": "text/html; charset=utf-8"}))
    srv.add("/spec.pdf", Reply(200, PDF, {"content-type": "application/pdf"}))
    srv.add("/zlib/zlib_how.html", Reply(200, ZLIB, {"content-type": "text/html"}))
    monkeypatch.setenv("SLR_OPENALEX_URL", srv.url)
    monkeypatch.setenv("SLR_EUROPEPMC_URL", srv.url + "/europepmc")
    monkeypatch.setenv("SLR_UNPAYWALL_URL", srv.url + "/unpaywall")
    monkeypatch.setenv("SLR_MAILTO", MAILTO)
    monkeypatch.setenv("OPENALEX_API_KEY", KEY)
    yield srv
    srv.close()


def review(root: Path) -> Context:
    (root / "config").mkdir(parents=True)
    (root / "data" / "ft" / "fulltext").mkdir(parents=True)
    (root / "config" / "review.yaml").write_text(
        "id: ft\ntitle: Full texts\nresearch_questions: {RQ1: Which}\n"
        "sources: [{name: citations, type: citations}]\ncoding: {fulltext: data/ft/fulltext}\n", encoding="utf-8")
    screen = root / "outputs" / "ft" / "03_screen"
    screen.mkdir(parents=True)
    (screen / "screened.csv").write_text(
        "work_id,title,doi,title_abstract_decision\n"
        f"W1,Shared MIME-info Database,{SPEC_DOI},include\n"
        f"W2,{PRL_TITLE},{PRL_DOI},include\n"
        f"W3,zlib Usage Example,{ZLIB_DOI},maybe\n"
        f"W4,Psychotherapy integration and the need for better theories of change,{CLOSED_DOI},include\n"
        f"W5,A work Unpaywall does not know,{UNKNOWN_DOI},include\n", encoding="utf-8")
    return Context.load(root, "config/review.yaml")


def test_unpaywall_and_html_pages(server: ReplayServer, tmp_path: Path) -> None:
    ctx = review(tmp_path)
    summary = run_fulltext_fetch(ctx)
    assert (summary.sought, summary.already, summary.retrieved, summary.not_retrieved) == (5, 0, 2, 3)
    assert summary.notes == []
    assert summary.reasons == {"page 1 shows neither the work's DOI nor its title": 1,
                               "no open-access copy known to OpenAlex, Europe PMC or Unpaywall": 1,
                               "not in OpenAlex, Europe PMC nor Unpaywall": 1}
    folder = tmp_path / "data" / "ft" / "fulltext"
    log = retrieval_log(ctx).set_index("work_id")
    assert list(log.index) == ["W1", "W2", "W3", "W4", "W5"]
    assert list(log["status"]) == ["retrieved", "not retrieved", "retrieved", "not retrieved", "not retrieved"]

    # W1: Unpaywall names the landing page; its citation_pdf_url is followed once, to the PDF.
    assert (folder / "W1.pdf").read_bytes() == PDF
    assert log.loc["W1", "url"] == f"{server.url}/spec.pdf"
    assert log.loc["W1", "checked_by"] == "title on page 1 (through citation_pdf_url)"
    sidecar = json.loads((folder / "W1.pdf.json").read_text())
    assert {k: sidecar[k] for k in ("url", "listed_url", "citation_pdf_url_of", "found_through", "host", "licence",
                                    "version", "format", "bytes")} == {
        "url": f"{server.url}/spec.pdf", "listed_url": f"{server.url}/repo/spec",
        "citation_pdf_url_of": f"{server.url}/repo/spec", "found_through": "Unpaywall oa_locations",
        "host": "freedesktop.org", "licence": "cc-by", "version": "publishedVersion", "format": "PDF",
        "bytes": 140_429}

    # W2: the real Unpaywall answer's two PDF addresses: another work's PDF, then another work's page.
    assert log.loc["W2", "reason"] == (
        f"page 1 shows neither the work's DOI nor its title: another work's PDF? ({server.url}/arxiv/pdf/gr-qc/9801069); "
        "an HTML page that shows neither the work's DOI nor its title: another work's page? "
        f"({server.url}/cdr/downloads/hm50v1675)")
    assert not list(folder.glob("W2*"))

    # W3: the page is the full text (title, 4,156 words): kept as the bytes received.
    assert (folder / "W3.html").read_bytes() == ZLIB
    assert log.loc["W3", "checked_by"] == "title on the page, HTML with 4,156 words"
    sidecar = json.loads((folder / "W3.html.json").read_text())
    assert (sidecar["format"], sidecar["url"], sidecar["host"], sidecar["bytes"]) == (
        "HTML", f"{server.url}/zlib/zlib_how.html", "zlib.net", 29_824)
    assert "citation_pdf_url_of" not in sidecar

    # W4: known to Unpaywall, closed; W5: Unpaywall answers 404, which is "not in Unpaywall".
    assert log.loc["W4", "reason"] == "no open-access copy known to OpenAlex, Europe PMC or Unpaywall"
    assert log.loc["W5", "reason"] == "not in OpenAlex, Europe PMC nor Unpaywall"

    # Unpaywall is asked once per DOI, with the contact address and nothing else.
    asked = [r for r in server.requests if r["path"].startswith("/unpaywall/")]
    assert sorted(r["path"].removeprefix("/unpaywall/") for r in asked) == sorted(
        [SPEC_DOI, PRL_DOI, ZLIB_DOI, CLOSED_DOI, UNKNOWN_DOI])
    assert all(r["params"] == {"email": MAILTO} for r in asked)
    assert all(KEY not in json.dumps(r) for r in asked)
    # The key goes to OpenAlex only; no secret goes to the hosts of the files.
    assert all(r["params"].get("api_key") == KEY for r in server.requests if r["path"] == "/works")
    downloads = [r for r in server.requests if not r["path"].startswith(("/unpaywall/", "/works", "/europepmc"))]
    assert sorted(r["path"] for r in downloads) == ["/arxiv/pdf/gr-qc/9801069", "/cdr/downloads/hm50v1675",
                                                    "/repo/spec", "/spec.pdf", "/zlib/zlib_how.html"]
    assert all(MAILTO not in json.dumps(r) and KEY not in json.dumps(r) for r in downloads)
    # Nothing written holds a secret.
    written = (tmp_path / "data" / "ft" / "fulltext_retrieval.csv").read_text() + "".join(
        p.read_text() for p in folder.glob("*.json"))
    assert MAILTO not in written and KEY not in written

    # A second run: W1 and W3 are full texts now (the .html one too), the rest are tried again.
    again = run_fulltext_fetch(ctx)
    assert (again.already, again.retrieved, again.not_retrieved) == (2, 0, 3)


def test_without_slr_mailto_unpaywall_is_skipped_and_said_once(server: ReplayServer, tmp_path: Path,
                                                                monkeypatch: pytest.MonkeyPatch,
                                                                capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.delenv("SLR_MAILTO")
    review(tmp_path)
    assert main(["--root", str(tmp_path), "fulltext", "fetch"]) == 0
    out = capsys.readouterr().out
    assert out.count("Unpaywall not asked: it requires a contact address; set SLR_MAILTO to use it") == 1
    assert "5 reports sought: 0 had a full text, 0 retrieved, 5 not retrieved (not in OpenAlex nor Europe PMC 5)" in out
    assert not [r for r in server.requests if r["path"].startswith("/unpaywall")]


def test_unpaywall_refusing_the_address_stops_asking_it(server: ReplayServer, tmp_path: Path) -> None:
    # Unpaywall's answer to a placeholder address (HTTP 422; the message as its server code writes it).
    body = json.dumps({"HTTP_status_code": 422, "error": True, "message": "Please use your own email address in "
                       "API calls. See http://unpaywall.org/products/api"}, sort_keys=True, indent=4)  # MADE
    server.routes = [r for r in server.routes if not r.path.startswith("/unpaywall")]
    server.add(f"/unpaywall/{SPEC_DOI}", Reply(422, body.encode(), {"content-type": "application/json"}))
    ctx = review(tmp_path)
    summary = run_fulltext_fetch(ctx)
    note = ("Unpaywall stopped: HTTP 422: Please use your own email address in API calls. See "
            "http://unpaywall.org/products/api (set SLR_MAILTO to a real address)")
    assert summary.notes == [note]
    assert len([r for r in server.requests if r["path"].startswith("/unpaywall")]) == 1
    log = retrieval_log(ctx).set_index("work_id")
    assert log.loc["W1", "reason"] == f"not in OpenAlex nor Europe PMC; {note}"
