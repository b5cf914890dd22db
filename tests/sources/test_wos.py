"""Web of Science tagged-text importer on a real export (rispy's test file; see tests/data/tagged/PROVENANCE.md)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from pipeline.config import FileSource
from pipeline.errors import ConfigError, InputError
from pipeline.records import make_records
from pipeline.sources import ParsedFile, read_source_file, sniff_format, wos

DATA = Path(__file__).parent.parent / "data" / "tagged"
WOS = DATA / "rispy_example_wos.txt"


def read(path: Path, **options: Any) -> ParsedFile:
    return wos.read(path, FileSource(name="x", path=path, **options))


def table(path: Path) -> tuple[pd.DataFrame, list[str]]:
    parsed = read(path)
    return make_records(parsed.records, source="wos", native_ids=[r.get("_id") for r in parsed.records])


def test_count_ids_and_locations() -> None:
    parsed = read(WOS)
    assert len(parsed.records) == 2 and parsed.found == 2 and parsed.warnings == []
    assert [r["_id"] for r in parsed.records] == ["WOS:000221807500019", "WOS:000221807500020"]
    assert [r["_where"] for r in parsed.records] == ["record 1 (line 3)", "record 2 (line 112)"]


def test_sniffed_and_read_through_the_source_contract() -> None:
    assert sniff_format(WOS) == "wos"
    parsed, fmt = read_source_file(FileSource(name="wos", path=WOS))
    assert fmt == "wos" and len(parsed.records) == 2


def test_field_values() -> None:
    frame, warnings = table(WOS)
    assert warnings == []
    first, second = frame.iloc[0], frame.iloc[1]
    assert first["record_id"] == "wos:WOS:000221807500019"
    # TI is wrapped over two lines in the file.
    assert first["title"] == ("Interactions stabilizing the structure of the core light-harvesting complex (LHl) "
                              "of photosynthetic bacteria and its subunit (B820)")
    assert first["authors"] == "Parkes-Loach, PS; Majeed, AP; Law, CJ; Loach, PA"
    assert (first["year"], first["doi"], first["venue"]) == (2004, "10.1021/bi049798f", "BIOCHEMISTRY")
    assert (first["volume"], first["issue"], first["pages"]) == ("43", "22", "7003-7016")
    assert (first["publisher"], first["doc_type"], first["language"]) == ("AMER CHEMICAL SOC", "article", "English")
    # ID (KeyWords Plus) wraps inside "AMINO-ACID-SEQUENCE; …" lines: 10 keywords, none split by the wrap.
    keywords = first["keywords"].split("; ")
    assert len(keywords) == 10 and keywords[0] == "CHEMICALLY SYNTHESIZED POLYPEPTIDES"
    assert keywords[-1] == "ANTENNA COMPLEX"
    assert first["affiliations"] == "Northwestern Univ, Dept Biochem Mol Biol & Cell Biol, Evanston, IL 60208 USA."
    assert first["abstract"].startswith("Reconstitution experiments with a chemically synthesized core")
    assert len(second["authors"].split("; ")) == 9 and second["authors"].startswith("Cao, WX; Ye, X")
    second_keywords = second["keywords"].split("; ")
    # "CARBON-MONOXIDE\n   BINDING" is one keyword wrapped over two lines.
    assert "CARBON-MONOXIDE BINDING" in second_keywords and len(second_keywords) == 10
    assert second["affiliations"].split("; ") == [
        "Northeastern Univ, Dept Phys, Boston, MA 02115 USA.",
        "Northeastern Univ, Ctr Interdisciplinary Res Complex Syst, Boston, MA 02115 USA.",
    ]
    assert second["pages"] == "7017-7027"


def test_cut_short_export_is_an_error(tmp_path: Path) -> None:
    # Derived from the real export: the copy stops inside record 2 (its ER and the EF are gone).
    lines = WOS.read_text(encoding="utf-8").splitlines(keepends=True)
    cut = tmp_path / "savedrecs_cut.txt"
    cut.write_text("".join(lines[:200]), encoding="utf-8")
    with pytest.raises(InputError, match=r"savedrecs_cut\.txt: record 2 starting at line 112 \(PT\) has no ER line: "
                                         r"the file ends before it") as info:
        read(cut)
    assert "export it again" in str(info.value)


def test_missing_er_before_next_record_is_an_error(tmp_path: Path) -> None:
    # Derived from the real export: record 1's ER line (line 110) removed.
    lines = WOS.read_text(encoding="utf-8").splitlines(keepends=True)
    assert lines[109] == "ER\n"
    broken = tmp_path / "no_er.txt"
    broken.write_text("".join(lines[:109] + lines[110:]), encoding="utf-8")
    with pytest.raises(InputError, match=r"record 1 starting at line 3 \(PT\) has no ER line: "
                                         r"a new record starts at line 111"):
        read(broken)


def test_bracketed_c1_authors_are_dropped(tmp_path: Path) -> None:
    # Derived from the real export: newer exports write C1 as "[Authors] Address"; this copy adds
    # the bracket to record 2's first address (made-up change, real address).
    text = WOS.read_text(encoding="utf-8").replace(
        "C1 Northeastern Univ, Dept Phys", "C1 [Cao, WX; Ye, X] Northeastern Univ, Dept Phys")
    changed = tmp_path / "c1.txt"
    changed.write_text(text, encoding="utf-8")
    assert read(changed).records[1]["affiliations"][0] == "Northeastern Univ, Dept Phys, Boston, MA 02115 USA."


def test_ris_file_named_web_of_science_has_no_wos_records() -> None:
    # asreview_web_of_science.txt is RIS; forced through the WoS importer it yields no records,
    # and the source contract turns that into an error that says which format was tried.
    assert read(DATA / "asreview_web_of_science.txt").records == []
    with pytest.raises(InputError, match=r"no records found in .*asreview_web_of_science\.txt \(read as wos\)"):
        read_source_file(FileSource(name="x", path=DATA / "asreview_web_of_science.txt", format="wos"))


def test_id_column() -> None:
    parsed = read(WOS, id_column="PM")
    assert [r["_id"] for r in parsed.records] == ["15170338", "15170339"]
    with pytest.raises(ConfigError, match=r'x: id_column "PMID" is not a Web of Science tag'):
        read(WOS, id_column="PMID")
    with pytest.raises(ConfigError, match=r'id_column "AR" is not used by any record'):
        read(WOS, id_column="AR")
