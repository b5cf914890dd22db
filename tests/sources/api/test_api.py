"""`slr search` end to end with API sources on the local server: the PRISMA-S search log, the kept
pages, `search --offline` giving the same records with no network, failures that name the source,
and no secret in any file the run writes."""

from __future__ import annotations

import gzip
import json
from pathlib import Path
from urllib.parse import quote, quote_plus

import pandas as pd
import pytest

from pipeline.cli import main
from pipeline.config import ApiSource
from pipeline.errors import SourceError
from pipeline.sources.api import run_api_source
from pipeline.store import read_csv

from .conftest import API, ReplayServer, Reply

PROTOCOL = """\
id: t
title: API sources
research_questions: {{RQ1: "What?"}}
sources:
  - name: openalex
    type: openalex
    database: OpenAlex
    filters: {{openalex: "W3045921891|W3046863325"}}
  - name: crossref
    type: crossref
    query: litstudy
    base_url: {url}
  - name: s2
    type: semantic_scholar
    query: kubernetes
    base_url: {url}/graph/v1
    optional: {optional}
"""


def review(root: Path, server: ReplayServer, optional: bool = False) -> Path:
    (root / "config").mkdir(parents=True, exist_ok=True)
    (root / "config" / "review.yaml").write_text(PROTOCOL.format(url=server.url, optional=str(optional).lower()))
    server.replay("openalex_filter_cursor_2pages_and_400s", "cursor", "filter")
    server.replay("crossref_cursor_select_doi_page1", "query", "cursor")
    server.replay("crossref_cursor_select_doi_page2_empty", "query", "cursor")
    server.replay("s2_paper_search_bulk_token_3pages", "query", "token")
    return root


@pytest.fixture
def env(server: ReplayServer, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SLR_OPENALEX_URL", server.url)  # the other sources use base_url:


def test_search_then_offline_gives_the_same_records(server: ReplayServer, env: None, tmp_path: Path,
                                                    capsys: pytest.CaptureFixture[str]) -> None:
    root = review(tmp_path, server)
    assert main(["--root", str(root), "search"]) == 0
    out = capsys.readouterr().out
    assert "openalex: 2 records" in out and "crossref: 2 records" in out and "s2: 2674 records" in out
    folder = root / "outputs" / "t" / "01_search"
    log = read_csv(folder / "search_log.csv").set_index("source")
    assert list(log.index) == ["openalex", "crossref", "s2"]
    row = log.loc["openalex"]
    assert row["query"] == f"{server.url}/works?filter=openalex:W3045921891|W3046863325&per_page=200&cursor=*"
    assert (row["type"], row["database"], row["platform"], row["format"]) == ("openalex", "OpenAlex", "API", "api")
    assert json.loads(row["filters"]) == {"openalex": "W3045921891|W3046863325"}
    assert (row["reported_total"], row["records_found"], row["records_read"], row["pages"], row["retries"]) == (
        "2", "2", "2", "2", "0")
    assert row["complete"] == "True" and row["errors"] is None and row["searched_on"].startswith("20")
    assert (log.loc["s2", "pages"], log.loc["s2", "reported_total"], log.loc["crossref", "database"]) == ("3", "2674", "crossref")
    run_id = row["run_id"]
    raw = root / "data" / "t" / "raw"
    assert sorted(p.name for p in (raw / "openalex" / run_id).iterdir()) == [
        "page-0001.json.gz", "page-0002.json.gz", "state.json"]
    # A page file: a JSON header line, then the body exactly as received.
    header, body = gzip.decompress((raw / "openalex" / run_id / "page-0001.json.gz").read_bytes()).split(b"\n", 1)
    page = json.loads(header)
    assert page["page_format"] == 2 and page["status"] == 200 and page["request"]["params"]["cursor"] == "*"
    assert page["headers"]["ratelimit-limit"] == "100" and page["fetched_at"].startswith("20")
    assert body == (API / "openalex_filter_cursor_2pages_and_400s/02_200.json").read_bytes()
    assert json.loads(body)["meta"]["count"] == 2
    online = read_csv(folder / "records.csv")
    assert len(online) == 2 + 2 + 2674 and online["run_id"].eq(run_id).all()

    server.close()  # no network from here on
    assert main(["--root", str(root), "search", "--offline"]) == 0
    offline = read_csv(folder / "records.csv")
    pd.testing.assert_frame_equal(offline, online)
    again = read_csv(folder / "search_log.csv").set_index("source")
    assert again.loc["openalex", "query"] == row["query"] and again.loc["s2", "records_read"] == "2674"
    assert main(["--root", str(root), "status"]) == 0
    assert "new_since_last_run 2678" in capsys.readouterr().out


def test_a_failing_source_is_named_and_the_run_fails(server: ReplayServer, env: None, tmp_path: Path,
                                                     capsys: pytest.CaptureFixture[str]) -> None:
    root = review(tmp_path, server)
    server.fault("/graph/v1/paper/search/bulk", Reply(403, b'{"message":"Forbidden"}'))
    assert main(["--root", str(root), "search"]) == 4
    err = capsys.readouterr().err
    assert "Error: s2 (semantic_scholar): HTTP 403: Forbidden (page 1, " in err
    assert "Hint: set SEMANTIC_SCHOLAR_API_KEY to your API key" in err
    # The sources that did run keep their pages for the next run.
    assert (root / "data" / "t" / "raw" / "openalex").is_dir()


def test_an_optional_source_that_fails_does_not_stop_the_others(server: ReplayServer, env: None, tmp_path: Path,
                                                                 capsys: pytest.CaptureFixture[str]) -> None:
    root = review(tmp_path, server, optional=True)
    server.fault("/graph/v1/paper/search/bulk", Reply(403, b'{"message":"Forbidden"}'))
    assert main(["--root", str(root), "search"]) == 0
    out = capsys.readouterr().out
    assert "warning: optional source s2 failed: s2 (semantic_scholar): HTTP 403: Forbidden" in out
    assert "Optional sources that failed: s2" in out
    assert len(read_csv(root / "outputs" / "t" / "01_search" / "records.csv")) == 4


SECRETS = {"OPENALEX_API_KEY": "oa-key-7d1e9c55", "SEMANTIC_SCHOLAR_API_KEY": "s2-key-4b8f0a21",
           "CORE_API_KEY": "core-key-99aa7f", "SLR_MAILTO": "reviewer+slr@example.org"}


def test_no_secret_reaches_any_file(server: ReplayServer, env: None, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                    capsys: pytest.CaptureFixture[str]) -> None:
    for name, value in SECRETS.items():
        monkeypatch.setenv(name, value)
    root = review(tmp_path, server)
    # Errors echo what was sent: the API key in an error body, a failed page, then a rerun that resumes.
    server.fault("/works", Reply(500, f'{{"error": "bad key {SECRETS["OPENALEX_API_KEY"]}"}}'.encode()))
    server.fault("/graph/v1/paper/search/bulk", *[Reply(503, SECRETS["SLR_MAILTO"].encode())] * 7)
    assert main(["--root", str(root), "search"]) == 4
    assert main(["--root", str(root), "search"]) == 0
    assert main(["--root", str(root), "search", "--offline"]) == 0
    sent = [r for r in server.requests if r["params"].get("api_key") == SECRETS["OPENALEX_API_KEY"]]
    assert sent and all(r["params"].get("mailto") == SECRETS["SLR_MAILTO"] for r in sent)
    assert any(r["headers"].get("x-api-key") == SECRETS["SEMANTIC_SCHOLAR_API_KEY"] for r in server.requests)
    forms = {form for value in SECRETS.values() for form in (value, quote(value, safe=""), quote_plus(value))}
    files = [p for p in root.rglob("*") if p.is_file()]
    assert len(files) > 10
    for path in files:
        data = path.read_bytes()
        text = (gzip.decompress(data) if path.suffix == ".gz" else data).decode("utf-8", errors="replace")
        for form in forms:
            assert form not in text, f"{form} in {path}"
    captured = capsys.readouterr()
    for form in forms:
        assert form not in captured.out and form not in captured.err


def test_offline_without_kept_pages_says_what_to_do(tmp_path: Path) -> None:
    source = ApiSource(name="openalex", type="openalex", query="badges")
    with pytest.raises(SourceError) as error:
        run_api_source(source, tmp_path / "raw" / "openalex", run_id="r", offline=True)
    assert str(error.value).splitlines() == [
        f"openalex: no kept pages to rebuild from in {tmp_path / 'raw' / 'openalex'}",
        "  Hint: run `slr search` online once (without --offline), or copy recorded pages (page-0001.json.gz, …) "
        f"into {tmp_path / 'raw' / 'openalex' / '<run>'}/"]


def test_offline_refuses_an_interrupted_run_or_another_query(server: ReplayServer, http, tmp_path: Path) -> None:  # noqa: ANN001
    server.add("/works", Reply(200, (API / "openalex_filter_cursor_2pages_and_400s/02_200.json").read_bytes()), cursor="*")
    server.add("/works", Reply(500, b"down"))
    source = ApiSource(name="oa", type="openalex", filters={"openalex": "W3045921891|W3046863325"}, base_url=server.url)
    with pytest.raises(SourceError):
        run_api_source(source, tmp_path, run_id="20260301T100000Z", session=http, env={})
    with pytest.raises(SourceError) as error:
        run_api_source(source, tmp_path, run_id="x", offline=True)
    assert str(error.value).startswith(f"oa: only an interrupted search is kept ({tmp_path / '20260301T100000Z'}, 1 pages)")
    assert "run `slr search` online to finish it: it resumes where it stopped" in str(error.value)
    other = ApiSource(name="oa", type="openalex", query="badges", base_url=server.url)
    with pytest.raises(SourceError, match="were searched with another query or filters"):
        run_api_source(other, tmp_path, run_id="x", offline=True)


def test_recorded_pages_copied_without_state_are_read(server: ReplayServer, http, tmp_path: Path) -> None:  # noqa: ANN001
    server.replay("openalex_filter_cursor_2pages_and_400s", "cursor", "filter")
    source = ApiSource(name="oa", type="openalex", filters={"openalex": "W3045921891|W3046863325"}, base_url=server.url)
    online = run_api_source(source, tmp_path / "a", run_id="20260301T100000Z", session=http, env={})
    copied = tmp_path / "b" / "recorded"
    copied.mkdir(parents=True)
    for page in (tmp_path / "a" / "20260301T100000Z").glob("page-*.json.gz"):
        (copied / page.name).write_bytes(page.read_bytes())
    offline = run_api_source(source, tmp_path / "b", run_id="x", offline=True)
    assert [r["_id"] for r in offline.records] == [r["_id"] for r in online.records]
    assert (offline.log["run_id"], offline.log["pages"], offline.log["complete"]) == ("recorded", 2, True)


def test_every_api_type_has_a_registered_connector_and_every_format_a_reader() -> None:
    from pipeline.config import API_TYPES, FILE_FORMATS
    from pipeline.sources.connectors import CONNECTORS
    from pipeline.sources.formats import IMPORTERS

    assert tuple(CONNECTORS) == API_TYPES
    for name, module in CONNECTORS.items():
        assert module.TYPE == name and module.DEFAULT_URL.startswith("https://")
        assert callable(module.first) and callable(module.parse) and callable(module.auth)
    assert set(IMPORTERS) == set(FILE_FORMATS)
