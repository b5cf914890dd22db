"""Plain-text reference lists: "YEAR Title" entries (one or many a line) and "Title (YEAR)" lines.

Reference lists copied from web pages are messy. The Micro-Credential Observatory page
(tests/data/reflist/observatory.txt), which this importer was built against, shows every problem
this module handles:

- Entries begin only on lines that start with a year (after whitespace). Bullets and prose that
  mention a year mid-sentence are never entries.
- A line may hold several entries: a table row flattened into one line, its cells glued together
  ("…Framework2023 Council Recommendation…", "…Video P12021 - Implementing…") or separated by
  spaces only ("…Rebooting the Economy 2021 Skills Urgency…").
- Headings left a year with no title ("20232023 Ontario…", "2023 2023  Working…", a lone "2023"
  line): the empty entries are skipped with a warning, never turned into records.
- Event entries write a dash after the year ("2023 - Summit", "2021- Launch", "2022 -European");
  the dash is dropped.
- A title wrapped onto the next line continues there: a non-blank line directly below an entry
  line that neither starts with a year nor is a bullet is appended to the last entry's title.

Where a year inside a line begins a new entry (the hard part), the rules are:

1. The year must be followed by whitespace and then anything but a dash, or by a dash and then
   anything but a digit. So "Alberta 2030: Building…", "…by 2025" at the end of a line, and
   ranges such as "2014-2020" or "(2011-2015)" never split.
2. The year must not follow an opening bracket, currency sign, slash or dash ("(2020 edition)",
   "$2021", "Horizon-2020 Programme").
3. A year glued to the text before it ("Framework2023", "P12021", "21C2016", "?2021", ")2017") is
   a boundary: no title in such a list runs a word straight into a year followed by a new title.
4. A year with whitespace before it is a boundary only when the text since the previous
   candidate year has at least three words: "Rebooting the Economy 2021 Skills…" and
   "European Skills Agenda 2020 A European…" split, "The EvoLLLutions 2020 Year in Review eBook"
   does not. This errs on the safe side of keeping a title whole: the shortest real entry before
   a space-separated year in the Observatory has three words ("Certifying Your Future"), while a
   year inside a title usually follows a short name ("Vision 2030", "EvoLLLutions 2020"). A title
   with three or more words before an inner year followed by more text would be cut; no such
   title is in the Observatory.
5. Any candidate is a boundary only when the title after it has at least two words, so
   "2020 RIDE2020 Micro-credentials" (the RIDE 2020 conference) stays one entry. The row it is
   in has three cells like every row of its table; splitting would give four.

Rules 4 and 5 are applied from the end of the line backwards, so "the title after it" is the text
up to the next accepted boundary.

Headings name a category: a short line (no leading year, not a bullet, not ending in . : ; ,)
preceded by a blank line and followed, after blank lines and introduction lines ending with ":"
("A collection of major policy initiatives…:"), by an entry line. The category becomes the
record's `doc_type` through `_DOC_TYPES` ("Major Policy Initiatives" → "policy initiative"),
falling back to the heading text. The heading itself goes into `keywords`, not `venue`: it is the
list curator's tag for the entry, not where the work was published, and `venue` feeds the record
content hash and the venue comparison in dedupe, which a section name must not influence.

Lines of the form "Title (YEAR)" (optionally with a full stop) are read as one entry each, for the
other common shape of a hand-made list. Author-year citations ("Smith, J. (2020). Title.") are not
parsed into authors; such a list imports with the whole citation as the title.

Every listed entry is a record, also when the same title is listed twice: deduplication merges
them later, and `records.make_records` gives repeated content its own id (-2, -3).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..config import FileSource
from ..errors import InputError
from . import ParsedFile
from .text import read_text

_YEAR = r"(?:19|20)\d\d"
_YEARS = re.compile(_YEAR)
_NEWLINE = re.compile(r"\r\n|\r|\n")
# Years at the start of a line: a heading's leftover years, then the entry's own year.
_LEAD = re.compile(rf"^\s*(?P<extra>(?:{_YEAR}\s*)*)(?P<year>{_YEAR})(?!\d)")
# A year inside a line that may begin an entry (rule 1 of the module docstring).
_INNER = re.compile(rf"(?P<year>{_YEAR})(?P<sep>\s*[-–—]\s*(?=[^\d\s])|\s+(?=[^\s\-–—]))")
_NOT_BEFORE_YEAR = set("([{$€£#/-–—")
_DASH = re.compile(r"^\s*[-–—:]?\s*")
_TITLE_YEAR = re.compile(rf"^\s*(?P<title>.*?\w.*?)[\s,.]*\(\s*(?P<year>{_YEAR}[a-z]?)\s*\)[\s.]*$")
_BULLET = re.compile(r"^\s*[•·▪‣◦●○■□➢►*]")
_WORD = re.compile(r"[^\W_]")
_HEADING_MAX = 80

#: Heading words → doc_type; the first row with a word that a heading word starts with wins.
#: None: the heading names the list, not a type (the heading text still goes into keywords).
_DOC_TYPES: tuple[tuple[tuple[str, ...], str | None], ...] = (
    (("event", "conference", "webinar", "workshop", "seminar", "podcast", "video"), "event"),
    (("journal", "article", "commentar"), "journal article or commentary"),
    (("book", "chapter"), "book"),
    (("polic", "initiative", "legislation", "regulation"), "policy initiative"),
    (("report",), "report"),
    (("thes", "dissertation"), "thesis"),
    (("reference", "bibliograph", "citation", "source"), None),
)


@dataclass
class _Entry:
    year: str
    title: str
    line: int
    heading: str | None


def read(path: Path, source: FileSource) -> ParsedFile:
    """Read a reference list into raw records (title, year, doc_type, keywords, `_where`)."""
    text, warnings = read_text(path, source.encoding)
    entries, skipped = _parse(_NEWLINE.split(text))
    records = [_record(entry) for entry in entries]
    if not records:
        raise InputError(f"{source.name}: no reference-list entries found in {path}",
                         hint='each entry must start with a year ("2021 Title") or end with one in brackets '
                              '("Title (2021)"); for another format set format: in the protocol')
    return ParsedFile(records=records, warnings=[*warnings, *skipped], found=len(records))


def _parse(lines: list[str]) -> tuple[list[_Entry], list[str]]:
    """The entries of a reference list's lines, and warnings about skipped (title-less) years."""
    entries: list[_Entry] = []
    warnings: list[str] = []
    heading: str | None = None
    # The entries of the last entry line, while the lines below it may still continue its title.
    open_entries: list[_Entry] | None = None
    previous_blank = True
    for index, raw in enumerate(lines):
        number = index + 1
        line = raw.strip()
        if not line:
            open_entries, previous_blank = None, True
            continue
        was_blank, previous_blank = previous_blank, False
        if _LEAD.match(raw):
            found = _split_line(raw, number, heading)
            entries.extend(found)
            open_entries = found
            continue
        titled = None if _BULLET.match(raw) else _TITLE_YEAR.match(raw)
        if open_entries is not None and not titled and not _BULLET.match(raw):
            # A title wrapped onto this line.
            last = open_entries[-1]
            last.title = f"{last.title} {line}"
            continue
        open_entries = None
        if titled:
            entries.append(_Entry(titled.group("year"), titled.group("title"), number, heading))
        elif was_blank and _is_heading(line) and _entries_follow(lines, index + 1):
            heading = " ".join(line.split())
    kept = []
    for entry in entries:
        entry.title = _clean(entry.title)
        if _WORD.search(entry.title):
            kept.append(entry)
        else:
            warnings.append(f"line {entry.line}: year {entry.year} has no title; skipped")
    return kept, warnings


def _split_line(line: str, number: int, heading: str | None) -> list[_Entry]:
    """The entries of one line that starts with a year (see the module docstring for the rules).

    A heading's leftover years before the entry's own year come back as title-less entries, so
    that they are reported with the other skipped years.
    """
    lead = _LEAD.match(line)
    if lead is None:
        return []
    rest = line[lead.end():]
    candidates = [m for m in _INNER.finditer(rest) if m.start() == 0 or rest[m.start() - 1] not in _NOT_BEFORE_YEAR]
    boundaries: list[re.Match[str]] = []
    end = len(rest)
    for position in range(len(candidates) - 1, -1, -1):
        match = candidates[position]
        if _words(rest[match.end():end]) < 2:
            continue
        spaced = match.start() == 0 or rest[match.start() - 1].isspace()
        if spaced:
            since = candidates[position - 1].end() if position else 0
            if _words(rest[since:match.start()]) < 3:
                continue
        boundaries.append(match)
        end = match.start()
    boundaries.reverse()
    entries = [_Entry(year, "", number, heading) for year in _YEARS.findall(lead.group("extra"))]
    year, start = lead.group("year"), 0
    for match in boundaries:
        entries.append(_Entry(year, rest[start:match.start()], number, heading))
        year, start = match.group("year"), match.end()
    entries.append(_Entry(year, rest[start:], number, heading))
    return entries


def doc_type(heading: str) -> str | None:
    """The document type a section heading names ("National & International Reports" → "report")."""
    words = re.findall(r"[a-z]+", heading.lower())
    for keys, name in _DOC_TYPES:
        if any(word.startswith(keys) for word in words):
            return name
    return heading


def _record(entry: _Entry) -> dict[str, Any]:
    record: dict[str, Any] = {
        "title": entry.title,
        "year": entry.year,
        "doc_type": doc_type(entry.heading) if entry.heading else None,
        "_where": f"line {entry.line}",
    }
    if entry.heading:
        record["keywords"] = entry.heading
    return record


def _clean(text: str) -> str:
    """Whitespace (also non-breaking spaces) collapsed, the year's dash separator dropped."""
    return " ".join(_DASH.sub("", text, count=1).split())


def _words(text: str) -> int:
    return sum(1 for token in text.split() if _WORD.search(token))


def _is_heading(line: str) -> bool:
    return (len(line) <= _HEADING_MAX and not _BULLET.match(line) and not line.endswith((".", ":", ";", ","))
            and _WORD.search(line) is not None)


def _entries_follow(lines: list[str], start: int) -> bool:
    """Whether the next content line, past blank lines and introductions ending with ":", is an entry."""
    for raw in lines[start:]:
        line = raw.strip()
        if not line or line.endswith(":"):
            continue
        return bool(_LEAD.match(raw) or (_TITLE_YEAR.match(raw) and not _BULLET.match(raw)))
    return False
