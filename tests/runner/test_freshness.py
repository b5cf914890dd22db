"""Freshness from the stage declarations (pipeline/stage_table.py), through the library as a
notebook would call it: the demo review run once, then one change at a time — an imported
decision, a new full text, an edited codebook, a deleted ledger — and what `slr status` says and
`slr run` re-runs after each."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from openpyxl import load_workbook

from pipeline.cli import main
from pipeline.runner import Context, review_status, run_all, run_screen, run_screen_import
from tests.conftest import copy_demo
from tests.sources.test_fulltext import make_pdf


@pytest.fixture(scope="module")
def demo_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo review run end to end once through `run_all` (module scope: it takes seconds)."""
    root = copy_demo(tmp_path_factory.mktemp("fresh"))
    ran = run_all(Context.load(root, "config/demo.yaml"), offline=True)
    assert [(r.stage, r.ran) for r in ran] == [("search", True), ("dedupe", True), ("screen", True),
                                               ("code", True), ("synthesize", True), ("publish", True)]
    return root


@pytest.fixture
def review(demo_run: Path, tmp_path: Path) -> Path:
    root = tmp_path / "review"
    shutil.copytree(demo_run, root)
    return root


def states(root: Path) -> dict[str, tuple[str, str]]:
    return {s.stage: (s.state, s.reason) for s in review_status(Context.load(root, "config/demo.yaml"))}


def rerun(root: Path) -> list[str]:
    return [r.stage for r in run_all(Context.load(root, "config/demo.yaml"), offline=True) if r.ran]


def test_a_finished_run_is_done_and_runs_nothing(review: Path) -> None:
    assert {stage: state for stage, (state, _) in states(review).items()} == dict.fromkeys(
        ["search", "dedupe", "screen", "code", "synthesize", "publish"], "done")
    assert rerun(review) == []


def test_an_imported_decision_reruns_screen_code_and_synthesize(review: Path,
                                                                capsys: pytest.CaptureFixture[str]) -> None:
    ctx = Context.load(review, "config/demo.yaml")
    summary = run_screen(ctx, ["zoe"], "full_text")  # the demo's one work awaiting a full-text decision
    [workbook] = summary.workbooks
    book = load_workbook(workbook)
    sheet = book["Screening"]
    header = [cell.value for cell in sheet[1]]
    sheet.cell(row=2, column=header.index("decision") + 1, value="include")
    book.save(workbook)
    run_screen_import(ctx, [workbook])

    now = states(review)
    assert now["screen"] == ("stale", "input changed: data/demo/ledger/screening.csv")
    assert now["code"] == ("stale", "outputs/demo/03_screen is stale (input changed: data/demo/ledger/screening.csv)")
    assert now["synthesize"][0] == "stale" and now["synthesize"][1].startswith("outputs/demo/03_screen is stale")
    assert (now["search"][0], now["dedupe"][0]) == ("done", "done")
    # `slr status` names the input too.
    capsys.readouterr()
    assert main(["--root", str(review), "-c", "config/demo.yaml", "status"]) == 0
    [line] = [line for line in capsys.readouterr().out.splitlines() if line.strip().startswith("outputs/demo/03_screen")]
    assert line.split()[1:5] == ["stale", "(input", "changed:", "data/demo/ledger/screening.csv)"]
    assert now["publish"][0] == "stale" and now["publish"][1].startswith("outputs/demo/03_screen is stale")
    assert rerun(review) == ["screen", "code", "synthesize", "publish"]
    assert rerun(review) == []


def test_a_new_full_text_makes_code_and_synthesize_stale(review: Path) -> None:
    make_pdf(review / "data" / "demo" / "fulltext" / "new-report.pdf", ["Micro-credentials in Europe: a report"])
    now = states(review)
    assert now["code"] == ("stale", "input changed: data/demo/fulltext/ (new file new-report.pdf)")
    assert now["synthesize"] == ("stale", "outputs/demo/04_code is stale "
                                          "(input changed: data/demo/fulltext/ (new file new-report.pdf))")
    assert now["screen"][0] == "done"
    # publish shows the codes' evidence on the site, so it follows code too.
    assert now["publish"] == ("stale", "outputs/demo/04_code is stale "
                                       "(input changed: data/demo/fulltext/ (new file new-report.pdf))")
    assert rerun(review) == ["code", "synthesize", "publish"]
    (review / "data" / "demo" / "fulltext" / "new-report.pdf").unlink()
    assert states(review)["code"] == ("stale", "input changed: data/demo/fulltext/ (file removed: new-report.pdf)")


def test_a_codebook_edit_makes_code_stale(review: Path) -> None:
    path = review / "config" / "codebook.yaml"
    path.write_text(path.read_text(encoding="utf-8") + "\n# a coder's note\n", encoding="utf-8")
    now = states(review)
    assert now["code"] == ("stale", "input changed: config/codebook.yaml")
    # synthesize reads the codebook too (its RQ tables follow the codebook's version).
    assert now["synthesize"][0] == "stale"
    # publish shows theme labels and code definitions: stale through code (checked before its own inputs).
    assert now["publish"] == ("stale", "outputs/demo/04_code is stale (input changed: config/codebook.yaml)")
    assert rerun(review) == ["code", "synthesize", "publish"]


def test_a_site_edit_makes_only_publish_stale(review: Path) -> None:
    path = review / "config" / "demo.yaml"
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("  other: Web pages and other sources", "  other: Other sources"), encoding="utf-8")
    now = states(review)
    assert now["publish"] == ("stale", "protocol section changed: title, sources, codebook, site")
    assert {stage for stage, (state, _) in now.items() if state != "done"} == {"publish"}
    assert rerun(review) == ["publish"]


def test_deleting_a_ledger_makes_its_stage_stale(review: Path) -> None:
    (review / "data" / "demo" / "ledger" / "screening.csv").unlink()
    assert states(review)["screen"] == ("stale", "input deleted: data/demo/ledger/screening.csv")


def test_a_deleted_output_makes_its_stage_stale_and_run_writes_it_again(review: Path) -> None:
    """A file a stage always writes, deleted by hand (or declared after the stage last ran, as
    prisma.docx was): the stage is stale, naming the file, and `slr run` writes it again."""
    report = review / "outputs" / "demo" / "05_synthesis" / "report.md"
    report.unlink()
    now = states(review)
    assert now["synthesize"] == ("stale", "output outputs/demo/05_synthesis/report.md is missing")
    assert {stage for stage, (state, _) in now.items() if state != "done"} == {"synthesize"}
    assert rerun(review) == ["synthesize"]
    assert report.exists() and rerun(review) == []


def test_a_protocol_section_edit_names_the_section(review: Path) -> None:
    path = review / "config" / "demo.yaml"
    text = path.read_text(encoding="utf-8")
    assert "accept_proposals: true" in text
    path.write_text(text.replace("accept_proposals: true", "accept_proposals: false"), encoding="utf-8")
    now = states(review)
    assert now["screen"] == ("stale", "protocol section changed: screening")
    assert now["dedupe"][0] == "done"


def test_a_stage_without_its_protocol_key_is_skipped(review: Path) -> None:
    path = review / "config" / "demo.yaml"
    lines = [line for line in path.read_text(encoding="utf-8").splitlines() if not line.startswith("codebook:")]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    assert states(review)["code"] == ("skipped", "the protocol sets no `codebook`")
    ran = run_all(Context.load(review, "config/demo.yaml"), offline=True)
    assert [(r.stage, r.ran, r.reason) for r in ran if r.stage == "code"] == [
        ("code", False, "the protocol sets no `codebook`")]


def test_every_declared_output_is_written(demo_run: Path) -> None:
    from pipeline.stage_table import STAGE_TABLE

    for stage in STAGE_TABLE:
        for folder, names in ((demo_run / "outputs" / "demo" / stage.folder, stage.writes),
                              (demo_run / "data" / "demo" / "workbooks", stage.workbooks)):
            _all_written(stage.name, folder, names)


def _all_written(stage: str, folder: Path, names: tuple[str, ...]) -> None:
    for name in names:
        if name.endswith("?"):
            continue  # written only in some runs
        if name.endswith("*"):
            assert list(folder.glob(name.replace("<phase>", "*").replace("<reviewer>", "*"))), (stage, name)
        else:
            assert (folder / name).is_file(), (stage, name)


def test_outputs_made_by_another_version_of_slr_are_stale(review: Path) -> None:
    """An upgrade may change what a stage writes: its outputs are made again, not trusted."""
    import json

    from pipeline import __version__

    manifest = review / "outputs" / "demo" / "02_dedupe" / "manifest.json"
    data = json.loads(manifest.read_text())
    data["versions"]["slr"] = "0.0.9"
    manifest.write_text(json.dumps(data))
    now = states(review)
    assert now["dedupe"] == ("stale", f"made by slr 0.0.9; this is slr {__version__}")
    assert now["screen"] == ("stale", f"outputs/demo/02_dedupe is stale (made by slr 0.0.9; this is slr {__version__})")
    assert now["search"][0] == "done"
    assert rerun(review) == ["dedupe", "screen", "code", "synthesize", "publish"]
    assert rerun(review) == []
