"""`slr screen` end to end on real records: workbooks, imports and their rejections, dual
screening, conflicts, and decisions that survive re-runs of search and dedupe."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pandas as pd
import pytest
from openpyxl import load_workbook

from pipeline.cli import main
from pipeline.store import append_csv_rows

ROOT = Path(__file__).parents[2]
IMPORTS = ROOT / "data" / "demo" / "imports"

PROTOCOL = """\
id: t
title: Screening test
research_questions: {RQ1: "What?"}
sources:
  - {name: observatory, type: file, path: data/t/imports/observatory.txt, format: reflist}
  - {name: embase, type: file, path: data/t/imports/embase.ris}
screening:
  years: {after: 2017}
  relevance:
    groups:
      credentials: [micro-credential*, digital badge*, alternative credential*]
      education: [teacher*, higher education, universit*, lifelong learning]
    require: [credentials]
    floor: 1.0
    ceiling: 1.5
  reasons: [not about micro-credentials, published before 2018, full text not retrieved]
  reason_codes: {relevance: not about micro-credentials}
"""


def slr(root: Path, *args: str) -> int:
    return main(["--root", str(root), *args])


@pytest.fixture
def review(tmp_path: Path) -> Path:
    imports = tmp_path / "data" / "t" / "imports"
    imports.mkdir(parents=True)
    for name in ("observatory.txt", "embase.ris", "scopus.ris"):
        shutil.copy(IMPORTS / name, imports / name)
    (tmp_path / "config").mkdir()
    (tmp_path / "config" / "review.yaml").write_text(PROTOCOL)
    assert slr(tmp_path, "search") == 0 and slr(tmp_path, "dedupe") == 0
    return tmp_path


def out(review: Path) -> Path:
    return review / "outputs" / "t" / "03_screen"


def ledger(review: Path) -> Path:
    return review / "data" / "t" / "ledger" / "screening.csv"


def workbooks(review: Path) -> Path:
    return review / "data" / "t" / "workbooks"


def book(review: Path, reviewer: str, stage: str = "title_abstract") -> Path:
    return workbooks(review) / f"screening_{stage}_{reviewer}.xlsx"


def fill(path: Path, rows: dict[int, tuple]) -> None:
    """Write (decision, reason, note) into Excel rows of the Screening (or Conflicts) sheet."""
    wb = load_workbook(path)
    ws = wb["Screening"] if "Screening" in wb.sheetnames else wb["Conflicts"]
    header = [c.value for c in ws[1]]
    for number, values in rows.items():
        for name, value in zip(("decision", "reason", "note"), values, strict=False):
            ws.cell(row=number, column=header.index(name) + 1, value=value)
    wb.save(path)


def screened(review: Path) -> pd.DataFrame:
    return pd.read_csv(out(review) / "screened.csv", dtype=str).set_index("work_id")


def test_outputs_and_the_workbook(review: Path) -> None:
    assert slr(review, "screen", "--reviewer", "ana") == 0
    table = screened(review)
    counts = json.loads((out(review) / "manifest.json").read_text())["counts"]
    assert counts["works"] == len(table) == 320
    assert counts["records_screened"] == counts["records_excluded"] + counts["reports_sought"] + \
        counts["awaiting_title_abstract"] + counts["conflicts_title_abstract"]
    proposals = pd.read_csv(out(review) / "proposals.csv")
    assert proposals["proposed_reason"].value_counts()["published before 2018"] == 14
    # Without accept_proposals, every work awaits a reviewer: all 320 are in ana's workbook.
    assert counts["status"] == {"awaiting": 320}
    wb = load_workbook(book(review, "ana"), rich_text=True)
    ws = wb["Screening"]
    header = [c.value for c in ws[1]]
    assert header[:3] == ["work_id", "title", "abstract"] and header[-4:] == ["decision", "reason", "note", "record_ids"]
    assert ws.max_row == 321 and ws.freeze_panes == "C2" and ws.auto_filter.ref.startswith("A1:")
    rules = {str(r.sqref): r.formula1 for r in ws.data_validations.dataValidation}
    assert rules == {"M2:M321": "'Lists'!$A$1:$A$3", "N2:N321": "'Lists'!$B$1:$B$3"}
    assert [c.value for c in wb["Lists"]["B"]] == ["not about micro-credentials", "published before 2018",
                                                   "full text not retrieved"]
    assert wb["slr"].sheet_state == "hidden" and ws.column_dimensions["P"].hidden
    meta = {r[0].value: r[1].value for r in wb["slr"].iter_rows(min_row=2)}
    assert (meta["review"], meta["kind"], meta["stage"], meta["reviewer"], meta["rows"]) == \
        ("t", "screening", "title_abstract", "ana", "320")
    # Most relevant first, the protocol's terms marked in the titles.
    scores = [ws.cell(row=r, column=8).value for r in range(2, 322)]
    assert scores == sorted(scores, reverse=True)
    # No human decision yet: no model, so predicted_relevance is blank and the Order sheet says why.
    assert header[8] == "predicted_relevance" and {ws.cell(row=r, column=9).value for r in range(2, 322)} == {None}
    about = {r[0].value: r[1].value for r in wb["Order"].iter_rows(min_row=2)}
    assert about["works in this workbook"] == "320" and about["order"].startswith("protocol relevance_score")
    assert about["relevant works expected"].startswith("not estimated yet")
    assert any(hasattr(ws.cell(row=r, column=2).value, "__iter__") and not isinstance(ws.cell(row=r, column=2).value, str)
               for r in range(2, 12))


def test_import_is_validated_appended_and_idempotent(review: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert slr(review, "screen", "--reviewer", "ana") == 0
    path = book(review, "ana")
    fill(path, {2: ("include", None, "core source"), 3: ("exclude", "not about micro-credentials", None),
                4: ("Maybe",)})
    capsys.readouterr()
    assert slr(review, "screen", "import", str(path)) == 0
    assert "3 decisions read from 1 file(s); 3 new or changed added" in capsys.readouterr().out
    rows = pd.read_csv(ledger(review))
    assert rows[["stage", "reviewer", "role", "decision"]].values.tolist() == [
        ["title_abstract", "ana", "reviewer", "include"], ["title_abstract", "ana", "reviewer", "exclude"],
        ["title_abstract", "ana", "reviewer", "maybe"]]
    assert rows["record_ids"].notna().all()
    before = ledger(review).read_bytes()
    assert slr(review, "screen", "import", str(path)) == 0
    assert ledger(review).read_bytes() == before
    fill(path, {3: ("include", None, None)})  # a changed decision adds a row; history stays
    assert slr(review, "screen", "import", str(path)) == 0
    assert len(pd.read_csv(ledger(review))) == 4
    assert slr(review, "screen", "--reviewer", "ana") == 0
    # The new workbook lists only the works still awaiting ana.
    assert load_workbook(book(review, "ana"))["Screening"].max_row == 320 - 3 + 1


@pytest.mark.parametrize("edit, message", [
    ({2: ("exclude", None, None)}, "cell N2: an exclusion needs a reason"),
    ({2: ("exclud", None, None)}, 'cell M2: decision "exclud" is not one of: include, exclude, maybe (did you mean "exclude"?)'),
    ({2: ("exclude", "too old", None)}, 'cell N2: reason "too old" is not one of'),
    ({2: ("include", None, "=HYPERLINK(\"x\")")}, "cell O2: holds a formula"),
    ({2: (None, None, "unsure")}, "cell M2: a reason or note without a decision"),
])
def test_rejected_rows_leave_the_ledger_byte_identical(review: Path, capsys: pytest.CaptureFixture[str],
                                                       edit: dict, message: str) -> None:
    assert slr(review, "screen", "--reviewer", "ana") == 0
    good = book(review, "ana")
    fill(good, {5: ("include",)})
    assert slr(review, "screen", "import", str(good)) == 0
    before = ledger(review).read_bytes()
    assert slr(review, "screen", "--reviewer", "ana") == 0
    fill(book(review, "ana"), edit)
    capsys.readouterr()
    assert slr(review, "screen", "import", str(book(review, "ana"))) == 5
    err = capsys.readouterr().err
    assert message in err and 'sheet "Screening"' in err and "Traceback" not in err
    assert ledger(review).read_bytes() == before


def test_sorted_workbook_is_matched_by_work_id_and_deleted_rows_are_not_decided(
        review: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Issue 13 case 3: a workbook sorted by title was refused ("rows were reordered", exit 5)."""
    assert slr(review, "screen", "--reviewer", "ana") == 0
    path = book(review, "ana")
    wb = load_workbook(path)
    ws = wb["Screening"]
    rows = [[c.value for c in row] for row in ws.iter_rows(min_row=2)]
    exported = [r[0] for r in rows]
    rows.sort(key=lambda r: str(r[1]))  # sorted by title, as the filter button does
    for number, values in enumerate(rows, start=2):
        for column, value in enumerate(values, start=1):
            ws.cell(row=number, column=column, value=value)
    ws.cell(row=2, column=13, value="include")
    ws.cell(row=3, column=13, value="exclude")
    ws.cell(row=3, column=14, value="not about micro-credentials")
    ws.delete_rows(5)
    wb.save(path)
    capsys.readouterr()
    assert slr(review, "screen", "import", str(path)) == 0
    text = capsys.readouterr().out
    assert "2 decisions read from 1 file(s); 2 new or changed added" in text
    assert f"{path}: 1 row(s) deleted since export: not decided, they come back in the next workbook" in text
    table = pd.read_csv(ledger(review))
    assert table[["work_id", "decision"]].values.tolist() == [[rows[0][0], "include"], [rows[1][0], "exclude"]]
    assert rows[0][0] != exported[0]  # the sort moved the rows: matched by work_id, not by position
    assert slr(review, "screen", "--reviewer", "ana") == 0
    again = [c.value for c in load_workbook(path)["Screening"]["A"][1:]]
    assert rows[3][0] in again and len(again) == 318  # the deleted row's work comes back


def _set_info(path: Path, key: str, value: str) -> None:
    wb = load_workbook(path)
    for cells in wb["slr"].iter_rows(min_row=2):
        if cells[0].value == key:
            cells[1].value = value
    wb.save(path)


def _set_id(row: int, value: str | None = None):
    def edit(path: Path) -> None:
        wb = load_workbook(path)
        ws = wb["Screening"]
        ws.cell(row=row, column=1, value=value if value is not None else ws.cell(row=2, column=1).value)
        wb.save(path)
    return edit


def _drop_info(path: Path) -> None:
    wb = load_workbook(path)
    del wb["slr"]
    wb.save(path)


@pytest.mark.parametrize("edit, message", [
    (lambda p: _set_info(p, "review", "other"), "do not match their signature"),
    (lambda p: _set_info(p, "kind", "conflicts"), "do not match their signature"),
    (lambda p: _set_info(p, "stage", "full_text"), "do not match their signature"),
    (lambda p: _set_info(p, "reviewer", "bo"), "do not match their signature"),
    (_set_id(3), "appears twice (also in A2)"),  # row 2's id copied into A3
    (_set_id(2, "W000000000000"), 'cell A2: unknown work_id "W000000000000" (not in this export)'),
    (_drop_info, 'the hidden sheets "slr" and "slr_rows" are missing'),
])
def test_foreign_or_edited_workbooks_are_refused(review: Path, capsys: pytest.CaptureFixture[str], edit,
                                                 message: str) -> None:
    assert slr(review, "screen", "--reviewer", "ana") == 0
    fill(book(review, "ana"), {6: ("include",)})
    assert slr(review, "screen", "import", str(book(review, "ana"))) == 0
    before = ledger(review).read_bytes()
    assert slr(review, "screen", "--reviewer", "ana") == 0
    path = book(review, "ana")
    fill(path, {2: ("include",), 3: ("exclude", "not about micro-credentials")})
    edit(path)
    capsys.readouterr()
    assert slr(review, "screen", "import", str(path)) == 5
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err
    assert ledger(review).read_bytes() == before


def test_maybe_at_full_text_comes_back_to_the_reviewer(review: Path) -> None:
    assert slr(review, "screen", "--reviewer", "ana") == 0
    fill(book(review, "ana"), {2: ("include",), 3: ("maybe",)})
    assert slr(review, "screen", "import", str(book(review, "ana"))) == 0
    assert slr(review, "screen", "--reviewer", "ana", "--stage", "full_text") == 0
    full = book(review, "ana", "full_text")
    assert load_workbook(full)["Screening"].max_row == 3  # both works passed title/abstract
    fill(full, {2: ("maybe",), 3: ("exclude", "full text not retrieved")})
    assert slr(review, "screen", "import", str(full)) == 0
    assert slr(review, "screen", "--reviewer", "ana", "--stage", "full_text") == 0
    # The maybe is no full-text decision: that work is listed again, the excluded one is not.
    assert load_workbook(full)["Screening"].max_row == 2
    fill(full, {2: ("include",)})
    assert slr(review, "screen", "import", str(full)) == 0
    assert slr(review, "screen", "--reviewer", "ana", "--stage", "full_text") == 0
    assert load_workbook(full)["Screening"].max_row == 1
    table = screened(review)
    assert table["status"].value_counts().to_dict() == {"awaiting": 318, "included": 1, "excluded": 1}
    counts = json.loads((out(review) / "manifest.json").read_text())["counts"]
    assert (counts["reports_sought"], counts["reports_not_retrieved"], counts["studies_included"]) == (2, 1, 1)


def test_blind_dual_screening_kappa_and_conflicts(review: Path, capsys: pytest.CaptureFixture[str]) -> None:
    protocol = review / "config" / "review.yaml"
    protocol.write_text(PROTOCOL + "  reviewers: 2\n")
    assert slr(review, "screen", "--reviewer", "ana", "--reviewer", "bo") == 0
    # Both see the same works in the same order; each fills the first 4 rows.
    fill(book(review, "ana"), {2: ("include",), 3: ("include",), 4: ("exclude", "not about micro-credentials"),
                               5: ("exclude", "not about micro-credentials")})
    fill(book(review, "bo"), {2: ("include",), 3: ("exclude", "not about micro-credentials"),
                              4: ("exclude", "not about micro-credentials"), 5: ("exclude", "not about micro-credentials")})
    assert slr(review, "screen", "import", str(book(review, "ana")), str(book(review, "bo"))) == 0
    assert slr(review, "screen", "--reviewer", "ana") == 0
    # Blind: ana's new workbook has none of bo's decisions and none of the works she did.
    ws = load_workbook(book(review, "ana"))["Screening"]
    assert ws.max_row == 320 - 4 + 1
    assert "bo" not in {str(c.value) for row in ws.iter_rows() for c in row}
    capsys.readouterr()
    assert slr(review, "screen", "agreement") == 0
    # 4 works, 3 agree; ana 2 inc/2 exc, bo 1 inc/3 exc: p_e = (2*1 + 2*3)/16 = 0.5 → kappa 0.5
    assert "title_abstract  ana vs bo: 4 works, 75.0% agreement, kappa 0.500" in capsys.readouterr().out
    table = screened(review)
    assert (table["status"] == "conflict").sum() == 1
    conflicts = workbooks(review) / "screening_conflicts.xlsx"
    fill(conflicts, {2: ("exclude", "not about micro-credentials", "agreed in meeting")})
    assert slr(review, "screen", "import", str(conflicts), "--reviewer", "eve") == 0
    assert slr(review, "screen") == 0
    table = screened(review)
    assert (table["status"] == "conflict").sum() == 0 and not conflicts.exists()
    assert (table["title_abstract_decided_by"] == "eve (resolution)").sum() == 1
    assert (table["title_abstract_decided_by"] == "ana+bo").sum() == 3


def test_decisions_survive_new_records_and_a_merge_makes_a_conflict(review: Path) -> None:
    assert slr(review, "screen", "--reviewer", "ana") == 0
    fill(book(review, "ana"), {2: ("include",), 3: ("exclude", "not about micro-credentials")})
    assert slr(review, "screen", "import", str(book(review, "ana"))) == 0
    decided = pd.read_csv(ledger(review))
    first, second = decided["work_id"].tolist()
    # New records arrive (Scopus): ana's decisions stay on their works.
    (review / "config" / "review.yaml").write_text(PROTOCOL.replace(
        "screening:", "  - {name: scopus, type: file, path: data/t/imports/scopus.ris}\nscreening:"))
    assert slr(review, "search") == 0 and slr(review, "dedupe") == 0 and slr(review, "screen") == 0
    table = screened(review)
    assert len(table) == 326
    assert table.loc[first, "title_abstract_decision"] == "include"
    assert table.loc[second, "title_abstract_decision"] == "exclude"
    # A reviewer tells dedupe the two works are one (a dedupe ledger row, as `slr dedupe import`
    # writes it): the merged work carries two different decisions, which is a conflict.
    ids = [str(decided.loc[decided["work_id"] == w, "record_ids"].item()).split("; ")[0] for w in (first, second)]
    append_csv_rows(review / "data" / "t" / "ledger" / "dedupe.csv",
                    [{"record_id_a": min(ids), "record_id_b": max(ids), "answer": "same"}],
                    ["record_id_a", "record_id_b", "answer"])
    assert slr(review, "dedupe") == 0 and slr(review, "screen") == 0
    table = screened(review)
    merged = table[table["record_ids"].str.contains(ids[0], regex=False)]
    assert len(merged) == 1 and merged["status"].item() == "conflict"
    assert "works merged by dedupe carry different decisions by ana" in merged["conflict"].item()
    assert len(pd.read_csv(ledger(review))) == 2  # nothing was overwritten


def test_screen_before_dedupe_and_status(review: Path, capsys: pytest.CaptureFixture[str]) -> None:
    capsys.readouterr()
    assert slr(review, "screen", "status") == 6
    assert "screening has not run yet" in capsys.readouterr().err
    assert slr(review, "screen") == 0 and slr(review, "screen", "status") == 0
    text = capsys.readouterr().out
    assert "Title/abstract: 320 works screened, 0 excluded, 0 sought, 320 awaiting, 0 in conflict" in text
    shutil.rmtree(review / "outputs" / "t" / "02_dedupe")
    assert slr(review, "screen") == 6
    assert "run `slr dedupe` first" in capsys.readouterr().err


def test_awaiting_order_can_come_from_a_ranker() -> None:
    from pipeline.stages.screen.flow import awaiting_reviewer as awaiting

    frame = pd.DataFrame({"work_id": ["W1", "W2", "W3"], "relevance_score": [3.0, 2.0, 1.0],
                          "title_abstract_decision": [None, None, None], "status": ["awaiting"] * 3,
                          "awaiting_stage": ["title_abstract"] * 3})
    assert awaiting(frame, None, "ana", "title_abstract")["work_id"].tolist() == ["W1", "W2", "W3"]
    ranked = pd.Series({"W1": 0.1, "W2": 0.9, "W3": 0.5})
    assert awaiting(frame, None, "ana", "title_abstract", order=ranked)["work_id"].tolist() == ["W2", "W3", "W1"]


def test_a_workbook_filled_in_place_is_never_replaced(review: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Issue 13 case 1: `slr screen` rewrote a reviewer's workbook (and conflicts.xlsx) filled in
    place and not imported; the decisions were gone."""
    assert slr(review, "screen", "--reviewer", "ana") == 0
    path = book(review, "ana")
    fill(path, {2: ("include",), 3: ("exclude", "not about micro-credentials")})
    filled = path.read_bytes()
    capsys.readouterr()
    assert slr(review, "screen", "--reviewer", "ana") == 6
    err = capsys.readouterr().err
    assert ("screen: data/t/workbooks/screening_title_abstract_ana.xlsx holds 2 entries not imported yet; running now "
            "would replace the workbook and lose them") in err
    assert "import them first: slr screen import data/t/workbooks/screening_title_abstract_ana.xlsx" in err
    assert path.read_bytes() == filled
    # Running without naming ana leaves her workbook alone; rm -rf outputs cannot reach it.
    assert slr(review, "screen") == 0 and path.read_bytes() == filled
    shutil.rmtree(review / "outputs" / "t" / "03_screen")
    assert path.read_bytes() == filled
    assert slr(review, "screen", "import", str(path)) == 0
    assert slr(review, "screen", "--reviewer", "ana") == 0  # all imported: replaced
    assert load_workbook(path)["Screening"].max_row == 320 - 2 + 1


def test_a_conflicts_workbook_filled_in_place_is_kept(review: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (review / "config" / "review.yaml").write_text(PROTOCOL + "  reviewers: 2\n")
    assert slr(review, "screen", "--reviewer", "ana", "--reviewer", "bo") == 0
    fill(book(review, "ana"), {2: ("include",)})
    fill(book(review, "bo"), {2: ("exclude", "not about micro-credentials")})
    assert slr(review, "screen", "import", str(book(review, "ana")), str(book(review, "bo"))) == 0
    assert slr(review, "screen") == 0
    conflicts = workbooks(review) / "screening_conflicts.xlsx"
    fill(conflicts, {2: ("include", None, "agreed")})
    capsys.readouterr()
    assert slr(review, "screen") == 6  # it would have been rewritten (or deleted) here
    assert "screening_conflicts.xlsx holds 1 entry not imported yet" in capsys.readouterr().err
    assert slr(review, "screen", "import", str(conflicts), "--reviewer", "eve") == 0
    # Imported under eve's name: the entry counts as imported whoever resolved it.
    assert slr(review, "screen") == 0 and not conflicts.exists()


def test_full_text_maybe_is_no_decision_and_no_conflict(review: Path) -> None:
    """Issue 13 case 4: one reviewer's full-text maybe and the other's include made a conflict,
    and the maybe-reviewer's next workbook was empty."""
    (review / "config" / "review.yaml").write_text(PROTOCOL + "  reviewers: 2\n")
    assert slr(review, "screen", "--reviewer", "ana", "--reviewer", "bo") == 0
    fill(book(review, "ana"), {2: ("include",)})
    fill(book(review, "bo"), {2: ("include",)})
    assert slr(review, "screen", "import", str(book(review, "ana")), str(book(review, "bo"))) == 0
    assert slr(review, "screen", "--stage", "full_text", "--reviewer", "ana", "--reviewer", "bo") == 0
    work = load_workbook(book(review, "ana", "full_text"))["Screening"]["A2"].value
    fill(book(review, "ana", "full_text"), {2: ("maybe",)})
    fill(book(review, "bo", "full_text"), {2: ("include",)})
    assert slr(review, "screen", "import", str(book(review, "ana", "full_text")),
               str(book(review, "bo", "full_text"))) == 0
    assert slr(review, "screen", "--stage", "full_text", "--reviewer", "ana", "--reviewer", "bo") == 0
    table = screened(review)
    assert table.loc[work, "status"] == "awaiting" and pd.isna(table.loc[work, "conflict"])
    assert table.loc[work, "full_text_decided_by"] == "awaiting a second reviewer (bo decided)"
    assert [c.value for c in load_workbook(book(review, "ana", "full_text"))["Screening"]["A"][1:]] == [work]
    assert load_workbook(book(review, "bo", "full_text"))["Screening"].max_row == 1
    counts = json.loads((out(review) / "manifest.json").read_text())["counts"]
    assert (counts["awaiting_full_text"], counts["conflicts_full_text"]) == (1, 0)


def _set_hidden_record_ids(value: str):
    def edit(path: Path) -> None:
        wb = load_workbook(path)
        ws = wb["Screening"]
        ws["P2"] = ws["P3"].value if value == "row 3" else value
        wb.save(path)
    return edit


@pytest.mark.parametrize("edit, message", [
    (_set_hidden_record_ids("row 3"), "cell P2: the hidden record_ids of work_id"),
    (_set_hidden_record_ids("=A1"), 'cell P2: holds a formula (=A1)'),
])
def test_hidden_record_ids_are_checked_not_trusted(review: Path, capsys: pytest.CaptureFixture[str], edit,
                                                  message: str) -> None:
    """Issue 13 case 6: a formula or another work's record id in the hidden record_ids column was stored."""
    assert slr(review, "screen", "--reviewer", "ana") == 0
    path = book(review, "ana")
    fill(path, {2: ("include",)})
    edit(path)
    capsys.readouterr()
    assert slr(review, "screen", "import", str(path)) == 5
    assert message in capsys.readouterr().err
    assert not ledger(review).exists()


def test_a_workbook_of_another_review_with_the_same_id_is_refused(review: Path, tmp_path: Path,
                                                                  capsys: pytest.CaptureFixture[str]) -> None:
    """Issue 13 case 6: a workbook from another review with the same `id` wrote rows for unknown works."""
    other = tmp_path / "other"
    (other / "config").mkdir(parents=True)
    shutil.copytree(review / "data" / "t" / "imports", other / "data" / "t" / "imports")
    (other / "config" / "review.yaml").write_text(PROTOCOL.replace("embase.ris}", "scopus.ris}"))
    assert slr(other, "search") == 0 and slr(other, "dedupe") == 0 and slr(other, "screen", "--reviewer", "ana") == 0
    foreign = other / "data" / "t" / "workbooks" / "screening_title_abstract_ana.xlsx"
    fill(foreign, {2: ("include",)})
    capsys.readouterr()
    assert slr(review, "screen", "import", str(foreign)) == 5
    assert "do not match their signature" in capsys.readouterr().err
    assert not ledger(review).exists()


def test_the_stage_of_a_conflict_is_checked(review: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Issue 13 case 6: editing where a row is filed (its stage) moved the decision to another phase."""
    (review / "config" / "review.yaml").write_text(PROTOCOL + "  reviewers: 2\n")
    assert slr(review, "screen", "--reviewer", "ana", "--reviewer", "bo") == 0
    fill(book(review, "ana"), {2: ("include",)})
    fill(book(review, "bo"), {2: ("exclude", "not about micro-credentials")})
    assert slr(review, "screen", "import", str(book(review, "ana")), str(book(review, "bo"))) == 0
    assert slr(review, "screen") == 0
    conflicts = workbooks(review) / "screening_conflicts.xlsx"
    fill(conflicts, {2: ("include",)})
    wb = load_workbook(conflicts)
    wb["Conflicts"]["B2"] = "full_text"
    wb.save(conflicts)
    before = ledger(review).read_bytes()
    capsys.readouterr()
    assert slr(review, "screen", "import", str(conflicts)) == 5
    assert 'cell B2: the stage of work_id' in capsys.readouterr().err
    assert ledger(review).read_bytes() == before


def test_a_report_the_fetch_did_not_retrieve_is_proposed_not_retrieved(review: Path,
                                                                       capsys: pytest.CaptureFixture[str]) -> None:
    """`slr fulltext fetch`'s log feeds the full-text workbook as a proposal the reviewer confirms;
    the confirmed exclusion is what PRISMA counts. The log rows are written here as the fetch writes
    them (tests/runner/test_fulltext.py runs the fetch itself against a local server)."""
    from pipeline.runner.fulltext import COLUMNS, LOG_NAME

    assert slr(review, "screen", "--reviewer", "ana") == 0
    fill(book(review, "ana"), {2: ("include",), 3: ("include",), 4: ("maybe",)})
    assert slr(review, "screen", "import", str(book(review, "ana"))) == 0
    sought = [load_workbook(book(review, "ana"))["Screening"][f"A{row}"].value for row in (2, 3, 4)]
    # The first two were tried and not retrieved; the second has since been filed by hand; the third was retrieved.
    rows = [{"work_id": sought[0], "status": "not retrieved", "reason": "no open-access copy known to OpenAlex or Europe PMC",
             "time": "2026-12-03T10:00:00+00:00"},
            {"work_id": sought[1], "status": "not retrieved", "reason": "not in OpenAlex nor Europe PMC",
             "time": "2026-12-03T10:00:01+00:00"},
            {"work_id": sought[2], "status": "not retrieved", "reason": "not in OpenAlex nor Europe PMC",
             "time": "2026-12-03T10:00:02+00:00"},
            {"work_id": sought[2], "status": "retrieved", "reason": None, "file": f"data/t/fulltext/{sought[2]}.pdf",
             "time": "2026-12-04T10:00:00+00:00"}]
    append_csv_rows(review / "data" / "t" / LOG_NAME, [{c: r.get(c) for c in COLUMNS} for r in rows], COLUMNS)
    fulltext = review / "data" / "t" / "fulltext"
    fulltext.mkdir()
    (fulltext / f"{sought[1]}.txt").write_text("A copy the team found in a library.\n", encoding="utf-8")
    protocol = review / "config" / "review.yaml"
    protocol.write_text(protocol.read_text() + "coding: {fulltext: data/t/fulltext}\n")
    capsys.readouterr()

    assert slr(review, "screen", "--reviewer", "ana", "--stage", "full_text") == 0
    assert ("1 reports `slr fulltext fetch` did not retrieve are proposed as not retrieved (column retrieval)"
            in capsys.readouterr().out)
    ws = load_workbook(book(review, "ana", "full_text"))["Screening"]
    header = [c.value for c in ws[1]]
    assert header[header.index("retrieval"):header.index("retrieval") + 3] == [
        "retrieval", "proposed_decision", "proposed_reason"]
    rows_by_work = {r[0]: dict(zip(header, r)) for r in ws.iter_rows(min_row=2, values_only=True)}
    assert set(rows_by_work) == set(sought)
    first = rows_by_work[sought[0]]
    assert (first["retrieval"], first["proposed_decision"], first["proposed_reason"]) == (
        "not retrieved by slr fulltext fetch on 2026-12-03: no open-access copy known to OpenAlex or Europe PMC",
        "exclude", "full text not retrieved")
    assert rows_by_work[sought[1]]["retrieval"] is None  # filed by hand since: no proposal
    assert rows_by_work[sought[2]]["retrieval"] is None  # retrieved by the latest fetch
    assert rows_by_work[sought[1]]["proposed_decision"] != "exclude"
    # Only proposed: nothing is counted until the reviewer confirms.
    counts = json.loads((out(review) / "manifest.json").read_text())["counts"]
    assert (counts["reports_not_retrieved"], counts["proposed_not_retrieved"]) == (0, 1)
    row = [r[0].value for r in ws.iter_rows(min_row=1)].index(sought[0]) + 1
    fill(book(review, "ana", "full_text"), {row: ("exclude", "full text not retrieved")})
    assert slr(review, "screen", "import", str(book(review, "ana", "full_text"))) == 0
    assert slr(review, "screen") == 0
    counts = json.loads((out(review) / "manifest.json").read_text())["counts"]
    assert (counts["reports_sought"], counts["reports_not_retrieved"]) == (3, 1)
    assert screened(review).loc[sought[0], "exclusion_reason"] == "full text not retrieved"
    # A protocol without a not-retrieved reason is told so: its reviewers could not confirm the proposal.
    protocol.write_text(protocol.read_text().replace(", full text not retrieved]", "]"))
    book(review, "ana", "full_text").unlink()  # imported; its reason would no longer be a valid choice
    (review / "data" / "t" / LOG_NAME).write_text((review / "data" / "t" / LOG_NAME).read_text().replace(
        f"{sought[2]},,retrieved", f"{sought[2]},,not retrieved"))
    capsys.readouterr()
    assert slr(review, "screen", "--reviewer", "ana", "--stage", "full_text") == 0
    said = capsys.readouterr().out
    assert "screening.reasons has no reason saying \"not retrieved\": add one (e.g. \"full text not retrieved\")" in said
