"""Decide each candidate pair with rules a reader can follow: same, different or uncertain.

The rules are tried in order and the first that applies decides; its name goes to pairs.csv.
Refusals come first: a real difference in a field that identifies an item (DOI, year, volume,
pages, the kind of item, the numbers in the title) keeps two records apart however alike their
titles are, because losing a unique work is worse than keeping a duplicate. Only then do the
matching rules look for enough agreement to call two records one work. A pair that is close but
not close enough is "uncertain": it is not merged, and it is what a reviewer should look at.

The rules are a table (`rules`): each line a decision, the text written to pairs.csv, and the
condition as a vectorised mask over all pairs, so that a million pairs take a second.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np
import pandas as pd

from .compare import DIFFERENT, SAME

#: Rules whose refusal is a hard fact about the two records: clustering never joins records that
#: one of these kept apart, even through a chain of other pairs.
HARD_REFUSALS = ("kind", "year", "registry", "doi", "volume", "issue", "pages", "serial")


@dataclass(frozen=True)
class Thresholds:
    """The similarity levels the rules use (from DedupeConfig)."""

    same_title: float = 0.95
    similar_title: float = 0.90
    review_title: float = 0.80
    same_authors: float = 0.90
    same_venue: float = 0.85
    max_year_gap: int = 1


@dataclass(frozen=True)
class Rule:
    """One line of the decision table: when `when` holds (and no earlier rule did), decide."""

    decision: str
    text: str
    refusal: str
    when: np.ndarray


def rules(sims: pd.DataFrame, t: Thresholds) -> list[Rule]:
    """The decision table, in order; the first rule that holds for a pair decides it.

    Comparisons with a missing similarity (NaN) are false, so a rule never fires on a gap.
    """
    def num(name: str) -> np.ndarray:
        return sims[name].to_numpy(dtype=float)

    def text(name: str) -> np.ndarray:
        return sims[name].to_numpy(dtype=object)

    title, tokens, authors, venue, abstract = (num(n) for n in ("title", "title_tokens", "authors", "venue", "abstract"))
    gap = num("year_gap")
    doi, volume, issue, pages, numbers = (text(n) for n in ("doi", "volume", "issue", "pages", "title_numbers"))
    same_doi, other_doi = doi == SAME, doi == DIFFERENT
    same_volume, same_pages = volume == SAME, pages == SAME
    biblio = same_volume & same_pages                      # volume and pages place it in its journal
    authors_agree = authors >= t.same_authors
    authors_close = (num("surnames") >= 0.8) | (num("first_author") >= 0.9)
    no_authors = np.isnan(authors)
    venue_conflict = venue < 0.6
    venue_agree = venue >= t.same_venue
    same_year = gap == 0
    same_title = title >= t.same_title
    similar_title = title >= t.similar_title
    # titles loosely alike; closely alike when both are single pages (abstracts share pages)
    related = np.where(sims["page_range"].to_numpy(dtype=bool), (title >= 0.6) | (tokens >= 0.75),
                       title >= t.review_title)
    doi_title = same_doi & similar_title
    # online-first pages start at 1; different pages under one DOI otherwise mean a supplement's DOI
    supplement_pages = (pages == DIFFERENT) & ~sims["page_one"].to_numpy(dtype=bool)
    # Different DOIs are overruled only by records alike in everything that places an item in its
    # journal: issue and the whole page range too ("3-8" against "3-4" is another item).
    identical = ((title >= 0.99) & (authors >= 0.95) & same_year & same_pages & (volume != DIFFERENT)
                 & (issue != DIFFERENT) & ~venue_conflict & ~(abstract < 0.9))
    # A serial's title (serial.py): one work only when the DOIs are equal, or venue, year, volume,
    # issue and pages all agree; a pair where one record lacks one of them goes to a reviewer.
    serial = sims["serial"].to_numpy(dtype=bool) & ~same_doi & ((title >= t.similar_title) | (tokens >= 0.95))
    placed_apart = ((gap >= 1) | venue_conflict | (volume == DIFFERENT) | (issue == DIFFERENT)
                    | (pages == DIFFERENT))
    placed_together = (same_year & ~(venue < t.same_venue) & ~sims["one_sided"].to_numpy(dtype=bool)
                       & ((issue == SAME) | same_pages))  # a volume holds several issues: not enough
    one_range = sims["pages_exact"].to_numpy(dtype=bool) & sims["page_range"].to_numpy(dtype=bool)
    generic = sims["generic"].to_numpy(dtype=bool)
    other_numbers = numbers == DIFFERENT
    title_authors = same_title & authors_agree
    missing = [(d != SAME) & (d != DIFFERENT) for d in (doi, volume, pages)]
    title_only = no_authors & np.isnan(venue) & np.isnan(abstract) & missing[0] & missing[1] & missing[2]
    return [
        Rule("different", "refuse: {kind_a} vs {kind_b}", "kind", text("kind_a") != text("kind_b")),
        Rule("different", "refuse: years {year_gap:.0f} apart", "year", gap > t.max_year_gap),
        # two trial registrations, or articles naming different trials (registry.py)
        Rule("different", "refuse: trial registration numbers differ", "registry", text("registry") == DIFFERENT),
        Rule("different", "refuse: pages differ (same DOI and title)", "pages", doi_title & supplement_pages),
        Rule("same", "same: DOI and title agree", "",
             doi_title & (authors_close | no_authors | biblio | (abstract >= 0.9))),
        # one title holds the other and more (a subtitle, subject codes an export appended)
        Rule("same", "same: DOI, authors and abstract or pages agree; one title contains the other", "",
             same_doi & (tokens >= 0.95) & authors_agree & (pages != DIFFERENT) & ((abstract >= 0.9) | biblio)),
        Rule("different", "refuse: serial title (it recurs in the venue or series); year, venue, volume, "
             "issue or pages differ", "serial", serial & placed_apart),
        Rule("uncertain", "uncertain: serial title (it recurs in the venue or series); year, venue, volume, "
             "issue and pages not all given on both", "serial", serial & ~placed_together),
        Rule("same", "same: DOIs differ but title, authors, year, issue, pages and abstract are identical", "",
             other_doi & identical),
        Rule("different", "refuse: DOIs differ", "doi", other_doi),
        Rule("different", "refuse: volumes differ", "volume", volume == DIFFERENT),
        Rule("different", "refuse: issues of one volume differ", "issue", same_volume & (issue == DIFFERENT)),
        Rule("different", "refuse: pages differ", "pages", pages == DIFFERENT),
        Rule("same", "same: generic title, but authors, year, venue, volume and pages agree", "",
             generic & biblio & authors_agree & same_year & (venue_agree | np.isnan(venue))),
        Rule("different", "refuse: generic title and not everything else agrees", "generic", generic),
        Rule("same", "same: numbers in titles differ, but authors, volume and pages agree", "",
             other_numbers & biblio & authors_agree & (title >= t.review_title)),
        Rule("different", "refuse: numbers in titles differ", "numbers", other_numbers),
        Rule("same", "same: title, authors and pages agree (venue written differently)", "",
             title_authors & venue_conflict & same_pages),
        Rule("uncertain", "uncertain: title and authors agree, venues differ", "", title_authors & venue_conflict),
        Rule("uncertain", "uncertain: title and authors agree, years differ and no volume or pages agree", "",
             title_authors & (gap == 1) & ~same_volume & ~same_pages),
        Rule("same", "same: title and authors agree", "", title_authors),
        # authors that hardly agree are only "written differently" on one page range; one page
        # shared ("616" in "615-616") holds several abstracts of a supplement, by other authors
        Rule("same", "same: title, year, volume and pages agree (authors written differently)", "",
             same_title & biblio & same_year & ~venue_conflict & (~(authors < 0.5) | one_range)),
        Rule("same", "same: similar title; authors, year and volume or pages agree", "",
             similar_title & authors_close & same_year & ~venue_conflict & (same_pages | same_volume)),
        Rule("same", "same: title, year and volume and pages or abstract agree (no authors)", "",
             same_title & no_authors & same_year & ~venue_conflict & (biblio | (abstract >= 0.9))),
        # volume, pages and year place an article in its journal; a second title there by the
        # same authors is the same article translated or reworded
        Rule("same", "same: authors or venue, year, volume and pages agree (titles worded differently)", "",
             biblio & same_year & (authors_agree | (no_authors & venue_agree)) & related),
        # A reference list gives only "YEAR Title": the same long title in the same year, with
        # nothing else on either record that could tell them apart, is the entry listed twice.
        Rule("same", "same: identical title (6+ words) and year; nothing else to compare", "",
             (title >= 0.99) & same_year & title_only & (num("title_words") >= 6)),
        Rule("uncertain", "uncertain: similar titles, not enough else agrees", "",
             (title >= t.review_title) | (tokens >= 0.95)),
        Rule("different", "different: titles differ", "", np.ones(len(sims), dtype=bool)),
    ]


def score(sims: pd.DataFrame) -> np.ndarray:
    """One number in [0, 1] per pair to sort them by (the rules decide, not this score).

    A weighted mean of the similarities that are present, with exact agreements as 1 and exact
    differences as 0.
    """
    parts = {
        "title": (sims["title"].to_numpy(), 4.0),
        "authors": (sims["authors"].to_numpy(), 2.0),
        "venue": (sims["venue"].to_numpy(), 1.0),
        "abstract": (sims["abstract"].to_numpy(), 1.0),
    }
    for name, weight in (("doi", 2.0), ("volume", 1.0), ("pages", 1.0)):
        values = sims[name].to_numpy()
        parts[name] = (np.where(values == SAME, 1.0, np.where(values == DIFFERENT, 0.0, np.nan)), weight)
    gap = sims["year_gap"].to_numpy(dtype=float)
    parts["year"] = (np.where(np.isnan(gap), np.nan, np.clip(1.0 - gap / 2.0, 0.0, 1.0)), 1.0)
    total = np.zeros(len(sims))
    weights = np.zeros(len(sims))
    for values, weight in parts.values():
        present = ~np.isnan(values)
        total += np.where(present, values, 0.0) * weight
        weights += present * weight
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.round(np.where(weights > 0, total / weights, 0.0), 4)


def decide(sims: pd.DataFrame, thresholds: Thresholds) -> pd.DataFrame:
    """decision, rule and refusal (the hard-refusal kind, or "") for every compared pair."""
    table = rules(sims, thresholds)
    if not len(sims):
        return pd.DataFrame({"decision": [], "rule": [], "refusal": []}, dtype=object)
    first = np.argmax(np.vstack([rule.when for rule in table]), axis=0)  # the first rule that holds
    decision = np.array([rule.decision for rule in table], dtype=object)[first]
    rule_text = np.array([rule.text for rule in table], dtype=object)[first]
    refusal = np.array([rule.refusal for rule in table], dtype=object)[first]
    # Rules that name what they saw: fill in the values for the pairs they decided.
    for k, rule in enumerate(table):
        if "{" in rule.text:
            rows = np.flatnonzero(first == k)
            if len(rows):
                names = re.findall(r"{(\w+)", rule.text)
                columns = [sims[name].to_numpy()[rows] for name in names]
                rule_text[rows] = [rule.text.format(**dict(zip(names, values, strict=True)))
                                   for values in zip(*columns, strict=True)]
    return pd.DataFrame({"decision": decision, "rule": rule_text, "refusal": refusal})
