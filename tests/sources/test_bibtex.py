"""BibTeX exports: LaTeX decoded, Web of Science's capitalised fields, broken entries as warnings."""

from __future__ import annotations

from pathlib import Path

import pytest

from pipeline.config import FileSource
from pipeline.records import make_records
from pipeline.sources import read_source_file

DATA = Path(__file__).parent.parent / "data" / "bibtex"


def _read(name: str):
    parsed, fmt = read_source_file(FileSource(name="b", path=DATA / name))
    frame, warnings = make_records(parsed.records, source="b", native_ids=[r["_id"] for r in parsed.records])
    return frame.set_index("source_record_id"), parsed, warnings, fmt


@pytest.mark.parametrize("name, count", [("colrev_example_records.bib", 7), ("colrev_web_of_science.bib", 2),
                                         ("broken_entry.bib", 6)])
def test_record_counts(name: str, count: int) -> None:
    frame, _, _, fmt = _read(name)
    assert fmt == "bibtex" and len(frame) == count


def test_latex_is_decoded_and_fields_mapped() -> None:
    frame, parsed, warnings, _ = _read("colrev_example_records.bib")
    assert parsed.warnings == [] and warnings == []
    assert frame.loc["Srivastava2015", "title"] == ("Bridging the service divide through digitally enabled service "
                                                    "innovations: Evidence from Indian healthcare service providers")
    assert frame.loc["Stabell1998", "authors"] == "Stabell, Charles B.; Fjeldstad, Øystein D."
    assert frame.loc["Stahl2014", "venue"] == "Information & Management"
    assert frame.loc["Standing2010", "title"] == "A review of research on e-marketplaces 1997–2008"
    assert frame.loc["Standing2010", "pages"] == "41-51" and frame.loc["Standing2010", "year"] == 2010
    assert frame.loc["Stanoevska-Slabeva2002", "publisher"] == "Taylor & Francis"
    assert frame.loc["Stanovsky2017", "doc_type"] == "conference paper"
    assert frame.loc["Stanovsky2017", "venue"].startswith("Proceedings of the Annual Meeting")
    assert frame.loc["Srivastava2015", "language"] == "eng"


def test_web_of_science_bibtex() -> None:
    frame, _, _, _ = _read("colrev_web_of_science.bib")
    assert list(frame.index) == ["WOS:000223334444221", "WOS:000444488888888"]
    first = frame.loc["WOS:000223334444221"]
    assert first["doi"] == "10.1007/999-9-999-99999-9_3"
    assert (first["venue"], first["pages"], first["doc_type"]) == ("A BOOKTITLE", "48-98", "conference paper")
    assert frame.loc["WOS:000444488888888", "authors"] == "Articlewriter, Julian; Guestwriter, Paul"


def test_broken_entry_is_a_warning_and_the_rest_is_kept() -> None:
    frame, parsed, _, _ = _read("broken_entry.bib")
    assert "Srivastava2015" not in frame.index and "Stabell1998" in frame.index
    assert parsed.found == 7
    assert parsed.warnings == ["broken_entry.bib, line 11: entry skipped, it could not be parsed "
                               "('@article{Srivastava2015,'); fix it in the file or re-export"]
