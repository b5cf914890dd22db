"""`slr screen` and its sub-commands: reviewer workbooks, import, agreement, status."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

from ..runner.screen import run_screen, run_screen_agreement, run_screen_import, screen_status
from .common import context

app = typer.Typer(no_args_is_help=False, rich_markup_mode=None)


@app.callback(invoke_without_command=True)
def screen(
    typer_ctx: typer.Context,
    reviewer: Annotated[Optional[list[str]], typer.Option("--reviewer", help="Write a workbook for this reviewer (repeat for dual screening).", metavar="NAME")] = None,
    stage: Annotated[str, typer.Option("--stage", help="title_abstract or full_text.")] = "title_abstract",
) -> None:
    """Apply the criteria and the decisions so far; write 03_screen/ and a workbook per reviewer.

    Example: slr -c config/demo.yaml screen --reviewer ana --reviewer bo
    """
    if typer_ctx.invoked_subcommand is not None:
        return
    ctx = context()
    s = run_screen(ctx, reviewer or [], stage)
    statuses = ", ".join(f"{k} {v}" for k, v in s.statuses.items())
    typer.echo(f"{s.works} works: {statuses} → {ctx.store.relative(s.folder)}/")
    for path in s.workbooks:
        typer.echo(f"  workbook: {ctx.store.relative(path)}")
    if s.conflicts:
        typer.echo(f"  conflicts to resolve: {ctx.store.relative(s.conflicts)} (import it like a workbook)")


@app.command("import")
def import_(
    files: Annotated[list[Path], typer.Argument(help="Screening or conflicts workbooks with decisions filled in.")],
    reviewer: Annotated[Optional[str], typer.Option("--reviewer", help="Who resolved a conflicts workbook (default: consensus).")] = None,
) -> None:
    """Check every decision in the workbooks, then add them to the screening ledger.

    Nothing is written if any row is wrong; the error names the sheet and cell. Example:
    slr -c config/demo.yaml screen import outputs/demo/03_screen/screening_title_abstract_ana.xlsx
    """
    ctx = context()
    s = run_screen_import(ctx, files, reviewer=reviewer)
    typer.echo(f"{s.decisions} decisions read from {s.files} file(s); {s.added} new or changed added to "
               f"{ctx.store.relative(s.ledger)}. Run `slr screen` to apply them.")


@app.command()
def agreement() -> None:
    """Cohen's kappa and percent agreement per stage and reviewer pair, and each reviewer vs the criteria.

    Example: slr -c config/demo.yaml screen agreement
    """
    table = run_screen_agreement(context())
    if table.empty:
        typer.echo("No works decided by two raters yet.")
        return
    for row in table.to_dict("records"):
        kappa = "undefined" if row["kappa"] is None or row["kappa"] != row["kappa"] else f"{row['kappa']:.3f}"
        typer.echo(f"{row['stage']:<15} {row['rater_a']} vs {row['rater_b']}: {row['works']} works, "
                   f"{row['percent_agreement']:.1f}% agreement, kappa {kappa}")


@app.command()
def status() -> None:
    """PRISMA counts of screening: screened, excluded by reason, awaiting, conflicts, included.

    Example: slr -c config/demo.yaml screen status
    """
    counts = screen_status(context())
    typer.echo(f"Title/abstract: {counts['records_screened']} works screened, {counts['records_excluded']} excluded, "
               f"{counts['awaiting_title_abstract']} awaiting")
    for reason, n in counts["records_excluded_by_reason"].items():
        typer.echo(f"    excluded, {reason}: {n}")
    typer.echo(f"Full text: {counts['reports_sought']} sought, {counts['reports_not_retrieved']} not retrieved, "
               f"{counts['reports_assessed']} assessed, {counts['reports_excluded']} excluded, "
               f"{counts['awaiting_full_text']} awaiting")
    for reason, n in counts["reports_excluded_by_reason"].items():
        typer.echo(f"    excluded, {reason}: {n}")
    typer.echo(f"Conflicts: {counts['conflicts']}; included: {counts['studies_included']}")
