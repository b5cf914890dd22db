"""The workbook round trip: what an exported workbook says about itself, and the append-only ledgers.

A workbook people fill in (dedupe review, screening, conflicts, coding) carries two hidden sheets:
`slr` (key/value: review, kind, stage, reviewer, exported_at, version, signature) and `slr_rows`
(the row ids exported, with each row's record ids). Hidden is not safe: anyone can unhide and edit
them. So the export's identity — review, kind, stage, reviewer, time, row ids and record ids — is
signed with an HMAC keyed by a secret kept in `data/<id>/` (`workbook_key`, made on first use,
never written to outputs/). On import `read_export_info` refuses a workbook whose hidden sheets
were edited, or that another copy of the review (another secret) exported, even under the same
review id; `check_export` refuses another kind or stage; `check_rows` refuses added, duplicated
or unknown rows and hidden cells (`record_ids`) that differ from the signed ones, each with the
sheet and cell, before anything is written. Rows may be sorted and filtered: rows are matched by
their id, never by position; a deleted row is a row not decided, and is reported.

Ledgers (`data/<id>/ledger/*.csv`) are append-only: `new_ledger_rows` keeps only the rows that
differ from the latest row already there for the same key, so importing a workbook twice adds
nothing and a changed decision adds one row (the latest counts; history stays).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import secrets
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
KEY_FILE = ".workbook_key"


def rows_checksum(ids: Iterable[str]) -> str:
    """A checksum of the row ids in their order (what the workbook held when exported)."""
    return hashlib.sha256("\n".join(map(str, ids)).encode("utf-8")).hexdigest()[:16]


def workbook_key(data_dir: Path) -> bytes:
    """The review's secret for signing workbooks: `data/<id>/.workbook_key`, made on first use.

    Kept beside the ledgers (what cannot be regenerated): losing it means workbooks exported
    before cannot be imported, only exported again. Two commands making it at once agree: the
    file is created exclusively, and the loser reads the winner's.
    """
    path = Path(data_dir) / KEY_FILE
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            handle = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            pass
        else:
            with os.fdopen(handle, "w") as out:
                out.write(secrets.token_hex(32))
    text = path.read_text(encoding="ascii").strip()
    if len(text) < 32:
        raise WorkbookError(f"{path}: the review's workbook key is damaged",
                            hint="restore it from your backup; without it, export the workbooks again")
    return text.encode("ascii")


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
    #: Each row's record ids (hidden in the sheet), in the order of `ids`; empty when not used.
    record_ids: tuple[str, ...] = ()
    #: Each row's stage, where rows differ in it (conflicts at either phase); empty when not used.
    row_stages: tuple[str, ...] = ()

    @property
    def checksum(self) -> str:
        return rows_checksum(self.ids)

    def signature(self, key: bytes) -> str:
        """HMAC-SHA256 of the export's identity under the review's key."""
        identity = [self.review, self.kind, self.stage, self.reviewer, self.exported_at, list(self.ids),
                    list(self.record_ids)] + ([list(self.row_stages)] if self.row_stages else [])
        message = json.dumps(identity, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
        return hmac.new(key, message, hashlib.sha256).hexdigest()

    def record_ids_of(self) -> dict[str, str]:
        return dict(zip(self.ids, self.record_ids, strict=True)) if self.record_ids else {}

    def sheets(self, key: bytes) -> list[Sheet]:
        """The two hidden sheets to add to the workbook, signed with `key` (`workbook_key`)."""
        meta = pd.DataFrame({
            "key": ["review", "kind", "stage", "reviewer", "exported_at", "slr_version", "rows", "checksum",
                    "signature"],
            "value": [self.review, self.kind, self.stage, self.reviewer, self.exported_at, self.version,
                      str(len(self.ids)), self.checksum, self.signature(key)],
        })
        rows = {"id": list(self.ids)}
        if self.record_ids:
            rows["record_ids"] = list(self.record_ids)
        if self.row_stages:
            rows["stage"] = list(self.row_stages)
        return [Sheet(INFO_SHEET, meta, columns=[Column("value", width=40)], hidden=True, filters=False),
                Sheet(ROWS_SHEET, pd.DataFrame(rows), hidden=True, filters=False)]


def read_export_info(path: Path, book: Any, key: bytes) -> ExportInfo:
    """Read the hidden sheets and check their signature, or say why the workbook is not one this
    review exported as it stands."""
    if INFO_SHEET not in book.sheetnames or ROWS_SHEET not in book.sheetnames:
        raise WorkbookError(f'{path}: the hidden sheets "{INFO_SHEET}" and "{ROWS_SHEET}" are missing, so this is not a '
                            "workbook exported by slr (or they were deleted)",
                            hint="import the workbook slr wrote; copy your decisions into a fresh export if needed")
    meta = read_sheet(path, INFO_SHEET, required=["key", "value"], book=book)
    values = {str(k): ("" if v is None else str(v)) for k, v in zip(meta["key"], meta["value"], strict=True)}
    table = read_sheet(path, ROWS_SHEET, required=["id"], book=book)
    ids = tuple(str(v) for v in table["id"] if v is not None)
    record_ids = tuple("" if v is None else str(v) for v in table["record_ids"]) if "record_ids" in table else ()
    row_stages = tuple("" if v is None else str(v) for v in table["stage"]) if "stage" in table else ()
    info = ExportInfo(review=values.get("review", ""), kind=values.get("kind", ""), ids=ids,
                      stage=values.get("stage", ""), reviewer=values.get("reviewer", ""),
                      exported_at=values.get("exported_at", ""), version=values.get("slr_version", ""),
                      record_ids=record_ids if len(record_ids) == len(ids) else (),
                      row_stages=row_stages if len(row_stages) == len(ids) else ())
    if values.get("checksum") and values["checksum"] != info.checksum:
        raise WorkbookError(f'{path}: the hidden sheet "{ROWS_SHEET}" was changed after export '
                            "(its checksum does not match)", hint="import the workbook as slr wrote it")
    signature = values.get("signature", "")
    if not signature:
        raise WorkbookError(f'{path}: the hidden sheet "{INFO_SHEET}" has no signature (exported by an older slr, '
                            "or the row was deleted)",
                            hint="export a fresh workbook with the same command and copy the decisions into it "
                                 "(rows may be sorted by work_id to match)")
    if not hmac.compare_digest(signature, info.signature(key)):
        raise WorkbookError(f'{path}: the hidden sheets "{INFO_SHEET}" and "{ROWS_SHEET}" do not match their signature: '
                            "they were edited after export, or another copy of this review exported the workbook",
                            hint="import the workbook as this review's slr wrote it; if you copied the review, "
                                 "export the workbook again from this copy")
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


def check_rows(path: Path, sheet: str, frame: pd.DataFrame, info: ExportInfo, id_column: str) -> list[str]:
    """The sheet's rows must be exported rows, once each, with their hidden record ids as exported.

    Rows are matched by id: sorting and filtering change nothing. Returns the ids of rows deleted
    since export (not decided: the caller reports them).
    """
    ids = [None if v is None else str(v).strip() for v in frame[id_column]]
    where = f'{path}, sheet "{sheet}"'
    expected = set(info.ids)
    signed = info.record_ids_of()
    hidden = frame["record_ids"].tolist() if signed and "record_ids" in frame.columns else None
    stages = dict(zip(info.ids, info.row_stages, strict=True)) if info.row_stages else {}
    shown = frame["stage"].tolist() if stages and "stage" in frame.columns else None
    seen: dict[str, int] = {}
    for position, (row, value) in enumerate(zip(frame["_row"], ids, strict=True)):
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
        if hidden is not None:
            cell = hidden[position]
            if ("" if cell is None else str(cell).strip()) != signed[value]:
                raise WorkbookError(f"{where}, cell {column_ref(frame, 'record_ids', int(row))}: the hidden record_ids "
                                    f'of {id_column} "{value}" were changed after export',
                                    hint=f'restore the cell to "{signed[value]}" (undo the edit), or re-export')
        if shown is not None and ("" if shown[position] is None else str(shown[position]).strip()) != stages[value]:
            raise WorkbookError(f"{where}, cell {column_ref(frame, 'stage', int(row))}: the stage of {id_column} "
                                f'"{value}" was changed after export (exported: "{stages[value]}")',
                                hint="restore the cell (undo the edit); the stage says where the conflict is")
        seen[value] = int(row)
    return [i for i in info.ids if i not in seen]


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


def unimported_rows(existing: pd.DataFrame | None, rows: Sequence[Mapping[str, Any]], *, key: Sequence[str],
                    compare: Sequence[str], loose: Sequence[str] = ()) -> list[dict[str, Any]]:
    """The rows a ledger does not hold: no latest row of the ledger agrees with them on `key` and
    `compare`. `loose` key columns are not compared: they are given on the import's command line
    (who resolved conflicts, which coder), so a workbook's entries cannot say them beforehand."""
    strict = [name for name in key if name not in loose]
    latest: dict[tuple[str, ...], tuple[str, ...]] = {}
    if existing is not None and not existing.empty:
        for record in existing.to_dict("records"):
            latest[_values(record, key)] = _values(record, [*strict, *compare])
    held = set(latest.values())
    return [dict(row) for row in rows if _values(row, [*strict, *compare]) not in held]


def _values(row: Mapping[str, Any], names: Sequence[str]) -> tuple[str, ...]:
    # Most values are text: stripped straight away, without the tests for a missing value.
    return tuple([value.strip() if (value := row.get(name)).__class__ is str else _text(value) for name in names])


def _text(value: Any) -> str:
    missing = value is None or (isinstance(value, float) and value != value)
    return "" if missing else str(value).strip()
