"""Europe PMC (REST `/search`): the Europe PMC query syntax, `cursorMark` paging, core results.

Paging: `cursorMark=*`, then each response's `nextCursorMark` until a page is empty or the mark
stops changing. `resultType=core` gives abstracts, author lists with affiliations, keywords and
journal details. Filters: `from_year`/`to_year` (a `PUB_YEAR` range) and any Europe PMC field
(`SRC: MED`, `LANG: eng`, `OPEN_ACCESS: y`), all ANDed to the query. No key is needed.
"""

from __future__ import annotations

from typing import Any

from ..config import ApiSource
from .connector import BadPage, Page, Step, first_of, load_json, native_value, year_filters

TYPE = "europepmc"
DEFAULT_URL = "https://www.ebi.ac.uk/europepmc/webservices/rest"
KEY_ENV = None
PAGE = 1000
HINTS = {400: "check the query syntax (see Europe PMC's search syntax reference)"}


def auth(key: str | None, mailto: str | None) -> tuple[dict[str, str], dict[str, str]]:
    return ({"email": mailto} if mailto else {}), {}


def query_param(source: ApiSource) -> str:
    low, high, rest = year_filters(source.filters)
    parts = [f"({source.query})"] if source.query else []
    if low or high:
        parts.append(f"PUB_YEAR:[{low or 1000} TO {high or 3000}]")
    parts += [f"{key}:{native_value(value, ' OR ')}" for key, value in rest.items()]
    return " AND ".join(parts) if len(parts) > 1 else (source.query or (parts[0] if parts else "*"))


def first(source: ApiSource, base: str) -> Step:
    params = {"query": query_param(source), "resultType": "core", "format": "json",
              "pageSize": min(PAGE, source.max_records or PAGE), "cursorMark": "*"}
    return Step(f"{base}/search", params)


def parse(body: str, step: Step, source: ApiSource) -> Page:
    data = load_json(body)
    if not isinstance(data, dict) or "hitCount" not in data:
        raise BadPage("no hitCount in the response")
    results = (data.get("resultList") or {}).get("result") or []
    mark = data.get("nextCursorMark")
    following = (Step(step.url, {**step.params, "cursorMark": mark})
                 if results and mark and mark != step.params.get("cursorMark") else None)
    return Page([article(item) for item in results if item], data.get("hitCount"), following, len(results))


def expired(status: int, detail: str) -> bool:
    return status in (400, 404) and "cursor" in detail.lower()


def article(item: dict[str, Any]) -> dict[str, Any]:
    """One Europe PMC result (core or lite) as record fields."""
    authors, affiliations = [], []
    for person in (item.get("authorList") or {}).get("author") or ():
        family, given = person.get("lastName"), person.get("firstName") or person.get("initials")
        name = f"{family}, {given}" if family and given else first_of(family, person.get("fullName"),
                                                                       person.get("collectiveName"))
        if name:
            authors.append(name)
        details = (person.get("authorAffiliationDetailsList") or {}).get("authorAffiliation") or ()
        affiliations += [d.get("affiliation") for d in details if d.get("affiliation")]
    if not authors and item.get("authorString"):
        authors = [a.strip() for a in item["authorString"].rstrip(".").split(",") if a.strip()]
    if not affiliations and item.get("affiliation"):
        affiliations = [item["affiliation"]]
    info = item.get("journalInfo") or {}
    journal = info.get("journal") or {}
    source, native = item.get("source"), item.get("id")
    types = (item.get("pubTypeList") or {}).get("pubType") or item.get("pubType")
    return {
        "_id": f"{source}/{native}" if source and native else native,
        "title": item.get("title"),
        "abstract": item.get("abstractText"),
        "authors": authors,
        "year": first_of(item.get("pubYear"), info.get("yearOfPublication")),
        "doi": item.get("doi"),
        "venue": first_of(journal.get("title"), item.get("journalTitle")),
        "volume": first_of(info.get("volume"), item.get("journalVolume")),
        "issue": first_of(info.get("issue"), item.get("issue")),
        "pages": item.get("pageInfo"),
        "doc_type": "; ".join(types) if isinstance(types, list) else types,
        "language": item.get("language"),
        "keywords": list((item.get("keywordList") or {}).get("keyword") or []),
        "url": f"https://europepmc.org/article/{source}/{native}" if source and native else None,
        "affiliations": list(dict.fromkeys(affiliations)),
    }
