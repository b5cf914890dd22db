"""Evidence a writer can cite: the wrong-evidence cases of issue 18, on the real seed pages.

The study page (data/demo/fulltext/micro-credentials_processes.txt, a copy of
../shared/seeds/000_*.txt) lists its own research-question topics ("- Costing and fees"); the
Observatory page (micro-credential_observatory.txt, ../shared/seeds/003_*.txt) has glued title
runs and "We welcome suggestions for the inclusion of relevant publications".
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from pipeline.codebook import load_codebook
from pipeline.sources.fulltext import read_pages
from pipeline.stages.code import autocode
from pipeline.stages.code.evidence import is_sentence, negated, rejection

ROOT = Path(__file__).parents[2]
BOOK = load_codebook(ROOT / "config" / "codebook.yaml")
FULLTEXT = ROOT / "data" / "demo" / "fulltext"
LABELS = [theme.label for _, _, theme in BOOK.themes()]


def _lines(name: str) -> list[str]:
    return [line.strip() for _, text in read_pages(FULLTEXT / name) for line in text.splitlines() if line.strip()]


def _code(name: str, work_id: str) -> pd.DataFrame:
    works = pd.DataFrame({"work_id": [work_id], "title": [name], "abstract": [None], "keywords": [None]})
    return autocode(works, BOOK, {work_id: read_pages(FULLTEXT / name)})


def test_the_studys_topic_list_is_not_evidence() -> None:
    lines = _lines("micro-credentials_processes.txt")
    assert "- Costing and fees" in lines
    assert rejection("- Costing and fees", LABELS) == "topic list"
    assert rejection("- Awards (e.g. badge, proof, grade, micro degree, nano degree)", LABELS) == "topic list"
    assert rejection("- Stakeholders involved (e.g. assessors, awarding bodies, quality assurance agencies, "
                     "credential evaluators)", LABELS) == "topic list"
    codes = _code("micro-credentials_processes.txt", "Wecc")
    # Before: "- Costing and fees" was the evidence that the IB charges fees.
    assert "fees" not in set(codes["code"])
    assert not codes["evidence"].str.contains("Costing and fees").any()


def test_glued_titles_and_the_suggestion_sentence_are_not_evidence() -> None:
    lines = _lines("micro-credential_observatory.txt")
    glued = next(line for line in lines if line.startswith("2020 MICROBOL"))
    assert rejection(glued) == "glued titles"
    suggestion = "We welcome suggestions for the inclusion of relevant publications."
    assert rejection(suggestion) == "boilerplate"
    codes = _code("micro-credential_observatory.txt", "Wobs")
    # Before: "We welcome suggestions for the inclusion ..." was the evidence of access_inclusion.
    assert "access_inclusion" not in set(codes["code"])
    assert not codes["evidence"].map(lambda e: rejection(e) in ("glued titles", "boilerplate")).any()
    assert set(codes["field"]) <= {"full_text", "list", "title"}


def test_headings_and_reference_entries() -> None:
    assert rejection("Major Policy Initiatives") == "heading"
    assert rejection("2020 Badge of Honour?") == "reference entry"
    assert rejection("An Exploration of the use of Digital Badges To Support a Partnership Approach to Faculty "
                     "Development") == "title"
    prose = "The NODE is playing a leading role in helping to shape the rapidly evolving micro-credentialing movement."
    assert rejection(prose) is None and is_sentence(prose)
    assert not is_sentence("Launch of credit-bearing, stackable micro-credentials on the FutureLearn platform")


@pytest.mark.parametrize("sentence, term, expected", [
    # The example (no real source in the demo has it): "no" governs "agreed definition".
    ("There is no agreed definition of micro-credentials or digital badges.", "digital badges", False),
    ("The programme does not award digital badges.", "digital badges", True),
    ("Learners complete the course without any badges.", "badges", True),
    ("Badges are not common, but digital badges are issued by the IB.", "digital badges", False),
    # Real: ../shared/seeds/000_*.txt.
    ("As of April 2023, to complement its offering of in-person and online workshops, the IB started piloting "
     "the use of micro-credentials.", "micro-credentials", False),
])
def test_negation_is_decided_within_the_clause(sentence: str, term: str, expected: bool) -> None:
    assert negated(sentence, sentence.index(term)) is expected


def test_a_negated_mention_is_marked_and_an_affirming_one_preferred() -> None:
    # Made-up abstract (no real demo source negates a code): the negated sentence comes first.
    works = pd.DataFrame({"work_id": ["W1"], "title": ["Issuer practices"], "keywords": [None],
                          "abstract": ["The first provider does not award badges to its learners. "
                                       "The second provider awards digital badges after an assessment."]})
    codes = autocode(works, BOOK).set_index("code")
    assert codes.loc["badge", "evidence"] == "The second provider awards digital badges after an assessment."
    assert not codes.loc["badge", "negated"]
    only = works.assign(abstract=["The first provider does not award badges to its learners."])
    assert bool(autocode(only, BOOK).set_index("code").loc["badge", "negated"])


def test_a_coders_evidence_replaces_the_proposals_in_every_table() -> None:
    # The ledger's `evidence` column comes with issue 13 (people's work); this branch's ledger has
    # none, so the ledger row is written here as that branch stores it ("code: sentence | ...").
    from pipeline.stages.code import final_codes
    from pipeline.stages.code.quality import evidence_measures
    from pipeline.stages.synthesis import tables as T

    works = pd.DataFrame({"work_id": ["Wobs"], "title": ["Micro-Credential Observatory"], "abstract": [None],
                          "keywords": [None], "year": [2023]})
    proposed = autocode(works, BOOK, {"Wobs": read_pages(FULLTEXT / "micro-credential_observatory.txt")})
    mine = ("Strategic partnership with Digitary to support the development of micro-credentials using this "
            "leading international platform")
    ledger = pd.DataFrame([{"work_id": "Wobs", "rq": "RQ2", "theme": "platforms", "codes": "credential_platforms",
                            "coder": "ana", "time": "2026-11-23T10:00:00+00:00",
                            "evidence": f"credential_platforms: {mine}"}])
    codes = final_codes(proposed, ledger)
    row = codes[codes["code"] == "credential_platforms"].iloc[0]
    assert (row["evidence"], row["field"], row["coder"]) == (mine, "coder", "ana")
    rq2 = T.rq_summary("RQ2", works, codes, BOOK, cite=lambda w: "(NIDL, 2023)").set_index("code")
    assert rq2.loc["credential_platforms", "exemplars"] == f"“{mine}” (NIDL, 2023)"
    # The coder dropped mooc_platforms and replaced the evidence of credential_platforms: 2 of 2 rejected.
    measured = evidence_measures(works, proposed, codes, ledger)
    assert (measured["reviewed_proposals"], measured["rejected"]) == (2, 2)
    # Without the column (this branch's ledgers) the proposal's evidence stays.
    plain = final_codes(proposed, ledger.drop(columns=["evidence"]))
    assert plain.loc[plain["code"] == "credential_platforms", "field"].item() == "list"
