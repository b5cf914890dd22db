"""Coverage: places named in a full text (real: the Observatory and study pages) added to the
record's detection, and the reason a source is unrated."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from pipeline.config import GeographyConfig
from pipeline.sources.fulltext import read_pages
from pipeline.stages.code.coverage import coverage
from tests.sources.test_fulltext import make_pdf

FULLTEXT = Path(__file__).parents[2] / "data" / "demo" / "fulltext"


def test_places_in_full_texts_are_added_with_their_page(tmp_path: Path) -> None:
    # The PDF is made for the test; its sentence is the study page's (../shared/seeds/000_*.txt).
    make_pdf(tmp_path / "ib.pdf", ["Micro-credentials Processes",
                                   "Country: Multiple. Ecctis was commissioned by the IB in Ireland."])
    works = pd.DataFrame({"work_id": ["Wobs", "Wib", "Wnone"],
                          "countries_detected": [None, "GB", None], "regions": [None, "Europe", None],
                          "geography_evidence": [None, "title: 'UK' → GB", None],
                          "quality_level": ["unrated", "grey literature", None],
                          "quality_evidence": ["unrated: no rubric level fits (no document type, no venue)",
                                              "grey literature: type 'report'", None]})
    texts = {"Wobs": read_pages(FULLTEXT / "micro-credential_observatory.txt"), "Wib": read_pages(tmp_path / "ib.pdf")}
    table = coverage(works, texts, GeographyConfig()).set_index("work_id")
    assert table.loc["Wobs", "geography_from"] == "full text"
    assert {"IE", "CA", "AU", "NZ"} <= set(table.loc["Wobs", "countries_detected"].split("; "))
    assert "full text: 'Ontario' → CA" in table.loc["Wobs", "geography_evidence"]
    assert table.loc["Wib", ["countries_detected", "geography_from"]].tolist() == ["GB; IE", "record and full text"]
    assert table.loc["Wib", "geography_evidence"] == "title: 'UK' → GB; full text p.2: 'Ireland' → IE"
    assert table.loc["Wnone", "geography_from"] == "nothing detected"
    # Unrated always with its reason.
    assert table.loc["Wobs", "quality_evidence"].startswith("unrated: no rubric level fits")
    assert table.loc["Wnone", ["quality_level", "quality_evidence"]].tolist() == [
        "unrated", "unrated: the screening stage gave no quality level (no rubric was applied)"]
