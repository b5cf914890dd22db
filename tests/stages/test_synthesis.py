"""Synthesis tables and PRISMA counts on a small fixed review (hand-checkable), and invariants."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from pipeline.codebook import load_codebook
from pipeline.errors import StageError
from pipeline.stages.synthesis import tables as T
from pipeline.stages.synthesis.catalogue import catalogue_html, catalogue_markdown
from pipeline.stages.synthesis.prisma import check, prisma

ROOT = Path(__file__).parents[2]
BOOK = load_codebook(ROOT / "config" / "codebook.yaml")

# A small fixed review (made for the test): 2 database sources and a reference list, 9 records,
# 1 duplicate, 8 works: 3 excluded at title/abstract, 1 not retrieved, 1 excluded at full text,
# 1 awaiting, 2 included.
LOG = pd.DataFrame([
    {"source": "scopus", "type": "file", "database": "Scopus", "platform": "Elsevier", "format": "ris", "records_read": 4},
    {"source": "eric", "type": "eric", "database": "ERIC", "platform": "API", "format": "api", "records_read": 3},
    {"source": "obs", "type": "file", "database": "Observatory", "platform": "website", "format": "reflist", "records_read": 2},
])
DEDUPE = {"records": 9, "works": 8}
SCREENED = pd.DataFrame({
    "work_id": [f"W{i}" for i in range(1, 9)],
    "title_abstract_decision": ["exclude", "exclude", "exclude", "include", "include", "maybe", "include", "include"],
    "status": ["excluded", "excluded", "excluded", "excluded", "excluded", "awaiting", "included", "included"],
    "awaiting_stage": [None, None, None, None, None, "full_text", None, None],
    "excluded_at": ["title_abstract"] * 3 + ["full_text", "full_text", None, None, None],
    "exclusion_reason": ["not relevant", "not relevant", "published before 2018", "full text not retrieved",
                         "insufficient quality", None, None, None],
    "conflict": [None] * 8,
})


def test_prisma_counts_by_hand() -> None:
    flow = prisma(LOG, DEDUPE, SCREENED)
    check(flow, DEDUPE)
    assert flow.databases == {"Scopus": 4, "ERIC": 3} and flow.other_methods == {"Observatory": 2}
    assert (flow.records_identified, flow.duplicates_removed, flow.records_screened, flow.records_excluded) == (9, 1, 8, 3)
    assert flow.records_excluded_by_reason == {"not relevant": 2, "published before 2018": 1}
    assert (flow.reports_sought, flow.reports_not_retrieved, flow.reports_assessed, flow.reports_excluded) == (5, 1, 4, 1)
    assert flow.reports_excluded_by_reason == {"insufficient quality": 1}
    assert (flow.awaiting_full_text, flow.studies_included) == (1, 2)
    rows = {item: n for _, item, n in flow.rows()}
    assert rows["Records from Observatory (other methods)"] == 2 and rows["Studies included in the review"] == 2


def test_included_csv_out_of_step_with_screened_csv_fails() -> None:
    with pytest.raises(StageError) as err:
        check(prisma(LOG, DEDUPE, SCREENED), DEDUPE, included_rows=3)
    assert "the PRISMA counts do not add up at inclusion: works included in screened.csv = rows of included.csv, " \
           "but 2 ≠ 3" in str(err.value)


def test_screening_out_of_step_fails_at_title_abstract() -> None:
    # W4 excluded at full text although its title/abstract decision says exclude (an edited file).
    screened = SCREENED.assign(title_abstract_decision=["exclude"] * 4 + ["include", "maybe", "include", "include"])
    with pytest.raises(StageError) as err:
        check(prisma(LOG, DEDUPE, screened), DEDUPE)
    assert "at title/abstract screening: screened = excluded + sought for retrieval + awaiting + conflicts, but 8 ≠ 7" \
        in str(err.value)


@pytest.mark.parametrize("dedupe, message", [
    ({"records": 10, "works": 9}, "at identification: records identified (search log) = records deduplicated "
                                  "(02_dedupe), but 9 ≠ 10"),
    ({"records": 9, "works": 7}, "at deduplication: records identified − duplicates removed = works screened, but 7 ≠ 8"),
])
def test_broken_invariants_fail_with_the_step_and_numbers(dedupe: dict, message: str) -> None:
    with pytest.raises(StageError) as err:
        check(prisma(LOG, dedupe, SCREENED), dedupe)
    assert message in str(err.value) and "see `slr status`" in str(err.value)


INCLUDED = pd.DataFrame({
    "work_id": ["W7", "W8"], "title": ["Stackable credentials | a study", "Badges in Europe"],
    "authors": ["Smith, J.", None], "year": pd.array([2021, 2023], dtype="Int64"), "venue": ["J", None],
    "doc_type": ["journal article", "report"], "doi": ["10.1/x", None], "url": [None, "https://example.org/b"],
    "countries_detected": ["IE", None], "regions": ["EU; Europe", None], "quality_level": ["peer-reviewed", "grey literature"],
    "sources": ["scopus", "obs"],
})
CODES = pd.DataFrame([
    {"work_id": "W7", "rq": "RQ2", "theme": "stacking", "code": "stacking_general", "evidence": "Credentials stack.",
     "field": "abstract", "confidence": 0.8, "negated": False},
    {"work_id": "W8", "rq": "RQ2", "theme": "stacking", "code": "stacking_general", "evidence": "They do not stack.",
     "field": "abstract", "confidence": 0.8, "negated": True},
    {"work_id": "W8", "rq": "RQ2", "theme": "awards", "code": "badge", "evidence": "Badges are awarded.",
     "field": "abstract", "confidence": 0.9, "negated": False},
    # A code a coder added where no proposal found it: no evidence (codes.csv reads it back as NaN).
    {"work_id": "W7", "rq": "RQ2", "theme": "awards", "code": "certificate", "evidence": float("nan"),
     "field": None, "confidence": 1.0, "negated": None},
])


def test_tables_by_hand() -> None:
    sources = T.sources(INCLUDED, SCREENED.assign(title_abstract_decided_by="ana", full_text_decided_by="criteria"))
    assert sources["work_id"].tolist() == ["W8", "W7"]  # newest first
    assert sources["title_abstract_decided_by"].tolist() == ["ana", "ana"]
    matrix = T.coding_matrix(INCLUDED, CODES, BOOK)
    assert matrix.set_index("work_id").loc["W8", "RQ2.awards"] == "badge" and len(matrix.columns) == 2 + 17
    rq2 = T.rq_summary("RQ2", INCLUDED, CODES, BOOK).set_index("code")
    assert rq2.loc["stacking_general", ["sources", "share_percent"]].tolist() == [2, 100.0]
    assert rq2.loc["badge", "exemplars"] == "“Badges are awarded.” (W8)"
    # Before: "None" in tables/rq1.csv and "nan" in coding.xlsx for a coder's code without evidence.
    assert rq2.loc["certificate", ["sources", "exemplars"]].tolist() == [1, ""]
    cells = {c.strip() for line in T.to_markdown(rq2.reset_index()).splitlines() for c in line.split("|")}
    assert not cells & {"None", "nan", "<NA>"}
    assert T.by_type(sources)[["type", "sources"]].values.tolist() == [["journal article", 1], ["report", 1]]
    regions = T.by_region(sources)
    assert regions[regions["kind"] == "region"][["place", "sources"]].values.tolist() == \
        [["EU", 1], ["Europe", 1], ["no region detected", 1]]
    years = T.by_year(sources)
    assert years[["year", "total"]].values.tolist() == [["2021", 1], ["2023", 1]]
    gaps = T.gaps(INCLUDED, CODES, BOOK, sources, cite=lambda w: f"({w})")
    negated = gaps[gaps["kind"] == "code negated in some sources"]
    # The source that negates is named (before: only counted, found by the substring "no ").
    assert negated[["where", "detail"]].values.tolist() == [
        ["stacking_general", "1 source(s) state it under a negation ((W8)), 1 without"]]
    assert len(gaps[gaps["kind"] == "theme with few sources"]) == 17  # every theme has ≤ 2 sources here
    assert "\\|" in T.to_markdown(INCLUDED[["title"]])


def test_issuers_shared_and_different() -> None:
    extraction = pd.DataFrame([{"issuer": "A", "platform": "FutureLearn; Credly", "credits": "ECTS", "source": "W7"},
                               {"issuer": "B", "platform": "Credly", "credits": None, "source": "W8"}])
    table, compared = T.issuers(extraction, ("platform", "credits", "source"))
    compared = compared.set_index("field")
    assert compared.loc["platform", ["issuers_reporting", "shared", "differ"]].tolist() == \
        [2, "Credly (A, B)", "A: FutureLearn"]
    assert compared.loc["credits", "not_reported_by"] == "B"
    assert compared.loc["credits", "issuers_reporting"] == 1 and table["issuer"].tolist() == ["A", "B"]


def test_catalogue_groups_marks_new_and_escapes() -> None:
    sources = T.sources(INCLUDED.assign(title=["<b>Stackable</b>", "Badges in Europe"]), SCREENED)
    text = catalogue_markdown(sources, {"W7"}, "Catalogue")
    assert "## Journal article (1)" in text and "### 2023" in text
    assert "- [Badges in Europe](https://example.org/b) ★" in text
    page = catalogue_html(sources, {"W7"}, "Catalogue")
    assert "&lt;b&gt;Stackable&lt;/b&gt;" in page and "<span class=\"new\">new</span>" in page
    assert "<h2>Journal article (1)</h2>" in page and "1 are new since the previous run" in page
