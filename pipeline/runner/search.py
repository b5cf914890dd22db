"""`slr search`: import every file source and query every API source, then write 01_search/.

Each imported file is copied into data/<id>/imports/<source>/ the first time its content is seen,
with a sidecar that pins when it was imported (so re-runs give identical records, and the exact
file behind every record is kept even if the original is later edited or moved). Everything is read and validated before anything is
written: a bad source leaves 01_search/ exactly as it was.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from ..config import ApiSource, FileSource
from ..errors import PipelineError, SourceError
from ..records import make_records
from ..sources import read_source_file
from ..stages.search import combine_records, new_since_last_run, search_log
from ..store import copy_file, read_csv, sha256_file, write_csv, write_json
from .context import Context, run_id_for

STAGE = "search"


@dataclass
class SearchSummary:
    records: int
    new: int
    per_source: dict[str, int]
    failed: dict[str, str]
    warnings: int
    folder: Path


def run_search(ctx: Context, *, offline: bool = False, only: list[str] | None = None) -> SearchSummary:
    """Run every source (or `only` these), write records.csv, search_log.csv and the manifest."""
    started = ctx.begin(STAGE)
    run_id = run_id_for(started)
    sources = [ctx.protocol.source(name) for name in only] if only else list(ctx.protocol.sources)
    stage_dir = ctx.store.stage_dir(STAGE)
    previous = read_csv(stage_dir / "records.csv") if (stage_dir / "records.csv").exists() else None
    frames: list[pd.DataFrame] = []
    log_rows: list[dict[str, Any]] = []
    failed: dict[str, str] = {}
    copies: list[_KeptCopy] = []
    kept_log = _previous_log(stage_dir)
    for source in sources:
        try:
            if isinstance(source, FileSource):
                frame, row, copy = _import_file(ctx, source, run_id)
                copies.append(copy)
            elif source.type == "citations":  # fetched by `slr snowball`; search only reads its kept pages
                from .snowball import citation_records
                frame, row = citation_records(ctx, source)
            else:
                frame, row = _search_api(ctx, source, run_id, offline)
        except PipelineError as exc:
            if not getattr(source, "optional", False):
                raise
            failed[source.name] = str(exc)
            ctx.echo(f"warning: optional source {source.name} failed: {exc}")
            continue
        frames.append(frame)
        log_rows.append(row)
        ctx.echo(f"{source.name}: {len(frame)} records")
    if only and previous is not None:
        # Sources not run this time keep their earlier records and log rows.
        others = previous[~previous["source"].isin(only)]
        frames.insert(0, others)
        log_rows = [r for r in kept_log if r.get("source") not in only] + log_rows
    for copy in copies:
        copy.write()
    records = combine_records(frames, previous)
    log = search_log(log_rows)
    write_csv(stage_dir / "records.csv", records)
    write_csv(stage_dir / "search_log.csv", log)
    per_source = records.groupby("source").size().to_dict() if len(records) else {}
    counts = {"records": len(records), "new_since_last_run": new_since_last_run(records),
              "per_source": {str(k): int(v) for k, v in per_source.items()},
              "warnings": int(log["warnings_count"].fillna(0).astype(int).sum()) if len(log) else 0}
    ctx.store.write_manifest(STAGE, ctx.manifest(STAGE, counts=counts, started=started, extra={"run_id": run_id, "failed": failed}))
    return SearchSummary(records=len(records), new=counts["new_since_last_run"], per_source=counts["per_source"],
                         failed=failed, warnings=counts["warnings"], folder=stage_dir)


def _previous_log(stage_dir: Path) -> list[dict[str, Any]]:
    path = stage_dir / "search_log.csv"
    return read_csv(path).to_dict("records") if path.exists() else []


@dataclass
class _KeptCopy:
    """A copy of an imported file to place under data/ once every source has been read."""

    original: Path
    stored: Path
    meta: dict[str, Any]
    is_new: bool

    def write(self) -> None:
        if not self.is_new:
            return
        copy_file(self.original, self.stored)
        write_json(self.stored.with_name(self.stored.name + ".json"), self.meta)


def _import_file(ctx: Context, source: FileSource, run_id: str) -> tuple[pd.DataFrame, dict[str, Any], _KeptCopy]:
    """Read one export file into records and a search-log row; say where its copy will be kept."""
    parsed, fmt = read_source_file(source)
    checksum = sha256_file(source.path)
    stored = ctx.store.imports_dir(source.name) / f"{checksum[:12]}{source.path.suffix.lower()}"
    sidecar = stored.with_name(stored.name + ".json")
    is_new = not sidecar.exists()
    # The first import of this exact content pins its time and run, so re-runs give identical records.
    meta = (json.loads(sidecar.read_text(encoding="utf-8")) if not is_new else
            {"original": ctx.store.relative(source.path), "sha256": checksum,
             "imported_at": ctx.clock().isoformat(), "run_id": run_id})
    ids = [raw.get("_id") for raw in parsed.records]
    frame, warnings = make_records(parsed.records, source=source.name, source_query=source.query,
                                   native_ids=ids, retrieved_at=meta["imported_at"], run_id=meta["run_id"])
    warnings = parsed.warnings + warnings
    searched_on = source.searched_on.isoformat() if source.searched_on else meta["imported_at"][:10]
    row = {
        "source": source.name, "type": source.type, "database": source.database, "platform": source.platform,
        "query": source.query, "filters": None, "searched_on": searched_on, "run_id": meta["run_id"],
        "reported_total": None, "records_found": parsed.found if parsed.found is not None else len(parsed.records),
        "records_read": len(frame), "pages": None, "retries": None, "errors": None, "complete": True,
        "file": ctx.store.relative(source.path), "file_checksum": checksum, "format": fmt,
        "warnings_count": len(warnings), "warnings": " | ".join(warnings[:200]) or None,
    }
    return frame, row, _KeptCopy(source.path, stored, meta, is_new)


def _search_api(ctx: Context, source: ApiSource, run_id: str, offline: bool) -> tuple[pd.DataFrame, dict[str, Any]]:
    """Query one API source (or rebuild it from kept pages) into records and a search-log row."""
    with ctx.track(source.name) as report:
        from ..sources.api import run_api_source  # requests and the connectors: only for API sources

        run = run_api_source(source, ctx.store.raw_dir(source.name), run_id=run_id, offline=offline, progress=report)
    ids = [raw.get("_id") for raw in run.records]
    frame, warnings = make_records(run.records, source=source.name, source_query=source.query, native_ids=ids,
                                   run_id=run_id)
    log = run.log
    row = {
        "source": source.name, "type": source.type, "database": source.database or source.type, "platform": "API",
        "query": log.get("query_sent", source.query), "filters": json.dumps(source.filters, sort_keys=True) if source.filters else None,
        "searched_on": log.get("started_at"), "run_id": log.get("run_id", run_id),
        "reported_total": log.get("reported_total"), "records_found": log.get("retrieved", len(run.records)),
        "records_read": len(frame), "pages": log.get("pages"), "retries": log.get("retries"),
        "errors": log.get("errors"), "complete": log.get("complete"), "file": None, "file_checksum": None,
        "format": "api", "warnings_count": len(warnings), "warnings": " | ".join(warnings[:200]) or None,
    }
    return frame, row
