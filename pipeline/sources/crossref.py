"""Crossref (`/works`): `query`, `filter`, cursor paging, JATS stripped from abstracts.

Paging: `cursor=*`, then each response's `next-cursor`. Crossref returns the same cursor string
on every page, so the end is the first empty page, not a missing cursor. A cursor expires after a
few minutes unused (a 404 "cursor-invalid"); the run then starts again from page 1. `SLR_MAILTO`
goes in `mailto`, which moves the search to Crossref's polite pool (10 requests/s instead of 5).
Filters: `from_year`/`to_year`, or any Crossref filter by name (`type: journal-article`).
"""

from __future__ import annotations

import html
import re
from typing import Any

from ..config import ApiSource
from .connector import BadPage, Page, Step, first_of, load_json, native_value, year_filters

TYPE = "crossref"
DEFAULT_URL = "https://api.crossref.org"
KEY_ENV = None
ROWS = 1000
HINTS = {400: "check the filter names and values (see the Crossref REST API documentation, /works filters)"}

_JATS_TITLE = re.compile(r"<(?:jats:)?title[^>]*>.*?</(?:jats:)?title>", re.S)
_TAG = re.compile(r"<[^>]+>")
_SPACE = re.compile(r"\s+")


def rate(mailto: str | None) -> float:
    return 10.0 if mailto else 5.0


def auth(key: str | None, mailto: str | None) -> tuple[dict[str, str], dict[str, str]]:
    return ({"mailto": mailto} if mailto else {}), {}


def filter_param(filters: dict[str, Any]) -> str | None:
    low, high, rest = year_filters(filters)
    parts = [f"from-pub-date:{low}"] if low else []
    if high:
        parts.append(f"until-pub-date:{high}")
    parts += [f"{key}:{native_value(value, ',')}" for key, value in rest.items()]
    return ",".join(parts) or None


def first(source: ApiSource, base: str) -> Step:
    params: dict[str, Any] = {}
    if source.query:
        params["query"] = source.query
    if (filters := filter_param(source.filters)) is not None:
        params["filter"] = filters
    params["rows"] = min(ROWS, source.max_records or ROWS)
    params["cursor"] = "*"
    return Step(f"{base}/works", params)


def parse(body: str, step: Step, source: ApiSource) -> Page:
    data = load_json(body)
    message = data.get("message") if isinstance(data, dict) else None
    if not isinstance(message, dict) or not isinstance(message.get("items"), list):
        raise BadPage("no message.items in the response")
    items = message["items"]
    cursor = message.get("next-cursor")
    following = Step(step.url, {**step.params, "cursor": cursor}) if cursor and items else None
    return Page([work(item) for item in items if item], message.get("total-results"), following, len(items))


def expired(status: int, detail: str) -> bool:
    return status in (400, 404) and "cursor" in detail.lower()


def strip_jats(text: str | None) -> str | None:
    """Abstract text without JATS markup: section titles ("Abstract") dropped, tags removed."""
    if not text:
        return None
    text = _TAG.sub(" ", _JATS_TITLE.sub(" ", text))
    return _SPACE.sub(" ", html.unescape(text)).strip() or None


def _year(item: dict[str, Any]) -> int | None:
    for key in ("issued", "published", "published-print", "published-online", "created"):
        parts = (item.get(key) or {}).get("date-parts") or [[None]]
        if parts and parts[0] and parts[0][0]:
            return parts[0][0]
    return None


def work(item: dict[str, Any]) -> dict[str, Any]:
    """One Crossref work as record fields."""
    authors, affiliations = [], []
    for person in item.get("author") or ():
        family, given = person.get("family"), person.get("given")
        name = f"{family}, {given}" if family and given else first_of(family, person.get("name"), given)
        if name:
            authors.append(name)
        affiliations += [a.get("name") for a in person.get("affiliation") or () if a.get("name")]
    title = first_of(*(item.get("title") or [None]))
    subtitle = first_of(*(item.get("subtitle") or [None]))
    if title and subtitle and subtitle.lower() not in title.lower():
        title = f"{title}: {subtitle}"
    return {
        "_id": item.get("DOI"),
        "title": title,
        "abstract": strip_jats(item.get("abstract")),
        "authors": authors,
        "year": _year(item),
        "doi": item.get("DOI"),
        "venue": first_of(*(item.get("container-title") or [None])),
        "volume": item.get("volume"),
        "issue": item.get("issue"),
        "pages": item.get("page"),
        "publisher": item.get("publisher"),
        "doc_type": item.get("type"),
        "language": item.get("language"),
        "keywords": list(item.get("subject") or []),
        "url": first_of(item.get("URL"), ((item.get("resource") or {}).get("primary") or {}).get("URL")),
        "affiliations": affiliations,
    }
