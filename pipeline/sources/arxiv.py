"""arXiv (`export.arxiv.org/api/query`): an Atom feed, `start`/`max_results` paging.

The feed is parsed with defusedxml. An entry whose id is under `arxiv.org/api/errors` is the API
telling what is wrong with the query, not a paper: a page of only those rejects the query. arXiv
sometimes returns an empty page before the end of the results; such a page is retried (the HTTP
layer's backoff) and never taken as the end. One request per 3 seconds, as arXiv asks. Filters:
`from_year`/`to_year` (a `submittedDate` range ANDed to the query), and any API parameter
(`id_list`, `sortBy`, `sortOrder`).
"""

from __future__ import annotations

import re
from typing import Any
from xml.etree.ElementTree import Element, ParseError

from defusedxml import ElementTree

from ..config import ApiSource
from .connector import BadPage, Page, QueryRejected, Step, family_given, native_value, offset_next, year_filters

TYPE = "arxiv"
DEFAULT_URL = "https://export.arxiv.org/api"
KEY_ENV = None
PAGE = 200
HINTS = {400: "check the query: arXiv takes field prefixes (ti:, abs:, all:) with AND/OR/ANDNOT and quoted phrases"}

NS = {"a": "http://www.w3.org/2005/Atom", "os": "http://a9.com/-/spec/opensearch/1.1/",
      "x": "http://arxiv.org/schemas/atom"}
_VERSION = re.compile(r"v\d+$")
_SPACE = re.compile(r"\s+")


def auth(key: str | None, mailto: str | None) -> tuple[dict[str, str], dict[str, str]]:
    return {}, {}


def first(source: ApiSource, base: str) -> Step:
    low, high, rest = year_filters(source.filters)
    query = source.query
    if low or high:
        dates = f"submittedDate:[{low or 1990}01010000 TO {high or 2999}12312359]"
        query = f"({query}) AND {dates}" if query else dates
    params: dict[str, Any] = {"search_query": query, "sortBy": "relevance", "sortOrder": "descending"}
    params.update({key: native_value(value, ",") for key, value in rest.items()})
    params.update(start=0, max_results=min(PAGE, source.max_records or PAGE))
    return Step(f"{base}/query", params)


def _text(node: Element | None) -> str | None:
    if node is None or node.text is None:
        return None
    return _SPACE.sub(" ", node.text).strip() or None


def _int(node: Element | None) -> int | None:
    text = _text(node)
    return int(text) if text and text.isdigit() else None


def parse(body: str, step: Step, source: ApiSource) -> Page:
    try:
        feed = ElementTree.fromstring(body.encode("utf-8"))
    except ParseError as exc:
        raise BadPage(f"not a readable Atom feed: {exc}") from None
    total = _int(feed.find("os:totalResults", NS))
    start = int(step.params.get("start", 0))
    entries = feed.findall("a:entry", NS)
    if not entries and start > 0:
        # Only asked for while earlier pages said there is more: arXiv's known empty page mid-way.
        raise BadPage(f"empty page at start={start}")
    errors = [e for e in entries if "/api/errors" in (_text(e.find("a:id", NS)) or "")]
    papers = [e for e in entries if e not in errors]
    if errors and not papers:
        raise QueryRejected("; ".join(_text(e.find("a:summary", NS)) or "error" for e in errors))
    following = offset_next(step, "start", start, len(entries), total)
    return Page([entry(e) for e in papers], total, following, len(entries))


def entry(node: Element) -> dict[str, Any]:
    """One Atom entry as record fields."""
    ident = _text(node.find("a:id", NS)) or ""
    native = _VERSION.sub("", ident.split("/abs/", 1)[-1]) or None
    authors, affiliations = [], []
    for author in node.findall("a:author", NS):
        name = family_given(_text(author.find("a:name", NS)))
        if name:
            authors.append(name)
        affiliations += [t for t in (_text(a) for a in author.findall("x:affiliation", NS)) if t]
    links = {link.get("rel") or "alternate": link.get("href") for link in node.findall("a:link", NS)
             if link.get("title") != "pdf" and link.get("title") != "doi"}
    published = _text(node.find("a:published", NS)) or ""
    return {
        "_id": native,
        "title": _text(node.find("a:title", NS)),
        "abstract": _text(node.find("a:summary", NS)),
        "authors": authors,
        "year": published[:4] or None,
        "doi": _text(node.find("x:doi", NS)),
        "venue": _text(node.find("x:journal_ref", NS)),
        "publisher": "arXiv",
        "doc_type": "preprint",
        "keywords": [c.get("term") for c in node.findall("a:category", NS) if c.get("term")],
        "url": links.get("alternate") or ident or None,
        "affiliations": affiliations,
    }
