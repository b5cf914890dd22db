"""`slr fulltext fetch` end to end against a local server on 127.0.0.1.

Served: the REAL open PDF of tests/data/fulltext (the Shared MIME-info Database specification),
and OpenAlex answers that are MADE for this test, said here: one built on the real recorded work
W2741809807 ("The state of OA") with its open-access addresses (PDFs and the page of its open
location without a PDF) pointed at the local server (which serves the wrong PDF for it), and one made work whose DOI (10.5555/…, the test prefix) and
PDF address belong to the specification.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from pipeline.cli import main
from pipeline.errors import ConfigError
from pipeline.runner import Context
from pipeline.runner.fulltext import retrieval_log, run_fulltext_fetch
from tests.sources.api.conftest import API, ReplayServer, Reply

PDF = (Path(__file__).parents[1] / "data" / "fulltext" / "shared-mime-info-spec.pdf").read_bytes()
SPEC_DOI = "10.5555/shared-mime-info-0.21"  # MADE: the specification has no DOI


@pytest.fixture
def server(monkeypatch: pytest.MonkeyPatch) -> Iterator[ReplayServer]:
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "http_proxy", "https_proxy", "OPENALEX_API_KEY", "SLR_MAILTO"):
        monkeypatch.delenv(name, raising=False)
    srv = ReplayServer()
    state_of_oa = json.loads((API / "openalex_work_W2741809807.json").read_text())
    for location in [state_of_oa["best_oa_location"], *state_of_oa["locations"]]:
        if location.get("pdf_url"):
            location["pdf_url"] = f"{srv.url}/spec.pdf"
        elif location.get("is_oa"):  # PMC's page: an open location without a PDF address
            location["landing_page_url"] = f"{srv.url}/spec.pdf"
    spec = {"id": "https://openalex.org/W1", "doi": f"https://doi.org/{SPEC_DOI}",
            "best_oa_location": {"pdf_url": f"{srv.url}/spec.pdf", "license": "gpl-2.0", "version": "publishedVersion",
                                 "source": {"display_name": "freedesktop.org"}}, "oa_locations": []}
    page = {"meta": {"count": 2, "next_cursor": None}, "results": [state_of_oa, spec]}
    srv.add("/works", Reply(200, json.dumps(page).encode(), {"content-type": "application/json"}))
    srv.add("/spec.pdf", Reply(200, PDF, {"content-type": "application/pdf"}))
    # Europe PMC knows none of them: its REAL recorded answer to a search without hits.
    srv.add("/europepmc/search", Reply(200, (API / "europepmc_search_no_results.json").read_bytes(),
                                       {"content-type": "application/json"}))
    monkeypatch.setenv("SLR_OPENALEX_URL", srv.url)
    monkeypatch.setenv("SLR_EUROPEPMC_URL", srv.url + "/europepmc")
    monkeypatch.setenv("SLR_UNPAYWALL_URL", srv.url + "/unpaywall")  # not asked: no SLR_MAILTO
    yield srv
    srv.close()


def review(root: Path, fulltext: bool = True) -> Context:
    (root / "config").mkdir(parents=True)
    (root / "data" / "ft" / "fulltext").mkdir(parents=True)
    (root / "data" / "ft" / "fulltext" / "W5.txt").write_text("A full text someone put here.\n", encoding="utf-8")
    (root / "config" / "review.yaml").write_text(
        "id: ft\ntitle: Full texts\nresearch_questions: {RQ1: Which}\n"
        "sources: [{name: citations, type: citations}]\n"
        + ("coding: {fulltext: data/ft/fulltext}\n" if fulltext else ""), encoding="utf-8")
    screen = root / "outputs" / "ft" / "03_screen"
    screen.mkdir(parents=True)
    (screen / "screened.csv").write_text(
        "work_id,title,doi,title_abstract_decision\n"
        f"W1,Shared MIME-info Database,{SPEC_DOI},include\n"
        "W2,The state of OA: a large-scale analysis of the prevalence and impact of Open Access articles,"
        "10.7717/peerj.4375,maybe\n"
        "W3,A report without a DOI,,include\n"
        "W4,Excluded at title and abstract,10.1145/3383583.3398584,exclude\n"
        "W5,Someone's own copy,,include\n", encoding="utf-8")
    return Context.load(root, "config/review.yaml")


def test_fetch_keeps_the_right_pdf_and_logs_the_rest(server: ReplayServer, tmp_path: Path) -> None:
    ctx = review(tmp_path)
    summary = run_fulltext_fetch(ctx)
    assert (summary.sought, summary.already, summary.retrieved, summary.not_retrieved) == (4, 1, 1, 2)
    assert summary.notes == ["Unpaywall not asked: it requires a contact address; set SLR_MAILTO to use it"]
    assert not [r for r in server.requests if r["path"].startswith("/unpaywall")]
    folder = tmp_path / "data" / "ft" / "fulltext"
    assert (folder / "W1.pdf").read_bytes() == PDF
    sidecar = json.loads((folder / "W1.pdf.json").read_text())
    assert {k: sidecar[k] for k in ("doi", "url", "host", "licence", "bytes", "checked_by")} == {
        "doi": SPEC_DOI, "url": f"{server.url}/spec.pdf", "host": "freedesktop.org", "licence": "gpl-2.0",
        "bytes": 140_429, "checked_by": "title on page 1"}
    assert not (folder / "W2.pdf").exists()
    log = retrieval_log(ctx).set_index("work_id")
    assert list(log.index) == ["W1", "W2", "W3"]
    assert log.loc["W1", "status"] == "retrieved"
    assert log.loc["W2", "reason"] == ("page 1 shows neither the work's DOI nor its title: another work's PDF? "
                                       f"({server.url}/spec.pdf)")
    assert log.loc["W3", "reason"] == "no DOI: OpenAlex cannot be asked for an open-access copy"
    # One OpenAlex request for both DOIs; the PDF address is asked once per candidate.
    lookups = [r for r in server.requests if r["path"] == "/works"]
    assert [r["params"]["filter"] for r in lookups] == [f"doi:{SPEC_DOI}|10.7717/peerj.4375"]
    pmc = [r for r in server.requests if r["path"] == "/europepmc/search"]
    assert [r["params"]["query"] for r in pmc] == [f'DOI:"{SPEC_DOI}" OR DOI:"10.7717/peerj.4375"']
    # A second run leaves W1 (now a full text) and W5 alone, and tries W2 and W3 again.
    again = run_fulltext_fetch(ctx)
    assert (again.already, again.retrieved, again.not_retrieved) == (2, 0, 2)
    assert len(retrieval_log(ctx)) == 5


def test_the_command_needs_a_fulltext_folder(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    review(tmp_path, fulltext=False)
    with pytest.raises(ConfigError):
        run_fulltext_fetch(Context.load(tmp_path, "config/review.yaml"))
    assert main(["--root", str(tmp_path), "fulltext", "fetch"]) == 2
    assert "coding.fulltext: not set; full texts are kept in that folder" in capsys.readouterr().err


def test_a_file_already_in_the_folder_is_never_replaced(server: ReplayServer, tmp_path: Path) -> None:
    """A note someone keeps beside a report under the sidecar's name stays as typed; the work is
    logged as not retrieved, with that reason."""
    ctx = review(tmp_path)
    folder = tmp_path / "data" / "ft" / "fulltext"
    note = folder / "W1.pdf.json"
    note.write_text('{"my note": "asked the library on 2 December"}', encoding="utf-8")
    summary = run_fulltext_fetch(ctx)
    assert summary.retrieved == 0
    assert note.read_text(encoding="utf-8") == '{"my note": "asked the library on 2 December"}'
    assert not (folder / "W1.pdf").exists()
    log = retrieval_log(ctx).set_index("work_id")
    assert (log.loc["W1", "status"], log.loc["W1", "reason"]) == ("not retrieved", "W1.pdf.json exists already; not replaced")
