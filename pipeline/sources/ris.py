"""RIS exports in the dialects real databases and reference managers write.

Scopus (T2 = journal, J2 = abbreviation, M3 = document type, C7 = article number, DB), Embase
(A1 authors, T1/JF, U2 = Embase id), Ovid, ProQuest, EBSCO/ERIC, Zotero (T2, DA "2021/02/01/"),
PubMed via EndNote (a leading blank line, KW and AD continued on untagged lines, AN = PMID,
ID = EndNote record number), Rayyan (AN "rayyan-…", ID = row number) and Web of Science's RIS
(AN "WOS:…"). Every dialect is read by the same tag table below; the differences are which tag a
value lives in, so each field lists its tags in order of preference.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from rispy import TYPE_OF_REFERENCE_MAPPING

from ..config import FileSource
from . import ParsedFile
from .tagged import TaggedRecord, find_doi, id_tag, join_pages, record_ids, scan, year_part
from .text import read_text

# Two spaces before the dash is the standard; one space ("TY - JOUR") is written by some tools.
_TAG_LINE = re.compile(r"^([A-Z][A-Z0-9]) {1,2}-(?: (.*))?$")
_TAG_SHAPE = re.compile(r"[A-Z][A-Z0-9]")

#: RIS reference types in the words the record table uses; other codes fall back to rispy's names.
DOC_TYPES: dict[str, str] = {
    "JOUR": "journal article", "EJOUR": "journal article", "JFULL": "journal article",
    "INPR": "journal article", "MGZN": "magazine article", "NEWS": "newspaper article",
    "CONF": "conference paper", "CPAPER": "conference paper", "ABST": "abstract",
    "BOOK": "book", "EBOOK": "book", "EDBOOK": "book", "CHAP": "book chapter", "ECHAP": "book chapter",
    "RPRT": "report", "GOVDOC": "report", "THES": "thesis", "ELEC": "web page", "BLOG": "web page",
    "ICOMM": "web page", "GEN": "generic", "UNPB": "unpublished work", "MANSCPT": "manuscript",
    "DATA": "dataset", "COMP": "software", "PAT": "patent", "STAND": "standard",
}
_BOOK_TYPES = {"BOOK", "EBOOK", "EDBOOK"}

#: M3 values that are document types (Scopus, Embase, EBSCO); M3 holds other things elsewhere
#: (a DOI, a medium), so only these override the TY-derived type.
M3_TYPES = frozenset({
    "article", "review", "conference paper", "conference abstract", "conference review", "book",
    "book chapter", "editorial", "letter", "note", "erratum", "short survey", "data paper",
    "article in press", "retracted", "journal article", "case report", "comment", "meeting abstract",
    "proceedings paper", "dissertation", "thesis", "report", "preprint",
})

_SCOPUS_EID = re.compile(r"[?&]eid=(2-s2\.0-\d+)")
_EMBASE_ID = re.compile(r"L\d+")
_URL = re.compile(r"(?:https?|ftp)://\S+|www\.\S+", re.IGNORECASE)


def read(path: Path, source: FileSource) -> ParsedFile:
    """Read a RIS file into raw field dicts; a record without ER is an InputError naming its line."""
    text, warnings = read_text(path, source.encoding)
    records, scan_warnings = scan(text, path, parse_line=parse_line, start="TY", end="ER")
    warnings = [*warnings, *scan_warnings]
    ids, id_warnings = record_ids(records, id_tag(source, records, _TAG_SHAPE, "RIS"), default_id)
    raw = []
    for record, own_id in zip(records, ids, strict=True):
        fields = to_fields(record)
        fields["_id"] = own_id
        raw.append(fields)
    return ParsedFile(records=raw, warnings=[*warnings, *id_warnings], found=len(records))


def parse_line(line: str) -> tuple[str, str] | None:
    """(tag, value) for a RIS tag line, None for a continuation or blank line."""
    match = _TAG_LINE.match(line)
    if not match:
        return None
    return match.group(1), (match.group(2) or "").strip()


def to_fields(record: TaggedRecord) -> dict[str, Any]:
    """Map one RIS record's tags to the record table's fields (values as written; no normalisation)."""
    ty = (record.first("TY") or "").upper()
    title_tags = ("TI", "T1", "BT", "CT", "ST") if ty in _BOOK_TYPES else ("TI", "T1", "CT", "ST")
    venue_tags = ("JF", "T2", "JO", "SO", "JA", "J1", "J2") if ty in _BOOK_TYPES else (
        "JF", "T2", "JO", "BT", "SO", "JA", "J1", "J2")
    return {
        "_where": record.where,
        "title": record.first(*title_tags),
        "abstract": record.first("AB", "N2"),
        # A2 (editors, or secondary authors) and A3/A4 are not the work's authors.
        "authors": _unique(record.items("AU", "A1")),
        "year": year_part(record.first("PY", "Y1", "DA")),
        "doi": record.first("DO") or find_doi(record.texts("M3", "UR", "L2", "N1")),
        "venue": record.first(*venue_tags),
        "volume": record.first("VL"),
        "issue": record.first("IS", "CP"),
        "pages": join_pages(record.first("SP"), record.first("EP")),
        "publisher": record.first("PB"),
        "doc_type": doc_type(ty, record.first("M3")),
        "language": record.first("LA"),
        # Each continuation line of a KW field is a keyword of its own (EndNote, Rayyan).
        "keywords": record.items("KW"),
        "url": _first_url(record),
        "affiliations": record.items("AD"),
    }


def doc_type(ty: str, m3: str | None) -> str | None:
    """The M3 document type when it is one (more specific), else the TY code in words."""
    if m3 and m3.strip().lower() in M3_TYPES:
        return m3.strip().lower()
    if not ty:
        return None
    if ty in DOC_TYPES:
        return DOC_TYPES[ty]
    return TYPE_OF_REFERENCE_MAPPING.get(ty, ty).lower()


def default_id(record: TaggedRecord) -> str | None:
    """The record's own id: the database accession number (AN), else the file's ID, else a
    Scopus EID or Embase id (from UR / U2), else none (make_records hashes the content)."""
    own = record.first("AN", "ID")
    if own:
        return own
    databases = " ".join(record.texts("DB")).lower()
    if "scopus" in databases:
        for url in record.texts("UR"):
            match = _SCOPUS_EID.search(url)
            if match:
                return match.group(1)
    if "embase" in databases:
        u2 = record.first("U2")
        if u2 and _EMBASE_ID.fullmatch(u2):
            return u2
    return None


def _first_url(record: TaggedRecord) -> str | None:
    # Some exports put several URLs on one UR line, separated by ";"; EndNote writes Web of Science
    # links as "<Go to ISI>://WOS:…", which is not a URL anyone can open.
    for value in record.texts("UR", "L2"):
        for part in value.split(";"):
            if _URL.match(part.strip()):
                return part.strip()
    return None


def _unique(items: list[str]) -> list[str]:
    return list(dict.fromkeys(items))
