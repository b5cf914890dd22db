"""slr's exports loaded by ASReview 3.0.8 itself (`asreview.load_dataset`), labels and fields counted.

ASReview needs pandas < 3, so it lives in `.venv-bench` (`make .venv-bench/.installed`); run this
file there: `.venv-bench/bin/python -m pytest tests/report/test_exports_asreview.py`. In `.venv`
it is skipped (asreview not installed).
"""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from pipeline.report.exports import screening_notes, to_asreview, to_ris

asreview = pytest.importorskip("asreview", reason="ASReview is installed in .venv-bench only (pandas < 3)")

DEMO = Path(__file__).parents[2] / "outputs" / "demo"


@pytest.fixture(scope="module")
def demo() -> dict:
    if not (DEMO / "03_screen" / "screened.csv").exists():
        pytest.skip("run `make demo` first: this test reads outputs/demo/")
    read = lambda p: pd.read_csv(p, dtype=str, keep_default_na=False).replace("", None)  # noqa: E731
    return {"works": read(DEMO / "02_dedupe" / "works.csv"), "screened": read(DEMO / "03_screen" / "screened.csv")}


def _records(path: Path) -> pd.DataFrame:
    db = asreview.load_dataset(path)
    return db.input.get_df()


def test_asreview_reads_asreview_csv(demo: dict, tmp_path: Path) -> None:
    path = tmp_path / "asreview.csv"
    to_asreview(demo["screened"], demo["works"]).to_csv(path, index=False)
    records = _records(path)
    assert len(records) == 739
    assert records["included"].fillna(-1).value_counts().to_dict() == {0: 507, 1: 226, -1: 6}
    assert sum(len(json.loads(k)) > 0 for k in records["keywords"]) == 739  # lists are stored as JSON
    authors = [a for cell in records["authors"] for a in json.loads(cell)]
    assert len(authors) == 840 and not [a for a in authors if a != a.strip()]  # no leading space
    assert _filled(records["url"]) == 411 and _filled(records["abstract"]) == 424


def test_asreview_reads_labels_from_screened_ris(demo: dict, tmp_path: Path) -> None:
    path = tmp_path / "screened.ris"
    works = demo["works"][demo["works"]["work_id"].isin(set(demo["screened"]["work_id"]))]
    path.write_text(to_ris(works, decisions=screening_notes(demo["screened"])), encoding="utf-8")
    records = _records(path)
    assert len(records) == 739
    assert records["included"].fillna(-1).value_counts().to_dict() == {0: 507, 1: 226, -1: 6}
    assert _filled(records["title"]) == 739 and _filled(records["abstract"]) == 424


def _filled(column: pd.Series) -> int:
    return int((column.fillna("").astype(str).str.strip() != "").sum())
