"""The definitions table: definitional sentences with their page, family and elements.

No source shipped with the project defines micro-credentials (the Observatory page lists titles;
the study page characterises them). The definitions below are quotations of public texts:
- EU: Council Recommendation of 16 June 2022 on a European approach to micro-credentials for
  lifelong learning and employability (2022/C 243/02), point 5(a);
- UNESCO: "Towards a common definition of micro-credentials" (2022), p. 5 of the English edition.
The PDF is made here (tests/sources/test_fulltext.make_pdf), with the EU text on its second page.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from pipeline.codebook import load_codebook
from pipeline.sources.fulltext import read_pages
from pipeline.stages.code.definitions import compare_elements, find_definitions
from tests.sources.test_fulltext import make_pdf

ROOT = Path(__file__).parents[2]
BOOK = load_codebook(ROOT / "config" / "codebook.yaml")

EU = ("'Micro-credential' means the record of the learning outcomes that a learner has acquired following a small "
      "volume of learning. These learning outcomes will have been assessed against transparent and clearly defined "
      "standards.")
UNESCO = ("A micro-credential is a record of focused learning achievement verifying what the learner knows, "
          "understands or can do; includes assessment based on clearly defined standards and is awarded by a trusted "
          "provider; has standalone value and may also contribute or complement other micro-credentials or macro-"
          "credentials, including through recognition of prior learning; and meets the standards required by "
          "relevant quality assurance.")


def test_a_definition_in_a_pdf_is_found_with_its_page(tmp_path: Path) -> None:
    pdf = tmp_path / "council.pdf"
    make_pdf(pdf, ["Council Recommendation on a European approach to micro-credentials",
                   EU.split(". ")[0] + "."])
    works = pd.DataFrame({"work_id": ["Weu"], "title": ["Council Recommendation"], "abstract": [None]})
    table = find_definitions(works, BOOK, {"Weu": read_pages(pdf)})
    assert len(table) == 1
    row = table.iloc[0]
    assert (row["field"], row["page"], row["pattern"]) == ("full_text", 2, "means")
    assert row["definition"][1:].startswith("Micro-credential’ means the record of the learning outcomes")  # pypdf: ’
    assert row["learning_outcomes"] == "yes" and row["size_volume"] == "yes" and row["credit"] == ""


def test_families_elements_and_comparison() -> None:
    works = pd.DataFrame({
        "work_id": ["Weu", "Wun", "Wecc"],
        "title": ["EU", "UNESCO", "Micro-credentials Processes"],
        "abstract": ["According to the Council Recommendation, " + EU[0].lower() + EU[1:], UNESCO,
                     # Real: ../shared/seeds/000_*.txt (a characterisation, not a definition).
                     "In this context, the micro-credentials also present an opportunity for teachers to advance "
                     "their careers more efficiently."],
    })
    table = find_definitions(works, BOOK).set_index("work_id")
    assert table.loc["Weu", "family"] == "EU Council Recommendation"
    assert table.loc["Wun", "pattern"] == "is a" and table.loc["Wun", "family"] == "its own"
    assert table.loc["Wecc", "pattern"] == "characterises"
    # UNESCO's text says "what the learner knows, understands or can do", not "learning outcomes".
    assert table.loc["Wun", "elements"] == "assessment; quality assurance; portability; issuer / awarding body"
    compared = compare_elements(table.reset_index(), BOOK, {"Weu": "EU (2022)", "Wun": "UNESCO (2022)"}).set_index(
        "element")
    # Assessment: 2 of the 3 defining sources (complementary); learning outcomes: the EU's only.
    assert compared.loc["assessment", ["kind", "sources", "quoted_by"]].tolist() == [
        "complementary", 2, "EU (2022); UNESCO (2022)"]
    assert compared.loc["learning outcomes", ["kind", "quoted_by"]].tolist() == ["contrasting", "EU (2022)"]
    assert compared.loc["issuer / awarding body", ["kind", "quoted_by", "absent_from"]].tolist() == [
        "contrasting", "UNESCO (2022)", "EU (2022); Wecc"]
    assert compared.loc["stackability", "kind"] == "absent"


def test_headings_and_topic_lists_are_not_definitions() -> None:
    # Real lines of ../shared/seeds/000_*.txt: a deliverable and a case-study field, not definitions.
    works = pd.DataFrame({"work_id": ["Wecc"], "title": ["Micro-credentials Processes"], "abstract": [
        "- Reviewing selected sources and extracting complementary and contrasting definitions of microcredentials\n"
        "- Micro-credential conceptualisations and definitions"]})
    assert find_definitions(works, BOOK).empty
