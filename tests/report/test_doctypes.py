"""Document types of every source mapped to RIS, BibTeX and CSL types through the one table."""

from __future__ import annotations

import pytest

from pipeline.report.doctypes import KINDS, PRIORITY, SOURCE_KIND, formats, kind


@pytest.mark.parametrize("source, doc_type, expected", [
    # ERIC publicationtype lists (the demo's 386 "Journal Articles; …" records), in any order
    ("eric", "Journal Articles; Reports - Research", ("JOUR", "article", "article-journal")),
    ("eric", "Reports - Descriptive; Journal Articles", ("JOUR", "article", "article-journal")),
    ("eric", "Journal Articles; Reports - Descriptive; Speeches/Meeting Papers", ("JOUR", "article", "article-journal")),
    ("eric", "Reports - Evaluative", ("RPRT", "techreport", "report")),
    ("eric", "Guides - Classroom - Learner", ("RPRT", "techreport", "report")),
    ("eric", "Dissertations/Theses - Doctoral Dissertations", ("THES", "phdthesis", "thesis")),
    ("eric", "Books; Reports - Descriptive", ("BOOK", "book", "book")),
    ("eric", "Speeches/Meeting Papers", ("CPAPER", "inproceedings", "paper-conference")),
    # OpenAlex work types
    ("openalex", "article", ("JOUR", "article", "article-journal")),
    ("openalex", "book-chapter", ("CHAP", "incollection", "chapter")),
    ("openalex", "preprint", ("UNPB", "unpublished", "article")),
    ("openalex", "dissertation", ("THES", "phdthesis", "thesis")),
    ("openalex", "dataset", ("DATA", "misc", "dataset")),
    ("openalex", "paratext", ("GEN", "misc", "document")),
    # Crossref types
    ("crossref", "journal-article", ("JOUR", "article", "article-journal")),
    ("crossref", "proceedings-article", ("CPAPER", "inproceedings", "paper-conference")),
    ("crossref", "posted-content", ("UNPB", "unpublished", "article")),
    ("crossref", "edited-book", ("BOOK", "book", "book")),
    ("crossref", "report", ("RPRT", "techreport", "report")),
    # RIS types as slr's RIS reader words them, and Scopus M3
    ("ris", "journal article", ("JOUR", "article", "article-journal")),
    ("ris", "web page", ("ELEC", "misc", "webpage")),
    ("ris", "generic", ("GEN", "misc", "document")),
    ("scopus", "Conference Paper", ("CPAPER", "inproceedings", "paper-conference")),
    ("scopus", "Review", ("JOUR", "article", "article-journal")),
    # Semantic Scholar, the Observatory, BibTeX entry types
    ("semantic_scholar", "JournalArticle; Review", ("JOUR", "article", "article-journal")),
    ("observatory", "policy initiative", ("GOVDOC", "techreport", "report")),
    ("observatory", "event", ("GEN", "misc", "event")),
    ("observatory", "journal article or commentary", ("JOUR", "article", "article-journal")),
    ("bibtex", "inproceedings", ("CPAPER", "inproceedings", "paper-conference")),
    ("none", None, ("GEN", "misc", "document")),
    ("unknown", "Hologram", ("GEN", "misc", "document")),
])
def test_type_mapping_per_source(source: str, doc_type: str | None, expected: tuple[str, str, str]) -> None:
    assert tuple(formats(doc_type)) == expected, source


def test_every_kind_has_formats_and_a_priority() -> None:
    assert set(KINDS) == set(PRIORITY) == set(SOURCE_KIND.values())
    assert kind("  JOURNAL ARTICLES ") == "journal"
