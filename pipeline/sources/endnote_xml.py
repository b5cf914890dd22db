"""EndNote XML exports (File → Export → XML in EndNote; also written by other managers).

Parsed with defusedxml (no DTDs, no external entities) and streamed record by record, so a
100 MB library never sits in memory as one tree. EndNote wraps text in `<style>` elements, often
several per field, so every field is the joined text of its element.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any
from xml.etree.ElementTree import Element, ParseError

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import iterparse

from ..config import FileSource
from ..errors import InputError
from . import ParsedFile

#: EndNote reference type names → the record table's document types.
DOC_TYPES: dict[str, str] = {
    "journal article": "journal article", "electronic article": "journal article",
    "magazine article": "magazine article", "newspaper article": "newspaper article",
    "conference proceedings": "conference paper", "conference paper": "conference paper",
    "book": "book", "edited book": "book", "electronic book": "book",
    "book section": "book chapter", "electronic book section": "book chapter",
    "report": "report", "government document": "report", "thesis": "thesis",
    "web page": "web page", "blog": "web page", "generic": "generic", "manuscript": "manuscript",
    "unpublished work": "unpublished work", "dataset": "dataset", "computer program": "software",
    "patent": "patent", "standard": "standard", "legal rule or regulation": "policy",
}


def _text(element: Element | None) -> str | None:
    if element is None:
        return None
    text = " ".join("".join(element.itertext()).split())
    return text or None


def _all(record: Element, path: str) -> list[str]:
    return [t for t in (_text(e) for e in record.findall(path)) if t]


def _record(record: Element, number: int) -> dict[str, Any]:
    ref_type = record.find("ref-type")
    type_name = (ref_type.get("name") or "").strip() if ref_type is not None else ""
    pages = _text(record.find("pages"))
    venue = (_text(record.find("titles/secondary-title")) or _text(record.find("periodical/full-title"))
             or _text(record.find("periodical/abbr-1")))
    # A <url> may hold several links separated by spaces or line breaks: the first is kept.
    urls = [u.split()[0] for u in _all(record, "urls/related-urls/url") or _all(record, "urls/web-urls/url")]
    return {
        "_id": _text(record.find("rec-number")),
        "_where": f"record {number}",
        "title": _text(record.find("titles/title")),
        "abstract": _text(record.find("abstract")),
        "authors": _all(record, "contributors/authors/author"),
        "year": _text(record.find("dates/year")) or _text(record.find("dates/pub-dates/date")),
        "doi": _text(record.find("electronic-resource-num")),
        "venue": venue,
        "volume": _text(record.find("volume")),
        "issue": _text(record.find("number")),
        "pages": pages,
        "publisher": _text(record.find("publisher")),
        "doc_type": DOC_TYPES.get(type_name.lower(), type_name.lower() or None),
        "language": _text(record.find("language")),
        "keywords": _all(record, "keywords/keyword"),
        "url": urls[0] if urls else None,
        "affiliations": _all(record, "auth-address"),
    }


def read(path: Path, source: FileSource) -> ParsedFile:
    """Read every `<record>` of an EndNote XML file."""
    records: list[dict[str, Any]] = []
    try:
        with open(path, "rb") as handle:
            for _event, element in iterparse(handle, events=("end",), forbid_dtd=True):
                if element.tag == "record":
                    records.append(_record(element, len(records) + 1))
                    element.clear()  # free the record once read
    except DefusedXmlException as exc:
        raise InputError(f"{path}: refused to parse ({type(exc).__name__}): the file declares a DTD or entities",
                         hint="export the library again from EndNote as XML") from None
    except ParseError as exc:
        line, column = exc.position
        raise InputError(f"{path}: not well-formed XML at line {line}, column {column} "
                         f"(after {len(records)} complete records)",
                         hint="the export may be cut short; export it again from EndNote (File → Export → XML)") from None
    return ParsedFile(records=records, found=len(records))
