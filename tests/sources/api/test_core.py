"""CORE v3: offset paging, the bearer key, field mapping, a refused key.

There is no recorded CORE response in ../shared/fixtures/api/, so the responses here are MADE FOR
THE TEST in the shape CORE's v3 documentation gives for /search/works (totalHits, limit, offset,
results with id, title, authors[].name, abstract, doi, yearPublished, journals, language, links).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from pipeline.errors import SourceError
from pipeline.sources.http import PoliteSession

from .conftest import ReplayServer, Reply, api_source, records_of, search


def _work(n: int) -> dict:
    return {"id": 1000 + n, "title": f"Micro-credentials in higher education, part {n}",
            "authors": [{"name": "Knoth, Petr"}, {"name": "Maria Garcia Lopez"}], "abstract": "A study.",
            "doi": f"10.1234/core.{n}", "yearPublished": 2021, "publisher": "Open University",
            "journals": [{"title": "Journal of Open Learning", "identifiers": ["issn:1234-5678"]}],
            "language": {"code": "en", "name": "English"}, "documentType": "research",
            "links": [{"type": "download", "url": f"https://core.ac.uk/download/{n}.pdf"},
                      {"type": "display", "url": f"https://core.ac.uk/works/{1000 + n}"}]}


def test_offset_paging_and_mapping(server: ReplayServer, http: PoliteSession, tmp_path: Path) -> None:
    for offset, works in ((0, [_work(n) for n in range(100)]), (100, [_work(n) for n in range(100, 130)])):
        body = {"totalHits": 130, "limit": 100, "offset": offset, "results": works}
        server.add("/v3/search/works", Reply(200, json.dumps(body).encode()), offset=offset)
    source = api_source(server, "core", "/v3", query='"micro-credential*"', filters={"from_year": 2018})
    run = search(source, http, tmp_path, env={"CORE_API_KEY": "core-key-123456"})
    assert [r["params"] for r in server.requests] == [
        {"q": '("micro-credential*") AND yearPublished>=2018', "limit": "100", "offset": "0"},
        {"q": '("micro-credential*") AND yearPublished>=2018', "limit": "100", "offset": "100"}]
    assert server.requests[0]["headers"]["Authorization"] == "Bearer core-key-123456"
    assert (len(run.records), run.log["reported_total"], run.log["pages"]) == (130, 130, 2)
    first = records_of(run, "core").iloc[0]
    assert (first["source_record_id"], first["doi"], first["year"]) == ("1000", "10.1234/core.0", 2021)
    assert first["authors"] == "Knoth, Petr; Lopez, Maria Garcia" and first["language"] == "en"
    assert (first["venue"], first["url"]) == ("Journal of Open Learning", "https://core.ac.uk/works/1000")


def test_missing_key_names_the_variable(server: ReplayServer, http: PoliteSession, tmp_path: Path) -> None:
    server.add("/v3/search/works", Reply(401, b'{"message": "Unauthorized"}', {"content-type": "application/json"}))
    with pytest.raises(SourceError) as error:
        search(api_source(server, "core", "/v3", query="badges"), http, tmp_path)
    assert str(error.value).startswith("core (core): HTTP 401: Unauthorized (page 1, ")
    assert str(error.value).endswith(
        "Hint: set CORE_API_KEY to your API key (read from the environment only, never from the protocol)")
