"""Runners wire stages to files: load inputs → call the stage → write outputs and a manifest.

One module per stage verb; what each stage reads and writes is declared in
pipeline/stage_table.py. `run_all` runs the stages in the order derived from those declarations
and skips the ones whose inputs and protocol sections have not changed.

The library API, as a notebook would use it:

    from pipeline.runner import Context, run_search, run_dedupe, run_screen
    ctx = Context.load("my-review")
    run_search(ctx); run_dedupe(ctx); run_screen(ctx, reviewers=["ana"])

Names are imported on first use (PEP 562), so that `slr --help` and `slr status` do not pay for
pandas, scikit-learn and matplotlib.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from .context import Context
from .status import StageStatus, review_status, stage_state

if TYPE_CHECKING:  # for readers and type checkers; at run time these load on first use
    from .code import CodeSummary, run_code, run_code_agreement, run_code_import
    from .dedupe import DedupeSummary, run_dedupe, run_dedupe_import
    from .init import init_review
    from .publish import PublishSummary, run_publish
    from .screen import ScreenSummary, run_screen, run_screen_agreement, run_screen_import, screen_status
    from .search import SearchSummary, run_search
    from .simulate import run_simulate
    from .synthesize import SynthesisSummary, run_synthesize

#: Public name → the runner module that defines it.
_LAZY = {
    "CodeSummary": "code", "run_code": "code", "run_code_agreement": "code", "run_code_import": "code",
    "DedupeSummary": "dedupe", "run_dedupe": "dedupe", "run_dedupe_import": "dedupe",
    "init_review": "init",
    "PublishSummary": "publish", "run_publish": "publish",
    "ScreenSummary": "screen", "run_screen": "screen", "run_screen_agreement": "screen",
    "run_screen_import": "screen", "screen_status": "screen",
    "SearchSummary": "search", "run_search": "search",
    "run_simulate": "simulate",
    "SynthesisSummary": "synthesize", "run_synthesize": "synthesize",
}

__all__ = ["Context", "StageRun", "StageStatus", "review_status", "run_all", "stage_state", "STAGE_RUNNERS", *_LAZY]


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        value = getattr(importlib.import_module(f"{__name__}.{_LAZY[name]}"), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def _search(ctx: Context, offline: bool) -> Any:
    from .search import run_search
    return run_search(ctx, offline=offline)


def _dedupe(ctx: Context, offline: bool) -> Any:
    from .dedupe import run_dedupe
    return run_dedupe(ctx)


def _screen(ctx: Context, offline: bool) -> Any:
    from .screen import run_screen
    return run_screen(ctx)


def _code(ctx: Context, offline: bool) -> Any:
    from .code import run_code
    return run_code(ctx)


def _synthesize(ctx: Context, offline: bool) -> Any:
    from .synthesize import run_synthesize
    return run_synthesize(ctx)


def _publish(ctx: Context, offline: bool) -> Any:
    from .publish import run_publish
    return run_publish(ctx)


#: Stage name (pipeline/stage_table.py) → how `slr run` runs it: runner(ctx, offline).
STAGE_RUNNERS: dict[str, Callable[[Context, bool], Any]] = {
    "search": _search,
    "dedupe": _dedupe,
    "screen": _screen,
    "code": _code,
    "synthesize": _synthesize,
    "publish": _publish,
}


@dataclass
class StageRun:
    stage: str
    ran: bool
    reason: str
    summary: Any = None


def run_all(ctx: Context, *, offline: bool = False, force: bool = False) -> list[StageRun]:
    """Run every stage in dependency order; skip the up-to-date ones unless `force`.

    Each stage's state is worked out just before it would run, so a stage whose upstream re-ran
    and wrote different files is re-run too (and one whose upstream wrote the same bytes is not).
    """
    from ..stage_table import ordered_stages

    results = []
    for stage in ordered_stages():
        state = stage_state(ctx, stage.name)
        if state.state == "skipped":
            results.append(StageRun(stage.name, False, state.reason))
            continue
        if state.state == "done" and not force:
            results.append(StageRun(stage.name, False, "up to date"))
            continue
        reason = "forced" if force and state.state == "done" else (state.reason or state.state)
        ctx.echo(f"── {stage.name} ({reason})")
        results.append(StageRun(stage.name, True, reason, STAGE_RUNNERS[stage.name](ctx, offline)))
    return results
