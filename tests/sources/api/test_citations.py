"""Citation searching (pipeline/sources/citations.py) replayed from real OpenAlex responses.

The bodies are real recordings (tests/data/api/, PROVENANCE.tsv): `openalex_filter_cursor_2pages_and_400s`
(the works W3046863325 and W3045921891, two cursor pages) and `openalex_work_W2741809807.json`
("The state of OA", a single work). Both recorded works cite W2741809807, so the two-work page is
a true (if partial: 2 of its 962 citing works) answer to `filter=cites:W2741809807`, and
W2741809807 is a true answer to a backward lookup of their references. What is MADE here, and
said where it happens: the list page wrapped around the single recorded work (`listed`), the
end-of-results page for a DOI nobody recorded, and the 429 reply (no 429 was ever recorded).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from pipeline.config import ApiSource
from pipeline.runner.snowball import kept_iterations
from pipeline.sources import citations

from .conftest import API, FakeTime, ReplayServer, Reply, api_source, search

RECORDED = "openalex_filter_cursor_2pages_and_400s"
NEXT = "IlsnLUluZmluaXR5JywgMCwgJ2h0dHBzOi8vb3BlbmFsZXgub3JnL1czMDQ1OTIxODkxJ10i"
JSON = {"content-type": "application/json"}


def body(name: str) -> bytes:
    return (API / RECORDED / name).read_bytes()


def listed() -> bytes:
    """MADE: OpenAlex's list shape (meta + results) around the real recorded work W2741809807."""
    work = json.loads((API / "openalex_work_W2741809807.json").read_text())
    return json.dumps({"meta": {"count": 1, "per_page": 200, "next_cursor": None}, "results": [work]}).encode()


def refs_of_recorded_pair() -> list[str]:
    refs: list[str] = []
    for item in json.loads(body("02_200.json"))["results"]:
        refs += [w for w in (citations.work_id(r) for r in item["referenced_works"]) if w not in refs]
    return refs


def source(server: ReplayServer, seeds: list[str], direction: str) -> ApiSource:
    return api_source(server, "citations", name="citations", query=f"{direction} from {len(seeds)}",
                      filters={"direction": direction, "seeds": seeds, "iteration": 1})


def test_backward_pages_through_the_seeds_then_fetches_their_references(server: ReplayServer, http, tmp_path: Path) -> None:
    server.replay(RECORDED, "cursor", "filter")  # the seeds, looked up by id: two real cursor pages
    refs = refs_of_recorded_pair()
    assert len(refs) == 42 and "W2741809807" in refs
    server.add("/works", Reply(200, listed(), JSON), filter="openalex:" + "|".join(refs), cursor="*")
    run = search(source(server, ["W3045921891", "W3046863325"], "backward"), http, tmp_path)
    assert [(r["params"]["filter"][:30], r["params"]["cursor"]) for r in server.requests] == [
        ("openalex:W3045921891|W30468633", "*"), ("openalex:W3045921891|W30468633", NEXT),
        ("openalex:W2938946739|W27665281", "*")]
    assert [(r["_id"], r["_direction"]) for r in run.records] == [("W2741809807", "backward")]
    assert run.records[0]["title"].startswith("The state of OA")
    # 41 of the 42 references were not returned (not recorded): counted in the log, not fatal.
    assert run.log["errors"].startswith("41 referenced works not in OpenAlex: W2938946739, W2766528118,")
    assert run.log["pages"] == 3 and run.log["complete"] is True
    # The kept pages rebuild the same records offline (what `slr search` does with them).
    (kept,) = kept_iterations(source(server, ["W3045921891", "W3046863325"], "backward"), tmp_path)
    assert [r["_id"] for r in kept.records] == ["W2741809807"] and kept.pages == 3
    assert kept.notes == [run.log["errors"]]


def test_forward_follows_the_cursor(server: ReplayServer, http, tmp_path: Path) -> None:
    server.add("/works", Reply(200, body("02_200.json"), JSON), filter="cites:W2741809807", cursor="*")
    server.add("/works", Reply(200, body("04_200.json"), JSON), filter="cites:W2741809807", cursor=NEXT)
    run = search(source(server, ["https://openalex.org/W2741809807"], "forward"), http, tmp_path)
    assert [r["params"]["cursor"] for r in server.requests] == ["*", NEXT]
    assert [(r["_id"], r["_direction"]) for r in run.records] == [("W3046863325", "forward"), ("W3045921891", "forward")]
    assert run.log["reported_total"] == 2 and run.log["errors"] is None
    # A forward search's citing works are not carried from page to page in the kept requests.
    from pipeline.sources.raw import runs

    (kept,) = runs(tmp_path)
    assert [page.step.note["seen"] for page in kept.pages()] == [[], []]


def test_a_429_is_waited_out_and_counted(server: ReplayServer, http, fake_time: FakeTime, tmp_path: Path) -> None:
    # MADE: no 429 was recorded; this one says what OpenAlex's limiter says, with a Retry-After.
    server.fault("/works", Reply(429, b'{"error": "Rate limit exceeded"}', {**JSON, "Retry-After": "2"}))
    server.add("/works", Reply(200, body("02_200.json"), JSON), filter="cites:W2741809807", cursor="*")
    server.add("/works", Reply(200, body("04_200.json"), JSON), filter="cites:W2741809807", cursor=NEXT)
    run = search(source(server, ["W2741809807"], "forward"), http, tmp_path)
    assert len(server.requests) == 3 and run.log["retries"] == 1
    assert any(1.9 < s <= 2.2 for s in fake_time.sleeps)
    assert run.log["errors"] == "HTTP 429"
    assert [r["_id"] for r in run.records] == ["W3046863325", "W3045921891"]


def test_a_seed_openalex_lacks_is_noted_and_the_rest_goes_on(server: ReplayServer, http, tmp_path: Path) -> None:
    server.add("/works", Reply(200, listed(), JSON), filter="openalex:W2741809807", cursor="*")
    # MADE: the answer to a DOI nobody recorded is the real recorded end page (no results).
    server.add("/works", Reply(200, body("04_200.json"), JSON), filter="doi:10.9999/not-in-openalex", cursor="*")
    refs = [citations.work_id(r) for r in json.loads((API / "openalex_work_W2741809807.json").read_text())["referenced_works"]]
    server.add("/works", Reply(200, body("04_200.json"), JSON), filter="openalex:" + "|".join(refs[:50]), cursor="*")
    run = search(source(server, ["W2741809807", "https://doi.org/10.9999/NOT-in-openalex"], "backward"), http, tmp_path)
    assert [r["params"]["filter"][:20] for r in server.requests] == [
        "openalex:W2741809807", "doi:10.9999/not-in-o", f"openalex:{refs[0]}"[:20]]
    assert run.records == []
    assert run.log["errors"] == ("1 seeds not in OpenAlex: 10.9999/not-in-openalex; 45 referenced works not in "
                                 "OpenAlex: " + ", ".join(refs[:10]) + " …")


def test_seed_keys() -> None:
    assert citations.seed_key("https://openalex.org/w123") == "W123"
    assert citations.seed_key("https://doi.org/10.7717/PeerJ.4375") == "10.7717/peerj.4375"
    assert citations.seed_key("not an id") is None
