"""`slr snowball`: one iteration of citation searching (backward and forward through OpenAlex, with
Semantic Scholar and Crossref for seeds OpenAlex lacks)."""

from __future__ import annotations

from typing import Annotated, Optional

import typer

from .common import context


def snowball(
    source: Annotated[Optional[str], typer.Option("--source", "-s", help="Only this `type: citations` source.",
                                                  metavar="NAME")] = None,
    offline: Annotated[bool, typer.Option("--offline", help="No network: say what is kept and what is left.")] = False,
) -> None:
    """Chase the citations of the included works (or the listed seeds) not chased before: one iteration.

    Keeps the pages under data/<id>/raw/<source>/; `slr search` (or `slr run`) then adds the records,
    counted as citation searching. Run it again after screening until it says it is complete.
    Example: slr snowball
    """
    from ..runner.snowball import run_snowball

    ctx = context()
    for s in run_snowball(ctx, source=source, offline=offline):
        if s.done or not s.records and s.folder is None:
            typer.echo(f"{s.source}: {s.reason}")
        else:
            found = ", ".join(f"{k} {v}" for k, v in sorted(s.by_direction.items())) or "nothing new"
            typer.echo(f"{s.source}: iteration {s.iteration} from {s.seeds} seeds: {s.records} records ({found}) "
                       f"→ {ctx.store.relative(s.folder) if s.folder else ''}/; {s.reason}")
        for note in s.notes:
            typer.echo(f"  note: {note}")
