"""`slr screen import-decisions`: decisions made in ASReview LAB, Rayyan or Covidence, into the screening ledger.

Reads the tool's export (sources/decisions.py), 02_dedupe/works.csv and records.csv. Each row is
mapped to a work through the dedupe output: an slr work id the row carries (from slr's own
asreview.csv or screened.ris), then its DOI, then its normalised title and year, then the tool's or
the database's own ids of the records. Every row is checked before anything is written, as
workbook imports are: a label the tool does not write, an exclusion reason not in the protocol,
a row that matches no work or several, two rows of one work that disagree — each refused with the
file and row named. The decisions are appended to data/<id>/ledger/screening.csv with the reviewer
named on the command line and the tool and file in the row; importing the same file again adds
nothing (only rows that differ from the reviewer's latest decision are added).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from ..errors import InputError, StageError
from ..records import normalise_doi, normalise_title_key, split_list
from ..roundtrip import new_ledger_rows
from ..sources.decisions import TOOLS, ExternalDecision, read_decisions
from ..stages.screen import criteria
from ..stages.screen.decisions import LEDGER_COLUMNS, STAGES
from ..store import append_ledger, read_csv, sha256_file
from .context import Context
from .screen import LEDGER_COMPARE, LEDGER_KEY

LEDGER = "screening.csv"


@dataclass
class ExternalImportSummary:
    rows: int
    decisions: int
    added: int
    not_decided: int
    ledger: Path


def run_import_decisions(ctx: Context, path: Path, *, tool: str, reviewer: str, stage: str = "title_abstract",
                         decision: str | None = None, reason: str | None = None) -> ExternalImportSummary:
    """Check every row of another tool's export, then append its decisions to the screening ledger."""
    path = Path(path)
    if stage not in STAGES:
        raise StageError(f'screen import-decisions: unknown stage "{stage}"', hint=f"stages are: {', '.join(STAGES)}")
    if tool not in TOOLS:
        raise StageError(f'screen import-decisions: unknown tool "{tool}"', hint=f"tools are: {', '.join(TOOLS)}")
    if not reviewer.strip():
        raise StageError("screen import-decisions: --reviewer is empty", hint="name who made the decisions")
    if not path.is_file():
        raise InputError(f"{path}: file not found", hint="give the path of the file the tool exported")
    config = ctx.protocol.screening
    reasons = criteria.reason_vocabulary(config)
    if decision is not None and decision not in config.decisions:
        raise StageError(f'screen import-decisions: --decision "{decision}" is not a decision',
                         hint=f"decisions are: {', '.join(config.decisions)}")
    if reason is not None and reason not in reasons:
        raise StageError(f'screen import-decisions: --reason "{reason}" is not an exclusion reason of the protocol',
                         hint=f"reasons are: {', '.join(reasons)} (screening.reasons in the protocol)")
    rows = read_decisions(path, tool, reviewer=reviewer, decision=decision)
    if tool == "rayyan" and rows and not any(reviewer.strip().lower() in {n.lower() for n in r.tool_reviewers}
                                             for r in rows):
        found = sorted({name for r in rows for name in r.tool_reviewers})
        raise InputError(f'{path}: no decision by Rayyan reviewer "{reviewer}" in this file',
                         hint=f"Rayyan reviewers in this file: {', '.join(found) or 'none'}; "
                              "pass one of them as --reviewer")
    works = _works(ctx)
    match = _Matcher(works, _records(ctx))
    checksum = sha256_file(path)[:16]
    by_work: dict[str, tuple[ExternalDecision, dict[str, Any]]] = {}
    not_decided = 0
    for row in rows:
        if row.decision is None:
            not_decided += 1
            continue
        if row.decision not in config.decisions:
            raise InputError(f'{path}, {row.where}: decision "{row.decision}" is not one of the protocol\'s decisions',
                             hint=f"decisions are: {', '.join(config.decisions)}")
        work_id = match(row, path)
        chosen, note = _reason(row, reasons, reason, path)
        ledger_row = {"work_id": work_id, "stage": stage, "reviewer": reviewer.strip(), "role": "reviewer",
                      "decision": row.decision, "reason": chosen,
                      "note": "; ".join(p for p in (f"from {tool}", row.note, note) if p),
                      "time": ctx.clock().isoformat(), "workbook": path.name, "workbook_checksum": checksum,
                      "record_ids": works.at[work_id, "record_ids"]}
        if work_id in by_work:
            other, kept = by_work[work_id]
            if (kept["decision"], kept["reason"]) != (ledger_row["decision"], ledger_row["reason"]):
                raise InputError(f"{path}, {row.where}: this row and {other.where} are the same work ({work_id}) "
                                 f"with different decisions ({kept['decision']} / {ledger_row['decision']})",
                                 hint="settle the duplicate in the tool and export again")
            continue
        by_work[work_id] = (row, ledger_row)
    ledger_path = ctx.store.ledger_dir / LEDGER
    added = _append(ledger_path, [r for _, r in by_work.values()])
    return ExternalImportSummary(rows=len(rows), decisions=len(by_work), added=len(added), not_decided=not_decided,
                                 ledger=ledger_path)


def _append(path: Path, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Append the rows that change the ledger exactly as `slr screen import` does: read, choose and
    write under the ledger's lock (store.append_ledger), so two imports at once keep every row."""
    return list(append_ledger(path, list(LEDGER_COLUMNS), lambda ledger: new_ledger_rows(
        ledger, rows, key=LEDGER_KEY, compare=LEDGER_COMPARE)))


def _reason(row: ExternalDecision, reasons: tuple[str, ...], default: str | None,
            path: Path) -> tuple[str | None, str | None]:
    """(the ledger's reason, a note keeping the tool's reasons that are not the protocol's)."""
    if row.decision != "exclude":
        return None, None
    vocabulary = {r.lower(): r for r in reasons}
    known = [vocabulary[r.lower()] for r in row.reasons if r.lower() in vocabulary]
    others = [r for r in row.reasons if r.lower() not in vocabulary]
    note = f"reasons in the tool: {', '.join(row.reasons)}" if others else None
    if known:
        return known[0], note
    if default:
        return default, note
    said = f' (the tool says "{", ".join(row.reasons)}")' if row.reasons else " (the tool gives none)"
    raise InputError(f"{path}, {row.where}: an exclusion needs one of the protocol's reasons{said}",
                     hint=f"pass --reason with one of: {', '.join(reasons)}; or add the tool's reason to "
                          "screening.reasons in the protocol")


def _works(ctx: Context) -> pd.DataFrame:
    path = ctx.store.stage_dir("dedupe") / "works.csv"
    if not path.exists():
        raise StageError(f"screen import-decisions: {ctx.store.relative(path)} not found", hint="run `slr dedupe` first")
    return read_csv(path, usecols=["work_id", "title", "year", "doi", "record_ids"]).set_index("work_id", drop=False)


def _records(ctx: Context) -> pd.DataFrame | None:
    path = ctx.store.stage_dir("dedupe") / "records.csv"
    return read_csv(path, usecols=["record_id", "source_record_id", "doi", "work_id"]) if path.exists() else None


class _Matcher:
    """A row → its work: work id, DOI, title + year, records' own ids (each must point to one work)."""

    def __init__(self, works: pd.DataFrame, records: pd.DataFrame | None) -> None:
        self.work_ids = set(works["work_id"])
        self.doi: dict[str, set[str]] = {}
        self.title: dict[tuple[str, str], set[str]] = {}
        self.native: dict[str, set[str]] = {}
        for row in works.to_dict("records"):
            if normalise_doi(row["doi"]):
                self.doi.setdefault(normalise_doi(row["doi"]), set()).add(row["work_id"])
            key = normalise_title_key(row["title"])
            if key:
                self.title.setdefault((key, _year(row["year"])), set()).add(row["work_id"])
            for record_id in split_list(row["record_ids"]):
                self.native.setdefault(record_id.lower(), set()).add(row["work_id"])
        if records is not None:
            for row in records.to_dict("records"):
                if isinstance(row["source_record_id"], str) and isinstance(row["work_id"], str):
                    self.native.setdefault(row["source_record_id"].strip().lower(), set()).add(row["work_id"])
                if normalise_doi(row["doi"]) and isinstance(row["work_id"], str):
                    self.doi.setdefault(normalise_doi(row["doi"]), set()).add(row["work_id"])

    def __call__(self, row: ExternalDecision, path: Path) -> str:
        if row.work_id and row.work_id.strip() in self.work_ids:
            return row.work_id.strip()
        candidates = [("DOI", self.doi.get(normalise_doi(row.doi) or "")),
                      ("title and year", self.title.get((normalise_title_key(row.title), _year(row.year)))
                       if normalise_title_key(row.title) else None)]
        candidates += [(f'id "{i}"', self.native.get(i.strip().lower())) for i in row.ids]
        for how, found in candidates:
            if found and len(found) == 1:
                return next(iter(found))
            if found:
                raise InputError(f"{path}, {row.where}: its {how} matches {len(found)} works "
                                 f"({', '.join(sorted(found)[:5])})",
                                 hint="review the duplicates (slr dedupe review) or remove the row from the file")
        title = (row.title or "")[:60]
        raise InputError(f'{path}, {row.where}: matches no work of this review (title "{title}", '
                         f"DOI {row.doi or 'none'}, year {row.year or 'none'})",
                         hint="the tool screened a record slr has not searched: add its source to the protocol and "
                              "run `slr search` and `slr dedupe`, or remove the row from the file")


def _year(value: Any) -> str:
    text = "" if value is None or (isinstance(value, float) and value != value) else str(value).strip()
    return text[:4]
