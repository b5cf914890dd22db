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
from .connector import BadPage, Page, Step, load_json, native_value, offset_next, year_filters

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


def _list(value: Any) -> list[str]:
    if value is None:
        return []
    out = []
    for item in value if isinstance(value, list) else (value,):
        if item is None or item == "":
            continue
        if item.__class__ is not str:
            item = str(item)
        out.append(html.unescape(item) if "&" in item else item)  # most items hold no entity
    return out


def document(doc: dict[str, Any]) -> dict[str, Any]:
    """One ERIC record as record fields."""
    get = doc.get
    native = get("id")
    doi = other = None
    url = get("url")
    if url is not None:
        for link in _list(url):
            found = normalise_doi(link)
            if found:
                doi = doi or found
            elif other is None:
                other = link
    title, abstract, publisher, venue, language = (get("title"), get("description"), get("publisher"),
                                                   get("source"), get("language"))
    venues = _list(venue) if venue else None
    languages = _list(language) if language else None
    return {
        "_id": native,
        "title": html.unescape(title) if isinstance(title, str) else title,
        "abstract": html.unescape(abstract) if isinstance(abstract, str) else abstract,
        "authors": _list(get("author")),
        "year": get("publicationdateyear"),
        "doi": doi,
        "venue": venues[0] if venues else None,
        "publisher": html.unescape(publisher) if isinstance(publisher, str) else publisher,
        "doc_type": "; ".join(_list(get("publicationtype"))) or None,
        "language": languages[0] if languages else None,
        "keywords": _list(get("subject")),
        "url": other or (f"https://eric.ed.gov/?id={native}" if native else None),
        "countries": _list(get("identifiersgeo")),
    }
