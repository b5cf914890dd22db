"""Prioritised screening in the workbook loop: after an import the next workbook is ordered by the
ranker, says what it expects, stays blind in dual screening, and `slr screen status` gives the
stopping figures. On the real records of tests/runner/test_screen.py's review."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from openpyxl import load_workbook

from pipeline.stages.rank.metrics import recent_yield_remaining

from .test_screen import PROTOCOL, book, fill, out, review, slr  # noqa: F401 (review is a fixture)

ABOUT = re.compile(r"micro-?credential|badge", re.IGNORECASE)


def rows(path: Path) -> list[dict]:
    ws = load_workbook(path)["Screening"]
    header = [c.value for c in ws[1]]
    return [dict(zip(header, (c.value for c in r), strict=True)) for r in ws.iter_rows(min_row=2)]


def order_sheet(path: Path) -> dict[str, str]:
    return {r[0].value: r[1].value for r in load_workbook(path)["Order"].iter_rows(min_row=2)}


def decide(path: Path, included: int, excluded: int) -> tuple[set[str], set[str]]:
    """Include the first `included` works about micro-credentials, exclude the first `excluded` others."""
    inc, exc, edits = set(), set(), {}
    for number, row in enumerate(rows(path), start=2):
        about = ABOUT.search(f"{row['title']} {row['abstract'] or ''}")
        if about and len(inc) < included:
            inc.add(row["work_id"])
            edits[number] = ("include",)
        elif not about and len(exc) < excluded:
            exc.add(row["work_id"])
            edits[number] = ("exclude", "not about micro-credentials")
    fill(path, edits)
    return inc, exc


def last_run(workbook: list[dict], decided: set[str], relevant: set[str]) -> int:
    """Irrelevant decisions after the last relevant one, in workbook row order."""
    labels = [r["work_id"] in relevant for r in workbook if r["work_id"] in decided]
    return len(labels) - 1 - max(i for i, x in enumerate(labels) if x)


def test_the_next_workbook_is_ordered_by_the_ranker(review: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert slr(review, "screen", "--reviewer", "ana") == 0
    first = rows(book(review, "ana"))
    assert len(first) == 320 and {r["predicted_relevance"] for r in first} == {None}
    inc, exc = decide(book(review, "ana"), included=5, excluded=15)
    assert slr(review, "screen", "import", str(book(review, "ana"))) == 0
    capsys.readouterr()
    assert slr(review, "screen", "--reviewer", "ana") == 0

    ranked = rows(book(review, "ana"))
    assert len(ranked) == 300 and not {r["work_id"] for r in ranked} & (inc | exc)
    probability = [r["predicted_relevance"] for r in ranked]
    assert all(0 < p < 1 for p in probability) and probability == sorted(probability, reverse=True)
    # The model's order, not the protocol's score: the scores are no longer sorted.
    scores = [r["relevance_score"] for r in ranked]
    assert scores != sorted(scores, reverse=True)
    # What it learned shows: 216 of the 300 mention micro-credentials or badges (72 %), 29 of the
    # top 30 (measured), and the bottom 30 fewer than the average.
    about = [bool(ABOUT.search(f"{r['title']} {r['abstract'] or ''}")) for r in ranked]
    assert sum(about) == 216 and sum(about[:30]) >= 28 and sum(about[-30:]) / 30 < 216 / 300
    sheet = order_sheet(book(review, "ana"))
    assert sheet["order"].startswith("logistic regression on TF-IDF")
    assert sheet["decisions learned from"] == "20 (5 relevant)"
    expected = float(sheet["relevant works expected"].split(" of these ")[0])
    assert sheet["relevant works expected"].endswith("of these 300 works")
    assert expected == pytest.approx(sum(probability), abs=0.05)
    counts = json.loads((out(review) / "manifest.json").read_text())["counts"]
    assert counts["ranking"]["data/t/workbooks/screening_title_abstract_ana.xlsx"]["trained_on"] == 20

    # The TF-IDF matrix is kept for the next run (the works did not change, only the ledger);
    # a damaged copy is computed again, with the same order.
    kept = list((out(review) / "ranker").glob("tfidf-*.npz"))
    assert len(kept) == 1
    kept[0].write_bytes(b"not a matrix")
    assert slr(review, "screen", "--reviewer", "ana") == 0
    assert [r["work_id"] for r in rows(book(review, "ana"))] == [r["work_id"] for r in ranked]
    assert list((out(review) / "ranker").glob("tfidf-*.npz")) == kept and kept[0].stat().st_size > 10_000

    capsys.readouterr()
    assert slr(review, "screen", "status") == 0
    text = capsys.readouterr().out
    # The decisions of one import count in workbook row order.
    assert ("Stopping, Title/abstract: 20 works screened by people, 5 relevant found, 300 not yet screened; "
            f"{last_run(first, inc | exc, inc)} irrelevant in a row since the last relevant one") in text
    figures = counts["stopping"]["title_abstract"]
    assert (figures["screened"], figures["relevant_found"], figures["unscreened"]) == (20, 5, 300)
    # The ranker's expected count is kept beside the estimate; the estimate itself reads the yield of
    # the decisions in order (stages/rank/metrics.recent_yield_remaining, issue 17).
    assert figures["model_estimated_remaining"] == pytest.approx(expected, abs=0.05)
    in_order = [int(r["work_id"] in inc) for r in first if r["work_id"] in inc | exc]
    assert figures["estimated_remaining"] == pytest.approx(recent_yield_remaining(in_order, 320)[-1])
    assert f"estimated recall: {5 / (5 + figures['estimated_remaining']):.2f} (relevant found / (found + " in text
    assert "recall at least: " in text and "knee method: not yet" in text


def test_dual_screening_stays_blind(review: Path) -> None:
    (review / "config" / "review.yaml").write_text(PROTOCOL + "  reviewers: 2\n")
    assert slr(review, "screen", "--reviewer", "ana", "--reviewer", "bo") == 0
    before = [r["work_id"] for r in rows(book(review, "bo"))]
    decide(book(review, "ana"), included=5, excluded=15)
    assert slr(review, "screen", "import", str(book(review, "ana"))) == 0
    assert slr(review, "screen", "--reviewer", "ana", "--reviewer", "bo") == 0
    # ana's order learns from her 20 decisions; bo still has to decide those 20 works, so his
    # order learns nothing from them: the same relevance_score order as before ana's import.
    assert order_sheet(book(review, "ana"))["decisions learned from"] == "20 (5 relevant)"
    assert order_sheet(book(review, "bo"))["decisions learned from"] == "0 (0 relevant)"
    assert order_sheet(book(review, "bo"))["order"].startswith("protocol relevance_score")
    assert [r["work_id"] for r in rows(book(review, "bo"))] == before
