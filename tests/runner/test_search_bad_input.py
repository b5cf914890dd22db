"""Bad input to `slr search` (issue 2, item 6): a clear error naming the file, and nothing changed.

Each case starts from a review that has already searched successfully, breaks one source file,
runs `slr search` again, and checks the exit code, the message, and that every file under
outputs/ and data/ (except the broken one) is byte-identical.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from pipeline.cli import main

ROOT = Path(__file__).parents[2]
DATA = ROOT / "tests" / "data"

PROTOCOL = """\
id: t
title: Bad input
research_questions: {RQ1: "What?"}
sources:
  - {name: scopus, type: file, path: data/t/imports/scopus.ris}
  - {name: embase, type: file, path: data/t/imports/embase.csv}
  - {name: sheet, type: file, path: data/t/imports/embase.xlsx}
"""


@pytest.fixture
def review(tmp_path: Path) -> Path:
    imports = tmp_path / "data" / "t" / "imports"
    imports.mkdir(parents=True)
    shutil.copy(ROOT / "data" / "demo" / "imports" / "scopus.ris", imports / "scopus.ris")
    shutil.copy(DATA / "tabular" / "asreview_embase.csv", imports / "embase.csv")
    shutil.copy(DATA / "tabular" / "asreview_embase.xlsx", imports / "embase.xlsx")
    (tmp_path / "config").mkdir()
    (tmp_path / "config" / "review.yaml").write_text(PROTOCOL)
    assert main(["--root", str(tmp_path), "search"]) == 0
    return tmp_path


def _snapshot(root: Path, skip: str) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for folder in ("outputs", "data")
            for p in sorted((root / folder).rglob("*")) if p.is_file() and p.name != skip}


def _truncate_zip(path: Path) -> None:
    path.write_bytes(path.read_bytes()[:2000])


def _ris_without_er(path: Path) -> None:
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    path.write_text("".join(line for line in lines if not line.startswith("ER  -")), encoding="utf-8")


CASES: list[tuple[str, Callable[[Path], None], int, list[str]]] = [
    ("scopus.ris", lambda p: p.write_bytes(b""), 3, ["scopus: ", "scopus.ris is empty (0 bytes)"]),
    ("scopus.ris", lambda p: (p.unlink(), p.mkdir()), 3, ["scopus: ", "scopus.ris is a folder, not a file"]),
    ("scopus.ris", _ris_without_er, 3, ["scopus.ris: record 1 starting at line 1 (TY) has no ER line"]),
    ("embase.csv", lambda p: p.write_text("Heading,Writers\nA study,Smith J.\n"), 3,
     ["embase.csv: no title column (headers: Heading, Writers)", "add columns: {title:"]),
    ("embase.xlsx", _truncate_zip, 3, ["embase.xlsx: not a readable Excel workbook", "save it as .xlsx"]),
    ("embase.csv", lambda p: p.write_bytes(b"\x00\x9f\x92\x96" * 50), 3,
     ["embase.csv: not UTF-8 (first bad byte at offset 1) and the encoding could not be detected",
      "set encoding: in the source"]),
]


@pytest.mark.parametrize("name, breaks, code, phrases", CASES,
                         ids=["empty", "folder", "ris-without-ER", "csv-without-title", "broken-xlsx", "binary-csv"])
def test_bad_file_is_named_and_nothing_changes(review: Path, capsys: pytest.CaptureFixture[str], name: str,
                                               breaks: Callable[[Path], None], code: int, phrases: list[str]) -> None:
    before = _snapshot(review, name)
    breaks(review / "data" / "t" / "imports" / name)
    capsys.readouterr()
    assert main(["--root", str(review), "search"]) == code
    err = capsys.readouterr().err
    assert err.startswith("Error: ") and "Traceback" not in err
    for phrase in phrases:
        assert phrase in err
    assert _snapshot(review, name) == before


def test_unknown_format_is_a_protocol_error(review: Path, capsys: pytest.CaptureFixture[str]) -> None:
    before = _snapshot(review, "")
    protocol = review / "config" / "review.yaml"
    protocol.write_text(PROTOCOL.replace("path: data/t/imports/embase.csv}", "path: data/t/imports/embase.csv, format: cvs}"))
    capsys.readouterr()
    assert main(["--root", str(review), "search"]) == 2
    err = capsys.readouterr().err
    assert 'sources[1].format: "cvs" is not one of' in err and '(did you mean "csv"?)' in err
    assert _snapshot(review, "") == before


def test_record_level_problems_are_warnings_in_the_search_log(review: Path) -> None:
    # Years like "2019a" and "n.d." do not stop the import: they are counted and listed.
    extra = review / "data" / "t" / "imports" / "years.csv"
    extra.write_text("title,year\nA study of badges,2019a\nAn undated report,n.d.\n,2020\n")
    (review / "config" / "review.yaml").write_text(PROTOCOL + "  - {name: years, type: file, path: data/t/imports/years.csv}\n")
    assert main(["--root", str(review), "search"]) == 0
    log = (review / "outputs" / "t" / "01_search" / "search_log.csv").read_text(encoding="utf-8")
    row = next(line for line in log.splitlines() if line.startswith("years,"))
    assert ',3,3,' in row  # records found, records read
    assert 'line 2: year ""2019a"" read as 2019' in row
    assert 'line 3: year ""n.d."" is not a year; left empty' in row
    assert "line 4: no title" in row
