"""Crossref: recorded cursor pages (the cursor repeats; the end is an empty page), mapping, 404s."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from pipeline.errors import SourceError
from pipeline.sources import crossref
from pipeline.sources.http import PoliteSession

from .conftest import API, ReplayServer, Reply, api_source, records_of, search


def test_cursor_paging_stops_on_the_empty_page(server: ReplayServer, http: PoliteSession, tmp_path: Path) -> None:
    server.replay("crossref_cursor_select_doi_page1", "query", "cursor")
    server.replay("crossref_cursor_select_doi_page2_empty", "query", "cursor")
    run = search(api_source(server, "crossref", query="litstudy"), http, tmp_path)
    cursors = [r["params"]["cursor"] for r in server.requests]
    assert cursors[0] == "*" and cursors[1].startswith("DnF1ZXJ5VGhlbkZldGNo") and len(cursors) == 2
    assert [r["_id"] for r in run.records] == ["10.2139/ssrn.4079400", "10.1016/j.softx.2022.101207"]
    assert (run.log["pages"], run.log["reported_total"], run.log["complete"]) == (2, 2, True)
    frame = records_of(run)
    assert frame["doi"].tolist() == ["10.2139/ssrn.4079400", "10.1016/j.softx.2022.101207"]
    assert frame["title"].isna().all()  # the recorded search selected DOIs only


@pytest.mark.parametrize("folder, second", [
    ("crossref_works_query_rows2_2026", ("10.1093/obo/9780199830060-0023", "Chemical Ecology", "Kessler, André", 2012)),
    ("crossref_works_query_rows2_2025_plaintext", ("10.1093/obo/9780199830060-0202", "Ecosystem Ecology", "Moore, J.C.", 2018)),
])
def test_field_mapping(server: ReplayServer, http: PoliteSession, tmp_path: Path, folder: str,
                       second: tuple[str, str, str, int]) -> None:
    server.replay(folder, "query")
    run = search(api_source(server, "crossref", query="ecology", max_records=2), http, tmp_path)
    assert server.requests[0]["params"] == {"query": "ecology", "rows": "2", "cursor": "*"}
    assert len(server.requests) == 1  # max_records reached on page 1
    frame = records_of(run).set_index("source_record_id")
    first = frame.loc["10.1093/obo/9780199830060-0238"]
    assert first["title"] == "Communicating Ecology" and first["year"] == 2022 and pd.isna(first["authors"])
    assert first["abstract"].startswith("Communication is perhaps the most important") and "<p>" not in first["abstract"]
    assert first["abstract"].endswith("ecological communication.")
    assert (first["venue"], first["doc_type"], first["language"], first["publisher"]) == (
        "Ecology", "reference-entry", "en", "Oxford University Press")
    doi, title, author, year = second
    other = frame.loc[doi]
    assert (other["title"], other["authors"], other["year"], other["doi"]) == (title, author, year, doi)
    assert run.log["reported_total"] == (586628 if "2026" in folder else 551179)


def test_jats_is_stripped() -> None:
    # Made for the test: the JATS shape Crossref abstracts take (a section title, paragraphs, italics).
    text = ('<jats:title>Abstract</jats:title><jats:p>Micro-credentials &amp; <jats:italic>digital badges</jats:italic>'
            ' are\n short.</jats:p><jats:p>Second.</jats:p>')
    assert crossref.strip_jats(text) == "Micro-credentials & digital badges are short. Second."
    assert crossref.strip_jats(None) is None


def test_filters_and_polite_pool(server: ReplayServer, http: PoliteSession, tmp_path: Path) -> None:
    server.add("/works", Reply(200, (API / "crossref_cursor_select_doi_page2_empty/00_200.json").read_bytes()))
    source = api_source(server, "crossref", query="micro-credentials digital badges",
                        filters={"from_year": 2018, "type": "journal-article"})
    search(source, http, tmp_path, env={"SLR_MAILTO": "me@example.org"})
    assert server.requests[0]["params"] == {"query": "micro-credentials digital badges",
                                            "filter": "from-pub-date:2018,type:journal-article", "rows": "1000",
                                            "cursor": "*", "mailto": "me@example.org"}
    assert crossref.rate("me@example.org") == 10.0 and crossref.rate(None) == 5.0


def test_recorded_404_is_a_clear_error(server: ReplayServer, http: PoliteSession, tmp_path: Path) -> None:
    # Recorded for /works/10.1371/notarealdoi; served here where a wrong base_url would get it.
    server.add("/works", Reply(404, (API / "crossref_work_not_found_404/00_404.txt").read_bytes(),
                               {"content-type": "text/plain"}))
    with pytest.raises(SourceError) as error:
        search(api_source(server, "crossref", query="ecology"), http, tmp_path)
    assert str(error.value).startswith("crossref (crossref): HTTP 404: Resource not found. (page 1, ")
    assert str(error.value).endswith("Hint: check the source's base_url (or SLR_<TYPE>_URL)")
    assert len(server.requests) == 1
