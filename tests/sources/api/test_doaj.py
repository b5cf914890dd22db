"""DOAJ: a recorded search page, field mapping, and the split by year past the 1,000-result cap."""

from __future__ import annotations

import json
from pathlib import Path
from urllib.parse import unquote

from pipeline.config import ApiSource
from pipeline.sources import doaj
from pipeline.sources.http import PoliteSession

from .conftest import ReplayServer, Reply, api_source, fixture_json, records_of, search

LICENSE = fixture_json("doaj_v2_article_search_license_ccby/00_200.json")


def test_recorded_page_mapping(server: ReplayServer, http: PoliteSession, tmp_path: Path) -> None:
    server.replay("doaj_v2_article_search_params_sort", "page")
    run = search(api_source(server, "doaj", "/api/v2", query="Pinus contorta", max_records=30), http, tmp_path)
    assert server.requests[0]["path"] == "/api/v2/search/articles/Pinus%20contorta"
    assert server.requests[0]["params"] == {"page": "1", "pageSize": "30"}
    assert (len(run.records), run.log["reported_total"], run.log["pages"]) == (30, 103, 1)
    frame = records_of(run, "doaj")
    first = frame.iloc[0]
    assert first["doi"] == "10.1371/journal.pone.0227130" and first["year"] == 2020
    assert first["authors"] == "Peralta, Guadalupe; Dickie, Ian A; Yeates, Gregor W; Peltzer, Duane A"
    assert (first["venue"], first["volume"], first["issue"], first["pages"]) == ("PLoS ONE", "15", "1", "e0227130")
    assert (first["language"], first["doc_type"]) == ("EN", "journal article")
    assert first["publisher"] == "Public Library of Science (PLoS)"
    assert first["abstract"].startswith("Success of invasive non-native plant species management")
    assert frame["keywords"].notna().sum() == 28  # two records have no keywords


def test_affiliations_and_pages() -> None:
    raw = doaj.article(LICENSE["results"][0])
    assert raw["authors"][:2] == ["Kullmann, Stephanie", "Valenta, Vera"] and raw["pages"] == "1-6"
    assert raw["affiliations"] == [
        "Institute for Diabetes Research and Metabolic Diseases of the Helmholtz Center Munich at the University of Tübingen",
        "Emergency Department, Marienhospital Stuttgart, Vinzenz von Paul Kliniken"]
    assert raw["url"] == "http://link.springer.com/article/10.1038/s41467-020-15686-y"


def test_split_by_year_past_the_cap(server: ReplayServer, http: PoliteSession, tmp_path: Path) -> None:
    # The recorded page for license:CC-BY reports 5,412,874 results (served for the query with its
    # year range): the search is split by year. The year pages are made for the test from that
    # page's real records (2 for 2019, 3 for 2020).
    server.add("/api/search/articles/(license:CC-BY) AND bibjson.year:[2019 TO 2020]", Reply(200, json.dumps(LICENSE).encode()))
    for year, items in ((2019, LICENSE["results"][:2]), (2020, LICENSE["results"][2:5])):
        body = {"total": len(items), "page": 1, "pageSize": 100, "results": items}
        server.add(f"/api/search/articles/(license:CC-BY) AND bibjson.year:{year}", Reply(200, json.dumps(body).encode()))
    source = api_source(server, "doaj", "/api", query="license:CC-BY", filters={"from_year": 2019, "to_year": 2020})
    run = search(source, http, tmp_path)
    assert [unquote(r["path"]).rsplit("/", 1)[-1] for r in server.requests] == [
        "(license:CC-BY) AND bibjson.year:[2019 TO 2020]", "(license:CC-BY) AND bibjson.year:2019",
        "(license:CC-BY) AND bibjson.year:2020"]
    assert [r["_id"] for r in run.records] == [item["id"] for item in LICENSE["results"][:5]]
    assert (run.log["reported_total"], run.log["pages"], run.log["complete"]) == (5412874, 3, True)
    # Offline, the probe page again gives no records: the same five.
    again = search(source, http, tmp_path, offline=True)
    assert [r["_id"] for r in again.records] == [r["_id"] for r in run.records]


def test_a_year_over_the_cap_is_noted() -> None:
    source = ApiSource(name="doaj", type="doaj", query="badges", filters={"from_year": 2020, "to_year": 2020})
    step = doaj.Step("u", {"page": 1, "pageSize": 100}, {"year": 2020, "last": 2020, "probe_total": 9000})
    body = json.dumps({"total": 4000, "results": LICENSE["results"]})
    page = doaj.parse(body, step, source)
    assert page.notes == ["2020: 4000 results, DOAJ serves the first 1000"] and page.total == 9000
    assert page.next is not None and page.next.params["page"] == 2
