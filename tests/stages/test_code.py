"""Auto-coding on real micro-credentials prose (the seed pages), term variants, human overrides."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from pipeline.codebook import load_codebook
from pipeline.sources.fulltext import read_pages
from pipeline.stages.code import (agreement, autocode, awaiting_second_coder, conflicts, final_codes, follow_works,
                                  latest_human)
from pipeline.stages.code.match import Matcher

ROOT = Path(__file__).parents[2]
BOOK = load_codebook(ROOT / "config" / "codebook.yaml")
FULLTEXT = ROOT / "data" / "demo" / "fulltext"


@pytest.mark.parametrize("term, text, found", [
    ("micro-credential*", "Microcredentials are", "Microcredentials"),
    ("micro-credential*", "micro credential design", "micro credential"),
    ("digital badge", "two Digital-badges", "Digital-badges"),
    ("ECTS", "ects points", None),
    ("ECTS", "ECTS credits", "ECTS"),
    ("stackab*", "Stackability matters", "Stackability"),
    ("short learning programme", "a short learning programe", "short learning programe"),
])
def test_term_variants(term: str, text: str, found: str | None) -> None:
    result = Matcher((term,)).find(text)
    assert (result[0] if result else None) == found


def test_exclusions_cancel_a_match() -> None:
    assert Matcher(("badge*",), exclude=("police",)).find("a police badge") is None


def _seed_works() -> tuple[pd.DataFrame, dict]:
    works = pd.DataFrame({"work_id": ["Wobs", "Wecc"], "title": ["Micro-Credential Observatory", "Micro-credentials Processes"],
                          "abstract": [None, None], "keywords": [None, None]})
    texts = {"Wobs": read_pages(FULLTEXT / "micro-credential_observatory.txt"),
             "Wecc": read_pages(FULLTEXT / "micro-credentials_processes.txt")}
    return works, texts


def test_seed_texts_are_coded_with_evidence_sentences() -> None:
    works, texts = _seed_works()
    codes = autocode(works, BOOK, texts).set_index(["work_id", "rq", "theme", "code"])
    platforms = codes.loc[("Wobs", "RQ2", "platforms", "mooc_platforms")]
    # A sentence that closes with a full stop is quoted before a bullet line ("Launch of
    # credit-bearing, stackable micro-credentials on the FutureLearn platform", field "list").
    assert " ".join(platforms["evidence"].split()) == ('Leading the development of a new MOOC, "Higher Education 4.0: Certifying Your '
                                     'Future", on micro-credentials on the FutureLearn platform.')
    assert (platforms["field"], platforms["term"], platforms["confidence"]) == ("full_text", "MOOC", 0.75)
    assert codes.loc[("Wobs", "RQ2", "credits", "ects"), "field"] == "list"
    assert codes.loc[("Wobs", "RQ2", "platforms", "credential_platforms"), "term"] == "Digitary"
    assert "ECTS-bearing" in codes.loc[("Wobs", "RQ2", "credits", "ects"), "evidence"]
    professional = codes.loc[("Wecc", "RQ1", "purposes", "professional_development")]
    assert professional["field"] == "full_text" and "professional" in professional["evidence"].lower()
    # Every RQ2 theme the Observatory page speaks of is found in it.
    found = {theme for (work, rq, theme, _) in codes.index if work == "Wobs" and rq == "RQ2"}
    assert {"platforms", "credits", "stacking", "quality_assurance"} <= found
    # Badges and certificates appear on the page only in titles of the publications it lists
    # (glued title runs, one-line reference entries): not evidence that the Observatory awards them.
    assert "awards" not in found


def test_human_codes_override_proposals_for_their_theme() -> None:
    works, texts = _seed_works()
    proposed = autocode(works, BOOK, texts)
    ledger = pd.DataFrame([{"work_id": "Wobs", "rq": "RQ2", "theme": "platforms", "codes": "credential_platforms",
                            "coder": "ana", "time": "t1"}])
    final = final_codes(proposed, ledger)
    platforms = final[(final["work_id"] == "Wobs") & (final["theme"] == "platforms") & (final["rq"] == "RQ2")]
    assert platforms[["code", "coder", "confidence"]].values.tolist() == [["credential_platforms", "ana", 1.0]]
    others = final[(final["work_id"] == "Wobs") & (final["theme"] == "credits")]
    assert others["coder"].tolist() == ["auto"]


def test_agreement_per_theme() -> None:
    ledger = pd.DataFrame([
        {"work_id": "W1", "rq": "RQ2", "theme": "awards", "codes": "badge; certificate", "coder": "ana", "time": "t"},
        {"work_id": "W1", "rq": "RQ2", "theme": "awards", "codes": "badge", "coder": "bo", "time": "t"},
        {"work_id": "W2", "rq": "RQ2", "theme": "awards", "codes": "micro_degree", "coder": "ana", "time": "t"},
        {"work_id": "W2", "rq": "RQ2", "theme": "awards", "codes": "micro_degree", "coder": "bo", "time": "t"},
    ])
    row = agreement(ledger).iloc[0]
    # Each of the theme's codes seen (badge, certificate, micro_degree) in each work is a yes/no
    # decision: 6 decisions, 5 agree (p_o = 5/6); ana says yes 3/6, bo 2/6: p_e = 1/2·1/3 + 1/2·2/3
    # = 1/2 → kappa (5/6 − 1/2) / (1/2) = 0.667.
    assert (row["works"], row["same_codes"], row["kappa"]) == (2, 1, 0.667)


def _row(work_id: str, codes: str | None, coder: str, time: str, record_ids: str = "", theme: str = "awards") -> dict:
    return {"work_id": work_id, "rq": "RQ2", "theme": theme, "codes": codes, "coder": coder, "time": time,
            "record_ids": record_ids}


def test_codes_follow_works_that_dedupe_merged_since() -> None:
    # Made-up ids: W1 and W2 were coded, then dedupe merged their records into W9.
    works = pd.DataFrame({"work_id": ["W9", "W3"], "record_ids": ["s:1; s:2", "s:3"]})
    ledger = pd.DataFrame([_row("W1", "badge", "ana", "t1", "s:1"), _row("W2", "certificate", "ana", "t2", "s:2"),
                           _row("W8", "badge", "ana", "t3", "s:8")])
    mapped = follow_works(ledger, works)
    assert mapped[["work_id", "_origin"]].values.tolist() == [["W9", "W1"], ["W9", "W2"]]  # s:8 is gone
    human = latest_human(mapped)
    assert human[["work_id", "coder", "codes"]].values.tolist() == [["W9", "ana", "badge; certificate"]]


def test_latest_row_counts_and_consensus_settles_a_conflict() -> None:
    ledger = pd.DataFrame([_row("W1", "badge", "ana", "t1"), _row("W1", "badge; certificate", "ana", "t2"),
                           _row("W1", "certificate", "bo", "t3"), _row("W1", None, "bo", "t1", theme="credits"),
                           _row("W1", None, "ana", "t2", theme="credits")])
    human = latest_human(ledger)
    # An empty cell in a reviewed row is a coder saying "no code applies": both agree on credits.
    assert conflicts(human)[["theme", "coders", "agreed", "disputed"]].values.tolist() == [
        ["awards", "ana: badge; certificate | bo: certificate", "certificate", "badge"]]
    assert agreement(human)[["theme", "works", "same_codes"]].values.tolist() == [["awards", 1, 0], ["credits", 1, 1]]
    empty = pd.DataFrame(columns=["work_id", "rq", "theme", "code", "coder", "evidence", "field", "page",
                                  "confidence", "term"])
    assert final_codes(empty, ledger)[["theme", "code", "coder"]].values.tolist() == [["awards", "certificate", "ana+bo"]]
    settled = pd.concat([ledger, pd.DataFrame([_row("W1", "badge", "consensus", "t4")])])
    assert conflicts(latest_human(settled)).empty
    assert final_codes(empty, settled)[["code", "coder"]].values.tolist() == [["badge", "consensus"]]
    assert awaiting_second_coder(latest_human(ledger[ledger["coder"] == "ana"])) == 2
