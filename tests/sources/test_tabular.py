"""CSV / TSV / XLSX exports: aliases, the protocol's columns mapping, ids, encodings, bad input."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from pipeline.config import FileSource
from pipeline.errors import InputError
from pipeline.records import make_records
from pipeline.sources import read_source_file
from pipeline.sources.tabular import split_authors, split_keywords

DATA = Path(__file__).parent.parent / "data" / "tabular"
SHARED = Path(__file__).parents[3] / "shared" / "benchmarks"


def _read(name: str, **options):
    source = FileSource(name="t", path=DATA / name if "/" not in name else Path(name), **options)
    parsed, fmt = read_source_file(source)
    frame, warnings = make_records(parsed.records, source="t", native_ids=[r["_id"] for r in parsed.records])
    return frame, parsed.warnings + warnings, fmt


@pytest.mark.parametrize("name, fmt, count", [
    ("asreview_embase.csv", "csv", 6),
    ("asreview_embase.tsv", "tsv", 6),
    ("asreview_embase.xlsx", "xlsx", 6),
    ("copper_first40.csv", "csv", 40),
])
def test_record_counts(name: str, fmt: str, count: int) -> None:
    frame, _, used = _read(name)
    assert used == fmt and len(frame) == count
    assert frame["title"].notna().all()


@pytest.mark.parametrize("name", ["asreview_embase.csv", "asreview_embase.tsv", "asreview_embase.xlsx"])
def test_embase_source_cell_is_split(name: str) -> None:
    frame, warnings, _ = _read(name)
    first = frame.iloc[0]
    assert first["title"] == "Duplication cysts: Diagnosis, management, and the role of endoscopic ultrasound"
    assert first["authors"] == "Liu R.; Adler D.G."
    assert (first["venue"], first["year"], first["volume"], first["issue"], first["pages"]) == \
        ("Endoscopic Ultrasound", 2014, "3", "3", "152-160")
    keywords = first["keywords"].split("; ")
    assert len(keywords) == 19 and "bronchogenic duplication cyst (diagnosis, surgery)" in keywords
    assert first["affiliations"].startswith("D.G. Adler, Department of Gastroenterology")
    assert warnings == []


def test_endnote_flattened_csv_fields_and_ids() -> None:
    frame, warnings, _ = _read("copper_first40.csv")
    first = frame.iloc[0]
    assert first["record_id"] == "t:258"  # rec_number
    assert first["authors"].split("; ")[:2] == ["Asemota, E. A.", "Okafor, I. M."]
    assert (first["year"], first["doi"], first["venue"], first["pages"], first["doc_type"]) == \
        (2018, "10.1016/j.imr.2018.01.008", "Integrative Medicine Research", "53-60", "Journal Article")
    assert frame["record_id"].is_unique


def test_columns_mapping_and_id_column() -> None:
    frame, _, _ = _read("copper_first40.csv", columns={"venue": "database"}, id_column="accession")
    assert frame["venue"].fillna("").tolist()[:5] == ["Embase", "", "", "", "Medline"]
    # 16 rows have an accession number (13 PMIDs, 3 like "CN-02017416"); the 24 without fall back
    # to a 16-hex-digit content hash.
    assert frame["record_id"].iloc[1:4].tolist() == ["t:29629291", "t:23104565", "t:CN-02017416"]
    assert frame["record_id"].str.fullmatch(r"t:[0-9a-f]{16}").sum() == 24


def test_non_utf8_is_detected_with_a_warning() -> None:
    frame, warnings, _ = _read("copper_first40_cp1252.csv")
    assert len(frame) == 40
    # Single-byte encodings cannot be told apart for sure (cp1250 and cp1252 share most bytes), so
    # the warning names the guess and how to pin the right one.
    assert any("not UTF-8; decoded as" in w and "Set encoding:" in w for w in warnings)
    assert frame["title"].tolist() == _read("copper_first40.csv")[0]["title"].tolist()


def test_explicit_encoding_is_used_silently() -> None:
    frame, warnings, _ = _read("copper_first40_cp1252.csv", encoding="cp1252")
    assert len(frame) == 40 and not any("UTF-8" in w for w in warnings)
    assert any("naïve" in t for t in frame["abstract"].dropna())


@pytest.mark.parametrize("options, message", [
    ({"columns": {"titel": "title"}}, 'columns.titel is not a record field (did you mean "title"?)'),
    ({"columns": {"venue": "jornal"}}, 'columns.venue names "jornal", which is not a header of copper_first40.csv '
                                       '(did you mean "journal"?)'),
    ({"id_column": "rec_num"}, 'id_column "rec_num" is not a header of copper_first40.csv '
                               '(did you mean "rec_number"?)'),
])
def test_protocol_mistakes_are_named(options: dict, message: str) -> None:
    with pytest.raises(InputError) as err:
        _read("copper_first40.csv", **options)
    assert message in str(err.value)


def test_csv_without_title_column(tmp_path: Path) -> None:
    path = tmp_path / "no_title.csv"
    path.write_text("Heading,Writers,Year\nA study,Smith J.,2020\n")
    with pytest.raises(InputError) as err:
        _read(str(path))
    assert str(err.value).startswith(f"{path}: no title column (headers: Heading, Writers, Year)")
    assert 'add columns: {title: "<the header of the title column>"}' in str(err.value)
    frame, _, _ = _read(str(path), columns={"title": "Heading"})
    assert frame["title"].tolist() == ["A study"] and frame["year"].tolist() == [2020]


def test_broken_xlsx(tmp_path: Path) -> None:
    path = tmp_path / "export.xlsx"
    path.write_bytes((DATA / "asreview_embase.xlsx").read_bytes()[:3000])
    with pytest.raises(InputError, match=r"export.xlsx: not a readable Excel workbook \(.xlsx is a zip file"):
        _read(str(path))


def test_xlsx_sheet_choice() -> None:
    frame, _, _ = _read("asreview_embase.xlsx", sheet="Embase export")
    assert len(frame) == 6
    with pytest.raises(InputError, match=r'no sheet "Embase" \(did you mean "Embase export"\?\)'):
        _read("asreview_embase.xlsx", sheet="Embase")


def test_formula_text_stays_text(tmp_path: Path) -> None:
    path = tmp_path / "f.csv"
    path.write_text('title,year\n"=HYPERLINK(""http://x"")",2020\n')
    frame, _, _ = _read(str(path))
    assert frame["title"].iloc[0] == '=HYPERLINK("http://x")'


@pytest.mark.parametrize("text, expected", [
    ("Liu R., Adler D.G.", ["Liu R.", "Adler D.G."]),
    ("Zuna, R E and Wang, S S", ["Zuna, R E", "Wang, S S"]),
    ("Asemota, E. A.; Okafor, I. M.", ["Asemota, E. A.", "Okafor, I. M."]),
    ("Pier Mannuccio Mannucci", ["Pier Mannuccio Mannucci"]),
])
def test_split_authors(text: str, expected: list[str]) -> None:
    assert split_authors(text) == expected


def test_split_keywords_keeps_parentheses() -> None:
    assert split_keywords("a (b, c), d") == ["a (b, c)", "d"]
    assert split_keywords("x; y, z") == ["x", "y, z"]


@pytest.mark.skipif(not SHARED.exists(), reason="../shared is not present")
@pytest.mark.parametrize("path, count", [
    ("dedupe/copper/copper.csv", 505),
    ("dedupe/cytology_screening/records_pre_merged.csv", 1856),
    ("dedupe/diabetes/records_with_groups.csv", 1845),
    ("screening/Donners_2021_flat.csv", 258),
])
def test_shared_tables(path: str, count: int) -> None:
    frame, _, _ = _read(str(SHARED / path))
    assert len(frame) == count and frame["record_id"].is_unique
