"""`slr dedupe` and `slr dedupe import`: group the search's records into works, and take reviewers'
answers about the pairs the rules were unsure of.

Reads 01_search/records.csv, the previous 02_dedupe/records.csv (so work ids stay stable) and the
ledger data/<id>/ledger/dedupe.csv (reviewers' answers, honoured on every run). Writes
02_dedupe/records.csv, works.csv, pairs.csv, review.xlsx (the uncertain pairs no reviewer has
answered yet) and manifest.json.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from ..errors import StageError, WorkbookError
from ..roundtrip import ExportInfo, check_export, check_rows, new_ledger_rows, read_export_info
from ..sheets import Column, Sheet, check_choice, column_ref, open_workbook, read_sheet, write_workbook
from ..stage_table import DEDUPE_LEDGER, SEARCH_RECORDS
from ..stages.dedupe import ANSWERS, DedupeResult, dedupe
from ..store import append_csv_rows, read_csv, sha256_file, write_csv
from .context import Context

STAGE = "dedupe"
SHEET = "Pairs"
LEDGER = "dedupe.csv"
LEDGER_COLUMNS = ["record_id_a", "record_id_b", "answer", "note", "reviewer", "imported_at", "workbook",
                  "workbook_checksum"]
LEDGER_KEY = ["record_id_a", "record_id_b"]
LEDGER_COMPARE = ["answer", "note"]
#: Record fields shown side by side in the review workbook.
_SHOWN = ("title", "authors", "year", "venue", "volume", "pages", "doi", "doc_type", "source")
#: pairs.csv columns shown after them: similarities (0–1), then field comparisons and the year gap.
_SIMILARITIES = ("title", "title_tokens", "authors", "first_author", "venue", "abstract")
_COMPARED = ("year_gap", "doi", "volume", "pages", "title_numbers")


@dataclass
class DedupeSummary:
    records: int
    works: int
    duplicates_removed: int
    uncertain: int
    to_review: int
    answers_applied: int
    per_source: dict[str, dict[str, int]] = field(default_factory=dict)
    folder: Path = Path(".")


def run_dedupe(ctx: Context) -> DedupeSummary:
    """Deduplicate 01_search/records.csv into 02_dedupe/ (see the module docstring)."""
    started = ctx.begin(STAGE)
    search_records = ctx.store.output(SEARCH_RECORDS)
    if not search_records.exists():
        raise StageError(f"dedupe: {ctx.store.relative(search_records)} not found",
                         hint="run `slr search` first")
    records = read_csv(search_records)
    stage_dir = ctx.store.stage_dir(STAGE)
    previous_path = stage_dir / "records.csv"
    previous = read_csv(previous_path, usecols=["record_id", "work_id"]) if previous_path.exists() else None
    ledger_path = ctx.store.ledger(DEDUPE_LEDGER)
    ledger = read_csv(ledger_path) if ledger_path.exists() else None
    review_path = stage_dir / "review.xlsx"
    pending = _pending_answers(ctx, review_path, ledger) if review_path.exists() else 0
    if pending:
        raise StageError(f"dedupe: {ctx.store.relative(review_path)} holds {pending} answer(s) not imported yet; "
                         "running now would overwrite them",
                         hint=f"import them first: slr dedupe import {ctx.store.relative(review_path)} "
                              "(or move the file elsewhere to discard them)")
    with ctx.track("dedupe") as report:
        result = dedupe(records, ctx.protocol.dedupe, previous=previous, overrides=ledger)
        report(len(records), len(records))
    review = review_table(result, records)
    info = ExportInfo(review=ctx.protocol.id, kind="dedupe", ids=tuple(review["pair"]),
                      exported_at=started.isoformat())
    write_csv(stage_dir / "records.csv", result.records)
    write_csv(stage_dir / "works.csv", result.works)
    write_csv(stage_dir / "pairs.csv", result.pairs)
    write_workbook(review_path, [_review_sheet(review), *info.sheets()])
    per_source = removed_per_source(result.records, [s.name for s in ctx.protocol.sources])
    answered = int(result.pairs["rule"].fillna("").str.startswith("reviewer:").sum()) if len(result.pairs) else 0
    summary = DedupeSummary(
        records=len(records), works=len(result.works), duplicates_removed=len(records) - len(result.works),
        uncertain=len(result.uncertain), to_review=len(review), answers_applied=answered,
        per_source=per_source, folder=stage_dir)
    counts: dict[str, Any] = {
        "records": summary.records, "works": summary.works, "duplicates_removed": summary.duplicates_removed,
        "pairs_compared": len(result.pairs), "uncertain_pairs": summary.uncertain,
        "pairs_to_review": summary.to_review, "reviewer_answers_applied": answered,
        "records_per_source": {k: v["records"] for k, v in per_source.items()},
        "duplicates_removed_per_source": {k: v["duplicates_removed"] for k, v in per_source.items()},
    }
    ctx.store.write_manifest(STAGE, ctx.manifest(STAGE, counts=counts, started=started))
    return summary


def removed_per_source(records: pd.DataFrame, source_order: list[str]) -> dict[str, dict[str, int]]:
    """Per source: records in, and duplicates removed — records whose work was already found by a
    source earlier in the protocol's order (or by an earlier record of the same source)."""
    rank = {name: i for i, name in enumerate(source_order)}
    table = records[["record_id", "source", "work_id"]].copy()
    table["_rank"] = table["source"].map(rank).fillna(len(rank))
    table = table.sort_values(["_rank", "record_id"], kind="stable")
    table["_duplicate"] = table.duplicated("work_id")
    out: dict[str, dict[str, int]] = {}
    for source, group in table.groupby("source", sort=False):
        out[str(source)] = {"records": len(group), "duplicates_removed": int(group["_duplicate"].sum())}
    return dict(sorted(out.items(), key=lambda item: rank.get(item[0], len(rank))))


def review_table(result: DedupeResult, records: pd.DataFrame) -> pd.DataFrame:
    """The uncertain pairs no reviewer has answered, strongest first.

    Each field of the two records sits in adjacent columns (`title_a`, `title_b`, `authors_a`, …)
    so a reviewer reads across, then the similarities (0–1) and comparisons that led to the rule.
    """
    pairs = result.uncertain
    pairs = pairs[~pairs["rule"].fillna("").str.startswith("reviewer:")]
    pairs = pairs.sort_values(["score", "record_id_a", "record_id_b"], ascending=[False, True, True], kind="stable")
    by_id = records.set_index("record_id")
    table = pd.DataFrame({
        "pair": pairs["record_id_a"].astype(str) + "|" + pairs["record_id_b"].astype(str),
        "answer": None, "note": None,
        "score": pairs["score"].astype(float).round(3), "rule": pairs["rule"],
    })
    for name in _SHOWN:
        for side in ("a", "b"):
            ids = pairs[f"record_id_{side}"]
            table[f"{name}_{side}"] = ids.map(by_id[name]).tolist() if len(ids) else []
    for name in _SIMILARITIES:
        table[f"{name}_similarity"] = pairs[name]
    for name in _COMPARED:
        table[name if name == "year_gap" else f"{name}_check"] = pairs[name]
    return table.reset_index(drop=True)


def _review_sheet(table: pd.DataFrame) -> Sheet:
    def width(name: str) -> int:
        return 50 if name == "title" else 28 if name in ("authors", "venue") else 12

    fields = [Column(f"{name}_{side}", width=width(name), wrap=width(name) > 20,
                     link="doi" if name == "doi" else None)
              for name in _SHOWN for side in ("a", "b")]
    columns = [Column("pair", width=30), Column("answer", width=12, choices=ANSWERS, editable=True),
               Column("note", width=24, wrap=True, editable=True), Column("score", width=8),
               Column("rule", width=40, wrap=True), *fields]
    return Sheet(SHEET, table, columns=columns, freeze="D2")


def _pending_answers(ctx: Context, path: Path, ledger: pd.DataFrame | None) -> int:
    """How many answers typed into an existing review.xlsx the ledger does not hold yet.

    review.xlsx is rewritten on every run; refusing to run while it holds unimported answers keeps a
    reviewer's work from being overwritten (answers live in the ledger, never in outputs/).
    """
    try:
        rows = _answers(ctx, path, None, "")
    except WorkbookError as exc:
        try:
            frame = read_sheet(path, SHEET, required=["answer"])
        except WorkbookError:
            return 0  # not a review workbook we can read at all: nothing in it could be imported either
        typed = sum(1 for v in frame["answer"] if v is not None and str(v).strip())
        if typed:
            raise StageError(
                f"dedupe: {ctx.store.relative(path)} holds {typed} answer(s) that are not imported and cannot "
                f"be as they are ({exc.message}); running now would overwrite them",
                hint="fix the workbook and run `slr dedupe import` on it, or move it elsewhere to discard "
                     "the answers") from None
        return 0
    return len(new_ledger_rows(ledger, rows, key=LEDGER_KEY, compare=LEDGER_COMPARE))


@dataclass
class DedupeImportSummary:
    files: int
    answers: int
    added: int
    ledger: Path


def run_dedupe_import(ctx: Context, files: list[Path], *, reviewer: str | None = None) -> DedupeImportSummary:
    """Check every answer in every workbook first; then append the new ones to the ledger."""
    rows: list[dict[str, Any]] = []
    now = ctx.clock().isoformat()
    for path in files:
        rows.extend(_answers(ctx, Path(path), reviewer, now))
    ledger_path = ctx.store.ledger_dir / LEDGER
    existing = read_csv(ledger_path) if ledger_path.exists() else None
    added = new_ledger_rows(existing, rows, key=LEDGER_KEY, compare=LEDGER_COMPARE)
    if added:
        append_csv_rows(ledger_path, added, LEDGER_COLUMNS)
    return DedupeImportSummary(files=len(files), answers=len(rows), added=len(added), ledger=ledger_path)


def _answers(ctx: Context, path: Path, reviewer: str | None, now: str) -> list[dict[str, Any]]:
    book = open_workbook(path)
    info = read_export_info(path, book)
    check_export(path, info, review=ctx.protocol.id, kinds=["dedupe"])
    frame = read_sheet(path, SHEET, required=["pair", "answer", "note"], book=book)
    check_rows(path, SHEET, frame, info, "pair")
    checksum = sha256_file(path)[:16]
    out = []
    for record in frame.to_dict("records"):
        where = f'{path}, sheet "{SHEET}", cell {column_ref(frame, "answer", record["_row"])}'
        answer = check_choice(record["answer"], ANSWERS, where=where, column="answer")
        note = None if record["note"] is None else str(record["note"]).strip() or None
        if answer is None:
            if note:
                raise WorkbookError(f"{where}: a note without an answer",
                                    hint="choose same or different in the answer cell, or clear the note")
            continue
        a, b = str(record["pair"]).split("|", 1)
        out.append({"record_id_a": a, "record_id_b": b, "answer": answer, "note": note,
                    "reviewer": reviewer or info.reviewer or None, "imported_at": now,
                    "workbook": path.name, "workbook_checksum": checksum})
    return out

