"""Semantic Scholar: recorded bulk token paging (3 pages, 2,674 papers), nulls, no results, 400/403."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from pipeline.config import ApiSource
from pipeline.errors import SourceError
from pipeline.sources import semantic_scholar as s2
from pipeline.sources.connector import Step
from pipeline.sources.http import PoliteSession

from .conftest import API, FakeTime, ReplayServer, Reply, api_source, fixture_json, records_of, search

BULK = "s2_paper_search_bulk_token_3pages"


def test_bulk_token_paging_to_the_end(server: ReplayServer, http: PoliteSession, tmp_path: Path,
                                      fake_time: FakeTime) -> None:
    server.replay(BULK, "query", "token")
    run = search(api_source(server, "semantic_scholar", "/graph/v1", query="kubernetes"), http, tmp_path)
    tokens = [r["params"].get("token", "")[:8] for r in server.requests]
    assert tokens == ["", "PCOKWVSK", "PCOA3RZL"]  # the third page's token is null: the end
    assert server.requests[0]["params"] == {"query": "kubernetes", "fields": s2.FIELDS}
    assert (len(run.records), run.log["reported_total"], run.log["pages"], run.log["complete"]) == (2674, 2674, 3, True)
    frame = records_of(run, "semantic_scholar")
    assert frame["record_id"].is_unique and frame["title"].notna().all() and frame["authors"].isna().all()
    assert frame.iloc[0]["title"] == "Kubernetes Cluster for Automating Software Production Environment"
    # One request per second: two waits of a second between three pages, nothing more.
    assert fake_time.sleeps == [1.0, 1.0]


def test_field_mapping_with_nulls() -> None:
    batch = fixture_json("s2_paper_batch_all_fields_with_null/00_200.json")
    assert batch[0] is None  # a paper the API did not find
    # The recorded batch response wrapped as a search page (made for the test) to show nulls are skipped.
    page = s2.parse(json.dumps({"total": 4, "data": batch}), Step("u", {}, {"endpoint": "bulk"}), None)
    assert len(page.records) == 3 and page.next is None and page.items == 4
    first, _, third = page.records
    assert first["_id"] == "c31c87c591a25c64fbaa82e8ac6a81831b6ac7ce"
    assert first["title"] == "How Much Should We Trust Differences-in-Differences Estimates?"
    assert first["authors"] == ["Bertrand, Marianne", "Duflo, E.", "Mullainathan, S."]
    assert (first["year"], first["doi"], first["doc_type"]) == (2001, "10.2139/ssrn.288970", "Review")
    assert first["venue"] == "Experimental & Empirical Studies eJournal"
    assert first["keywords"] == ["Psychology", "Economics", "Mathematics"]
    assert first["abstract"].startswith("Most Difference-in-Difference (DD) papers")
    # Journal, publication types, fields of study and date all null: keywords from s2FieldsOfStudy.
    assert third["venue"] is None and third["doc_type"] is None and third["volume"] is None
    assert third["keywords"] == ["Environmental Science", "Business", "Economics"] and third["year"] == 2023


def test_relevance_search_without_results(server: ReplayServer, http: PoliteSession, tmp_path: Path) -> None:
    server.replay("s2_paper_search_no_results", "query", "offset")
    source = api_source(server, "semantic_scholar", "/graph/v1", query="n0 r3sult s3arch t3rm",
                        filters={"endpoint": "relevance"})
    run = search(source, http, tmp_path)
    assert server.requests[0]["path"] == "/graph/v1/paper/search"
    assert (run.records, run.log["reported_total"], run.log["pages"], run.log["complete"]) == ([], 0, 1, True)


def test_relevance_offsets_stop_at_1000(server: ReplayServer, http: PoliteSession, tmp_path: Path) -> None:
    # Made for the test from the recorded bulk page's real papers: relevance pages of 100, total 2,674.
    papers = fixture_json(f"{BULK}/00_200.json")["data"]
    for offset in range(0, 1000, 100):
        body = {"total": 2674, "offset": offset, "next": offset + 100, "data": papers[offset:offset + 100]}
        server.add("/graph/v1/paper/search", Reply(200, json.dumps(body).encode()), offset=offset)
    source = api_source(server, "semantic_scholar", "/graph/v1", query="kubernetes", filters={"endpoint": "relevance"})
    run = search(source, http, tmp_path)
    assert [int(r["params"]["offset"]) for r in server.requests] == list(range(0, 1000, 100))
    assert {r["params"]["limit"] for r in server.requests} == {"100"}
    assert (len(run.records), run.log["reported_total"]) == (1000, 2674)
    assert run.log["errors"] == "relevance search serves the first 1000 of 2674 results; use the bulk endpoint for all"


@pytest.mark.parametrize("folder, status, said, hint", [
    ("s2_bad_api_key_403", 403, "Forbidden", "SEMANTIC_SCHOLAR_API_KEY is set but the API refused it"),
    ("s2_unknown_field_400", 400, "Unrecognized or unsupported fields: [unknown]", "check the query syntax"),
])
def test_recorded_errors(server: ReplayServer, http: PoliteSession, tmp_path: Path, folder: str, status: int,
                         said: str, hint: str) -> None:
    # Recorded for /paper/batch and /paper/{id}; served for the bulk search, which answers the same way.
    body = next((API / folder).glob("00_*.json")).read_bytes()
    server.add("/graph/v1/paper/search/bulk", Reply(status, body, {"content-type": "application/json"}))
    source = api_source(server, "semantic_scholar", "/graph/v1", query="micro-credential*")
    with pytest.raises(SourceError) as error:
        search(source, http, tmp_path, env={"SEMANTIC_SCHOLAR_API_KEY": "s2-key-123456"})
    message = str(error.value)
    assert message.startswith(f"semantic_scholar (semantic_scholar): HTTP {status}: {said} (page 1, ")
    assert "query: micro-credential*" in message and f"Hint: {hint}" in message
    assert server.requests[0]["headers"]["x-api-key"] == "s2-key-123456" and len(server.requests) == 1
    assert "s2-key-123456" not in message


def test_year_filter() -> None:
    source = ApiSource(name="s2", type="semantic_scholar", query='"micro-credential" | "digital badge"',
                          filters={"from_year": 2018, "publicationTypes": ["JournalArticle", "Review"]})
    step = s2.first(source, "https://api.semanticscholar.org/graph/v1")
    assert step.url.endswith("/paper/search/bulk")
    assert step.params == {"query": '"micro-credential" | "digital badge"', "fields": s2.FIELDS, "year": "2018-",
                           "publicationTypes": "JournalArticle,Review"}
