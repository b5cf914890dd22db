"""PubMed's MEDLINE format ("Save → Format: PubMed", the .nbib files citation managers take).

Each line starts with a tag of up to four letters padded to four characters and "- " ("PMID- ",
"TI  - ", "FAU - "); continuation lines are indented by six spaces and continue the value above.
Records start at PMID and are separated by blank lines; there is no end tag. Repeated tags (FAU,
AD, MH, OT, PT, AID) are one item per occurrence; wrapped lines are joined.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from ..config import FileSource
from . import ParsedFile
from .tagged import TaggedRecord, find_doi, id_tag, record_ids, scan, year_part
from .text import read_text

_TAG_LINE = re.compile(r"^([A-Z][A-Z0-9]{1,3}) *-(?: (.*))?$")
_TAG_SHAPE = re.compile(r"[A-Z][A-Z0-9]{1,3}")
_DOI_ID = re.compile(r"^(.*\S)\s*\[doi\]$")

#: Publication types that say more about a record than "Journal Article" does (PubMed lists
#: several per record, in no particular order); the first of these found is the record's type.
SPECIFIC_TYPES = (
    "Systematic Review", "Meta-Analysis", "Review", "Randomized Controlled Trial", "Clinical Trial",
    "Observational Study", "Case Reports", "Practice Guideline", "Guideline", "Letter", "Editorial",
    "Comment", "News", "Published Erratum", "Retraction of Publication", "Preprint",
)


def read(path: Path, source: FileSource) -> ParsedFile:
    """Read a MEDLINE/.nbib file; `_id` is the PMID."""
    text, warnings = read_text(path, source.encoding)
    records, scan_warnings = scan(text, path, parse_line=parse_line, start="PMID", end=None)
    tag = id_tag(source, records, _TAG_SHAPE, "MEDLINE")
    ids, id_warnings = record_ids(records, tag, lambda r: r.first("PMID"))
    raw = []
    for record, own_id in zip(records, ids, strict=True):
        fields = to_fields(record)
        fields["_id"] = own_id
        raw.append(fields)
    return ParsedFile(records=raw, warnings=[*warnings, *scan_warnings, *id_warnings], found=len(records))


def parse_line(line: str) -> tuple[str, str] | None:
    """(tag, value) for a MEDLINE tag line: the dash sits in column 5 ("PMID-", "TI  -")."""
    match = _TAG_LINE.match(line)
    if not match or line[4:5] != "-":
        return None
    return match.group(1), (match.group(2) or "").strip()


def to_fields(record: TaggedRecord) -> dict[str, Any]:
    """Map one MEDLINE record's tags to the record table's fields."""
    return {
        "_where": record.where,
        # Books and chapters in PubMed (Bookshelf) carry BTI for the book title.
        "title": record.first("TI", "BTI"),
        "abstract": record.first("AB"),
        # FAU is "Griffin, Darren K"; AU is the short "Griffin DK", used when FAU is missing.
        "authors": record.texts("FAU") or record.texts("AU"),
        "year": year_part(record.first("DP")),
        "doi": _doi(record),
        "venue": record.first("JT", "TA"),
        "volume": record.first("VI"),
        "issue": record.first("IP"),
        "pages": record.first("PG"),
        "publisher": record.first("PB"),
        "doc_type": _doc_type(record.texts("PT")),
        "language": record.first("LA"),
        # Author keywords (OT) first, then MeSH headings as written ("*Genome", "Birds/genetics").
        "keywords": record.texts("OT", "MH"),
        "url": None,
        "affiliations": record.texts("AD"),
    }


def _doi(record: TaggedRecord) -> str | None:
    for value in record.texts("LID", "AID"):
        match = _DOI_ID.match(value)
        if match:
            return match.group(1)
    return find_doi(record.texts("SO"))


def _doc_type(types: list[str]) -> str | None:
    for wanted in SPECIFIC_TYPES:
        for value in types:
            if value.lower() == wanted.lower():
                return wanted.lower()
    general = [t for t in types if not t.lower().startswith("research support")]
    return general[0].lower() if general else None
