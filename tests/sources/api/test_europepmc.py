"""Europe PMC: a recorded core page, cursorMark paging to an empty page, lite results, no results."""

from __future__ import annotations

from pathlib import Path

from pipeline.config import ApiSource
from pipeline.sources import europepmc
from pipeline.sources.http import PoliteSession

from .conftest import API, ReplayServer, Reply, api_source, fixture_json, records_of, search

BASE = "/europepmc/webservices/rest"
CORE = (API / "europepmc_search_core_cancer_page1.json").read_bytes()


def test_core_page_mapping(server: ReplayServer, http: PoliteSession, tmp_path: Path) -> None:
    server.add(f"{BASE}/search", Reply(200, CORE), query="cancer", cursorMark="*")
    run = search(api_source(server, "europepmc", BASE, query="cancer", max_records=25), http, tmp_path)
    assert server.requests[0]["params"] == {"query": "cancer", "resultType": "core", "format": "json",
                                            "pageSize": "25", "cursorMark": "*"}
    assert (len(run.records), run.log["reported_total"], run.log["pages"]) == (25, 5059039, 1)
    frame = records_of(run, "europepmc").set_index("source_record_id")
    first = frame.loc["MED/39709209"]
    assert first["title"] == "Abscopal response in a patient with fibrolamellar hepatocellular carcinoma following radiotherapy."
    assert first["authors"] == "Schoenfeld, Jonathan D; Haas-Kogan, Daphne A; O'Neill, Allison F"
    assert (first["doi"], first["year"], first["language"]) == ("10.1016/s0140-6736(24)02600-x", 2025, "eng")
    assert (first["venue"], first["volume"], first["issue"], first["pages"]) == ("Lancet (London, England)", "404", "10471", "2603-2604")
    assert first["doc_type"] == "Journal Article" and first["url"] == "https://europepmc.org/article/MED/39709209"
    assert first["affiliations"].startswith("Department of Radiation Oncology, Brigham and Women's Hospital")
    assert frame.loc["MED/39709208", "doc_type"] == "Published Erratum; correction"
    with_abstract = frame.loc["MED/40468710"]
    assert with_abstract["abstract"].startswith("Objective This study investigated whether psychological flexibility")
    assert with_abstract["keywords"].startswith("Cancer; Acceptance And Commitment Therapy")
    assert frame["abstract"].notna().sum() == 21 and frame["doi"].notna().sum() == 24


def test_cursor_mark_paging_ends_on_an_empty_page(server: ReplayServer, http: PoliteSession, tmp_path: Path) -> None:
    # Made for the test: the recorded no-results response answers the recorded next cursorMark.
    server.add(f"{BASE}/search", Reply(200, CORE), cursorMark="*")
    server.add(f"{BASE}/search", Reply(200, (API / "europepmc_search_no_results.json").read_bytes()),
               cursorMark="AoIIP4ZawSg1MzEyODI1MA==")
    run = search(api_source(server, "europepmc", BASE, query="cancer"), http, tmp_path)
    assert [r["params"]["cursorMark"] for r in server.requests] == ["*", "AoIIP4ZawSg1MzEyODI1MA=="]
    assert (len(run.records), run.log["pages"], run.log["complete"]) == (25, 2, True)


def test_lite_results_and_no_results() -> None:
    lite = fixture_json("europepmc_search_lite_pagesize5.json")
    raw = europepmc.article(lite["resultList"]["result"][0])
    assert raw["authors"] == ["Schoenfeld JD", "Haas-Kogan DA", "O'Neill AF"]  # from authorString
    assert (raw["venue"], raw["volume"], raw["doc_type"]) == ("Lancet", "404", "journal article")
    page = europepmc.parse((API / "europepmc_search_no_results.json").read_text(), europepmc.Step("u", {"cursorMark": "*"}), None)
    assert (page.records, page.total, page.next) == ([], 0, None)


def test_filters_join_the_query() -> None:
    source = ApiSource(name="epmc", type="europepmc", query='"micro-credential*"', filters={"from_year": 2018, "SRC": "MED"})
    assert europepmc.query_param(source) == '("micro-credential*") AND PUB_YEAR:[2018 TO 3000] AND SRC:MED'
