"""Readers' suggestions (`type: suggestions`): a CSV, TSV or XLSX with title, link, suggested_by, note.

Read with the table importer (so the same header aliases, encodings and workbook guards apply);
each row must name a title (a link alone cannot be screened). The records carry the keyword
"suggested by readers" so screening, the catalogue and the site can tell them apart; a DOI link
becomes the record's DOI (records.py does that for any `url`). The suggester's name and note stay
in the kept copy of the file under data/<id>/imports/: they are for the review team, and are not
published on the site.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

from ..config import FileSource
from ..errors import InputError
from . import ParsedFile
from .tabular import read as read_table

#: The keyword every suggested record carries (a site category or a screening rule may use it).
SUGGESTED = "suggested by readers"
FORMATS = ("csv", "tsv", "xlsx")


def read(path: Path, source: FileSource) -> ParsedFile:
    """Read a suggestions file into raw records (see the module docstring)."""
    fmt = source.resolved_format()
    if fmt not in FORMATS:
        raise InputError(f"{source.name}: {path.name} is not a CSV, TSV or XLSX file",
                         hint="save the suggestions as .csv or .xlsx with the columns title, link, suggested_by, note")
    # suggested_by and note are read as nothing: the table importer ignores headers it does not map.
    parsed = read_table(path, dataclasses.replace(source, format=fmt))
    for raw in parsed.records:
        if not str(raw.get("title") or "").strip():
            raise InputError(f"{path}, {raw.get('_where', 'a row')}: a suggestion without a title",
                             hint="give every suggestion a title (and a link where there is one), or delete the row")
        keywords = str(raw.get("keywords") or "").strip()
        raw["keywords"] = f"{keywords}; {SUGGESTED}" if keywords else SUGGESTED
    return parsed
