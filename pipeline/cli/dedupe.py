"""`slr dedupe` (run the stage) and `slr dedupe import` (reviewers' answers about uncertain pairs)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

from .common import context

app = typer.Typer(no_args_is_help=False,
                  rich_markup_mode=None)


@app.callback(invoke_without_command=True)
def dedupe(typer_ctx: typer.Context) -> None:
    """Find the records that are one work: write 02_dedupe/ (records, works, pairs, review.xlsx).

    Example: slr -c config/demo.yaml dedupe
    """
    if typer_ctx.invoked_subcommand is not None:
        return
    from ..runner.dedupe import run_dedupe

    ctx = context()
    s = run_dedupe(ctx)
    typer.echo(f"{s.records} records → {s.works} works ({s.duplicates_removed} duplicates removed); "
               f"{s.uncertain} uncertain pairs, {s.to_review} to review, {s.answers_applied} reviewer answers applied "
               f"→ {ctx.store.relative(s.folder)}/")
    for source, counts in s.per_source.items():
        typer.echo(f"  {source}: {counts['records']} records, {counts['duplicates_removed']} duplicates removed")
    if s.to_review:
        typer.echo(f"Review the pairs in {ctx.store.relative(s.folder / 'review.xlsx')}, then: slr dedupe import FILE")


@app.command("import")
def import_(
    files: Annotated[list[Path], typer.Argument(help="review.xlsx workbooks with answers filled in.")],
    reviewer: Annotated[Optional[str], typer.Option("--reviewer", help="Who answered (kept in the ledger).")] = None,
) -> None:
    """Store reviewers' same / different answers in the dedupe ledger; every later run honours them.

    Every row of every file is checked before anything is written; the error names the sheet and cell.
    Importing the same workbook twice adds nothing. Run `slr dedupe` afterwards to apply the answers.

    \b
    Example: slr -c config/demo.yaml dedupe import outputs/demo/02_dedupe/review.xlsx --reviewer ana
    """
    ctx = context()
    from ..runner.dedupe import run_dedupe_import

    s = run_dedupe_import(ctx, files, reviewer=reviewer)
    typer.echo(f"{s.answers} answers read from {s.files} file(s); {s.added} new or changed added to "
               f"{ctx.store.relative(s.ledger)}. Run `slr dedupe` to apply them.")
