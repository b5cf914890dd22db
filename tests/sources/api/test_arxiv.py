"""arXiv: the recorded Atom feed, zero hits, the error entry (not a paper), an empty page mid-way."""

from __future__ import annotations

from pathlib import Path

import pytest

from pipeline.config import ApiSource
from pipeline.errors import SourceError
from pipeline.sources import arxiv
from pipeline.sources.http import PoliteSession

from .conftest import API, FakeTime, ReplayServer, Reply, api_source, records_of, search

TESTING = "arxiv_query_testing_start0_max10"


def test_atom_feed_mapping(server: ReplayServer, http: PoliteSession, tmp_path: Path) -> None:
    server.replay(TESTING, "search_query", "start")
    run = search(api_source(server, "arxiv", "/api", query="testing", max_records=10), http, tmp_path)
    assert server.requests[0]["params"] == {"search_query": "testing", "sortBy": "relevance", "sortOrder": "descending",
                                            "start": "0", "max_results": "10"}
    assert (len(run.records), run.log["reported_total"], run.log["complete"]) == (10, 214881, True)
    frame = records_of(run, "arxiv").set_index("source_record_id")
    assert list(frame.index[:3]) == ["2202.12139", "2405.13786", "2005.14124"]  # version suffix dropped
    first = frame.loc["2202.12139"]
    assert first["title"] == "Testing Deep Learning Models: A First Comparative Study of Multiple Testing Techniques"
    assert first["authors"] == "Ahuja, Mohit Kumar; Gotlieb, Arnaud; Spieker, Helge"
    assert (first["year"], first["doi"], first["doc_type"]) == (2022, "10.1109/icstw55395.2022.00035", "preprint")
    assert first["venue"].startswith("Artificial Intelligence in Software Testing @ 2022 IEEE")
    assert first["keywords"] == "cs.SE; cs.LG" and first["url"] == "https://arxiv.org/abs/2202.12139v1"
    assert first["abstract"].startswith("Deep Learning (DL) has revolutionized")
    assert frame["doi"].notna().sum() == 6  # six of the ten entries carry a DOI


def test_zero_results(server: ReplayServer, http: PoliteSession, tmp_path: Path) -> None:
    server.replay("arxiv_idlist_zero_results", "id_list")
    run = search(api_source(server, "arxiv", "/api", filters={"id_list": "0000.0000"}), http, tmp_path)
    assert server.requests[0]["params"]["id_list"] == "0000.0000"
    assert (run.records, run.log["reported_total"], run.log["pages"], run.log["complete"]) == ([], 0, 1, True)


def test_recorded_400_says_what_is_wrong(server: ReplayServer, http: PoliteSession, tmp_path: Path) -> None:
    server.replay("arxiv_idlist_malformed_400", "id_list")
    with pytest.raises(SourceError) as error:
        search(api_source(server, "arxiv", "/api", filters={"id_list": "abc"}), http, tmp_path)
    assert str(error.value).startswith("arxiv (arxiv): HTTP 400: incorrect id format for abc (page 1, ")
    assert "Hint: check the query: arXiv takes field prefixes" in str(error.value)


def test_error_entry_is_not_a_paper(server: ReplayServer, http: PoliteSession, tmp_path: Path) -> None:
    # The recorded error feed, served with status 200 (made for the test): still a rejected query.
    body = (API / "arxiv_idlist_malformed_400/00_400.xml").read_bytes()
    server.add("/api/query", Reply(200, body, {"content-type": "application/atom+xml"}))
    with pytest.raises(SourceError) as error:
        search(api_source(server, "arxiv", "/api", filters={"id_list": "abc"}), http, tmp_path)
    assert str(error.value).startswith("arxiv (arxiv): the database rejected the query: incorrect id format for abc")
    assert len(server.requests) == 1  # not retried


def test_empty_page_midway_is_retried(server: ReplayServer, http: PoliteSession, tmp_path: Path,
                                      fake_time: FakeTime) -> None:
    # Made for the test: the recorded page answers start=0 and (again) start=10; the first answer to
    # start=10 is the recorded zero-hit feed, as arXiv sometimes sends mid-way.
    page = (API / TESTING / "00_200.xml").read_bytes()
    empty = (API / "arxiv_idlist_zero_results/00_200.xml").read_bytes()
    server.add("/api/query", [Reply(200, empty), Reply(200, page)], start=10)
    server.add("/api/query", Reply(200, page), start=0)
    run = search(api_source(server, "arxiv", "/api", query="testing", max_records=20), http, tmp_path)
    assert [r["params"]["start"] for r in server.requests] == ["0", "10", "10"]
    assert (len(run.records), run.log["retries"], run.log["pages"]) == (20, 1, 2)
    assert run.log["errors"] == "unreadable response (empty page at start=10)"
    # One request per 3 s: the retry waited its backoff (0.75 s with this jitter), then the rest of 3 s.
    assert fake_time.sleeps == pytest.approx([3.0, 0.75, 2.25])


def test_year_filter_is_a_submitted_date_range() -> None:
    source = ApiSource(name="arxiv", type="arxiv", query='all:"micro-credential" OR all:"digital badge"',
                       filters={"from_year": 2018})
    step = arxiv.first(source, "https://export.arxiv.org/api")
    assert step.params["search_query"] == ('(all:"micro-credential" OR all:"digital badge") AND '
                                           "submittedDate:[201801010000 TO 299912312359]")
    assert step.url == "https://export.arxiv.org/api/query" and step.params["max_results"] == 200
