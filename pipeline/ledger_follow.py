"""Ledger rows follow works: a decision made on a work applies to the work now holding its records.

Screening and coding ledgers name the work a row was made on. When a later `slr dedupe` merges
or splits works, `follow_works` rewrites each row's `work_id` to the current work(s) holding the
row's `record_ids` (a row may become several). A row whose work id still exists keeps it; rows
that reach no current work are dropped here (their records are gone from the search) and stay in
the ledger file. `_origin` keeps the work id the row was made on, so a stage can tell two works
that merged with different decisions from one reviewer changing their mind.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pandas as pd

from .records import split_list


def follow_works(ledger: pd.DataFrame | None, works: pd.DataFrame, columns: Sequence[str], *,
                 note: str | None = None) -> pd.DataFrame:
    """The ledger's `columns` with `work_id` rewritten to the current works, and `_origin`.

    `works` needs work_id and record_ids. `note`: a column in which a moved row says
    "decided on <old work id>".
    """
    out_columns = [*columns, "_origin"]
    if ledger is None or ledger.empty:
        return pd.DataFrame(columns=out_columns)
    current = set(works["work_id"])
    record_ids = works["record_ids"] if "record_ids" in works.columns else pd.Series([None] * len(works))
    by_record = {record: work_id for work_id, ids in zip(works["work_id"], record_ids, strict=True)
                 for record in split_list(ids)}
    rows: list[dict[str, Any]] = []
    for row in ledger.reindex(columns=list(columns)).to_dict("records"):
        row["_origin"] = row["work_id"]
        if row["work_id"] in current:
            rows.append(row)
            continue
        for target in sorted({by_record[r] for r in split_list(row.get("record_ids")) if r in by_record}):
            moved = {**row, "work_id": target}
            if note is not None:
                before = row.get(note)
                extra = f"decided on {row['work_id']}"
                moved[note] = f"{before}; {extra}" if isinstance(before, str) and before else extra
            rows.append(moved)
    return pd.DataFrame(rows, columns=out_columns)
