"""Normalisation of record fields and stable record ids."""

from __future__ import annotations

import sys
import unicodedata

import pandas as pd
import pytest

from pipeline.records import (BIB_FIELDS, RECORD_COLUMNS, clean_text, content_hash, make_records, normalise_doi,
                              normalise_fields, parse_year)


@pytest.mark.parametrize(("raw", "doi"), [
    ("10.1016/j.psyneuen.2019.104501", "10.1016/j.psyneuen.2019.104501"),
    ("https://doi.org/10.1016/J.PSYNEUEN.2019.104501", "10.1016/j.psyneuen.2019.104501"),
    ("http://dx.doi.org/10.2165/11586800-000000000-00000.", "10.2165/11586800-000000000-00000"),
    ("doi:10.1000/xyz123", "10.1000/xyz123"),
    ("DOI 10.1000/XYZ", "10.1000/xyz"),
    ("not a doi", None),
    ("", None),
    (None, None),
])
def test_normalise_doi(raw: str | None, doi: str | None) -> None:
    assert normalise_doi(raw) == doi


@pytest.mark.parametrize(("raw", "year", "warning"), [
    ("2019", 2019, None),
    (2019, 2019, None),
    (2019.0, 2019, None),
    ("2019a", 2019, 'year "2019a" read as 2019'),
    ("2019/05/01/", 2019, 'year "2019/05/01/" read as 2019'),
    ("n.d.", None, 'year "n.d." is not a year; left empty'),
    ("10 15", None, 'year "10 15" is not a year; left empty'),
    ("", None, None),
    (None, None, None),
])
def test_parse_year(raw: object, year: int | None, warning: str | None) -> None:
    assert parse_year(raw) == (year, warning)


def test_make_records_columns_ids_and_warnings() -> None:
    raw = [
        {"title": "  A  <i>study</i> of &amp; things ", "year": "2019a", "doi": "https://doi.org/10.1000/ABC",
         "authors": ["Smith, J.", "Doe, A."], "_where": "line 3"},
        {"title": "", "year": "n.d."},
        {"title": "A study of & things", "year": "2019", "doi": "10.1000/abc", "authors": "Smith, J.; Doe, A."},
    ]
    frame, warnings = make_records(raw, source="src", run_id="R1", retrieved_at="2026-01-01T00:00:00+00:00")
    assert list(frame.columns) == list(RECORD_COLUMNS)
    first = frame.iloc[0]
    assert first["title"] == "A study of & things"
    assert first["doi"] == "10.1000/abc"
    assert first["authors"] == "Smith, J.; Doe, A."
    assert first["year"] == 2019
    assert first["record_id"].startswith("src:")
    # Identical content twice keeps both, with distinct stable ids.
    assert frame.iloc[2]["record_id"] == first["record_id"] + "-2"
    assert warnings == ['line 3: year "2019a" read as 2019', 'record 2: year "n.d." is not a year; left empty',
                        "record 2: no title"]
    assert frame["first_seen"].tolist() == ["R1", "R1", "R1"]


def test_content_hash_ignores_case_and_punctuation() -> None:
    a = content_hash({"title": "Micro-credentials: a review", "year": 2021})
    b = content_hash({"title": "MICRO CREDENTIALS A REVIEW.", "year": 2021})
    assert a == b
    assert a != content_hash({"title": "Micro-credentials: a review", "year": 2022})


def test_own_ids_win_and_repeats_are_flagged() -> None:
    frame, warnings = make_records([{"title": "x"}, {"title": "y"}], source="s", native_ids=["7", "7"])
    assert frame["record_id"].tolist() == ["s:7", "s:7-2"]
    assert warnings == ['record 2: id "7" is used by an earlier record; this one is kept as 7-2']


def test_only_the_space_is_both_whitespace_and_printable() -> None:
    # clean_text skips splitting and joining printable text without double, leading or trailing spaces.
    assert [c for c in map(chr, range(sys.maxunicode + 1)) if c.isspace() and c.isprintable()] == [" "]


@pytest.mark.parametrize("text", [
    "", " ", "a", "a b", "a  b", " a", "a ", "a\tb", "a\nb", "a\x1cb", "a\x85b", "a\xa0b", "a\u2028b", "a\u3000b",
    "a\u200bb", "naïve café", "x" * 300, "x " * 150 + "y", "x" * 300 + "\n", "x" * 150 + "\x1f" + "x" * 150,
    "x" * 150 + "  " + "x" * 150, "é" * 300, "é" * 150 + "\u2003" + "é" * 150, "x" * 300 + "\x7f",
])
def test_clean_text_collapses_whitespace_as_split_and_join(text: str) -> None:
    expected = unicodedata.normalize("NFC", " ".join(text.split())) or None
    assert clean_text(text) == expected


def test_make_records_gives_each_row_what_normalise_fields_gives_it() -> None:
    # The table is built column by column, with values cleaned once per call: the same as row by row.
    raw = [
        {"title": " A &amp; B ", "authors": ["Smith, J.", " Smith,  J.", "", None, 3, "Doe &amp; Co"],
         "keywords": "x; y;x ;", "year": 2019, "venue": "J&amp;K", "language": ["en"], "countries": ("Chile",)},
        {"title": None, "authors": "Smith, J.", "keywords": ["x", ["nested"], {"k": 1}], "year": "2019a",
         "venue": "J&amp;K", "publisher": float("nan"), "url": "https://doi.org/10.1/ABC.", "pages": 12},
        {"title": "A &amp; B", "authors": [], "year": True, "doc_type": 1.0, "issue": True, "volume": 1,
         "doi": "doi:10.2/x", "countries": float("nan"), "affiliations": ["Uni <b>A</b>", "Uni A"]},
        {"title": "C", "year": 1499, "language": [1, "1", True], "keywords": ["\u00e9", "e\u0301"]},
    ]
    frame, warnings = make_records(raw, source="s")
    expected_warnings = []
    for index, row in enumerate(raw):
        fields, row_warnings = normalise_fields(row)
        got = frame.iloc[index]
        for name in BIB_FIELDS:
            want = fields[name]
            assert (pd.isna(got[name]) and want is None) or got[name] == want, (index, name, got[name], want)
        expected_warnings += [f"record {index + 1}: {w}" for w in row_warnings]
    assert warnings == expected_warnings
    assert frame["keywords"].tolist()[:2] == ["x; y", "x; ['nested']; {'k': 1}"]
    assert frame.dtypes["year"] == "Int64" and frame["title"].dtype == object


def test_work_link_is_the_doi_else_a_web_url() -> None:
    from pipeline.records import work_link

    assert work_link({"doi": "10.7717/peerj.4375", "url": "https://example.org/a"}) == "https://doi.org/10.7717/peerj.4375"
    assert work_link({"doi": float("nan"), "url": " HTTPS://example.org/a "}) == "HTTPS://example.org/a"
    assert work_link({"doi": None, "url": "javascript:alert(1)"}) is None
    assert work_link({"url": "file:///etc/passwd"}) is None and work_link({}) is None
