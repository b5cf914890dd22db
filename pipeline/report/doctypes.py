"""Document types: whatever a source called a work's type → one kind → the type each export format uses.

One table, one home. Sources name types in their own words (`doc_type` keeps them as given):
ERIC "Journal Articles; Reports - Research", OpenAlex "article" / "book-chapter", Crossref
"journal-article" / "proceedings-article", Semantic Scholar "JournalArticle", RIS codes as our RIS
reader words them ("journal article", "web page"), Scopus M3 "Conference Paper", the Observatory's
headings ("policy initiative", "event"). `kind` reduces each to one kind; `KINDS` gives the RIS
`TY`, the BibTeX entry type and the CSL type of that kind. A value of several types (`;`-joined,
as ERIC and Semantic Scholar list them) takes the first kind in `PRIORITY` among its parts, so an
ERIC "Reports - Descriptive; Journal Articles" or "Journal Articles; Speeches/Meeting Papers" is a
journal article, not a report or a conference paper.
"""

from __future__ import annotations

import re
from typing import Any, NamedTuple


class Formats(NamedTuple):
    ris: str
    bibtex: str
    csl: str


#: kind → (RIS TY, BibTeX entry type, CSL type). GOVDOC and UNPB are RIS 2011 types that Zotero and
#: EndNote read as "report"/"unpublished"; CSL "event" is CSL 1.0.2.
KINDS: dict[str, Formats] = {
    "journal": Formats("JOUR", "article", "article-journal"),
    "magazine": Formats("MGZN", "article", "article-magazine"),
    "newspaper": Formats("NEWS", "article", "article-newspaper"),
    "conference": Formats("CPAPER", "inproceedings", "paper-conference"),
    "book": Formats("BOOK", "book", "book"),
    "chapter": Formats("CHAP", "incollection", "chapter"),
    "report": Formats("RPRT", "techreport", "report"),
    "policy": Formats("GOVDOC", "techreport", "report"),
    "thesis": Formats("THES", "phdthesis", "thesis"),
    "preprint": Formats("UNPB", "unpublished", "article"),
    "dataset": Formats("DATA", "misc", "dataset"),
    "web page": Formats("ELEC", "misc", "webpage"),
    "event": Formats("GEN", "misc", "event"),
    "generic": Formats("GEN", "misc", "document"),
}

#: Which kind wins when a value lists several types.
PRIORITY: tuple[str, ...] = ("journal", "thesis", "chapter", "conference", "magazine", "newspaper", "book",
                             "preprint", "dataset", "report", "policy", "web page", "event", "generic")

_NAMES: dict[str, tuple[str, ...]] = {
    "journal": (
        # Scopus / Embase / EBSCO M3, PubMed PT, Web of Science DT
        "article", "review", "journal article", "short survey", "editorial", "letter", "note", "article in press",
        "comment", "erratum", "data paper", "case report", "retracted", "meta-analysis", "systematic review",
        # ERIC publication types, OpenAlex, Crossref, Semantic Scholar, Europe PMC, the Observatory
        "journal articles", "journal-article", "journalarticle", "research-article", "letters and comments",
        "lettersandcomments", "casereport", "metaanalysis", "clinicaltrial", "journal article or commentary",
        "peer-review", "collected works - serials", "jour", "ejour", "jfull", "inpr"),
    "magazine": ("magazine article", "mgzn"),
    "newspaper": ("newspaper article", "news"),
    "conference": ("conference paper", "proceedings paper", "conference abstract", "meeting abstract",
                   "conference review", "proceedings-article", "conference", "speeches/meeting papers",
                   "inproceedings", "conf", "cpaper", "abstract"),
    "book": ("book", "books", "monograph", "edited-book", "reference-book", "book-set", "book-series",
             "ebook", "edbook", "collected works", "reference materials"),
    "chapter": ("book chapter", "book-chapter", "book-section", "book-part", "booksection", "chap", "echap",
                "incollection", "inbook", "reference-entry"),
    "report": ("report", "reports", "guides", "report-component", "report-series", "working paper", "technical report",
               "techreport", "rprt", "guides - general", "guides - non-classroom", "guides - classroom - teacher",
               "tests/questionnaires", "numerical/quantitative data", "information analyses", "opinion papers",
               "reports - research", "reports - descriptive", "reports - evaluative", "reports - general",
               "standard", "stand"),
    "policy": ("policy initiative", "policy", "legal/legislative/regulatory materials", "govdoc",
               "government document"),
    "thesis": ("thesis", "dissertation", "dissertations/theses", "dissertations/theses - doctoral dissertations",
               "dissertations/theses - masters theses", "phdthesis", "mastersthesis", "thes"),
    "preprint": ("preprint", "posted-content", "unpublished work", "unpublished", "unpb", "manuscript"),
    "dataset": ("dataset", "data", "numerical data"),
    "web page": ("web page", "webpage", "elec", "blog", "icomm", "online"),
    "event": ("event",),
    "generic": ("generic", "gen", "other", "misc", "document"),
}
SOURCE_KIND: dict[str, str] = {name: kind for kind, names in _NAMES.items() for name in names}
_PARTS = re.compile(r"\s*;\s*")


def kind(doc_type: Any) -> str:
    """The kind of a source's document type ("generic" when missing or unknown)."""
    if not isinstance(doc_type, str) or not doc_type.strip():
        return "generic"
    text = doc_type.strip().lower()
    if text in SOURCE_KIND:
        return SOURCE_KIND[text]
    found = {SOURCE_KIND.get(part) for part in _PARTS.split(text)} - {None}
    if not found:
        # ERIC's finer types ("Reports - Research", "Guides - Classroom - Learner") start with their family.
        found = {SOURCE_KIND.get(part.split(" - ")[0]) for part in _PARTS.split(text)} - {None}
    return next((k for k in PRIORITY if k in found), "generic")


def formats(doc_type: Any) -> Formats:
    """The RIS, BibTeX and CSL types of a source's document type."""
    return KINDS[kind(doc_type)]
