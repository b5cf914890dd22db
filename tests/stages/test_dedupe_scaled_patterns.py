"""Issue 16, second pass: the false merges the scaled benchmark sets showed, as rules on real records.

bench/dedupe_sets.py `scaled` repeats a shared set with perturbed copies; at 25,000 and 100,000
records it merged four pairs of different works (bench/results/dedupe_tried.md). Each was one of
two patterns, and each test here takes the real records the pair came from
(tests/data/dedupe/PROVENANCE.md) and makes only the fields the generator changed, saying so:

- two ClinicalTrials.gov registrations (copper 176 and 177: "https://clinicaltrials.gov/show/NCT…"
  in the venue, author "Nct") whose titles the generator made alike: different registration
  numbers now refuse the pair, and a long unclosed "[" tail is no longer stripped as a note;
- two conference abstracts on one supplement page by other authors (cytology_screening 1427 and
  1428, Journal of Lower Genital Tract Disease 14, pages "266" and "265-266"), titles made alike:
  "authors written differently" now needs one identical page range.
"""

from __future__ import annotations

import pandas as pd

from pipeline.config import DedupeConfig
from pipeline.stages.dedupe import dedupe
from pipeline.stages.dedupe.normalise import prepare, strip_title_notes
from pipeline.stages.dedupe.registry import registrations

from .test_dedupe_gold import records_of

#: The titles copy 19 of the scaled copper set gave records 176 and 177 (made by the generator).
SCALED_TITLES = (
    "Multidrug-Resistant infections? [Current To Reduce supplementation infections? Microbes and essential Infections",
    "Multidrug-Resistant infections? [Current Device Reducing Health-Acquired Infections Device a single-blinded "
    "Intensive pelvic choosing",
)


def only_pair(records: pd.DataFrame) -> tuple[str, str, int]:
    """(decision, rule) of the one compared pair, and the number of works."""
    result = dedupe(records, DedupeConfig())
    assert len(result.pairs) == 1, result.pairs
    return result.pairs.at[0, "decision"], result.pairs.at[0, "rule"], len(result.works)


def test_registration_numbers_are_read_from_venue_and_title() -> None:
    copper = records_of("copper", "176", "177", "185")
    assert dict(zip(copper["record_id"], prepare(copper)["registry"], strict=True)) == {
        "copper:176": "NCT01565798", "copper:177": "NCT01678612",
        "copper:185": "JPRN-UMIN000021723,UMIN000021723"}  # the WHO portal's address of a UMIN entry
    title = records_of("respiratory", "id_0001928")["title"].iloc[0]
    assert title.endswith("[ISRCTN74625030]")
    assert registrations(title, None) == "ISRCTN74625030"
    assert registrations("A trial of copper surfaces", "Journal of Hospital Infection") == ""


def test_two_registrations_with_one_title_are_two_works() -> None:
    records = records_of("copper", "176", "177")
    # made: one title and one sponsor for both, as registrations of one sponsor often have
    records["title"] = "Efficacy of copper to reduce acquisition of microbes and healthcare-acquired infections"
    assert only_pair(records) == ("different", "refuse: trial registration numbers differ", 2)
    # the same made pair without its registry addresses would be one work: the numbers decide
    records["venue"] = None
    assert only_pair(records)[::2] == ("same", 1)


def test_one_registration_twice_is_still_one_work() -> None:
    records = records_of("copper", "176", "177")
    records["title"] = records["title"].iloc[0]  # made: record 176 exported twice
    records["venue"] = records["venue"].iloc[0]
    decision, rule, n_works = only_pair(records)
    assert (decision, n_works) == ("same", 1)
    assert "registration" not in rule


def test_scaled_copper_registrations_are_two_works() -> None:
    records = records_of("copper", "176", "177")
    records["title"] = list(SCALED_TITLES)  # made: the generator's titles and first author
    records["authors"] = "Yones,"
    assert only_pair(records) == ("different", "refuse: trial registration numbers differ", 2)


def test_long_unclosed_bracket_is_title_not_note() -> None:
    # made (generator): a stray "[" with the title going on after it
    assert strip_title_notes(SCALED_TITLES[0]) == SCALED_TITLES[0]
    # real notes an export cut short are still notes
    for name, rid, kept_end in (("cytology_screening", "id_0000784", "routine clinical practice"),
                                ("cytology_screening", "id_0001313", "ASC-H Papanicolaou test results"),
                                ("respiratory", "id_0000424", "Japan Clinical Oncology Group trial 9806"),
                                ("respiratory", "id_0001016", "in children: a prospective, randomized trial")):
        title = records_of(name, rid)["title"].iloc[0]
        assert "[Errat" in title
        assert strip_title_notes(title).endswith(kept_end), (rid, strip_title_notes(title))


def test_abstracts_on_one_supplement_page_by_other_authors_are_two_works() -> None:
    records = records_of("cytology_screening", "id_0001427", "id_0001428")
    assert records["pages"].tolist() == ["266", "265-266"]
    # real: titles differ after the colon, so they are two works
    assert only_pair(records)[2] == 2
    # made: one title for both (as the scaled copy made them); authors Winter/Sternfeld against
    # Wilkinson/Raab share no name, and one page is all their pages share
    records["title"] = records["title"].iloc[0]
    decision, rule, n_works = only_pair(records)
    assert n_works == 2
    assert decision == "uncertain"
    # the same two with one identical page range are one article with its authors misspelt
    records["pages"] = "265-266"
    assert only_pair(records) == ("same", "same: title, year, volume and pages agree (authors written differently)", 1)
