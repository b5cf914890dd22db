"""The file formats slr imports: one reader function per format, in one typed table.

`read_source_file` (pipeline/sources/__init__.py) looks a format up here; a new format is a module
with a `read(path, source) -> ParsedFile` function and a row in `IMPORTERS`.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from . import bibtex, endnote_xml, nbib, reflist, ris, tabular, wos

if TYPE_CHECKING:
    from ..config import FileSource
    from . import ParsedFile


class Importer(Protocol):
    """Reads one export file into raw field dicts (keys of `records.BIB_FIELDS`, `_id`, `_where`)."""

    def __call__(self, path: Path, source: FileSource) -> ParsedFile: ...


#: Format name (the protocol's `format:`) → the function that reads it.
IMPORTERS: dict[str, Importer] = {
    "ris": ris.read,
    "wos": wos.read,
    "nbib": nbib.read,
    "bibtex": bibtex.read,
    "endnote_xml": endnote_xml.read,
    "csv": tabular.read,
    "tsv": tabular.read,
    "xlsx": tabular.read,
    "reflist": reflist.read,
}
