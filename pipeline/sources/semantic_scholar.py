"""Semantic Scholar (Academic Graph `/paper/search/bulk` and `/paper/search`).

The default endpoint is the bulk search: boolean syntax (`+`, `|`, `-`, quoted phrases, `*`), up
to 1,000 papers a call, paged by the `token` each response returns until it is null. With
`filters: {endpoint: relevance}` the relevance search is used instead: `offset`/`limit` paging,
100 a page, and Semantic Scholar serves at most the first 1,000 results of it. Filters:
`from_year`/`to_year` (the `year` parameter) and any of the API's own (`fieldsOfStudy`,
`publicationTypes`, `openAccessPdf`). `SEMANTIC_SCHOLAR_API_KEY` is sent as `x-api-key`.
"""

from __future__ import annotations

from typing import Any

from ..config import ApiSource
from .connector import BadPage, Page, Step, family_given, load_json, native_value, offset_next, year_filters

TYPE = "semantic_scholar"
DEFAULT_URL = "https://api.semanticscholar.org/graph/v1"
KEY_ENV = "SEMANTIC_SCHOLAR_API_KEY"
FIELDS = "title,abstract,authors,year,externalIds,venue,journal,publicationTypes,fieldsOfStudy,url,publicationDate"
RELEVANCE_LIMIT = 100
RELEVANCE_CAP = 1000
HINTS = {400: "check the query syntax and the filter names (see the Semantic Scholar Academic Graph API documentation)"}


def auth(key: str | None, mailto: str | None) -> tuple[dict[str, str], dict[str, str]]:
    return {}, ({"x-api-key": key} if key else {})


def first(source: ApiSource, base: str) -> Step:
    low, high, rest = year_filters(source.filters)
    endpoint = str(rest.pop("endpoint", "bulk"))
    params: dict[str, Any] = {"query": source.query, "fields": FIELDS}
    if low or high:
        params["year"] = f"{low or ''}-{high or ''}"
    params.update({key: native_value(value, ",") for key, value in rest.items()})
    if endpoint == "relevance":
        params.update(offset=0, limit=min(RELEVANCE_LIMIT, source.max_records or RELEVANCE_LIMIT))
        return Step(f"{base}/paper/search", params, {"endpoint": "relevance"})
    return Step(f"{base}/paper/search/bulk", params, {"endpoint": "bulk"})


def parse(body: str, step: Step, source: ApiSource) -> Page:
    data = load_json(body)
    if not isinstance(data, dict) or ("data" not in data and "total" not in data):
        raise BadPage("no data list in the response")
    items = data.get("data") or []
    total = data.get("total")
    notes: list[str] = []
    if step.note.get("endpoint") == "relevance":
        start = int(data.get("offset", step.params.get("offset", 0)) or 0)
        following = offset_next(step, "offset", start, len(items), total, cap=RELEVANCE_CAP)
        if following is not None:
            following.params["limit"] = min(int(step.params.get("limit", RELEVANCE_LIMIT)),
                                            RELEVANCE_CAP - following.params["offset"])
        elif total and total > RELEVANCE_CAP and start + len(items) >= RELEVANCE_CAP:
            notes.append(f"relevance search serves the first {RELEVANCE_CAP} of {total} results; "
                         "use the bulk endpoint for all")
    else:
        token = data.get("token")
        following = Step(step.url, {**step.params, "token": token}, dict(step.note)) if token and items else None
    return Page([paper(item) for item in items if item], total, following, len(items), notes)


_EMPTY = (None, "", [], {})  # what first_of skips


def paper(item: dict[str, Any]) -> dict[str, Any]:
    """One Semantic Scholar paper as record fields (null fields and null papers are common)."""
    get = item.get
    journal = get("journal") or {}
    venue = get("publicationVenue") or {}
    external = get("externalIds") or {}
    fields = get("fieldsOfStudy") or [f.get("category") for f in get("s2FieldsOfStudy") or () if f]
    pages = journal.get("pages")
    # As first_of(...) would, but evaluated in the same order without the calls (this runs per paper).
    paper_id, title, abstract, authors = get("paperId"), get("title"), get("abstract"), get("authors")
    authors = [family_given(a.get("name")) for a in authors if a and a.get("name")] if authors else []
    year, date = get("year"), (get("publicationDate") or "")[:4] or None
    doi = external.get("DOI")
    venue_name, venue_text, venue_other = journal.get("name"), get("venue"), venue.get("name")
    types = get("publicationTypes")
    return {
        "_id": paper_id,
        "title": title,
        "abstract": abstract,
        "authors": authors,
        "year": year if year not in _EMPTY else date if date not in _EMPTY else None,
        "doi": doi,
        "venue": (venue_name if venue_name not in _EMPTY else venue_text if venue_text not in _EMPTY
                  else venue_other if venue_other not in _EMPTY else None),
        "volume": (journal.get("volume") or "").strip() or None,
        "pages": pages.replace(" ", "") if isinstance(pages, str) else None,
        "doc_type": "; ".join(types) or None if types else None,
        "keywords": list(dict.fromkeys([f for f in fields if f])) if fields else [],
        "url": get("url"),
    }
