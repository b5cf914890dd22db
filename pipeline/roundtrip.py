"""The workbook round trip: what an exported workbook says about itself, and the append-only ledgers.

A workbook people fill in (dedupe review, screening, conflicts, coding) carries two hidden sheets:
`slr` (key/value: review, kind, stage, reviewer, exported_at, version, checksum) and `slr_rows`
(the row ids in the order exported). On import, `check_export` refuses a workbook of another
review, kind or stage, and `check_rows` refuses deleted, added, duplicated or reordered rows, each
with the sheet and cell, before anything is written.

Ledgers (`data/<id>/ledger/*.csv`) are append-only: `new_ledger_rows` keeps only the rows that
differ from the latest row already there for the same key, so importing a workbook twice adds
nothing and a changed decision adds one row (the latest counts; history stays).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from . import __version__
from .errors import WorkbookError
from .sheets import Column, Sheet, column_ref, read_sheet

INFO_SHEET = "slr"
ROWS_SHEET = "slr_rows"


def rows_checksum(ids: Iterable[str]) -> str:
    """A checksum of the row ids in their order (what the workbook held when exported)."""
    return hashlib.sha256("\n".join(map(str, ids)).encode("utf-8")).hexdigest()[:16]


@dataclass(frozen=True)
class ExportInfo:
    """What a workbook says about itself."""

    review: str
    kind: str                      # dedupe | screening | conflicts | coding | …
    ids: tuple[str, ...]
    stage: str = ""
    reviewer: str = ""
    exported_at: str = ""
    version: str = __version__

    @property
    def checksum(self) -> str:
        return rows_checksum(self.ids)

    def sheets(self) -> list[Sheet]:
        """The two hidden sheets to add to the workbook."""
        meta = pd.DataFrame({
            "key": ["review", "kind", "stage", "reviewer", "exported_at", "slr_version", "rows", "checksum"],
            "value": [self.review, self.kind, self.stage, self.reviewer, self.exported_at, self.version,
                      str(len(self.ids)), self.checksum],
        })
        return [Sheet(INFO_SHEET, meta, columns=[Column("value", width=40)], hidden=True, filters=False),
                Sheet(ROWS_SHEET, pd.DataFrame({"id": list(self.ids)}), hidden=True, filters=False)]


def read_export_info(path: Path, book: Any) -> ExportInfo:
    """Read the hidden sheets, or say that this is not a workbook slr wrote."""
    if INFO_SHEET not in book.sheetnames or ROWS_SHEET not in book.sheetnames:
        raise WorkbookError(f'{path}: the hidden sheets "{INFO_SHEET}" and "{ROWS_SHEET}" are missing, so this is not a '
                            "workbook exported by slr (or they were deleted)",
                            hint="import the workbook slr wrote; copy your decisions into a fresh export if needed")
    meta = read_sheet(path, INFO_SHEET, required=["key", "value"], book=book)
    values = {str(k): ("" if v is None else str(v)) for k, v in zip(meta["key"], meta["value"], strict=True)}
    ids = tuple(str(v) for v in read_sheet(path, ROWS_SHEET, required=["id"], book=book)["id"] if v is not None)
    info = ExportInfo(review=values.get("review", ""), kind=values.get("kind", ""), ids=ids,
                      stage=values.get("stage", ""), reviewer=values.get("reviewer", ""),
                      exported_at=values.get("exported_at", ""), version=values.get("slr_version", ""))
    if values.get("checksum") and values["checksum"] != info.checksum:
        raise WorkbookError(f'{path}: the hidden sheet "{ROWS_SHEET}" was changed after export '
                            "(its checksum does not match)", hint="import the workbook as slr wrote it")
    return info


def check_export(path: Path, info: ExportInfo, *, review: str, kinds: Sequence[str],
                 stage: str | None = None) -> None:
    """Refuse a workbook of another review, kind or stage."""
    if info.review != review:
        raise WorkbookError(f'{path}: this workbook belongs to review "{info.review}", not "{review}"',
                            hint="import it with the protocol of that review (-c), or use this review's workbook")
    if info.kind not in kinds:
        raise WorkbookError(f'{path}: this is a {info.kind or "unknown"} workbook; expected {" or ".join(kinds)}',
                            hint=f"import it with `slr {info.kind} import`" if info.kind else None)
    if stage is not None and info.stage != stage:
        raise WorkbookError(f'{path}: this workbook is for stage "{info.stage}", not "{stage}"')


def check_rows(path: Path, sheet: str, frame: pd.DataFrame, info: ExportInfo, id_column: str) -> None:
    """The sheet's ids must be the exported ids, once each, in the exported order."""
    ids = [None if v is None else str(v).strip() for v in frame[id_column]]
    where = f'{path}, sheet "{sheet}"'
    expected = set(info.ids)
    seen: dict[str, int] = {}
    for row, value in zip(frame["_row"], ids, strict=True):
        if not value:
            raise WorkbookError(f"{where}, cell {column_ref(frame, id_column, int(row))}: {id_column} is empty",
                                hint=f"every row needs the {id_column} it was exported with; undo the edit")
        if value not in expected:
            raise WorkbookError(f'{where}, cell {column_ref(frame, id_column, int(row))}: unknown {id_column} '
                                f'"{value}" (not in this export)',
                                hint="do not add rows or edit ids; new works come in the next export")
        if value in seen:
            raise WorkbookError(f'{where}, cell {column_ref(frame, id_column, int(row))}: {id_column} "{value}" '
                                f"appears twice (also in {column_ref(frame, id_column, seen[value])})",
                                hint="delete the copied row")
        seen[value] = int(row)
    missing = [i for i in info.ids if i not in seen]
    if missing:
        listed = ", ".join(missing[:5]) + (f" and {len(missing) - 5} more" if len(missing) > 5 else "")
        raise WorkbookError(f"{where}: {len(missing)} row(s) deleted since export ({id_column} {listed})",
                            hint="restore the rows (undo, or copy them from a fresh export); leave a row's "
                                 "decision empty to skip it")
    order = [v for v in ids if v is not None]
    if order != list(info.ids):
        first = next(i for i, (a, b) in enumerate(zip(order, info.ids, strict=True)) if a != b)
        row = int(frame["_row"].iloc[first])
        raise WorkbookError(f"{where}, cell {column_ref(frame, id_column, row)}: rows were reordered since export "
                            f'(row {row} holds "{order[first]}", exported there: "{info.ids[first]}")',
                            hint="sort the sheet back by its first column's original order (undo the sort), "
                                 "or use the filter buttons, which hide rows without moving them")


def new_ledger_rows(existing: pd.DataFrame | None, rows: Sequence[Mapping[str, Any]], *,
                    key: Sequence[str], compare: Sequence[str]) -> list[dict[str, Any]]:
    """The rows that change the ledger: not equal (on `compare`) to the latest row for their `key`."""
    latest: dict[tuple[str, ...], tuple[str, ...]] = {}
    if existing is not None and not existing.empty:
        for record in existing.to_dict("records"):
            latest[_values(record, key)] = _values(record, compare)
    out = []
    for row in rows:
        k, v = _values(row, key), _values(row, compare)
        if latest.get(k) != v:
            latest[k] = v
            out.append(dict(row))
    return out


def _values(row: Mapping[str, Any], names: Sequence[str]) -> tuple[str, ...]:
    # Most values are text: stripped straight away, without the tests for a missing value.
    return tuple([value.strip() if (value := row.get(name)).__class__ is str else _text(value) for name in names])


def _text(value: Any) -> str:
    missing = value is None or (isinstance(value, float) and value != value)
    return "" if missing else str(value).strip()
