"""CSV / TSV / XLSX exports: aliases, the protocol's columns mapping, ids, encodings, bad input."""

from __future__ import annotations

import csv
import shutil
import zipfile
from pathlib import Path

import openpyxl
import pytest

from pipeline.cli import main
from pipeline.config import FileSource
from pipeline.errors import InputError
from pipeline.records import make_records
from pipeline.sources import read_source_file
from pipeline.sources.tabular import doi_in_link, split_authors, split_keywords

DATA = Path(__file__).parent.parent / "data" / "tabular"
SHARED = Path(__file__).parents[3] / "shared" / "benchmarks"


def _read(name: str | Path, **options):
    path = name if isinstance(name, Path) else DATA / name
    source = FileSource(name="t", path=path, **options)
    parsed, fmt = read_source_file(source)
    frame, warnings = make_records(parsed.records, source="t", native_ids=[r["_id"] for r in parsed.records])
    return frame, parsed.warnings + warnings, fmt


# Counts: data rows of each file (csv module; the .txt is a Web of Science tab-delimited table).
@pytest.mark.parametrize("name, fmt, count, options", [
    ("asreview_embase.csv", "csv", 6, {}),
    ("asreview_embase.tsv", "tsv", 6, {}),
    ("asreview_embase.xlsx", "xlsx", 6, {}),
    ("copper_first40.csv", "csv", 40, {}),
    ("zotero_exported_items_subset.csv", "csv", 4, {}),
    ("rispy_wos_tab_delimited.txt", "tsv", 2, {"format": "tsv"}),
])
def test_record_counts(name: str, fmt: str, count: int, options: dict) -> None:
    frame, _, used = _read(name, **options)
    assert used == fmt and len(frame) == count
    assert frame["title"].notna().all() and frame["record_id"].is_unique


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
    # Embase's CSV has no DOI column: the DOI is read from its OpenURL link ("id=doi:10.4103%2F…";
    # expected values from `grep -o "id=doi:[^&]*"` on the file).
    assert frame["doi"].tolist() == ["10.4103/2303-9027.138783", "10.1002/cncr.20369", "10.1016/j.ijscr.2018.11.060",
                                     "10.1016/j.clp.2018.07.012", "10.3748/wjg.v17.i1.130", "10.1089/cren.2017.0016"]
    assert warnings == []


def test_endnote_flattened_csv_fields_and_ids() -> None:
    frame, warnings, _ = _read("copper_first40.csv")
    first = frame.iloc[0]
    assert first["record_id"] == "t:258"  # rec_number
    assert first["authors"].split("; ")[:2] == ["Asemota, E. A.", "Okafor, I. M."]
    assert (first["year"], first["doi"], first["venue"], first["pages"], first["doc_type"]) == \
        (2018, "10.1016/j.imr.2018.01.008", "Integrative Medicine Research", "53-60", "Journal Article")
    assert frame["record_id"].is_unique


def test_zotero_csv() -> None:
    frame, warnings, _ = _read("zotero_exported_items_subset.csv")
    assert warnings == []
    frame = frame.set_index("source_record_id")  # Zotero's "Key"
    assert frame.index.tolist() == ["JKIUSDM7", "NWRGNWCV", "PU3YPZSB", "RCTEGBGF"]
    first = frame.loc["JKIUSDM7"]
    assert (first["title"], first["year"], first["doi"], first["venue"], first["volume"], first["language"]) == \
        ("Meditation and Its Regulatory Role on Sleep", 2012, "10.3389/fneur.2012.00054", "Frontiers in Neurology",
         "3", "English")
    assert first["authors"] == "Nagendra, Ravindra P.; Maruthai, Nirmala; Kutty, Bindu M."
    assert first["keywords"].split("; ")[:2] == ["autonomic activity", "brain functions"]  # Automatic Tags
    # "Item Type" (journalArticle), not Zotero's mostly empty "Type" column, in the table's words.
    assert set(frame["doc_type"]) == {"journal article"}
    assert frame.loc["RCTEGBGF", ["pages", "volume", "year"]].tolist() == ["207-219", "8", 1992]
    assert frame.loc["PU3YPZSB", "keywords"] == "#nosource"  # Manual Tags


def test_web_of_science_tab_delimited() -> None:
    frame, warnings, _ = _read("rispy_wos_tab_delimited.txt", format="tsv")
    assert warnings == []
    first = frame.iloc[0]
    assert first["record_id"] == "t:WOS:000221807500019"  # UT, not "ID" (Keywords Plus there)
    assert first["title"].startswith("Interactions stabilizing the structure of the core light-harvesting complex")
    assert first["authors"] == "Parkes-Loach, PS; Majeed, AP; Law, CJ; Loach, PA"
    # Pages from BP/EP; WoS's PG is the page count (14), never the pages.
    assert (first["year"], first["doi"], first["venue"], first["volume"], first["issue"], first["pages"]) == \
        (2004, "10.1021/bi049798f", "BIOCHEMISTRY", "43", "22", "7003-7016")
    assert (first["doc_type"], first["language"], first["publisher"]) == ("Article", "English", "AMER CHEMICAL SOC")
    assert first["keywords"].split("; ")[:2] == ["CHEMICALLY SYNTHESIZED POLYPEPTIDES", "IN-VITRO RECONSTITUTION"]
    assert frame["pages"].tolist() == ["7003-7016", "7017-7027"]


def test_columns_mapping_and_id_column() -> None:
    frame, _, _ = _read("copper_first40.csv", columns={"venue": "database"}, id_column="accession")
    assert frame["venue"].fillna("").tolist()[:5] == ["Embase", "", "", "", "Medline"]
    # 16 rows have an accession number (13 PMIDs, 3 like "CN-02017416"); the 24 without fall back
    # to a 16-hex-digit content hash.
    assert frame["record_id"].iloc[1:4].tolist() == ["t:29629291", "t:23104565", "t:CN-02017416"]
    assert frame["record_id"].str.fullmatch(r"t:[0-9a-f]{16}").sum() == 24


def test_headers_match_case_and_space_insensitively(tmp_path: Path) -> None:
    # Made from the real Embase CSV: its headers upper-cased and spaced differently, ";"-delimited.
    rows = list(csv.reader(open(DATA / "asreview_embase.csv", encoding="utf-8", newline="")))
    rows[0] = [h.upper().replace(" ", "_") for h in rows[0]]
    path = tmp_path / "embase_semicolon.csv"
    with open(path, "w", encoding="utf-8", newline="") as handle:
        csv.writer(handle, delimiter=";").writerows(rows)
    frame, warnings, _ = _read(path)
    assert len(frame) == 6 and warnings == []
    assert frame.iloc[0][["title", "venue", "year", "authors"]].tolist() == \
        ["Duplication cysts: Diagnosis, management, and the role of endoscopic ultrasound", "Endoscopic Ultrasound",
         2014, "Liu R.; Adler D.G."]


def test_non_utf8_is_detected_with_a_warning() -> None:
    frame, warnings, _ = _read("copper_first40_cp1252.csv")
    assert len(frame) == 40
    # Single-byte encodings cannot be told apart for sure (cp1250 and cp1252 share most bytes), so
    # the warning names the guess and how to pin the right one.
    assert warnings == ["copper_first40_cp1252.csv: not UTF-8; decoded as cp1250 (detected). "
                        "Set encoding: cp1250 in the protocol to make this explicit"]
    assert frame["title"].tolist() == _read("copper_first40.csv")[0]["title"].tolist()


def test_explicit_encoding_is_used_silently() -> None:
    frame, warnings, _ = _read("copper_first40_cp1252.csv", encoding="cp1252")
    assert len(frame) == 40 and warnings == []
    assert any("naïve" in t for t in frame["abstract"].dropna())


def test_wrong_explicit_encoding_is_named() -> None:  # a cp1252 file declared as UTF-8
    path = DATA / "copper_first40_cp1252.csv"
    first_bad = next(i for i, byte in enumerate(path.read_bytes()) if byte >= 0x80)
    with pytest.raises(InputError) as err:
        _read(path, encoding="utf-8")
    assert str(err.value) == f"{path}: byte {first_bad} cannot be read as utf-8\n  Hint: check the encoding: key of this source"


@pytest.mark.parametrize("options, message", [
    ({"columns": {"titel": "title"}}, 't: columns.titel is not a record field (did you mean "title"?)'),
    ({"columns": {"venue": "jornal"}}, 't: columns.venue names "jornal", which is not a header of copper_first40.csv '
                                       '(did you mean "journal"?)'),
    ({"id_column": "rec_num"}, 't: id_column "rec_num" is not a header of copper_first40.csv '
                               '(did you mean "rec_number"?)'),
])
def test_protocol_mistakes_are_named(options: dict, message: str) -> None:
    with pytest.raises(InputError) as err:
        _read("copper_first40.csv", **options)
    assert str(err.value).startswith(message + "\n  Hint: ")


def test_csv_without_title_column(tmp_path: Path) -> None:
    path = tmp_path / "no_title.csv"
    path.write_text("Heading,Writers,Year\nA study,Smith J.,2020\n")
    with pytest.raises(InputError) as err:
        _read(path)
    assert str(err.value) == (f"{path}: no title column (headers: Heading, Writers, Year)\n"
                              '  Hint: add columns: {title: "<the header of the title column>"} to the source '
                              "in the protocol")
    frame, _, _ = _read(path, columns={"title": "Heading"})
    assert frame["title"].tolist() == ["A study"] and frame["year"].tolist() == [2020]


def _copper_rows() -> list[list[str]]:
    with open(DATA / "copper_first40.csv", encoding="utf-8", newline="") as handle:
        return list(csv.reader(handle))


def _write_rows(path: Path, rows: list[list[str]]) -> None:
    with open(path, "w", encoding="utf-8", newline="") as handle:
        csv.writer(handle, lineterminator="\r\n").writerows(rows)


def test_row_with_too_many_fields_is_named(tmp_path: Path) -> None:
    # Made from the real copper CSV: an unquoted extra value on the third line.
    rows = _copper_rows()
    path = tmp_path / "ragged.csv"
    _write_rows(path, rows)
    lines = path.read_bytes().split(b"\r\n")
    lines[2] = lines[2].replace(b"Journal Article,", b"Journal Article,Extra,", 1)
    path.write_bytes(b"\r\n".join(lines))
    with pytest.raises(InputError) as err:
        _read(path)
    assert str(err.value) == (f"{path}, line 3: {len(rows[0]) + 1} fields, but the header (line 1) names "
                              f"{len(rows[0])}\n  Hint: a value probably holds an unquoted delimiter; quote it, "
                              "or export the file again")


def test_warnings_name_the_line(tmp_path: Path) -> None:
    # Made from the real copper CSV: two years made unreadable. EndNote keeps lone "\r" inside
    # cells; lines are still counted at "\n", as grep and editors count them.
    rows = _copper_rows()
    year = rows[0].index("year")
    rows[4][year], rows[40][year] = "n.d.", rows[40][year] + "a"
    path = tmp_path / "years.csv"
    _write_rows(path, rows)
    _, warnings, _ = _read(path)
    assert warnings == ['line 5: year "n.d." is not a year; left empty',
                        f'line 41: year "{rows[40][year]}" read as {rows[40][year][:4]}']


def test_broken_xlsx(tmp_path: Path) -> None:
    path = tmp_path / "export.xlsx"
    path.write_bytes((DATA / "asreview_embase.xlsx").read_bytes()[:3000])
    with pytest.raises(InputError) as err:
        _read(path)
    assert str(err.value) == (f"{path}: not a readable Excel workbook (.xlsx is a zip file; this one is broken or is "
                              "another format renamed)\n  Hint: export it again from the database, or open it in "
                              "Excel and save it as .xlsx (or export it as CSV and set format: csv)")


def test_damaged_sheet_inside_the_xlsx(tmp_path: Path) -> None:
    # Made from the real workbook: its sheet XML cut in half inside an intact zip.
    path = tmp_path / "damaged.xlsx"
    with zipfile.ZipFile(DATA / "asreview_embase.xlsx") as src, zipfile.ZipFile(path, "w") as out:
        for name in src.namelist():
            data = src.read(name)
            out.writestr(name, data[: len(data) // 2] if name == "xl/worksheets/sheet1.xml" else data)
    with pytest.raises(InputError) as err:
        _read(path)
    # The sheet is named (calamine's own words follow in brackets).
    assert str(err.value).startswith(f'{path}, sheet "Embase export": the sheet cannot be read (XmlError')
    assert str(err.value).endswith("Hint: open the workbook in Excel and save it again as .xlsx, or re-export it")


def test_xlsx_sheet_choice() -> None:
    frame, _, _ = _read("asreview_embase.xlsx", sheet="Embase export")
    assert len(frame) == 6
    with pytest.raises(InputError, match=r'no sheet "Embase" \(did you mean "Embase export"\?\)'):
        _read("asreview_embase.xlsx", sheet="Embase")


def test_xlsx_cells_are_text_and_formulas_are_not_evaluated(tmp_path: Path) -> None:
    # Made for the test: real Embase rows typed into a workbook as a person would (years as
    # numbers, a title cell holding a formula), plus a second "notes" sheet; the first is read.
    rows = list(csv.reader(open(DATA / "asreview_embase.csv", encoding="utf-8", newline="")))
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "export"
    sheet.append(["Title", "Year", "Author Names"])
    sheet.append([rows[1][0], 2014, rows[1][2]])
    sheet.append(["=1+1", 2004.0, rows[2][2]])
    book.create_sheet("notes").append(["not", "records"])
    path = tmp_path / "typed.xlsx"
    book.save(path)
    frame, warnings, _ = _read(path)
    assert frame["title"].tolist() == [rows[1][0], "=1+1"]
    assert frame["year"].tolist() == [2014, 2004] and warnings == []


def test_formula_text_in_csv_stays_text(tmp_path: Path) -> None:
    path = tmp_path / "f.csv"
    path.write_text('title,year\n"=HYPERLINK(""http://x"")",2020\n')
    frame, _, _ = _read(path)
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


@pytest.mark.parametrize("url, doi", [
    ("http://sfx.library.uu.nl/utrecht?sid=EMBASE&issn=0008543X&id=doi:10.1002%2Fcncr.20369&atitle=x", "10.1002/cncr.20369"),
    ("https://resolver.example/?rft_id=info:doi/10.1000%2Fxyz&x=1", "10.1000/xyz"),
    ("http://imsear.searo.who.int/handle/123456789/145313", None),
])
def test_doi_in_link(url: str, doi: str | None) -> None:
    assert doi_in_link(url) == doi


PROTOCOL = """\
id: t
title: Tables
research_questions: {RQ1: "What?"}
sources:
  - {name: zotero, type: file, path: data/t/imports/zotero.csv}
  - {name: copper, type: file, path: data/t/imports/copper.csv%s}
"""


def _review(tmp_path: Path, copper: str = "copper_first40.csv", extra: str = "") -> Path:
    imports = tmp_path / "data" / "t" / "imports"
    imports.mkdir(parents=True, exist_ok=True)
    shutil.copy(DATA / "zotero_exported_items_subset.csv", imports / "zotero.csv")
    shutil.copy(DATA / copper, imports / "copper.csv")
    (tmp_path / "config").mkdir(exist_ok=True)
    (tmp_path / "config" / "review.yaml").write_text(PROTOCOL % extra)
    return tmp_path


def _files(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for folder in ("outputs", "data")
            for p in sorted((root / folder).rglob("*")) if p.is_file()}


def test_cli_detected_encoding_lands_in_the_search_log(tmp_path: Path) -> None:
    root = _review(tmp_path, copper="copper_first40_cp1252.csv")
    assert main(["--root", str(root), "search"]) == 0
    with open(root / "outputs" / "t" / "01_search" / "search_log.csv", encoding="utf-8", newline="") as handle:
        log = {row["source"]: row for row in csv.DictReader(handle)}
    assert (log["copper"]["records_read"], log["copper"]["warnings_count"]) == ("40", "1")
    assert log["copper"]["warnings"] == ("copper.csv: not UTF-8; decoded as cp1250 (detected). "
                                         "Set encoding: cp1250 in the protocol to make this explicit")
    assert (log["zotero"]["records_read"], log["zotero"]["warnings_count"], log["zotero"]["format"]) == ("4", "0", "csv")


@pytest.mark.parametrize("extra, code, message", [
    (", columns: {titel: Title}", 2,
     'sources[1].columns.titel: "titel" is not one of the allowed keys (did you mean "title"?)'),
    (", id_column: rec_num", 3, 'copper: id_column "rec_num" is not a header of copper.csv (did you mean "rec_number"?)'),
])
def test_cli_protocol_mistakes_change_nothing(tmp_path: Path, capsys: pytest.CaptureFixture[str], extra: str,
                                              code: int, message: str) -> None:
    root = _review(tmp_path)
    assert main(["--root", str(root), "search"]) == 0
    before = _files(root)
    (root / "config" / "review.yaml").write_text(PROTOCOL % extra)
    capsys.readouterr()
    assert main(["--root", str(root), "search"]) == code
    err = capsys.readouterr().err
    assert err.startswith("Error: ") and message in err and "Traceback" not in err
    assert _files(root) == before


@pytest.mark.skipif(not SHARED.exists(), reason=f"../shared is not present ({SHARED}): "
                    "these tests read the full CSV sets there; clone slr next to shared/ to run them")
@pytest.mark.parametrize("path, count", [
    ("dedupe/copper/copper.csv", 505),
    ("dedupe/cytology_screening/records_pre_merged.csv", 1856),
    ("dedupe/respiratory/records_pre_merged.csv", 1988),
    ("dedupe/diabetes/records_with_groups.csv", 1845),
    ("screening/Donners_2021_flat.csv", 258),
])
def test_shared_tables(path: str, count: int) -> None:
    frame, _, _ = _read(SHARED / path)
    assert len(frame) == count and frame["record_id"].is_unique


def test_a_doc_type_column_is_read() -> None:
    """Issue 13 case 7: a `doc_type` header was not an alias; the demo's own seeds.csv lost its types."""
    seeds = Path(__file__).parents[2] / "data" / "demo" / "imports" / "seeds.csv"
    frame, _, fmt = _read(seeds)
    assert fmt == "csv" and frame["doc_type"].tolist() == ["web page", "web page"]
