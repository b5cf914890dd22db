"""Workbooks people fill in: written formula-safe and styled, read back with cell-exact errors.

Every workbook the pipeline writes (dedupe review, screening, coding, synthesis) goes through
`write_workbook`, and every workbook it reads back through `read_sheet`, so that:

- no cell ever becomes a formula: text starting with = + - @ is written escaped (`store.escape_cell`)
  and unescaped on reading; a formula a reviewer types is read as its text, never evaluated;
- the columns a reviewer fills have dropdowns from the protocol's vocabularies (lists live on a
  hidden `Lists` sheet, because Excel caps an inline list at 255 characters) and a fill colour;
- header frozen, filters on, widths and wrapping set, DOIs as links, protocol terms in bold;
- an error names the file, the sheet, the cell and what to do.
"""

from __future__ import annotations

import re
import zipfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd
from openpyxl import Workbook, load_workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.cell.rich_text import CellRichText, TextBlock
from openpyxl.cell.text import InlineFont
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter, quote_sheetname
from openpyxl.utils.exceptions import InvalidFileException
from openpyxl.worksheet.datavalidation import DataValidation

from .errors import WorkbookError, did_you_mean
from .store import atomic_path, escape_cell, unescape_cell

#: Excel's limit on the characters in one cell.
MAX_CELL = 32_767
LISTS_SHEET = "Lists"
_HEADER_FONT = Font(bold=True, color="FFFFFF")
_HEADER_FILL = PatternFill("solid", fgColor="305496")
_EDIT_FILL = PatternFill("solid", fgColor="FFF2CC")
_EDIT_HEADER_FILL = PatternFill("solid", fgColor="BF8F00")
_MARK = InlineFont(b=True, color="C00000")
_HEADER_ALIGN = Alignment(vertical="top", wrap_text=True)
_LINK_FONT = Font(color="0563C1", underline="single")


@dataclass(frozen=True)
class Column:
    """How one column of a sheet looks and behaves."""

    name: str
    width: float = 14
    wrap: bool = False
    #: A dropdown of allowed values (the reviewer may also leave the cell empty).
    choices: tuple[str, ...] | None = None
    #: A column the reviewer fills in: coloured, and named in `read_sheet`'s errors.
    editable: bool = False
    #: Show values as links: "doi" (to https://doi.org/…) or "url".
    link: str | None = None
    number_format: str | None = None
    hidden: bool = False
    #: Put the matches of the sheet's `highlight` pattern in bold red.
    highlight: bool = False


@dataclass
class Sheet:
    """One sheet: a frame and how to show it. Columns not described get plain defaults."""

    name: str
    frame: pd.DataFrame
    columns: Sequence[Column] = ()
    hidden: bool = False
    freeze: str | None = "A2"
    filters: bool = True
    #: Matches to mark in the columns with `highlight=True` (e.g. the protocol's relevance terms).
    highlight: re.Pattern[str] | None = None


def write_workbook(path: Path, sheets: Iterable[Sheet]) -> None:
    """Write the sheets to `path` atomically (an open copy in Excel is never half-written).

    openpyxl's write-only mode streams rows, so a 50,000-row workbook is written in seconds; only
    cells that need a style (wrapped, editable, linked, numbers) carry one.
    """
    book = Workbook(write_only=True)
    lists: list[tuple[str, ...]] = []
    for sheet in sheets:
        _write_sheet(book, sheet, lists)
    if lists:
        holder = book.create_sheet(LISTS_SHEET)
        holder.sheet_state = "hidden"
        for row in range(max(len(values) for values in lists)):
            holder.append([escape_cell(values[row]) if row < len(values) else None for values in lists])
    with atomic_path(path) as tmp:
        book.save(tmp)


def _write_sheet(book: Workbook, sheet: Sheet, lists: list[tuple[str, ...]]) -> None:
    ws = book.create_sheet(_safe_title(sheet.name))
    spec = {c.name: c for c in sheet.columns}
    names = [str(c) for c in sheet.frame.columns]
    columns = [spec.get(name, Column(name)) for name in names]
    rows = len(sheet.frame)
    for col, column in enumerate(columns, start=1):
        letter = get_column_letter(col)
        ws.column_dimensions[letter].width = column.width
        if column.hidden:
            ws.column_dimensions[letter].hidden = True
        if column.choices is not None and rows:
            lists.append(tuple(column.choices))
            target = get_column_letter(len(lists))
            rule = DataValidation(type="list", formula1=f"={quote_sheetname(LISTS_SHEET)}!${target}$1:${target}$"
                                                        f"{max(len(column.choices), 1)}",
                                  allow_blank=True, showErrorMessage=True, errorTitle=f"{column.name}: not in the list",
                                  error=f"Choose one of the {column.name} values in the dropdown, or leave it empty.")
            rule.add(f"{letter}2:{letter}{rows + 1}")
            ws.data_validations.append(rule)
    if sheet.freeze:
        ws.freeze_panes = sheet.freeze
    if sheet.filters and names:
        ws.auto_filter.ref = f"A1:{get_column_letter(len(names))}{rows + 1}"
    if sheet.hidden:
        ws.sheet_state = "hidden"
    header = []
    for name, column in zip(names, columns, strict=True):
        cell = WriteOnlyCell(ws, value=escape_cell(name))
        cell.font, cell.alignment = _HEADER_FONT, _HEADER_ALIGN
        cell.fill = _EDIT_HEADER_FILL if column.editable else _HEADER_FILL
        header.append(cell)
    ws.append(header)
    wrap = Alignment(vertical="top", wrap_text=True)
    styled = [column.wrap or column.editable or column.number_format or column.link for column in columns]
    marks = sheet.highlight
    for values in sheet.frame.itertuples(index=False, name=None):
        out: list[Any] = []
        for value, column, needs_style in zip(values, columns, styled, strict=True):
            value = _cell_value(value)
            if column.highlight and marks is not None and isinstance(value, str):
                value = _rich(value, marks)
            else:
                value = escape_cell(value)
            if not needs_style:
                out.append(value)
                continue
            cell = WriteOnlyCell(ws, value=value)
            if column.wrap:
                cell.alignment = wrap
            if column.editable:
                cell.fill = _EDIT_FILL
            if column.number_format:
                cell.number_format = column.number_format
            if column.link and isinstance(value, str) and value:
                target = f"https://doi.org/{value}" if column.link == "doi" and not value.startswith("http") else value
                if target.startswith(("https://", "http://")):
                    cell.hyperlink = target
                    cell.font = _LINK_FONT
            out.append(cell)
        ws.append(out)


def _cell_value(value: Any) -> Any:
    """A value openpyxl can store: no NaN, no control characters, at most Excel's cell length."""
    if value is None or (isinstance(value, float) and value != value) or value is pd.NA or value is pd.NaT:
        return None
    if hasattr(value, "item") and not isinstance(value, str):  # numpy scalars
        value = value.item()
    if isinstance(value, str):
        value = ILLEGAL_CHARACTERS_RE.sub("", value)
        if len(value) > MAX_CELL:
            value = value[: MAX_CELL - 20] + " … [cut at 32,767]"
    return value


def _rich(text: str, pattern: re.Pattern[str]) -> CellRichText | str:
    """Text with the pattern's matches in bold red; plain escaped text when nothing matches."""
    parts: list[str | TextBlock] = []
    last = 0
    for match in pattern.finditer(text):
        if match.start() == match.end():
            continue
        if match.start() > last:
            parts.append(text[last:match.start()])
        parts.append(TextBlock(_MARK, match.group(0)))
        last = match.end()
    if not any(isinstance(p, TextBlock) for p in parts):
        return escape_cell(text)
    if last < len(text):
        parts.append(text[last:])
    if isinstance(parts[0], str):  # the escape must survive in the first run of text
        parts[0] = escape_cell(parts[0])
    return CellRichText(parts)


def _safe_title(name: str) -> str:
    """Sheet titles: at most 31 characters, none of []:*?/\\."""
    return re.sub(r"[\[\]:*?/\\]", "-", name)[:31]


# ---------------------------------------------------------------------------------------------
# Reading back


def cell_ref(column: int, row: int) -> str:
    """1-based column and row → "C12"."""
    return f"{get_column_letter(column)}{row}"


def open_workbook(path: Path) -> Any:
    """Open a workbook for reading, or say why it cannot be read."""
    path = Path(path)
    if not path.exists():
        raise WorkbookError(f"{path}: file not found", hint="check the path of the workbook")
    if path.suffix.lower() not in (".xlsx", ".xlsm"):
        raise WorkbookError(f"{path}: not an Excel workbook (.xlsx)",
                            hint="save the file as an Excel workbook (.xlsx) and import that")
    try:
        # Read-only streams the rows (fast on 50,000-row sheets); values only, never formulas' results.
        return load_workbook(path, read_only=True, data_only=False, rich_text=False)
    except (zipfile.BadZipFile, InvalidFileException, KeyError, OSError, ValueError) as exc:
        raise WorkbookError(f"{path}: cannot be read as an Excel workbook ({type(exc).__name__}: {exc})",
                            hint="open it in Excel and save it again as .xlsx, or re-export it") from None


def read_sheet(path: Path, sheet: str, *, required: Sequence[str] = (), book: Any = None) -> pd.DataFrame:
    """Read one sheet into text columns named by its header row, plus `_row` (the Excel row).

    Values come back unescaped (`store.unescape_cell`); numbers stay numbers; empty cells are None.
    A formula typed by a reviewer is kept as its text ("=A1") and never evaluated.
    """
    book = book if book is not None else open_workbook(path)
    if sheet not in book.sheetnames:
        visible = [name for name in book.sheetnames if book[name].sheet_state == "visible"]
        raise WorkbookError(f'{path}: no sheet "{sheet}"{did_you_mean(sheet, book.sheetnames)}',
                            hint=f"sheets are: {', '.join(visible)}; import the workbook slr wrote, "
                                 "with its sheets unrenamed")
    ws = book[sheet]
    rows = ws.iter_rows(values_only=True)
    header = next(rows, None) or ()
    names = [unescape_cell(str(v)).strip() if v is not None else "" for v in header]
    missing = [name for name in required if name not in names]
    if missing:
        found = ", ".join(n for n in names if n) or "none"
        raise WorkbookError(
            f'{path}, sheet "{sheet}": column(s) {", ".join(missing)} missing from row 1 '
            f'(found: {found}){did_you_mean(missing[0], [n for n in names if n])}',
            hint="do not rename or delete the header cells; re-export the workbook if they are lost")
    seen: dict[str, int] = {}
    for index, name in enumerate(names):
        if name and name in seen:
            raise WorkbookError(f'{path}, sheet "{sheet}": column "{name}" appears twice in row 1 '
                                f"({cell_ref(seen[name] + 1, 1)} and {cell_ref(index + 1, 1)})",
                                hint="delete the copy of the column")
        seen[name] = index
    records = []
    for number, values in enumerate(rows, start=2):
        if values is None or all(v is None or (isinstance(v, str) and not v.strip()) for v in values):
            continue
        row: dict[str, Any] = {"_row": number}
        for name, index in seen.items():
            value = values[index] if index < len(values) else None
            if isinstance(value, str):
                value = unescape_cell(value)
                value = value if value.strip() else None
            row[name] = value
        records.append(row)
    # object dtype: pandas would otherwise turn empty cells of text columns into NaN.
    return pd.DataFrame(records, columns=["_row", *seen], dtype=object)


def column_ref(frame: pd.DataFrame, name: str, row: int) -> str:
    """The cell ("F7") holding column `name` of the Excel row `row`, for error messages."""
    names = [c for c in frame.columns if c != "_row"]
    return cell_ref(names.index(name) + 1, row) if name in names else f"row {row}"


def check_choice(value: Any, choices: Sequence[str], *, where: str, column: str) -> str | None:
    """A dropdown value as typed (case and spaces forgiven), or a WorkbookError saying what is allowed."""
    if value is None:
        return None
    text = str(value).strip()
    if not text:
        return None
    for choice in choices:
        if text.casefold() == choice.casefold():
            return choice
    raise WorkbookError(f'{where}: {column} "{text}" is not one of: {", ".join(choices)}'
                        f"{did_you_mean(text, list(choices))}",
                        hint="pick a value from the cell's dropdown, or clear the cell")
