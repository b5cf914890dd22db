"""`slr screen` as a user runs it: on a copy of the demo review (its real imports and its example
ledger of reviewer decisions, see data/demo/ledger/README.md), the commands' output, `slr status`
and the errors a user meets."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pandas as pd
import pytest
from openpyxl import load_workbook

from pipeline.cli import main
from pipeline.runner import STAGE_RUNNERS
from tests.conftest import copy_demo



def slr(root: Path, *args: str) -> int:
    return main(["--root", str(root), "-c", "config/demo.yaml", *args])


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo review searched and deduplicated once (module scope: the import takes seconds)."""
    root = copy_demo(tmp_path_factory.mktemp("demo"))
    assert slr(root, "search", "--offline") == 0 and slr(root, "dedupe") == 0
    return root


@pytest.fixture
def review(demo: Path, tmp_path: Path) -> Path:
    root = tmp_path / "review"
    shutil.copytree(demo, root)
    return root


def test_screen_applies_the_example_decisions_and_proposals(review: Path, capsys: pytest.CaptureFixture[str]) -> None:
    capsys.readouterr()
    assert slr(review, "screen") == 0
    # 5 Observatory titles await a reviewer: their language, detected from a short title, is not sure
    # ("Europass Digital Credentials": English 0.45); the 6th awaits its full-text decision.
    assert capsys.readouterr().out.startswith("739 works: awaiting 6, excluded 507, included 226 → outputs/demo/03_screen/")
    table = pd.read_csv(review / "outputs" / "demo" / "03_screen" / "screened.csv", dtype=str).set_index("work_id")
    decided_by = table["title_abstract_decided_by"].value_counts().to_dict()
    # 8 works screened by ana and bo (data/demo/ledger/screening.csv): 6 agreed (ana+bo), 1
    # disagreement resolved by consensus, 1 include/maybe (both send the work on); 726 by criteria
    # (one more than without the readers' suggestions: the suggested review; the other suggestion
    # joined an Observatory work at dedupe).
    assert decided_by == {"criteria": 726, "ana+bo": 7, "consensus (resolution)": 1}
    assert table["title_abstract_decided_by"].isna().sum() == 5
    assert table.loc["Wd372114932c8", "title_abstract_decision"] == "include"
    assert table.loc["W0532939d259d", ["status", "excluded_at", "exclusion_reason"]].tolist() == [
        "excluded", "full_text", "full text not retrieved"]
    assert (table["full_text_decided_by"] == "ana").sum() == 4
    assert not (review / "data" / "demo" / "workbooks" / "screening_conflicts.xlsx").exists()


def test_status_shows_prisma_counts_with_reasons(review: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert slr(review, "screen") == 0
    capsys.readouterr()
    assert slr(review, "screen", "status") == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[:6] == [
        "Title/abstract: 739 works screened, 506 excluded, 228 sought, 5 awaiting, 0 in conflict",
        "    excluded, published before 2018: 278",
        "    excluded, not about micro-credentials: 227",
        "    excluded, not a source type we review: 1",
        "Full text: 228 sought, 1 not retrieved, 227 assessed, 0 excluded, 1 awaiting, 0 in conflict",
        "Conflicts: 0; included: 226",
    ]
    # Stopping figures: 8 works decided by ana and bo in the example ledger (6 sent on); the
    # criteria decided 726 (accept_proposals); 5 wait for a person to judge their language.
    assert lines[6:9] == [
        "Stopping, Title/abstract: 8 works screened by people, 6 relevant found, 5 not yet screened "
        "(726 decided by the criteria); 0 irrelevant in a row since the last relevant one",
        "    estimated recall: 0.76 (relevant found / (found + relevant expected among the unscreened at the yield "
        "since the second-last relevant decision); 1.9 estimated remaining)",
        "    recall at least: — (none: the last screened work was relevant)",
    ]
    assert lines[10].startswith("Stopping, Full text: 4 works screened by people, 3 relevant found, 1 not yet screened")
    assert slr(review, "status") == 0
    out = capsys.readouterr().out
    assert "records_excluded_by_reason: published before 2018 278, not about micro-credentials 227, " \
           "not a source type we review 1" in out
    assert "status: awaiting 6, excluded 507, included 226" in out
    assert "stopping: title_abstract, full_text (details in outputs/demo/03_screen/manifest.json)" in out
    assert "screen" in STAGE_RUNNERS  # `slr run` screens too


def test_agreement_of_the_example_reviewers(review: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert slr(review, "screen") == 0
    capsys.readouterr()
    assert slr(review, "screen", "agreement") == 0
    lines = capsys.readouterr().out.splitlines()
    # ana: 6 include, 2 exclude; bo: 4 include, 3 exclude, 1 maybe; 6 of 8 alike (75%).
    # p_e = (6*4 + 2*3 + 0*1) / 64 = 0.46875; kappa = (0.75 - 0.46875) / (1 - 0.46875) = 0.529
    assert lines[0] == "title_abstract  ana vs bo: 8 works, 75.0% agreement, kappa 0.529"
    assert [line.split(":")[0] for line in lines[1:]] == ["title_abstract  ana vs criteria",
                                                           "title_abstract  bo vs criteria"]


def test_a_workbook_lists_only_what_awaits_the_reviewer(review: Path, capsys: pytest.CaptureFixture[str]) -> None:
    capsys.readouterr()
    assert slr(review, "screen", "--reviewer", "eve", "--stage", "full_text") == 0
    assert "workbook: data/demo/workbooks/screening_full_text_eve.xlsx" in capsys.readouterr().out
    path = review / "data" / "demo" / "workbooks" / "screening_full_text_eve.xlsx"
    ws = load_workbook(path)["Screening"]
    assert ws.max_row == 2  # the one work still awaiting a full-text decision
    manifest = json.loads((review / "outputs" / "demo" / "03_screen" / "manifest.json").read_text())
    assert manifest["counts"]["workbooks"] == {"data/demo/workbooks/screening_full_text_eve.xlsx": 1}


@pytest.mark.parametrize("args, code, message", [
    # Usage errors exit 2, as every usage error does: the phase is a fixed choice.
    (("screen", "--stage", "abstract"), 2, "'abstract' is not one of 'title_abstract', 'full_text'"),
    (("screen", "--phase", "fulltext"), 2, "'fulltext' is not one of 'title_abstract', 'full_text'"),
    (("screen", "import", "nowhere.xlsx"), 5, "nowhere.xlsx: file not found"),
    (("screen", "import", "config/demo.yaml"), 5, "config/demo.yaml: not an Excel workbook (.xlsx)"),
    (("screen", "status"), 6, "screening has not run yet"),
])
def test_errors_say_what_to_do(review: Path, capsys: pytest.CaptureFixture[str], args: tuple[str, ...], code: int,
                               message: str) -> None:
    capsys.readouterr()
    assert slr(review, *args) == code
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err


def test_screen_without_dedupe(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    copy_demo(tmp_path)
    capsys.readouterr()
    assert slr(tmp_path, "screen") == 6
    assert "outputs/demo/02_dedupe/works.csv not found" in capsys.readouterr().err
    assert slr(tmp_path, "screen", "agreement") == 6
