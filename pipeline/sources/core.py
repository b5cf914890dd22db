"""CORE v3 (`/search/works`): CORE's query language, `offset`/`limit` paging, a bearer key.

`CORE_API_KEY` is sent as `Authorization: Bearer …` (CORE serves very little without one). Paging
is by offset, 100 a page, until the reported `totalHits`. Filters: `from_year`/`to_year`
(`yearPublished>=`/`<=`) and any CORE field (`documentType: research`), ANDed to the query.
"""

from __future__ import annotations

from typing import Any

from ..config import ApiSource
from .connector import BadPage, Page, Step, family_given, first_of, load_json, native_value, offset_next, year_filters

TYPE = "core"
DEFAULT_URL = "https://api.core.ac.uk/v3"
KEY_ENV = "CORE_API_KEY"
PAGE = 100
HINTS = {400: "check the query (see CORE's API v3 query language: field:value, AND/OR, yearPublished>=)"}


def auth(key: str | None, mailto: str | None) -> tuple[dict[str, str], dict[str, str]]:
    return {}, ({"Authorization": f"Bearer {key}"} if key else {})


def query_param(source: ApiSource) -> str:
    low, high, rest = year_filters(source.filters)
    parts = [f"({source.query})"] if source.query else []
    if low:
        parts.append(f"yearPublished>={low}")
    if high:
        parts.append(f"yearPublished<={high}")
    parts += [f"{key}:{native_value(value, ' OR ')}" for key, value in rest.items()]
    return " AND ".join(parts) if len(parts) > 1 else (source.query or (parts[0] if parts else "*"))


def first(source: ApiSource, base: str) -> Step:
    return Step(f"{base}/search/works", {"q": query_param(source), "limit": min(PAGE, source.max_records or PAGE),
                                         "offset": 0})


def parse(body: str, step: Step, source: ApiSource) -> Page:
    data = load_json(body)
    if not isinstance(data, dict) or not isinstance(data.get("results"), list):
        raise BadPage("no results list in the response")
    results, total = data["results"], data.get("totalHits")
    start = int(data.get("offset", step.params.get("offset", 0)) or 0)
    following = offset_next(step, "offset", start, len(results), total)
    return Page([work(item) for item in results if item], total, following, len(results))


def work(item: dict[str, Any]) -> dict[str, Any]:
    """One CORE work as record fields."""
    journals = item.get("journals") or []
    language = item.get("language") or {}
    links = {link.get("type"): link.get("url") for link in item.get("links") or () if link}
    native = item.get("id")
    return {
        "_id": str(native) if native is not None else None,
        "title": item.get("title"),
        "abstract": item.get("abstract"),
        "authors": [family_given(a.get("name")) for a in item.get("authors") or () if a and a.get("name")],
        "year": item.get("yearPublished"),
        "doi": item.get("doi"),
        "venue": first_of(*(j.get("title") for j in journals if j)) if journals else None,
        "publisher": item.get("publisher"),
        "doc_type": item.get("documentType"),
        "language": language.get("code") if isinstance(language, dict) else language,
        "url": first_of(links.get("display"), item.get("downloadUrl"),
                        f"https://core.ac.uk/works/{native}" if native is not None else None),
    }
