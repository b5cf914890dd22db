"""CSV, TSV and XLSX exports: headers mapped to record fields (aliases in `columns.py`).

Every cell is read as text: no type guessing, no formula ever evaluated (workbooks are read
through `pipeline.sheets`). The protocol's `columns:` mapping wins over the aliases; `id_column`
names the file's own id column. A table without any title column cannot be imported: the error
lists the headers found and the fix. Warnings name the line of a CSV/TSV (a quoted cell may span
lines) or the row of a workbook, as a spreadsheet shows it.
"""

from __future__ import annotations

import csv
import io
import re
import zipfile
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from ..config import FileSource
from ..errors import InputError, PipelineError, did_you_mean
from ..records import BIB_FIELDS
from . import ParsedFile
from .columns import ALIASES, ID_ALIASES, ITEM_TYPES, KEYWORD_EXTRA, PAGE_PAIRS, WOS_ONLY, WOS_TAGS, header_key
from .text import read_text

# Embase CSV "Source": "Endoscopic Ultrasound (2014) 3:3 (152-160). Date of Publication: 2014".
_EMBASE_SOURCE = re.compile(r"^(?P<venue>.+?) \((?P<year>\d{4})\)(?: (?P<volume>[^:\s(]+)(?::(?P<issue>[^\s(]+))?)?"
                            r"(?: \((?P<pages>[^)]*)\))?")
# "Liu R., Adler D.G." — authors as "Family Initials." separated by commas (Embase, Scopus).
_INITIALS_LIST = re.compile(r"^[^,;]+? (?:[A-Z][a-z]?\.[ -]?)+(?:, [^,;]+? (?:[A-Z][a-z]?\.[ -]?)+)+$")
_DELIMITERS = (",", ";", "\t", "|")

Row = tuple[int, list[str | None]]


def read(path: Path, source: FileSource) -> ParsedFile:
    """Read a CSV/TSV/XLSX export into raw records."""
    fmt = source.resolved_format()
    notes: list[str] = []
    if fmt == "xlsx":
        (header, rows), unit = _xlsx_rows(path, source), "row"
    else:
        text, notes = read_text(path, source.encoding)
        (header, rows), unit = _delimited_rows(text, path, "\t" if fmt == "tsv" else None), "line"
    if header is None:
        raise InputError(f"{path}: no header row found", hint="export the file again with column headers")
    headers = _unique(header[1])
    mapping = map_columns(headers, source, path)
    records = []
    for number, values in rows:
        if len(values) > len(headers) and any(v for v in values[len(headers):]):
            raise InputError(f"{path}, {unit} {number}: {len(values)} fields, but the header ({unit} {header[0]}) "
                             f"names {len(headers)}",
                             hint="a value probably holds an unquoted delimiter; quote it, or export the file again")
        raw = _record(dict(zip(headers, values)), mapping)
        raw["_where"] = f"{unit} {number}"
        records.append(raw)
    return ParsedFile(records=records, warnings=notes, found=len(records))


def _delimited_rows(text: str, path: Path, sep: str | None) -> tuple[Row | None, list[Row]]:
    """(header, rows) of a CSV/TSV, each with the line it starts on; blank rows skipped."""
    first_line = next((line for line in text.splitlines() if line.strip()), "")
    if sep is None:
        # The header line decides: exports quote values, rarely headers, so counting is reliable.
        sep = max(_DELIMITERS, key=first_line.count) if any(d in first_line for d in _DELIMITERS) else ","
    csv.field_size_limit(max(csv.field_size_limit(), 1 << 30))  # Scopus "References" cells are huge
    # Lines are counted at "\n" as grep and editors count them: EndNote puts lone "\r" inside cells.
    # A file with no "\n" at all uses "\r" alone (Excel for Mac's "CSV (Macintosh)").
    reader = csv.reader(io.StringIO(text, newline="\n" if "\n" in text else ""), delimiter=sep)
    rows: list[Row] = []
    start = 1
    try:
        for values in reader:
            if any(v.strip() for v in values):
                rows.append((start, [v.strip() or None for v in values]))
            start = reader.line_num + 1
    except csv.Error as exc:
        raise InputError(f"{path}, line {reader.line_num}: cannot be read as a table ({exc})",
                         hint="export the file again; if it was edited by hand, check the quotes on that line") from None
    if rows:
        _check_closed(text, rows[-1][0], reader.line_num, path, sep)
    return (rows[0] if rows else None), rows[1:]


def _check_closed(text: str, start: int, end: int, path: Path, sep: str) -> None:
    """Refuse a table whose last record opens a quote it never closes.

    Python's csv reader then takes every following line, up to the end of the file, as one cell,
    and the rows in it are lost without a word (on the last line, the cells after the quote).
    Only the last record can end so; it is parsed again strictly, which says "unexpected end of
    data" when the quote is still open."""
    newline = "\n" if "\n" in text else "\r"
    offset = 0
    for _ in range(start - 1):
        offset = text.index(newline, offset) + 1
    try:
        for _ in csv.reader(io.StringIO(text[offset:], newline="\n" if newline == "\n" else ""),
                            delimiter=sep, strict=True):
            pass
    except csv.Error as exc:
        if "unexpected end of data" in str(exc):
            after = f"the {end - start} line(s) after it" if end > start else "the rest of the line"
            raise InputError(f"{path}, line {start}: a quote (\") opened on this line is never closed, so "
                             f"{after} would be read as one cell",
                             hint="close the quote on that line (or double a quote inside a quoted cell: \"\"), "
                                  "or export the file again") from None


def _xlsx_rows(path: Path, source: FileSource) -> tuple[Row | None, list[Row]]:
    """(header, rows) of the chosen sheet (`sheet:`, else the first), each with its Excel row."""
    from .. import sheets  # the shared workbook reader; imported here to keep CSV imports light

    if not zipfile.is_zipfile(path):
        raise InputError(f"{path}: not a readable Excel workbook (.xlsx is a zip file; this one is broken or "
                         "is another format renamed)",
                         hint="export it again from the database, or open it in Excel and save it as .xlsx "
                              "(or export it as CSV and set format: csv)")
    try:
        book = sheets.open_workbook(path)
        names = list(book.sheetnames)
        if not names:
            raise InputError(f"{path}: the workbook has no sheets", hint="export it again from the database")
        name = source.sheet or names[0]
        if name not in names:
            raise InputError(f'{path}: no sheet "{name}"{did_you_mean(name, names)}',
                             hint=f"sheets are: {', '.join(names)}; fix sheet: in the source")
        table = sheets.read_sheet(path, name, book=book, formulas="keep")  # an export: a formula is its text
    except InputError:
        raise
    except PipelineError as exc:  # the sheet reader's WorkbookError (damaged XML, a header twice) says what to do
        raise InputError(exc.message, hint=exc.hint) from None
    except Exception as exc:  # zip and XML libraries raise many types for damaged workbooks
        raise InputError(f"{path}: the workbook cannot be read ({type(exc).__name__}: {exc})",
                         hint="export it again from the database, or open it in Excel and save it as .xlsx") from None
    header = [str(c) for c in table.columns if c != "_row"]
    rows = [(int(row["_row"]), [_text(row[c]) for c in header]) for _, row in table.iterrows()]
    return (1, header), rows


def _text(value: Any) -> str | None:
    """A workbook cell as text: 2014.0 → "2014", a date → "2014-05-01", empty → None."""
    if value is None or (isinstance(value, float) and value != value):
        return None
    if isinstance(value, bool):
        return str(value).upper()
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if hasattr(value, "isoformat"):
        text = value.isoformat()
        return text[:10] if text.endswith("T00:00:00") else text
    return str(value).strip() or None


def _unique(header: list[str | None]) -> list[str]:
    """Header names, empty ones named by position and repeats numbered, so every column has a key."""
    names: list[str] = []
    for index, name in enumerate(header):
        name = name or f"(column {index + 1})"
        candidate, n = name, 1
        while candidate in names:
            n += 1
            candidate = f"{name} ({n})"
        names.append(candidate)
    return names


def map_columns(headers: list[str], source: FileSource, path: Path) -> dict[str, Any]:
    """field → header (plus the id, extra keyword and page-pair headers found)."""
    keys: dict[str, str] = {}
    for header in headers:
        keys.setdefault(header_key(header), header)  # first spelling wins on clashes
    wos = WOS_TAGS <= set(keys)
    mapping: dict[str, Any] = {}
    for our, theirs in source.columns.items():
        if our not in BIB_FIELDS:
            raise InputError(f'{source.name}: columns.{our} is not a record field{did_you_mean(our, BIB_FIELDS)}',
                             hint=f"fields are: {', '.join(BIB_FIELDS)}")
        if header_key(theirs) not in keys:
            raise InputError(f'{source.name}: columns.{our} names "{theirs}", which is not a header of {path.name}'
                             f"{did_you_mean(theirs, headers)}", hint=f"headers are: {', '.join(headers)}")
        mapping[our] = keys[header_key(theirs)]
    for field, aliases in ALIASES.items():
        if field in mapping:
            continue
        if wos and field in WOS_ONLY:
            aliases = WOS_ONLY[field]
        mapping[field] = next((keys[header_key(a)] for a in aliases if header_key(a) in keys), None)
    if mapping["title"] is None:
        raise InputError(f"{path}: no title column (headers: {', '.join(headers) or 'none'})",
                         hint='add columns: {title: "<the header of the title column>"} to the source in the protocol')
    extra = ["ID"] if wos else []
    mapping["_keywords_extra"] = [keys[header_key(h)] for h in (*KEYWORD_EXTRA, *extra)
                                  if header_key(h) in keys and keys[header_key(h)] != mapping.get("keywords")]
    mapping["_pages"] = next(((keys[header_key(a)], keys[header_key(b)]) for a, b in PAGE_PAIRS
                              if header_key(a) in keys), None)
    if source.id_column:
        if header_key(source.id_column) not in keys:
            raise InputError(f'{source.name}: id_column "{source.id_column}" is not a header of {path.name}'
                             f"{did_you_mean(source.id_column, headers)}", hint=f"headers are: {', '.join(headers)}")
        mapping["_id"] = keys[header_key(source.id_column)]
    else:
        id_aliases = ("UT", *ID_ALIASES) if wos else ID_ALIASES
        mapping["_id"] = next((keys[header_key(a)] for a in id_aliases
                               if header_key(a) in keys and not (wos and a == "ID")), None)
    return mapping


def _record(cells: dict[str, str | None], mapping: dict[str, Any]) -> dict[str, Any]:
    raw: dict[str, Any] = {field: cells.get(mapping[field]) if mapping.get(field) else None for field in BIB_FIELDS}
    raw["_id"] = cells.get(mapping["_id"]) if mapping.get("_id") else None
    texts = [raw["keywords"], *(cells.get(h) for h in mapping["_keywords_extra"])]
    keywords = [k for text in texts if text for k in split_keywords(text)]
    raw["keywords"] = list(dict.fromkeys(keywords)) or None
    if mapping["_pages"] and not raw["pages"]:
        first, last = (cells.get(h) for h in mapping["_pages"])
        raw["pages"] = f"{first}-{last}" if first and last else first
    if raw["authors"]:
        raw["authors"] = split_authors(raw["authors"])
    if raw["doc_type"]:
        raw["doc_type"] = ITEM_TYPES.get(raw["doc_type"], raw["doc_type"])
    if not raw["doi"] and raw["url"]:
        raw["doi"] = doi_in_link(raw["url"])
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


def doi_in_link(url: str) -> str | None:
    """The DOI an OpenURL link carries ("…&id=doi:10.4103%2F2303-9027.138783&…", Embase's only
    place for it), URL-decoded; None if the link has none."""
    try:
        query = urlsplit(url.split()[0]).query
    except ValueError:
        return None
    for _key, value in parse_qsl(query):
        for prefix in ("doi:", "info:doi/"):
            if value.lower().startswith(prefix) and value[len(prefix):].startswith("10."):
                return value[len(prefix):]
    return None


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
