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
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd
import xlsxwriter
from defusedxml import ElementTree as DefusedET
from python_calamine import CalamineWorkbook
from xlsxwriter.utility import xl_col_to_name

from . import xlsx_guard
from .errors import WorkbookError, did_you_mean
from .store import FORMULA_FIRST, atomic_path, escape_cell, paused_gc, unescape_cell
from .xlsx_bulk import BulkWorksheet

#: Excel's limit on the characters in one cell.
MAX_CELL = 32_767
CONSTANT_MEMORY = False
LISTS_SHEET = "Lists"
#: A formula cell in a worksheet's XML (not `<formula1>` of a data validation).
_FORMULA_XML = re.compile(rb"<f>|<f ")


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
    #: What to mark in the columns with `highlight=True` (e.g. the protocol's relevance terms): a
    #: regex, or a function giving a text's (start, end) spans.
    highlight: re.Pattern[str] | Callable[[str], Iterable[tuple[int, int]]] | None = None


def write_workbook(path: Path, sheets: Iterable[Sheet]) -> None:
    """Write the sheets to `path` atomically (an open copy in Excel is never half-written).

    Every text is written as a string cell (`strings_to_formulas` off), never as a formula. Plain
    cells are stored and written in bulk (`xlsx_bulk.BulkWorksheet`), so a 50,000-row workbook takes seconds.
    """
    sheets = list(sheets)
    with atomic_path(path) as tmp, paused_gc():
        book = xlsxwriter.Workbook(str(tmp), {"constant_memory": CONSTANT_MEMORY, "strings_to_formulas": False,
                                              "strings_to_urls": False, "strings_to_numbers": False})
        styles = _Styles(book)
        lists: list[tuple[str, ...]] = []
        for sheet in sheets:
            _write_sheet(book, sheet, lists, styles)
        if lists:
            holder = book.add_worksheet(LISTS_SHEET)
            holder.hide()
            # Row by row: in constant_memory mode a row is final once the next one is written.
            for row in range(max(len(values) for values in lists)):
                for col, values in enumerate(lists):
                    if row < len(values):
                        holder.write_string(row, col, escape_cell(values[row]))
        book.close()


class _Styles:
    """The few cell formats every sheet shares (XlsxWriter wants them made once per workbook)."""

    def __init__(self, book: Any) -> None:
        self.header = book.add_format({"bold": True, "font_color": "#FFFFFF", "bg_color": "#305496",
                                       "text_wrap": True, "valign": "top"})
        self.edit_header = book.add_format({"bold": True, "font_color": "#FFFFFF", "bg_color": "#BF8F00",
                                            "text_wrap": True, "valign": "top"})
        self.mark = book.add_format({"bold": True, "font_color": "#C00000"})
        self._book, self._cells = book, {}

    def cell(self, column: Column) -> Any:
        key = (column.wrap, column.editable, column.number_format, bool(column.link))
        if key not in self._cells:
            spec: dict[str, Any] = {"valign": "top"}
            if column.wrap:
                spec["text_wrap"] = True
            if column.editable:
                spec["bg_color"] = "#FFF2CC"
            if column.number_format:
                spec["num_format"] = column.number_format
            if column.link:
                spec.update(font_color="#0563C1", underline=1)
            self._cells[key] = self._book.add_format(spec)
        return self._cells[key]


def _write_sheet(book: Any, sheet: Sheet, lists: list[tuple[str, ...]], styles: _Styles) -> None:
    ws = book.add_worksheet(_safe_title(sheet.name), worksheet_class=BulkWorksheet)
    spec = {c.name: c for c in sheet.columns}
    names = [str(c) for c in sheet.frame.columns]
    columns = [spec.get(name, Column(name)) for name in names]
    rows = len(sheet.frame)
    formats = [styles.cell(column) for column in columns]
    for col, column in enumerate(columns):
        ws.set_column(col, col, column.width, None, {"hidden": True} if column.hidden else {})
        if column.choices is not None and rows:
            lists.append(tuple(column.choices))
            target = xl_col_to_name(len(lists) - 1)
            ws.data_validation(1, col, rows, col, {
                "validate": "list", "source": f"='{LISTS_SHEET}'!${target}$1:${target}$"
                                              f"{max(len(column.choices), 1)}",
                "ignore_blank": True, "error_title": f"{column.name}: not in the list"[:32],
                "error_message": f"Choose one of the {column.name} values in the dropdown, or leave it empty."})
    if sheet.freeze:
        ws.freeze_panes(sheet.freeze)
    if sheet.filters and names:
        ws.autofilter(0, 0, rows, len(names) - 1)
    if sheet.hidden:
        ws.hide()
    for col, (name, column) in enumerate(zip(names, columns, strict=True)):
        ws.write_string(0, col, escape_cell(name), styles.edit_header if column.editable else styles.header)
    marks = sheet.highlight
    # Column by column (cells may come in any order outside constant_memory), each column's values
    # cleaned in one go: at 50,000 rows the per-cell Python work is what a workbook's time is made of.
    for col, column in enumerate(columns):
        _write_column(ws, col, column, _clean_values(sheet.frame.iloc[:, col].tolist()), formats[col],
                      marks if column.highlight else None, styles)


def _write_column(ws: Any, col: int, column: Column, values: list[Any], style: Any,
                  marks: re.Pattern[str] | Callable[[str], Iterable[tuple[int, int]]] | None, styles: _Styles) -> None:
    """Write a column's cleaned, escaped values (`_clean_values`) from row 1 down.

    Plain strings, finite numbers and the blanks of editable columns are stored in bulk
    (`xlsx_bulk.BulkWorksheet`); links, highlighted text and anything unusual go through
    XlsxWriter's write methods. Either way the cells are written in row order, so shared strings
    are numbered as XlsxWriter numbers them.
    """
    bulk = isinstance(ws, BulkWorksheet) and ws.bulk(len(values), col)
    put_string, put_number = (ws.put_string, ws.put_number) if bulk else (None, None)
    for row, value in enumerate(values, start=1):
        if value is None:
            if column.editable and style is not None:
                if bulk:
                    ws.put_blank(row, col, style)
                else:
                    ws.write_blank(row, col, None, style)
            continue
        if isinstance(value, str):
            if column.link and value:
                target = f"https://doi.org/{value}" if column.link == "doi" and not value.startswith("http") else value
                if target.startswith(("https://", "http://")) and len(target) < 2000:
                    ws.write_url(row, col, target, style, value)
                    continue
            if marks is not None and _write_marked(ws, row, col, value, marks, style, styles):
                continue
            if not (bulk and put_string(row, col, value, style)):
                ws.write_string(row, col, value, style)
        elif isinstance(value, bool):
            ws.write_boolean(row, col, value, style)
        elif isinstance(value, (int, float)):
            if not (bulk and put_number(row, col, value, style)):
                ws.write_number(row, col, value, style)
        else:
            ws.write_string(row, col, str(value), style)
    if bulk:
        ws.end_column(col)


def _write_marked(ws: Any, row: int, col: int, text: str,
                  marks: re.Pattern[str] | Callable[[str], Iterable[tuple[int, int]]], style: Any,
                  styles: _Styles) -> bool:
    """Write `text` with the marked spans in bold red; False when nothing is marked."""
    spans = (m.span() for m in marks.finditer(text)) if isinstance(marks, re.Pattern) else marks(text)
    parts: list[Any] = []
    last = 0
    for start, end in spans:
        if end <= start or start < last:
            continue
        if start > last:
            parts.append(text[last:start])
        parts += [styles.mark, text[start:end]]
        last = end
    if not parts:
        return False
    if last < len(text):
        parts.append(text[last:])
    if len(parts) == 2:  # the whole text is one match: XlsxWriter wants two fragments at least
        parts.append(" ")
    ws.write_rich_string(row, col, *parts, style)
    return True


#: openpyxl.cell.cell.ILLEGAL_CHARACTERS_RE, the control characters a cell cannot hold; copied so
#: that writing a workbook does not import openpyxl (0.14 s of every `slr dedupe`), which only
#: reading one with formulas needs (tests/test_sheets.py checks the copy against openpyxl's).
ILLEGAL_CHARACTERS_RE = re.compile(r"[\000-\010]|[\013-\014]|[\016-\037]")

#: The characters `ILLEGAL_CHARACTERS_RE` removes, all ASCII control characters: as UTF-8 bytes
#: they can be looked for in a whole column at once (bytes below 0x80 are ASCII characters only).
_ILLEGAL_BYTES = bytes(code for code in range(128) if ILLEGAL_CHARACTERS_RE.match(chr(code)))
_ILLEGAL_IS_ASCII = ILLEGAL_CHARACTERS_RE.pattern == r"[\000-\010]|[\013-\014]|[\016-\037]"


def _clean_values(values: list[Any]) -> list[Any]:
    """`_cell_value` then `escape_cell` over a column; control characters are looked for once in
    the whole column, and only texts starting with a formula character are tested for escaping."""
    out = [value if value is None or value.__class__ is str else _cell_value(value) for value in values]
    texts = [index for index, value in enumerate(out) if isinstance(value, str)]
    if not texts:
        return out
    if _ILLEGAL_IS_ASCII:
        encoded = [out[index].encode("utf-8", "surrogatepass") for index in texts]
        whole = b"".join(encoded)
        if len(whole.translate(None, _ILLEGAL_BYTES)) != len(whole):
            for index, data in zip(texts, encoded, strict=True):
                if len(data.translate(None, _ILLEGAL_BYTES)) != len(data):
                    out[index] = ILLEGAL_CHARACTERS_RE.sub("", out[index])
    else:
        for index in texts:
            out[index] = ILLEGAL_CHARACTERS_RE.sub("", out[index])
    if max(len(out[index]) for index in texts) > MAX_CELL:
        for index in texts:
            out[index] = _cell_value(out[index], dirty=False)
    for index in texts:
        if out[index][:1] in FORMULA_FIRST:
            out[index] = escape_cell(out[index])
    return out


def _cell_value(value: Any, dirty: bool = True) -> Any:
    """A value a workbook can store: no NaN, no control characters, at most Excel's cell length."""
    if value is None or (isinstance(value, float) and value != value) or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, str):
        if dirty:
            value = ILLEGAL_CHARACTERS_RE.sub("", value)
        if len(value) > MAX_CELL:
            value = value[: MAX_CELL - 20] + " … [cut at 32,767]"
        return value
    if hasattr(value, "item"):  # numpy scalars
        value = value.item()
    return value


def _safe_title(name: str) -> str:
    """Sheet titles: at most 31 characters, none of []:*?/\\."""
    return re.sub(r"[\[\]:*?/\\]", "-", name)[:31]


# ---------------------------------------------------------------------------------------------
# Reading back


def cell_ref(column: int, row: int) -> str:
    """1-based column and row → "C12"."""
    return f"{xl_col_to_name(column - 1)}{row}"


@dataclass
class Book:
    """A workbook opened for reading: sheet names, which are visible, and rows of values.

    Values come from python-calamine (a Rust reader: 50,000 rows in about a second). A sheet whose
    XML holds a formula is read with openpyxl instead, which returns the formula's text ("=A1")
    where calamine would return its cached result, and says which cells are formulas — so a typed
    formula is seen, never evaluated, and never mistaken for a text slr wrote that starts with "=".
    """

    path: Path
    sheetnames: list[str]
    visible: list[str]
    _calamine: Any
    _formula_sheets: set[str]

    def rows(self, sheet: str) -> list[list[Any]]:
        return self.cells(sheet)[0]

    def cells(self, sheet: str) -> tuple[list[list[Any]], set[tuple[int, int]]]:
        """The sheet's rows of values, and the (Excel row, 0-based column) of its formula cells."""
        try:
            return self._cells(sheet)
        except WorkbookError:
            raise
        except Exception as exc:  # damaged sheet XML: calamine and openpyxl raise many types
            raise WorkbookError(f'{self.path}, sheet "{sheet}": the sheet cannot be read '
                                f"({type(exc).__name__}: {str(exc)[:200]})",
                                hint="open the workbook in Excel and save it again as .xlsx, or re-export it") from None

    def _cells(self, sheet: str) -> tuple[list[list[Any]], set[tuple[int, int]]]:
        if sheet in self._formula_sheets:
            from openpyxl import load_workbook  # only for sheets with formulas: slow to import

            book = load_workbook(self.path, read_only=True, data_only=False, rich_text=False)
            try:
                rows, formulas = [], set()
                for number, row in enumerate(book[sheet].iter_rows(), start=1):
                    values = []
                    for index, cell in enumerate(row):
                        values.append(getattr(cell, "value", None))
                        if getattr(cell, "data_type", None) == "f":
                            formulas.add((number, index))
                    rows.append(values)
                return rows, formulas
            finally:
                book.close()
        return self._calamine.get_sheet_by_name(sheet).to_python(skip_empty_area=False), set()


def _sheet_parts(archive: zipfile.ZipFile) -> dict[str, str]:
    """Sheet name → its worksheet part in the zip ("xl/worksheets/sheet3.xml"), read from
    xl/workbook.xml and its relationships: a sheet's part need not match its position."""
    workbook = DefusedET.fromstring(archive.read("xl/workbook.xml"))
    rels = DefusedET.fromstring(archive.read("xl/_rels/workbook.xml.rels"))
    targets = {rel.get("Id"): rel.get("Target", "") for rel in rels}
    parts = {}
    for element in workbook.iter():
        if element.tag.endswith("}sheet") or element.tag == "sheet":
            rid = next((v for k, v in element.attrib.items() if k.endswith("}id")), None)
            target = targets.get(rid, "")
            parts[element.get("name", "")] = target.lstrip("/") if target.startswith("/") else f"xl/{target}"
    return parts


def open_workbook(path: Path) -> Book:
    """Open a workbook for reading, or say why it cannot be read."""
    path = Path(path)
    if not path.exists():
        raise WorkbookError(f"{path}: file not found", hint="check the path of the workbook")
    if path.suffix.lower() not in (".xlsx", ".xlsm"):
        raise WorkbookError(f"{path}: not an Excel workbook (.xlsx)",
                            hint="save the file as an Excel workbook (.xlsx) and import that")
    xlsx_guard.check(path)  # sizes, sheet areas and DTDs, before any parser sees the file
    try:
        with zipfile.ZipFile(path) as archive:
            formulas = {name for name in archive.namelist()
                        if name.startswith("xl/worksheets/") and name.endswith(".xml")
                        and _FORMULA_XML.search(archive.read(name))}
            parts = _sheet_parts(archive) if formulas else {}
        calamine = CalamineWorkbook.from_path(str(path))
        meta = calamine.sheets_metadata
    except Exception as exc:  # zip, XML and calamine errors all mean: not a readable workbook
        raise WorkbookError(f"{path}: cannot be read as an Excel workbook ({type(exc).__name__}: {exc})",
                            hint="open it in Excel and save it again as .xlsx, or re-export it") from None
    names = [m.name for m in meta]
    visible = [m.name for m in meta if str(m.visible).endswith("Visible")]
    # Every sheet whose own part holds a formula is read with openpyxl, whatever the parts' order
    # in the zip; a part no sheet names (an unusual layout) makes every sheet be read so.
    formula_sheets = {name for name in names if parts.get(name) in formulas}
    if formulas - {parts.get(name) for name in names}:
        formula_sheets = set(names)
    return Book(path, names, visible, calamine, formula_sheets)


def read_sheet(path: Path, sheet: str, *, required: Sequence[str] = (), book: Any = None,
               only: Sequence[str] | None = None, formulas: str = "refuse") -> pd.DataFrame:
    """Read one sheet into text columns named by its header row, plus `_row` (the Excel row).

    Values come back unescaped (`store.unescape_cell`); numbers stay numbers; empty cells are None.
    A formula in a cell read is a WorkbookError naming the cell (`formulas="keep"`: kept as its
    text, "=A1"; never evaluated either way). `only` keeps
    just those columns (and the required ones): a 50,000-row import need not convert the
    abstracts. `column_ref` still names the right cells (positions are kept in `frame.attrs`).
    """
    book = book if book is not None else open_workbook(path)
    if sheet not in book.sheetnames:
        raise WorkbookError(f'{path}: no sheet "{sheet}"{did_you_mean(sheet, book.sheetnames)}',
                            hint=f"sheets are: {', '.join(book.visible)}; import the workbook slr wrote, "
                                 "with its sheets unrenamed")
    all_rows, formula_cells = book.cells(sheet)
    rows = iter(all_rows)
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
    wanted = seen if only is None else {n: i for n, i in seen.items() if n in {*only, *required}}
    if formula_cells and formulas == "refuse":
        columns_read = {i for n, i in wanted.items()}
        for number, index in sorted(formula_cells):
            if number == 1 or index in columns_read:
                text = all_rows[number - 1][index]
                raise WorkbookError(f'{path}, sheet "{sheet}", cell {cell_ref(index + 1, number)}: holds a formula '
                                    f"({str(text)[:40]}); slr reads typed values only",
                                    hint="type the value itself (a word from the dropdown, or plain text)")
    numbers, kept = [], []
    for number, values in enumerate(rows, start=2):
        if values is None or all(v is None or (isinstance(v, str) and not v.strip()) for v in values):
            continue
        numbers.append(number)
        kept.append(values)
    # Column by column: the same conversion as cell by cell, without a dict per row.
    columns: dict[str, list[Any]] = {"_row": numbers}
    for name, index in wanted.items():
        columns[name] = _read_values([values[index] if index < len(values) else None for values in kept])
    # object dtype: pandas would otherwise turn empty cells of text columns into NaN.
    frame = pd.DataFrame(columns, columns=["_row", *wanted], dtype=object)
    frame.attrs["positions"] = {name: index + 1 for name, index in seen.items()}
    return frame


def _read_values(values: list[Any]) -> list[Any]:
    """Cells as read: text unescaped (`store.unescape_cell`) and blank text as None; whole numbers
    as int (calamine gives every number as a float)."""
    out = []
    append = out.append
    for value in values:
        if isinstance(value, str):
            if value.startswith("'"):
                value = unescape_cell(value)
            if not value or value[0].isspace():  # blank unless it has a non-space character
                value = value if value.strip() else None
        elif isinstance(value, float) and value.is_integer():
            value = int(value)
        append(value)
    return out


def column_ref(frame: pd.DataFrame, name: str, row: int) -> str:
    """The cell ("F7") holding column `name` of the Excel row `row`, for error messages."""
    positions = frame.attrs.get("positions") or {c: i for i, c in enumerate((c for c in frame.columns if c != "_row"), 1)}
    return cell_ref(positions[name], row) if name in positions else f"row {row}"


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
