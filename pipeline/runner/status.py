"""`slr status` and `slr run`'s freshness check: per stage, done / stale / missing / skipped.

Derived from the stage table (pipeline/stage_table.py) alone: a stage is stale when another
version of slr made it (an upgrade may change what a stage writes), when one of its protocol
sections changed, when one of its declared inputs changed, appeared or disappeared since its
manifest was written, when a file it always writes is missing, or when a stage it reads from is
stale or missing. The reason names the version, the input (or the upstream stage and its own
reason).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .. import __version__
from ..stage_table import STAGES_BY_NAME, ordered_stages
from .context import Context
from .inputs import applies, first_difference, fingerprint


@dataclass
class StageStatus:
    stage: str
    folder: str
    state: str  # done | stale | missing | skipped
    reason: str = ""
    counts: dict[str, Any] = field(default_factory=dict)
    finished_at: str | None = None


def stage_state(ctx: Context, name: str, known: dict[str, StageStatus] | None = None) -> StageStatus:
    """The state of one stage now; `known` holds states already worked out for upstream stages."""
    known = {} if known is None else known
    stage = STAGES_BY_NAME[name]
    folder = ctx.store.relative(ctx.store.stage_dir(name))
    if not applies(ctx, stage):
        return StageStatus(name, folder, "skipped", f"the protocol sets no `{stage.needs}`")
    manifest = ctx.store.read_manifest(name)
    if manifest is None:
        return StageStatus(name, folder, "missing", "never run")
    counts = manifest.get("counts", {})
    finished = manifest.get("finished_at")

    def stale(reason: str) -> StageStatus:
        return StageStatus(name, folder, "stale", reason, counts, finished)

    made_by = (manifest.get("versions") or {}).get("slr")
    if made_by and made_by != __version__:
        return stale(f"made by slr {made_by}; this is slr {__version__}")
    sections = stage.sections
    if tuple(manifest.get("protocol_sections", ())) != sections or \
            ctx.protocol.section_checksum(*sections) != manifest.get("protocol_checksum"):
        return stale(f"protocol section changed: {', '.join(sections)}")
    for upstream in stage.upstream():
        if not applies(ctx, STAGES_BY_NAME[upstream]):
            continue
        if upstream not in known:
            known[upstream] = stage_state(ctx, upstream, known)
        before = known[upstream]
        if before.state in ("stale", "missing"):
            return stale(f"{before.folder} is {before.state} ({before.reason})")
    difference = first_difference(manifest, fingerprint(ctx, stage, manifest))
    if difference:
        return stale(difference)
    gone = missing_outputs(ctx, name)
    if gone:
        return stale(f"output {gone[0]} is missing" + (f" (and {len(gone) - 1} more)" if len(gone) > 1 else ""))
    return StageStatus(name, folder, "done", "", counts, finished)


def missing_outputs(ctx: Context, name: str) -> list[str]:
    """The files a stage always writes (its declared outputs, leaving out those written only in some
    runs `?`, families `*` and varying names `<…>`) that are not in its folder now: deleted by hand,
    or declared after the stage last ran. Either way the stage must run again."""
    stage_dir = ctx.store.stage_dir(name)
    return [f"{ctx.store.relative(stage_dir)}/{output}" for output in STAGES_BY_NAME[name].writes
            if not any(mark in output for mark in "?*<") and not (stage_dir / output).exists()]


def review_status(ctx: Context) -> list[StageStatus]:
    """Every stage's state, in run order."""
    known: dict[str, StageStatus] = {}
    for stage in ordered_stages():
        known[stage.name] = stage_state(ctx, stage.name, known)
    return [known[stage.name] for stage in ordered_stages()]
