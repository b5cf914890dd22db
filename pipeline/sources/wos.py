"""Web of Science tagged text ("Plain text file" / "Other file formats → Plain text" exports).

A file starts with `FN` and `VR`, each record runs from `PT` to `ER`, and `EF` ends the file. A tag
is two characters and a space; continuation lines are indented by three spaces. In AU, AF and C1
every line is one item (an author, an address); in TI, SO, DE and ID a long value is wrapped, so
its lines are joined (DE/ID are `;`-separated lists whose wrap can fall anywhere).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from ..config import FileSource
from . import ParsedFile
from .tagged import TaggedRecord, id_tag, join_pages, record_ids, scan
from .text import read_text

_TAG_LINE = re.compile(r"^([A-Z][A-Z0-9])(?: (.*))?$")
_TAG_SHAPE = re.compile(r"[A-Z][A-Z0-9]")
#: The bracketed author names that newer exports put before each C1 address ("[Kim, S; Lee, J] Univ …").
_C1_AUTHORS = re.compile(r"^\[[^\]]*\]\s*")

#: PT (publication type) codes, used when a record has no DT (document type).
PUBLICATION_TYPES = {"J": "journal article", "B": "book", "S": "book in series", "P": "patent",
                     "C": "conference paper"}


def read(path: Path, source: FileSource) -> ParsedFile:
    """Read a WoS tagged export; `_id` is the accession number (UT, "WOS:…")."""
    text, warnings = read_text(path, source.encoding)
    records, scan_warnings = scan(text, path, parse_line=parse_line, start="PT", end="ER",
                                  outside=("FN", "VR", "EF"))
    tag = id_tag(source, records, _TAG_SHAPE, "Web of Science")
    ids, id_warnings = record_ids(records, tag, lambda r: r.first("UT"))
    raw = []
    for record, own_id in zip(records, ids, strict=True):
        fields = to_fields(record)
        fields["_id"] = own_id
        raw.append(fields)
    return ParsedFile(records=raw, warnings=[*warnings, *scan_warnings, *id_warnings], found=len(records))


def parse_line(line: str) -> tuple[str, str] | None:
    """(tag, value) for a WoS tag line; continuation lines start with spaces and give None."""
    match = _TAG_LINE.match(line)
    if not match:
        return None
    return match.group(1), (match.group(2) or "").strip()


def to_fields(record: TaggedRecord) -> dict[str, Any]:
    """Map one WoS record's tags to the record table's fields."""
    return {
        "_where": record.where,
        "title": record.first("TI"),
        "abstract": record.first("AB"),
        # AF holds full names ("Roach, Mack, III"); AU the short form, used when AF is missing.
        "authors": record.items("AF") or record.items("AU"),
        "year": record.first("PY", "EY"),
        "doi": record.first("DI"),
        "venue": record.first("SO"),
        "volume": record.first("VL"),
        "issue": record.first("IS"),
        # Online-only journals give an article number (AR) instead of pages.
        "pages": join_pages(record.first("BP"), record.first("EP")) or record.first("AR"),
        "publisher": record.first("PU"),
        "doc_type": _doc_type(record),
        "language": record.first("LA"),
        # Author keywords first, then Web of Science's own KeyWords Plus.
        "keywords": [k.strip() for text in record.texts("DE", "ID") for k in text.split(";") if k.strip()],
        "url": None,
        "affiliations": [_C1_AUTHORS.sub("", line) for line in record.items("C1")],
    }


def _doc_type(record: TaggedRecord) -> str | None:
    dt = record.first("DT")
    if dt:
        return dt.lower()
    pt = (record.first("PT") or "").upper()
    return PUBLICATION_TYPES.get(pt, pt.lower() or None)
