"""Decisions made in ASReview LAB, Rayyan and Covidence, imported into the screening ledger.

The review is `slr init`'s template with ASReview's own labelled test export
(tests/data/tagged/asreview_baseline_zotero.ris, 100 real records, 3 relevant, 3 irrelevant) as its
database export; the Rayyan, Covidence and ASReview CSV files are made following each tool's
format from those records (tests/data/decisions/PROVENANCE.md).
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
import pytest

from pipeline.cli import main
from pipeline.store import read_csv

DATA = Path(__file__).parents[1] / "data"
DECISIONS = DATA / "decisions"
LABELLED_RIS = DATA / "tagged" / "asreview_baseline_zotero.ris"
REASON = "not about the topic"


@pytest.fixture
def review(tmp_path_factory: pytest.TempPathFactory, _searched: Path) -> Path:
    root = tmp_path_factory.mktemp("external")
    shutil.copytree(_searched, root, dirs_exist_ok=True)
    return root


@pytest.fixture(scope="module")
def _searched(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("searched") / "review"
    assert main(["init", str(root), "--id", "ext"]) == 0
    shutil.copy(LABELLED_RIS, root / "data" / "ext" / "imports" / "scopus.ris")
    for command in ("search", "dedupe"):
        assert main(["--root", str(root), command]) == 0, command
    return root


def run(review: Path, *args: str) -> int:
    return main(["--root", str(review), "screen", "import-decisions", *args])


def ledger(review: Path) -> pd.DataFrame:
    return read_csv(review / "data" / "ext" / "ledger" / "screening.csv")


def works(review: Path) -> pd.DataFrame:
    return read_csv(review / "outputs" / "ext" / "02_dedupe" / "works.csv")


def by_title(review: Path, frame: pd.DataFrame) -> dict[str, tuple]:
    titles = works(review).set_index("work_id")["title"]
    return {titles[w][:30]: (d, r if isinstance(r, str) else None)
            for w, d, r in zip(frame["work_id"], frame["decision"], frame["reason"], strict=True)}


def test_asreview_ris_export_labels_in_notes(review: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert run(review, str(LABELLED_RIS), "--tool", "asreview", "--reviewer", "ana", "--reason", REASON) == 0
    assert "6 decisions read from 100 rows (94 without a decision); 6 new or changed added" in capsys.readouterr().out
    rows = ledger(review)
    assert by_title(review, rows) == {
        "An open source machine learnin": ("include", None), "Systematic search of Bayesian ": ("include", None),
        "Escape education: A systematic": ("include", None), "Prevalence of symptoms in glio": ("exclude", REASON),
        "A systematic review of indicat": ("exclude", REASON), "Efficacy and safety of selecti": ("exclude", REASON)}
    assert set(rows["reviewer"]) == {"ana"} and set(rows["note"]) == {"from asreview"}
    assert set(rows["workbook"]) == {"asreview_baseline_zotero.ris"} and set(rows["stage"]) == {"title_abstract"}
    assert rows["record_ids"].str.startswith("scopus:").all()
    # Re-import adds nothing; `slr screen` applies the decisions.
    assert run(review, str(LABELLED_RIS), "--tool", "asreview", "--reviewer", "ana", "--reason", REASON) == 0
    assert "0 new or changed added" in capsys.readouterr().out and len(ledger(review)) == 6
    assert main(["--root", str(review), "screen"]) == 0
    screened = read_csv(review / "outputs" / "ext" / "03_screen" / "screened.csv")
    decided = screened[screened["title_abstract_decided_by"] == "ana"]
    assert decided["title_abstract_decision"].value_counts().to_dict() == {"include": 3, "exclude": 3}


def test_asreview_irrelevant_without_a_reason_is_refused(review: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert run(review, str(LABELLED_RIS), "--tool", "asreview", "--reviewer", "ana") == 3  # InputError
    err = capsys.readouterr().err
    assert f"{LABELLED_RIS}, record 98 (line 2714): an exclusion needs one of the protocol's reasons (the tool gives " \
           "none)" in err
    assert "pass --reason with one of: not about the topic, published before 2018" in err
    assert not (review / "data" / "ext" / "ledger" / "screening.csv").exists()


def test_asreview_csv_export_and_a_wrong_label(review: Path, tmp_path: Path,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    source = DECISIONS / "asreview_lab_export_made.csv"
    assert run(review, str(source), "--tool", "asreview", "--reviewer", "ana", "--reason", REASON) == 0
    assert "6 decisions read from 8 rows (2 without a decision); 6 new" in capsys.readouterr().out
    notes = dict(zip(by_title(review, ledger(review)), ledger(review)["note"], strict=True))
    assert notes["An open source machine learnin"] == "from asreview; the ASReview paper"
    # A label ASReview does not write: refused with the line and column, nothing written.
    bad = tmp_path / "bad.csv"
    bad.write_text(source.read_text(encoding="utf-8").replace("Journal of neuro-oncology,0,", "Journal of neuro-oncology,2,"),
                   encoding="utf-8")
    before = ledger(review)
    assert run(review, str(bad), "--tool", "asreview", "--reviewer", "bo", "--reason", REASON) == 3
    assert f'{bad}, line 5, column "asreview_label": "2" is not an ASReview label' in capsys.readouterr().err
    assert ledger(review).equals(before)


def test_asreview_csv_of_slrs_own_export_maps_by_work_id(review: Path, tmp_path: Path) -> None:
    # slr's asreview.csv carries `work_id`, which ASReview keeps among the input columns of its export:
    # made here from works.csv, with titles changed so that only the work id can match.
    table = works(review)[["work_id", "title", "year"]].head(4).assign(title=lambda f: "retitled " + f["title"])
    table["asreview_label"] = ["1", "0", "", "1"]
    table.to_csv(tmp_path / "export.csv", index=False)
    assert run(review, str(tmp_path / "export.csv"), "--tool", "asreview", "--reviewer", "cy", "--reason", REASON) == 0
    assert ledger(review)["work_id"].tolist() == table["work_id"].iloc[[0, 1, 3]].tolist()


def test_rayyan_decisions_of_one_reviewer(review: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    source = DECISIONS / "rayyan_export_made.csv"
    # "wrong population" is Rayyan's reason, not the protocol's: refused unless --reason says which.
    assert run(review, str(source), "--tool", "rayyan", "--reviewer", "Ana") == 3
    assert f'{source}, line 6: an exclusion needs one of the protocol\'s reasons (the tool says "wrong population")' \
        in capsys.readouterr().err
    assert run(review, str(source), "--tool", "rayyan", "--reviewer", "Ana", "--reason", "published before 2018") == 0
    assert "5 decisions read from 7 rows (2 without a decision)" in capsys.readouterr().out
    rows = ledger(review)
    assert by_title(review, rows) == {
        "An open source machine learnin": ("include", None), "Systematic search of Bayesian ": ("maybe", None),
        "Escape education: A systematic": ("include", None), "Prevalence of symptoms in glio": ("exclude", REASON),
        "A systematic review of indicat": ("exclude", "published before 2018")}
    notes = dict(zip(by_title(review, rows), rows["note"], strict=True))
    assert notes["A systematic review of indicat"] == ("from rayyan; labels: transport; exclusion reasons: wrong "
                                                       "population; reasons in the tool: wrong population")
    assert set(rows["reviewer"]) == {"Ana"}
    # Bo's decisions are a second import; a name Rayyan does not know is refused with the names it does.
    assert run(review, str(source), "--tool", "rayyan", "--reviewer", "Bo", "--reason", REASON) == 0
    assert run(review, str(source), "--tool", "rayyan", "--reviewer", "Zed") == 3
    assert 'no decision by Rayyan reviewer "Zed" in this file' in capsys.readouterr().err
    bad = tmp_path / "rayyan.csv"
    bad.write_text(source.read_text(encoding="utf-8").replace('""Ana""=>""Maybe""', '""Ana""=>""Undecided""'),
                   encoding="utf-8")
    assert run(review, str(bad), "--tool", "rayyan", "--reviewer", "Ana", "--reason", REASON) == 3
    assert f'{bad}, line 3: Rayyan decision "Undecided" of reviewer "ana" is not a Rayyan label' \
        in capsys.readouterr().err


def test_covidence_list_export(review: Path, capsys: pytest.CaptureFixture[str]) -> None:
    source = DECISIONS / "covidence_irrelevant_made.csv"
    assert run(review, str(source), "--tool", "covidence", "--reviewer", "dee") == 3
    assert "a Covidence export holds one list, so its decision is given on the command line" in capsys.readouterr().err
    assert run(review, str(source), "--tool", "covidence", "--reviewer", "dee", "--decision", "exclude",
               "--reason", REASON) == 0
    rows = ledger(review)
    assert set(by_title(review, rows).values()) == {("exclude", REASON)} and len(rows) == 3
    assert dict(zip(by_title(review, rows), rows["note"], strict=True))["Efficacy and safety of selecti"] == \
        "from covidence; notes: off topic for us"


def test_a_row_that_matches_no_work_is_refused(review: Path, tmp_path: Path,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    bad = tmp_path / "covidence.csv"
    text = (DECISIONS / "covidence_irrelevant_made.csv").read_text(encoding="utf-8")
    bad.write_text(text.replace('"Safy, M.; de Hair', '"Safy, M.; de Hair').replace(
        "Efficacy and safety of selective", "Safety of selective").replace("10.1371/journal.pone.0188810", ""),
        encoding="utf-8")
    assert run(review, str(bad), "--tool", "covidence", "--reviewer", "dee", "--decision", "exclude",
               "--reason", REASON) == 3
    err = capsys.readouterr().err
    assert f'{bad}, line 4: matches no work of this review (title "Safety of selective glucocorticoid receptor' in err
    assert not (review / "data" / "ext" / "ledger" / "screening.csv").exists()


def test_unknown_tool_and_stage(review: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # Usage errors (exit 2): the tool and the phase are fixed choices.
    assert run(review, str(LABELLED_RIS), "--tool", "endnote", "--reviewer", "ana") == 2
    assert "'endnote' is not one of 'asreview', 'rayyan', 'covidence'" in capsys.readouterr().err
    assert run(review, str(LABELLED_RIS), "--tool", "asreview", "--reviewer", "ana", "--phase", "abstract") == 2
    assert "'abstract' is not one of 'title_abstract', 'full_text'" in capsys.readouterr().err
    project = review / "review.asreview"
    project.write_bytes(b"PK")
    assert run(review, str(project), "--tool", "asreview", "--reviewer", "ana") == 3
    assert f"{project}: slr reads these tools' CSV and RIS exports, not .asreview files" in capsys.readouterr().err
