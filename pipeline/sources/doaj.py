"""DOAJ (`/api/search/articles/{query}`): Elasticsearch query syntax, `page`/`pageSize` paging.

DOAJ serves at most the first 1,000 results of a query. When the first page reports more, the
search is split by publication year (`bibjson.year:YYYY`, from `from_year`, default 1950, to
`to_year`, default this year) and each year is paged on its own; that first page is kept as the
probe that decided it, and gives no records. A year that alone has more than 1,000 results is
noted in the search log. Filters: `from_year`/`to_year` and any DOAJ field
(`bibjson.journal.language: EN`), ANDed to the query. No key is needed.
"""

from __future__ import annotations

import datetime as dt
from typing import Any
from urllib.parse import quote

from ..config import ApiSource
from .connector import BadPage, Page, Step, family_given, first_of, join_pages, load_json, native_value, year_filters

TYPE = "doaj"
DEFAULT_URL = "https://doaj.org/api"
KEY_ENV = None
PAGE = 100
CAP = 1000
HINTS = {400: "check the query: DOAJ takes Elasticsearch query-string syntax (field:value, AND/OR, quoted phrases)"}


def auth(key: str | None, mailto: str | None) -> tuple[dict[str, str], dict[str, str]]:
    return {}, {}


def query_text(source: ApiSource, year: int | None = None) -> str:
    low, high, rest = year_filters(source.filters)
    parts = [f"({source.query})"] if source.query else []
    if year is not None:
        parts.append(f"bibjson.year:{year}")
    elif low or high:
        parts.append(f"bibjson.year:[{low or '*'} TO {high or '*'}]")
    parts += [f"{key}:{native_value(value, ' OR ')}" for key, value in rest.items()]
    return " AND ".join(parts) if len(parts) > 1 else (source.query or (parts[0] if parts else "*"))


def _step(base: str, source: ApiSource, year: int | None = None, note: dict[str, Any] | None = None) -> Step:
    size = min(PAGE, source.max_records or PAGE)
    return Step(f"{base}/search/articles/{quote(query_text(source, year), safe='')}", {"page": 1, "pageSize": size},
                dict(note or {}))


def first(source: ApiSource, base: str) -> Step:
    return _step(base, source, note={"base": base})


def _years(source: ApiSource) -> tuple[int, int]:
    low, high, _ = year_filters(source.filters)
    return low or 1950, high or dt.date.today().year


def parse(body: str, step: Step, source: ApiSource) -> Page:
    data = load_json(body)
    if not isinstance(data, dict) or not isinstance(data.get("results"), list):
        raise BadPage("no results list in the response")
    results, total = data["results"], data.get("total")
    page, size = int(step.params.get("page", 1)), int(step.params.get("pageSize", PAGE))
    base, year = step.note.get("base", ""), step.note.get("year")
    if year is None and page == 1 and total is not None and total > CAP:
        # Too many for one query: this page is the probe; the search goes on year by year.
        low, high = _years(source)
        return Page([], total, _step(base, source, low, {"base": base, "year": low, "last": high,
                                                                      "probe_total": total}), len(results))
    notes = [f"{year}: {total} results, DOAJ serves the first {CAP}"] if year is not None and total and total > CAP \
        and page == 1 else []
    served = min(total, CAP) if total is not None else None
    if not results and served and (page - 1) * size < served:
        raise BadPage(f"empty page {page} of {total} results")
    following = None
    if results and served is not None and page * size < served:
        following = Step(step.url, {**step.params, "page": page + 1}, dict(step.note))
    elif year is not None and year < step.note.get("last", _years(source)[1]):
        following = _step(base, source, year + 1, {**step.note, "year": year + 1})
    records = [article(item) for item in results if item]
    # Reported total: the whole query's (from the probe) when split by year.
    return Page(records, step.note.get("probe_total", total), following, len(results), notes)


def article(item: dict[str, Any]) -> dict[str, Any]:
    """One DOAJ article as record fields."""
    bib = item.get("bibjson") or {}
    journal = bib.get("journal") or {}
    ids = {i.get("type", "").lower(): i.get("id") for i in bib.get("identifier") or () if i}
    people = [a for a in bib.get("author") or () if a]
    links = [link.get("url") for link in bib.get("link") or () if link.get("url")]
    return {
        "_id": item.get("id"),
        "title": bib.get("title"),
        "abstract": bib.get("abstract"),
        "authors": [family_given(a.get("name")) for a in people if a.get("name")],
        "year": bib.get("year"),
        "doi": ids.get("doi"),
        "venue": journal.get("title"),
        "volume": journal.get("volume"),
        "issue": journal.get("number"),
        "pages": join_pages(bib.get("start_page"), bib.get("end_page")),
        "publisher": journal.get("publisher"),
        "doc_type": "journal article",
        "language": first_of(*(journal.get("language") or [None])),
        "keywords": list(bib.get("keywords") or []),
        "url": first_of(*links) if links else None,
        "affiliations": list(dict.fromkeys(a["affiliation"] for a in people if a.get("affiliation"))),
    }
