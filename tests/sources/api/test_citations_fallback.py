"""Citation searching for seeds OpenAlex lacks: Semantic Scholar, then Crossref (pipeline/sources/citations.py).

Each database is its own local server (its own origin), so the tests see which secret went where.
Real recordings (tests/data/api/, PROVENANCE.tsv): Semantic Scholar's batch answer
`s2_paper_batch_all_fields_with_null` (a null — a paper it does not know — then three papers),
OpenAlex's end page and two-work page (`openalex_filter_cursor_2pages_and_400s`), Crossref's empty
list (`crossref_cursor_select_doi_page2_empty`) and two-work list (`crossref_works_query_rows2_2026`).
What is MADE, and said where it happens: which recorded answer stands for which request (nobody
recorded these DOIs), and, in the second test, the `references` and `reference` lists set inside
real recorded papers and works (the recorded requests did not ask for them).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from pipeline.config import ApiSource
from pipeline.runner.snowball import kept_iterations

from .conftest import API, ReplayServer, Reply, search

JSON = {"content-type": "application/json"}
OPENALEX = "openalex_filter_cursor_2pages_and_400s"
NEXT = "IlsnLUluZmluaXR5JywgMCwgJ2h0dHBzOi8vb3BlbmFsZXgub3JnL1czMDQ1OTIxODkxJ10i"
S2_BATCH = API / "s2_paper_batch_all_fields_with_null" / "00_200.json"
CROSSREF_EMPTY = API / "crossref_cursor_select_doi_page2_empty" / "00_200.json"
CROSSREF_TWO = API / "crossref_works_query_rows2_2026" / "00_200.json"
#: The three papers of the recorded batch answer, in its order (after the null).
S2_DOIS = ["10.2139/ssrn.288970", "10.2139/ssrn.2250500", "10.1257/rct.1355"]
ENV = {"OPENALEX_API_KEY": "oa-secret-key-1234", "SEMANTIC_SCHOLAR_API_KEY": "s2-secret-key-5678",
       "SLR_MAILTO": "review-team@example.org"}


@pytest.fixture
def servers() -> Iterator[dict[str, ReplayServer]]:
    made = {name: ReplayServer() for name in ("openalex", "s2", "crossref")}
    yield made
    for srv in made.values():
        srv.close()


def source(servers: dict[str, ReplayServer], seeds: list[str], direction: str) -> ApiSource:
    fallback = {"semantic_scholar": servers["s2"].url + "/graph/v1", "crossref": servers["crossref"].url}
    return ApiSource(name="citations", type="citations", base_url=servers["openalex"].url,
                     query=f"{direction} from {len(seeds)}",
                     filters={"direction": direction, "seeds": seeds, "iteration": 1, "fallback": fallback})


def openalex_page(name: str) -> bytes:
    return (API / OPENALEX / name).read_bytes()


def secrets_seen(server: ReplayServer) -> set[str]:
    """Every secret value that reached this server, in a header or a parameter."""
    sent = " ".join(json.dumps(r["headers"]) + json.dumps(r["params"]) for r in server.requests)
    return {name for name, value in ENV.items() if value in sent}


def test_seeds_openalex_lacks_go_to_semantic_scholar_then_crossref(servers: dict[str, ReplayServer], http,
                                                                  tmp_path: Path) -> None:
    missing_everywhere = "10.9999/in-no-database"
    seeds = [missing_everywhere] + S2_DOIS
    # MADE: the answer to DOIs nobody recorded is OpenAlex's real recorded end page (no results).
    servers["openalex"].add("/works", Reply(200, openalex_page("04_200.json"), JSON),
                            filter="doi:" + "|".join(seeds), cursor="*")
    # Real: Semantic Scholar's batch answer, a null and three papers, one per id asked, in order.
    servers["s2"].add("/graph/v1/paper/batch", Reply(200, S2_BATCH.read_bytes(), JSON))
    # Real: Crossref's empty list stands for its answer about the DOI nobody has.
    servers["crossref"].add("/works", Reply(200, CROSSREF_EMPTY.read_bytes(), JSON), filter=f"doi:{missing_everywhere}")
    run = search(source(servers, seeds, "both"), http, tmp_path, env=ENV)

    (batch,) = servers["s2"].requests
    assert batch["method"] == "POST" and json.loads(batch["body"]) == {"ids": [f"DOI:{d}" for d in seeds]}
    fields = batch["params"]["fields"].split(",")
    assert fields[0] == "externalIds" and "references.title" in fields and "citations.abstract" in fields
    (lookup,) = servers["crossref"].requests
    assert lookup["params"]["select"] == "DOI,reference" and lookup["params"]["rows"] == "1"
    # Each database got its own secret and no other's.
    assert secrets_seen(servers["openalex"]) == {"OPENALEX_API_KEY", "SLR_MAILTO"}
    assert secrets_seen(servers["s2"]) == {"SEMANTIC_SCHOLAR_API_KEY"}
    assert secrets_seen(servers["crossref"]) == {"SLR_MAILTO"}
    # The recorded papers carry no references or citations (the recording did not ask for them).
    assert run.records == []
    assert run.log["errors"] == f"1 seeds in neither OpenAlex, Semantic Scholar nor Crossref: {missing_everywhere}"
    assert run.log["pages"] == 3
    # The kept pages say the same offline, and keep no secret.
    (kept,) = kept_iterations(source(servers, seeds, "both"), tmp_path)
    assert kept.pages == 3 and kept.notes == [run.log["errors"]] and kept.records == []
    kept_text = "".join(p.read_text(errors="replace") for p in tmp_path.rglob("*") if p.is_file())
    assert not any(value in kept_text for value in ENV.values())


def with_references(paper: dict[str, Any], references: list[dict[str, Any]]) -> dict[str, Any]:
    """MADE: a real recorded paper with a `references` list (real recorded papers)."""
    return {**paper, "references": references, "citations": [{"paperId": None, "title": None}]}


def test_references_from_semantic_scholar_and_crossref_become_records(servers: dict[str, ReplayServer], http,
                                                                       tmp_path: Path) -> None:
    recorded = [p for p in json.loads(S2_BATCH.read_text()) if p]
    crossref_items = json.loads(CROSSREF_TWO.read_text())["message"]["items"]
    in_crossref, cited_in_crossref = crossref_items[0]["DOI"], crossref_items[1]["DOI"]
    pair = json.loads(openalex_page("02_200.json"))["results"]
    pair_dois = [w["doi"].removeprefix("https://doi.org/").lower() for w in pair]
    seeds = [S2_DOIS[0], in_crossref]
    servers["openalex"].add("/works", Reply(200, openalex_page("04_200.json"), JSON),
                            filter="doi:" + "|".join(seeds), cursor="*")
    # MADE: the first recorded paper cites the other two; the second seed is not in Semantic Scholar.
    s2_answer = [with_references(recorded[0], recorded[1:]), None]
    servers["s2"].add("/graph/v1/paper/batch", Reply(200, json.dumps(s2_answer).encode(), JSON))
    # MADE: a real recorded Crossref work with a deposited reference list: the DOIs of the two real
    # recorded OpenAlex works, the other recorded Crossref work, and one reference without a DOI.
    deposited = [{"key": "r1", "DOI": pair_dois[0]}, {"key": "r2", "DOI": pair_dois[1].upper()},
                 {"key": "r3", "DOI": cited_in_crossref}, {"key": "r4", "unstructured": "A reference without a DOI"}]
    work = {**crossref_items[0], "reference": deposited}
    servers["crossref"].add("/works", Reply(200, json.dumps({"status": "ok", "message": {"items": [work]}}).encode(), JSON),
                            filter=f"doi:{in_crossref}")
    refs = pair_dois + [cited_in_crossref]
    servers["openalex"].add("/works", Reply(200, openalex_page("02_200.json"), JSON), filter="doi:" + "|".join(refs), cursor="*")
    servers["openalex"].add("/works", Reply(200, openalex_page("04_200.json"), JSON), filter="doi:" + "|".join(refs), cursor=NEXT)
    # Real: the recorded two-work Crossref list answers for the one reference OpenAlex lacks
    # (the other work in it was not asked for, and is left out).
    servers["crossref"].add("/works", Reply(200, CROSSREF_TWO.read_bytes(), JSON), filter=f"doi:{cited_in_crossref}")
    run = search(source(servers, seeds, "backward"), http, tmp_path, env=ENV)

    assert [(r["_id"], r["_direction"], r["_found_in"]) for r in run.records] == [
        (recorded[1]["paperId"], "backward", "Semantic Scholar"), (recorded[2]["paperId"], "backward", "Semantic Scholar"),
        ("W3046863325", "backward", "OpenAlex"), ("W3045921891", "backward", "OpenAlex"),
        (cited_in_crossref, "backward", "Crossref")]
    assert run.records[0]["doi"] == S2_DOIS[1] and run.records[-1]["title"] == crossref_items[1]["title"][0]
    # Backward only: Semantic Scholar is asked for references, not citing papers.
    fields = servers["s2"].requests[0]["params"]["fields"]
    assert "references.title" in fields and "citations." not in fields
    assert run.log["errors"] == "1 references deposited in Crossref without a DOI: not chased"
    assert [r["params"]["filter"] for r in servers["crossref"].requests] == [f"doi:{in_crossref}", f"doi:{cited_in_crossref}"]
    (kept,) = kept_iterations(source(servers, seeds, "backward"), tmp_path)
    assert [r["_id"] for r in kept.records] == [r["_id"] for r in run.records]


def test_without_fallback_a_lacking_seed_is_only_noted(servers: dict[str, ReplayServer], http, tmp_path: Path) -> None:
    servers["openalex"].add("/works", Reply(200, openalex_page("04_200.json"), JSON), filter="doi:10.9999/x", cursor="*")
    plain = ApiSource(name="citations", type="citations", base_url=servers["openalex"].url, query="q",
                      filters={"direction": "both", "seeds": ["10.9999/x"], "iteration": 1})
    run = search(plain, http, tmp_path, env=ENV)
    assert run.log["errors"] == "1 seeds not in OpenAlex: 10.9999/x"
    assert not servers["s2"].requests and not servers["crossref"].requests


def test_forward_from_a_doi_seed_finds_its_openalex_id_first(servers: dict[str, ReplayServer], http, tmp_path: Path) -> None:
    pair = json.loads(openalex_page("02_200.json"))["results"]
    doi = pair[0]["doi"].removeprefix("https://doi.org/").lower()
    # MADE: OpenAlex's answer to a DOI lookup is the recorded page holding that work (and one more,
    # whose id is not taken: its DOI was not asked).
    servers["openalex"].add("/works", Reply(200, openalex_page("02_200.json"), JSON), filter=f"doi:{doi}", cursor="*")
    servers["openalex"].add("/works", Reply(200, openalex_page("04_200.json"), JSON), filter=f"doi:{doi}", cursor=NEXT)
    servers["openalex"].add("/works", Reply(200, openalex_page("04_200.json"), JSON), filter="cites:W3046863325", cursor="*")
    run = search(source(servers, [doi], "forward"), http, tmp_path, env=ENV)
    assert [r["params"]["filter"] for r in servers["openalex"].requests] == [f"doi:{doi}", f"doi:{doi}", "cites:W3046863325"]
    assert run.records == [] and run.log["errors"] is None


def test_the_keys_of_another_host_never_leave_with_a_request(http, tmp_path: Path) -> None:
    """The source's own key goes to its base URL's origin only, whatever the step's address."""
    from pipeline.sources.connector import Step
    from pipeline.sources.http import HostAuth, Redactor, SourceClient

    home, other, third = ReplayServer(), ReplayServer(), ReplayServer()
    try:
        for srv in (home, other, third):
            srv.add("/x", Reply(200, b"{}", JSON))
        client = SourceClient(http, label="t", query="q", rate=100.0, redactor=Redactor([]),
                              auth_params={"api_key": "home-key"}, auth_headers={"x-api-key": "home-header"},
                              auth_origin=home.url + "/base",
                              hosts={other.url: HostAuth({"mailto": "m@example.org"}, {}, "ua-other", 100.0)})
        for srv in (home, other, third):
            client.fetch(Step(f"{srv.url}/x"), json.loads, "test")
        (at_home,), (at_other,), (at_third,) = home.requests, other.requests, third.requests
        assert at_home["params"] == {"api_key": "home-key"} and at_home["headers"]["x-api-key"] == "home-header"
        assert at_other["params"] == {"mailto": "m@example.org"} and "x-api-key" not in at_other["headers"]
        assert at_other["headers"]["User-Agent"] == "ua-other"
        assert at_third["params"] == {} and "x-api-key" not in at_third["headers"]
    finally:
        for srv in (home, other, third):
            srv.close()
