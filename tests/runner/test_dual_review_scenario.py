"""A whole blind dual review, as two reviewers work: workbooks filled in place, sorted, imported at
the same time by two processes, and `slr screen` run again between every step.

Every decision must land once, on the work it was typed against, and no workbook holding
decisions not yet imported may be replaced (issue 13). Records: the demo's Observatory reference
list and Embase export (see tests/runner/test_screen.py).
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
from openpyxl import load_workbook

from tests.runner.test_screen import PROTOCOL, book, ledger, out, screened, slr, workbooks
from tests.runner.test_screen import review as review  # noqa: F401 - the fixture

REASON = "not about micro-credentials"
CLI = "import sys; from pipeline.cli import main; sys.exit(main(sys.argv[1:]))"


def decide(path: Path, decisions: dict[str, tuple[str, str | None]], sort_by: str | None = None,
           descending: bool = False) -> None:
    """Type decisions against work ids (wherever their rows are), then sort the sheet as Excel's
    filter button does: whole rows move together."""
    wb = load_workbook(path)
    ws = wb["Screening"] if "Screening" in wb.sheetnames else wb["Conflicts"]
    header = [c.value for c in ws[1]]
    rows = [[c.value for c in row] for row in ws.iter_rows(min_row=2)]
    for values in rows:
        if values[0] in decisions:
            decision, reason = decisions[values[0]]
            values[header.index("decision")] = decision
            values[header.index("reason")] = reason
    if sort_by is not None:
        rows.sort(key=lambda r: str(r[header.index(sort_by)] or ""), reverse=descending)
    for number, values in enumerate(rows, start=2):
        for column, value in enumerate(values, start=1):
            ws.cell(row=number, column=column, value=value)
    wb.save(path)


def ids(path: Path) -> list[str]:
    wb = load_workbook(path, read_only=True)
    sheet = wb["Screening"] if "Screening" in wb.sheetnames else wb["Conflicts"]
    values = [row[0] for row in sheet.iter_rows(min_row=2, values_only=True)]
    wb.close()
    return values


def import_at_once(root: Path, *paths: Path) -> list[subprocess.CompletedProcess[str]]:
    """`slr screen import` of each workbook in its own process, all started before any ends."""
    procs = [subprocess.Popen([sys.executable, "-c", CLI, "--root", str(root), "screen", "import", str(p)],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                              cwd=Path(__file__).parents[2]) for p in paths]
    return [subprocess.CompletedProcess(p.args, p.wait(timeout=300), *p.communicate()) for p in procs]


def test_a_whole_dual_review(review: Path, capsys: pytest.CaptureFixture[str]) -> None:  # noqa: F811
    (review / "config" / "review.yaml").write_text(PROTOCOL + "  reviewers: 2\n")
    both = ("screen", "--reviewer", "ana", "--reviewer", "bo")
    assert slr(review, *both) == 0
    ana, bo = book(review, "ana"), book(review, "bo")
    first = ids(ana)[:12]
    assert ids(bo)[:12] == first
    # ana: the 12 first works; bo agrees on 10, disagrees on two (include vs exclude and back).
    mine = {w: (("include", None) if i % 3 else ("exclude", REASON)) for i, w in enumerate(first)}
    theirs = dict(mine)
    theirs[first[1]] = ("exclude", REASON)
    theirs[first[3]] = ("include", None)
    decide(ana, mine, sort_by="title")
    filled = ana.read_bytes()
    capsys.readouterr()
    assert slr(review, *both) == 6  # ana's decisions are not imported: her workbook is kept
    assert "screening_title_abstract_ana.xlsx holds 12 entries not imported yet" in capsys.readouterr().err
    assert ana.read_bytes() == filled
    decide(bo, theirs, sort_by="work_id", descending=True)
    assert ids(bo)[0] > ids(bo)[-1]
    assert slr(review, "screen") == 0  # no workbook written: both stay as filled
    assert ana.read_bytes() == filled
    assert slr(review, "screen", "--reviewer", "bo") == 6

    results = import_at_once(review, ana, bo)
    assert [r.returncode for r in results] == [0, 0], [r.stderr for r in results]
    assert all("12 decisions read from 1 file(s); 12 new or changed added" in r.stdout for r in results)
    table = pd.read_csv(ledger(review), dtype=str, keep_default_na=False)
    assert len(table) == 24
    landed = {(r["reviewer"], r["work_id"]): (r["decision"], r["reason"] or None) for r in table.to_dict("records")}
    assert landed == {**{("ana", w): d for w, d in mine.items()}, **{("bo", w): d for w, d in theirs.items()}}
    kept = review / "filled"
    kept.mkdir()
    ana_filled, bo_filled = kept / ana.name, kept / bo.name
    ana_filled.write_bytes(ana.read_bytes())
    bo_filled.write_bytes(bo.read_bytes())

    # Imported: the stage may write both workbooks afresh, each without the works its reviewer did.
    assert slr(review, *both) == 0
    assert not set(first) & set(ids(ana)) and not set(first) & set(ids(bo)) and len(ids(ana)) == 320 - 12
    states = screened(review).loc[first, ["title_abstract_decision", "status"]]
    assert (states.loc[[first[1], first[3]], "status"] == "conflict").all()
    agreed = [w for w in first if w not in (first[1], first[3])]
    assert states.loc[agreed, "title_abstract_decision"].tolist() == [mine[w][0] for w in agreed]
    # The conflicts, resolved in place and sorted: kept until imported, then gone.
    conflicts = workbooks(review) / "screening_conflicts.xlsx"
    assert sorted(ids(conflicts)) == sorted([first[1], first[3]])
    decide(conflicts, {first[1]: ("include", None), first[3]: ("exclude", REASON)}, sort_by="title",
           descending=True)
    assert slr(review, "screen") == 6 and conflicts.exists()
    assert slr(review, "screen", "import", str(conflicts), "--reviewer", "eve") == 0
    assert slr(review, "screen") == 0 and not conflicts.exists()
    final = screened(review)
    assert final.loc[first[1], ["title_abstract_decision", "title_abstract_decided_by"]].tolist() == [
        "include", "eve (resolution)"]
    assert final.loc[first[3], "excluded_at"] == "title_abstract"
    # Importing everything again adds nothing: every decision is in the ledger once.
    before = ledger(review).read_bytes()
    results = import_at_once(review, ana_filled, bo_filled)
    assert [r.returncode for r in results] == [0, 0]
    assert ledger(review).read_bytes() == before and len(pd.read_csv(ledger(review))) == 26
    counts = json.loads((out(review) / "manifest.json").read_text())["counts"]
    assert counts["conflicts"] == 0 and counts["awaiting_title_abstract"] == 320 - 12
