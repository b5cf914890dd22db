"""ERIC: a recorded 386-record response, start/rows paging, entities unescaped, DOI from url, setting."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from pipeline.config import ApiSource
from pipeline.sources import eric
from pipeline.sources.http import PoliteSession

from .conftest import ReplayServer, Reply, api_source, fixture_json, records_of, search

QUERY = 'source:"international studies in sociology of education"'
ISSE = fixture_json("eric_search_source_isse_rows2000.json")


def test_one_page_of_2000_rows(server: ReplayServer, http: PoliteSession, tmp_path: Path) -> None:
    server.add("/eric/", Reply(200, json.dumps(ISSE).encode()), search=QUERY, start=0)
    run = search(api_source(server, "eric", "/eric", query=QUERY), http, tmp_path)
    params = server.requests[0]["params"]
    assert (params["search"], params["format"], params["start"], params["rows"]) == (QUERY, "json", "0", "2000")
    assert "identifiersgeo" in params["fields"] and "url" in params["fields"]
    assert (len(run.records), run.log["reported_total"], run.log["pages"]) == (386, 386, 1)
    frame = records_of(run, "eric")
    assert frame["record_id"].is_unique and frame["title"].notna().all()
    # HTML entities are unescaped in titles (77 had one) and abstracts (125).
    assert not frame["title"].str.contains("&quot;").any() and not frame["abstract"].str.contains("&quot;").any()
    first = frame.set_index("source_record_id").loc["EJ1142601"]
    assert first["title"] == "Challenging Transitions: Trades and Trade-Offs for Racialised Youth in Canada's Mining Industry"
    assert 'considered "at-risk," aboriginal youth' in first["abstract"]
    assert (first["authors"], first["year"], first["language"]) == ("Hodgkins, Andrew", 2016, "English")
    assert first["doc_type"] == "Journal Articles; Reports - Research"
    assert first["keywords"].startswith("Foreign Countries; Transitional Programs; Youth Opportunities")
    assert first["url"] == "https://eric.ed.gov/?id=EJ1142601" and first["publisher"].startswith("Routledge.")
    assert frame["authors"].str.count("; ").max() == 10  # one record has 11 authors


def test_start_rows_paging_to_the_end(server: ReplayServer, http: PoliteSession, tmp_path: Path) -> None:
    # Made from the recorded response: its 386 real records served as pages of 200 (start 0 and 200).
    docs = ISSE["response"]["docs"]
    for start in (0, 200):
        page = {"response": {"numFound": 386, "start": start, "numFoundExact": True, "docs": docs[start:start + 200]}}
        server.add("/eric/", Reply(200, json.dumps(page).encode()), start=start)
    run = search(api_source(server, "eric", "/eric", query=QUERY), http, tmp_path)
    assert [r["params"]["start"] for r in server.requests] == ["0", "200"]
    assert [r["_id"] for r in run.records] == [d["id"] for d in docs]
    assert (run.log["pages"], run.log["retrieved"], run.log["complete"]) == (2, 386, True)


def test_doi_from_url_and_study_setting() -> None:
    # The recorded documents carry no url/identifiersgeo (not requested); a real record with the two
    # fields added, as ERIC returns them when asked, made for the test.
    doc = dict(fixture_json("eric_search_blockchain_json_trimmed.json")["response"]["docs"][0])
    doc.update(url="https://doi.org/10.31681/jetol.922682", identifiersgeo=["Turkey"])
    raw = eric.document(doc)
    assert raw["doi"] == "10.31681/jetol.922682" and raw["url"] == "https://eric.ed.gov/?id=EJ1286736"
    assert raw["countries"] == ["Turkey"] and raw["authors"] == ["Çulha, Davut"] and raw["year"] == 2021
    doc.update(url="http://files.eric.ed.gov/fulltext/EJ1286736.pdf", identifiersgeo=None)
    raw = eric.document(doc)
    assert raw["doi"] is None and raw["url"] == "http://files.eric.ed.gov/fulltext/EJ1286736.pdf" and raw["countries"] == []


@pytest.mark.parametrize("filters, expected", [
    ({}, '"micro-credential*"'),
    ({"from_year": 2018}, '("micro-credential*") AND publicationdateyear:[2018 TO *]'),
    ({"from_year": 2018, "to_year": 2024, "peerreviewed": "T"},
     '("micro-credential*") AND publicationdateyear:[2018 TO 2024] AND peerreviewed:T'),
])
def test_filters_join_the_lucene_query(filters: dict, expected: str) -> None:
    source = ApiSource(name="eric", type="eric", query='"micro-credential*"', filters=filters)
    assert eric.search_param(source) == expected
