"""Decoding export files: UTF-8 silently, other encodings detected with a warning, or a clear error."""

from __future__ import annotations

from pathlib import Path

import pytest

from pipeline.errors import InputError
from pipeline.sources import sniff_format
from pipeline.sources.text import read_text

DEMO = Path(__file__).parent.parent.parent / "data" / "demo" / "imports"


def test_utf8_with_bom(tmp_path: Path) -> None:
    path = tmp_path / "bom.ris"
    path.write_bytes(b"\xef\xbb\xbfTY  - JOUR\n")
    assert read_text(path) == ("TY  - JOUR\n", [])


def test_cp1252_is_detected_with_a_warning(tmp_path: Path) -> None:
    # Derived from the real Observatory page, re-encoded as Windows-1252 (€ and ’ are not Latin-1).
    text = (DEMO / "observatory.txt").read_text(encoding="utf-8")
    path = tmp_path / "observatory_cp1252.txt"
    path.write_bytes(text.encode("cp1252", errors="replace"))
    decoded, warnings = read_text(path)
    assert "Participant in €12.3m" in decoded
    assert "Australian Government’s White Paper" in decoded
    assert len(warnings) == 1 and "not UTF-8; decoded as" in warnings[0] and "Set encoding:" in warnings[0]


def test_declared_encoding_is_used(tmp_path: Path) -> None:
    path = tmp_path / "latin.csv"
    path.write_bytes("title\nÉducation et compétences\n".encode("latin-1"))
    assert read_text(path, "latin-1") == ("title\nÉducation et compétences\n", [])


def test_wrong_declared_encoding(tmp_path: Path) -> None:
    path = tmp_path / "latin.csv"
    path.write_bytes("title\nÉducation\n".encode("latin-1"))
    with pytest.raises(InputError, match=r"latin\.csv: byte 6 cannot be read as utf-8") as info:
        read_text(path, "utf-8")
    assert "check the encoding: key" in str(info.value)


def test_unknown_encoding_name(tmp_path: Path) -> None:
    path = tmp_path / "x.csv"
    path.write_text("title\n")
    with pytest.raises(InputError, match='unknown encoding "klingon"'):
        read_text(path, "klingon")


@pytest.mark.parametrize(("name", "fmt"), [
    ("observatory.txt", "reflist"),
    ("pubmed_endnote.txt", "ris"),
    ("scopus.ris", "ris"),
])
def test_sniff_format(name: str, fmt: str) -> None:
    assert sniff_format(DEMO / name) == fmt
