"""Open-access full texts: where OpenAlex says a copy is, download it safely, check it is the work.

- `oa_candidates(work)`: the PDF addresses of one OpenAlex work, best first (`best_oa_location`,
  then the other `oa_locations` or open `locations`), each with where it is hosted, its licence and version.
- `epmc_candidates(result)`: the same from a Europe PMC search result (its open or free PDF links).
- `download(url, …)`: one GET of a publisher's or repository's address, with no secret sent (no
  key, no contact address: these hosts are not the API), redirects followed by hand and only
  within the same scheme (http → https or back is refused, as is any other scheme), at most
  `max_redirects` of them and never the same address twice (a loop), a connect/read timeout and
  an overall deadline, and the body refused past `max_bytes` (announced or counted).
- `check_pdf(body, doi, title)`: the body must be a PDF (`%PDF-` in its first KiB; an HTML page is
  named as such) that pypdf can read, whose first page shows the work's DOI or its title (rapidfuzz
  partial ratio ≥ 90 on normalised text). Text is only extracted: nothing in the file is run.
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
from .http import REDIRECT_STATUS, user_agent

#: Largest full text slr downloads (bytes); most articles are under 10 MB.
MAX_BYTES = 50 * 1024 * 1024
TITLE_RATIO = 90
_WEB = ("http", "https")


class Refused(Exception):
    """A download or a file slr does not keep; the message is the reason recorded for the work."""


@dataclass(frozen=True)
class Candidate:
    url: str
    host: str
    licence: str | None
    version: str | None


def oa_candidates(work: dict[str, Any]) -> list[Candidate]:
    """The open-access PDF addresses OpenAlex lists for one work, best first, without repeats."""
    # `oa_locations` in older responses; newer ones list every location with `is_oa`.
    locations = [work.get("best_oa_location") or {}] + list(work.get("oa_locations") or []) + \
        [loc for loc in work.get("locations") or [] if isinstance(loc, dict) and loc.get("is_oa")]
    out: list[Candidate] = []
    for location in locations:
        url = (location or {}).get("pdf_url")
        if not url or any(c.url == url for c in out):
            continue
        source = location.get("source") or {}
        out.append(Candidate(url, source.get("display_name") or urlsplit(url).hostname or "", location.get("license"),
                             location.get("version")))
    return out


def epmc_candidates(result: dict[str, Any]) -> list[Candidate]:
    """The PDF addresses Europe PMC lists for one result (`resultType=core`): its full-text links
    whose style is pdf and whose availability is "Open access" or "Free"."""
    links = ((result.get("fullTextUrlList") or {}).get("fullTextUrl")) or []
    return [Candidate(link["url"], "Europe PMC" if link.get("site") == "Europe_PMC" else str(link.get("site") or ""),
                      result.get("license"), None)
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
