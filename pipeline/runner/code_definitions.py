"""The Definitions sheet of coding.xlsx and its import into data/<id>/ledger/definitions.csv.

The sheet lists every definitional sentence found (04_code/definitions.csv). A coder confirms
one, edits its text or family, rejects it (`decision`), or adds a row below with a work_id and a
definition the patterns missed. `slr code import` checks each row (a known work, an allowed
decision, a text for an added row) and appends the changed ones to the definitions ledger; the
next `slr code` applies them (stages/code/definitions.apply_coders).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd

from ..errors import WorkbookError
from ..sheets import Column, Sheet, check_choice, column_ref, read_sheet
from ..stages.code.definitions import DECISIONS, definition_id

DEFINITIONS_SHEET = "Definitions"
EDITABLE = ("decision", "definition", "family")


def definitions_sheet(definitions: pd.DataFrame, works: pd.DataFrame) -> Sheet:
    titles = dict(zip(works["work_id"], works["title"], strict=True))
    table = definitions.reindex(columns=["work_id", "definition", "page", "family", "elements", "definition_id"]).copy()
    table.insert(1, "title", [titles.get(w) for w in table["work_id"]])
    table.insert(2, "decision", None)
    return Sheet(DEFINITIONS_SHEET, table, columns=[
        Column("work_id", width=15, editable=True), Column("title", width=35, wrap=True),
        Column("decision", width=10, choices=DECISIONS, editable=True),
        Column("definition", width=70, wrap=True, editable=True), Column("page", width=6),
        Column("family", width=22, wrap=True, editable=True), Column("elements", width=40, wrap=True),
        Column("definition_id", hidden=True)])


def read_definitions(path: Path, book: Any, known: set[str], stamp: dict[str, Any]) -> list[dict[str, Any]]:
    """The ledger rows of one workbook's Definitions sheet (none when the workbook has no such sheet)."""
    if DEFINITIONS_SHEET not in book.sheetnames:
        return []
    frame = read_sheet(path, DEFINITIONS_SHEET, required=["work_id", "decision", "definition", "family",
                                                          "definition_id"], book=book)
    where = f'{path}, sheet "{DEFINITIONS_SHEET}"'
    rows = []
    for record in frame.to_dict("records"):
        key = str(record["definition_id"] or "").strip()
        work = str(record["work_id"] or "").strip()
        text = str(record["definition"]).strip() if record["definition"] is not None else ""
        decision = check_choice(record["decision"], DECISIONS, where=f"{where}, cell "
                                f"{column_ref(frame, 'decision', record['_row'])}", column="decision")
        if key and not decision:
            continue  # a found definition nobody touched
        if not key and not (work or text):
            continue
        if work not in known:
            raise WorkbookError(f"{where}, cell {column_ref(frame, 'work_id', record['_row'])}: \"{work}\" is not the "
                                "work_id of an included work", hint="copy the work_id from column A of the Coding sheet")
        if not key and not text:
            raise WorkbookError(f"{where}, cell {column_ref(frame, 'definition', record['_row'])}: an added row "
                                "without a definition", hint="paste the sentence that defines, or clear the row")
        rows.append({"definition_id": key or definition_id(work, text), "work_id": work,
                     "decision": decision or "add", "definition": text or None,
                     "family": (str(record["family"]).strip() or None) if record["family"] is not None else None,
                     **stamp})
    return rows
