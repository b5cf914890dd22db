"""The `slr` command end to end in a temporary review root: exit codes, messages, no tracebacks."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
import typer

from pipeline.cli import app, main
from pipeline.codebook import load_codebook
from pipeline.config import load_protocol

ROOT = Path(__file__).parent.parent
DEMO_IMPORTS = ROOT / "data" / "demo" / "imports"

PROTOCOL = """\
id: t
title: Test review
research_questions: {RQ1: "What?"}
sources:
  - {name: scopus, type: file, path: data/t/imports/scopus.ris, database: Scopus, query: 'TITLE(x)', searched_on: 2026-11-20}
  - {name: zotero, type: file, path: data/t/imports/pubmed_zotero.ris}
"""


@pytest.fixture
def review(tmp_path: Path) -> Path:
    imports = tmp_path / "data" / "t" / "imports"
    imports.mkdir(parents=True)
    shutil.copy(DEMO_IMPORTS / "scopus.ris", imports)
    shutil.copy(DEMO_IMPORTS / "pubmed_zotero.ris", imports)
    (tmp_path / "config").mkdir()
    (tmp_path / "config" / "review.yaml").write_text(PROTOCOL)
    return tmp_path


def slr(root: Path, *args: str) -> int:
    return main(["--root", str(root), *args])


def snapshot(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def test_search_writes_records_and_log(review: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert slr(review, "search") == 0
    out = capsys.readouterr().out
    assert "12 records (12 new since the last run) from 2 sources" in out
    stage = review / "outputs" / "t" / "01_search"
    records = (stage / "records.csv").read_text()
    assert records.count("\nscopus:") == 6 and records.count("\nzotero:") == 6
    log = (stage / "search_log.csv").read_text().splitlines()
    assert log[0].startswith("source,type,database,platform,query,filters,searched_on,run_id")
    assert log[1].startswith("scopus,file,Scopus,,TITLE(x),,2026-11-20,")
    # The imported file is kept under data/ with a sidecar pinning its import time.
    kept = sorted(p.name for p in (review / "data" / "t" / "imports" / "scopus").iterdir())
    assert len(kept) == 2 and kept[1] == kept[0] + ".json"


def test_rerun_is_byte_identical(review: Path) -> None:
    assert slr(review, "search") == 0
    first = snapshot(review / "outputs" / "t" / "01_search")
    shutil.rmtree(review / "outputs")
    assert slr(review, "search") == 0
    second = snapshot(review / "outputs" / "t" / "01_search")
    assert first.keys() == second.keys()
    assert first["records.csv"] == second["records.csv"]
    assert first["search_log.csv"] == second["search_log.csv"]


def test_status_missing_done_stale(review: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert slr(review, "status") == 0
    assert re.search(r"outputs/t/01_search\s+missing", capsys.readouterr().out)
    assert slr(review, "search") == 0
    capsys.readouterr()
    assert slr(review, "status") == 0
    out = capsys.readouterr().out
    assert re.search(r"outputs/t/01_search\s+done\s+records 12, new_since_last_run 12", out)
    assert "per_source: scopus 6, zotero 6" in out
    protocol = review / "config" / "review.yaml"
    protocol.write_text(protocol.read_text().replace("TITLE(x)", "TITLE(y)"))
    assert slr(review, "status") == 0
    assert "stale    (protocol section changed: sources)" in capsys.readouterr().out


def test_run_skips_up_to_date_stages(review: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert slr(review, "run") == 0
    assert "search: ran" in capsys.readouterr().out
    assert slr(review, "run") == 0
    assert "search: skipped (up to date)" in capsys.readouterr().out


def test_bad_source_changes_nothing(review: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert slr(review, "search") == 0
    before = snapshot(review / "outputs") | snapshot(review / "data")
    (review / "data" / "t" / "imports" / "pubmed_zotero.ris").write_text("")
    capsys.readouterr()
    assert slr(review, "search") == 3
    err = capsys.readouterr().err
    assert err.startswith("Error: zotero: ")
    assert "is empty (0 bytes)" in err and "Traceback" not in err
    after = snapshot(review / "outputs") | snapshot(review / "data")
    del before["t/imports/pubmed_zotero.ris"], after["t/imports/pubmed_zotero.ris"]
    assert before == after


def test_config_error_exit_code_and_debug(review: Path, capsys: pytest.CaptureFixture[str]) -> None:
    protocol = review / "config" / "review.yaml"
    protocol.write_text(PROTOCOL + "dedupe: {enabeld: false}\n")
    assert slr(review, "status") == 2
    err = capsys.readouterr().err
    assert 'dedupe.enabeld: unknown key "enabeld" (did you mean "enabled"?)' in err
    assert "Traceback" not in err
    from pipeline.errors import ConfigError

    with pytest.raises(ConfigError):
        slr(review, "--debug", "status")


def test_unknown_command_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["serach"]) == 2
    assert "No such command 'serach'" in capsys.readouterr().err


def test_init_scaffolds_a_review(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    target = tmp_path / "new"
    assert main(["init", str(target), "--id", "mc"]) == 0
    protocol = (target / "config" / "review.yaml").read_text()
    assert protocol.startswith("# A review protocol for slr.")
    assert "id: mc" in protocol and (target / "data" / "mc" / "imports").is_dir()
    # The README's first steps work on the template as written: an export copied in, then search,
    # dedupe and screen; the starter codebook loads as the protocol names it.
    shutil.copy(Path(__file__).parent / "data" / "tagged" / "asreview_scopus.ris", target / "data" / "mc" / "imports" / "scopus.ris")
    for command in ("search", "dedupe", "screen"):
        assert main(["--root", str(target), command]) == 0, command
    codebook = load_codebook(load_protocol(target / "config" / "review.yaml", target).codebook, target)
    assert [(rq, theme, code) for rq, theme, code, _ in codebook.codes()] == [
        ("RQ1", "purposes", "upskilling"), ("RQ1", "purposes", "lifelong_learning"),
        ("RQ1", "recognition", "credit_recognition")]
    capsys.readouterr()
    assert main(["init", str(target)]) == 1
    assert "already exists; nothing was changed" in capsys.readouterr().err


def _commands(group: typer.Typer, prefix: str = "") -> list[tuple[str, object]]:
    command = typer.main.get_command(group)
    found = []
    for name, sub in command.commands.items():  # type: ignore[attr-defined]
        found.append((f"{prefix}{name}", sub))
        for sub_name, leaf in getattr(sub, "commands", {}).items():
            found.append((f"{prefix}{name} {sub_name}", leaf))
    return found


def test_every_command_is_documented_with_an_example() -> None:
    readme = (ROOT / "README.md").read_text()
    for name, command in _commands(app):
        # A row of the README's command table, not any backticked word: "| `slr screen import FILE…".
        row = re.compile(rf"^\| `slr {re.escape(name)}(?: [^|`]*)?` \| \S", re.MULTILINE)
        assert row.search(readme), f"README's command table has no row for `slr {name}`"
        assert "Example:" in (command.help or ""), f"`slr {name} --help` has no example"  # type: ignore[attr-defined]
