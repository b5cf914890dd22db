"""Export info on hidden sheets, row checks on import, and the append-only ledger rule."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from openpyxl import load_workbook

from pipeline.errors import WorkbookError
from pipeline.roundtrip import (ExportInfo, check_export, check_rows, new_ledger_rows, read_export_info,
                                unimported_rows, workbook_key)
from pipeline.sheets import Sheet, open_workbook, read_sheet, write_workbook

INFO = ExportInfo(review="demo", kind="screening", ids=("W1", "W2", "W3"), stage="title_abstract",
                  reviewer="ana", exported_at="2026-11-25T05:00:00+00:00", record_ids=("s:1", "s:2", "s:3"))
KEY = b"k" * 64


@pytest.fixture
def book_path(tmp_path: Path) -> Path:
    path = tmp_path / "screening.xlsx"
    frame = pd.DataFrame({"work_id": list(INFO.ids), "decision": ["include", None, "exclude"],
                          "record_ids": list(INFO.record_ids)})
    write_workbook(path, [Sheet("Screening", frame), *INFO.sheets(KEY)])
    return path


def _rows(path: Path) -> pd.DataFrame:
    return read_sheet(path, "Screening", required=["work_id"])


def test_info_round_trips_and_sheets_are_hidden(book_path: Path) -> None:
    book = open_workbook(book_path)
    assert book.sheetnames == ["Screening", "slr", "slr_rows"] and book.visible == ["Screening"]
    info = read_export_info(book_path, book, KEY)
    assert info == INFO
    check_export(book_path, info, review="demo", kinds=["screening"], stage="title_abstract")
    assert check_rows(book_path, "Screening", _rows(book_path), info, "work_id") == []


@pytest.mark.parametrize("review, kinds, stage, message", [
    ("other", ["screening"], None, 'belongs to review "demo", not "other"'),
    ("demo", ["coding"], None, "this is a screening workbook; expected coding"),
    ("demo", ["screening"], "full_text", 'is for stage "title_abstract", not "full_text"'),
])
def test_wrong_review_kind_stage(book_path: Path, review: str, kinds: list[str], stage: str | None, message: str) -> None:
    info = read_export_info(book_path, open_workbook(book_path), KEY)
    with pytest.raises(WorkbookError, match=message):
        check_export(book_path, info, review=review, kinds=kinds, stage=stage)


def _edit(path: Path, edit) -> None:
    book = load_workbook(path)
    edit(book["Screening"])
    book.save(path)


@pytest.mark.parametrize("edit, message", [
    (lambda ws: ws.__setitem__("A3", "W9"), r'cell A3: unknown work_id "W9"'),
    (lambda ws: ws.__setitem__("A4", "W1"), r'cell A4: work_id "W1" appears twice \(also in A2\)'),
    (lambda ws: (ws.__setitem__("A3", None), ws.__setitem__("B3", "include")), r"cell A3: work_id is empty"),
    (lambda ws: ws.__setitem__("C3", "s:1"), r'cell C3: the hidden record_ids of work_id "W2" were changed after export'),
])
def test_row_edits_are_refused_with_the_cell(book_path: Path, edit, message: str) -> None:
    _edit(book_path, edit)
    info = read_export_info(book_path, open_workbook(book_path), KEY)
    with pytest.raises(WorkbookError, match=message):
        check_rows(book_path, "Screening", _rows(book_path), info, "work_id")


def test_tampered_row_list_and_foreign_workbook(book_path: Path, tmp_path: Path) -> None:
    book = load_workbook(book_path)
    book["slr_rows"]["A2"] = "W7"
    book.save(book_path)
    with pytest.raises(WorkbookError, match="was changed after export"):
        read_export_info(book_path, open_workbook(book_path), KEY)
    plain = tmp_path / "plain.xlsx"
    write_workbook(plain, [Sheet("Screening", pd.DataFrame({"work_id": ["W1"]}))])
    with pytest.raises(WorkbookError, match="not a workbook exported by slr"):
        read_export_info(plain, open_workbook(plain), KEY)


def test_ledger_rows_only_when_they_change() -> None:
    key, compare = ["work_id", "reviewer"], ["decision", "reason"]
    existing = pd.DataFrame([
        {"work_id": "W1", "reviewer": "ana", "decision": "exclude", "reason": "r1", "time": "t0"},
        {"work_id": "W1", "reviewer": "ana", "decision": "include", "reason": None, "time": "t1"},
    ])
    rows = [
        {"work_id": "W1", "reviewer": "ana", "decision": "include", "reason": None, "time": "t2"},   # same as latest
        {"work_id": "W1", "reviewer": "bo", "decision": "include", "reason": None, "time": "t2"},    # new key
        {"work_id": "W2", "reviewer": "ana", "decision": "exclude", "reason": "r2", "time": "t2"},   # new key
        {"work_id": "W2", "reviewer": "ana", "decision": "exclude", "reason": "r2", "time": "t3"},   # repeat in batch
    ]
    assert [(r["work_id"], r["reviewer"]) for r in new_ledger_rows(existing, rows, key=key, compare=compare)] == \
        [("W1", "bo"), ("W2", "ana")]
    changed = [{"work_id": "W1", "reviewer": "ana", "decision": "exclude", "reason": "r1", "time": "t4"}]
    assert len(new_ledger_rows(existing, changed, key=key, compare=compare)) == 1


def test_sorted_and_filtered_rows_are_matched_by_id_and_deleted_rows_reported(book_path: Path) -> None:
    """Issue 13 case 3: sorting is what the filter buttons invite; it used to be refused as "reordered"."""
    book = load_workbook(book_path)
    ws = book["Screening"]
    rows = [[c.value for c in row] for row in ws.iter_rows(min_row=2)]
    for number, values in enumerate(sorted(rows, key=lambda r: r[0], reverse=True), start=2):
        for column, value in enumerate(values, start=1):
            ws.cell(row=number, column=column, value=value)
    ws.row_dimensions[3].hidden = True  # a filter hides rows without moving them
    book.save(book_path)
    info = read_export_info(book_path, open_workbook(book_path), KEY)
    assert _rows(book_path)["work_id"].tolist() == ["W3", "W2", "W1"]
    assert check_rows(book_path, "Screening", _rows(book_path), info, "work_id") == []
    _edit(book_path, lambda ws: ws.delete_rows(3))
    assert check_rows(book_path, "Screening", _rows(book_path), info, "work_id") == ["W2"]


@pytest.mark.parametrize("cell, value", [("B4", "coding"), ("B5", "bo"), ("B4", "full_text"), ("B3", "other")])
def test_edited_hidden_info_breaks_the_signature(book_path: Path, cell: str, value: str) -> None:
    """Issue 13 case 6: the hidden sheet's kind, stage or reviewer cell used to be trusted."""
    book = load_workbook(book_path)
    book["slr"][cell] = value
    book.save(book_path)
    with pytest.raises(WorkbookError, match='do not match their signature: they were edited after export, or another '
                                            'copy of this review exported the workbook'):
        read_export_info(book_path, open_workbook(book_path), KEY)


def test_a_workbook_of_another_copy_of_the_review_is_refused(book_path: Path, tmp_path: Path) -> None:
    """The same review id in another folder has another key: its workbooks are not this review's."""
    other = workbook_key(tmp_path / "other")
    assert other != workbook_key(tmp_path / "mine") and workbook_key(tmp_path / "other") == other
    assert oct((tmp_path / "other" / ".workbook_key").stat().st_mode & 0o777) == "0o600"
    with pytest.raises(WorkbookError, match="do not match their signature"):
        read_export_info(book_path, open_workbook(book_path), other)


def test_unsigned_workbook_is_refused(book_path: Path) -> None:
    book = load_workbook(book_path)
    ws = book["slr"]
    ws.delete_rows(ws.max_row)
    book.save(book_path)
    with pytest.raises(WorkbookError, match="has no signature"):
        read_export_info(book_path, open_workbook(book_path), KEY)


def test_unimported_rows_ignore_the_loose_key_columns() -> None:
    existing = pd.DataFrame([{"work_id": "W1", "coder": "ana", "codes": "a"}])
    rows = [{"work_id": "W1", "coder": "", "codes": "a"}, {"work_id": "W1", "coder": "", "codes": "b"}]
    assert unimported_rows(existing, rows, key=["work_id", "coder"], compare=["codes"], loose=["coder"]) == [rows[1]]
    assert len(unimported_rows(existing, rows, key=["work_id", "coder"], compare=["codes"])) == 2
