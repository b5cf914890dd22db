"""The whole demo through `slr run --offline`: synthesis.xlsx complete, the diagram drawn from the
PRISMA sheet's counts, stages skipped when up to date, and outputs reproduced from data/."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pandas as pd
import pytest
from openpyxl import load_workbook

from pipeline.cli import main
from pipeline.runner.synthesize import styled_sheet
from pipeline.sheets import write_workbook
from pipeline.store import read_csv
from tests.conftest import copy_demo

SHEETS = ["Sources", "Coding matrix", "RQ1", "RQ2", "Definitions", "Definition elements", "Findings", "Issuers", "Issuers compared", "By year", "By region", "By type",
          "Gaps", "PRISMA", "Search log", "Protocol"]


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = copy_demo(tmp_path_factory.mktemp("demo"))
    assert main(["--root", str(root), "-c", "config/demo.yaml", "run", "--offline"]) == 0
    return root


def synthesis(root: Path) -> Path:
    return root / "outputs" / "demo" / "05_synthesis"


def test_every_sheet_exists_and_is_filled(demo: Path) -> None:
    book = load_workbook(synthesis(demo) / "synthesis.xlsx")
    visible = [ws.title for ws in book.worksheets if ws.sheet_state == "visible"]
    assert visible == SHEETS
    for name in SHEETS:
        assert book[name].max_row >= 2, f"sheet {name} is empty"
    sources = book["Sources"]
    assert sources.freeze_panes == "B2" and sources.auto_filter.ref
    assert [c.value for c in sources[1]][:4] == ["work_id", "title", "authors", "year"]
    for name in ("sources", "prisma", "rq1", "rq2", "gaps", "search_log"):
        assert (synthesis(demo) / "tables" / f"{name}.csv").exists() and (synthesis(demo) / "tables" / f"{name}.md").exists()
    for name in SHEETS:
        assert all(c.value for c in book[name][1]), f"sheet {name} has an empty header cell"
    for name in ("prisma.png", "prisma.svg", "catalogue.md", "catalogue.html", "included.ris", "included.bib", "asreview.csv",
                 "included.csl.json", "report.md", "report.docx", "figures/theme_year_heatmap.png",
                 "figures/sources_per_year_by_type.svg", "figures/themes_rq1.png", "figures/sources_per_region.png"):
        assert (synthesis(demo) / name).stat().st_size > 0, name


def test_diagram_and_sheet_share_their_counts(demo: Path) -> None:
    flow = json.loads((synthesis(demo) / "prisma.json").read_text())
    rows = {r[1].value: r[2].value for r in load_workbook(synthesis(demo) / "synthesis.xlsx")["PRISMA"].iter_rows(min_row=2)}
    # The readers' suggestions (2 records) add one work: the other joins the Observatory's OECD paper
    # (a reviewer's `same` in data/demo/ledger/dedupe.csv), one more duplicate removed. The citation-searching
    # iteration's 2 records (issue 20) are duplicates of the openalex source's: 2 more identified and removed.
    assert rows["Records identified"] == flow["records_identified"] == 755
    assert rows["Duplicate records removed"] == flow["duplicates_removed"] == 16
    assert rows["Records screened (title/abstract)"] == flow["records_screened"] == 739
    # 226: 5 Observatory works await a reviewer for their detected language (see tests/cli/test_screen.py).
    assert rows["Studies included in the review"] == flow["studies_included"] == 226
    svg = (synthesis(demo) / "prisma.svg").read_text()
    # PRISMA 2020 boxes (issue 20): the criteria's 504 exclusions are automation tools', apart from the
    # reviewers' 2; the 317 works found only by other methods (all 226 included among them) have their own
    # column, so the database column screens 422 − 422 = 0 works by hand.
    assert (flow["records_marked_ineligible_by_automation"], flow["records_excluded_by_reviewers"]) == (504, 2)
    assert flow["other_methods_flow"]["records_screened"] == 317 and flow["other_methods_flow"]["studies_included"] == 226
    drawn = svg.replace("&#x27;", "'")
    for text in ("Records marked as ineligible by automation tools (n = 422)", "Records screened (title/abstract) (n = 0)",
                 "Works found only by other methods, screened (n = 317)",
                 # Each column's arithmetic closes: 428 − 6 duplicates = 422 database works; 327 − 10 = 317.
                 "Duplicate records removed (n = 6)", "duplicates removed: 10 of their 327 records",
                 "marked as ineligible by automation tools (n = 82)", "excluded by reviewers (n = 2)",
                 f"Reports sought for retrieval (n = {flow['reports_sought']})",
                 f"Studies included in review (n = {flow['studies_included']})", "Citation searching (OpenAlex) (n = 2)"):
        assert text in drawn, text
    included = (synthesis(demo) / "included.ris").read_text().count("TY  - ")
    assert included == flow["studies_included"]
    labels = read_csv(synthesis(demo) / "asreview.csv")["label_included"].fillna("").value_counts().to_dict()
    assert labels == {"1": flow["studies_included"], "": flow["awaiting_full_text"] + flow["awaiting_title_abstract"],
                      "0": flow["records_excluded"] + flow["reports_excluded"] + flow["reports_not_retrieved"]}


def test_styled_sheet_links_dois_and_formats_shares(tmp_path: Path) -> None:
    frame = pd.DataFrame({"work_id": ["W1", "W2"], "doi": ["10.1080/19490976.2018.1562268", None],
                          "share_percent": [14.3, 2.0]})
    write_workbook(tmp_path / "s.xlsx", [styled_sheet("Sources", frame)])
    sheet = load_workbook(tmp_path / "s.xlsx")["Sources"]
    assert sheet["B2"].hyperlink.target == "https://doi.org/10.1080/19490976.2018.1562268"
    assert sheet["B3"].value is None and sheet["C2"].number_format == "0.0" and sheet["C2"].value == 14.3
    assert sheet.freeze_panes == "B2" and sheet["A1"].font.b


def test_run_skips_up_to_date_stages_and_rebuilds_the_same_tables(demo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    capsys.readouterr()
    assert main(["--root", str(demo), "-c", "config/demo.yaml", "run", "--offline"]) == 0
    out = capsys.readouterr().out
    for stage in ("search", "dedupe", "screen", "code", "synthesize"):
        assert f"{stage}: skipped (up to date)" in out
    assert "Synthesis: outputs/demo/05_synthesis/synthesis.xlsx" in out
    before = {p.name: p.read_bytes() for p in (synthesis(demo) / "tables").glob("*.csv")}
    shutil.rmtree(demo / "outputs")
    assert main(["--root", str(demo), "-c", "config/demo.yaml", "run", "--offline"]) == 0
    after = {p.name: p.read_bytes() for p in (synthesis(demo) / "tables").glob("*.csv")}
    assert after == before


def test_out_of_date_inputs_stop_before_anything_is_drawn(demo: Path, tmp_path: Path,
                                                          capsys: pytest.CaptureFixture[str]) -> None:
    root = tmp_path / "stale"
    shutil.copytree(demo, root)
    manifest = root / "outputs" / "demo" / "02_dedupe" / "manifest.json"
    counts = json.loads(manifest.read_text())
    counts["counts"]["records"] += 5  # as if dedupe had read a newer search
    manifest.write_text(json.dumps(counts))
    (root / "outputs" / "demo" / "05_synthesis" / "prisma.png").unlink()
    capsys.readouterr()
    assert main(["--root", str(root), "-c", "config/demo.yaml", "synthesize"]) != 0
    err = capsys.readouterr().err
    assert "synthesize: the PRISMA counts do not add up at identification: records identified (search log) = " \
           "records deduplicated (02_dedupe), but 755 ≠ 760" in err
    assert "Traceback" not in err and not (root / "outputs" / "demo" / "05_synthesis" / "prisma.png").exists()


def test_previous_version_makes_the_updated_review_diagram(demo: Path, tmp_path: Path,
                                                           capsys: pytest.CaptureFixture[str]) -> None:
    """Issue 20: `synthesis.previous_version` names the previous version's included studies; the
    diagram takes the updated-review template (previous + new = total); a CSV without ids is refused."""
    root = tmp_path / "updated"
    shutil.copytree(demo, root)
    included = read_csv(root / "outputs" / "demo" / "03_screen" / "included.csv")
    # MADE: a previous version that included the first 200 of today's 226 studies (by work id).
    previous = root / "data" / "demo" / "previous_included.csv"
    included[["work_id"]].head(200).to_csv(previous, index=False)
    config = root / "config" / "demo.yaml"
    config.write_text(config.read_text(encoding="utf-8") +
                      "\nsynthesis:\n  previous_version: data/demo/previous_included.csv\n", encoding="utf-8")
    assert main(["--root", str(root), "-c", "config/demo.yaml", "synthesize"]) == 0
    flow = json.loads((root / "outputs" / "demo" / "05_synthesis" / "prisma.json").read_text())
    assert (flow["previous_studies"], flow["new_studies_included"], flow["total_studies_included"]) == (200, 26, 226)
    svg = (root / "outputs" / "demo" / "05_synthesis" / "prisma.svg").read_text()
    assert "Total studies included in review (n = 226)" in svg and "New studies included in review (n = 26)" in svg
    previous.write_text("title\nSomething\n", encoding="utf-8")
    capsys.readouterr()
    assert main(["--root", str(root), "-c", "config/demo.yaml", "synthesize"]) == 3
    assert "data/demo/previous_included.csv (synthesis.previous_version) has neither a work_id nor a doi column " \
           "(it has: title)" in capsys.readouterr().err


def test_report_follows_the_studys_headings(demo: Path) -> None:
    report = (synthesis(demo) / "report.md").read_text(encoding="utf-8")
    headings = [line for line in report.splitlines() if line.startswith("## ") or line.startswith("### ")]
    key = headings[headings.index("## Key findings") + 1:headings.index("## Current and new directions")]
    # The study's "Final report" headings (../shared/seeds/000_*.txt), from the codebook's findings block.
    assert key == ["### Definitions and purposes", "### Types of micro-credential", "### Assessment methods",
                   "### Platforms and websites", "### Inclusion in NQFs", "### Awards, credits and stackability",
                   "### Stakeholders involved", "### Quality Assurance systems"]
    for heading in ("## Definitions", "## Case studies: practices of selected issuers", "## Recommendations",
                    "## References"):
        assert heading in headings
    # The IB page characterises micro-credentials (real text of the seed): the definitions table quotes it.
    definitions = read_csv(synthesis(demo) / "tables" / "definitions.csv")
    # The IB page is a web page in included.csl.json (report/doctypes.py): Harvard cites its title unquoted.
    assert definitions["source"].tolist() == ["(Micro-credentials Processes, 2024)"] * 2
    assert definitions["definition"].str.contains("present an opportunity for teachers").any()
    # "micro-credential" and "micro-credential (pilot from April 2023)" are one value now.
    assert "- award: reported by 2 of 2 issuer(s); shared: micro-credential (International Baccalaureate (IB), " \
           "National Institute for Digital Learning (DCU))" in report
    assert "only one issuer reports" not in report
    assert "- credits: the client reports nothing where 1 of 1 other issuer(s) do." in report
    assert "Micro-credentials Processes (2024) Micro-credentials Processes. Ecctis." in report
    findings = read_csv(synthesis(demo) / "tables" / "findings.csv")
    assert not findings.isin(["None", "nan"]).any().any()
    assert findings.set_index("code").loc["digital_credentials", ["trend", "trend_detail"]].tolist() == [
        "falling", "17.0% of 2018–2020 sources → 6.4% of 2021–2024 sources"]
