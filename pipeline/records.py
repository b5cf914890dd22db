"""The one record table every stage speaks, and the normalisation of its fields.

A record is one retrieved item: one row of an export file or one item of an API response. Its
`record_id` is `<source>:<native id>`, where the native id is the source's own id (an API id, a
file's id column) or, failing that, a hash of the record's content — never a row number, so that
re-importing a re-sorted file gives the same ids.
"""

from __future__ import annotations

import hashlib
import html
import re
import unicodedata
from collections.abc import Iterable, Mapping
from typing import Any

import numpy as np
import pandas as pd

from .fields import BIB_FIELDS, RECORD_COLUMNS  # the record table's columns, re-exported here

LIST_SEPARATOR = "; "

_DOI_PREFIX = re.compile(r"^(?:https?://)?(?:dx\.)?(?:doi\.org/|doi:\s*|doi\s+)", re.IGNORECASE)
_DOI_SHAPE = re.compile(r"10\.\d{4,9}/\S+")
_TAGS = re.compile(r"<[^>]{1,200}>")
_YEAR = re.compile(r"(?<!\d)(1[5-9]\d\d|20\d\d)(?!\d)")
_PLAIN_YEAR = re.compile(r"^\s*(1[5-9]\d\d|20\d\d)(?:\.0)?\s*$")
_NOT_ALNUM = re.compile(r"[^0-9a-z]+")


def clean_text(value: Any) -> str | None:
    """Collapse whitespace, unescape HTML entities, drop tags; empty → None."""
    if value is None:
        return None
    if value.__class__ is not str:
        if isinstance(value, float) and pd.isna(value):
            return None
        value = str(value)
    return _clean_str(value)


def _clean_str(text: str) -> str | None:
    """`clean_text` of a str."""
    if "&" in text:
        text = html.unescape(text)
    if "<" in text and ">" in text:
        text = _TAGS.sub(" ", text)
    if not _is_collapsed(text):
        # str.split() splits on the same Unicode whitespace as r"\s+" and is several times faster on abstracts.
        text = " ".join(text.split())
    if not text.isascii():  # ASCII text is always NFC
        text = unicodedata.normalize("NFC", text)
    return text or None


#: With " ", the ASCII characters that str.split() splits on.
_ASCII_CONTROL_SPACES = b"\t\n\x0b\x0c\r\x1c\x1d\x1e\x1f"


def _is_collapsed(text: str) -> bool:
    """Whether `" ".join(text.split()) == text`, as it is for most text: checking is much faster."""
    if "  " in text or text[:1] == " " or text[-1:] == " ":
        return False
    if len(text) > 200 and text.isascii():  # on long text, deleting bytes is faster than isprintable()
        data = text.encode("ascii")
        return len(data.translate(None, _ASCII_CONTROL_SPACES)) == len(data)
    # Every Unicode whitespace character but " " is a control or separator character, so not printable.
    return text.isprintable()


def normalise_doi(value: Any) -> str | None:
    """DOI lower-case, without resolver prefix or trailing punctuation; None if not a DOI."""
    text = clean_text(value)
    if not text:
        return None
    text = _DOI_PREFIX.sub("", text.strip())
    match = _DOI_SHAPE.search(text)
    if not match:
        return None
    return match.group(0).rstrip(".,;)]").lower()


def parse_year(value: Any) -> tuple[int | None, str | None]:
    """The year as an int, and a warning when the value was not a plain year.

    "2019" → 2019; "2019a" (a reference list's disambiguation letter) or "2019/05/01" → 2019 with a
    note; "n.d.", "10 15" → None with a warning. Missing values give (None, None).
    """
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return None, None
    if isinstance(value, int) and not isinstance(value, bool):
        return (value, None) if 1500 <= value <= 2100 else (None, f'year "{value}" is out of range')
    text = str(value).strip()
    if not text:
        return None, None
    plain = _PLAIN_YEAR.match(text)
    if plain:
        return int(plain.group(1)), None
    found = _YEAR.findall(text)
    if len(set(found)) == 1:
        return int(found[0]), f'year "{text}" read as {found[0]}'
    return None, f'year "{text}" is not a year; left empty'


def work_link(row: Mapping[str, Any]) -> str | None:
    """A work's web address: its DOI's (https://doi.org/…), else its `url` when that is a web
    address (http or https: a `javascript:` or `file:` URL is none); else None. Unescaped: each
    writer makes it safe for its format."""
    doi, url = (_as_text(row.get(key)) for key in ("doi", "url"))
    if doi:
        return f"https://doi.org/{doi}"
    return url if url.lower().startswith(("https://", "http://")) else None


def _as_text(value: Any) -> str:
    """The value as stripped text, as given (no cleaning: a link keeps what it says); "" for none."""
    return "" if value is None or (isinstance(value, float) and pd.isna(value)) else str(value).strip()


def split_list(value: Any) -> list[str]:
    """A list from a list, or from a `;`-joined string."""
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return []
    items = value if isinstance(value, (list, tuple)) else str(value).split(";")
    out = []
    for item in items:
        text = clean_text(item)
        if text and text not in out:
            out.append(text)
    return out


def join_list(value: Any) -> str | None:
    """`; `-joined text for list columns (authors, keywords, countries, affiliations)."""
    items = split_list(value)
    return LIST_SEPARATOR.join(items) if items else None


def normalise_title_key(title: Any) -> str:
    """Lower-case letters and digits only: for hashing and comparing titles."""
    text = clean_text(title) or ""
    if not text.isascii():  # ASCII has no compatibility forms and no combining marks
        text = unicodedata.normalize("NFKD", text)
        text = "".join(ch for ch in text if not unicodedata.combining(ch))
    return _NOT_ALNUM.sub(" ", text.lower()).strip()


def content_hash(fields: Mapping[str, Any]) -> str:
    """A short hash of what identifies a record's content (title, year, DOI, first author)."""
    first_author = (split_list(fields.get("authors")) or [""])[0].lower()
    key = "|".join([
        normalise_title_key(fields.get("title")),
        str(fields.get("year") or ""),
        normalise_doi(fields.get("doi")) or "",
        first_author,
        (clean_text(fields.get("venue")) or "").lower(),
    ])
    return hashlib.sha1(key.encode("utf-8")).hexdigest()[:16]


LIST_FIELDS = ("authors", "keywords", "countries", "affiliations")


def normalise_fields(raw: Mapping[str, Any]) -> tuple[dict[str, Any], list[str]]:
    """Normalise one record's bibliographic fields; returns (fields, warnings)."""
    fields: dict[str, Any] = {}
    warnings: list[str] = []
    for name in BIB_FIELDS:
        value = raw.get(name)
        if name in LIST_FIELDS:
            fields[name] = join_list(value)
        elif name == "doi":
            fields[name] = normalise_doi(value)
        elif name == "year":
            year, warning = parse_year(value)
            fields[name] = year
            if warning:
                warnings.append(warning)
        else:
            fields[name] = clean_text(value)
    if fields.get("doi") is None:
        # Some exports carry the DOI only inside the URL.
        fields["doi"] = normalise_doi(raw.get("url")) if raw.get("url") and "10." in str(raw.get("url")) else None
    if not fields.get("title"):
        warnings.append("no title")
    return fields, warnings


def make_records(
    raw_records: Iterable[Mapping[str, Any]],
    *,
    source: str,
    source_query: str | None = None,
    native_ids: Iterable[str | None] | None = None,
    retrieved_at: str | None = None,
    run_id: str | None = None,
) -> tuple[pd.DataFrame, list[str]]:
    """Build the record table from raw field dicts; returns (records, warnings).

    `native_ids` gives each row's own id where the source has one; rows without one get a content
    hash. Identical content repeated in one source (a reference list that lists a title twice)
    gets `-2`, `-3`, … so that every record keeps its own stable id.

    Each row is what `normalise_fields` makes of it; the table is built column by column (one pass
    over the records per field, short repeated values such as keywords, venues and names cleaned
    once per call), which is several times faster than row by row on large API searches.
    """
    raw_list = raw_records if isinstance(raw_records, list) else list(raw_records)
    count = len(raw_list)
    ids = list(native_ids) if native_ids is not None else [None] * count
    if len(ids) != count:
        raise ValueError(f"make_records: {len(ids)} native ids for {count} records")
    if not count:
        return empty_records(), []
    columns = _bib_columns(raw_list)
    years, year_warnings = columns["year"], columns.pop("_year_warnings")
    titles, dois, authors, venues = columns["title"], columns["doi"], columns["authors"], columns["venue"]
    native_col: list[str] = []
    warnings: list[str] = []
    seen: dict[str, int] = {}
    for index, native in enumerate(ids):
        own_id = None if native is None else clean_text(native)
        native_id = own_id or content_hash({"title": titles[index], "year": years[index], "doi": dois[index],
                                            "authors": authors[index], "venue": venues[index]})
        repeats = seen[native_id] = seen.get(native_id, 0) + 1
        if repeats > 1 or index in year_warnings or titles[index] is None:
            label = raw_list[index].get("_where") or f"record {index + 1}"
            if repeats > 1 and own_id:
                warnings.append(f'{label}: id "{own_id}" is used by an earlier record; '
                                f"this one is kept as {own_id}-{repeats}")
            if index in year_warnings:
                warnings.append(f"{label}: {year_warnings[index]}")
            if titles[index] is None:
                warnings.append(f"{label}: no title")
        native_col.append(f"{native_id}-{repeats}" if repeats > 1 else native_id)
    prefix = f"{source}:"
    data: dict[str, Any] = {
        "record_id": [prefix + native for native in native_col],
        "source": [source] * count,
        "source_query": [source_query] * count,
        "source_record_id": native_col,
        **{name: columns[name] for name in BIB_FIELDS},
        # API runs carry per-page provenance; file imports take the run's.
        "retrieved_at": [raw.get("_retrieved_at") or retrieved_at for raw in raw_list],
        "run_id": [raw.get("_run_id") or run_id for raw in raw_list],
        "first_seen": [raw.get("_first_seen") or raw.get("_run_id") or run_id for raw in raw_list],
    }
    data["year"] = pd.array(years, dtype="Int64")
    cleaned = ("record_id", "source_record_id", *BIB_FIELDS)  # str or None by construction
    return pd.DataFrame({name: _as_column(data[name], name in cleaned) for name in RECORD_COLUMNS},
                        copy=False), warnings


def _as_column(values: Any, text_only: bool) -> Any:
    """A column of str/None values as an object Series (pandas 2's default for such a list; pandas 3
    would infer its `str` dtype, turning None into NaN), without scanning it for other types first;
    other lists are left to pandas."""
    if not isinstance(values, list) or not (text_only or all(v is None or v.__class__ is str for v in values)):
        return values
    return pd.Series(np.fromiter(values, dtype=object, count=len(values)), dtype=object, copy=False)


#: Text fields whose values repeat across records (cleaned once per distinct value in a call).
_REPEATED_TEXT = frozenset({"venue", "volume", "issue", "pages", "publisher", "doc_type", "language"})


class _Cleaned(dict):  # type: ignore[type-arg]
    """`clean_text(value)` as `cleaned[value]`: each distinct str is cleaned once, then looked up."""

    def __init__(self) -> None:
        super().__init__({None: None})

    def __missing__(self, value: Any) -> str | None:
        if value.__class__ is not str:  # not kept: 1, 1.0 and True are one key but not one text
            return clean_text(value)
        text = self[value] = _clean_str(value)
        return text


def _bib_columns(raw_list: list[Mapping[str, Any]]) -> dict[str, Any]:
    """`normalise_fields` of every record, as columns (plus `_year_warnings`: index → warning)."""
    cleaned = _Cleaned()
    columns: dict[str, Any] = {}
    for name in BIB_FIELDS:
        values = [raw.get(name) for raw in raw_list]
        if name in LIST_FIELDS:
            columns[name] = _join_column(values, cleaned)
        elif name == "doi":
            columns[name] = [None if value is None else normalise_doi(value) for value in values]
        elif name == "year":
            columns[name], columns["_year_warnings"] = _year_column(values)
        elif name in _REPEATED_TEXT:
            try:
                columns[name] = list(map(cleaned.__getitem__, values))
            except TypeError:  # a value that cannot be a key (a list)
                columns[name] = list(map(clean_text, values))
        else:
            columns[name] = [None if value is None else _clean_str(value) if value.__class__ is str
                             else clean_text(value) for value in values]
    dois = columns["doi"]
    for index, doi in enumerate(dois):
        if doi is None:
            # Some exports carry the DOI only inside the URL.
            url = raw_list[index].get("url")
            if url and "10." in str(url):
                dois[index] = normalise_doi(url)
    return columns


def _join_column(values: list[Any], cleaned: _Cleaned) -> list[str | None]:
    """`join_list` of each value."""
    out: list[str | None] = []
    append = out.append
    lookup = cleaned.__getitem__
    for value in values:
        if value is None or (value.__class__ is list and not value):
            append(None)
            continue
        if isinstance(value, (list, tuple)):
            items = value
        elif isinstance(value, float) and pd.isna(value):
            append(None)
            continue
        else:
            items = str(value).split(";")
        try:
            texts = [text for text in map(lookup, items) if text]
        except TypeError:  # an item that cannot be a key (a dict, a list)
            texts = [text for text in map(clean_text, items) if text]
        if len(texts) > 1:
            # dict.fromkeys drops repeats and keeps the first of each, as split_list does.
            append(LIST_SEPARATOR.join(dict.fromkeys(texts)))
        else:
            append(texts[0] if texts else None)
    return out


def _year_column(values: list[Any]) -> tuple[list[int | None], dict[int, str]]:
    """`parse_year` of each value, and the warnings by record index."""
    years: list[int | None] = []
    warnings: dict[int, str] = {}
    for index, value in enumerate(values):
        if value.__class__ is int and 1500 <= value <= 2100:
            years.append(value)
            continue
        year, warning = parse_year(value)
        years.append(year)
        if warning:
            warnings[index] = warning
    return years, warnings


def empty_records(rows: list[dict[str, Any]] | None = None) -> pd.DataFrame:
    """A record table with the standard columns (and types), optionally filled."""
    frame = pd.DataFrame(rows or [], columns=list(RECORD_COLUMNS))
    frame["year"] = pd.array(frame["year"], dtype="Int64")
    return frame
