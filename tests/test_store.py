"""Atomic writes and formula-safe CSV cells."""

from __future__ import annotations

import multiprocessing
from pathlib import Path

import pandas as pd
import pytest

from pipeline.errors import StageError
from pipeline.store import append_csv_rows, append_ledger, atomic_path, escape_cell, read_csv, unescape_cell, write_csv


@pytest.mark.parametrize("value", ["=SUM(A1)", "+1", "-x", "@cmd", "\tx", "\rx", "'=x", "''+y", "'plain", "plain", ""])
def test_escape_round_trips(value: str) -> None:
    escaped = escape_cell(value)
    assert not (isinstance(escaped, str) and escaped[:1] and escaped[0] in "=+-@\t\r")
    assert unescape_cell(escaped) == value


def test_csv_cells_never_start_a_formula(tmp_path: Path) -> None:
    frame = pd.DataFrame({"title": ["=HYPERLINK(\"http://x\")", "-5 things", "ok"], "year": [2020, 2021, None]})
    path = tmp_path / "out.csv"
    write_csv(path, frame)
    text = path.read_text()
    assert "'=HYPERLINK" in text and "'-5 things" in text
    back = read_csv(path)
    assert back["title"].tolist() == frame["title"].tolist()
    assert back["year"].tolist()[:2] == [2020, 2021]


def test_failed_write_leaves_the_old_file(tmp_path: Path) -> None:
    path = tmp_path / "keep.txt"
    path.write_text("old")
    with pytest.raises(RuntimeError):
        with atomic_path(path) as tmp:
            tmp.write_text("half")
            raise RuntimeError("boom")
    assert path.read_text() == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["keep.txt"]


def _append_many(args: tuple[str, str, int, bool]) -> None:
    path, who, n, locked = args
    for i in range(n):
        row = {"who": who, "i": str(i)}
        if locked:
            append_ledger(Path(path), ["who", "i"], lambda existing, row=row: [row])
        else:  # what imports did before: read, copy and rename with no lock
            append_csv_rows(Path(path), [row], ["who", "i"])


def _run_in_parallel(path: Path, locked: bool) -> pd.DataFrame:
    jobs = [(str(path), f"p{k}", 40, locked) for k in range(4)]
    with multiprocessing.get_context("fork").Pool(4) as pool:
        pool.map(_append_many, jobs)
    return read_csv(path)


def test_parallel_appends_under_the_lock_lose_no_row(tmp_path: Path) -> None:
    """Issue 13 case 2: two imports at once lost one reviewer's rows (read, copy, rename, no lock)."""
    rows = _run_in_parallel(tmp_path / "ledger.csv", locked=True)
    assert len(rows) == 160
    assert sorted(zip(rows["who"], rows["i"].astype(int))) == [(f"p{k}", i) for k in range(4) for i in range(40)]
    assert (tmp_path / ".ledger.csv.lock").exists() and not list(tmp_path.glob("*.tmp"))


def test_ledger_gains_new_columns_on_append(tmp_path: Path) -> None:
    path = tmp_path / "coding.csv"
    append_csv_rows(path, [{"work_id": "W1", "codes": "a"}], ["work_id", "codes"])
    append_ledger(path, ["work_id", "codes", "evidence"], lambda existing: [{"work_id": "W2", "codes": "b",
                                                                             "evidence": "p. 3"}])
    assert path.read_text() == "work_id,codes,evidence\nW1,a,\nW2,b,p. 3\n"
    with pytest.raises(StageError, match="the ledger has columns slr does not know \\(codes\\)"):
        append_ledger(path, ["work_id", "evidence"], lambda existing: [{"work_id": "W3"}])
