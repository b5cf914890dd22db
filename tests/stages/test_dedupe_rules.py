"""Every refusal rule, and the main matching rules, on real record pairs from tests/data/dedupe.

Each test runs the stage on just the records it names, and checks the pair's decision and rule
as pairs.csv would show them. Where the real sets hold no example (a generic title such as
"Editorial" shared by two different items), the test builds one from a real record and says so.
"""

from __future__ import annotations

import pandas as pd
import pytest

from pipeline.config import DedupeConfig
from pipeline.stages.dedupe import dedupe
from pipeline.stages.dedupe.cluster import cluster

from .test_dedupe_gold import records_of


def decided(records: pd.DataFrame) -> tuple[str, str]:
    """(decision, rule) of the one pair the stage compared among two records."""
    pairs = dedupe(records, DedupeConfig()).pairs
    assert len(pairs) == 1, pairs
    return pairs.at[0, "decision"], pairs.at[0, "rule"]


# (set, record a, record b, decision, rule, what the pair is)
REFUSALS = [
    ("copper", "143", "485", "different", "refuse: article vs erratum",
     "an article and its erratum: same authors, the erratum's title quotes the article's"),
    ("diabetes", "id_0000998", "id_0001686", "different", "refuse: years 2 apart",
     "the same title and authors: a 2016 conference abstract and the 2018 article"),
    ("diabetes", "id_0000623", "id_0000670", "different", "refuse: DOIs differ",
     "the same title: a 2011 article and a 2010 abstract, each with its own DOI"),
    ("copper", "357", "366", "different", "refuse: volumes differ",
     "the same title, authors and year: conference abstracts in two journals (volumes 16 and 2)"),
    ("diabetes", "id_0001349", "id_0001674", "different", "refuse: pages differ",
     "the same title and authors: abstracts in two journals' supplements (S334 and A254-A255)"),
    ("respiratory", "id_0001409", "id_0001697", "different", "refuse: pages differ",
     "FOCUS 1 and FOCUS 2: two trials reported side by side (pages iii19-iii32 and iii33-iii44)"),
    ("diabetes", "id_0000493", "id_0000494", "different", "refuse: pages differ (same DOI and title)",
     "two abstracts on pages 51 and 52 under their supplement's DOI"),
]


@pytest.mark.parametrize(("name", "a", "b", "decision", "rule", "what"), REFUSALS, ids=[r[4] for r in REFUSALS])
def test_refusal_rules_on_real_pairs(name: str, a: str, b: str, decision: str, rule: str, what: str) -> None:
    assert decided(records_of(name, a, b)) == (decision, rule), what


MATCHES = [
    ("copper", "191", "273", "same: DOI and title agree",
     "online first (pages 1-7) and in print (765-771) under one DOI"),
    ("diabetes", "id_0001610", "id_0000599", "same: DOIs differ but title, authors, year, issue, pages and abstract are identical",
     "one abstract printed under two DOIs (Regulatory Peptides' and Appetite's)"),
    ("copper", "18", "239", "same: DOI, authors and abstract or pages agree; one title contains the other",
     "an export appended subject codes to the title"),
    ("cytology_screening", "id_0000001", "id_0000002", "same: title and authors agree", "plain duplicates"),
    ("cytology_screening", "id_0000146", "id_0000147",
     "same: title, year, volume and pages agree (authors written differently)", "Van Graaf and van der Graaf"),
    ("respiratory", "id_0000088", "id_0000089",
     "same: authors or venue, year, volume and pages agree (titles worded differently)",
     "an English title and the French article's translated title"),
    ("cytology_screening", "id_0000908", "id_0000910",
     "same: numbers in titles differ, but authors, volume and pages agree", "p6ink4a is a typing error for p16ink4a"),
]


@pytest.mark.parametrize(("name", "a", "b", "rule", "what"), MATCHES, ids=[r[3] for r in MATCHES])
def test_matching_rules_on_real_pairs(name: str, a: str, b: str, rule: str, what: str) -> None:
    assert decided(records_of(name, a, b)) == ("same", rule), what


UNCERTAIN = [
    ("respiratory", "id_0001355", "id_0001356", "uncertain: title and authors agree, venues differ"),
    ("respiratory", "id_0001881", "id_0001882",
     "uncertain: title and authors agree, years differ and no volume or pages agree"),
]


@pytest.mark.parametrize(("name", "a", "b", "rule"), UNCERTAIN, ids=[r[3] for r in UNCERTAIN])
def test_uncertain_pairs_go_to_the_reviewer(name: str, a: str, b: str, rule: str) -> None:
    assert decided(records_of(name, a, b)) == ("uncertain", rule)


def test_numbers_in_titles_refuse_when_nothing_else_tells() -> None:
    # FOCUS 1 and FOCUS 2 (respiratory) with their pages removed (made): only the number tells the
    # two trials apart, so the pair is kept apart (a refusal, not a question for the reviewer).
    records = records_of("respiratory", "id_0001409", "id_0001697").assign(pages=None)
    assert decided(records) == ("different", "refuse: numbers in titles differ")


def test_generic_title_is_refused_unless_everything_else_agrees() -> None:
    # Made from real records: cytology's one-word title "Response" given to two different items
    # (the real records 0000001 and 0000004, volume and pages removed so that only the title
    # speaks), and a copy of 0000001 under another id.
    records = records_of("cytology_screening", "id_0000001", "id_0000004").assign(
        title="Response", volume=None, pages=None)
    assert decided(records) == ("different", "refuse: generic title and not everything else agrees")
    same = records_of("cytology_screening", "id_0000001").iloc[[0, 0]].assign(
        record_id=["x:1", "x:2"], title="Response")
    assert decided(same) == ("same", "same: generic title, but authors, year, venue, volume and pages agree")


def test_years_one_apart_merge_when_volume_agrees() -> None:
    # cytology gold group: the same article dated 2006 and 2007 in two exports, volume 108 in both
    records = records_of("cytology_screening", "id_0000001", "id_0000002")
    records.loc[1, "year"] = records.loc[0, "year"] + 1  # made: the second export's year one later
    assert decided(records)[0] == "same"
    records.loc[1, "year"] = records.loc[0, "year"] + 2
    assert decided(records) == ("different", "refuse: years 2 apart")


def test_clustering_never_joins_records_a_refusal_kept_apart() -> None:
    # A = B and B = C, but A and C were refused: the weaker link (B = C, given second) is left out.
    labels, _, joined = cluster(3, same=[(0, 1), (1, 2)], refused=[(0, 2)])
    assert labels[0] == labels[1] != labels[2]
    assert joined == [True, False]


def test_clustering_reviewer_same_overrules_a_refusal_but_not_a_reviewer_different() -> None:
    labels, forced, _ = cluster(3, same=[], refused=[(0, 1)], reviewer_same=[(0, 1), (1, 2)],
                                reviewer_different=[(0, 2)])
    assert labels[0] == labels[1] != labels[2]
    assert forced == [True, False]
