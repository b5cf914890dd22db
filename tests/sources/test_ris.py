"""RIS importer on real exports of every dialect in tests/data/tagged (see PROVENANCE.md there)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from pipeline.config import FileSource
from pipeline.errors import ConfigError, InputError
from pipeline.records import make_records
from pipeline.sources import ParsedFile, read_source_file, ris, sniff_format
from pipeline.sources.tagged import find_doi, year_part

DATA = Path(__file__).parent.parent / "data" / "tagged"


def read(path: Path, **options: Any) -> ParsedFile:
    return ris.read(path, FileSource(name="x", path=path, **options))


def table(path: Path, **options: Any) -> tuple[pd.DataFrame, list[str], ParsedFile]:
    parsed = read(path, **options)
    frame, warnings = make_records(parsed.records, source="x", native_ids=[r.get("_id") for r in parsed.records])
    return frame, warnings, parsed


def listed(value: Any) -> list[str]:
    return [] if value is None or pd.isna(value) else str(value).split("; ")


COUNTS = {
    "asreview__baseline.ris": 100,
    "asreview_baseline_zotero.ris": 100,
    "asreview_embase.ris": 6,
    "asreview_scopus.ris": 6,
    "asreview_pubmed_zotero.ris": 6,
    "asreview_pubmed_endnote.txt": 6,
    "asreview_ris_issue_992.txt": 19,
    "asreview_web_of_science.txt": 10,
    "asreview_baseline_empty_values.ris": 4,
    "asreview_faulty_year.ris": 1,
}


@pytest.mark.parametrize(("name", "count"), COUNTS.items())
def test_record_counts(name: str, count: int) -> None:
    parsed = read(DATA / name)
    assert len(parsed.records) == count
    assert parsed.found == count
    assert parsed.warnings == []
    assert parsed.records[0]["_where"].startswith("record 1 (line ")
    frame, _, _ = table(DATA / name)
    assert frame["record_id"].is_unique


@pytest.mark.parametrize(("name", "fmt"), [
    ("asreview_pubmed_endnote.txt", "ris"),
    ("asreview_ris_issue_992.txt", "ris"),
    # Named "web_of_science" but exported as RIS: it starts with "TY  - JOUR".
    ("asreview_web_of_science.txt", "ris"),
    ("rispy_example_wos.txt", "wos"),
])
def test_sniff_tells_txt_exports_apart(name: str, fmt: str) -> None:
    assert sniff_format(DATA / name) == fmt


def test_txt_export_goes_through_the_ris_importer() -> None:
    parsed, fmt = read_source_file(FileSource(name="wos_ris", path=DATA / "asreview_web_of_science.txt"))
    assert fmt == "ris" and len(parsed.records) == 10


def test_lens_baseline() -> None:
    frame, warnings, parsed = table(DATA / "asreview__baseline.ris")
    first = frame.iloc[0]
    assert first["record_id"] == "x:000-463-679-101-319"  # ID is the Lens id
    assert first["title"].startswith("The Value of Radiologic Interventions and 18 F-DOPA PET")
    assert listed(first["authors"])[0] == "Blomberg, Björn A."
    assert len(listed(first["authors"])) == 5
    assert (first["year"], first["doi"]) == (2012, "10.1007/s11307-012-0572-0")
    assert first["venue"] == "Molecular imaging and biology"
    assert (first["volume"], first["issue"], first["pages"]) == ("15", "1", "97-105")
    assert (first["publisher"], first["doc_type"]) == ("Springer New York", "journal article")
    assert first["url"] == "https://lens.org/000-463-679-101-319"
    assert frame["doi"].notna().sum() == 100 and frame["year"].notna().sum() == 100
    assert warnings == []


def test_zotero_baseline() -> None:
    frame, _, parsed = table(DATA / "asreview_baseline_zotero.ris")
    first = frame.iloc[0]
    assert first["title"] == ("An open source machine learning framework for efficient and transparent "
                              "systematic reviews")
    authors = listed(first["authors"])
    assert (authors[0], len(authors)) == ("van de Schoot, Rens", 17)
    assert (first["year"], first["doi"]) == (2021, "10.1038/s42256-020-00287-7")
    assert (first["venue"], first["pages"], first["doc_type"]) == ("Nature Machine Intelligence", "125-133",
                                                                   "journal article")
    # Zotero writes no id of its own: the record id is a content hash.
    assert parsed.records[0]["_id"] is None and len(first["source_record_id"]) == 16


def test_embase() -> None:
    frame, _, parsed = table(DATA / "asreview_embase.ris")
    second = frame.iloc[1]
    assert parsed.records[1]["_where"] == "record 2 (line 51)"
    assert second["record_id"] == "x:L39097156"  # U2, because DB is Embase and there is no AN/ID
    assert second["title"].startswith("Endoscopic ultrasound-guided fine-needle aspiration in the diagnosis")
    assert listed(second["authors"]) == ["Eloubeidi M.A.", "Cohn M.", "Cerfolio R.J.", "Chhieng D.C.",
                                         "Jhala N.", "Jhala D.", "Eltoum I.A."]
    assert (second["year"], second["doi"], second["venue"]) == (2004, "10.1002/cncr.20369", "Cancer")
    assert (second["doc_type"], second["language"]) == ("article", "English")
    assert len(listed(second["keywords"])) == 27
    assert frame["doc_type"].tolist() == ["article", "article", "article", "review", "article", "article"]


def test_scopus() -> None:
    frame, _, parsed = table(DATA / "asreview_scopus.ris")
    first = frame.iloc[0]
    assert first["record_id"] == "x:2-s2.0-85074596690"  # the EID inside UR
    assert first["title"].startswith("Stress and the brain-gut axis in functional and chronic-inflammatory")
    assert listed(first["authors"]) == ["Labanski, A.", "Langhorst, J.", "Engler, H.", "Elsenbruch, S."]
    assert (first["year"], first["doi"]) == (2020, "10.1016/j.psyneuen.2019.104501")
    assert first["venue"] == "Psychoneuroendocrinology"  # T2, the full name (J2 is the abbreviation)
    assert (first["doc_type"], first["publisher"]) == ("review", "Elsevier Ltd")  # M3 "Review"
    assert len(listed(first["keywords"])) == 9 and len(listed(first["affiliations"])) == 3
    # In the real file record 3's UR line is run into the last reference line of N1, so it has no
    # URL and no EID; its DOI still comes from DO.
    third = frame.iloc[2]
    assert parsed.records[2]["_id"] is None and pd.isna(third["url"])
    assert third["doi"] == "10.1016/j.jpsychores.2019.109836"


def test_pubmed_via_zotero() -> None:
    frame, _, _ = table(DATA / "asreview_pubmed_zotero.ris")
    first = frame.iloc[0]
    assert first["title"].startswith("The importance of cognitive flexibility and flexibility in coping")
    assert listed(first["authors"])[0] == "Rudnik, Agata"
    assert (first["year"], first["doi"]) == (2019, "10.5114/pg.2018.81081")
    assert first["venue"] == "Przeglad gastroenterologiczny"  # T2 before J2 "Prz Gastroenterol"
    assert (first["language"], len(listed(first["keywords"]))) == ("eng", 5)


def test_pubmed_via_endnote() -> None:
    frame, _, parsed = table(DATA / "asreview_pubmed_endnote.txt")
    assert parsed.records[0]["_where"] == "record 1 (line 2)"  # the file starts with a blank line
    second = frame.iloc[1]
    assert second["record_id"] == "x:29459515"  # AN is the PMID (ID is EndNote's record number)
    assert second["title"].startswith("Yuzu (Citrus junos Tanaka) Peel Attenuates")
    assert listed(second["authors"])[0] == "Abe, H." and len(listed(second["authors"])) == 12
    assert (second["year"], second["doi"], second["venue"]) == (2018, "10.5650/jos.ess17184", "J Oleo Sci")
    assert second["pages"] == "335-344"
    # KW and AD continue on untagged lines: each line is one keyword / one affiliation.
    keywords = listed(second["keywords"])
    assert len(keywords) == 23 and keywords[:2] == ["Administration, Oral", "Animals"]
    assert listed(second["affiliations"])[1] == "Shikoku Research Institute Inc."
    assert len(listed(second["affiliations"])) == 5


def test_rayyan() -> None:
    frame, _, parsed = table(DATA / "asreview_ris_issue_992.txt")
    first = frame.iloc[0]
    assert first["record_id"] == "x:rayyan-264552525"  # AN, not ID (a row number in Rayyan)
    assert parsed.records[0]["keywords"][:3] == ["Health Facility Administration", "Joint Commission", "Standards"]
    assert len(parsed.records[0]["keywords"]) == 13
    assert (first["title"], first["year"], first["pages"]) == ("Overcoming Medication Reconciliation Challenges",
                                                               2011, "1-5")
    fifth = frame.iloc[4]
    assert (fifth["title"], fifth["authors"], fifth["doi"]) == ("Quarterly change", "Park, C. S.",
                                                                "10.4168/aair.2012.4.1.1")
    assert pd.isna(fifth["url"])  # "<Go to ISI>://WOS:000298449100001" is not a URL
    # A2 (secondary author) and A4 are not authors; TY CASE and GEN keep their RIS names.
    assert pd.isna(frame.iloc[13]["authors"])
    assert (frame.iloc[13]["doc_type"], frame.iloc[16]["doc_type"]) == ("case", "generic")


def test_web_of_science_as_ris() -> None:
    frame, _, _ = table(DATA / "asreview_web_of_science.txt")
    first = frame.iloc[0]
    assert first["record_id"] == "x:WOS:000444108200009"
    assert first["title"] == "Holding Yourself Captive: Perceptions of Custody During Interviews and Interrogations"
    assert listed(first["authors"]) == ["Alceste, F", "Luke, TJ", "Kassin, SM"]
    assert (first["year"], first["doi"]) == (2018, "10.1016/j.jarmac.2018.03.001")
    assert first["venue"] == "JOURNAL OF APPLIED RESEARCH IN MEMORY AND COGNITION"
    assert len(listed(first["keywords"])) == 11 and len(listed(first["affiliations"])) == 3
    eighth = frame.iloc[7]  # the one record without AN: its ID is an EndNote label
    assert (eighth["record_id"], eighth["venue"]) == ("x:Kassin1997", "Law and Human Behavior")


def test_empty_values_give_record_warnings() -> None:
    frame, warnings, parsed = table(DATA / "asreview_baseline_empty_values.ris")
    assert warnings == ["record 2 (line 7): no title", "record 4 (line 18): no title"]
    assert frame["record_id"].tolist() == ["x:1", "x:2", "x:3", "x:4"]
    assert frame.iloc[0]["title"] == "Title of reference" and pd.isna(frame.iloc[0]["abstract"])
    assert frame.iloc[1]["abstract"].startswith("Lorem ipsum")
    assert set(frame["doc_type"]) == {"generic"}


def test_faulty_year_is_kept_with_a_warning() -> None:
    frame, warnings, _ = table(DATA / "asreview_faulty_year.ris")
    assert warnings == ['record 1 (line 1): year "10 15" is not a year; left empty']
    assert len(frame) == 1 and pd.isna(frame.iloc[0]["year"])
    assert frame.iloc[0]["title"].startswith("The Value of Radiologic Interventions")


def test_cut_short_file_is_an_error(tmp_path: Path) -> None:
    # Derived from the real Scopus export: the copy stops before the last record's ER line.
    lines = (DATA / "asreview_scopus.ris").read_text(encoding="utf-8").splitlines(keepends=True)
    cut = tmp_path / "scopus_cut.ris"
    cut.write_text("".join(lines[:1162]), encoding="utf-8")
    with pytest.raises(InputError, match=r"scopus_cut\.ris: record 6 starting at line 897 \(TY\) has no ER line: "
                                         r"the file ends before it") as info:
        read(cut)
    assert "export it again" in str(info.value)


def test_missing_er_before_next_record_is_an_error(tmp_path: Path) -> None:
    # Derived from the real EndNote export: record 2's ER line (line 116) removed.
    lines = (DATA / "asreview_pubmed_endnote.txt").read_text(encoding="utf-8").splitlines(keepends=True)
    assert lines[115].startswith("ER")
    broken = tmp_path / "endnote_no_er.txt"
    broken.write_text("".join(lines[:115] + lines[116:]), encoding="utf-8")
    with pytest.raises(InputError, match=r"record 2 starting at line 43 \(TY\) has no ER line: "
                                         r"a new record starts at line 117"):
        read(broken)


def test_stray_tagged_lines_are_reported(tmp_path: Path) -> None:
    # Derived from the real Rayyan export: record 1's TY line removed, so its fields have no record.
    lines = (DATA / "asreview_ris_issue_992.txt").read_text(encoding="utf-8").splitlines(keepends=True)
    broken = tmp_path / "rayyan_no_ty.txt"
    broken.write_text("".join(lines[1:]), encoding="utf-8")
    parsed = read(broken)
    assert len(parsed.records) == 18
    assert parsed.warnings == ["lines 1-24: tagged line(s) outside a record (no TY before them); ignored"]


def test_doi_found_in_url_or_notes_when_do_is_missing(tmp_path: Path) -> None:
    # Derived from the real Scopus and EndNote exports with their DO lines removed.
    for name, expected in [("asreview_scopus.ris", "10.1016/j.psyneuen.2019.104501"),
                           ("asreview_pubmed_endnote.txt", "10.2165/11586800-000000000-00000")]:
        text = (DATA / name).read_text(encoding="utf-8")
        copy = tmp_path / name
        copy.write_text("".join(line for line in text.splitlines(keepends=True) if not line.startswith("DO  -")),
                        encoding="utf-8")
        frame, _, _ = table(copy)
        assert frame.iloc[0]["doi"] == expected


def test_find_doi_needs_a_single_doi() -> None:
    # Values as they appear in the real files (Scopus UR, Lens L2, EndNote N1).
    assert find_doi(["https://www.scopus.com/inward/record.uri?eid=2-s2.0-85074596690"
                     "&doi=10.1016%2fj.psyneuen.2019.104501&partnerID=40"]) == "10.1016/j.psyneuen.2019.104501"
    frontiers = "https://www.frontiersin.org/articles/10.3389/fendo.2021.636959/full"
    assert find_doi([frontiers]) == "10.3389/fendo.2021.636959"
    assert find_doi(["ENC B, 1983, DOI 10.2307/2026499", "KIM JW, 1992, DOI 10.2307/2107741"]) is None


def test_year_part_reads_ris_dates() -> None:
    assert [year_part(v) for v in ["2012", "2019///", "2021/02/01/", "2020///nan", "10 15"]] == [
        "2012", "2019", "2021", "2020", "10 15"]


def test_id_column_names_a_tag() -> None:
    parsed = read(DATA / "asreview_pubmed_endnote.txt", id_column="ID")
    # EndNote's own record numbers instead of the PMIDs in AN.
    assert [r["_id"] for r in parsed.records] == ["369", "62", "131", "135", "249", "99"]
    assert parsed.warnings == []


def test_id_column_that_is_not_a_tag() -> None:
    with pytest.raises(ConfigError, match=r'x: id_column "ERIC_ID" is not a RIS tag'):
        read(DATA / "asreview_embase.ris", id_column="ERIC_ID")


def test_id_column_not_in_the_file() -> None:
    with pytest.raises(ConfigError, match=r'id_column "AN" is not used by any record') as info:
        read(DATA / "asreview_embase.ris", id_column="AN")
    assert "tags in this file: A1, AD," in str(info.value)


def test_id_column_missing_in_some_records() -> None:
    parsed = read(DATA / "asreview_web_of_science.txt", id_column="AN")
    assert parsed.records[7]["_id"] is None
    assert parsed.warnings == ["1 record(s) have no AN (id_column), first record 8 (line 339); "
                               "their ids are made from their content"]


def test_decoding_warning_is_passed_on(tmp_path: Path) -> None:
    # Derived from the real Lens export, re-encoded as Latin-1 ("Björn" is not ASCII).
    copy = tmp_path / "baseline_latin1.ris"
    copy.write_bytes((DATA / "asreview__baseline.ris").read_text(encoding="utf-8-sig").encode("latin-1", "replace"))
    parsed = read(copy)
    assert len(parsed.records) == 100
    assert len(parsed.warnings) == 1 and "not UTF-8; decoded as" in parsed.warnings[0]
    assert parsed.records[0]["authors"][0] == "Blomberg, Björn A."
