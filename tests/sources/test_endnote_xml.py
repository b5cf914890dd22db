"""EndNote XML exports: real records, nested <style> text, safe parsing, cut-short files."""

from __future__ import annotations

from pathlib import Path

import pytest

from pipeline.config import FileSource
from pipeline.errors import InputError
from pipeline.records import make_records
from pipeline.sources import read_source_file

DATA = Path(__file__).parent.parent / "data" / "endnote"
SHARED = Path(__file__).parents[3] / "shared" / "benchmarks" / "dedupe"


def _read(path: Path):
    parsed, fmt = read_source_file(FileSource(name="en", path=path))
    frame, warnings = make_records(parsed.records, source="en", native_ids=[r["_id"] for r in parsed.records])
    return frame, parsed.warnings + warnings, fmt


def test_copper_subset_fields() -> None:
    frame, warnings, fmt = _read(DATA / "copper_first25.xml")
    assert fmt == "endnote_xml" and len(frame) == 25 and warnings == []
    first = frame.iloc[0]
    assert first["record_id"] == "en:258"
    assert first["title"] == ("Zinc, copper, CD4 T-cell count and some hematological parameters of "
                              "HIV-infected subjects in Southern Nigeria")
    assert first["authors"].split("; ") == ["Asemota, E. A.", "Okafor, I. M.", "Okoroiwu, H. U.", "Ekong, E. R.",
                                            "Anyanwu, S. O.", "Efiong, E. E.", "Udomah, F."]
    assert (first["year"], first["doi"], first["venue"], first["volume"], first["issue"], first["pages"]) == \
        (2018, "10.1016/j.imr.2018.01.008", "Integrative Medicine Research", "7", "1", "53-60")
    assert first["doc_type"] == "journal article"
    assert first["keywords"].split("; ")[:3] == ["copper", "hemoglobin", "zinc"]
    assert first["affiliations"].startswith("H.U. Okoroiwu, Department of Medical Laboratory Science")
    assert frame["record_id"].is_unique


def test_cut_short_file_is_an_error(tmp_path: Path) -> None:
    text = (DATA / "copper_first25.xml").read_text(encoding="utf-8")
    path = tmp_path / "cut.xml"
    path.write_text(text[: len(text) // 2], encoding="utf-8")
    with pytest.raises(InputError) as err:
        _read(path)
    message = str(err.value)
    assert message.startswith(f"{path}: not well-formed XML at line 1, column ")
    assert "complete records)" in message and "export it again from EndNote" in message


def test_entities_are_refused(tmp_path: Path) -> None:
    path = tmp_path / "evil.xml"
    path.write_text('<?xml version="1.0"?><!DOCTYPE xml [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
                    "<xml><records><record><titles><title>&x;</title></titles></record></records></xml>")
    with pytest.raises(InputError, match="refused to parse .*declares a DTD or entities"):
        _read(path)


@pytest.mark.skipif(not SHARED.exists(), reason=f"../shared is not present ({SHARED}): "
                    "these tests read the EndNote exports of the dedupe sets there; clone slr next to shared/ to run them")
@pytest.mark.parametrize("name, count", [("copper/copper_endnote.xml", 505),
                                         ("respiratory/Respiratory_endnote.xml", 1988)])
def test_shared_exports(name: str, count: int) -> None:
    frame, _, _ = _read(SHARED / name)
    assert len(frame) == count and frame["record_id"].is_unique
