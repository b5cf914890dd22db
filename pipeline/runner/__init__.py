"""Runners wire stages to files: load inputs → call the stage → write outputs and a manifest.

One module per stage verb. `run_all` runs the stages in order and skips those whose inputs and
protocol sections have not changed since their manifest was written.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from .context import Context
from .dedupe import DedupeSummary, run_dedupe
from .screen import ScreenSummary, run_screen
from .code import CodeSummary, run_code
from .synthesize import SynthesisSummary, run_synthesize
from .publish import PublishSummary, run_publish
from .init import init_review
from .search import SearchSummary, run_search
from .status import StageStatus, review_status, stage_state

__all__ = ["CodeSummary", "SynthesisSummary", "run_synthesize", "Context", "DedupeSummary", "run_code", "ScreenSummary", "SearchSummary", "run_dedupe", "run_screen", "StageStatus", "init_review", "review_status", "run_all", "run_search",
           "stage_state", "STAGE_RUNNERS", "PublishSummary", "run_publish"]

#: Stage name → runner(ctx, offline) in pipeline order. Stages not built yet are simply absent.
STAGE_RUNNERS: dict[str, Callable[[Context, bool], Any]] = {
    "search": lambda ctx, offline: run_search(ctx, offline=offline),
    "dedupe": lambda ctx, offline: run_dedupe(ctx),
    "screen": lambda ctx, offline: run_screen(ctx),
    "code": lambda ctx, offline: run_code(ctx) if ctx.protocol.codebook is not None else None,
    "synthesize": lambda ctx, offline: run_synthesize(ctx),
    "publish": lambda ctx, offline: run_publish(ctx),
}


@dataclass
class StageRun:
    stage: str
    ran: bool
    reason: str
    summary: Any = None


def run_all(ctx: Context, *, offline: bool = False, force: bool = False) -> list[StageRun]:
    """Run every available stage in order; skip the ones that are up to date unless `force`."""
    results = []
    for stage, runner in STAGE_RUNNERS.items():
        state = stage_state(ctx, stage)
        if state.state == "done" and not force:
            results.append(StageRun(stage, False, "up to date"))
            continue
        ctx.echo(f"── {stage} ({state.reason or state.state})")
        results.append(StageRun(stage, True, state.reason or state.state, runner(ctx, offline)))
    return results
