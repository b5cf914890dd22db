"""ERIC (`api.ies.ed.gov/eric/`): a Lucene-style `search`, `start`/`rows` paging (2,000 a page).

ERIC gives authors as "Family, Given" already, HTML entities in titles and abstracts (unescaped
here), the DOI only inside `url` (taken from there), and `identifiersgeo`, the country or state
where a study took place: it is kept in `countries` as the study's setting. Filters: `from_year`/
`to_year` (a `publicationdateyear` range), or any ERIC field (`peerreviewed: T`), all ANDed to the
query. No key is needed.
"""

from __future__ import annotations

import html
from typing import Any

from ..config import ApiSource
from ..records import normalise_doi
from .connector import BadPage, Page, Step, first_of, load_json, native_value, offset_next, year_filters

TYPE = "eric"
DEFAULT_URL = "https://api.ies.ed.gov/eric"
KEY_ENV = None
ROWS = 2000
FIELDS = ("id,title,author,description,subject,publicationtype,publicationdateyear,language,issn,publisher,"
          "peerreviewed,source,url,identifiersgeo")
HINTS = {400: "check the query: ERIC takes Lucene syntax (title:, subject:, AND/OR, quoted phrases)"}


def auth(key: str | None, mailto: str | None) -> tuple[dict[str, str], dict[str, str]]:
    return {}, {}


def search_param(source: ApiSource) -> str:
    low, high, rest = year_filters(source.filters)
    parts = [f"({source.query})"] if source.query else []
    if low or high:
        parts.append(f"publicationdateyear:[{low or '*'} TO {high or '*'}]")
    parts += [f"{key}:{native_value(value, ' OR ')}" for key, value in rest.items()]
    return " AND ".join(parts) if len(parts) > 1 else (source.query or (parts[0] if parts else "*"))


def first(source: ApiSource, base: str) -> Step:
    rows = min(ROWS, source.max_records or ROWS)
    return Step(f"{base}/", {"search": search_param(source), "format": "json", "start": 0, "rows": rows, "fields": FIELDS})


def parse(body: str, step: Step, source: ApiSource) -> Page:
    data = load_json(body)
    response = data.get("response") if isinstance(data, dict) else None
    if not isinstance(response, dict) or not isinstance(response.get("docs"), list):
        raise BadPage("no response.docs in the response")
    docs = response["docs"]
    total = response.get("numFound")
    start = int(response.get("start", step.params.get("start", 0)) or 0)
    following = offset_next(step, "start", start, len(docs), total)
    return Page([document(doc) for doc in docs if doc], total, following, len(docs))


def _text(value: Any) -> str | None:
    return html.unescape(value) if isinstance(value, str) else value


def _list(value: Any) -> list[str]:
    if value is None:
        return []
    items = [str(v) for v in (value if isinstance(value, list) else [value]) if v not in (None, "")]
    return [html.unescape(v) if "&" in v else v for v in items]  # most items hold no entity


def document(doc: dict[str, Any]) -> dict[str, Any]:
    """One ERIC record as record fields."""
    native = doc.get("id")
    links = _list(doc.get("url"))
    doi = next((normalise_doi(link) for link in links if normalise_doi(link)), None)
    other = next((link for link in links if not normalise_doi(link)), None)
    return {
        "_id": native,
        "title": _text(doc.get("title")),
        "abstract": _text(doc.get("description")),
        "authors": _list(doc.get("author")),
        "year": doc.get("publicationdateyear"),
        "doi": doi,
        "venue": first_of(*_list(doc.get("source"))) if doc.get("source") else None,
        "publisher": _text(doc.get("publisher")),
        "doc_type": "; ".join(_list(doc.get("publicationtype"))) or None,
        "language": first_of(*_list(doc.get("language"))) if doc.get("language") else None,
        "keywords": _list(doc.get("subject")),
        "url": other or (f"https://eric.ed.gov/?id={native}" if native else None),
        "countries": _list(doc.get("identifiersgeo")),
    }
