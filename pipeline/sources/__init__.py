"""Sources: one module per file format and per API. Only this package reads input files or the network.

A file importer is a function `read(path, source) -> ParsedFile`, registered by format in
`formats.IMPORTERS` (API connectors: `connectors.CONNECTORS`). It turns a file into raw field
dicts (keys from `records.BIB_FIELDS`, plus `_id` for the file's own record id and `_where` for a
location such as "line 120" used in warnings). Normalisation and record ids are done once, in
`records.make_records`, so every importer gives the same columns.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..config import FILE_FORMATS, FileSource
from ..errors import InputError
from .text import read_text

@dataclass
class ParsedFile:
    """What an importer read from one file."""

    records: list[dict[str, Any]]
    warnings: list[str] = field(default_factory=list)
    #: Entries the file holds by the importer's own count (equal to len(records) unless some were skipped).
    found: int | None = None


def sniff_format(path: Path, encoding: str | None = None) -> str:
    """Tell a `.txt` export's format from its first lines: RIS, WoS tagged, MEDLINE, or a reference list."""
    text, _ = read_text(path, encoding)
    head = [line for line in text.splitlines()[:60] if line.strip()]
    for line in head[:20]:
        if line.startswith(("TY  -", "TY -")):
            return "ris"
        if line.startswith(("FN ", "PT ", "VR ")):
            return "wos"
        if line.startswith(("PMID-", "PMID -")):
            return "nbib"
    if any(line[:6].rstrip().endswith("  -") or line[2:6] == "  - " for line in head[:5]):
        return "ris"
    return "reflist"


def read_source_file(source: FileSource) -> tuple[ParsedFile, str]:
    """Read a file source with the importer for its format; returns (parsed, format used)."""
    path = source.path
    if not path.exists():
        raise InputError(f"{source.name}: file not found: {path}", hint="check the source's path: in the protocol")
    if path.is_dir():
        raise InputError(f"{source.name}: {path} is a folder, not a file")
    if path.stat().st_size == 0:
        raise InputError(f"{source.name}: {path} is empty (0 bytes)",
                         hint="export the records again, or remove the source from the protocol")
    from .formats import IMPORTERS  # the readers import ParsedFile from here

    fmt = source.resolved_format() or sniff_format(path, source.encoding)
    if fmt not in IMPORTERS:
        raise InputError(f'{source.name}: unknown format "{fmt}"', hint=f"one of: {', '.join(FILE_FORMATS)}")
    if getattr(source, "type", "file") == "suggestions":  # readers' suggestions: a table with checks of its own
        from .suggestions import read as importer
    else:
        importer = IMPORTERS[fmt]
    parsed = importer(path, source if fmt == source.format else _with_format(source, fmt))
    if not parsed.records:
        raise InputError(f"{source.name}: no records found in {path} (read as {fmt})",
                         hint="check that the file is an export in that format, or set format: in the protocol")
    return parsed, fmt


def _with_format(source: FileSource, fmt: str) -> FileSource:
    import dataclasses

    return dataclasses.replace(source, format=fmt)
