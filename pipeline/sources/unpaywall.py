"""Unpaywall: where the open-access copies of a DOI are, for `slr fulltext fetch`.

`GET {base}/{doi}?email=…` (API v2, one DOI a request). Unpaywall requires a contact address: it
is `SLR_MAILTO`, sent to Unpaywall only (as the `email` parameter and in the User-Agent), and
never written anywhere (the polite client redacts it). Without it Unpaywall is not asked, and the
run says so once. A 404 means the DOI is not in Unpaywall (it covers Crossref DOIs only), not a
failure; a 422 means Unpaywall refused the address, and it is not asked again in that run.

`candidates(answer)` reads `best_oa_location` then `oa_locations`: each `url_for_pdf` is a PDF
address; a location with none gives its page (`url`, else `url_for_landing_page`), which
`slr fulltext fetch` reads as HTML (a `citation_pdf_url`, or the full text itself). PDFs come first.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote, urlsplit

from .connector import Step, load_json
from .fulltext_fetch import Candidate
from .http import RATES, PoliteSession, Redactor, RequestRejected, SourceClient, user_agent

DEFAULT_URL = "https://api.unpaywall.org/v2"
URL_ENV = "SLR_UNPAYWALL_URL"
MAILTO_ENV = "SLR_MAILTO"
FOUND_THROUGH = "Unpaywall oa_locations"
HINTS = {422: f"Unpaywall refuses this contact address: set {MAILTO_ENV} to a real e-mail address"}


@dataclass
class Answers:
    """What Unpaywall said about each DOI asked."""

    #: DOI → its open-access addresses (empty: known to Unpaywall, no open copy).
    found: dict[str, list[Candidate]] = field(default_factory=dict)
    #: DOIs Unpaywall answered 404 for.
    unknown: set[str] = field(default_factory=set)
    #: DOI → why Unpaywall was not asked or refused (a 4xx other than 404).
    refused: dict[str, str] = field(default_factory=dict)
    #: Said once for the whole run (Unpaywall skipped, or stopped).
    note: str | None = None


def candidates(answer: Mapping[str, Any]) -> list[Candidate]:
    """The open-access addresses of one Unpaywall answer: PDFs first (best location first), then pages."""
    locations = [answer.get("best_oa_location")] + list(answer.get("oa_locations") or [])
    pdfs: list[Candidate] = []
    pages: list[Candidate] = []
    for location in locations:
        if not isinstance(location, dict):
            continue
        pdf = location.get("url_for_pdf")
        page = location.get("url") if location.get("url") != pdf else None
        page = page or location.get("url_for_landing_page")
        host = (location.get("repository_institution") if location.get("host_type") == "repository"
                else answer.get("publisher")) or ""
        for url, kind, out in ((pdf, "pdf", pdfs), (None if pdf else page, "page", pages)):
            if isinstance(url, str) and url and all(c.url != url for c in pdfs + pages):
                out.append(Candidate(url, host or urlsplit(url).hostname or "", location.get("license"),
                                     location.get("version"), kind=kind, found_through=FOUND_THROUGH))
    return pdfs + pages


def lookup(http: PoliteSession, env: Mapping[str, str], dois: list[str]) -> Answers:
    """Ask Unpaywall about each DOI (see the module docstring); nothing is asked without SLR_MAILTO."""
    answers = Answers()
    if not dois:
        return answers
    mailto = (env.get(MAILTO_ENV) or "").strip()
    if not mailto:
        answers.note = f"Unpaywall not asked: it requires a contact address; set {MAILTO_ENV} to use it"
        return answers
    base = (env.get(URL_ENV) or DEFAULT_URL).rstrip("/")
    # Only the contact address goes to Unpaywall: no OpenAlex or other key is among its parameters.
    client = SourceClient(http, label="full-text lookup (unpaywall)", query="open-access locations by DOI",
                          rate=RATES["unpaywall"], redactor=Redactor.from_env(env), auth_params={"email": mailto},
                          user_agent=user_agent(mailto), hints=HINTS)
    for number, doi in enumerate(dois, start=1):
        if answers.note:  # Unpaywall refused the address: every other DOI would be refused too
            answers.refused[doi] = answers.note
            continue
        step = Step(f"{base}/{quote(doi, safe='/()')}", {})
        try:
            fetched = client.fetch(step, load_json, f"DOI {number} of {len(dois)}")
        except RequestRejected as exc:
            if exc.status == 404:
                answers.unknown.add(doi)
            elif exc.status == 422:
                answers.note = f"Unpaywall stopped: HTTP 422: {exc.detail or 'no message'} (set {MAILTO_ENV} to a real address)"
                answers.refused[doi] = answers.note
            else:
                answers.refused[doi] = f"Unpaywall: HTTP {exc.status}: {exc.detail or 'no message'}"
            continue
        answer = fetched.parsed if isinstance(fetched.parsed, dict) else {}
        answers.found[doi] = candidates(answer)
    return answers
