"""The shared workbook writer/reader: formula safety, dropdowns, highlights, cell-exact errors."""

from __future__ import annotations

import re
import zipfile
from pathlib import Path

import pandas as pd
import pytest
from openpyxl import load_workbook

from pipeline.errors import WorkbookError
from pipeline.sheets import Column, Sheet, check_choice, column_ref, read_sheet, write_workbook

FRAME = pd.DataFrame({
    "work_id": ["W1", "W2", "W3"],
    "title": ["=HYPERLINK(\"http://evil\")", "Digital badges for teachers", "+1 reasons"],
    "doi": ["10.1000/xyz", None, "https://example.org/a"],
    "year": [2019, None, 2021],
    "decision": [None, None, None],
})


def _write(path: Path, frame: pd.DataFrame = FRAME) -> None:
    write_workbook(path, [
        Sheet("Screening", frame, columns=[
            Column("title", width=60, wrap=True, highlight=True),
            Column("doi", link="doi"),
            Column("decision", choices=("include", "exclude", "maybe"), editable=True),
        ], highlight=re.compile(r"badge\w*|teacher\w*", re.I)),
        Sheet("About", pd.DataFrame({"key": ["review"], "value": ["demo"]}), hidden=True),
    ])


def test_no_cell_is_a_formula_and_values_round_trip(tmp_path: Path) -> None:
    path = tmp_path / "book.xlsx"
    _write(path)
    ws = load_workbook(path)["Screening"]
    assert all(cell.data_type != "f" for row in ws.iter_rows() for cell in row)
    assert ws["B2"].value == "'=HYPERLINK(\"http://evil\")"
    back = read_sheet(path, "Screening", required=["work_id", "decision"])
    assert back["title"].tolist() == FRAME["title"].tolist()
    assert back["_row"].tolist() == [2, 3, 4]
    assert back["year"].tolist()[0] == 2019


def test_layout_dropdown_links_highlight_hidden(tmp_path: Path) -> None:
    path = tmp_path / "book.xlsx"
    _write(path)
    book = load_workbook(path, rich_text=True)
    ws = book["Screening"]
    assert ws.freeze_panes == "A2"
    assert ws.auto_filter.ref == "A1:E4"
    assert 60 <= ws.column_dimensions["B"].width < 61  # XlsxWriter adds Excel's cell padding
    rules = ws.data_validations.dataValidation
    assert len(rules) == 1 and str(rules[0].sqref) == "E2:E4"
    assert rules[0].formula1 == "'Lists'!$A$1:$A$3"
    assert [c.value for c in book["Lists"]["A"]] == ["include", "exclude", "maybe"]
    assert book["Lists"].sheet_state == "hidden" and book["About"].sheet_state == "hidden"
    assert ws["C2"].hyperlink.target == "https://doi.org/10.1000/xyz"
    marked = [str(block.text) for block in ws["B3"].value if hasattr(block, "font") and block.font.b]
    assert marked == ["badges", "teachers"]


def test_reviewer_formula_is_read_as_text(tmp_path: Path) -> None:
    path = tmp_path / "book.xlsx"
    _write(path)
    book = load_workbook(path)
    book["Screening"]["E2"] = "=1+1"
    book.save(path)
    assert read_sheet(path, "Screening", formulas="keep")["decision"].tolist()[0] == "=1+1"
    with pytest.raises(WorkbookError, match=r'sheet "Screening", cell E2: holds a formula \(=1\+1\)'):
        read_sheet(path, "Screening")


def test_formulas_are_found_whatever_the_order_of_the_sheets_in_the_zip(tmp_path: Path) -> None:
    """Issue 13 case 6: the sheet holding the formula was looked for as sheet<position>.xml; a
    workbook whose parts are numbered in another order passed a real formula."""
    path = tmp_path / "book.xlsx"
    _write(path)
    book = load_workbook(path)
    book["Screening"]["E2"] = "=1+1"
    book.move_sheet("Screening", offset=1)  # now the second sheet, still written as its own part
    book.save(path)
    with zipfile.ZipFile(path) as archive:
        parts = {name: archive.read(name) for name in archive.namelist()}
    # Swap the part names so that the formula sits in the part whose number is not the sheet's position.
    rels = parts["xl/_rels/workbook.xml.rels"].decode()
    rels = rels.replace("worksheets/sheet1.xml", "worksheets/TMP").replace("worksheets/sheet2.xml",
                                                                           "worksheets/sheet1.xml")
    parts["xl/_rels/workbook.xml.rels"] = rels.replace("worksheets/TMP", "worksheets/sheet2.xml").encode()
    parts["xl/worksheets/sheet1.xml"], parts["xl/worksheets/sheet2.xml"] = (parts["xl/worksheets/sheet2.xml"],
                                                                            parts["xl/worksheets/sheet1.xml"])
    with zipfile.ZipFile(path, "w") as archive:
        for name, data in parts.items():
            archive.writestr(name, data)
    with pytest.raises(WorkbookError, match="cell E2: holds a formula"):
        read_sheet(path, "Screening")


def test_text_slr_wrote_starting_with_a_formula_character_round_trips(tmp_path: Path) -> None:
    """Issue 13 case 5: a title "=1" was written as text '=1, unescaped on reading, then refused as a formula."""
    path = tmp_path / "book.xlsx"
    write_workbook(path, [Sheet("Screening", pd.DataFrame({"title": ["=1", "+cats", "@x", "-y"]}))])
    assert read_sheet(path, "Screening")["title"].tolist() == ["=1", "+cats", "@x", "-y"]


def test_missing_column_names_file_sheet_and_found_headers(tmp_path: Path) -> None:
    path = tmp_path / "book.xlsx"
    _write(path)
    with pytest.raises(WorkbookError) as err:
        read_sheet(path, "Screening", required=["decison_x", "work_id"])
    assert str(err.value).startswith(f'{path}, sheet "Screening": column(s) decison_x missing from row 1 '
                                     "(found: work_id, title, doi, year, decision)")


def test_missing_sheet_suggests_the_closest(tmp_path: Path) -> None:
    path = tmp_path / "book.xlsx"
    _write(path)
    with pytest.raises(WorkbookError, match=r'no sheet "Screenin" \(did you mean "Screening"\?\)'):
        read_sheet(path, "Screenin")


@pytest.mark.parametrize("content, message", [
    (b"not a zip at all", "cannot be read as an Excel workbook"),
    (None, "file not found"),
])
def test_unreadable_workbook(tmp_path: Path, content: bytes | None, message: str) -> None:
    path = tmp_path / "broken.xlsx"
    if content is not None:
        path.write_bytes(content)
    with pytest.raises(WorkbookError, match=message):
        read_sheet(path, "Screening")


def test_truncated_zip_is_a_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "book.xlsx"
    _write(path)
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    with pytest.raises(WorkbookError, match="open it in Excel and save it again"):
        read_sheet(path, "Screening")


def test_check_choice_and_cell_reference(tmp_path: Path) -> None:
    assert check_choice(" Include ", ("include", "exclude"), where="x", column="decision") == "include"
    assert check_choice(None, ("include",), where="x", column="decision") is None
    with pytest.raises(WorkbookError, match=r'book.xlsx, E3: decision "exlcude" is not one of: include, exclude '
                                             r'\(did you mean "exclude"\?\)'):
        check_choice("exlcude", ("include", "exclude"), where="book.xlsx, E3", column="decision")
    frame = read_sheet(_saved(tmp_path), "Screening")
    assert column_ref(frame, "decision", 3) == "E3"


def _saved(tmp_path: Path) -> Path:
    path = tmp_path / "book.xlsx"
    _write(path)
    return path


def test_control_characters_and_long_text_are_stored(tmp_path: Path) -> None:
    frame = pd.DataFrame({"title": ["bad\x0bchar", "x" * 40_000]})
    path = tmp_path / "long.xlsx"
    write_workbook(path, [Sheet("S", frame)])
    back = read_sheet(path, "S")["title"].tolist()
    assert back[0] == "badchar"
    assert len(back[1]) <= 32_767 and back[1].endswith("[cut at 32,767]")


@pytest.mark.parametrize("plain_only", [False, True], ids=["every kind of cell", "bulk cells only"])
def test_bulk_writing_gives_the_same_file_as_xlsxwriters_own(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                             plain_only: bool) -> None:
    """The bulk path (xlsx_bulk.BulkWorksheet) stores and writes cells with XlsxWriter's internals: on the
    installed version it must give the very bytes XlsxWriter's own write methods give."""
    from pipeline.xlsx_bulk import BulkWorksheet

    if not BulkWorksheet.BULK:
        pytest.skip(f"bulk path is off for XlsxWriter {__import__('xlsxwriter').__version__}")
    n = 300
    frame = pd.DataFrame({
        "work_id": [f"W{i}" for i in range(n)],
        "title": ["=SUM(A1)" if i % 7 == 0 else f"Digital badges for teachers {i}\x01" for i in range(n)],
        "abstract": [None if i % 5 == 0 else ("x" * 40_000 if i == 3 else f'badge {i} <&> "q" ') for i in range(n)],
        "year": [2019.0 if i % 3 else float("nan") for i in range(n)],
        "n": list(range(n)),
        "score": [i / 7 for i in range(n)],
        "flag": [bool(i % 2) for i in range(n)],
        "doi": [f"10.1/{i}" if i % 4 else None for i in range(n)],
        "decision": [None if i % 2 else "include" for i in range(n)],
    })
    if plain_only:  # no cell through XlsxWriter's own methods to set the sheet's dimensions
        frame = frame[["work_id", "n", "score"]]
    files = {}
    for bulk in (True, False):
        monkeypatch.setattr(BulkWorksheet, "BULK", bulk)
        files[bulk] = tmp_path / f"{bulk}.xlsx"
        _write(files[bulk], frame)
    with zipfile.ZipFile(files[True]) as one, zipfile.ZipFile(files[False]) as other:
        assert one.namelist() == other.namelist()
        differ = [name for name in one.namelist() if name != "docProps/core.xml" and one.read(name) != other.read(name)]
    assert differ == []


def test_illegal_characters_copy_matches_openpyxl() -> None:
    """sheets.py copies openpyxl's pattern so that writing a workbook does not import openpyxl."""
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE as theirs

    from pipeline.sheets import ILLEGAL_CHARACTERS_RE as ours

    assert ours.pattern == theirs.pattern
    assert ours.sub("", "a\x00b\x0bc\x1fd\te\nf") == "abcd\te\nf"
