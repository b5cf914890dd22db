"""`slr publish` on the demo (run by `slr run`): the site's files and manifest, the readers'
suggestions through dedupe and screening into PRISMA and onto the site, and its errors."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import feedparser
import pytest

from pipeline.cli import main
from pipeline.store import read_csv

from .test_synthesize import demo  # noqa: F401  (the demo, run once for this module)


def _site(root: Path) -> Path:
    return root / "outputs" / "demo" / "06_site"


def test_publish_writes_the_site_and_its_manifest(demo: Path) -> None:  # noqa: F811
    site = _site(demo)
    assert sorted(p.name for p in site.iterdir()) == ["feed.xml", "index.html", "manifest.json", "site.css", "site.js",
                                                        "updates.html"]
    manifest = json.loads((site / "manifest.json").read_text())
    # 226 = 225 without the suggestions + the suggested review (the other suggestion joins an
    # Observatory work). 5 Observatory works await a reviewer for their language (tests/cli/test_screen.py):
    # 2 policy initiatives, 2 journal articles, 1 event.
    assert manifest["counts"]["entries"] == 226
    assert manifest["counts"]["categories"] == {"Major Policy Initiatives": 25, "National & International Reports": 48,
                                               "Journal Articles and Commentary": 103, "Events": 48,
                                               "Web pages and other sources": 2}
    assert set(manifest["inputs"]) == {"outputs/demo/03_screen/included.csv", "outputs/demo/02_dedupe/records.csv",
                                       "outputs/demo/04_code/codes.csv", "config/codebook.yaml"}
    assert manifest["protocol_sections"] == ["title", "sources", "codebook", "site"]
    # Without the kept copies that date the demo's two runs, every file is imported in this run: one
    # run added every included work (the site's first edition), so none is marked new, and the feed
    # lists all of them.
    assert (manifest["counts"]["runs"], manifest["counts"]["added_latest_run"], manifest["counts"]["marked_new"]) == \
        (1, 226, 0)
    feed = feedparser.parse((site / "feed.xml").read_bytes())
    assert not feed.bozo and len(feed.entries) == 226
    assert 'class="new"' not in (site / "index.html").read_text()


def test_a_suggestion_reaches_prisma_and_the_site(demo: Path) -> None:  # noqa: F811
    flow = json.loads((demo / "outputs" / "demo" / "05_synthesis" / "prisma.json").read_text())
    assert flow["other_methods"]["Suggested by readers"] == 2
    report = (demo / "outputs" / "demo" / "05_synthesis" / "report.md").read_text()
    # 12 with the citation searching of issue 20.
    assert "12 sources were searched or imported: 3 through database APIs and 8 from export files or reference " \
           "lists, and 1 by citation searching." in report
    assert "- Suggested by readers (suggestions, csv) on 2026-12-01: 2 records." in report
    screened = read_csv(demo / "outputs" / "demo" / "03_screen" / "screened.csv")
    suggested = screened[screened["record_ids"].str.contains("suggestions:")]
    assert sorted(suggested["status"]) == ["included", "included"]
    merged = suggested[suggested["record_ids"].str.contains("observatory:")]
    assert list(merged["title"]) == ["Micro-credential Innovations in Higher Education: Who, What and Why? - OECD"]
    page = (_site(demo) / "index.html").read_text()
    for work_id in suggested["work_id"]:
        entry = page[page.index(f'<li id="{work_id}"'):]
        assert '<span class="suggested">suggested by a reader</span>' in entry[:entry.index("</li>")]
    assert 'href="https://doi.org/10.1787/f14ef041-en"' in page  # the merged work gained the suggestion's DOI
    assert 'href="mailto:observatory@example.org?subject=Suggestion%20for%20the%20Micro-Credential%20Observatory"' in page


def test_the_feed_lists_exactly_the_latest_runs_additions(demo_two_runs: Path) -> None:
    """With its kept copies the demo has two runs (2026-11-20, 2026-12-01): the feed parses with a
    feed library and lists the works whose first record came in the second run, and no other."""
    out = demo_two_runs / "outputs" / "demo"
    included = read_csv(out / "03_screen" / "included.csv")
    first = read_csv(out / "02_dedupe" / "records.csv").groupby("work_id")["first_seen"].min()
    late = {w for w in included["work_id"] if first[w] == "20261201T090000Z"}
    titles = set(included.loc[included["work_id"].isin(late), "title"])
    # The two seed pages and the suggested review; the OECD suggestion joined a work of the first run.
    assert titles == {"Implementation of micro-credentials in higher education: A systematic literature review",
                      "Micro-Credential Observatory", "Micro-credentials Processes"}
    feed = feedparser.parse((_site(demo_two_runs) / "feed.xml").read_bytes())
    assert not feed.bozo, feed.get("bozo_exception")
    assert feed.version == "atom10" and feed.feed.updated == "2026-12-01T09:00:00Z"
    assert {e.id for e in feed.entries} == {f"urn:slr:demo:{w}" for w in late}
    assert {e.title for e in feed.entries} == titles
    counts = json.loads((_site(demo_two_runs) / "manifest.json").read_text())["counts"]
    assert (counts["entries"], counts["runs"], counts["added_latest_run"], counts["marked_new"]) == (226, 2, 3, 3)
    assert counts["latest_run"] == "20261201T090000Z"


def test_publish_is_skipped_when_up_to_date_and_says_what_is_missing(demo: Path, tmp_path: Path,  # noqa: F811
                                                                     capsys: pytest.CaptureFixture[str]) -> None:
    root = tmp_path / "review"
    shutil.copytree(demo, root)
    capsys.readouterr()
    assert main(["--root", str(root), "-c", "config/demo.yaml", "run", "--offline"]) == 0
    assert "publish: skipped (up to date)" in capsys.readouterr().out
    protocol = root / "config" / "demo.yaml"
    protocol.write_text(protocol.read_text().replace("suggest: mailto:", "suggest: javascript:"))
    assert main(["--root", str(root), "-c", "config/demo.yaml", "publish"]) == 2
    err = capsys.readouterr().err
    assert 'demo.yaml: site.suggest: "javascript:' in err and "must start with mailto: or https:// or http://" in err
    protocol.write_text(protocol.read_text().replace("suggest: javascript:", "suggest: mailto:")
                        .replace("    observatory: https://www.dcu.ie", "    observatroy: https://www.dcu.ie"))
    assert main(["--root", str(root), "-c", "config/demo.yaml", "publish"]) == 2
    assert 'site.landing_pages.observatroy: no source named "observatroy" (did you mean "observatory"?)' in \
        capsys.readouterr().err
    (root / "outputs" / "demo" / "03_screen" / "included.csv").unlink()
    protocol.write_text(protocol.read_text().replace("observatroy:", "observatory:"))
    assert main(["--root", str(root), "-c", "config/demo.yaml", "publish"]) == 6
    err = capsys.readouterr().err
    assert "publish: outputs/demo/03_screen/included.csv not found" in err and "Traceback" not in err


def test_a_rebuild_is_byte_identical(demo: Path, tmp_path: Path) -> None:  # noqa: F811
    root = tmp_path / "review"
    shutil.copytree(demo, root)
    before = {p.name: p.read_bytes() for p in _site(root).iterdir() if p.name != "manifest.json"}
    shutil.rmtree(_site(root))
    assert main(["--root", str(root), "-c", "config/demo.yaml", "publish"]) == 0
    assert {p.name: p.read_bytes() for p in _site(root).iterdir() if p.name != "manifest.json"} == before
