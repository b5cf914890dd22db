"""BibTeX exports (Scopus, Web of Science, Google Scholar, ACM, IEEE, Zotero, JabRef, EndNote).

Parsed with bibtexparser 2, whose middlewares resolve @string macros and decode LaTeX
({\\"u} → ü, \\& → &, {E}vidence → Evidence). An entry the parser cannot read is a warning
naming its line; the other entries are kept. Pages stay as written ("288--97"); the dedupe stage
normalises page ranges.
"""

from __future__ import annotations

import contextlib
import logging
import re
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import bibtexparser
from bibtexparser import middlewares

from ..config import FileSource
from . import ParsedFile
from .tabular import split_keywords
from .text import read_text

#: BibTeX entry types → the record table's document types.
DOC_TYPES: dict[str, str] = {
    "article": "journal article", "inproceedings": "conference paper", "conference": "conference paper",
    "proceedings": "conference proceedings", "book": "book", "inbook": "book chapter",
    "incollection": "book chapter", "booklet": "book", "techreport": "report", "report": "report",
    "phdthesis": "thesis", "mastersthesis": "thesis", "thesis": "thesis", "online": "web page",
    "electronic": "web page", "www": "web page", "misc": "generic", "unpublished": "unpublished work",
    "manual": "manual", "dataset": "dataset", "software": "software", "patent": "patent",
}
_PAGES_DASH = re.compile(r"\s*-{1,3}\s*|\s*–\s*")


@contextlib.contextmanager
def _quiet(logger: str) -> Iterator[None]:
    """bibtexparser warns and logs about its own internals; what matters reaches the user as our
    warnings (failed blocks), so silence the library while it parses."""
    log = logging.getLogger(logger)
    level = log.level
    log.setLevel(logging.CRITICAL)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            yield
    finally:
        log.setLevel(level)


def _fields(entry: Any) -> dict[str, str]:
    """Field names in lower case (Web of Science writes "Title", "Unique-ID")."""
    return {name.lower(): " ".join(str(field.value).split()) for name, field in entry.fields_dict.items()}


def _record(entry: Any) -> dict[str, Any]:
    f = _fields(entry)
    authors = [a.strip() for a in re.split(r"\s+and\s+", f.get("author", "")) if a.strip()]
    pages = _PAGES_DASH.sub("-", f["pages"]) if f.get("pages") else None
    doc_type = f.get("document_type") or f.get("type") or DOC_TYPES.get(entry.entry_type.lower(), entry.entry_type.lower())
    doi = f.get("doi", "").replace("\\_", "_") or None
    return {
        "_id": f.get("unique-id") or entry.key.strip(),
        "_where": f"line {entry.start_line + 1}",
        "title": f.get("title"),
        "abstract": f.get("abstract"),
        "authors": authors,
        "year": f.get("year") or f.get("date"),
        "doi": doi,
        "venue": f.get("journal") or f.get("journaltitle") or f.get("booktitle") or f.get("series"),
        "volume": f.get("volume"),
        "issue": f.get("number") or f.get("issue"),
        "pages": pages,
        "publisher": f.get("publisher") or f.get("institution") or f.get("school") or f.get("organization"),
        "doc_type": doc_type,
        "language": f.get("language") or f.get("langid"),
        "keywords": split_keywords(f.get("keywords") or f.get("author-keywords") or "") or None,
        "url": f.get("url"),
        "affiliations": f.get("affiliation") or f.get("affiliations"),
    }


def read(path: Path, source: FileSource) -> ParsedFile:
    """Read every entry of a .bib file; unreadable entries become warnings."""
    text, warnings = read_text(path, source.encoding)
    with _quiet("bibtexparser"):
        library = bibtexparser.parse_string(
            text, append_middleware=[middlewares.LatexDecodingMiddleware(allow_inplace_modification=True)])
    for block in library.failed_blocks:
        first = block.raw.strip().splitlines()[0][:60] if block.raw.strip() else ""
        warnings.append(f"{path.name}, line {block.start_line + 1}: entry skipped, it could not be parsed "
                        f"({first!r}); fix it in the file or re-export")
    records = [_record(entry) for entry in library.entries]
    return ParsedFile(records=records, warnings=warnings, found=len(records) + len(library.failed_blocks))
