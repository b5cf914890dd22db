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
#: The demo's real files (data/demo/imports/PROVENANCE.md), by source name.
FILES = {"observatory": "observatory.txt", "scopus": "scopus.ris", "embase_ris": "embase.ris",
         "embase_csv": "embase.csv", "pubmed_endnote": "pubmed_endnote.txt", "pubmed_zotero": "pubmed_zotero.ris",
         "seeds": "seeds.csv"}

PROTOCOL = """\
id: t
title: Dedupe test
research_questions: {RQ1: "What?"}
sources:
  - {name: observatory, type: file, path: data/t/imports/observatory.txt, format: reflist}
  - {name: embase_ris, type: file, path: data/t/imports/embase.ris}
  - {name: embase_csv, type: file, path: data/t/imports/embase.csv}
"""


def review_book(review: Path) -> Path:
    return review / "data" / "t" / "workbooks" / "dedupe_review.xlsx"


def slr(root: Path, *args: str) -> int:
    return main(["--root", str(root), *args])


@pytest.fixture
def review(tmp_path: Path) -> Path:
    imports = tmp_path / "data" / "t" / "imports"
    imports.mkdir(parents=True)
    for name in FILES.values():
        shutil.copy(IMPORTS / name, imports / name)
    (tmp_path / "config").mkdir()
    (tmp_path / "config" / "review.yaml").write_text(PROTOCOL)
    assert slr(tmp_path, "search") == 0
    return tmp_path


def protocol_for(sources: list[str], dedupe: str = "") -> str:
    """The test protocol with these demo sources (in this order) and an optional `dedupe:` line."""
    lines = [f"  - {{name: {n}, type: file, path: data/t/imports/{FILES[n]}{', format: reflist' if n == 'observatory' else ''}}}"
             for n in sources]
    return PROTOCOL.split("sources:")[0] + "sources:\n" + "\n".join(lines) + "\n" + dedupe


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
    book = load_workbook(review_book(review))
    ws = book["Pairs"]
    header = [c.value for c in ws[1]]
    assert header[:9] == ["pair", "answer", "note", "score", "rule", "title_a", "title_b", "authors_a", "authors_b"]
    assert {"year_a", "year_b", "venue_a", "venue_b", "doi_a", "doi_b", "pages_a", "pages_b", "source_a", "source_b",
            "title_similarity", "authors_similarity", "venue_similarity", "year_gap", "doi_check"} <= set(header)
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
    shutil.copy(review_book(review), book)
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
    assert load_workbook(review_book(review))["Pairs"].max_row == \
        json.loads((stage(review) / "manifest.json").read_text())["counts"]["pairs_to_review"] + 1


@pytest.mark.parametrize("edit, message", [
    (lambda ws: ws.__setitem__("B2", "maybe"), 'sheet "Pairs", cell B2: answer "maybe" is not one of: same, different'),
    (lambda ws: ws.__setitem__("B3", "=1+1"), 'sheet "Pairs", cell B3: holds a formula (=1+1)'),
    (lambda ws: ws.__setitem__("C2", "looks alike"), 'cell B2: a note without an answer'),
    (lambda ws: (ws.__setitem__("B2", "same"), ws.__setitem__("A2", "x|y")), 'cell A2: unknown pair "x|y"'),
])
def test_rejected_imports_leave_the_ledger_untouched(review: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                                     edit, message: str) -> None:
    assert slr(review, "dedupe") == 0
    good = tmp_path / "good.xlsx"
    shutil.copy(review_book(review), good)
    _answer(good, {2: ("same", None)})
    assert slr(review, "dedupe", "import", str(good)) == 0
    before = ledger(review).read_bytes()
    bad = tmp_path / "bad.xlsx"
    shutil.copy(review_book(review), bad)
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
    assert slr(review, "-c", "config/other.yaml", "dedupe", "import", str(review_book(review))) == 5
    # Another review has another key (data/other/.workbook_key): the signature cannot match.
    assert "do not match their signature" in capsys.readouterr().err
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


# The demo's files, read by hand: the Observatory page lists 7 titles twice (321 entries); Embase's
# RIS and CSV exports hold the same 6 articles; the PubMed files via EndNote and via Zotero hold 12
# different articles (no DOI or title in common), so nothing of them may merge.
@pytest.mark.parametrize("sources, records, works, removed", [
    (["observatory"], 321, 314, {"observatory": 7}),
    (["embase_ris", "embase_csv"], 12, 6, {"embase_ris": 0, "embase_csv": 6}),
    (["embase_csv", "embase_ris"], 12, 6, {"embase_csv": 0, "embase_ris": 6}),
    (["pubmed_endnote", "pubmed_zotero"], 12, 12, {"pubmed_endnote": 0, "pubmed_zotero": 0}),
    (list(FILES), 353, 340, {"observatory": 7, "scopus": 0, "embase_ris": 0, "embase_csv": 6,
                             "pubmed_endnote": 0, "pubmed_zotero": 0, "seeds": 0}),
])
def test_counts_per_demo_source(review: Path, sources: list[str], records: int, works: int,
                                removed: dict[str, int]) -> None:
    (review / "config" / "review.yaml").write_text(protocol_for(sources))
    assert slr(review, "search") == 0 and slr(review, "dedupe") == 0
    counts = json.loads((stage(review) / "manifest.json").read_text())["counts"]
    assert (counts["records"], counts["works"], counts["duplicates_removed"]) == (records, works, records - works)
    assert counts["duplicates_removed_per_source"] == removed
    assert list(counts["records_per_source"]) == sources  # in the protocol's order
    table = pd.read_csv(stage(review) / "works.csv")
    assert len(table) == works and table["n_records"].sum() == records


def test_disabled_dedupe_keeps_every_record_as_its_own_work(review: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (review / "config" / "review.yaml").write_text(protocol_for(["embase_ris", "embase_csv"], "dedupe: {enabled: false}\n"))
    assert slr(review, "search") == 0
    capsys.readouterr()
    assert slr(review, "dedupe") == 0
    assert "12 records → 12 works (0 duplicates removed); 0 uncertain pairs" in capsys.readouterr().out
    works = pd.read_csv(stage(review) / "works.csv")
    assert len(works) == 12 and (works["n_records"] == 1).all()
    assert len(pd.read_csv(stage(review) / "pairs.csv")) == 0
    ws = load_workbook(review_book(review))["Pairs"]
    assert ws.max_row == 1 and not ws.data_validations.dataValidation


def _pair_row(path: Path, pair: str) -> int:
    ws = load_workbook(path)["Pairs"]
    return next(row for row in range(2, ws.max_row + 1) if ws.cell(row=row, column=1).value == pair)


def test_a_later_different_splits_what_same_joined(review: Path, tmp_path: Path,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    assert slr(review, "dedupe") == 0
    exported = tmp_path / "exported.xlsx"
    shutil.copy(review_book(review), exported)
    pair = load_workbook(exported)["Pairs"]["A2"].value
    a, b = pair.split("|")
    same, different = tmp_path / "same.xlsx", tmp_path / "different.xlsx"
    for path, answer in ((same, "same"), (different, "different")):
        shutil.copy(exported, path)
        _answer(path, {_pair_row(path, pair): (answer, None)})

    assert slr(review, "dedupe", "import", str(same)) == 0 and slr(review, "dedupe") == 0
    records = pd.read_csv(stage(review) / "records.csv").set_index("record_id")
    joined = records.loc[a, "work_id"]
    assert records.loc[b, "work_id"] == joined
    works = pd.read_csv(stage(review) / "works.csv").set_index("work_id")
    assert works.loc[joined, "n_records"] == 2

    # A second reviewer's answer on the same pair changes the ledger by one row; the latest counts.
    assert slr(review, "dedupe", "import", str(different), "--reviewer", "bo") == 0
    rows = pd.read_csv(ledger(review))
    assert rows["answer"].tolist() == ["same", "different"]
    assert rows["workbook"].tolist() == ["same.xlsx", "different.xlsx"]
    assert rows["reviewer"].isna().tolist() == [True, False] and rows["workbook_checksum"].str.len().eq(16).all()
    capsys.readouterr()
    assert slr(review, "dedupe") == 0
    assert "1 reviewer answers applied" in capsys.readouterr().out
    records = pd.read_csv(stage(review) / "records.csv").set_index("record_id")
    assert records.loc[a, "work_id"] != records.loc[b, "work_id"]
    assert joined in {records.loc[a, "work_id"], records.loc[b, "work_id"]}  # one side keeps the id
    works = pd.read_csv(stage(review) / "works.csv").set_index("work_id")
    assert works["split_from"].fillna("").str.contains(joined).sum() == 1
    pairs = pd.read_csv(stage(review) / "pairs.csv")
    (decided,) = pairs[(pairs["record_id_a"] == a) & (pairs["record_id_b"] == b)][["decision", "rule"]].values.tolist()
    assert decided == ["different", "reviewer: different"]


def test_unimported_answers_in_review_xlsx_are_not_overwritten(review: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert slr(review, "dedupe") == 0
    book = review_book(review)
    _answer(book, {2: ("same", "one work")})
    filled = book.read_bytes()
    capsys.readouterr()
    assert slr(review, "dedupe") == 6
    err = capsys.readouterr().err
    assert "dedupe: data/t/workbooks/dedupe_review.xlsx holds 1 entry not imported yet; running now would " \
           "replace the workbook and lose them" in err
    assert "import them first: slr dedupe import data/t/workbooks/dedupe_review.xlsx" in err
    assert book.read_bytes() == filled
    assert slr(review, "dedupe", "import", str(book)) == 0
    assert slr(review, "dedupe") == 0  # imported: the workbook may be written afresh
    assert load_workbook(book)["Pairs"]["B2"].value is None


def test_unreadable_answers_in_review_xlsx_are_not_overwritten(review: Path,
                                                              capsys: pytest.CaptureFixture[str]) -> None:
    assert slr(review, "dedupe") == 0
    book = review_book(review)
    _answer(book, {2: ("perhaps", None)})
    capsys.readouterr()
    assert slr(review, "dedupe") == 6
    err = capsys.readouterr().err
    assert "data/t/workbooks/dedupe_review.xlsx holds 1 entry not imported that the import refuses as the " \
           "workbook stands" in err
    assert 'cell B2: answer "perhaps" is not one of: same, different' in err
    assert load_workbook(book)["Pairs"]["B2"].value == "perhaps"


def test_a_damaged_review_workbook_is_kept(review: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Issue 13 case 1: a review.xlsx that could not be read was taken as empty and overwritten."""
    assert slr(review, "dedupe") == 0
    book = review_book(review)
    damaged = book.read_bytes()[:2000]
    book.write_bytes(damaged)
    capsys.readouterr()
    assert slr(review, "dedupe") == 6
    err = capsys.readouterr().err
    assert "data/t/workbooks/dedupe_review.xlsx cannot be read" in err
    assert "so slr cannot tell whether it holds entries not imported yet; it will not replace it" in err
    assert "move it elsewhere to let slr write a fresh one" in err and "Traceback" not in err
    assert book.read_bytes() == damaged
    book.unlink()
    assert slr(review, "dedupe") == 0 and book.exists()


def test_rm_rf_outputs_keeps_the_filled_review_workbook(review: Path) -> None:
    assert slr(review, "dedupe") == 0
    _answer(review_book(review), {2: ("same", "one work")})
    shutil.rmtree(review / "outputs")
    assert slr(review, "search") == 0
    assert slr(review, "dedupe") == 6  # still there, still unimported
    assert slr(review, "dedupe", "import", str(review_book(review))) == 0 and slr(review, "dedupe") == 0


def test_a_changed_note_adds_one_ledger_row(review: Path, tmp_path: Path) -> None:
    assert slr(review, "dedupe") == 0
    first, second = tmp_path / "first.xlsx", tmp_path / "second.xlsx"
    for path, note in ((first, "same report"), (second, "same report, two years")):
        shutil.copy(review_book(review), path)
        _answer(path, {2: ("same", note), 3: ("different", None)})
    assert slr(review, "dedupe", "import", str(first)) == 0
    assert slr(review, "dedupe", "import", str(second)) == 0
    rows = pd.read_csv(ledger(review))
    assert rows["note"].fillna("").tolist() == ["same report", "", "same report, two years"]
    assert list(rows.columns) == ["record_id_a", "record_id_b", "answer", "note", "reviewer", "imported_at",
                                  "workbook", "workbook_checksum"]
