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

import pandas as pd

#: Columns of the record table, in order (DESIGN.md, "The record columns").
RECORD_COLUMNS: tuple[str, ...] = (
    "record_id", "source", "source_query", "source_record_id",
    "title", "abstract", "authors", "year", "doi", "venue", "volume", "issue", "pages",
    "publisher", "doc_type", "language", "keywords", "url",
    "countries", "affiliations",
    "retrieved_at", "run_id", "first_seen",
)

#: Bibliographic fields an importer may fill (everything but ids and provenance).
BIB_FIELDS: tuple[str, ...] = (
    "title", "abstract", "authors", "year", "doi", "venue", "volume", "issue", "pages",
    "publisher", "doc_type", "language", "keywords", "url", "countries", "affiliations",
)

LIST_SEPARATOR = "; "

_DOI_PREFIX = re.compile(r"^(?:https?://)?(?:dx\.)?(?:doi\.org/|doi:\s*|doi\s+)", re.IGNORECASE)
_DOI_SHAPE = re.compile(r"10\.\d{4,9}/\S+")
_TAGS = re.compile(r"<[^>]{1,200}>")
_YEAR = re.compile(r"(?<!\d)(1[5-9]\d\d|20\d\d)(?!\d)")
_PLAIN_YEAR = re.compile(r"^\s*(1[5-9]\d\d|20\d\d)(?:\.0)?\s*$")


def clean_text(value: Any) -> str | None:
    """Collapse whitespace, unescape HTML entities, drop tags; empty → None."""
    if value is None:
        return None
    if isinstance(value, float) and pd.isna(value):
        return None
    text = str(value)
    if "&" in text:
        text = html.unescape(text)
    if "<" in text and ">" in text:
        text = _TAGS.sub(" ", text)
    # str.split() splits on the same Unicode whitespace as r"\s+" and is several times faster on abstracts.
    text = unicodedata.normalize("NFC", " ".join(text.split()))
    return text or None


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
    text = unicodedata.normalize("NFKD", text)
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    return re.sub(r"[^0-9a-z]+", " ", text.lower()).strip()


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
    """
    raw_list = list(raw_records)
    ids = list(native_ids) if native_ids is not None else [None] * len(raw_list)
    rows: list[dict[str, Any]] = []
    warnings: list[str] = []
    seen: dict[str, int] = {}
    for index, (raw, native) in enumerate(zip(raw_list, ids, strict=True)):
        fields, record_warnings = normalise_fields(raw)
        label = raw.get("_where") or f"record {index + 1}"
        own_id = clean_text(native)
        native_id = own_id or content_hash(fields)
        seen[native_id] = seen.get(native_id, 0) + 1
        if seen[native_id] > 1:
            if own_id:
                warnings.append(f'{label}: id "{own_id}" is used by an earlier record; '
                                f"this one is kept as {own_id}-{seen[native_id]}")
            native_id = f"{native_id}-{seen[native_id]}"
        warnings.extend(f"{label}: {w}" for w in record_warnings)
        rows.append({
            "record_id": f"{source}:{native_id}",
            "source": source,
            "source_query": source_query,
            "source_record_id": native_id,
            **fields,
            # API runs carry per-page provenance; file imports take the run's.
            "retrieved_at": raw.get("_retrieved_at") or retrieved_at,
            "run_id": raw.get("_run_id") or run_id,
            "first_seen": raw.get("_first_seen") or raw.get("_run_id") or run_id,
        })
    return empty_records(rows), warnings


def empty_records(rows: list[dict[str, Any]] | None = None) -> pd.DataFrame:
    """A record table with the standard columns (and types), optionally filled."""
    frame = pd.DataFrame(rows or [], columns=list(RECORD_COLUMNS))
    frame["year"] = pd.array(frame["year"], dtype="Int64")
    return frame
