"""`slr dedupe` and `slr dedupe import` on a review built from the demo's real files."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pandas as pd
import pytest
from openpyxl import load_workbook

from pipeline.cli import main

ROOT = Path(__file__).parents[2]
IMPORTS = ROOT / "data" / "demo" / "imports"

PROTOCOL = """\
id: t
title: Dedupe test
research_questions: {RQ1: "What?"}
sources:
  - {name: observatory, type: file, path: data/t/imports/observatory.txt, format: reflist}
  - {name: embase_ris, type: file, path: data/t/imports/embase.ris}
  - {name: embase_csv, type: file, path: data/t/imports/embase.csv}
"""


def slr(root: Path, *args: str) -> int:
    return main(["--root", str(root), *args])


@pytest.fixture
def review(tmp_path: Path) -> Path:
    imports = tmp_path / "data" / "t" / "imports"
    imports.mkdir(parents=True)
    for name in ("observatory.txt", "embase.ris", "embase.csv", "scopus.ris"):
        shutil.copy(IMPORTS / name, imports / name)
    (tmp_path / "config").mkdir()
    (tmp_path / "config" / "review.yaml").write_text(PROTOCOL)
    assert slr(tmp_path, "search") == 0
    return tmp_path


def stage(review: Path) -> Path:
    return review / "outputs" / "t" / "02_dedupe"


def ledger(review: Path) -> Path:
    return review / "data" / "t" / "ledger" / "dedupe.csv"


def test_counts_tables_and_manifest(review: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert slr(review, "dedupe") == 0
    out = capsys.readouterr().out
    # The Observatory lists 7 entries twice; Embase's RIS and CSV exports hold the same 6 works.
    assert "333 records → 320 works (13 duplicates removed)" in out
    assert "  embase_csv: 6 records, 6 duplicates removed" in out
    records = pd.read_csv(stage(review) / "records.csv")
    works = pd.read_csv(stage(review) / "works.csv")
    assert len(records) == 333 and records["work_id"].notna().all() and len(works) == 320
    embase = records[records["source"].str.startswith("embase")].groupby("work_id")["source"].nunique()
    assert len(embase) == 6 and (embase == 2).all()
    counts = json.loads((stage(review) / "manifest.json").read_text())["counts"]
    assert counts["duplicates_removed_per_source"] == {"observatory": 7, "embase_ris": 0, "embase_csv": 6}
    assert counts["records_per_source"] == {"observatory": 321, "embase_ris": 6, "embase_csv": 6}
    pairs = pd.read_csv(stage(review) / "pairs.csv")
    assert pairs["rule"].notna().all()
    assert counts["uncertain_pairs"] == int((pairs["decision"] == "uncertain").sum()) == counts["pairs_to_review"]


def test_review_workbook(review: Path) -> None:
    assert slr(review, "dedupe") == 0
    book = load_workbook(stage(review) / "review.xlsx")
    ws = book["Pairs"]
    header = [c.value for c in ws[1]]
    assert header[:5] == ["pair", "answer", "note", "score", "rule"] and "title_a" in header and "title_b" in header
    uncertain = json.loads((stage(review) / "manifest.json").read_text())["counts"]["pairs_to_review"]
    assert ws.max_row == uncertain + 1
    (rule,) = ws.data_validations.dataValidation
    assert str(rule.sqref) == f"B2:B{uncertain + 1}"
    assert [c.value for c in book["Lists"]["A"]] == ["same", "different"]
    assert book["slr"].sheet_state == "hidden" and book["slr_rows"].sheet_state == "hidden"
    assert all(cell.data_type != "f" for row in ws.iter_rows() for cell in row)


def _answer(path: Path, answers: dict[int, tuple[str | None, str | None]]) -> None:
    book = load_workbook(path)
    ws = book["Pairs"]
    for row, (answer, note) in answers.items():
        ws.cell(row=row, column=2, value=answer)
        ws.cell(row=row, column=3, value=note)
    book.save(path)


def test_import_round_trip_is_honoured_and_idempotent(review: Path, tmp_path: Path,
                                                      capsys: pytest.CaptureFixture[str]) -> None:
    assert slr(review, "dedupe") == 0
    works_before = len(pd.read_csv(stage(review) / "works.csv"))
    book = tmp_path / "answered.xlsx"
    shutil.copy(stage(review) / "review.xlsx", book)
    pair_same = load_workbook(book)["Pairs"]["A2"].value
    _answer(book, {2: ("same", "one entry listed twice"), 3: ("Different", None)})
    capsys.readouterr()
    assert slr(review, "dedupe", "import", str(book), "--reviewer", "ana") == 0
    assert "2 answers read from 1 file(s); 2 new or changed added" in capsys.readouterr().out
    rows = pd.read_csv(ledger(review))
    assert rows[["answer", "reviewer"]].values.tolist() == [["same", "ana"], ["different", "ana"]]
    assert "|".join(rows.iloc[0][["record_id_a", "record_id_b"]]) == pair_same
    before = ledger(review).read_bytes()
    assert slr(review, "dedupe", "import", str(book), "--reviewer", "ana") == 0
    assert ledger(review).read_bytes() == before  # nothing new
    capsys.readouterr()
    assert slr(review, "dedupe") == 0
    assert "2 reviewer answers applied" in capsys.readouterr().out
    works = pd.read_csv(stage(review) / "works.csv")
    assert len(works) == works_before - 1
    records = pd.read_csv(stage(review) / "records.csv").set_index("record_id")
    a, b = pair_same.split("|")
    assert records.loc[a, "work_id"] == records.loc[b, "work_id"]
    pairs = pd.read_csv(stage(review) / "pairs.csv")
    assert (pairs["rule"] == "reviewer: different").sum() == 1
    assert load_workbook(stage(review) / "review.xlsx")["Pairs"].max_row == \
        json.loads((stage(review) / "manifest.json").read_text())["counts"]["pairs_to_review"] + 1


@pytest.mark.parametrize("edit, message", [
    (lambda ws: ws.__setitem__("B2", "maybe"), 'sheet "Pairs", cell B2: answer "maybe" is not one of: same, different'),
    (lambda ws: ws.__setitem__("B3", "=1+1"), 'cell B3: answer "=1+1" is not one of: same, different'),
    (lambda ws: ws.__setitem__("C2", "looks alike"), 'cell B2: a note without an answer'),
    (lambda ws: (ws.__setitem__("B2", "same"), ws.delete_rows(3)), "1 row(s) deleted since export"),
    (lambda ws: (ws.__setitem__("B2", "same"), ws.__setitem__("A2", "x|y")), 'cell A2: unknown pair "x|y"'),
])
def test_rejected_imports_leave_the_ledger_untouched(review: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                                     edit, message: str) -> None:
    assert slr(review, "dedupe") == 0
    good = tmp_path / "good.xlsx"
    shutil.copy(stage(review) / "review.xlsx", good)
    _answer(good, {2: ("same", None)})
    assert slr(review, "dedupe", "import", str(good)) == 0
    before = ledger(review).read_bytes()
    bad = tmp_path / "bad.xlsx"
    shutil.copy(stage(review) / "review.xlsx", bad)
    book = load_workbook(bad)
    edit(book["Pairs"])
    book.save(bad)
    capsys.readouterr()
    # The good workbook comes first: nothing of it is written either when the second fails.
    assert slr(review, "dedupe", "import", str(good), str(bad)) == 5
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err
    assert ledger(review).read_bytes() == before


def test_workbook_of_another_review_is_refused(review: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert slr(review, "dedupe") == 0
    (review / "config" / "other.yaml").write_text(PROTOCOL.replace("id: t", "id: other"))
    capsys.readouterr()
    assert slr(review, "-c", "config/other.yaml", "dedupe", "import", str(stage(review) / "review.xlsx")) == 5
    assert 'this workbook belongs to review "t", not "other"' in capsys.readouterr().err
    assert not (review / "data" / "other" / "ledger" / "dedupe.csv").exists()


def test_work_ids_are_stable_when_a_source_is_added(review: Path) -> None:
    assert slr(review, "dedupe") == 0
    before = pd.read_csv(stage(review) / "records.csv").set_index("record_id")["work_id"]
    protocol = review / "config" / "review.yaml"
    protocol.write_text(PROTOCOL + "  - {name: scopus, type: file, path: data/t/imports/scopus.ris}\n")
    assert slr(review, "search") == 0 and slr(review, "dedupe") == 0
    after = pd.read_csv(stage(review) / "records.csv").set_index("record_id")["work_id"]
    assert len(after) == len(before) + 6
    assert (after.loc[before.index] == before).all()


def test_dedupe_before_search_says_what_to_do(review: Path, capsys: pytest.CaptureFixture[str]) -> None:
    shutil.rmtree(review / "outputs")
    capsys.readouterr()
    assert slr(review, "dedupe") == 6
    err = capsys.readouterr().err
    assert "dedupe: outputs/t/01_search/records.csv not found" in err and "run `slr search` first" in err
