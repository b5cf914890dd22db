"""Checks on a workbook's zip before any reader parses it: bounded size, bounded sheets, no DTD.

python-calamine builds a sheet as one block of cells from A1 to the last cell it finds, so a
single cell at XFD1048576 makes it ask for 17 billion cells (512 GiB) and the process aborts; a
1.5 MB zip can hold 1.5 GB of sheet XML. Before calamine or openpyxl see a workbook, `check`
reads the zip's directory and streams every XML part once, in chunks, and refuses the workbook
(with the file, the part or sheet, the figure and the limit) when:

- the zip has more than `MAX_ENTRIES` entries;
- a part unpacks to more than `MAX_PART_BYTES`, all parts together to more than `MAX_TOTAL_BYTES`,
  or a large part (over `RATIO_FLOOR_BYTES`) is compressed more than `MAX_RATIO` times;
- a sheet's area — from A1 to its last row and column, by its `<dimension ref>` and by the
  references of its cells, whichever is larger — exceeds `MAX_CELLS`;
- an XML part declares a DOCTYPE (Excel never writes one; it is how entity expansion starts).

The limits are far above real exports (a 50,000-record screening workbook has about 1.5 million
cells in its largest sheet and parts of tens of MB) and are listed in the README.
"""

from __future__ import annotations

import re
import zipfile
from pathlib import Path

from .errors import WorkbookError

MAX_ENTRIES = 10_000
MAX_PART_BYTES = 1 << 30  # 1 GiB of XML in one part
MAX_TOTAL_BYTES = 2 << 30  # 2 GiB for the whole workbook
MAX_RATIO = 200  # uncompressed / compressed, for parts over RATIO_FLOOR_BYTES
RATIO_FLOOR_BYTES = 16 << 20
MAX_CELLS = 20_000_000  # rows × columns of a sheet's area from A1
_CHUNK = 1 << 20
_PROLOG = 4096  # a DOCTYPE comes before the root element: the first bytes suffice
_DOCTYPE = re.compile(rb"<!DOCTYPE|<!ENTITY", re.I)
_DIMENSION = re.compile(rb'<(?:\w+:)?dimension\b[^>]*\bref="([^"]*)"')
# The `r` attributes of cells (<c r="XFD1048576">: letters and digits) and rows (<row r="1048576">:
# digits only). Matching every reference of a 100 MB sheet costs seconds, so only the rare large
# ones are matched: columns of two or three letters (beyond Z) and rows of six or seven digits
# (from 100,000); without any, the sheet is within Z / 99,999. All references are matched only
# when that bound is not enough to clear the sheet.
_WIDE_COLUMNS = re.compile(rb'\sr="\$?([A-Z]{2,3})\$?\d')
_LONG_ROWS = re.compile(rb'\sr="\$?[A-Z]{0,3}\$?(\d{6,7})"')
_ALL_REFS = re.compile(rb'\sr="\$?([A-Z]{0,3})\$?(\d{1,7})"')
_REF = re.compile(r"\$?([A-Z]{1,3})\$?(\d{1,7})")
_HINT = "open it in Excel and save it again as .xlsx (or re-export it); if it is really this large, split it"


def column_number(letters: str) -> int:
    number = 0
    for char in letters:
        number = number * 26 + ord(char) - 64
    return number


def check(path: Path) -> None:
    """Refuse a workbook whose zip or sheets are beyond the limits (WorkbookError); say nothing
    about other damage, which the readers report."""
    path = Path(path)
    try:
        with zipfile.ZipFile(path) as archive:
            infos = archive.infolist()
            if len(infos) > MAX_ENTRIES:
                raise WorkbookError(f"{path}: the workbook's zip has {len(infos):,} parts (at most {MAX_ENTRIES:,})",
                                    hint=_HINT)
            total = 0
            for info in infos:
                total += info.file_size
                _check_size(path, info)
                if total > MAX_TOTAL_BYTES:
                    raise WorkbookError(f"{path}: the workbook unpacks to more than {_size(MAX_TOTAL_BYTES)} "
                                        f"(at most {_size(MAX_TOTAL_BYTES)})", hint=_HINT)
            sheets = _sheet_names(archive)
            for info in infos:
                if info.filename.endswith((".xml", ".rels", ".vml")) and not info.is_dir():
                    _check_part(path, archive, info, sheets.get(info.filename))
    except WorkbookError:
        raise
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, EOFError, NotImplementedError, ValueError) as exc:
        raise WorkbookError(f"{path}: cannot be read as an Excel workbook ({type(exc).__name__}: {exc})",
                            hint="open it in Excel and save it again as .xlsx, or re-export it") from None


def _check_size(path: Path, info: zipfile.ZipInfo) -> None:
    if info.file_size > MAX_PART_BYTES:
        raise WorkbookError(f"{path}: part {info.filename} unpacks to {_size(info.file_size)} "
                            f"(at most {_size(MAX_PART_BYTES)} per part)", hint=_HINT)
    if info.file_size > RATIO_FLOOR_BYTES and info.file_size > MAX_RATIO * max(info.compress_size, 1):
        raise WorkbookError(f"{path}: part {info.filename} is compressed {info.file_size / max(info.compress_size, 1):,.0f} "
                            f"times ({_size(info.compress_size)} → {_size(info.file_size)}; at most {MAX_RATIO} times "
                            f"for parts over {_size(RATIO_FLOOR_BYTES)}): a zip bomb?", hint=_HINT)


def _check_part(path: Path, archive: zipfile.ZipFile, info: zipfile.ZipInfo, sheet: str | None) -> None:
    """Stream one XML part: no DOCTYPE in its prolog; for a worksheet, its area within MAX_CELLS."""
    where = f'sheet "{sheet}" ({info.filename})' if sheet else f"part {info.filename}"
    read = 0
    max_row = max_col = 0
    tail = b""
    with archive.open(info) as handle:
        while True:
            chunk = handle.read(_CHUNK)
            if not chunk:
                break
            if read < _PROLOG and _DOCTYPE.search((tail + chunk)[: _PROLOG + len(tail)]):
                raise WorkbookError(f"{path}, {where}: the XML declares a DOCTYPE, which Excel never writes; "
                                    "slr does not read XML with document type declarations (entities)",
                                    hint="open it in Excel and save it again as .xlsx, or re-export it")
            read += len(chunk)
            if read > info.file_size + _CHUNK:  # the directory lied about the size
                raise WorkbookError(f"{path}: part {info.filename} unpacks to more than its stated "
                                    f"{_size(info.file_size)}", hint=_HINT)
            if sheet is None:
                if read >= _PROLOG:
                    return  # other parts: only the prolog matters
                tail = chunk[-64:]
                continue
            data = tail + chunk
            if max_row == 0 and max_col == 0:
                dimension = _DIMENSION.search(data)
                if dimension:
                    for ref in dimension.group(1).decode("ascii", "replace").split(":"):
                        match = _REF.fullmatch(ref.strip())
                        if match:
                            max_col = max(max_col, column_number(match.group(1)))
                            max_row = max(max_row, int(match.group(2)))
            columns = set(_WIDE_COLUMNS.findall(data))
            col_bound = max(max_col, 26, *(column_number(c.decode()) for c in columns))
            rows = set(_LONG_ROWS.findall(data))
            row_bound = max(max_row, 99_999, *map(int, rows))
            if row_bound * col_bound > MAX_CELLS:  # the bounds do not clear it: every reference
                found = set(_ALL_REFS.findall(data))
                max_col = max(max_col, *(column_number(c.decode()) for c, _ in found)) if found else max_col
                max_row = max(max_row, *(int(r) for _, r in found)) if found else max_row
            if max_row * max_col > MAX_CELLS:
                raise WorkbookError(f"{path}, {where}: the sheet reaches row {max_row:,} and column {max_col:,} "
                                    f"({max_row * max_col:,} cells from A1; at most {MAX_CELLS:,})",
                                    hint="delete the stray cells far below or to the right of the table "
                                         "(Ctrl+End shows the last cell), save, and import again")
            # Keep the end of the chunk: a reference may be cut in two at the boundary.
            tail = chunk[-256:]


def _sheet_names(archive: zipfile.ZipFile) -> dict[str, str]:
    """{part name: sheet name} from workbook.xml and its relationships (best effort)."""
    try:
        workbook = archive.read("xl/workbook.xml") if archive.getinfo("xl/workbook.xml").file_size < (16 << 20) else b""
        rels = archive.read("xl/_rels/workbook.xml.rels") \
            if archive.getinfo("xl/_rels/workbook.xml.rels").file_size < (16 << 20) else b""
    except KeyError:
        workbook = rels = b""
    targets = {m.group(1): m.group(2) for m in re.finditer(
        rb'<Relationship\b[^>]*?\bId="([^"]+)"[^>]*?\bTarget="([^"]+)"', rels)}
    targets.update({m.group(2): m.group(1) for m in re.finditer(
        rb'<Relationship\b[^>]*?\bTarget="([^"]+)"[^>]*?\bId="([^"]+)"', rels)})
    names: dict[str, str] = {}
    for match in re.finditer(rb'<(?:\w+:)?sheet\b[^>]*?\bname="([^"]*)"[^>]*?\br:id="([^"]+)"', workbook):
        target = targets.get(match.group(2))
        if target:
            part = target.decode("utf-8", "replace").lstrip("/")
            part = part if part.startswith("xl/") else f"xl/{part}"
            names[part] = match.group(1).decode("utf-8", "replace")
    for info in archive.infolist():  # sheets not named in workbook.xml are still sheets
        if re.fullmatch(r"xl/worksheets/[^/]+\.xml", info.filename):
            names.setdefault(info.filename, info.filename.rsplit("/", 1)[-1][:-4])
    return names


def _size(count: int) -> str:
    for unit, size in (("GiB", 1 << 30), ("MiB", 1 << 20), ("KiB", 1 << 10)):
        if count >= size:
            return f"{count / size:,.1f} {unit}"
    return f"{count} bytes"
