"""CSV, TSV and XLSX exports: headers mapped to record fields (aliases in `columns.py`).

Every cell is read as text (no type guessing, no formula ever evaluated). The protocol's
`columns:` mapping wins over the aliases; `id_column` names the file's own id column. A table
without any title column cannot be imported: the error lists the headers found and the fix.
"""

from __future__ import annotations

import csv
import io
import re
import zipfile
from pathlib import Path
from typing import Any

import pandas as pd

from ..config import FileSource
from ..errors import InputError, did_you_mean
from ..records import BIB_FIELDS
from . import ParsedFile
from .columns import ALIASES, ID_ALIASES, KEYWORD_EXTRA, PAGE_PAIRS, WOS_TAGS, header_key
from .text import read_text

# Embase CSV "Source": "Endoscopic Ultrasound (2014) 3:3 (152-160). Date of Publication: 2014".
_EMBASE_SOURCE = re.compile(r"^(?P<venue>.+?) \((?P<year>\d{4})\)(?: (?P<volume>[^:\s(]+)(?::(?P<issue>[^\s(]+))?)?"
                            r"(?: \((?P<pages>[^)]*)\))?")
# "Liu R., Adler D.G." — authors as "Family Initials." separated by commas (Embase, Scopus).
_INITIALS_LIST = re.compile(r"^[^,;]+? (?:[A-Z][a-z]?\.[ -]?)+(?:, [^,;]+? (?:[A-Z][a-z]?\.[ -]?)+)+$")


def read(path: Path, source: FileSource) -> ParsedFile:
    """Read a CSV/TSV/XLSX export into raw records."""
    fmt = source.resolved_format()
    warnings: list[str] = []
    if fmt == "xlsx":
        table = _read_xlsx(path, source)
        where = "row"
    else:
        text, warnings = read_text(path, source.encoding)
        table = _read_delimited(text, path, "\t" if fmt == "tsv" else None)
        where = "line"
    table = table.dropna(how="all")
    mapping = _map_columns(list(table.columns), source, path)
    records = []
    for index, row in table.iterrows():
        raw = _record(row, mapping)
        raw["_where"] = f"{where} {int(index) + 2}"  # header is row/line 1
        records.append(raw)
    return ParsedFile(records=records, warnings=warnings, found=len(records))


def _read_delimited(text: str, path: Path, sep: str | None) -> pd.DataFrame:
    if sep is None:
        sample = text[:20_000]
        try:
            sep = csv.Sniffer().sniff(sample, delimiters=",;\t|").delimiter
        except csv.Error:
            sep = ","
    try:
        return pd.read_csv(io.StringIO(text), sep=sep, dtype=str, keep_default_na=False, na_values=[""],
                           engine="python" if sep not in (",", "\t") else "c", index_col=False)
    except pd.errors.ParserError as exc:
        raise InputError(f"{path}: cannot be read as a table ({exc})",
                         hint="check that every row has as many fields as the header, or export again") from None
    except pd.errors.EmptyDataError:
        raise InputError(f"{path}: no header row found", hint="export the file again with column headers") from None


def _read_xlsx(path: Path, source: FileSource) -> pd.DataFrame:
    if not zipfile.is_zipfile(path):
        raise InputError(f"{path}: not a readable Excel workbook (.xlsx is a zip file; this one is broken or "
                         "is another format renamed)", hint="open it in Excel and save it as .xlsx, or export it "
                                                            "as CSV and set format: csv")
    try:
        sheets = pd.read_excel(path, sheet_name=None, dtype=str, engine="openpyxl", header=0)
    except Exception as exc:  # openpyxl raises many types for damaged workbooks
        raise InputError(f"{path}: the workbook cannot be read ({type(exc).__name__}: {exc})",
                         hint="open it in Excel and save it again as .xlsx, or export it as CSV") from None
    if not sheets:
        raise InputError(f"{path}: the workbook has no sheets")
    name = source.sheet or next(iter(sheets))
    if name not in sheets:
        raise InputError(f'{path}: no sheet "{name}"{did_you_mean(name, list(sheets))}',
                         hint=f"sheets are: {', '.join(sheets)}; fix sheet: in the source")
    return sheets[name]


def _map_columns(headers: list[str], source: FileSource, path: Path) -> dict[str, Any]:
    """field → header (plus the id, extra keyword and page-pair headers found)."""
    keys = {header_key(h): h for h in reversed(headers)}  # first spelling wins on clashes
    wos = WOS_TAGS <= set(keys)
    mapping: dict[str, Any] = {}
    for our, theirs in source.columns.items():
        if our not in BIB_FIELDS:
            raise InputError(f'{source.name}: columns.{our} is not a record field{did_you_mean(our, BIB_FIELDS)}',
                             hint=f"fields are: {', '.join(BIB_FIELDS)}")
        if header_key(theirs) not in keys:
            raise InputError(f'{source.name}: columns.{our} names "{theirs}", which is not a header of {path.name}'
                             f"{did_you_mean(theirs, headers)}", hint=f"headers are: {', '.join(map(str, headers))}")
        mapping[our] = keys[header_key(theirs)]
    for field, aliases in ALIASES.items():
        if field in mapping:
            continue
        if wos and field == "keywords":
            aliases = ("DE",)
        for alias in aliases:
            if header_key(alias) in keys:
                mapping[field] = keys[header_key(alias)]
                break
    if "title" not in mapping:
        raise InputError(f"{path}: no title column (headers: {', '.join(map(str, headers)) or 'none'})",
                         hint='add columns: {title: "<the header of the title column>"} to the source in the protocol')
    extra = ["ID"] if wos else []
    mapping["_keywords_extra"] = [keys[header_key(h)] for h in (*KEYWORD_EXTRA, *extra)
                                  if header_key(h) in keys and keys[header_key(h)] != mapping.get("keywords")]
    mapping["_pages"] = next(((keys[header_key(a)], keys[header_key(b)]) for a, b in PAGE_PAIRS
                              if header_key(a) in keys), None)
    if source.id_column:
        if header_key(source.id_column) not in keys:
            raise InputError(f'{source.name}: id_column "{source.id_column}" is not a header of {path.name}'
                             f"{did_you_mean(source.id_column, headers)}",
                             hint=f"headers are: {', '.join(map(str, headers))}")
        mapping["_id"] = keys[header_key(source.id_column)]
    else:
        id_aliases = ("UT", *ID_ALIASES) if wos else ID_ALIASES
        mapping["_id"] = next((keys[header_key(a)] for a in id_aliases
                               if header_key(a) in keys and not (wos and a == "ID")), None)
    return mapping


def _cell(row: pd.Series, header: str | None) -> str | None:
    if header is None:
        return None
    value = row.get(header)
    if value is None or (isinstance(value, float) and value != value):
        return None
    text = str(value).strip()
    return text or None


def _record(row: pd.Series, mapping: dict[str, Any]) -> dict[str, Any]:
    raw: dict[str, Any] = {field: _cell(row, mapping.get(field)) for field in BIB_FIELDS}
    raw["_id"] = _cell(row, mapping.get("_id"))
    cells = [raw["keywords"], *(_cell(row, h) for h in mapping["_keywords_extra"])]
    keywords = [k for cell in cells if cell for k in split_keywords(cell)]
    raw["keywords"] = list(dict.fromkeys(keywords)) or None
    if mapping["_pages"] and not raw["pages"]:
        first, last = (_cell(row, h) for h in mapping["_pages"])
        raw["pages"] = f"{first}-{last}" if first and last else first
    if raw["authors"]:
        raw["authors"] = split_authors(raw["authors"])
    _embase_source(raw)
    return raw


def split_keywords(text: str) -> list[str]:
    """Keywords from one cell: `;`-separated, else commas outside parentheses (Embase's
    "cyst (diagnosis, surgery), colonoscopy" is two keywords)."""
    if ";" in text:
        return [p.strip() for p in text.split(";") if p.strip()]
    parts, depth, current = [], 0, []
    for char in text:
        depth += (char == "(") - (char == ")")
        if char == "," and depth <= 0:
            parts.append("".join(current).strip())
            current = []
        else:
            current.append(char)
    parts.append("".join(current).strip())
    return [p for p in parts if p]


def split_authors(text: str) -> list[str]:
    """Authors from one cell: `;`-separated, BibTeX " and ", or Embase's "Liu R., Adler D.G."."""
    if ";" in text:
        parts = text.split(";")
    elif " and " in text:
        parts = text.split(" and ")
    elif _INITIALS_LIST.match(text):
        parts = text.split(", ")
    else:
        parts = [text]
    return [p.strip() for p in parts if p.strip()]


def _embase_source(raw: dict[str, Any]) -> None:
    """Embase puts venue, year, volume, issue and pages in one "Source" cell; split it."""
    venue = raw.get("venue")
    if not venue or "(" not in venue:
        return
    match = _EMBASE_SOURCE.match(venue)
    if not match or "Date of Publication" not in venue and not match.group("pages"):
        return
    raw["venue"] = match.group("venue").strip()
    for field in ("year", "volume", "issue", "pages"):
        if not raw.get(field) and match.group(field):
            raw[field] = match.group(field)
