"""The protocol loader: valid files load into dataclasses; every mistake names its YAML path."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from pipeline.config import ApiSource, FileSource, load_protocol
from pipeline.yaml_schema import load_yaml
from pipeline.errors import ConfigError

ROOT = Path(__file__).parent.parent

BASE = """
id: t
title: T
research_questions: {RQ1: "Why?"}
sources:
  - {name: a, type: file, path: a.ris}
"""


def write(tmp_path: Path, text: str) -> Path:
    (tmp_path / "a.ris").write_text("TY  - JOUR\nTI  - x\nER  -\n")
    path = tmp_path / "review.yaml"
    path.write_text(text)
    return path


def test_demo_protocol_loads() -> None:
    protocol = load_protocol("config/demo.yaml", root=ROOT)
    assert protocol.id == "demo"
    assert [s.name for s in protocol.sources][:2] == ["observatory", "scopus"]
    scopus = protocol.source("scopus")
    assert isinstance(scopus, FileSource)
    assert scopus.resolved_format() == "ris"
    assert scopus.searched_on == dt.date(2026, 11, 20)
    assert protocol.screening.years.after == 2017
    assert protocol.path == ROOT / "config/demo.yaml"


def test_paths_are_relative_to_root(tmp_path: Path) -> None:
    protocol = load_protocol(write(tmp_path, BASE), root=tmp_path)
    assert protocol.sources[0].path == tmp_path.resolve() / "a.ris"


def test_api_source(tmp_path: Path) -> None:
    text = BASE + "  - {name: oa, type: openalex, query: 'x', filters: {from_year: 2018}, max_records: 50}\n"
    source = load_protocol(write(tmp_path, text), root=tmp_path).source("oa")
    assert isinstance(source, ApiSource)
    assert source.filters == {"from_year": 2018} and source.max_records == 50


@pytest.mark.parametrize(("text", "message"), [
    (BASE + "titel: x\n", r'titel: unknown key "titel" \(did you mean "title"\?\)'),
    (BASE.replace("title: T\n", ""), r"title: this key is required"),
    (BASE + "screening: {years: {after: 'soon'}}\n", r"screening\.years\.after: expected a whole number, got text \(\"soon\"\)"),
    (BASE + "screening: {years: {after: 3000}}\n", r"screening\.years\.after: 3000 is out of range: must be between 1500 and 2100"),
    (BASE + "screening: {reasons: nope}\n", r"screening\.reasons: expected a list, got text"),
    (BASE.replace("type: file, path", "type: fiel, path"), r'sources\[0\]\.type: unknown source type "fiel" \(did you mean "file"\?\)'),
    (BASE.replace("path: a.ris", "path: missing.ris"), r"sources\[0\]\.path: file not found: .*missing\.ris"),
    (BASE.replace("path: a.ris}", "path: a.ris, format: rris}"), r'sources\[0\]\.format: "rris" is not one of the allowed values \(did you mean "ris"\?\)'),
    (BASE.replace("path: a.ris}", "path: a.ris, fromat: ris}"), r'sources\[0\]\.fromat: unknown key "fromat" \(did you mean "format"\?\)'),
    (BASE.replace("path: a.ris}", "path: a.ris, searched_on: yesterday}"), r'sources\[0\]\.searched_on: "yesterday" is not a date'),
    (BASE + "  - {name: a, type: file, path: a.ris}\n", r'sources\[1\]\.name: "a" is used twice'),
    (BASE + "  - {name: oa, type: openalex, max_records: 0}\n", r"sources\[1\]\.max_records: 0 is out of range: must be at least 1"),
    ("id: t\ntitle: [unclosed\n", r"invalid YAML at line \d+"),
    ("- just\n- a list\n", r"the protocol must be a mapping"),
])
def test_errors_name_the_yaml_path(tmp_path: Path, text: str, message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        load_protocol(write(tmp_path, text), root=tmp_path)


def test_unknown_extension_needs_a_format(tmp_path: Path) -> None:
    (tmp_path / "a.dat").write_text("x")
    text = BASE.replace("path: a.ris", "path: a.dat")
    with pytest.raises(ConfigError, match=r'sources\[0\]\.format: cannot tell the format of "a.dat"'):
        load_protocol(write(tmp_path, text), root=tmp_path)


def test_missing_protocol_file(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="protocol file not found") as info:
        load_protocol("config/review.yaml", root=tmp_path)
    assert "slr init" in str(info.value)


def test_unknown_source_name_suggests(tmp_path: Path) -> None:
    protocol = load_protocol(write(tmp_path, BASE), root=tmp_path)
    with pytest.raises(ConfigError, match=r'no source named "b"'):
        protocol.source("b")


def test_yaml_12_keeps_norway_and_other_words_as_text(tmp_path: Path) -> None:
    """Issue 13 case 7: YAML 1.1 read `geography: {include: [NO]}` (Norway) as False."""
    text = BASE + ("screening:\n  accept_proposals: yes\n  geography: {include: [NO, SE]}\n"
                   "  reasons: [no, on, off, yes]\n")
    protocol = load_protocol(write(tmp_path, text), root=tmp_path)
    assert list(protocol.screening.geography.include) == ["NO", "SE"]
    assert list(protocol.screening.reasons) == ["no", "on", "off", "yes"]
    assert protocol.screening.accept_proposals is True  # where true/false is expected, yes still means true
    assert load_yaml("a: [true, False, TRUE, no, Off, y]") == {"a": [True, False, True, "no", "Off", "y"]}
