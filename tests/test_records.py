"""Normalisation of record fields and stable record ids."""

from __future__ import annotations

import pytest

from pipeline.records import RECORD_COLUMNS, content_hash, make_records, normalise_doi, parse_year


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
