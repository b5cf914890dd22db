"""Export info on hidden sheets, row checks on import, and the append-only ledger rule."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from openpyxl import load_workbook

from pipeline.errors import WorkbookError
from pipeline.roundtrip import ExportInfo, check_export, check_rows, new_ledger_rows, read_export_info
from pipeline.sheets import Sheet, open_workbook, read_sheet, write_workbook

INFO = ExportInfo(review="demo", kind="screening", ids=("W1", "W2", "W3"), stage="title_abstract",
                  reviewer="ana", exported_at="2026-11-25T05:00:00+00:00")


@pytest.fixture
def book_path(tmp_path: Path) -> Path:
    path = tmp_path / "screening.xlsx"
    frame = pd.DataFrame({"work_id": list(INFO.ids), "decision": ["include", None, "exclude"]})
    write_workbook(path, [Sheet("Screening", frame), *INFO.sheets()])
    return path


def _rows(path: Path) -> pd.DataFrame:
    return read_sheet(path, "Screening", required=["work_id"])


def test_info_round_trips_and_sheets_are_hidden(book_path: Path) -> None:
    book = open_workbook(book_path)
    assert book.sheetnames == ["Screening", "slr", "slr_rows"] and book.visible == ["Screening"]
    info = read_export_info(book_path, book)
    assert info == INFO
    check_export(book_path, info, review="demo", kinds=["screening"], stage="title_abstract")
    check_rows(book_path, "Screening", _rows(book_path), info, "work_id")


@pytest.mark.parametrize("review, kinds, stage, message", [
    ("other", ["screening"], None, 'belongs to review "demo", not "other"'),
    ("demo", ["coding"], None, "this is a screening workbook; expected coding"),
    ("demo", ["screening"], "full_text", 'is for stage "title_abstract", not "full_text"'),
])
def test_wrong_review_kind_stage(book_path: Path, review: str, kinds: list[str], stage: str | None, message: str) -> None:
    info = read_export_info(book_path, open_workbook(book_path))
    with pytest.raises(WorkbookError, match=message):
        check_export(book_path, info, review=review, kinds=kinds, stage=stage)


def _edit(path: Path, edit) -> None:
    book = load_workbook(path)
    edit(book["Screening"])
    book.save(path)


@pytest.mark.parametrize("edit, message", [
    (lambda ws: ws.delete_rows(3), r"1 row\(s\) deleted since export \(work_id W2\)"),
    (lambda ws: ws.__setitem__("A3", "W9"), r'cell A3: unknown work_id "W9"'),
    (lambda ws: ws.__setitem__("A4", "W1"), r'cell A4: work_id "W1" appears twice \(also in A2\)'),
    (lambda ws: (ws.__setitem__("A3", None), ws.__setitem__("B3", "include")), r"cell A3: work_id is empty"),
    (lambda ws: (ws.__setitem__("A2", "W2"), ws.__setitem__("A3", "W1")),
     r'cell A2: rows were reordered since export \(row 2 holds "W2", exported there: "W1"\)'),
])
def test_row_edits_are_refused_with_the_cell(book_path: Path, edit, message: str) -> None:
    _edit(book_path, edit)
    info = read_export_info(book_path, open_workbook(book_path))
    with pytest.raises(WorkbookError, match=message):
        check_rows(book_path, "Screening", _rows(book_path), info, "work_id")


def test_tampered_row_list_and_foreign_workbook(book_path: Path, tmp_path: Path) -> None:
    book = load_workbook(book_path)
    book["slr_rows"]["A2"] = "W7"
    book.save(book_path)
    with pytest.raises(WorkbookError, match="was changed after export"):
        read_export_info(book_path, open_workbook(book_path))
    plain = tmp_path / "plain.xlsx"
    write_workbook(plain, [Sheet("Screening", pd.DataFrame({"work_id": ["W1"]}))])
    with pytest.raises(WorkbookError, match="not a workbook exported by slr"):
        read_export_info(plain, open_workbook(plain))


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
