"""An XlsxWriter worksheet that stores and writes plain cells in bulk (see `BulkWorksheet`).

Everything that relies on XlsxWriter's internals is here, and only used on the XlsxWriter versions
it was checked against: tests/test_sheets.py writes the same workbook both ways and compares the
files byte for byte.
"""

from __future__ import annotations

import math
from typing import Any

import xlsxwriter
from xlsxwriter.utility import xl_col_to_name
from xlsxwriter.worksheet import Worksheet as XlsxWorksheet

try:  # XlsxWriter's own cell records
    from xlsxwriter.worksheet import CellBlankTuple, CellNumberTuple, CellRichStringTuple, CellStringTuple
except ImportError:  # pragma: no cover - another XlsxWriter: its own write path is used
    CellBlankTuple = CellNumberTuple = CellRichStringTuple = CellStringTuple = None


#: XlsxWriter versions whose internals `BulkWorksheet` was checked against (3.3.1).
BULK_CHECKED = ("3.3.",)


class BulkWorksheet(XlsxWorksheet):
    """An XlsxWriter worksheet that stores plain cells in bulk and writes its rows in one pass.

    At 50,000 rows XlsxWriter's per-cell Python work (argument checks on every write, an XML
    element and attribute escaping per cell on close) is what a workbook's time is made of. Here
    `put_string`, `put_number` and `put_blank` store a cell straight into XlsxWriter's own cell
    table (the record its `write_*` method would store, shared strings in the same order) and
    `_write_rows` writes those three kinds of cell as the very XML XlsxWriter would.
    Everything else (links, rich strings, booleans, over-long strings, row formats, comments,
    constant_memory) goes through XlsxWriter's code. `BULK = False` turns the shortcut off, so
    the two paths can be compared byte for byte.
    """

    #: Rows written with `_write_column`'s shortcut and by `_write_rows`' fast loop: only on the
    #: XlsxWriter versions whose internals it was checked against (tests/test_sheets.py compares
    #: both paths byte for byte); any other version writes through XlsxWriter's own methods.
    BULK = CellStringTuple is not None and xlsxwriter.__version__.startswith(BULK_CHECKED)

    def __init__(self) -> None:
        super().__init__()
        self._bulk_rows: dict[int, list[int]] = {}  # column → [first, last] row stored in bulk

    def bulk(self, rows: int, col: int) -> bool:
        """Whether cells 1..rows of column `col` may be stored with the `put_*` methods (then
        `end_column(col)` once they are all stored)."""
        return (self.BULK and not self.constant_memory and rows < self.xls_rowmax and col < self.xls_colmax)

    def put_string(self, row: int, col: int, text: str, style: Any) -> bool:
        """Store a string cell as `write_string` would; False (nothing stored) for a text long
        enough to need XlsxWriter's length check."""
        if len(text) > self.xls_strmax // 2:
            return False
        self.table[row][col] = CellStringTuple(self.str_table._get_shared_string_index(text), style)
        self._filled(row, col)
        return True

    def put_number(self, row: int, col: int, number: int | float, style: Any) -> bool:
        """Store a number cell as `write_number` would; False (nothing stored) for anything but a
        finite int or float."""
        if number.__class__ not in (int, float) or not math.isfinite(number):
            return False
        self.table[row][col] = CellNumberTuple(number, style)
        self._filled(row, col)
        return True

    def put_blank(self, row: int, col: int, style: Any) -> None:
        """Store a formatted blank cell as `write_blank` would."""
        self.table[row][col] = CellBlankTuple(style)
        self._filled(row, col)

    def _filled(self, row: int, col: int) -> None:
        rows = self._bulk_rows.get(col)
        if rows is None:
            self._bulk_rows[col] = [row, row]
        else:
            rows[1] = row  # a column is stored from the top down

    def end_column(self, col: int) -> None:
        """Record the sheet's dimensions as the write methods would have, cell by cell."""
        rows = self._bulk_rows.pop(col, None)
        if rows is not None:
            self._check_dimensions(rows[0], col)
            self._check_dimensions(rows[1], col)

    def _write_rows(self) -> None:
        if (not self.BULK or self.constant_memory or self.row_info or self.comments
                or self.default_row_height != self.original_row_height):
            super()._write_rows()
            return
        table, spans = self.table, self._spans()
        names = [xl_col_to_name(col) for col in range(self.dim_colmax + 1)]
        indexes: dict[int, int] = {}
        write = self.fh.write
        string, rich, number, blank = CellStringTuple, CellRichStringTuple, CellNumberTuple, CellBlankTuple
        for row in range(self.dim_rowmin, self.dim_rowmax + 1):
            cells = table.get(row)
            if not cells:
                continue
            ref = row + 1
            span = spans.get(row // 16)
            out = [f'<row r="{ref}" spans="{span}">' if span else f'<row r="{ref}">']
            for col in sorted(cells):
                cell = cells[col]
                kind, style = cell.__class__, cell.format
                if style is not None:
                    xf = indexes.get(id(style))
                    if xf is None:
                        xf = indexes[id(style)] = style._get_xf_index()
                    if kind is string or kind is rich:
                        out.append(f'<c r="{names[col]}{ref}" s="{xf}" t="s"><v>{cell.string}</v></c>')
                        continue
                    if kind is number:
                        out.append(f'<c r="{names[col]}{ref}" s="{xf}"><v>{cell.number:.16G}</v></c>')
                        continue
                    if kind is blank:
                        out.append(f'<c r="{names[col]}{ref}" s="{xf}"/>')
                        continue
                write("".join(out))
                out.clear()
                self._write_cell(row, col, cell)
            out.append("</row>")
            write("".join(out))

    def _spans(self) -> dict[int, str]:
        """XlsxWriter's `_calculate_spans` (first:last column of each block of 16 rows), from the
        rows' own cells instead of a test of every column of every row."""
        spans: dict[int, str] = {}
        low = high = None
        table, last = self.table, self.dim_rowmax
        for row in range(self.dim_rowmin, last + 1):
            cells = table.get(row)
            if cells:
                first, final = min(cells), max(cells)
                if low is None:
                    low, high = first, final
                else:
                    low, high = min(low, first), max(high, final)
            if (row + 1) % 16 == 0 or row == last:
                if low is not None:
                    spans[row // 16] = f"{low + 1}:{high + 1}"
                    low = None
        self.row_spans = spans
        return spans
