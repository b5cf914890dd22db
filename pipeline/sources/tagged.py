"""Line-tagged export formats (RIS, Web of Science, MEDLINE): records of tagged fields, with line numbers.

The three formats share one shape: a record is a run of lines that each start with a short tag
(RIS `TI  - `, Web of Science `TI `, MEDLINE `PMID- `), and a line without a tag continues the
field above it. They differ in how a tag is written, which tag opens a record, and whether a tag
closes it. `scan` reads any of them into `TaggedRecord`s that remember where each record starts,
so that warnings and errors can name the line. The importers (ris.py, wos.py, nbib.py) only map
tags to record fields.

rispy (0.10) parses RIS and WoS too, but it keeps no line numbers, drops a last record that has no
`ER` without a word, and folds a record whose `ER` is missing into the next one (mixing their
authors); an importer must report those, so the reading is done here and rispy supplies the RIS
reference-type names (see ris.py).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import unquote

from ..config import FileSource
from ..errors import ConfigError, InputError

_NEWLINE = re.compile(r"\r\n|\r|\n")

#: A line parser: (tag, value) for a tag line, None for any other line.
LineParser = Callable[[str], "tuple[str, str] | None"]


@dataclass
class Field:
    """One occurrence of a tag: its first line's value and any continuation lines."""

    tag: str
    line: int
    lines: list[str]

    @property
    def text(self) -> str:
        """The value with wrapped lines joined by spaces (titles, abstracts, addresses)."""
        return " ".join(part for part in self.lines if part)


@dataclass
class TaggedRecord:
    """A record of tagged fields, numbered from 1 in file order, with the line it starts on."""

    number: int
    line: int
    fields: list[Field] = field(default_factory=list)

    @property
    def where(self) -> str:
        """The location used in warnings: "record N (line L)"."""
        return f"record {self.number} (line {self.line})"

    def tags(self) -> set[str]:
        return {f.tag for f in self.fields}

    def texts(self, *tags: str) -> list[str]:
        """The non-empty text of every field with one of these tags, tag by tag in the order given."""
        return [f.text for tag in tags for f in self.fields if f.tag == tag and f.text]

    def first(self, *tags: str) -> str | None:
        """The first non-empty value among the tags, in order of preference."""
        values = self.texts(*tags)
        return values[0] if values else None

    def items(self, *tags: str) -> list[str]:
        """Every line of every field with these tags as its own item (one author or keyword a line)."""
        return [part for tag in tags for f in self.fields if f.tag == tag for part in f.lines if part]


def scan(
    text: str,
    path: Path,
    *,
    parse_line: LineParser,
    start: str,
    end: str | None,
    outside: Iterable[str] = (),
) -> tuple[list[TaggedRecord], list[str]]:
    """Split a tagged export into records; returns (records, warnings).

    `start` opens a record. With an `end` tag, a record runs to that tag and a record left open (a
    new `start`, or the end of the file, before `end`) is an InputError: the export was cut short
    and guessing where the record ends would merge or lose records. Without one (MEDLINE), a blank
    line or the next `start` closes the record. Tags in `outside` (file headers such as WoS `FN`)
    are expected between records; other tagged lines there are ignored with one warning per run.
    """
    records: list[TaggedRecord] = []
    warnings: list[str] = []
    current: TaggedRecord | None = None
    stray: list[int] = []
    allowed_outside = set(outside)

    def flush_stray() -> None:
        if stray:
            span = f"line {stray[0]}" if len(stray) == 1 else f"lines {stray[0]}-{stray[-1]}"
            warnings.append(f"{span}: tagged line(s) outside a record (no {start} before them); ignored")
            stray.clear()

    # Only CR/LF end a line: str.splitlines() would also split at form feeds and U+2028 inside an
    # abstract and put every later line number off from what an editor shows.
    for number, raw in enumerate(_NEWLINE.split(text), start=1):
        line = raw.rstrip()
        parsed = parse_line(line)
        if parsed is None:
            if not line.strip():
                if end is None and current is not None:
                    current = None
                continue
            if current is not None and current.fields:
                current.fields[-1].lines.append(line.strip())
            continue
        tag, value = parsed
        if tag == start:
            if current is not None and end is not None:
                raise _unterminated(path, current, start, end, f"a new record starts at line {number}")
            flush_stray()
            current = TaggedRecord(number=len(records) + 1, line=number)
            records.append(current)
            current.fields.append(Field(tag, number, [value]))
        elif current is None:
            if tag not in allowed_outside and tag != end:
                stray.append(number)
        elif end is not None and tag == end:
            current = None
        else:
            current.fields.append(Field(tag, number, [value]))
    if current is not None and end is not None:
        raise _unterminated(path, current, start, end, "the file ends before it")
    flush_stray()
    return records, warnings


def _unterminated(path: Path, record: TaggedRecord, start: str, end: str, why: str) -> InputError:
    return InputError(
        f"{path}: record {record.number} starting at line {record.line} ({start}) has no {end} line: {why}",
        hint=f"the export looks cut short or damaged; export it again, or end the record with an {end} line",
    )


_YEAR_FIRST = re.compile(r"^\s*(\d{4})(?:[/ ].*)?$")


def year_part(value: str | None) -> str | None:
    """The year of a format's own date syntax ("2012///", "2021/02/01/", MEDLINE "2020 Feb 3").

    RIS dates are "YYYY/MM/DD/other" and MEDLINE's DP is "YYYY Mon DD" by definition, so the year
    is their first part; anything else ("10 15", "Winter 2015") is passed on unchanged for
    records.parse_year to read or warn about.
    """
    if value is None:
        return None
    match = _YEAR_FIRST.match(value)
    return match.group(1) if match else value


def join_pages(first: str | None, last: str | None) -> str | None:
    """Start and end page as "SP-EP"; a start page that is already a range ("349-69") is kept."""
    if first and last and "-" not in first and first != last:
        return f"{first}-{last}"
    return first or last


_DOI_IN_TEXT = re.compile(r"10\.\d{4,9}/[^\s\"<>&]+")
# Publisher landing-page URLs append a view to the DOI (".../10.3389/fendo.2021.636959/full").
_URL_VIEW = re.compile(r"/(?:full|pdf|epdf|abstract|fulltext|html)$", re.IGNORECASE)


def find_doi(values: Iterable[str]) -> str | None:
    """The DOI inside URLs or notes (URL-escaped or not), only when exactly one distinct DOI is there.

    A note can cite other works (Scopus puts the reference list in N1), so several different DOIs
    mean none of them can be trusted to be the record's own.
    """
    found: dict[str, str] = {}
    for value in values:
        for match in _DOI_IN_TEXT.finditer(unquote(value)):
            doi = _URL_VIEW.sub("", match.group(0).rstrip(".,;)]"))
            found.setdefault(doi.lower(), doi)
    return next(iter(found.values())) if len(found) == 1 else None


def id_tag(source: FileSource, records: list[TaggedRecord], shape: re.Pattern[str], fmt: str) -> str | None:
    """The tag named by the source's `id_column`, checked against the format and the file."""
    name = source.id_column
    if not name:
        return None
    if not shape.fullmatch(name):
        raise ConfigError(f'{source.name}: id_column "{name}" is not a {fmt} tag',
                          hint=f"for a {fmt} file, id_column names the tag that holds each record's id, "
                               "or leave it out to use the file's accession numbers")
    present = set().union(*(r.tags() for r in records)) if records else set()
    if name not in present:
        raise ConfigError(f'{source.name}: id_column "{name}" is not used by any record in {source.path}',
                          hint=f"tags in this file: {', '.join(sorted(present))}")
    return name


def record_ids(records: list[TaggedRecord], tag: str | None,
               default: Callable[[TaggedRecord], str | None]) -> tuple[list[str | None], list[str]]:
    """Each record's own id: the `id_column` tag's value when one is set, else the format's default.

    Records that lack the chosen tag get no id (records.make_records then hashes their content),
    and one warning says how many, so that a wrong `id_column` does not pass unnoticed.
    """
    if tag is None:
        return [default(r) for r in records], []
    ids = [r.first(tag) for r in records]
    missing = [r.where for r, value in zip(records, ids, strict=True) if not value]
    warnings = []
    if missing:
        warnings.append(f"{len(missing)} record(s) have no {tag} (id_column), first {missing[0]}; "
                        "their ids are made from their content")
    return ids, warnings
