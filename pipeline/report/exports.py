"""The included works for reference managers and peers: RIS (rispy), BibTeX (bibtexparser), CSL JSON."""

from __future__ import annotations

import json
import re
from typing import Any

import bibtexparser
from bibtexparser import middlewares
import pandas as pd
import rispy
from bibtexparser.model import Entry, Field

from ..records import split_list

#: Our doc_type values (RIS M3 types, the Observatory's categories, …) → a kind of work.
_KINDS = {
    "journal": ("article", "review", "journal article", "journal article or commentary", "short survey", "editorial",
                "letter", "note", "article in press", "comment", "erratum", "data paper", "case report"),
    "conference": ("conference paper", "proceedings paper", "conference abstract", "meeting abstract",
                   "conference review"),
    "book": ("book",), "chapter": ("book chapter",), "report": ("report",), "thesis": ("thesis", "dissertation"),
    "web page": ("web page", "webpage"), "policy": ("policy initiative", "policy"), "preprint": ("preprint",),
}
_KIND = {doc_type: kind for kind, names in _KINDS.items() for doc_type in names}
_RIS_TYPES = {"journal": "JOUR", "conference": "CONF", "book": "BOOK", "chapter": "CHAP", "report": "RPRT",
              "thesis": "THES", "web page": "ELEC", "policy": "GOVDOC", "preprint": "UNPB"}
_BIB_TYPES = {"journal": "article", "conference": "inproceedings", "book": "book", "chapter": "incollection",
              "report": "techreport", "thesis": "phdthesis", "policy": "techreport"}
_CSL_TYPES = {"journal": "article-journal", "conference": "paper-conference", "book": "book", "chapter": "chapter",
              "report": "report", "thesis": "thesis", "web page": "webpage", "policy": "report", "preprint": "article"}


def _kind(row: dict[str, Any]) -> str | None:
    return _KIND.get(str(row.get("doc_type")).strip().lower())


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None


def to_ris(works: pd.DataFrame) -> str:
    entries = []
    for row in works.to_dict("records"):
        entry = {"type_of_reference": _RIS_TYPES.get(_kind(row) or "", "GEN"), "title": row["title"],
                 "id": row["work_id"]}
        if _text(row.get("doc_type")):
            entry["type_of_work"] = row["doc_type"]  # M3, as Scopus writes it: keeps "review", "report", …
        for key, field in (("authors", "authors"), ("keywords", "keywords")):
            if split_list(row.get(field)):
                entry[key] = split_list(row.get(field))
        for key, field in (("year", "year"), ("doi", "doi"), ("secondary_title", "venue"), ("volume", "volume"),
                           ("number", "issue"), ("abstract", "abstract"), ("publisher", "publisher")):
            value = row.get(field)
            if value is not None and not (isinstance(value, float) and value != value) and str(value) != "<NA>":
                entry[key] = str(value)
        if _text(row.get("url")):
            entry["urls"] = [row["url"]]
        if _text(row.get("pages")):
            start, _, end = row["pages"].partition("-")
            entry["start_page"] = start
            if end:
                entry["end_page"] = end
        entries.append(entry)
    return rispy.dumps(entries)


def _key(row: dict[str, Any], used: set[str]) -> str:
    first = split_list(row.get("authors"))
    name = re.sub(r"[^A-Za-z]", "", first[0].split(",")[0]) if first else "anon"
    year = str(row.get("year")) if pd.notna(row.get("year")) else "nd"
    base = f"{name.lower() or 'anon'}{year}"
    key, n = base, 1
    while key in used:
        n += 1
        key = f"{base}{chr(96 + n)}" if n < 27 else f"{base}-{n}"
    used.add(key)
    return key


_VENUE_FIELD = {"article": "journal", "inproceedings": "booktitle", "incollection": "booktitle",
                "techreport": "institution", "phdthesis": "school"}
_RAW_FIELDS = ("doi", "url")  # BibTeX keeps these verbatim; LaTeX-escaping them would break the links


def to_bibtex(works: pd.DataFrame) -> str:
    """BibTeX with LaTeX-escaped text (`&` → `\\&`, `–` → `{\\textendash}`), DOIs and URLs verbatim."""
    library = bibtexparser.Library()
    raw: dict[str, list[Field]] = {}
    used: set[str] = set()
    for row in works.to_dict("records"):
        entry_type = _BIB_TYPES.get(_kind(row) or "", "misc")
        fields = [Field("title", row["title"]), Field("note", f"slr work {row['work_id']}")]
        if split_list(row.get("authors")):
            fields.append(Field("author", " and ".join(split_list(row["authors"]))))
        for key, field in (("year", "year"), (_VENUE_FIELD.get(entry_type, "howpublished"), "venue"),
                           ("volume", "volume"), ("number", "issue"), ("pages", "pages"), ("publisher", "publisher")):
            value = row.get(field)
            if value is not None and not (isinstance(value, float) and value != value) and str(value) != "<NA>":
                fields.append(Field(key, str(value)))
        key = _key(row, used)
        raw[key] = [Field(name, row[name]) for name in _RAW_FIELDS if _text(row.get(name))]
        library.add(Entry(entry_type, key, fields))
    library = middlewares.LatexEncodingMiddleware(keep_math=False, enclose_urls=False).transform(library)
    for entry in library.entries:
        for field in raw[entry.key]:
            entry.set_field(field)
    return bibtexparser.write_string(library)


def to_csl_json(works: pd.DataFrame) -> str:
    items = []
    for row in works.to_dict("records"):
        item: dict[str, Any] = {"id": row["work_id"], "type": _CSL_TYPES.get(_kind(row) or "", "document"),
                                "title": row["title"]}
        authors = []
        for name in split_list(row.get("authors")):
            family, _, given = name.partition(",")
            authors.append({"family": family.strip(), "given": given.strip()} if given else {"literal": name})
        if authors:
            item["author"] = authors
        if pd.notna(row.get("year")):
            item["issued"] = {"date-parts": [[int(row["year"])]]}
        for key, field in (("DOI", "doi"), ("container-title", "venue"), ("URL", "url"), ("volume", "volume"),
                           ("page", "pages"), ("publisher", "publisher")):
            if _text(row.get(field)):
                item[key] = row[field]
        items.append(item)
    return json.dumps(items, indent=2, ensure_ascii=False) + "\n"
