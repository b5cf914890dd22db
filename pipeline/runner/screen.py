"""`slr screen`: criteria and reviewers' decisions → 03_screen/, reviewer workbooks, imports, agreement.

Reads 02_dedupe/works.csv and the ledger data/<id>/ledger/screening.csv. Writes
03_screen/proposals.csv (what each criterion found), screened.csv (per work and stage the final
decision and who made it, and the work's status), included.csv and manifest.json with the PRISMA
counts and stopping figures; and the workbooks people fill, in data/<id>/workbooks/:
screening_conflicts.xlsx (when reviewers disagree) and screening_<stage>_<reviewer>.xlsx (when
reviewers are named; works most likely relevant first, see screen_order.py) — never replacing
one that holds decisions not imported (`workbooks.keep_unimported`). A full-text workbook proposes
"not retrieved" for the reports `slr fulltext fetch` could not retrieve (`_with_retrieval`).
Imports validate every row of every workbook before appending to the ledger.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from ..errors import StageError, WorkbookError
from ..roundtrip import (ExportInfo, check_export, check_rows, new_ledger_rows, read_export_info, unimported_rows,
                         workbook_key)
from ..sheets import check_choice, column_ref, open_workbook, read_sheet, write_workbook
from ..stage_table import WORKS
from ..stages.rank import Ranker
from ..stages.screen import criteria, relevance
from ..stages.screen.agreement import agreement
from ..stages.screen.decisions import LEDGER_COLUMNS, final_decisions, map_ledger
from ..stages.screen.flow import NOT_RETRIEVED, RESOLUTION, STAGES, awaiting_reviewer, prisma_counts
from ..store import append_ledger, read_csv, sha256_file, write_csv
from .context import Context
from .screen_order import ReviewerOrder, human_labels, kept_features, reviewer_order, stage_stopping
from .screen_sheets import CONFLICTS_SHEET, REVIEWER_COLUMNS, SCREENING_SHEET, conflicts_sheet, order_sheet, screening_sheet
from .workbooks import FilledWorkbook, keep_unimported

STAGE = "screen"
LEDGER = "screening.csv"
CONFLICTS_BOOK = "screening_conflicts.xlsx"
LEDGER_KEY = ["work_id", "stage", "reviewer", "role"]
LEDGER_COMPARE = ["decision", "reason", "note"]


@dataclass
class ScreenSummary:
    works: int
    statuses: dict[str, int]
    prisma: dict[str, Any]
    workbooks: list[Path] = field(default_factory=list)
    conflicts: Path | None = None
    folder: Path = Path(".")
    rankings: dict[Path, ReviewerOrder] = field(default_factory=dict)
    #: Reports sought that `slr fulltext fetch` did not retrieve, proposed "not retrieved" in the full-text workbooks.
    proposed_not_retrieved: int = 0
    #: What the person running the command should know (e.g. a reason the protocol lacks).
    notes: list[str] = field(default_factory=list)


def _works(ctx: Context, usecols: list[str] | None = None) -> tuple[pd.DataFrame, Path]:
    path = ctx.store.output(WORKS)
    if not path.exists():
        raise StageError(f"screen: {ctx.store.relative(path)} not found", hint="run `slr dedupe` first")
    return read_csv(path, usecols=usecols), path


def _ledger(ctx: Context) -> tuple[pd.DataFrame | None, Path]:
    path = ctx.store.ledger_dir / LEDGER
    return (read_csv(path) if path.exists() else None), path


def run_screen(ctx: Context, reviewers: list[str] | None = None, stage: str = "title_abstract") -> ScreenSummary:
    """Apply the criteria and the ledger; write 03_screen/ and a workbook per named reviewer."""
    if stage not in STAGES:
        raise StageError(f'screen: unknown stage "{stage}"', hint=f"stages are: {', '.join(STAGES)}")
    started = ctx.begin(STAGE)
    config = ctx.protocol.screening
    works, works_path = _works(ctx)
    ledger, ledger_path = _ledger(ctx)
    folder = ctx.store.workbooks_dir
    conflicts_path = folder / CONFLICTS_BOOK
    paths = {reviewer: folder / workbook_name(stage, reviewer) for reviewer in reviewers or []}
    # Before anything is written: no workbook about to be replaced holds decisions not imported.
    keep_unimported([screening_workbook(ctx, p, ledger) for p in [conflicts_path, *paths.values()]], ctx.store,
                    "screen")
    key = workbook_key(ctx.store.data_dir)
    with ctx.track("screen") as report:
        proposed = criteria.propose(works, config)
        report(len(works), len(works))
    screened = final_decisions(proposed, ledger, reviewers_needed=config.reviewers,
                               accept_proposals=config.accept_proposals)
    stage_dir = ctx.store.stage_dir(STAGE)
    write_csv(stage_dir / "proposals.csv", proposed[["work_id", *criteria.PROPOSAL_COLUMNS]])
    write_csv(stage_dir / "screened.csv", _screened_view(screened))
    write_csv(stage_dir / "included.csv", screened[screened["status"] == "included"].drop(
        columns=["proposed_evidence"], errors="ignore"))
    vocab = (tuple(config.decisions), criteria.reason_vocabulary(config))
    highlight = relevance.highlighter(config.relevance)
    conflicted = screened[screened["status"] == "conflict"].copy()
    if len(conflicted):
        conflicted["conflict_stage"] = conflicted["conflict"].str.split(":").str[0]
        info = ExportInfo(review=ctx.protocol.id, kind="conflicts", ids=tuple(conflicted["work_id"]),
                          exported_at=started.isoformat(), record_ids=_record_ids(conflicted),
                          row_stages=tuple(conflicted["conflict_stage"]))
        write_workbook(conflicts_path, [conflicts_sheet(conflicted, *vocab, highlight), *info.sheets(key)])
    elif conflicts_path.exists():
        conflicts_path.unlink()  # fully imported (checked above), and no conflicts left
    books: dict[Path, ReviewerOrder] = {}
    mapped = map_ledger(ledger, works) if ledger is not None else None
    # Full-text workbooks: the reports `slr fulltext fetch` did not retrieve, read once for every reviewer.
    unretrieved = _unretrieved(ctx, screened) if stage == STAGES[1] and paths else {}
    proposed: set[str] = set()
    # TF-IDF is computed only if some order needs a model, and kept for the next run.
    ranker = Ranker(screened, features=kept_features(stage_dir / "ranker"))
    labels = human_labels(mapped, stage)
    for reviewer, path in paths.items():
        ranked = reviewer_order(ranker, labels, awaiting_reviewer(screened, mapped, reviewer, stage))
        todo = awaiting_reviewer(screened, mapped, reviewer, stage, order=ranked.score)
        todo = todo.assign(predicted_relevance=todo["work_id"].map(ranked.probability))
        if unretrieved:
            todo = _with_retrieval(todo, vocab[1], unretrieved)
            proposed.update(todo["work_id"].astype(str)[todo["retrieval"].notna()])
        info = ExportInfo(review=ctx.protocol.id, kind="screening", ids=tuple(todo["work_id"]), stage=stage,
                          reviewer=reviewer, exported_at=started.isoformat(), record_ids=_record_ids(todo))
        write_workbook(path, [screening_sheet(todo, *vocab, highlight), order_sheet(ranked, len(todo)),
                              *info.sheets(key)])
        books[path] = ranked
    prisma = prisma_counts(screened)
    statuses = {k: int(v) for k, v in screened["status"].value_counts().sort_index().items()}
    counts = {"works": len(screened), "status": statuses, **prisma,
              "proposed_not_retrieved": len(proposed),
              "decided_by_criteria": int((screened["title_abstract_decided_by"] == "criteria").sum()),
              "workbooks": {ctx.store.relative(p): len(r.score) for p, r in books.items()},
              "ranking": {ctx.store.relative(p): r.summary() for p, r in books.items()},
              "stopping": stage_stopping(ranker, screened, mapped)}
    ctx.store.write_manifest(STAGE, ctx.manifest(STAGE, counts=counts, started=started))
    return ScreenSummary(works=len(screened), statuses=statuses, prisma=prisma, workbooks=list(books),
                         conflicts=conflicts_path if len(conflicted) else None, folder=stage_dir,
                         rankings=books, proposed_not_retrieved=len(proposed),
                         notes=[] if not proposed or _not_retrieved_reason(vocab[1]) else [
                             f"{ctx.protocol.path}: screening.reasons has no reason saying \"not retrieved\": add one "
                             "(e.g. \"full text not retrieved\"), so that reviewers can confirm these proposals and "
                             "PRISMA counts them as reports not retrieved"])


def _not_retrieved_reason(reasons: tuple[str, ...]) -> str | None:
    """The protocol's reason for a report not retrieved (the first saying so), or None."""
    return next((r for r in reasons if any(t in r.lower() for t in NOT_RETRIEVED)), None)


def _unretrieved(ctx: Context, screened: pd.DataFrame) -> dict[str, str]:
    """Of the works awaiting a full-text decision, those `slr fulltext fetch` did not retrieve and
    nobody has filed since: work_id → "on <date>: <reason>" (runner/fulltext.not_retrieved)."""
    from .fulltext import not_retrieved

    return not_retrieved(ctx, screened[screened["awaiting_stage"] == STAGES[1]])


def _with_retrieval(todo: pd.DataFrame, reasons: tuple[str, ...], unretrieved: dict[str, str]) -> pd.DataFrame:
    """A full-text workbook's works with what `slr fulltext fetch` found (column `retrieval`), and,
    for a report it could not retrieve and nobody has filed since, the proposal "exclude: not
    retrieved" with that reason. Only proposed: a failed open-access fetch does not make a report
    unobtainable (a library may have it), so the reviewer confirms it, or not, in the workbook;
    the confirmed exclusion is what PRISMA counts under "reports not retrieved"."""
    ids = todo["work_id"].astype(str)
    failed = ids.isin(unretrieved)
    if not failed.any():
        return todo
    todo = todo.assign(retrieval=ids.map(lambda w: f"not retrieved by slr fulltext fetch {unretrieved[w]}"
                                         if w in unretrieved else None).to_numpy())
    todo.loc[failed.to_numpy(), "proposed_decision"] = "exclude"
    todo.loc[failed.to_numpy(), "proposed_reason"] = _not_retrieved_reason(reasons) or NOT_RETRIEVED[0]
    return todo


def workbook_name(stage: str, reviewer: str) -> str:
    """The file name of a reviewer's screening workbook in data/<id>/workbooks/."""
    return f"screening_{stage}_{_safe(reviewer)}.xlsx"


def _record_ids(frame: pd.DataFrame) -> tuple[str, ...]:
    return tuple("" if pd.isna(v) else str(v) for v in frame["record_ids"])


def screening_workbook(ctx: Context, path: Path, ledger: pd.DataFrame | None) -> FilledWorkbook:
    """A screening or conflicts workbook, with how to tell which of its decisions the ledger lacks."""
    config = ctx.protocol.screening
    vocab = (tuple(config.decisions), criteria.reason_vocabulary(config))

    def entries(book: Path) -> list[dict[str, Any]]:
        known = set(_works(ctx, usecols=["work_id"])[0]["work_id"])
        return _read_decisions(ctx, book, vocab, known, None, "")[0]

    def unimported(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
        # Who resolved a conflict is named on the import's command line: any resolver counts.
        mine = [r for r in rows if r["role"] != RESOLUTION]
        resolved = [r for r in rows if r["role"] == RESOLUTION]
        return (unimported_rows(ledger, mine, key=LEDGER_KEY, compare=LEDGER_COMPARE)
                + unimported_rows(ledger, resolved, key=LEDGER_KEY, compare=LEDGER_COMPARE, loose=["reviewer"]))

    typed = {SCREENING_SHEET: REVIEWER_COLUMNS, CONFLICTS_SHEET: REVIEWER_COLUMNS}
    return FilledWorkbook(path, entries, unimported, typed, "slr screen import")


def _screened_view(screened: pd.DataFrame) -> pd.DataFrame:
    """screened.csv: ids, the bibliographic basics, proposals, per-stage outcomes, status."""
    keep = ["work_id", "title", "year", "doi", "venue", "doc_type", "sources", "record_ids",
            "countries_detected", "regions", "quality_level", "relevance_score",
            "proposed_decision", "proposed_reason", "proposed_criterion",
            *(f"{s}_{x}" for s in STAGES for x in ("decision", "reason", "decided_by")),
            "status", "awaiting_stage", "excluded_at", "exclusion_reason", "conflict"]
    return screened.reindex(columns=keep)


def _safe(name: str) -> str:
    return "".join(c if c.isalnum() or c in "-_" else "_" for c in name.strip()) or "reviewer"


# ---------------------------------------------------------------------------------------------
# Import


@dataclass
class ImportSummary:
    files: int
    decisions: int
    added: int
    ledger: Path
    #: Rows deleted from the workbooks since export, per file: not decided (they come back).
    not_decided: dict[Path, int] = field(default_factory=dict)


def run_screen_import(ctx: Context, files: list[Path], *, reviewer: str | None = None) -> ImportSummary:
    """Validate every row of every workbook, then append the new decisions to the ledger."""
    works, _ = _works(ctx, usecols=["work_id"])
    known = set(works["work_id"])
    config = ctx.protocol.screening
    vocab = (tuple(config.decisions), criteria.reason_vocabulary(config))
    now = ctx.clock().isoformat()
    rows: list[dict[str, Any]] = []
    deleted: dict[Path, int] = {}
    for path in files:
        found, missing = _read_decisions(ctx, Path(path), vocab, known, reviewer, now)
        rows.extend(found)
        if missing:
            deleted[Path(path)] = len(missing)
    ledger_path = ctx.store.ledger_dir / LEDGER
    added = append_ledger(ledger_path, list(LEDGER_COLUMNS), lambda ledger: new_ledger_rows(
        ledger, rows, key=LEDGER_KEY, compare=LEDGER_COMPARE))
    return ImportSummary(files=len(files), decisions=len(rows), added=len(added), ledger=ledger_path,
                         not_decided=deleted)


def _read_decisions(ctx: Context, path: Path, vocab: tuple[tuple[str, ...], tuple[str, ...]], known: set[str],
                    reviewer: str | None, now: str) -> tuple[list[dict[str, Any]], list[str]]:
    """Every decision in a screening or conflicts workbook, checked; and the ids of rows deleted."""
    book = open_workbook(path)
    info = read_export_info(path, book, workbook_key(ctx.store.data_dir))
    check_export(path, info, review=ctx.protocol.id, kinds=["screening", "conflicts"])
    if info.kind == "screening" and info.stage not in STAGES:
        raise WorkbookError(f'{path}, hidden sheet "slr": stage "{info.stage}" is not a screening stage '
                            f"(stages are: {', '.join(STAGES)})",
                            hint="import the workbook as `slr screen --reviewer NAME --stage ...` wrote it")
    sheet = SCREENING_SHEET if info.kind == "screening" else CONFLICTS_SHEET
    frame = read_sheet(path, sheet, required=["work_id", "decision", "reason", "note", "record_ids"], book=book,
                       only=["stage"])
    missing = check_rows(path, sheet, frame, info, "work_id")
    signed = info.record_ids_of()
    decisions, reasons = vocab
    checksum = sha256_file(path)[:16]
    where = f'{path}, sheet "{sheet}"'
    out = []
    for row in frame.to_dict("records"):
        decision = check_choice(row["decision"], decisions, where=f"{where}, cell {column_ref(frame, 'decision', row['_row'])}",
                                column="decision")
        reason = check_choice(row["reason"], reasons, where=f"{where}, cell {column_ref(frame, 'reason', row['_row'])}",
                              column="reason")
        note = str(row["note"]).strip() if row["note"] is not None else None
        if decision is None:
            if reason or note:
                raise WorkbookError(f"{where}, cell {column_ref(frame, 'decision', row['_row'])}: a reason or note "
                                    "without a decision", hint="choose a decision, or clear the row's reason and note")
            continue
        if decision == "exclude" and not reason:
            raise WorkbookError(f"{where}, cell {column_ref(frame, 'reason', row['_row'])}: an exclusion needs a reason",
                                hint=f"choose one of: {', '.join(reasons)}")
        work_id = str(row["work_id"])
        record_ids = signed.get(work_id) or None
        if work_id not in known and not record_ids:
            raise WorkbookError(f"{where}, cell {column_ref(frame, 'work_id', row['_row'])}: unknown work_id {work_id}",
                                hint="export a fresh workbook with `slr screen --reviewer NAME`")
        stage = info.stage if info.kind == "screening" else str(row.get("stage") or "")
        if stage not in STAGES:
            raise WorkbookError(f"{where}, cell {column_ref(frame, 'stage', row['_row'])}: unknown stage \"{stage}\"",
                                hint=f"stages are: {', '.join(STAGES)}")
        out.append({
            "work_id": work_id, "stage": stage,
            "reviewer": (reviewer or info.reviewer or "consensus") if info.kind == "conflicts" else info.reviewer,
            "role": RESOLUTION if info.kind == "conflicts" else "reviewer",
            "decision": decision, "reason": reason, "note": note,
            "time": now, "workbook": path.name, "workbook_checksum": checksum, "record_ids": record_ids,
        })
    return out, missing


# ---------------------------------------------------------------------------------------------
# Agreement and status


def run_screen_agreement(ctx: Context) -> pd.DataFrame:
    """Kappa and percent agreement per stage and pair of reviewers, and each reviewer vs the criteria."""
    works, _ = _works(ctx)
    ledger, _ = _ledger(ctx)
    if ledger is None or ledger.empty:
        raise StageError("screen agreement: the screening ledger is empty",
                         hint="import reviewers' workbooks first: slr screen import FILE")
    mapped = map_ledger(ledger, works)
    mapped = mapped[mapped["role"] != RESOLUTION].sort_values("time", kind="stable")
    latest = mapped.groupby(["work_id", "stage", "reviewer"], as_index=False).last()
    proposals_path = ctx.store.stage_dir(STAGE) / "proposals.csv"
    proposals = None
    if proposals_path.exists():
        table = read_csv(proposals_path)
        proposals = pd.Series(table["proposed_decision"].to_numpy(), index=table["work_id"])
    return agreement(latest, proposals)


def screen_status(ctx: Context) -> dict[str, Any]:
    """The PRISMA counts of the last `slr screen` (from its manifest), or an error saying to run it."""
    manifest = ctx.store.read_manifest(STAGE)
    if manifest is None:
        raise StageError("screen status: screening has not run yet", hint="run `slr screen`")
    return manifest["counts"]
