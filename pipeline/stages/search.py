"""Search stage: gather the records of every source into one table and one PRISMA-S search log.

Pure functions over tables; reading files and calling APIs happens in `pipeline.runner.search`.
Needs: one record table per source (columns of `records.RECORD_COLUMNS`). Adds: `first_seen`
carried over from the previous run, so updates can say what is new.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import pandas as pd

from ..records import RECORD_COLUMNS, empty_records

#: Columns of search_log.csv: one row per source run (PRISMA-S items 1-9 and 13).
SEARCH_LOG_COLUMNS: tuple[str, ...] = (
    "source", "type", "database", "platform", "query", "filters", "searched_on", "run_id",
    "reported_total", "records_found", "records_read", "pages", "retries", "errors", "complete",
    "file", "file_checksum", "format", "warnings_count", "warnings",
)


def combine_records(per_source: Sequence[pd.DataFrame], previous: pd.DataFrame | None = None) -> pd.DataFrame:
    """One record table from every source's, keeping each record's earliest `first_seen`.

    A record already present in the previous records.csv keeps that run's `first_seen`, so that
    `slr status` can count what is new since the last run.
    """
    frames = [frame for frame in per_source if len(frame)]
    combined = pd.concat(frames, ignore_index=True) if frames else empty_records()
    combined = combined.reindex(columns=list(RECORD_COLUMNS))
    if previous is not None and len(previous) and "first_seen" in previous.columns:
        earlier = previous.dropna(subset=["first_seen"]).set_index("record_id")["first_seen"]
        known = combined["record_id"].map(earlier)
        combined["first_seen"] = [_earliest(a, b) for a, b in zip(known, combined["first_seen"], strict=True)]
    combined["year"] = pd.array(combined["year"], dtype="Int64")
    return combined.sort_values(["source", "record_id"], kind="stable").reset_index(drop=True)


def _earliest(a: Any, b: Any) -> Any:
    """The earlier of two run ids (run ids sort by time); either may be missing."""
    present = [x for x in (a, b) if isinstance(x, str) and x]
    return min(present) if present else None


def search_log(rows: Sequence[Mapping[str, Any]]) -> pd.DataFrame:
    """The search log table, columns in PRISMA-S order."""
    return pd.DataFrame(list(rows), columns=list(SEARCH_LOG_COLUMNS))


def new_since_last_run(records: pd.DataFrame) -> int:
    """Records first seen in the most recent run found in the table."""
    if not len(records) or records["first_seen"].isna().all():
        return 0
    latest = records["first_seen"].dropna().max()
    return int((records["first_seen"] == latest).sum())
