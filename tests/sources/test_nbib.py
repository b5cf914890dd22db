"""PubMed MEDLINE (.nbib) importer on real records (rispy's test file; see tests/data/tagged/PROVENANCE.md)."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from pipeline.config import FileSource
from pipeline.errors import ConfigError
from pipeline.records import make_records
from pipeline.sources import ParsedFile, nbib, read_source_file, sniff_format

DATA = Path(__file__).parent.parent / "data" / "tagged"
NBIB = DATA / "rispy_example_pubmed.nbib"


def read(path: Path, **options: Any) -> ParsedFile:
    return nbib.read(path, FileSource(name="x", path=path, **options))


def table(path: Path) -> tuple[pd.DataFrame, list[str]]:
    parsed = read(path)
    return make_records(parsed.records, source="pubmed", native_ids=[r.get("_id") for r in parsed.records])


def test_count_ids_and_locations() -> None:
    parsed = read(NBIB)
    assert len(parsed.records) == 3 and parsed.found == 3 and parsed.warnings == []
    assert [r["_id"] for r in parsed.records] == ["30922926", "37068225", "36448670"]
    assert [r["_where"] for r in parsed.records] == ["record 1 (line 1)", "record 2 (line 114)",
                                                     "record 3 (line 252)"]


def test_sniffed_as_nbib_also_when_saved_as_txt(tmp_path: Path) -> None:
    # PubMed's "Save → PubMed format" gives pubmed-….txt; the same real file under that name.
    copy = tmp_path / "pubmed-dinosaur-set.txt"
    shutil.copy(NBIB, copy)
    assert sniff_format(copy) == "nbib"
    parsed, fmt = read_source_file(FileSource(name="pubmed", path=copy))
    assert fmt == "nbib" and len(parsed.records) == 3
    parsed, fmt = read_source_file(FileSource(name="pubmed", path=NBIB))  # by extension
    assert fmt == "nbib" and len(parsed.records) == 3


def test_field_values() -> None:
    frame, warnings = table(NBIB)
    # DP "2020 Feb" is MEDLINE's date syntax, not a messy year: no warning.
    assert warnings == []
    first, second, third = frame.iloc[0], frame.iloc[1], frame.iloc[2]
    assert first["record_id"] == "pubmed:30922926"
    assert first["title"] == "Time lapse: A glimpse into prehistoric genomics."
    assert first["authors"] == "Griffin, Darren K; Larkin, Denis M; O'Connor, Rebecca E"  # FAU, not AU
    assert (first["year"], first["doi"]) == (2020, "10.1016/j.ejmg.2019.03.004")  # LID … [doi]
    assert first["venue"] == "European journal of medical genetics"  # JT, not TA
    assert (first["volume"], first["issue"], first["pages"]) == ("63", "2", "103640")
    # PT: Historical Article, Journal Article, Review → the most specific, "review".
    assert (first["doc_type"], first["language"]) == ("review", "eng")
    keywords = first["keywords"].split("; ")
    # 5 OT + 13 MH, "Karyotype" in both lists is kept once.
    assert len(keywords) == 17 and keywords[:2] == ["Chromosome", "Comparative"] and "*Genome" in keywords
    # Wrapped AD lines are joined into one affiliation each.
    assert first["affiliations"].split("; ")[0] == (
        "School of Biosciences, University of Kent, Canterbury, CT2 7NJ, UK. "
        "Electronic address: d.k.griffin@kent.ac.uk.")
    assert first["abstract"].startswith("For the purpose of this review, 'time-lapse' refers to the reconstruction")
    assert first["abstract"].endswith("emerging each time as speciose and diverse.")

    authors = second["authors"].split("; ")
    assert (authors[0], len(authors)) == ("Peñalver, Enrique", 11)
    assert (second["year"], second["doi"], second["doc_type"]) == (2023, "10.1073/pnas.2217872120", "journal article")
    assert second["venue"] == "Proceedings of the National Academy of Sciences of the United States of America"
    # The same address under several authors is kept once.
    assert second["affiliations"].split("; ").count(
        "Institut de Recerca de la Biodiversitat, Universitat de Barcelona, Barcelona 08028, Spain.") == 1

    assert (third["year"], third["doi"], third["venue"]) == (2022, "10.7554/elife.80092", "eLife")
    assert pd.isna(third["pages"]) and pd.isna(third["issue"])  # record 3 has no PG and no IP


def test_doi_from_so_when_lid_and_aid_lack_it(tmp_path: Path) -> None:
    # Derived from the real file with every "[doi]" LID/AID line removed: the DOI is still in SO.
    text = NBIB.read_text(encoding="utf-8")
    kept = [line for line in text.splitlines(keepends=True) if not line.rstrip().endswith("[doi]")]
    copy = tmp_path / "no_doi_ids.nbib"
    copy.write_text("".join(kept), encoding="utf-8")
    frame, _ = table(copy)
    # Record 2's SO wraps the DOI onto its continuation line; the lines are joined first.
    assert frame["doi"].tolist() == ["10.1016/j.ejmg.2019.03.004", "10.1073/pnas.2217872120", "10.7554/elife.80092"]


def test_leading_blank_lines_and_crlf(tmp_path: Path) -> None:
    # Derived from the real file: PubMed's downloads often start with a blank line; Windows tools add CRLF.
    copy = tmp_path / "crlf.nbib"
    copy.write_bytes(b"\r\n" + NBIB.read_bytes().replace(b"\n", b"\r\n"))
    parsed = read(copy)
    assert [r["_where"] for r in parsed.records] == ["record 1 (line 2)", "record 2 (line 115)",
                                                     "record 3 (line 253)"]
    assert parsed.records[0]["title"] == "Time lapse: A glimpse into prehistoric genomics."


def test_lines_before_the_first_pmid_are_reported(tmp_path: Path) -> None:
    # Derived from the real file: the first PMID line removed, so record 1's fields belong to no record.
    lines = NBIB.read_text(encoding="utf-8").splitlines(keepends=True)
    broken = tmp_path / "no_pmid.nbib"
    broken.write_text("".join(lines[1:]), encoding="utf-8")
    parsed = read(broken)
    assert [r["_id"] for r in parsed.records] == ["37068225", "36448670"]
    assert parsed.warnings == ["lines 1-110: tagged line(s) outside a record (no PMID before them); ignored"]


def test_id_column() -> None:
    parsed = read(NBIB, id_column="PMC")
    assert [r["_id"] for r in parsed.records] == ["PMC7026692", "PMC10151472", "PMC9711522"]
    with pytest.raises(ConfigError, match=r'x: id_column "pubmed_id" is not a MEDLINE tag'):
        read(NBIB, id_column="pubmed_id")
    with pytest.raises(ConfigError, match=r'id_column "BTI" is not used by any record'):
        read(NBIB, id_column="BTI")
