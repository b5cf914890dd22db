"""`slr code` as a user runs it on a copy of the demo review (its real imports, the two seed pages
as full texts, and the example ledgers, see data/demo/ledger/README.md): the errors a user meets,
two coders, their agreement and conflicts, and a consensus that settles them."""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
import pytest
from openpyxl import load_workbook
from typer.testing import CliRunner

from pipeline.cli import app, main
from tests.conftest import copy_demo

#: The Observatory page (data/demo/imports/seeds.csv): its full text names Digitary, FutureLearn, ECTS.
OBSERVATORY = "W92a9604647d2"


def slr(root: Path, *args: str) -> int:
    return main(["--root", str(root), "-c", "config/demo.yaml", *args])


@pytest.fixture(scope="module")
def screened(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo searched, deduplicated and screened once (module scope: it takes seconds)."""
    root = copy_demo(tmp_path_factory.mktemp("demo"))
    for verb in (("search", "--offline"), ("dedupe",), ("screen",)):
        assert slr(root, *verb) == 0
    return root


@pytest.fixture
def review(screened: Path, tmp_path: Path) -> Path:
    root = tmp_path / "review"
    shutil.copytree(screened, root)
    return root


def _coded_copy(root: Path, dest: Path, codes: dict[str, str]) -> Path:
    """A copy of coding.xlsx with the Observatory page's row reviewed and the given theme cells."""
    shutil.copy(root / "data" / "demo" / "workbooks" / "coding.xlsx", dest)
    wb = load_workbook(dest)
    ws = wb["Coding"]
    header = [c.value for c in ws[1]]
    row = next(r for r in range(2, ws.max_row + 1) if ws.cell(row=r, column=1).value == OBSERVATORY)
    for name, value in {"reviewed": "yes", **codes}.items():
        ws.cell(row=row, column=header.index(name) + 1, value=value)
    wb.save(dest)
    return dest


def test_every_command_has_an_example() -> None:
    runner = CliRunner()
    for args in (["code", "--help"], ["code", "import", "--help"], ["code", "agreement", "--help"]):
        result = runner.invoke(app, args)
        assert result.exit_code == 0 and "Example:" in result.output, args


def test_code_before_screening_names_the_missing_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    copy_demo(tmp_path)
    capsys.readouterr()
    assert slr(tmp_path, "code") == 6
    err = capsys.readouterr().err
    assert "code: outputs/demo/03_screen/included.csv not found" in err and "run `slr screen` first" in err


def test_code_prints_its_summary(review: Path, capsys: pytest.CaptureFixture[str]) -> None:
    capsys.readouterr()
    assert slr(review, "code") == 0
    # 241 proposed before glued title runs, reference entries and headings stopped counting as evidence.
    lines = capsys.readouterr().out.strip().splitlines()
    # 226 included: 5 Observatory works await a reviewer for their language (tests/cli/test_screen.py),
    # and a reader's suggestion (a 2023 review) is included.
    assert lines[0] == ("226 included works: 183 codes proposed, 180 codes standing (3 themes coded by people); "
                        "2 full texts matched, 0 files unmatched or unreadable → outputs/demo/04_code/")
    # Most demo works are Observatory titles without an abstract: their title is all there is to quote.
    assert lines[1] == ("  evidence: 180 cells, 86.1% the source's title itself, 8.3% a sentence of its prose; "
                        "42.9% of the 7 proposals coders reviewed were rejected; 2 definitional sentences in 1 works")


def test_agreement_needs_a_ledger(review: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (review / "data" / "demo" / "ledger" / "coding.csv").unlink()
    capsys.readouterr()
    assert slr(review, "code", "agreement") == 6
    err = capsys.readouterr().err
    assert "the coding ledger data/demo/ledger/coding.csv is empty" in err and "slr code import FILE" in err


def test_a_reserved_coder_name_is_refused(review: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert slr(review, "code") == 0
    book = _coded_copy(review, tmp_path / "c.xlsx", {})
    snapshot = (review / "data" / "demo" / "ledger" / "coding.csv").read_bytes()
    capsys.readouterr()
    assert slr(review, "code", "import", str(book), "--coder", "auto") == 2
    assert '--coder "auto" is not a usable coder name' in capsys.readouterr().err
    assert (review / "data" / "demo" / "ledger" / "coding.csv").read_bytes() == snapshot


def test_two_coders_agreement_conflicts_and_consensus(review: Path, tmp_path: Path,
                                                      capsys: pytest.CaptureFixture[str]) -> None:
    out = review / "outputs" / "demo" / "04_code"
    assert slr(review, "code") == 0
    # The demo ledger has "ana" on RQ2.platforms of the Observatory page: credential_platforms;
    # mooc_platforms. "bo" sees only the MOOC platform, and agrees with ana on credits (ects).
    bo = _coded_copy(review, tmp_path / "bo.xlsx", {"RQ2.platforms": "mooc_platforms", "RQ2.credits": "ects"})
    assert slr(review, "code", "import", str(bo), "--coder", "bo") == 0
    capsys.readouterr()
    assert slr(review, "code") == 0
    assert "1 themes where coders disagree: see the Conflicts sheet" in capsys.readouterr().out
    conflicts = pd.read_csv(out / "conflicts.csv")
    assert conflicts.to_dict("records") == [{
        "work_id": OBSERVATORY, "rq": "RQ2", "theme": "platforms",
        "coders": "ana: credential_platforms; mooc_platforms | bo: mooc_platforms",
        "agreed": "mooc_platforms", "disputed": "credential_platforms"}]
    assert load_workbook(review / "data" / "demo" / "workbooks" / "coding.xlsx")["Conflicts"].max_row == 2
    codes = pd.read_csv(out / "codes.csv").query("work_id == @OBSERVATORY and rq == 'RQ2'")
    # Only what both coders gave stands while they disagree.
    assert codes[codes["theme"] == "platforms"][["code", "coder"]].values.tolist() == [["mooc_platforms", "ana+bo"]]
    assert codes[codes["theme"] == "credits"][["code", "coder"]].values.tolist() == [["ects", "ana+bo"]]

    capsys.readouterr()
    assert slr(review, "code", "agreement") == 0
    lines = capsys.readouterr().out.splitlines()
    # credits: one work, the same code (ects) from both: one yes/yes decision, chance agreement
    # is total, so kappa is undefined. platforms: codes {credential, mooc}: ana yes/yes, bo no/yes:
    # p_o = 1/2, p_e = 1·1/2 + 0·1/2 = 1/2 → kappa 0.
    assert lines == ["RQ2.credits                    ana vs bo: 1 works, 1 identical, kappa undefined",
                     "RQ2.platforms                  ana vs bo: 1 works, 0 identical, kappa 0.000",
                     "1 conflicts → outputs/demo/04_code/agreement.xlsx"]
    assert load_workbook(out / "agreement.xlsx").sheetnames[:2] == ["Agreement", "Conflicts"]

    settle = _coded_copy(review, tmp_path / "consensus.xlsx", {"RQ2.platforms": "credential_platforms; mooc_platforms"})
    assert slr(review, "code", "import", str(settle), "--coder", "consensus") == 0
    assert slr(review, "code") == 0
    assert not (out / "conflicts.csv").exists()
    codes = pd.read_csv(out / "codes.csv").query("work_id == @OBSERVATORY and theme == 'platforms'")
    assert codes[["code", "coder"]].values.tolist() == [["credential_platforms", "consensus"],
                                                         ["mooc_platforms", "consensus"]]


def test_human_codes_survive_rerunning_the_earlier_stages(review: Path) -> None:
    out = review / "outputs" / "demo" / "04_code"
    for verb in (("search", "--offline"), ("dedupe",), ("screen",), ("code",)):
        assert slr(review, *verb) == 0
    codes = pd.read_csv(out / "codes.csv")
    human = codes[codes["coder"] == "ana"].sort_values(["work_id", "theme", "code"])
    assert human[["work_id", "theme", "code"]].values.tolist() == [
        [OBSERVATORY, "credits", "ects"], [OBSERVATORY, "platforms", "credential_platforms"],
        [OBSERVATORY, "platforms", "mooc_platforms"], ["Wcd505571f2ac", "purposes", "professional_development"]]
