"""What the published site shows, worked out from the review's tables (pure; no files, no clock).

Needs: included.csv (work_id, title, authors, year, doi, url, venue, publisher, doc_type, keywords,
record_ids, regions, countries_detected, countries, sources), codes.csv (work_id, rq, theme, code,
evidence, field), the record trail 02_dedupe/records.csv (record_id, source, first_seen,
retrieved_at), the protocol's `site:` section and the codebook's labels.

A work is *added* by the run that first saw any of its records (`first_seen`, a run id such as
20261203T074500Z; records rebuilt from kept API pages carry their kept run's name instead, and
then their `retrieved_at` dates them). The *latest run* is the latest run in the whole trail, so a
run that only brought works screening excluded adds nothing new to the site, and its feed is empty.
While only one run has added included works (the site's first edition), every work is an
addition of that run (the feed lists them) but none is marked new.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from ..config import SiteConfig
from ..records import split_list, work_link

_RUN_ID = re.compile(r"^(\d{8})T(\d{6})Z$")
_NOT_ALNUM = re.compile(r"[^0-9a-z]+")
SUGGESTED = "suggested by readers"


@dataclass(frozen=True)
class Theme:
    rq: str
    theme: str
    code: str
    definition: str
    evidence: str
    where: str


@dataclass
class Entry:
    """One included work as the site lists it."""

    work_id: str
    title: str
    category: str
    year: int | None
    authors: str
    venue: str
    link: str | None
    link_kind: str  # doi | url | landing | none
    regions: list[str]
    countries: list[str]
    themes: list[Theme]
    run: str
    added: dt.datetime | None
    new: bool
    suggested: bool


@dataclass(frozen=True)
class Run:
    """One run of the trail that added works to the site."""

    run: str
    when: dt.datetime | None
    work_ids: tuple[str, ...]

    @property
    def date(self) -> str:
        return self.when.date().isoformat() if self.when else "unknown date"


@dataclass
class Site:
    title: str
    description: str | None
    suggest: str | None
    url: str | None
    categories: list[str]
    entries: list[Entry]
    runs: list[Run]  # newest first; only runs that added included works
    latest: Run | None  # the latest run of the whole trail (may have added nothing)
    themes: list[str] = field(default_factory=list)
    regions: list[str] = field(default_factory=list)

    def by_category(self) -> list[tuple[str, list[tuple[int | None, list[Entry]]]]]:
        """Category (protocol order, empty ones left out) → years newest first → entries by title."""
        out = []
        for category in self.categories:
            items = [e for e in self.entries if e.category == category]
            if not items:
                continue
            years = sorted({e.year for e in items}, key=lambda y: -(y if y is not None else -1))
            out.append((category, [(y, sorted((e for e in items if e.year == y), key=lambda e: e.title.lower()))
                                   for y in years]))
        return out

    @property
    def latest_entries(self) -> list[Entry]:
        return [e for e in self.entries if self.latest is not None and e.run == self.latest.run]


def _norm(text: str) -> str:
    """Lower case, punctuation as spaces, plurals singular: "National & International Reports" →
    "national international report"."""
    words = _NOT_ALNUM.sub(" ", text.lower()).split()
    return " ".join(w[:-1] if len(w) > 3 and w.endswith("s") and not w.endswith("ss") else w for w in words)


def categorise(doc_type: str | None, headings: Iterable[str], config: SiteConfig) -> str:
    """The first category naming the work's document type; else the first naming one of its
    reference-list headings; else `config.other`."""
    table = [(name, {_norm(term) for term in terms}) for name, terms in config.categories.items()]
    if doc_type:
        for name, terms in table:
            if _norm(doc_type) in terms:
                return name
    for heading in headings:
        for name, terms in table:
            if _norm(heading) in terms:
                return name
    return config.other


def run_time(run: Any, retrieved_at: Any = None) -> dt.datetime | None:
    """When a run happened: from its id (20261203T074500Z), else from a record's `retrieved_at`."""
    match = _RUN_ID.match(str(run or ""))
    if match:
        return dt.datetime.strptime("".join(match.groups()), "%Y%m%d%H%M%S").replace(tzinfo=dt.timezone.utc)
    try:
        moment = dt.datetime.fromisoformat(str(retrieved_at).replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.timezone.utc)


def _text(value: Any) -> str:
    return "" if value is None or (isinstance(value, float) and pd.isna(value)) else str(value).strip()


def _link(row: Mapping[str, Any], landing: Mapping[str, str]) -> tuple[str | None, str]:
    """The work's address (records.work_link), else the landing page of a source it came from."""
    if link := work_link(row):
        return link, "doi" if _text(row.get("doi")) else "url"
    for source in split_list(row.get("sources")):
        if source in landing:
            return landing[source], "landing"
    return None, "none"


def build_site(included: pd.DataFrame, codes: pd.DataFrame, trail: pd.DataFrame, config: SiteConfig, *,
               title: str, theme_labels: Mapping[tuple[str, str], str] | None = None,
               definitions: Mapping[tuple[str, str, str], str] | None = None,
               suggestion_sources: Iterable[str] = ()) -> Site:
    """The site's entries, categories, runs and facets (see the module docstring)."""
    theme_labels, definitions = theme_labels or {}, definitions or {}
    suggestion_sources = set(suggestion_sources)
    when: dict[str, tuple[str, dt.datetime | None]] = {}
    for row in trail[["record_id", "source", "first_seen", "retrieved_at"]].itertuples(index=False):
        run = _text(row.first_seen)
        when[row.record_id] = (run, run_time(run, row.retrieved_at))
    runs_all = {run: moment for run, moment in when.values() if run}
    latest_run = max(runs_all, key=lambda r: (runs_all[r] or dt.datetime.min.replace(tzinfo=dt.timezone.utc), r),
                     default=None)

    themes_of: dict[str, list[Theme]] = {}
    for row in codes.to_dict("records"):
        theme = Theme(rq=_text(row.get("rq")), theme=theme_labels.get((_text(row.get("rq")), _text(row.get("theme"))),
                                                                     _text(row.get("theme"))),
                      code=_text(row.get("code")).replace("_", " "),
                      definition=definitions.get((_text(row.get("rq")), _text(row.get("theme")), _text(row.get("code"))), ""),
                      evidence=_text(row.get("evidence")), where=_text(row.get("field")))
        themes_of.setdefault(str(row["work_id"]), []).append(theme)

    entries = []
    for row in included.to_dict("records"):
        records = split_list(row.get("record_ids"))
        seen = sorted((when[r] for r in records if r in when and when[r][0]),
                      key=lambda item: (item[1] or dt.datetime.max.replace(tzinfo=dt.timezone.utc), item[0]))
        run, added = seen[0] if seen else ("", None)
        link, kind = _link(row, config.landing_pages)
        keywords = split_list(row.get("keywords"))
        year = row.get("year")
        entries.append(Entry(
            work_id=str(row["work_id"]), title=_text(row.get("title")) or "(untitled)",
            category=categorise(_text(row.get("doc_type")), keywords, config),
            year=int(year) if year is not None and not pd.isna(year) else None,
            authors=_text(row.get("authors")), venue=_text(row.get("venue")) or _text(row.get("publisher")),
            link=link, link_kind=kind, regions=split_list(row.get("regions")),
            countries=split_list(row.get("countries_detected")) or split_list(row.get("countries")),
            themes=themes_of.get(str(row["work_id"]), []), run=run, added=added,
            new=bool(run) and run == latest_run,
            suggested=SUGGESTED in (k.lower() for k in keywords)
            or any(s in suggestion_sources for s in split_list(row.get("sources")))))
    categories = [*config.categories, config.other]
    added_runs: dict[str, list[str]] = {}
    for entry in entries:
        if entry.run:
            added_runs.setdefault(entry.run, []).append(entry.work_id)
    runs = sorted((Run(r, runs_all.get(r), tuple(ids)) for r, ids in added_runs.items()),
                  key=lambda item: (item.when or dt.datetime.min.replace(tzinfo=dt.timezone.utc), item.run), reverse=True)
    latest = Run(latest_run, runs_all.get(latest_run), tuple(added_runs.get(latest_run, ()))) if latest_run else None
    if len(runs) < 2:  # the site's first edition: everything is an addition, nothing is "new"
        for entry in entries:
            entry.new = False
    return Site(title=config.title or title, description=config.description, suggest=config.suggest,
                url=config.url, categories=categories, entries=entries, runs=runs, latest=latest,
                themes=sorted({t.theme for e in entries for t in e.themes}, key=str.lower),
                regions=sorted({r for e in entries for r in e.regions}, key=str.lower))
