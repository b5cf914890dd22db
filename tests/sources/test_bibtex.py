"""BibTeX exports: LaTeX decoded, names as "Family, Given", Scopus/WoS/Mendeley quirks, broken entries."""

from __future__ import annotations

import csv
import shutil
from pathlib import Path

import pytest

from pipeline.cli import main
from pipeline.config import FileSource
from pipeline.errors import InputError
from pipeline.records import make_records
from pipeline.sources import read_source_file

DATA = Path(__file__).parent.parent / "data" / "bibtex"


def _read(path: Path | str):
    path = DATA / path if isinstance(path, str) else path
    parsed, fmt = read_source_file(FileSource(name="b", path=path))
    frame, warnings = make_records(parsed.records, source="b", native_ids=[r["_id"] for r in parsed.records])
    return frame.set_index("source_record_id"), parsed, warnings, fmt


# Counts by `grep -c '^@'` on each file (broken_entry.bib: 7 entries, one of them broken).
@pytest.mark.parametrize("name, count, found", [
    ("colrev_example_records.bib", 7, 7),
    ("colrev_web_of_science.bib", 2, 2),
    ("mendeley_random_subset.bib", 16, 16),
    ("screenie_scopus_first19.bib", 19, 19),
    ("broken_entry.bib", 6, 7),
])
def test_record_counts(name: str, count: int, found: int) -> None:
    frame, parsed, _, fmt = _read(name)
    assert fmt == "bibtex" and len(frame) == count and parsed.found == found
    assert frame["title"].notna().all() and frame.index.is_unique


def test_latex_is_decoded_and_fields_mapped() -> None:
    frame, parsed, warnings, _ = _read("colrev_example_records.bib")
    assert parsed.warnings == [] and warnings == []
    assert frame.loc["Srivastava2015", "title"] == ("Bridging the service divide through digitally enabled service "
                                                    "innovations: Evidence from Indian healthcare service providers")
    assert frame.loc["Stabell1998", "authors"] == "Stabell, Charles B.; Fjeldstad, Øystein D."
    assert frame.loc["Stahl2014", "venue"] == "Information & Management"
    assert frame.loc["Standing2010", "title"] == "A review of research on e-marketplaces 1997–2008"
    assert frame.loc["Standing2010", "pages"] == "41-51" and frame.loc["Standing2010", "year"] == 2010
    assert frame.loc["Stanoevska-Slabeva2002", "publisher"] == "Taylor & Francis"
    assert frame.loc["Stanovsky2017", "doc_type"] == "conference paper"
    assert frame.loc["Stanovsky2017", "venue"].startswith("Proceedings of the Annual Meeting")
    assert frame.loc["Srivastava2015", "language"] == "eng"


def test_mendeley_export() -> None:
    frame, parsed, warnings, _ = _read("mendeley_random_subset.bib")
    assert parsed.warnings == [] and warnings == []
    # Accents in every LaTeX spelling Mendeley writes, "von" parts, braced family names.
    assert frame.loc["gehring15", "authors"].split("; ")[1:3] == ["Händchen, Vitus", "Duhme, Jörg"]
    assert frame.loc["julsgaard04", "authors"].split("; ")[3] == "Fiurášek, Jaromír"
    assert frame.loc["puchala15", "authors"].split("; ")[:2] == ["Puchała, Zbigniew", "Rudnicki, Łukasz"]
    assert frame.loc["brukner99", "authors"] == "Brukner, Časlav; Zeilinger, Anton"
    assert frame.loc["vanerven14", "authors"] == "van Erven, Tim; Harremoes, Peter"
    assert frame.loc["versteeg09", "authors"] == "Ver Steeg, Greg; Wehner, Stephanie"
    # Double braces and accents in titles; {\_} in DOIs and {~} in URLs are unescaped, not decoded.
    assert frame.loc["vanerven14", "title"] == "Rény Divergence and Kullback-Leibler Divergence"
    assert frame.loc["liu15b", "doi"] == "10.1007/978-3-662-46803-6_26"
    assert frame.loc["chandrasekaran15", "url"] == "http://users.cms.caltech.edu/~venkatc/cs_rep_preprint.pdf"
    assert frame.loc["dammeier15", ["year", "doi", "venue", "volume", "issue", "pages", "doc_type"]].tolist() == \
        [2015, "10.1088/1367-2630/17/9/093046", "New Journal of Physics", "17", "9", "093046", "journal article"]
    assert frame.loc["birula07", ["venue", "pages", "publisher", "doc_type"]].tolist() == \
        ["AIP Conference Proceedings", "52-61", "AIP", "conference paper"]
    assert frame.loc["sanov61", ["venue", "doc_type"]].tolist() == \
        ["Selected Translations in Mathematical Statistics and Probability", "book chapter"]
    # A thesis's `type` ("Semester Thesis") is a subtype; arXiv preprints get arXiv as venue.
    assert frame.loc["azarchs04", ["doc_type", "venue", "publisher"]].tolist() == \
        ["thesis", "arXiv", "California Institute of Technology"]
    assert frame.loc["renes14b", ["doc_type", "venue"]].tolist() == ["generic", "arXiv"]
    assert frame.loc["hanggi10", "keywords"] == "Cryptography and Security; Quantum Physics"
    assert frame.loc["chandrasekaran15", "doc_type"] == "unpublished work"


def test_scopus_export_keeps_repeated_keys() -> None:
    # Scopus keys every 2022 paper by a Liu "Liu2022"; all three are kept, each under its EID.
    frame, parsed, warnings, _ = _read("screenie_scopus_first19.bib")
    assert parsed.warnings == [] and warnings == []
    liu = frame[frame["authors"].str.startswith("Liu, ")]
    assert liu.index.tolist() == ["2-s2.0-85129595355", "2-s2.0-85129892296", "2-s2.0-85127458304"]
    assert liu["venue"].tolist() == ["Fungal Ecology", "Frontiers in Microbiology", "iScience"]
    first = frame.loc["2-s2.0-85126895952"]
    assert (first["title"], first["year"], first["doi"], first["volume"], first["issue"]) == \
        ("Integrative interactomics applied to bovine fescue toxicosis", 2022, "10.1038/s41598-022-08540-2", "12", "1")
    assert first["authors"].split("; ")[:2] == ["Mote, R.S.", "Hill, N.S."]
    letter = frame.loc["2-s2.0-85130025845"]
    assert letter["doc_type"] == "Letter" and letter["authors"].startswith("Bastías, D.A.")
    assert "growth–defence trade-off" in letter["title"] and letter["pages"] == "388-390"
    assert frame.loc["2-s2.0-85126945252", "title"].endswith("[Epichloë内生真菌对禾草种子萌发影响研究进展]")


def test_web_of_science_bibtex() -> None:
    frame, _, _, _ = _read("colrev_web_of_science.bib")
    assert list(frame.index) == ["WOS:000223334444221", "WOS:000444488888888"]
    first = frame.loc["WOS:000223334444221"]
    assert first["doi"] == "10.1007/999-9-999-99999-9_3"
    assert (first["venue"], first["pages"], first["doc_type"]) == ("A BOOKTITLE", "48-98", "conference paper")
    assert frame.loc["WOS:000444488888888", "authors"] == "Articlewriter, Julian; Guestwriter, Paul"


def test_broken_entry_is_a_warning_and_the_rest_is_kept() -> None:
    frame, parsed, _, _ = _read("broken_entry.bib")
    assert "Srivastava2015" not in frame.index and "Stabell1998" in frame.index
    assert parsed.found == 7
    assert parsed.warnings == ["broken_entry.bib, line 11: entry skipped, it could not be parsed "
                               "('@article{Srivastava2015,'); fix it in the file or re-export"]


def test_names_given_first_and_corporate(tmp_path: Path) -> None:
    # Made for the test: an entry of mendeley_random_subset.bib with its authors rewritten in the
    # "Given Family" form hand-written files use, plus a braced corporate author and "others".
    text = (DATA / "mendeley_random_subset.bib").read_text(encoding="utf-8")
    start = text.index("@article{dammeier15")
    entry = text[start:text.index("\n}\n", start) + 3].replace(
        "Dammeier, Lars and Schwonnek, Ren{\\'{e}} and Werner, Reinhard F",
        "Lars Dammeier and Ren{\\'{e}} Schwonnek and {World Health Organization} and {Barnes and Noble} and others")
    path = tmp_path / "given_first.bib"
    path.write_text(entry, encoding="utf-8")
    frame, _, _, _ = _read(path)
    assert frame.loc["dammeier15", "authors"] == \
        "Dammeier, Lars; Schwonnek, René; World Health Organization; Barnes and Noble"


def test_repeated_field_keeps_the_entry(tmp_path: Path) -> None:
    # Made for the test: real Scopus exports repeat `funding_details` (and sometimes a field we
    # read); bibtexparser flags such entries as failed, and they must still be imported.
    text = (DATA / "screenie_scopus_first19.bib").read_text(encoding="utf-8")
    text = text.replace("document_type={Letter},", "funding_details={A},\nfunding_details={B},\n"
                                                   "note={cited By 1},\ndocument_type={Letter},", 1)
    path = tmp_path / "scopus.bib"
    path.write_text(text, encoding="utf-8")
    frame, parsed, _, _ = _read(path)
    assert len(frame) == 19 and parsed.warnings == []
    assert frame.loc["2-s2.0-85130025845", "doc_type"] == "Letter"
    path.write_text(text.replace("year={2022},\nvolume={235},", "year={2022},\nyear={2021},\nvolume={235},"),
                    encoding="utf-8")
    frame, parsed, _, _ = _read(path)
    assert frame.loc["2-s2.0-85130025845", "year"] == 2021
    assert parsed.warnings == ["scopus.bib, line 46: entry Bastías2022388 has year more than once; "
                               "the last value is used"]


def test_file_without_entries_is_an_error(tmp_path: Path) -> None:
    path = tmp_path / "empty.bib"
    path.write_text("% exported from JabRef\n@comment{jabref-meta: databaseType:bibtex;}\n", encoding="utf-8")
    with pytest.raises(InputError) as err:
        _read(path)
    assert str(err.value).startswith(f"b: no records found in {path} (read as bibtex)")


PROTOCOL = """\
id: t
title: BibTeX import
research_questions: {RQ1: "What?"}
sources:
  - {name: scopus, type: file, path: data/t/imports/scopus.bib, database: Scopus}
  - {name: mixed, type: file, path: data/t/imports/broken.bib}
"""


def test_warnings_land_in_the_search_log(tmp_path: Path) -> None:
    imports = tmp_path / "data" / "t" / "imports"
    imports.mkdir(parents=True)
    shutil.copy(DATA / "screenie_scopus_first19.bib", imports / "scopus.bib")
    shutil.copy(DATA / "broken_entry.bib", imports / "broken.bib")
    (tmp_path / "config").mkdir()
    (tmp_path / "config" / "review.yaml").write_text(PROTOCOL)
    assert main(["--root", str(tmp_path), "search"]) == 0
    stage = tmp_path / "outputs" / "t" / "01_search"
    with open(stage / "search_log.csv", encoding="utf-8", newline="") as handle:
        log = {row["source"]: row for row in csv.DictReader(handle)}
    assert (log["scopus"]["records_found"], log["scopus"]["records_read"], log["scopus"]["warnings_count"]) == \
        ("19", "19", "0")
    assert (log["mixed"]["records_found"], log["mixed"]["records_read"], log["mixed"]["format"]) == ("7", "6", "bibtex")
    assert log["mixed"]["warnings_count"] == "1"
    assert log["mixed"]["warnings"] == ("broken.bib, line 11: entry skipped, it could not be parsed "
                                        "('@article{Srivastava2015,'); fix it in the file or re-export")
    with open(stage / "records.csv", encoding="utf-8", newline="") as handle:
        ids = [row["record_id"] for row in csv.DictReader(handle)]
    assert len(ids) == 25 and "scopus:2-s2.0-85127458304" in ids and "mixed:Stabell1998" in ids
