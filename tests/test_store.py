"""Atomic writes and formula-safe CSV cells."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from pipeline.store import atomic_path, escape_cell, read_csv, unescape_cell, write_csv


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
