"""The included works for reference managers and peers: RIS (rispy), BibTeX (bibtexparser), CSL JSON."""

from __future__ import annotations

import json
import re
from typing import Any

import bibtexparser
import pandas as pd
import rispy
from bibtexparser.model import Entry, Field

from ..records import split_list

_RIS_TYPES = {"journal article": "JOUR", "conference paper": "CONF", "book": "BOOK", "book chapter": "CHAP",
              "report": "RPRT", "thesis": "THES", "web page": "ELEC", "policy": "GOVDOC"}
_BIB_TYPES = {"journal article": "article", "conference paper": "inproceedings", "book": "book",
              "book chapter": "incollection", "report": "techreport", "thesis": "phdthesis"}
_CSL_TYPES = {"journal article": "article-journal", "conference paper": "paper-conference", "book": "book",
              "book chapter": "chapter", "report": "report", "thesis": "thesis", "web page": "webpage"}


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None


def to_ris(works: pd.DataFrame) -> str:
    entries = []
    for row in works.to_dict("records"):
        entry = {"type_of_reference": _RIS_TYPES.get(str(row.get("doc_type")).lower(), "GEN"),
                 "title": row["title"], "id": row["work_id"]}
        for key, field in (("authors", "authors"), ("keywords", "keywords")):
            if split_list(row.get(field)):
                entry[key] = split_list(row.get(field))
        for key, field in (("year", "year"), ("doi", "doi"), ("secondary_title", "venue"), ("volume", "volume"),
                           ("number", "issue"), ("abstract", "abstract"), ("url", "url"), ("publisher", "publisher")):
            value = row.get(field)
            if value is not None and not (isinstance(value, float) and value != value) and str(value) != "<NA>":
                entry[key] = str(value)
        if _text(row.get("pages")) and "-" in row["pages"]:
            entry["start_page"], entry["end_page"] = row["pages"].split("-", 1)
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


def to_bibtex(works: pd.DataFrame) -> str:
    library = bibtexparser.Library()
    used: set[str] = set()
    for row in works.to_dict("records"):
        fields = [Field("title", row["title"]), Field("note", f"slr work {row['work_id']}")]
        if split_list(row.get("authors")):
            fields.append(Field("author", " and ".join(split_list(row["authors"]))))
        for key, field in (("year", "year"), ("doi", "doi"), ("journal", "venue"), ("volume", "volume"),
                           ("number", "issue"), ("pages", "pages"), ("url", "url"), ("publisher", "publisher")):
            value = row.get(field)
            if value is not None and not (isinstance(value, float) and value != value) and str(value) != "<NA>":
                fields.append(Field(key, str(value)))
        library.add(Entry(_BIB_TYPES.get(str(row.get("doc_type")).lower(), "misc"), _key(row, used), fields))
    return bibtexparser.write_string(library)


def to_csl_json(works: pd.DataFrame) -> str:
    items = []
    for row in works.to_dict("records"):
        item: dict[str, Any] = {"id": row["work_id"], "type": _CSL_TYPES.get(str(row.get("doc_type")).lower(), "document"),
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
