"""`slr code` on the demo's seed works: codes.csv, the coding workbook round trip and its rejections."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pandas as pd
import pytest
from openpyxl import load_workbook

from pipeline.cli import main
from pipeline.store import write_csv

ROOT = Path(__file__).parents[2]


@pytest.fixture(scope="module")
def coded(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("review")
    for folder in ("config", "data/demo/imports", "data/demo/fulltext", "data/demo/ledger"):
        (root / folder).mkdir(parents=True, exist_ok=True)
    for name in ("demo.yaml", "codebook.yaml"):
        shutil.copy(ROOT / "config" / name, root / "config" / name)
    for path in (ROOT / "data" / "demo" / "imports").iterdir():
        if path.is_file():
            shutil.copy(path, root / "data" / "demo" / "imports" / path.name)
    shutil.copytree(ROOT / "data" / "demo" / "raw", root / "data" / "demo" / "raw")  # the API sources' kept pages
    for sub in ("fulltext", "ledger"):
        for path in (ROOT / "data" / "demo" / sub).iterdir():
            shutil.copy(path, root / "data" / "demo" / sub / path.name)
    for verb in ("search", "dedupe", "screen", "code"):
        assert main(["--root", str(root), "-c", "config/demo.yaml", verb, *(["--offline"] if verb == "search" else [])]) == 0
    return root


@pytest.fixture
def review(coded: Path, tmp_path: Path) -> Path:
    root = tmp_path / "r"
    shutil.copytree(coded, root)
    return root


def slr(root: Path, *args: str) -> int:
    return main(["--root", str(root), "-c", "config/demo.yaml", *args])


def out(root: Path) -> Path:
    return root / "outputs" / "demo" / "04_code"


def ledger(root: Path) -> Path:
    return root / "data" / "demo" / "ledger" / "coding.csv"


def test_codes_and_workbook(review: Path) -> None:
    codes = pd.read_csv(out(review) / "codes.csv")
    assert list(codes.columns[:9]) == ["work_id", "rq", "theme", "code", "coder", "evidence", "field", "page", "confidence"]
    # The demo's ledger has three themes coded by "ana"; everything else is proposed. 225 included
    # works since the language criterion (230 before: 4 fewer title codes).
    assert codes["evidence"].notna().all() and set(codes["coder"]) == {"auto", "ana"}
    # The two seed pages are coded from their full texts: sentences, or their bullet lines where no
    # sentence names a code; their glued title runs and reference entries are not evidence (they
    # gave 40+ codes before).
    assert codes["field"].value_counts().to_dict() == {"title": 155, "list": 10, "full_text": 10, "abstract": 5}
    files = pd.read_csv(out(review) / "fulltext_files.csv")
    assert files["status"].tolist() == ["matched", "matched"]
    wb = load_workbook(review / "data" / "demo" / "workbooks" / "coding.xlsx")
    ws = wb["Coding"]
    header = [c.value for c in ws[1]]
    assert header[:4] == ["work_id", "title", "year", "reviewed"] and "RQ2.platforms" in header
    assert "RQ2.platforms evidence" in header and len([h for h in header if h and h.count(".") == 1
                                                       and not h.endswith("evidence")]) == 17
    assert [c.value for c in wb["Extraction"][1]][:3] == ["issuer", "definition", "purposes"]
    assert wb["slr"].sheet_state == "hidden" and wb["Codes"].max_row == 65
    # The study page's two characterisations of micro-credentials (real text of the seed).
    definitions = [[c.value for c in row] for row in wb["Definitions"].iter_rows(min_row=2)]
    assert [(r[0], r[5]) for r in definitions] == [("Wcd505571f2ac", "its own")] * 2
    counts = json.loads((out(review) / "manifest.json").read_text())["counts"]
    assert counts["evidence"] == {"cells": 180, "title": 155, "title_percent": 86.1, "prose": 15, "prose_percent": 8.3,
                                  "reviewed_proposals": 7, "rejected": 3, "rejected_percent": 42.9,
                                  "works_with_definitions": 1}
    assert counts["coverage"] == {"works_with_region": 53, "region_from_full_text": 2, "quality_unrated": 142}


def _edit(path: Path, work_row: int, values: dict[str, str | None]) -> None:
    wb = load_workbook(path)
    ws = wb["Coding"]
    header = [c.value for c in ws[1]]
    for name, value in values.items():
        ws.cell(row=work_row, column=header.index(name) + 1, value=value)
    wb.save(path)


def test_import_round_trip(review: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    book = tmp_path / "coding.xlsx"
    shutil.copy(review / "data" / "demo" / "workbooks" / "coding.xlsx", book)
    _edit(book, 2, {"reviewed": "yes", "RQ2.awards": "badge; certificate"})
    wb = load_workbook(book)
    ws = wb["Extraction"]
    work = wb["Coding"]["A2"].value
    ws.append(["Example issuer", None, None, "Ireland", "Moodle", None, "badge", None, None, None, None, None, None, None, work])
    wb.save(book)
    before = len(pd.read_csv(ledger(review)))
    capsys.readouterr()
    assert slr(review, "code", "import", str(book), "--coder", "bo") == 0
    # The two issuers already in the ledger come back unchanged: only the new row is added.
    assert "17 coded themes and 3 issuer rows read from 1 file(s); 17 and 1 new or changed added" in \
        capsys.readouterr().out
    rows = pd.read_csv(ledger(review))
    assert len(rows) == before + 17
    awards = rows[(rows["work_id"] == work) & (rows["theme"] == "awards") & (rows["coder"] == "bo")]
    assert awards["codes"].tolist() == ["badge; certificate"]
    snapshot = ledger(review).read_bytes()
    assert slr(review, "code", "import", str(book), "--coder", "bo") == 0
    assert ledger(review).read_bytes() == snapshot
    assert slr(review, "code") == 0
    codes = pd.read_csv(out(review) / "codes.csv")
    mine = codes[(codes["work_id"] == work) & (codes["theme"] == "awards") & (codes["rq"] == "RQ2")]
    assert mine[["code", "coder"]].values.tolist() == [["badge", "bo"], ["certificate", "bo"]]
    assert "Example issuer" in (out(review) / "extraction.csv").read_text()


@pytest.mark.parametrize("values, message", [
    ({"reviewed": "yes", "RQ2.awards": "badges"}, '"badges" is not a code of RQ2.awards (did you mean "badge"?)'),
    ({"reviewed": "done"}, 'reviewed "done" is not yes'),
    ({"reviewed": "yes", "note": "=SUM(1)"}, "holds a formula"),
])
def test_rejections_leave_the_ledger_untouched(review: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                               values: dict, message: str) -> None:
    book = tmp_path / "coding.xlsx"
    shutil.copy(review / "data" / "demo" / "workbooks" / "coding.xlsx", book)
    _edit(book, 3, values)
    snapshot = ledger(review).read_bytes()
    capsys.readouterr()
    assert slr(review, "code", "import", str(book)) == 5
    err = capsys.readouterr().err
    assert message in err and 'sheet "Coding", cell ' in err
    assert ledger(review).read_bytes() == snapshot


def test_extraction_row_must_name_an_included_work(review: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    book = tmp_path / "coding.xlsx"
    shutil.copy(review / "data" / "demo" / "workbooks" / "coding.xlsx", book)
    wb = load_workbook(book)
    wb["Extraction"].append(["Issuer X", None, None, None, None, None, None, None, None, None, None, None, None, None, "W0"])
    wb.save(book)
    capsys.readouterr()
    assert slr(review, "code", "import", str(book)) == 5
    assert 'source "W0" is not the work_id of an included work' in capsys.readouterr().err


def test_an_extraction_row_typed_in_place_is_never_replaced(review: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Issue 13 case 1: a typed Extraction row vanished after `slr code`."""
    book = review / "data" / "demo" / "workbooks" / "coding.xlsx"
    wb = load_workbook(book)
    work = wb["Coding"]["A2"].value
    wb["Extraction"].append(["Issuer Y", None, None, "Malta", None, None, None, None, None, None, None, None, None, None, work])
    wb.save(book)
    filled = book.read_bytes()
    capsys.readouterr()
    assert slr(review, "code") == 6
    err = capsys.readouterr().err
    assert ("code: data/demo/workbooks/coding.xlsx holds 1 entry not imported yet; running now would replace the "
            "workbook and lose them") in err
    assert "import them first: slr code import --coder NAME data/demo/workbooks/coding.xlsx" in err
    assert book.read_bytes() == filled
    assert slr(review, "code", "import", str(book), "--coder", "ana") == 0
    assert slr(review, "code") == 0
    assert "Issuer Y" in {c.value for c in load_workbook(book)["Extraction"]["A"]}  # from the ledger now


def test_an_untouched_workbook_with_a_title_starting_with_equals_imports(review: Path) -> None:
    """Issue 13 case 5: a title "=1" was exported as '=1, unescaped on reading, then refused as a formula."""
    included = review / "outputs" / "demo" / "03_screen" / "included.csv"
    table = pd.read_csv(included, dtype=str, keep_default_na=False)
    table.loc[0, "title"] = "=1 year of micro-credentials"
    write_csv(included, table)
    assert slr(review, "code") == 0
    book = review / "data" / "demo" / "workbooks" / "coding.xlsx"
    assert load_workbook(book)["Coding"]["B2"].value == "'=1 year of micro-credentials"
    _edit(book, 2, {"reviewed": "yes"})
    assert slr(review, "code", "import", str(book), "--coder", "bo") == 0


def test_a_coders_own_evidence_is_stored_and_preferred(review: Path) -> None:
    """Issue 13 case 7: the coding ledger had no evidence column; what a coder wrote was dropped."""
    book = review / "data" / "demo" / "workbooks" / "coding.xlsx"
    wb = load_workbook(book)
    work = wb["Coding"]["A2"].value
    wb.close()
    _edit(book, 2, {"reviewed": "yes", "RQ2.awards": "badge; certificate",
                    "RQ2.awards evidence": "badge: p. 4, the issuer awards a badge | certificate: table 2"})
    assert slr(review, "code", "import", str(book), "--coder", "bo") == 0
    rows = pd.read_csv(ledger(review))
    stored = rows[(rows["work_id"] == work) & (rows["theme"] == "awards") & (rows["coder"] == "bo")]
    assert stored["evidence"].tolist() == ["badge: p. 4, the issuer awards a badge | certificate: table 2"]
    assert slr(review, "code") == 0
    codes = pd.read_csv(out(review) / "codes.csv")
    mine = codes[(codes["work_id"] == work) & (codes["theme"] == "awards") & (codes["rq"] == "RQ2")]
    assert mine[["code", "evidence", "field"]].values.tolist() == [
        ["badge", "p. 4, the issuer awards a badge", "coder"], ["certificate", "table 2", "coder"]]


def test_coder_evidence_parts() -> None:
    from pipeline.stages.code.human import coder_evidence
    assert coder_evidence("badge: p. 4 | ects: table 2", "ects", ["badge", "ects"]) == "table 2"
    assert coder_evidence("badge: p. 4", "ects", ["badge", "ects"]) is None
    assert coder_evidence("the whole section 3", "ects", ["badge", "ects"]) == "the whole section 3"
def test_coders_confirm_reject_and_add_definitions(review: Path, tmp_path: Path,
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    book = tmp_path / "coding.xlsx"
    shutil.copy(review / "data" / "demo" / "workbooks" / "coding.xlsx", book)
    wb = load_workbook(book)
    ws = wb["Definitions"]
    header = [c.value for c in ws[1]]
    assert header == ["work_id", "title", "decision", "definition", "page", "family", "elements", "definition_id"]
    assert ws.max_row == 3  # the study page's two characterisations
    ws.cell(row=2, column=3, value="reject")
    ws.cell(row=3, column=3, value="confirm")
    ws.cell(row=3, column=6, value="the client's own")
    # An added definition: the study page's own sentence (../shared/seeds/000_*.txt).
    added = ("The research also supports the development of short-term, and targeted education and training "
             "programmes which are aligned to industry needs and complimentary to existing degrees and qualifications.")
    ws.append(["Wcd505571f2ac", None, None, added, None, None, None, None])
    wb.save(book)
    capsys.readouterr()
    assert slr(review, "code", "import", str(book), "--coder", "bo") == 0
    assert "3 definition(s) confirmed, edited, rejected or added" in capsys.readouterr().out
    kept = pd.read_csv(review / "data" / "demo" / "ledger" / "definitions.csv")
    assert kept["decision"].tolist() == ["reject", "confirm", "add"]
    assert slr(review, "code", "import", str(book), "--coder", "bo") == 0  # a re-import adds nothing
    assert len(pd.read_csv(review / "data" / "demo" / "ledger" / "definitions.csv")) == 3
    assert slr(review, "code") == 0
    table = pd.read_csv(out(review) / "definitions.csv")
    # The rejected one is gone, the confirmed one carries the coder and her family, the added one is there.
    assert sorted(table[["coder", "pattern", "family"]].values.tolist()) == [
        ["bo", "characterises", "the client's own"], ["bo", "coder", "its own"]]
    row = table.set_index("pattern").loc["coder"]
    assert row["definition"] == added and "size / volume" in row["elements"] and "labour-market" in row["elements"]


def test_an_added_definition_needs_a_known_work(review: Path, tmp_path: Path,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    book = tmp_path / "coding.xlsx"
    shutil.copy(review / "data" / "demo" / "workbooks" / "coding.xlsx", book)
    wb = load_workbook(book)
    wb["Definitions"].append(["W000000000000", None, None, "Micro-credentials are short courses.", None, None, None, None])
    wb.save(book)
    capsys.readouterr()
    assert slr(review, "code", "import", str(book), "--coder", "bo") != 0
    err = capsys.readouterr().err
    assert 'sheet "Definitions", cell A4: "W000000000000" is not the work_id of an included work' in err
    assert "copy the work_id from column A of the Coding sheet" in err


def test_an_extraction_sheet_without_the_case_study_fields_still_imports(review: Path, tmp_path: Path,
                                                                       capsys: pytest.CaptureFixture[str]) -> None:
    """`definition` and `purposes` came with issue 18: a workbook handed out before has no such
    columns, and what its coder typed must still import (the two fields empty)."""
    book = tmp_path / "coding.xlsx"
    shutil.copy(review / "data" / "demo" / "workbooks" / "coding.xlsx", book)
    wb = load_workbook(book)
    ws = wb["Extraction"]
    ws.delete_cols(2, 2)
    assert [c.value for c in ws[1]][:3] == ["issuer", "country", "platform"]
    ws.append(["Older issuer", "Malta", None, None, None, None, None, None, None, None, None, None,
               wb["Coding"]["A2"].value])
    wb.save(book)
    capsys.readouterr()
    assert slr(review, "code", "import", str(book), "--coder", "bo") == 0
    extraction = pd.read_csv(review / "data" / "demo" / "ledger" / "extraction.csv", dtype=str)
    row = extraction[extraction["issuer"] == "Older issuer"].iloc[0]
    assert row["country"] == "Malta" and pd.isna(row["definition"]) and pd.isna(row["purposes"])


def test_a_definition_typed_in_place_is_never_replaced(review: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """People's work: a decision typed into the Definitions sheet of the workbook itself stops
    `slr code` from rewriting it until it is imported."""
    book = review / "data" / "demo" / "workbooks" / "coding.xlsx"
    wb = load_workbook(book)
    wb["Definitions"].cell(row=2, column=3, value="reject")
    wb.save(book)
    filled = book.read_bytes()
    capsys.readouterr()
    assert slr(review, "code") == 6
    assert ("code: data/demo/workbooks/coding.xlsx holds 1 entry not imported yet; running now would replace the "
            "workbook and lose them") in capsys.readouterr().err
    assert book.read_bytes() == filled
    assert slr(review, "code", "import", str(book), "--coder", "ana") == 0
    assert slr(review, "code") == 0
    kept = pd.read_csv(review / "data" / "demo" / "ledger" / "definitions.csv")
    assert kept["decision"].tolist() == ["reject"]
