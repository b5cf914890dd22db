"""`slr snowball` and citation searching in `slr search`: iterations kept and counted, seeds from the
included works, the protocol's settings checked, and the demo's kept iteration replayed offline.

The OpenAlex bodies are real recordings (tests/data/api/, PROVENANCE.tsv): the page of the works
W3046863325 and W3045921891, which both cite W2741809807 — a true, partial answer to
`filter=cites:W2741809807` (see tests/sources/api/test_citations.py).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from pipeline.errors import ConfigError, InputError
from pipeline.runner import Context
from pipeline.runner.search import run_search
from pipeline.runner.snowball import citation_records, included_seeds, run_snowball
from pipeline.store import read_csv
from tests.conftest import copy_demo
from tests.sources.api.conftest import API, ReplayServer, Reply

NEXT = "IlsnLUluZmluaXR5JywgMCwgJ2h0dHBzOi8vb3BlbmFsZXgub3JnL1czMDQ1OTIxODkxJ10i"
PAGES = API / "openalex_filter_cursor_2pages_and_400s"


@pytest.fixture
def server() -> Iterator[ReplayServer]:
    srv = ReplayServer()
    srv.add("/works", Reply(200, (PAGES / "02_200.json").read_bytes(), {"content-type": "application/json"}),
            filter="cites:W2741809807", cursor="*")
    srv.add("/works", Reply(200, (PAGES / "04_200.json").read_bytes(), {"content-type": "application/json"}),
            filter="cites:W2741809807", cursor=NEXT)
    yield srv
    srv.close()


def review(root: Path, filters: str, base: str = "http://127.0.0.1:9") -> Context:
    (root / "config").mkdir(parents=True, exist_ok=True)
    (root / "config" / "review.yaml").write_text(
        "id: snow\ntitle: Snowballing\nresearch_questions: {RQ1: What is known}\nsources:\n"
        f"  - {{name: citations, type: citations, base_url: '{base}', filters: {filters}}}\n", encoding="utf-8")
    return Context.load(root, "config/review.yaml")


def test_one_iteration_then_complete_then_counted_in_search(server: ReplayServer, tmp_path: Path,
                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("OPENALEX_API_KEY", "SLR_MAILTO", "HTTP_PROXY", "http_proxy"):
        monkeypatch.delenv(name, raising=False)
    ctx = review(tmp_path, "{direction: forward, seeds: [W2741809807], max_iterations: 2}", server.url)
    (first,) = run_snowball(ctx)
    assert (first.iteration, first.seeds, first.records, first.by_direction, first.done) == (1, 1, 2, {"forward": 2}, False)
    state = json.loads((first.folder / "state.json").read_text())
    assert state["complete"] and state["filters"] == {
        "direction": "forward", "seeds": ["W2741809807"], "iteration": 1,
        "fallback": {"semantic_scholar": "https://api.semanticscholar.org/graph/v1", "crossref": "https://api.crossref.org"}}
    # A second call has no new seed: it fetches nothing and says so.
    (again,) = run_snowball(ctx)
    assert again.done and again.reason == "no new seed since iteration 1: citation searching is complete"
    assert len(server.requests) == 2
    # slr search (offline: it never fetches citations) counts them as citation searching.
    summary = run_search(ctx, offline=True)
    assert summary.per_source == {"citations": 2}
    records = read_csv(ctx.store.stage_dir("search") / "records.csv")
    assert sorted(records["record_id"]) == ["citations:W3045921891", "citations:W3046863325"]
    assert set(records["source_query"]) == {"forward citation searching, iteration 1"}
    log = read_csv(ctx.store.stage_dir("search") / "search_log.csv").iloc[0]
    assert (log["type"], log["database"], log["platform"], log["records_read"]) == (
        "citations", "Citation searching (OpenAlex)", "citation searching", "2")
    assert log["query"] == "iteration 1: forward from 1 works (forward 2)"
    assert json.loads(log["filters"])["iterations"][0]["run"] == state["run_id"]


def test_seeds_are_the_included_works(tmp_path: Path) -> None:
    ctx = review(tmp_path, "{direction: both}")
    with pytest.raises(InputError) as err:
        run_snowball(ctx)
    assert "03_screen/included.csv not found: citation searching starts from the included works" in str(err.value)
    folder = ctx.store.stage_dir("screen")
    folder.mkdir(parents=True)
    (folder / "included.csv").write_text(
        "work_id,record_ids,doi\nW1,scopus:abc; openalex:W2741809807,10.7717/peerj.4375\n"
        "W2,scopus:def,10.1145/3383583.3398584\nW3,observatory:x,\n", encoding="utf-8")
    assert included_seeds(ctx) == (["W2741809807", "10.1145/3383583.3398584"], 1)
    # Offline, nothing is fetched: it says how many seeds wait.
    (summary,) = run_snowball(ctx, offline=True)
    assert summary.reason == "offline: 0 iterations kept, 2 new seeds wait for an online `slr snowball`"
    assert summary.notes == ["1 included works have neither an OpenAlex id nor a DOI: not chased"]


@pytest.mark.parametrize("filters, message", [
    ("{direction: sideways}", 'sources[0].filters.direction: "sideways" is not one of backward, forward, both'),
    ("{seeds: [not-an-id]}", 'sources[0].filters.seeds: "not-an-id" is neither an OpenAlex work id (W…) nor a DOI'),
    ("{max_iterations: 0}", "sources[0].filters.max_iterations: expected a whole number of at least 1, got 0"),
    ("{depth: 2}", "sources[0].filters.depth: unknown key for a citations source"),
])
def test_bad_settings_name_the_key(tmp_path: Path, filters: str, message: str) -> None:
    with pytest.raises(ConfigError) as err:
        run_snowball(review(tmp_path, filters), offline=True)
    assert message in str(err.value)


def test_the_demo_keeps_one_forward_iteration(tmp_path: Path) -> None:
    root = copy_demo(tmp_path / "demo")
    ctx = Context.load(root, "config/demo.yaml")
    (summary,) = run_snowball(ctx, offline=True)
    assert summary.done and summary.reason == "no new seed since iteration 1: citation searching is complete"
    frame, row = citation_records(ctx, ctx.protocol.source("citations"))
    assert sorted(frame["source_record_id"]) == ["W3045921891", "W3046863325"]
    assert row["records_read"] == 2 and row["pages"] == 2 and row["run_id"] == "recorded"


def test_a_damaged_kept_page_is_named(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    import gzip

    from pipeline.cli import main

    root = copy_demo(tmp_path / "demo")
    page = root / "data" / "demo" / "raw" / "citations" / "recorded" / "page-0001.json.gz"
    head, _, _ = gzip.decompress(page.read_bytes()).partition(b"\n")
    page.write_bytes(gzip.compress(head + b"\n" + b'{"results": "truncated'))  # MADE: a damaged copy
    assert main(["--root", str(root), "-c", "config/demo.yaml", "search", "--offline", "--source", "citations"]) == 4
    err = capsys.readouterr().err
    assert "citations: kept page 1 of" in err and "cannot be read as a response of its database (BadPage: not valid JSON" in err
    assert "delete that run folder and run `slr snowball` again" in err and "Traceback" not in err


def test_the_command_says_where_the_demo_stands(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from pipeline.cli import main

    root = copy_demo(tmp_path / "demo")
    assert main(["--root", str(root), "-c", "config/demo.yaml", "snowball", "--offline"]) == 0
    assert capsys.readouterr().out == "citations: no new seed since iteration 1: citation searching is complete\n"
    assert main(["--root", str(root), "-c", "config/demo.yaml", "snowball", "--source", "scopus"]) == 2
    assert 'sources: no `type: citations` source named "scopus"' in capsys.readouterr().err


def test_fallback_records_are_named_by_their_database(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Seeds OpenAlex lacks go to Semantic Scholar (SLR_SEMANTIC_SCHOLAR_URL); what it gives is
    counted under citation searching with its database named (the bodies: see test_citations_fallback)."""
    from tests.sources.api.test_citations_fallback import OPENALEX, S2_BATCH, S2_DOIS, with_references

    for name in ("OPENALEX_API_KEY", "SLR_MAILTO", "SEMANTIC_SCHOLAR_API_KEY", "HTTP_PROXY", "http_proxy"):
        monkeypatch.delenv(name, raising=False)
    openalex, s2 = ReplayServer(), ReplayServer()
    try:
        recorded = [p for p in json.loads(S2_BATCH.read_text()) if p]
        # MADE: as in test_citations_fallback: OpenAlex's real end page for a DOI nobody recorded,
        # and a real recorded paper given a `references` list of the other two.
        openalex.add("/works", Reply(200, (API / OPENALEX / "04_200.json").read_bytes(), {"content-type": "application/json"}),
                     filter=f"doi:{S2_DOIS[0]}", cursor="*")
        s2.add("/paper/batch", Reply(200, json.dumps([with_references(recorded[0], recorded[1:])]).encode(),
                                     {"content-type": "application/json"}))
        monkeypatch.setenv("SLR_SEMANTIC_SCHOLAR_URL", s2.url)
        monkeypatch.setenv("SLR_CROSSREF_URL", "http://127.0.0.1:9")  # not asked: the seed is in Semantic Scholar
        ctx = review(tmp_path, f"{{direction: backward, seeds: ['{S2_DOIS[0]}']}}", openalex.url)
        (first,) = run_snowball(ctx)
        assert (first.records, first.by_direction, first.notes) == (2, {"backward": 2}, [])
        run_search(ctx, offline=True)
        records = read_csv(ctx.store.stage_dir("search") / "records.csv")
        assert list(records["source_query"]) == ["backward citation searching, iteration 1, found in Semantic Scholar"] * 2
        assert sorted(records["doi"]) == sorted(S2_DOIS[1:])
        log = read_csv(ctx.store.stage_dir("search") / "search_log.csv").iloc[0]
        assert log["database"] == "Citation searching (OpenAlex, Semantic Scholar)"
        assert json.loads(log["filters"])["iterations"][0]["databases"] == {"Semantic Scholar": 2}
    finally:
        openalex.close()
        s2.close()


def test_fallback_can_be_turned_off(tmp_path: Path) -> None:
    from pipeline.runner.snowball import fallback_urls

    ctx = review(tmp_path, "{fallback: false}")
    assert fallback_urls(ctx.protocol.source("citations"), {}) == {}
    with pytest.raises(ConfigError) as err:
        run_snowball(review(tmp_path, "{fallback: maybe}"), offline=True)
    assert "sources[0].filters.fallback: expected true or false, got 'maybe'" in str(err.value)
