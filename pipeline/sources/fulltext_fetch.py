"""Open-access full texts: where OpenAlex, Europe PMC or Unpaywall say a copy is, download it
safely, check it is the work.

- `oa_candidates(work)`: the addresses of one OpenAlex work, best first (`best_oa_location`,
  then the other `oa_locations` or open `locations`), each with where it is hosted, its licence
  and version: PDF addresses first, then the pages of open locations that name no PDF.
- `epmc_candidates(result)`: the same from a Europe PMC search result (its open or free PDF links).
  (Unpaywall's: pipeline/sources/unpaywall.py.)
- `download(url, …)`: one GET of a publisher's or repository's address, with no secret sent (no
  key, no contact address: these hosts are not the API), redirects followed by hand and only
  within the same scheme (http → https or back is refused, as is any other scheme), at most
  `max_redirects` of them and never the same address twice (a loop), a connect/read timeout and
  an overall deadline, and the body refused past `max_bytes` (announced or counted).
- `check_pdf(body, doi, title)`: the body must be a PDF (`%PDF-` in its first KiB; an HTML page is
  named as such) that pypdf can read, whose first page shows the work's DOI or its title (rapidfuzz
  partial ratio ≥ 90 on normalised text). Text is only extracted: nothing in the file is run.
- `retrieve(session, candidate, …)`: one address to a file worth keeping. A PDF is checked as
  above. An HTML page (pipeline/sources/fulltext_html.py reads it; nothing in it is run) that
  names a PDF in `<meta name="citation_pdf_url">` has that PDF downloaded once, within the same
  bounds and the same scheme as the page (the rule for redirects), and checked as above; else, or
  when that PDF is not the work, the page itself is kept when it is the work's full text
  (`check_html`): the DOI (its citation_doi / DC identifier, or in the first 5,000 characters of
  its text) or the title (citation_title, <title>, or the first 5,000 characters) is the work's,
  and it has at least `MIN_WORDS` words of readable text. Why 2,000: an abstract is at most
  about 350 words, and a landing page (abstract, keywords, metadata, even a reference list of
  40–60 entries) stays under it; research articles run 3,000–10,000 words, short reports about
  2,000. A short report's page is then not kept (logged with its word count); a landing page
  with a very long reference list can pass, so the word count is in the log and the sidecar.
"""

from __future__ import annotations

import io
import re
import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import urljoin, urlsplit

import requests
from rapidfuzz import fuzz

from ..records import normalise_doi, normalise_title_key
from .fulltext_html import HtmlPage, looks_like_html, read_html
from .http import REDIRECT_STATUS, user_agent

#: Largest full text slr downloads (bytes); most articles are under 10 MB.
MAX_BYTES = 50 * 1024 * 1024
TITLE_RATIO = 90
#: Fewest words of readable text for an HTML page to be kept as the full text (module docstring).
MIN_WORDS = 2000
#: How much of a page's text counts as its "first page" for the DOI and title (as page 1 of a PDF).
HEAD_CHARS = 5000
_WEB = ("http", "https")


class Refused(Exception):
    """A download or a file slr does not keep; the message is the reason recorded for the work."""


@dataclass(frozen=True)
class Candidate:
    url: str
    host: str
    licence: str | None
    version: str | None
    #: "pdf": said to be a PDF; "page": a landing or article page (HTML expected).
    kind: str = "pdf"
    #: Which list named it (the sidecar's `found_through`).
    found_through: str = ""


@dataclass(frozen=True)
class Kept:
    """A file worth keeping: its bytes as received, its suffix, where from and how it was recognised."""

    body: bytes
    suffix: str
    url: str
    checked_by: str
    #: The HTML page whose citation_pdf_url led to the PDF, if any.
    via: str | None = None


def oa_candidates(work: dict[str, Any]) -> list[Candidate]:
    """The open-access addresses OpenAlex lists for one work, best first, without repeats: the PDF
    addresses, then the landing pages of the open locations that give no PDF address."""
    # `oa_locations` in older responses; newer ones list every location with `is_oa`.
    locations = [work.get("best_oa_location") or {}] + list(work.get("oa_locations") or []) + \
        [loc for loc in work.get("locations") or [] if isinstance(loc, dict) and loc.get("is_oa")]
    pdfs: list[Candidate] = []
    pages: list[Candidate] = []
    for location in locations:
        location = location or {}
        pdf = location.get("pdf_url")
        url, kind, out = (pdf, "pdf", pdfs) if pdf else (location.get("landing_page_url"), "page", pages)
        if not url or any(c.url == url for c in pdfs + pages):
            continue
        source = location.get("source") or {}
        out.append(Candidate(url, source.get("display_name") or urlsplit(url).hostname or "", location.get("license"),
                             location.get("version"), kind=kind, found_through="OpenAlex oa_locations"))
    return pdfs + pages


def epmc_candidates(result: dict[str, Any]) -> list[Candidate]:
    """The PDF addresses Europe PMC lists for one result (`resultType=core`): its full-text links
    whose style is pdf and whose availability is "Open access" or "Free"."""
    links = ((result.get("fullTextUrlList") or {}).get("fullTextUrl")) or []
    return [Candidate(link["url"], "Europe PMC" if link.get("site") == "Europe_PMC" else str(link.get("site") or ""),
                      result.get("license"), None, found_through="Europe PMC fullTextUrlList")
            for link in links if isinstance(link, dict) and link.get("url") and link.get("documentStyle") == "pdf"
            and link.get("availability") in ("Open access", "Free")]


def download(session: requests.Session, url: str, *, max_bytes: int = MAX_BYTES, max_redirects: int = 5,
             timeout: tuple[float, float] = (10.0, 60.0), deadline: float = 120.0,
             clock: Any = time.monotonic) -> tuple[str, str, bytes]:
    """(final address, content type, body) of one address, within the bounds the module names."""
    if urlsplit(url).scheme not in _WEB:
        raise Refused(f"not a web address: {url}")
    start = clock()
    seen = {url}
    headers = {"User-Agent": user_agent(None), "Accept": "application/pdf, text/html;q=0.5"}
    for _ in range(max_redirects + 1):
        try:
            response = session.get(url, headers=headers, timeout=timeout, stream=True, allow_redirects=False)
        except requests.RequestException as exc:
            raise Refused(f"download failed ({type(exc).__name__})") from None
        with response:
            location = response.headers.get("location")
            if response.status_code in REDIRECT_STATUS and location:
                target = urljoin(url, location)
                if urlsplit(target).scheme != urlsplit(url).scheme:
                    raise Refused(f"redirected from {urlsplit(url).scheme} to another scheme ({target}); not followed")
                if target in seen:
                    raise Refused(f"redirect loop ({target} again)")
                seen.add(target)
                url = target
                continue
            if response.status_code >= 400:
                raise Refused(f"HTTP {response.status_code}")
            declared = response.headers.get("content-length")
            if declared and declared.isdigit() and int(declared) > max_bytes:
                raise Refused(f"larger than {max_bytes:,} bytes (announces {int(declared):,})")
            chunks, size = [], 0
            for chunk in response.iter_content(64 * 1024):
                size += len(chunk)
                if size > max_bytes:
                    raise Refused(f"larger than {max_bytes:,} bytes")
                if clock() - start > deadline:
                    raise Refused(f"not complete within {deadline:g} s")
                chunks.append(chunk)
            return url, response.headers.get("content-type", ""), b"".join(chunks)
    raise Refused(f"more than {max_redirects} redirects")


def check_pdf(body: bytes, doi: str | None, title: str | None) -> str:
    """How the PDF was recognised as the work ("DOI on page 1" / "title on page 1"); Refused otherwise."""
    head = body[:1024]
    if b"%PDF-" not in head:
        kind = "an HTML page, not a PDF" if re.search(rb"<(!doctype html|html)", head, re.I) else "not a PDF"
        raise Refused(f"{kind} (first bytes {head[:16]!r})")
    from pypdf import PdfReader

    try:
        reader = PdfReader(io.BytesIO(body))
        first = reader.pages[0].extract_text() or "" if reader.pages else ""
    except Exception as exc:  # a damaged PDF raises many kinds of errors; the work is not retrieved
        raise Refused(f"unreadable PDF ({type(exc).__name__})") from None
    wanted = normalise_doi(doi) if doi else None
    if wanted and wanted in first.lower().replace(" ", ""):
        return "DOI on page 1"
    key, text = normalise_title_key(title or ""), normalise_title_key(first[:5000])
    if len(key) >= 8 and fuzz.partial_ratio(key, text) >= TITLE_RATIO:
        return "title on page 1"
    raise Refused("page 1 shows neither the work's DOI nor its title: another work's PDF?")


def retrieve(session: requests.Session, candidate: Candidate, doi: str | None, title: str | None, *,
             tried: set[str], max_bytes: int = MAX_BYTES, timeout: tuple[float, float] = (10.0, 60.0),
             deadline: float = 120.0) -> Kept:
    """The file to keep from one address (a PDF, a PDF named by an HTML page, or the page itself;
    see the module docstring), or Refused with every reason. `tried` gathers the addresses asked."""
    bounds = {"max_bytes": max_bytes, "timeout": timeout, "deadline": deadline}
    tried.add(candidate.url)
    url, kind, body = download(session, candidate.url, **bounds)
    if b"%PDF-" in body[:1024] or not looks_like_html(body[:1024], kind):
        return Kept(body, ".pdf", url, check_pdf(body, doi, title))
    page = read_html(body, kind)
    problems = []
    named = page.meta.get("citation_pdf_url")
    if named:
        target = urljoin(url, named)
        if urlsplit(target).scheme != urlsplit(url).scheme:
            problems.append(f"its citation_pdf_url is in another scheme ({target}); not followed")
        elif target in tried:
            problems.append(f"its citation_pdf_url ({target}) was tried already")
        else:
            tried.add(target)
            try:
                _, _, pdf = download(session, target, **bounds)
                return Kept(pdf, ".pdf", target, check_pdf(pdf, doi, title) + " (through citation_pdf_url)", via=url)
            except Refused as exc:
                problems.append(f"its citation_pdf_url ({target}): {exc}")
    try:
        return Kept(body, ".html", url, check_html(page, doi, title))
    except Refused as exc:
        raise Refused("; ".join([str(exc), *problems])) from None


def check_html(page: HtmlPage, doi: str | None, title: str | None) -> str:
    """How an HTML page was recognised as the work's full text ("DOI on the page, 4,210 words"); Refused otherwise."""
    wanted = normalise_doi(doi) if doi else None
    named = normalise_doi(page.meta.get("citation_doi") or page.meta.get("dc.identifier"))
    if wanted and named and named != wanted:
        raise Refused(f"an HTML page of another work (its citation_doi is {named})")
    head = page.text[:HEAD_CHARS]
    how = None
    if wanted and (named == wanted or wanted in head.lower().replace(" ", "")):
        how = "DOI on the page"
    else:
        key = normalise_title_key(title or "")
        shown = [normalise_title_key(t) for t in (page.meta.get("citation_title"), page.title, head) if t]
        # partial_ratio finds the title inside a longer text; a text shorter than the title (a
        # <title> of "Home") is compared whole, or any word of the title would match it.
        if len(key) >= 8 and any((fuzz.partial_ratio if len(text) >= len(key) else fuzz.ratio)(key, text) >= TITLE_RATIO
                                 for text in shown):
            how = "title on the page"
    if how is None:
        raise Refused("an HTML page that shows neither the work's DOI nor its title: another work's page?")
    if page.words < MIN_WORDS:
        raise Refused(f"an HTML page of the work with {page.words:,} words: a landing page, not the full text "
                      f"(an HTML full text has {MIN_WORDS:,} words or more)")
    return f"{how}, HTML with {page.words:,} words"
