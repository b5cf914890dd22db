"""Serial titles, found in the data: a title that recurs in one venue or one author's series.

Journals and conferences repeat titles from issue to issue: "Editor's Comments", "Editorial
Introduction", "Introduction to the Minitrack on …", and grey literature does the same ("Annual
Report", "Guidelines"). Two such items share title, authors and venue, so the matching rules would
call them one work, and a unique work would be lost. A fixed list of generic titles cannot know
every serial's titles; the records can show them. A normalised title is *serial* in a venue (or,
for records without a venue, under one first author) when two records carrying it there are placed
apart by what places an item in a serial, as compare.py compares it, and have the same authors
(a serial's editor) or none:

- different volumes (not a volume that is the other's issue: compare.py's leniency holds), or
- different issues of one volume, or different pages of one volume, or
- different DOIs in different years (HICSS's "Introduction to the Minitrack on Crowdsourcing and
  Digital Workforce in the Gig Economy", 2021 and 2022), or
- years two or more apart, for records with no volume, pages or DOI, which have nothing else to
  place them (one article online and in print is a year apart at most; a Cochrane review and its
  update, "CD006828" in 2008 and 2012, are one work to the labelled sets and are not serial items).

Every record carrying that title in that venue (or series) is then a serial item, also one whose
record lacks the field that differs. A pair of which one record is a serial item is one work only
when the DOIs are equal, or when venue, year, volume, issue and pages all agree (decide.py).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .compare import DIFFERENT, SAME

#: Titles at least this alike (rapidfuzz ratio of the normalised titles) count as one title.
SAME_TITLE = 0.99
#: Author lists at least this alike (decide.Thresholds.same_authors) are one editor's or author's.
SAME_AUTHORS = 0.90


def _keys(features: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """Per record: its (title, venue) key, and its (title, first author) key when it has no venue."""
    titles = features["title"].to_numpy(dtype=object)
    venues = np.array([v.split("|")[0] for v in features["venue"]], dtype=object)
    authors = features["first_author"].to_numpy(dtype=object)
    venue_key = np.where((titles != "") & (venues != ""), titles + "\x1f" + venues, "")
    author_key = np.where((titles != "") & (venues == "") & (authors != ""), titles + "\x1e" + authors, "")
    return venue_key, author_key


def serial_records(features: pd.DataFrame, sims: pd.DataFrame) -> np.ndarray:
    """One flag per record: it carries a title that is serial in its venue or series (see above)."""
    n = len(features)
    if not len(sims) or not n:
        return np.zeros(n, dtype=bool)
    a = sims["a"].to_numpy(dtype=np.int64)
    b = sims["b"].to_numpy(dtype=np.int64)
    venue_key, author_key = _keys(features)
    same_place = ((venue_key[a] != "") & (venue_key[a] == venue_key[b])) | \
                 ((author_key[a] != "") & (author_key[a] == author_key[b]))
    volume = sims["volume"].to_numpy(dtype=object)
    issue = sims["issue"].to_numpy(dtype=object)
    pages = sims["pages"].to_numpy(dtype=object)
    gap = sims["year_gap"].to_numpy(dtype=float)
    # records with nothing but a year to place them (reports, web pages, proceedings without DOIs)
    unplaced = ~(features["volume"].astype(bool) | features["pages"].astype(bool)
                 | features["doi"].astype(bool)).to_numpy()
    doi = sims["doi"].to_numpy(dtype=object)
    apart = ((volume == DIFFERENT) | ((volume == SAME) & ((issue == DIFFERENT) | (pages == DIFFERENT)))
             | ((doi == DIFFERENT) & (gap >= 1)) | ((gap >= 2) & unplaced[a] & unplaced[b]))
    # a serial's recurring item has the same authors (its editor) or none; two research articles
    # of one title by different authors are two works, not a serial (the other rules see to them)
    authors = sims["authors"].to_numpy(dtype=float)
    same_hands = np.isnan(authors) | (authors >= SAME_AUTHORS)
    hit = same_place & apart & same_hands & (sims["title"].to_numpy(dtype=float) >= SAME_TITLE)
    if not hit.any():
        return np.zeros(n, dtype=bool)
    keys = set(venue_key[a[hit]]) | set(author_key[a[hit]])
    keys.discard("")
    return np.fromiter((v in keys or w in keys for v, w in zip(venue_key, author_key, strict=True)), bool, n)


def serial_pairs(features: pd.DataFrame, sims: pd.DataFrame) -> np.ndarray:
    """Per compared pair: is either record a serial item (`serial_records`)?"""
    flags = serial_records(features, sims)
    if not len(sims):
        return np.zeros(0, dtype=bool)
    return flags[sims["a"].to_numpy(dtype=np.int64)] | flags[sims["b"].to_numpy(dtype=np.int64)]
