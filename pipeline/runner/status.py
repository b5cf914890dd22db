"""`slr status`: per stage, done / stale / missing, and the counts so far."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..store import STAGES, sha256_file
from .context import Context


@dataclass
class StageStatus:
    stage: str
    folder: str
    state: str  # done | stale | missing
    reason: str = ""
    counts: dict[str, Any] = field(default_factory=dict)
    finished_at: str | None = None


def stage_state(ctx: Context, stage: str) -> StageStatus:
    """Compare a stage's manifest with its inputs and protocol sections as they are now."""
    folder = ctx.store.relative(ctx.store.stage_dir(stage))
    manifest = ctx.store.read_manifest(stage)
    if manifest is None:
        return StageStatus(stage, folder, "missing", "never run")
    counts = manifest.get("counts", {})
    finished = manifest.get("finished_at")
    sections = tuple(manifest.get("protocol_sections", ()))
    if ctx.protocol.section_checksum(*sections) != manifest.get("protocol_checksum"):
        return StageStatus(stage, folder, "stale", f"protocol section changed: {', '.join(sections)}", counts, finished)
    for relpath, checksum in manifest.get("inputs", {}).items():
        path = Path(relpath) if Path(relpath).is_absolute() else ctx.root / relpath
        if not path.exists():
            return StageStatus(stage, folder, "stale", f"input missing: {relpath}", counts, finished)
        if sha256_file(path) != checksum:
            return StageStatus(stage, folder, "stale", f"input changed: {relpath}", counts, finished)
    return StageStatus(stage, folder, "done", "", counts, finished)


def review_status(ctx: Context) -> list[StageStatus]:
    return [stage_state(ctx, stage) for stage in STAGES]
