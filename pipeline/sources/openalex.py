"""OpenAlex (`/works`): `search` and `filter`, cursor paging, the abstract rebuilt from its index.

Paging: `cursor=*`, then each response's `meta.next_cursor` until it is null (or a page is empty).
Authors come from `authorships` ("Family, Given"), countries from each author's institutions'
`country_code` (ISO 3166 alpha-2) and `countries`, affiliations from the institutions' names (or
the raw affiliation strings). `OPENALEX_API_KEY` goes in the `api_key` parameter, `SLR_MAILTO` in
`mailto`; neither is ever kept. Filters: `from_year`/`to_year`, or any OpenAlex filter by name
(`type: article`, `language: en`, `openalex: W1|W2`).
"""

from __future__ import annotations

from typing import Any

from ..config import ApiSource
from .connector import BadPage, Page, Step, family_given, first_of, join_pages, load_json, native_value, year_filters

TYPE = "openalex"
DEFAULT_URL = "https://api.openalex.org"
KEY_ENV = "OPENALEX_API_KEY"
PER_PAGE = 200
HINTS = {400: "check the search syntax and the filter names (see the OpenAlex documentation, Works → filter)"}


def auth(key: str | None, mailto: str | None) -> tuple[dict[str, str], dict[str, str]]:
    params = {}
    if key:
        params["api_key"] = key
    if mailto:
        params["mailto"] = mailto
    return params, {}


def filter_param(filters: dict[str, Any]) -> str | None:
    low, high, rest = year_filters(filters)
    parts = [f"from_publication_date:{low}-01-01"] if low else []
    if high:
        parts.append(f"to_publication_date:{high}-12-31")
    parts += [f"{key}:{native_value(value)}" for key, value in rest.items()]
    return ",".join(parts) or None


def first(source: ApiSource, base: str) -> Step:
    params: dict[str, Any] = {}
    if source.query:
        params["search"] = source.query
    if (filters := filter_param(source.filters)) is not None:
        params["filter"] = filters
    params["per_page"] = min(PER_PAGE, source.max_records or PER_PAGE)
    params["cursor"] = "*"
    return Step(f"{base}/works", params)


def parse(body: str, step: Step, source: ApiSource) -> Page:
    data = load_json(body)
    if not isinstance(data, dict) or not isinstance(data.get("results"), list):
        raise BadPage("no results list in the response")
    meta = data.get("meta") or {}
    results = data["results"]
    cursor = meta.get("next_cursor")
    following = Step(step.url, {**step.params, "cursor": cursor}) if cursor and results else None
    return Page([work(item) for item in results if item], meta.get("count"), following, len(results))


def expired(status: int, detail: str) -> bool:
    return status in (400, 404) and "cursor" in detail.lower()


def abstract(index: dict[str, list[int]] | None) -> str | None:
    """The abstract text from OpenAlex's inverted index (word → positions)."""
    if not index:
        return None
    placed: dict[int, str] = {}
    for word, positions in index.items():
        for position in positions or ():
            placed[position] = word
    return " ".join(placed[i] for i in sorted(placed)) or None


def work(item: dict[str, Any]) -> dict[str, Any]:
    """One OpenAlex work as record fields."""
    location = item.get("primary_location") or {}
    venue = location.get("source") or {}
    biblio = item.get("biblio") or {}
    authors, countries, affiliations = [], [], []
    for authorship in item.get("authorships") or ():
        author = authorship.get("author") or {}
        name = family_given(first_of(author.get("display_name"), authorship.get("raw_author_name")))
        if name:
            authors.append(name)
        institutions = authorship.get("institutions") or []
        codes = [inst.get("country_code") for inst in institutions] + list(authorship.get("countries") or [])
        countries += [c.upper() for c in codes if isinstance(c, str) and len(c) == 2 and c.isalpha()]
        names = [inst.get("display_name") for inst in institutions if inst.get("display_name")]
        affiliations += names or list(authorship.get("raw_affiliation_strings") or [])
    native = str(item.get("id") or "").rsplit("/", 1)[-1] or None
    return {
        "_id": native,
        "title": first_of(item.get("title"), item.get("display_name")),
        "abstract": abstract(item.get("abstract_inverted_index")),
        "authors": authors,
        "year": item.get("publication_year"),
        "doi": item.get("doi"),
        "venue": first_of(venue.get("display_name"), location.get("raw_source_name")),
        "volume": biblio.get("volume"),
        "issue": biblio.get("issue"),
        "pages": join_pages(biblio.get("first_page"), biblio.get("last_page")),
        "publisher": venue.get("host_organization_name"),
        "doc_type": item.get("type"),
        "language": item.get("language"),
        "keywords": [k.get("display_name") for k in item.get("keywords") or () if k.get("display_name")],
        "url": first_of(location.get("landing_page_url"), item.get("doi"), item.get("id")),
        "countries": countries,
        "affiliations": affiliations,
    }
