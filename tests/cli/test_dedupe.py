"""`slr dedupe` through the command line: help, summary lines, `slr run`, and bad import arguments."""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
import pytest

from pipeline.cli import main
from pipeline.roundtrip import ExportInfo, workbook_key
from pipeline.sheets import Sheet, write_workbook

ROOT = Path(__file__).parents[2]
IMPORTS = ROOT / "data" / "demo" / "imports"

# Real demo files (data/demo/imports/PROVENANCE.md): Embase's RIS and CSV exports of the same 6 articles.
PROTOCOL = """\
id: t
title: Dedupe from the command line
research_questions: {RQ1: "What?"}
sources:
  - {name: embase_ris, type: file, path: data/t/imports/embase.ris}
  - {name: embase_csv, type: file, path: data/t/imports/embase.csv}
"""


@pytest.fixture
def review(tmp_path: Path) -> Path:
    imports = tmp_path / "data" / "t" / "imports"
    imports.mkdir(parents=True)
    for name in ("embase.ris", "embase.csv"):
        shutil.copy(IMPORTS / name, imports / name)
    (tmp_path / "config").mkdir()
    (tmp_path / "config" / "review.yaml").write_text(PROTOCOL)
    return tmp_path


def slr(root: Path, *args: str) -> int:
    return main(["--root", str(root), *args])


@pytest.mark.parametrize("args", [["dedupe", "--help"], ["dedupe", "import", "--help"]])
def test_help_has_an_example(review: Path, capsys: pytest.CaptureFixture[str], args: list[str]) -> None:
    assert slr(review, *args) == 0
    out = capsys.readouterr().out
    assert "Example:" in out and "slr " in out.split("Example:")[1]


def test_summary_lines(review: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert slr(review, "search") == 0
    capsys.readouterr()
    assert slr(review, "dedupe") == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0] == ("12 records → 6 works (6 duplicates removed); 0 uncertain pairs, 0 to review, "
                      "0 reviewer answers applied → outputs/t/02_dedupe/")
    assert out[1:] == ["  embase_ris: 6 records, 0 duplicates removed", "  embase_csv: 6 records, 6 duplicates removed"]


def test_run_does_search_then_dedupe(review: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert slr(review, "run", "--offline") == 0
    out = capsys.readouterr().out
    assert out.index("── search") < out.index("── dedupe")
    assert len(pd.read_csv(review / "outputs" / "t" / "02_dedupe" / "works.csv")) == 6


def test_import_needs_a_file(review: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert slr(review, "dedupe", "import") == 2
    assert "Missing argument 'files'" in capsys.readouterr().err


@pytest.mark.parametrize("name, content, message", [
    ("missing.xlsx", None, "missing.xlsx: file not found"),
    ("answers.csv", "pair,answer\n", "answers.csv: not an Excel workbook (.xlsx)"),
])
def test_import_of_what_is_not_a_review_workbook(review: Path, capsys: pytest.CaptureFixture[str], name: str,
                                                 content: str | None, message: str) -> None:
    path = review / name
    if content is not None:
        path.write_text(content)
    assert slr(review, "dedupe", "import", str(path)) == 5
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err
    assert not (review / "data" / "t" / "ledger" / "dedupe.csv").exists()


def test_import_of_another_kind_of_workbook_names_its_command(review: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # Made here: a workbook in the shape `slr screen` exports (its hidden sheets say kind "screening").
    path = review / "screening.xlsx"
    info = ExportInfo(review="t", kind="screening", ids=("W1",), stage="title_abstract")
    write_workbook(path, [Sheet("Screening", pd.DataFrame({"work_id": ["W1"], "decision": [None]})), *info.sheets(workbook_key(review / "data" / "t"))])
    assert slr(review, "dedupe", "import", str(path)) == 5
    err = capsys.readouterr().err
    assert "screening.xlsx: this is a screening workbook; expected dedupe" in err and "Traceback" not in err
    assert not (review / "data" / "t" / "ledger" / "dedupe.csv").exists()
