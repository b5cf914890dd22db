"""BibTeX exports (Scopus, Web of Science, Google Scholar, ACM, IEEE, Zotero, JabRef, Mendeley).

Parsed with bibtexparser 2; its LaTeX middleware decodes accents and braces ({\\"u} → ü, \\& → &,
{E}vidence → Evidence). Authors are split on " and " before decoding (so a braced corporate
name such as {Barnes and Noble} stays one author) and written "Family, Given". DOIs and URLs are
taken as written, only unescaped ({\\_} → _, {~} → ~), because LaTeX decoding would turn "~" into a
space. Pages stay as written apart from the dash ("288--97" → "288-97"); the dedupe stage
normalises page ranges.

Real exports trip the parser in two ways that lose nothing: the same key twice (Scopus writes
"Liu2022" for every Liu of 2022) and the same field twice (Scopus repeats `funding_details`).
Those entries are kept. A record's own id is its entry key, except for Scopus, whose EID is used. An entry the parser cannot read at all is a warning naming its line; the
other entries are kept.
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
from bibtexparser.library import Library
from bibtexparser.middlewares.names import InvalidNameError, NameParts, parse_single_name_into_parts
from bibtexparser.middlewares.names import split_multiple_persons_names
from bibtexparser.model import DuplicateBlockKeyBlock, DuplicateFieldKeyBlock, Entry, Field

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
#: Entry types whose `type` field is a subtype ("PhD dissertation", "Working paper"), not a document type.
_SUBTYPED = frozenset({"phdthesis", "mastersthesis", "thesis", "techreport", "report"})
#: Entry types whose editors stand in for missing authors (an edited volume).
_EDITED = frozenset({"book", "proceedings", "collection"})
#: Fields the record is built from: a repeat of one of these is worth a warning.
_READ_FIELDS = frozenset({"title", "author", "year", "date", "doi", "journal", "journaltitle", "booktitle",
                          "volume", "number", "pages", "abstract", "keywords"})
_PAGES_DASH = re.compile(r"\s*-{1,3}\s*|\s*–\s*")
_URL_ESCAPE = re.compile(r"\\([_%&#$])")
_YEAR_START = re.compile(r"^\d{4}")
_SCOPUS_EID = re.compile(r"[?&]eid=(2-s2\.0-\d+)")

#: Fields the record reads after LaTeX decoding; only these are decoded (a Scopus entry's
#: `references` alone can be tens of thousands of characters, and decoding costs ~25 µs a character).
_DECODED_FIELDS = frozenset({
    "title", "abstract", "year", "date", "document_type", "type", "author_keywords", "keywords",
    "author-keywords", "keywords-plus", "journal", "journaltitle", "booktitle", "archiveprefix", "series",
    "volume", "number", "issue", "pages", "publisher", "institution", "school", "organization", "language",
    "langid", "affiliation", "affiliations", "source", "unique-id"})
#: A field longer than this is kept as written (braces removed) instead of LaTeX-decoded, with a
#: warning: decoding it would take seconds per field (a 1 MB field took 50 s, 50 MB never ended).
MAX_DECODED_CHARS = 20_000

_ENCLOSING = middlewares.RemoveEnclosingMiddleware(allow_inplace_modification=True)
_LATEX = middlewares.LatexDecodingMiddleware(allow_inplace_modification=True)


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


def read(path: Path, source: FileSource) -> ParsedFile:
    """Read every entry of a .bib file; unreadable entries become warnings naming their line."""
    text, notes = read_text(path, source.encoding)
    with _quiet("bibtexparser"):
        library = bibtexparser.parse_string(text)
        entries = list(library.entries)
        problems: list[tuple[int, str]] = []
        lost = 0
        for block in library.failed_blocks:
            entry, note = _recover(block, library)
            if entry is not None:
                entries.append(entry)
            else:
                lost += 1
                first = block.raw.strip().splitlines()[0][:60] if block.raw and block.raw.strip() else ""
                note = f"line {block.start_line + 1}: entry skipped, it could not be parsed ({first!r}); " \
                       "fix it in the file or re-export"
            if note:
                problems.append((block.start_line or 0, f"{path.name}, {note}"))
        entries.sort(key=lambda entry: entry.start_line or 0)  # file order, recovered ones in place
        long_fields: list[tuple[int, str]] = []
        records = [_record(entry, library, long_fields) for entry in entries]
    problems += [(line, f"{path.name}, line {line + 1}: {note}") for line, note in long_fields]
    notes.extend(note for _, note in sorted(problems))
    return ParsedFile(records=records, warnings=notes, found=len(records) + lost)


def _recover(block: Any, library: Library) -> tuple[Entry | None, str | None]:
    """The entry behind a repeated key or a repeated field (and a note if it matters), or
    (None, None) for a real parse failure."""
    entry = block.ignore_error_block
    if not isinstance(entry, Entry) or not isinstance(block, (DuplicateBlockKeyBlock, DuplicateFieldKeyBlock)):
        return None, None
    _ENCLOSING.transform_entry(entry, library)  # failed blocks skip the default middlewares
    note = None
    if isinstance(block, DuplicateFieldKeyBlock):
        repeated = sorted(key for key in block.duplicate_keys if key.lower() in _READ_FIELDS)
        if repeated:
            note = (f"line {entry.start_line + 1}: entry {entry.key.strip()} has {', '.join(repeated)} "
                    "more than once; the last value is used")
    return entry, note


def _record(entry: Entry, library: Library, long_fields: list[tuple[int, str]]) -> dict[str, Any]:
    """One entry as raw record fields (names, DOI and URL taken before LaTeX decoding).

    Only the fields the record uses are LaTeX-decoded, and of those only the ones up to
    `MAX_DECODED_CHARS`; a longer one is kept as written, braces removed, and noted in
    `long_fields` as (line, note)."""
    raw = _fields(entry)
    kind = entry.entry_type.lower()
    author = raw.get("author") or (raw.get("editor") if kind in _EDITED else None)
    if author and len(author) > MAX_DECODED_CHARS:
        names = [author.replace("{", "").replace("}", "")[:MAX_DECODED_CHARS]]
        long_fields.append((entry.start_line or 0, f"entry {entry.key.strip()}: the author field has "
                            f"{len(author):,} characters; kept as written, cut to {MAX_DECODED_CHARS:,} and not split"))
    else:
        names = _names(raw.get("author"), library)
        if not names and kind in _EDITED:
            names = _names(raw.get("editor"), library)
    doi = _plain(raw.get("doi"))
    urls = (_plain(raw.get("url")) or "").split()
    wanted = [field for field in entry.fields if field.key.lower() in _DECODED_FIELDS]
    kept_raw = {field.key.lower(): " ".join(str(field.value).replace("{", "").replace("}", "").split())
                for field in wanted if len(str(field.value)) > MAX_DECODED_CHARS}
    for name, value in kept_raw.items():
        long_fields.append((entry.start_line or 0, f"entry {entry.key.strip()}: the {name} field has {len(value):,} "
                            f"characters (more than {MAX_DECODED_CHARS:,}); kept as written, LaTeX not decoded"))
    decoded = Entry(entry.entry_type, entry.key,
                    [Field(field.key, field.value) for field in wanted if field.key.lower() not in kept_raw])
    _LATEX.transform_entry(decoded, library)
    f = {**_fields(decoded), **kept_raw}
    year = f.get("year") or _YEAR_START.match(f.get("date", "")) and f["date"][:4] or None
    listed_type = f.get("document_type") or (f.get("type") if kind not in _SUBTYPED else None)
    keywords = [k for name in ("author_keywords", "keywords", "author-keywords", "keywords-plus")
                for k in split_keywords(f.get(name, ""))]
    venue = f.get("journal") or f.get("journaltitle") or f.get("booktitle")
    if not venue and f.get("archiveprefix", "").lower() == "arxiv":
        venue = "arXiv"
    return {
        "_id": _own_id(entry, f, urls),
        "_where": f"line {entry.start_line + 1}",
        "title": f.get("title"),
        "abstract": f.get("abstract"),
        "authors": names,
        "year": year,
        "doi": doi,
        "venue": venue or f.get("series"),
        "volume": f.get("volume"),
        "issue": f.get("number") or f.get("issue"),
        "pages": _PAGES_DASH.sub("-", f["pages"]) if f.get("pages") else None,
        "publisher": f.get("publisher") or f.get("institution") or f.get("school") or f.get("organization"),
        "doc_type": listed_type or DOC_TYPES.get(kind, kind),
        "language": f.get("language") or f.get("langid"),
        "keywords": list(dict.fromkeys(keywords)) or None,
        "url": urls[0] if urls else None,
        "affiliations": f.get("affiliation") or f.get("affiliations"),
    }


def _own_id(entry: Entry, fields: dict[str, str], urls: list[str]) -> str | None:
    """The entry key; for Scopus the EID in its URL, because Scopus keys repeat ("Liu2022" for
    every Liu of 2022) and change with the export's order, while the EID does neither."""
    if fields.get("source", "").lower() == "scopus":
        match = _SCOPUS_EID.search(urls[0]) if urls else None
        if match:
            return match.group(1)
    return entry.key.strip() or fields.get("unique-id")


def _fields(entry: Entry) -> dict[str, str]:
    """Field names in lower case (Web of Science writes "Title", "Unique-ID"), whitespace collapsed."""
    return {name.lower(): " ".join(str(field.value).split()) for name, field in entry.fields_dict.items()}


def _names(value: str | None, library: Library) -> list[str]:
    """"Given Family and {Corporate and Co}" → ["Family, Given", "Corporate and Co"]; "others" dropped."""
    if not value:
        return []
    parts: list[NameParts] = []
    for name in split_multiple_persons_names(value):
        if name.strip().lower() == "others":  # BibTeX's "et al."
            continue
        try:
            parts.append(parse_single_name_into_parts(name))
        except InvalidNameError:  # e.g. more commas than BibTeX allows: keep it as written
            parts.append(NameParts(last=[name]))
    # The LaTeX middleware decodes name parts held in a field, so hand it one field per name.
    _LATEX.transform_entry(Entry("misc", "names", [Field(str(i), p) for i, p in enumerate(parts)]), library)
    names = [p.merge_last_name_first for p in parts]
    return [n.strip() for n in names if n.strip()]


def _plain(value: str | None) -> str | None:
    """A DOI or URL without LaTeX escapes and braces: "10.1007/x{\\_}26" → "10.1007/x_26"."""
    if not value:
        return None
    text = value.replace(r"\textasciitilde", "~").replace(r"\~{}", "~")
    text = _URL_ESCAPE.sub(r"\1", text).replace("{", "").replace("}", "")
    return text.strip() or None
