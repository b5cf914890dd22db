"""OpenAlex: recorded cursor pages replayed to the end, field mapping, nulls, and the recorded 400/401."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from pipeline.errors import SourceError
from pipeline.sources import openalex
from pipeline.sources.http import PoliteSession

from .conftest import ReplayServer, Reply, api_source, fixture_json, records_of, search

FILTER = {"openalex": "W3045921891|W3046863325"}


def test_cursor_paging_to_the_end(server: ReplayServer, http: PoliteSession, tmp_path: Path) -> None:
    server.replay("openalex_filter_cursor_2pages_and_400s", "cursor", "filter")
    run = search(api_source(server, "openalex", filters=FILTER), http, tmp_path)
    # Page 1 holds both works; page 2 (next_cursor) is empty with next_cursor null: the end.
    assert [r["params"]["cursor"] for r in server.requests] == [
        "*", "IlsnLUluZmluaXR5JywgMCwgJ2h0dHBzOi8vb3BlbmFsZXgub3JnL1czMDQ1OTIxODkxJ10i"]
    assert server.requests[0]["params"]["filter"] == "openalex:W3045921891|W3046863325"
    assert [r["_id"] for r in run.records] == ["W3046863325", "W3045921891"]
    assert run.log | {"raw_folder": None} == {
        "query_sent": f"{server.url}/works?filter=openalex:W3045921891|W3046863325&per_page=200&cursor=*",
        "started_at": "2026-03-01T10:00:00+00:00", "run_id": "20260301T100000Z", "reported_total": 2,
        "retrieved": 2, "pages": 2, "retries": 0, "errors": None, "complete": True, "raw_folder": None,
        "offline": False}


def test_field_mapping(server: ReplayServer, http: PoliteSession, tmp_path: Path) -> None:
    server.replay("openalex_filter_cursor_2pages_and_400s", "cursor", "filter")
    frame = records_of(search(api_source(server, "openalex", filters=FILTER), http, tmp_path), "openalex")
    first = frame.set_index("source_record_id").loc["W3046863325"]
    assert first["title"] == "Trends of Publications' Citations and Altmetrics Based on Open Access Types"
    assert first["doi"] == "10.1145/3383583.3398584"
    assert first["year"] == 2020
    assert first["authors"] == "Nishioka, Chifumi; Färber, Michael"
    assert first["countries"] == "JP; DE"
    assert first["affiliations"] == "Kyoto University; Karlsruhe Institute of Technology"
    assert first["language"] == "en" and first["doc_type"] == "article" and first["pages"] == "503-504"
    # The abstract is rebuilt from the inverted index: 71 word positions, in order.
    assert first["abstract"].startswith("This paper analyzes trends of citation and altmetrics with respect to")
    assert len(first["abstract"].split()) == 71
    second = frame.set_index("source_record_id").loc["W3045921891"]
    assert second["doi"] == "10.48550/arxiv.2007.14454" and second["doc_type"] == "preprint"
    assert second["authors"] == "Ravenscroft, James; Clare, Amanda; Liakata, Maria"
    assert pd.isna(second["countries"])  # no institutions recorded for these authors
    assert len(second["abstract"].split()) == 205


def test_single_work_with_many_countries() -> None:
    raw = openalex.work(fixture_json("openalex_work_W2741809807.json"))
    assert raw["_id"] == "W2741809807"
    assert raw["venue"] == "PeerJ" and raw["publisher"] == "PeerJ, Inc." and raw["volume"] == "6"
    assert raw["pages"] == "e4375"  # first and last page equal: one article number
    assert raw["authors"][:2] == ["Piwowar, Heather", "Priem, Jason"]
    assert raw["authors"][7] == "West, Jevin D."
    assert sorted(set(raw["countries"])) == ["CA", "US"]


def test_null_title_and_paratext() -> None:
    work = fixture_json("openalex_singleton_title_null_paratext/00_200.json")
    raw = openalex.work(work)
    assert raw["title"] is None and raw["abstract"] is None
    assert raw["doc_type"] == "paratext" and raw["language"] == "ng" and raw["year"] == 2018
    assert raw["authors"] == ["Rasulev, Bakhtiyor"] and raw["countries"] == ["US", "US", "US"]
    assert raw["venue"] == "Journal of Nanotoxicology and Nanomedicine" and raw["volume"] == "3" and raw["pages"] is None


def test_recorded_400_names_the_bad_filter(server: ReplayServer, http: PoliteSession, tmp_path: Path) -> None:
    server.replay("openalex_filter_cursor_2pages_and_400s", "filter")
    with pytest.raises(SourceError) as error:
        search(api_source(server, "openalex", query="badges", filters={"DOESNTEXIST": 1}), http, tmp_path)
    message = str(error.value)
    assert message.startswith("openalex (openalex): HTTP 400: Invalid query parameters error.: "
                              "DOESNTEXIST is not a valid field.")
    assert "query: badges" in message and "Hint: check the search syntax and the filter names" in message
    assert len(server.requests) == 1  # a 400 is never retried


def test_recorded_401_says_which_key(server: ReplayServer, http: PoliteSession, tmp_path: Path) -> None:
    # The recorded 401 came from /rate-limit; served here for /works, where a bad key gets the same.
    body = (Path(__file__).parents[2] / "data/api/openalex_invalid_api_key_401/00_401.json").read_bytes()
    server.add("/works", Reply(401, body, {"content-type": "application/json"}))
    source = api_source(server, "openalex", query="badges")
    with pytest.raises(SourceError) as error:
        search(source, http, tmp_path, env={"OPENALEX_API_KEY": "sk-test-0000-secret"})
    assert str(error.value).splitlines() == [
        f"openalex (openalex): HTTP 401: Invalid or missing API key: API key not found (page 1, {server.url}"
        "/works?search=badges&per_page=200&cursor=%2A); query: badges",
        "  Hint: OPENALEX_API_KEY is set but the API refused it: set OPENALEX_API_KEY to a valid key, "
        "or unset it to search without one"]
    assert server.requests[0]["params"]["api_key"] == "sk-test-0000-secret"
    with pytest.raises(SourceError, match="Hint: set OPENALEX_API_KEY to your API key"):
        search(source, http, tmp_path / "again")


def test_filters_and_secrets_in_the_request(server: ReplayServer, http: PoliteSession, tmp_path: Path) -> None:
    server.add("/works", Reply(200, b'{"meta": {"count": 0, "next_cursor": null}, "results": []}'))
    source = api_source(server, "openalex", query='"micro-credential" OR microcredential',
                        filters={"from_year": 2018, "type": ["article", "review"]}, max_records=50)
    run = search(source, http, tmp_path, env={"OPENALEX_API_KEY": "k-123456", "SLR_MAILTO": "me@example.org"})
    sent = server.requests[0]
    assert sent["params"] == {"search": '"micro-credential" OR microcredential',
                              "filter": "from_publication_date:2018-01-01,type:article|review", "per_page": "50",
                              "cursor": "*", "api_key": "k-123456", "mailto": "me@example.org"}
    assert sent["headers"]["User-Agent"] == "slr/0.1.0 (mailto:me@example.org)"
    assert "k-123456" not in run.log["query_sent"] and "example.org" not in run.log["query_sent"]
    assert run.records == [] and run.log["complete"] is True and run.log["reported_total"] == 0
