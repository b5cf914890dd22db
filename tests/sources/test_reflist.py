"""Reference-list importer on the real Micro-Credential Observatory page (see tests/data/reflist/PROVENANCE.md)."""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import pytest

from pipeline.config import FileSource
from pipeline.errors import InputError
from pipeline.records import make_records
from pipeline.sources import ParsedFile, read_source_file, reflist, sniff_format

DATA = Path(__file__).parent.parent / "data" / "reflist"
OBSERVATORY = DATA / "observatory.txt"

POLICY, REPORT, ARTICLE, EVENT = "policy initiative", "report", "journal article or commentary", "event"

# Counted by hand from the file, section by section. The page's lists are tables flattened into
# lines: every row holds three cells (entries) except the first row of a table, whose first cell is
# the empty year ("20232023 …", "2023 2023 …"), and the journal section, which also has single
# entries on their own lines.
# - Policy initiatives, lines 59-71: line 59 has 2, lines 60-71 have 3 each (12 × 3) → 38.
# - Reports, lines 77-101: line 77 has 2, lines 78-101 have 3 each (24 × 3) → 74.
# - Journal articles, lines 107-334: 13 single lines (107-146, not counting the lone "2023" lines
#   115 and 126), 12 rows of 3 (147-158), 39 single lines (159-268, line 210 continues line 209),
#   9 rows of 3 (271-297), 3 single lines (300, 302, 306), a row of 3 (309), 3 single lines
#   (312-314), a row of 2 (315), 1 (317), 2 rows of 3 (320-321), a row of 2 (322), the lone "2018"
#   (324, none), a row of 2 (327), 4 single lines (329-334) → 13+36+39+27+3+3+3+2+1+6+2+2+4 = 141.
# - Events, lines 340-361: line 340 has 5, lines 341-361 have 3 each (21 × 3) → 68.
#   Line 360's third cell is "RIDE2020 Micro-credentials" (one entry: the row has three cells).
SECTION_COUNTS = {POLICY: 38, REPORT: 74, ARTICLE: 141, EVENT: 68}
TOTAL = 321


def read(path: Path) -> ParsedFile:
    return reflist.read(path, FileSource(name="observatory", path=path, format="reflist"))


@pytest.fixture(scope="module")
def observatory() -> ParsedFile:
    return read(OBSERVATORY)


def pairs(parsed: ParsedFile) -> list[tuple[str, str]]:
    return [(r["year"], r["title"]) for r in parsed.records]


def test_count_per_section(observatory: ParsedFile) -> None:
    assert len(observatory.records) == TOTAL == sum(SECTION_COUNTS.values())
    assert observatory.found == TOTAL
    assert Counter(r["doc_type"] for r in observatory.records) == SECTION_COUNTS


def test_headings_go_to_doc_type_and_keywords(observatory: ParsedFile) -> None:
    by_heading = {r["keywords"]: r["doc_type"] for r in observatory.records}
    assert by_heading == {
        "Major Policy Initiatives": POLICY,
        "National & International Reports": REPORT,
        "Useful Journal Articles, Books, Reports and Other Commentaries": ARTICLE,
        "Events, Conferences and Webinars": EVENT,
    }
    assert set(observatory.records[0]) == {"title", "year", "doc_type", "keywords", "_where"}


def test_empty_years_from_headings_are_skipped_with_warnings(observatory: ParsedFile) -> None:
    # "20232023 Ontario…" (59), "2023 2023  Working…" (77), "2023  " (115), "2023" (126), "2018" (324).
    assert observatory.warnings == [
        "line 59: year 2023 has no title; skipped",
        "line 77: year 2023 has no title; skipped",
        "line 115: year 2023 has no title; skipped",
        "line 126: year 2023 has no title; skipped",
        "line 324: year 2018 has no title; skipped",
    ]


# (year, title) at the tricky places of the file; each is checked to be an exact record.
TRICKY = [
    # Doubled year at the start, and entries glued with no separator (line 59).
    ("2023", "Ontario Micro-credentials Quality Framework"),
    ("2023", "Council Recommendation on a European Approach to Microcredentials for Lifelong Learning and Employability"),
    ("2022", "National Micro-credentials Framework - Australia"),
    # A year inside a title followed by ":" is not an entry start (line 62).
    ("2021", "Alberta 2030: Building Skills for Jobs"),
    ("2021", "ESCO Skill -Occupation Matrix Tables"),
    ("2021", "European Commission Micro-credential Public Consultation Process - closes 13th July"),
    # Space-separated entries (line 66) and MICROBOL2020 (line 67).
    ("2020", "European Skills Agenda"),
    ("2020", "A European Approach to Micro-credentials - Background Paper"),
    ("2020", "MICROBOL"),
    ("2020", "Europass Digital Credentials"),
    ("2020", "Europass Platform"),
    ("2020", "Malaysian Guidelines to Good Practices"),
    ("2019", "Review of Australian Qualification Framework"),
    ("2018", "NZ Approval of Micro-credentials"),
    # Doubled year "2023 2023  Working…" (line 77) and non-breaking spaces collapsed (line 78).
    ("2023", "Working Future: The Australian Government’s White Paper on Jobs and Opportunities"),
    ("2023", "Micro-credentials for Labour Market Education and Training"),
    ("2023", "Guide to Design, Issue and Recognise Micro-credentials"),
    ("2023", "Micro-credentials for Lifelong Learning and Employability - OECD"),
    ("2022", "Aotearoa New Zealand's Rationale for Micro-credentials"),
    # A year range at the end of a title (line 82).
    ("2021", "QQI Early Exploration into Micro-credentials in Higher Education, 2014-2020"),
    # "…Rebooting the Economy 2021 Skills Urgency…" (line 86).
    ("2021", "Productivity Commission White Paper: Rebooting the Economy"),
    ("2021", "Skills Urgency Transforming Australia's Workplaces"),
    ("2020", "Realising the Scope of Education through Credentialisation"),
    ("2018", "Educational Credentials Come of Age"),
    ("2016", "The Promises and Challenges of Digital Credentialing"),
    # Journal section: glued runs, a year after "Partnership ", and "10 Key Actions".
    ("2022", "Analysing and Mapping of Current Institutional Qualifications for Continuing Education and "
             "Professional Development and Micro-credentials in the MCE Partnership"),
    ("2022", "10 Key Actions to Ensure Micro-credentials Meets the Needs of Learners and Employers"),
    ("2021", "10 Key Actions to Ensure Micro-credentials Meet the Needs of Learners and Employers"),
    ("2021", "Micro-credentials in Ontario - Alex Usher"),
    # The wrapped title (lines 209-210).
    ("2022", "Introducing Mesocredentials: Connecting MOOC Achievement with Academic Credit"),
    ("2021", "Unboxing Micro-credentials (Draft Manuscript)"),
    # "…by 2025" at the end of a line is not an entry start (line 288).
    ("2021", "Online Degree and Micro-credential Market to Reach $117B by 2025"),
    ("2020", "The Futures of Work: What Education can and can't do"),
    # A year range in brackets, then a glued entry (line 327).
    ("2017", "Open Badges: A systematic Review of Peer-Reviewed Published Literature (2011-2015)"),
    ("2017", "The potential of digital credentials to engage students with capabilities of importance to "
             "scholars and citizens"),
    ("2015", "Developing Open Badges: a comprehensive approach"),
    # Events: dashes dropped ("2023 - ", "2021- ", "2022 -European", "2021 -  MicroCreds").
    ("2023", "International Micro-credential Summit - Week of March 20th Masterclass Registration)"),
    ("2022", "Micro-credentials in a Minute podcast series"),
    ("2022", "European Approach to Micro-credentials (12 May)"),
    ("2022", "eCampus Ontario Micro-credential Forum - Day 1 (March)"),
    ("2021", "Launch of European Digital Credentials for Learning - video"),
    ("2021", "MicroCreds: Towards a National Framework for Micro-credentials - IUA Video"),
    # "Video P12021 - Implementing…": the title ends "Video P1" (line 348).
    ("2021", "Implementing Micro-credentials in Continuing Education - Day 2 Video P1"),
    ("2021", "Implementing Micro-credentials in Continuing Education - Day 2 Video P2"),
    ("2021", "Implementing Micro-credentials in Continuing Education - Day 3 Video"),
    # "Higher Education 4:0" is not a year (line 349).
    ("2021", "Making Higher Education 4:0: The Inside Story - video"),
    # "…HolonIQ, 24 Feb 2021 Micro-credentials…": a date-like "Feb 2021" is still a boundary (line 355).
    ("2021", "Micro and Alternative Credentials - HolonIQ, 24 Feb"),
    ("2021", "Micro-credentials in the United States, 24 Feb"),
    ("2020", "Certifying Your Future"),
    ("2020", "MicroHE Conference Session A"),
    # "in 21C2016 Better 21C Credentials2026 Learning…" (line 361). The page really says 2026.
    ("2019", "Better Credentials: Living, Learning and Earning in 21C"),
    ("2016", "Better 21C Credentials"),
    ("2026", "Learning is Earning Edubloc Video"),
]


def test_tricky_entries_are_exact(observatory: ParsedFile) -> None:
    found = set(pairs(observatory))
    missing = [pair for pair in TRICKY if pair not in found]
    assert missing == []
    assert len(TRICKY) >= 30


def test_a_year_inside_a_title_kept_when_the_text_before_it_is_short(observatory: ParsedFile) -> None:
    # No general rule tells "The EvoLLLutions 2020 Year in Review eBook" (one title) from
    # "…Rebooting the Economy 2021 Skills Urgency…" (two). The importer splits at a space-separated
    # year only after at least three words, which keeps this title whole (module docstring, rule 4).
    assert ("2020", "The EvoLLLutions 2020 Year in Review eBook") in pairs(observatory)
    # And no split that would leave a one-word title: "RIDE2020 Micro-credentials" (rule 5).
    assert ("2020", "RIDE2020 Micro-credentials") in pairs(observatory)
    assert ("2020", "Micro-credentials") not in pairs(observatory)


def test_locations_and_line_order(observatory: ParsedFile) -> None:
    first, last = observatory.records[0], observatory.records[-1]
    assert (first["_where"], first["title"]) == ("line 59", "Ontario Micro-credentials Quality Framework")
    assert (last["_where"], last["title"]) == ("line 361", "Learning is Earning Edubloc Video")
    wrapped = next(r for r in observatory.records if r["title"].startswith("Introducing Mesocredentials"))
    assert wrapped["_where"] == "line 209"
    line_348 = [r["title"].rsplit(" - ", 1)[1] for r in observatory.records if r["_where"] == "line 348"]
    assert line_348 == ["Day 2 Video P1", "Day 2 Video P2", "Day 3 Video"]


# Years that are really part of a title; any other year glued to a letter would be a missed split.
GLUED_IN_TITLES = {"RIDE2020 Micro-credentials"}
YEARS_IN_TITLES = {
    "Alberta 2030: Building Skills for Jobs",
    "QQI Early Exploration into Micro-credentials in Higher Education, 2014-2020",
    "Online Degree and Micro-credential Market to Reach $117B by 2025",
    "The EvoLLLutions 2020 Year in Review eBook",
    "Open Badges: A systematic Review of Peer-Reviewed Published Literature (2011-2015)",
    *GLUED_IN_TITLES,
}


def test_no_title_glued_to_the_next(observatory: ParsedFile) -> None:
    titles = [r["title"] for r in observatory.records]
    assert {t for t in titles if re.search(r"[A-Za-z](19|20)\d\d", t)} == GLUED_IN_TITLES
    assert {t for t in titles if re.search(r"(?<!\d)(19|20)\d\d(?!\d)", t)} == YEARS_IN_TITLES
    assert all(len(t) >= 3 and t == t.strip() and "  " not in t and "\xa0" not in t for t in titles)
    # Dashes of event entries are dropped; no title starts with punctuation.
    assert [t for t in titles if not t[0].isalnum()] == []


def test_bullets_and_prose_are_not_entries(observatory: ParsedFile) -> None:
    titles = " ".join(r["title"] for r in observatory.records)
    assert "ICDE World Conference" not in titles
    assert "Digitary to support" not in titles
    assert "Microcredentials Sans Frontières" not in titles


def test_repeated_titles_are_all_kept_with_their_own_ids(observatory: ParsedFile) -> None:
    counts = Counter(r["title"] for r in observatory.records)
    assert counts["Implementation of MOOCs for Microcredentials and European University Alliances"] == 2
    assert counts["Implementation of MOOCs for Microcredentials and European University Alliance"] == 1
    assert counts["Current Trends in Microcredential Design and Delivery"] == 2
    assert counts["Joint ETUC-ETUCE Position on Micro-credentials"] == 1
    assert counts["Joint ETUC - ETUCE Position on Micro-credentials"] == 1
    frame, warnings = make_records(observatory.records, source="observatory")
    assert warnings == []
    assert len(frame) == TOTAL and frame["record_id"].is_unique
    # Same title key and year → the same content hash, numbered in file order.
    joint = frame[frame["title"].str.startswith("Joint ETUC")]["record_id"].tolist()
    assert len(joint) == 2 and joint[1] == f"{joint[0]}-2"
    assert frame["year"].min() == 2015 and frame["year"].max() == 2026
    assert frame["doc_type"].notna().all()


def test_read_through_the_source_contract() -> None:
    assert sniff_format(OBSERVATORY) == "reflist"
    parsed, fmt = read_source_file(FileSource(name="observatory", path=OBSERVATORY))
    assert fmt == "reflist" and len(parsed.records) == TOTAL


def test_other_reference_lists(tmp_path: Path) -> None:
    # Made-up list: one entry a line, no headings, "YEAR Title" and "Title (YEAR)" mixed.
    path = tmp_path / "made_up.txt"
    path.write_text("2019 A Made-up Title About Badges\n"
                    "Another Made-up Title on Credentials (2020).\n"
                    "2021 – A Third Made-up Title\n", encoding="utf-8")
    parsed = read(path)
    assert [(r["year"], r["title"], r["doc_type"], r["_where"]) for r in parsed.records] == [
        ("2019", "A Made-up Title About Badges", None, "line 1"),
        ("2020", "Another Made-up Title on Credentials", None, "line 2"),
        ("2021", "A Third Made-up Title", None, "line 3"),
    ]
    assert parsed.warnings == [] and "keywords" not in parsed.records[0]


def test_a_lone_year_takes_the_title_on_the_next_line(tmp_path: Path) -> None:
    # Made-up: a heading with a fallback type, a year on its own line with its title below it.
    path = tmp_path / "made_up.txt"
    path.write_text("Case Studies\n\n2022\nA Made-up Case Study\n\n• a bullet 2021 Not An Entry\n", encoding="utf-8")
    parsed = read(path)
    assert [(r["year"], r["title"], r["doc_type"], r["keywords"]) for r in parsed.records] == [
        ("2022", "A Made-up Case Study", "Case Studies", "Case Studies"),
    ]


def test_doc_type_table() -> None:
    assert reflist.doc_type("Major Policy Initiatives") == POLICY
    assert reflist.doc_type("Useful Journal Articles, Books, Reports and Other Commentaries") == ARTICLE
    assert reflist.doc_type("Books and Chapters") == "book"
    assert reflist.doc_type("Theses") == "thesis"
    assert reflist.doc_type("Podcasts") == EVENT
    assert reflist.doc_type("References") is None
    assert reflist.doc_type("Case Studies") == "Case Studies"


def test_no_entries_is_an_error(tmp_path: Path) -> None:
    # Made-up: prose only, no line that starts or ends with a year.
    path = tmp_path / "prose.txt"
    path.write_text("Micro-credentials\n\nA page about micro-credentials since 2019.\n", encoding="utf-8")
    with pytest.raises(InputError, match=r"observatory: no reference-list entries found in .*prose\.txt") as info:
        read(path)
    assert 'start with a year ("2021 Title")' in str(info.value)
