"""`slr screen` and its sub-commands: reviewer workbooks, import, agreement, status, simulate."""

from __future__ import annotations

from enum import Enum
from pathlib import Path
from typing import Annotated, Optional

import typer

from ..phases import Phase
from .common import context, state

app = typer.Typer(no_args_is_help=False, rich_markup_mode=None)


@app.callback(invoke_without_command=True)
def screen(
    typer_ctx: typer.Context,
    reviewer: Annotated[Optional[list[str]], typer.Option("--reviewer", help="Write a workbook for this reviewer (repeat for dual screening).", metavar="NAME")] = None,
    phase: Annotated[Phase, typer.Option("--phase", "--stage", help="The screening phase the workbooks are for.")] = Phase.title_abstract,
) -> None:
    """Apply the criteria and the decisions so far; write 03_screen/ and a workbook per reviewer.

    Example: slr -c config/demo.yaml screen --reviewer ana --reviewer bo
    """
    if typer_ctx.invoked_subcommand is not None:
        return
    from ..runner.screen import run_screen

    ctx = context()
    s = run_screen(ctx, reviewer or [], phase.value)
    statuses = ", ".join(f"{k} {v}" for k, v in s.statuses.items())
    typer.echo(f"{s.works} works: {statuses} → {ctx.store.relative(s.folder)}/")
    for path in s.workbooks:
        typer.echo(f"  workbook: {ctx.store.relative(path)}")
    if s.conflicts:
        typer.echo(f"  conflicts to resolve: {ctx.store.relative(s.conflicts)} (import it like a workbook)")
    if s.proposed_not_retrieved:
        typer.echo(f"  {s.proposed_not_retrieved} reports `slr fulltext fetch` did not retrieve are proposed as not "
                   "retrieved (column retrieval): confirm with exclude and that reason, or decide on the report you found")
    for note in s.notes:
        typer.echo(f"  note: {note}")


@app.command("import")
def import_(
    files: Annotated[list[Path], typer.Argument(help="Screening or conflicts workbooks with decisions filled in.")],
    reviewer: Annotated[Optional[str], typer.Option("--reviewer", help="Who resolved a conflicts workbook (default: consensus).")] = None,
) -> None:
    """Check every decision in the workbooks, then add them to the screening ledger.

    Nothing is written if any row is wrong; the error names the sheet and cell. Example:
    slr -c config/demo.yaml screen import data/demo/workbooks/screening_title_abstract_ana.xlsx
    """
    from ..runner.screen import run_screen_import

    ctx = context()
    s = run_screen_import(ctx, files, reviewer=reviewer)
    typer.echo(f"{s.decisions} decisions read from {s.files} file(s); {s.added} new or changed added to "
               f"{ctx.store.relative(s.ledger)}. Run `slr screen` to apply them.")
    for path, n in s.not_decided.items():
        typer.echo(f"  {path}: {n} row(s) deleted since export: not decided, they come back in the next workbook")


class Tool(str, Enum):
    """The tools whose exports `screen import-decisions` reads (sources/decisions.py)."""

    asreview = "asreview"
    rayyan = "rayyan"
    covidence = "covidence"


@app.command("import-decisions")
def import_decisions(
    file: Annotated[Path, typer.Argument(help="The tool's export: ASReview CSV/RIS, Rayyan CSV/RIS, Covidence CSV.")],
    tool: Annotated[Tool, typer.Option("--tool", help="The tool the file comes from.")],
    reviewer: Annotated[str, typer.Option("--reviewer", help="Who decided (for Rayyan: the reviewer's name there).", metavar="NAME")],
    phase: Annotated[Phase, typer.Option("--phase", "--stage", help="The screening phase the decisions are for.")] = Phase.title_abstract,
    decision: Annotated[Optional[str], typer.Option("--decision", help="Covidence: the decision of the list exported.")] = None,
    reason: Annotated[Optional[str], typer.Option("--reason", help="Exclusion reason where the tool gives none of the protocol's.")] = None,
) -> None:
    """Add decisions made in ASReview LAB, Rayyan or Covidence to the screening ledger.

    Rows are matched to works by slr work id, DOI, title and year, then record ids. Nothing is
    written if any row is wrong; the error names the row. Example:
    slr -c config/demo.yaml screen import-decisions asreview_export.csv --tool asreview --reviewer ana --reason "not about micro-credentials"
    """
    from ..runner.screen_external import run_import_decisions

    ctx = context()
    s = run_import_decisions(ctx, file, tool=tool.value, reviewer=reviewer, stage=phase.value, decision=decision,
                             reason=reason)
    typer.echo(f"{s.decisions} decisions read from {s.rows} rows ({s.not_decided} without a decision); {s.added} new "
               f"or changed added to {ctx.store.relative(s.ledger)}. Run `slr screen` to apply them.")


@app.command()
def agreement() -> None:
    """Cohen's kappa and percent agreement per stage and reviewer pair, and each reviewer vs the criteria.

    Example: slr -c config/demo.yaml screen agreement
    """
    from ..runner.screen import run_screen_agreement

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
    """PRISMA counts of screening, and per stage the figures to decide when to stop screening.

    Stopping figures: works screened by people, relevant found, estimated recall (from the
    share of relevant works since the second-last relevant decision), a 95 % lower bound on
    recall (rule of three over the irrelevant decisions since the last relevant one) and the
    knee method; each with its method, for the report.

    Example: slr -c config/demo.yaml screen status
    """
    from ..runner.screen import screen_status

    counts = screen_status(context())
    typer.echo(f"Title/abstract: {counts['records_screened']} works screened, {counts['records_excluded']} excluded, "
               f"{counts['reports_sought']} sought, {counts['awaiting_title_abstract']} awaiting, "
               f"{counts.get('conflicts_title_abstract', 0)} in conflict")
    for reason, n in counts["records_excluded_by_reason"].items():
        typer.echo(f"    excluded, {reason}: {n}")
    typer.echo(f"Full text: {counts['reports_sought']} sought, {counts['reports_not_retrieved']} not retrieved, "
               f"{counts['reports_assessed']} assessed, {counts['reports_excluded']} excluded, "
               f"{counts['awaiting_full_text']} awaiting, {counts.get('conflicts_full_text', 0)} in conflict")
    for reason, n in counts["reports_excluded_by_reason"].items():
        typer.echo(f"    excluded, {reason}: {n}")
    typer.echo(f"Conflicts: {counts['conflicts']}; included: {counts['studies_included']}")
    for stage, figures in counts.get("stopping", {}).items():
        for line in stopping_lines(stage, figures):
            typer.echo(line)


@app.command()
def simulate(
    labelled: Annotated[Path, typer.Argument(help="CSV with title and/or abstract and a 1/0 label per record.")],
    out: Annotated[Optional[Path], typer.Option("--out", help="Folder for the results (default: outputs/simulations/<file>-seed<N>/ under the root).")] = None,
    label: Annotated[Optional[str], typer.Option("--label", help="The label column (default: label_included, included, label, …).")] = None,
    seed: Annotated[int, typer.Option("--seed", help="Draws the prior knowledge, as asreview simulate --prior-seed.")] = 0,
    batch: Annotated[int, typer.Option("--batch", help="Decisions per round before the model retrains (1, or a workbook's size).")] = 1,
    prior_included: Annotated[int, typer.Option("--prior-included", help="Relevant records known at the start.")] = 1,
    prior_excluded: Annotated[int, typer.Option("--prior-excluded", help="Irrelevant records known at the start.")] = 1,
) -> None:
    """Replay a fully labelled dataset through the ranker: recall curve, WSS@95, WSS@100, RRF@10.

    Writes recall_curve.csv, recall_curve.png, order.csv and figures.json. Needs no review.
    Example: slr screen simulate Donners_2021.csv --seed 1 --batch 20
    """
    from ..runner.simulate import run_simulate

    folder = out if out is not None else Path(state["root"]) / "outputs" / "simulations" / f"{labelled.stem}-seed{seed}"
    s = run_simulate(labelled, folder, label=label, seed=seed, batch=batch, prior_included=prior_included,
                     prior_excluded=prior_excluded)
    f = s.figures
    typer.echo(f"{s.records} records, {s.relevant} relevant; prior knowledge: rows {', '.join(map(str, s.prior_rows))}")
    typer.echo(f"WSS@95 {f['wss_95']:.3f}, WSS@100 {f['wss_100']:.3f}, recall at 10 % {f['recall_10']:.3f} "
               f"(RRF@10 {f['rrf_10']:.1f}) → {folder}/")


def stopping_lines(stage: str, f: dict) -> list[str]:
    """The stopping figures of one stage in words, each estimate with its method."""
    name = {"title_abstract": "Title/abstract", "full_text": "Full text"}.get(stage, stage)
    by_criteria = f.get("decided_by_criteria", 0)
    lines = [f"Stopping, {name}: {f['screened']} works screened by people, {f['relevant_found']} relevant found, "
             f"{f['unscreened']} not yet screened" + (f" ({by_criteria} decided by the criteria)" if by_criteria else "")
             + f"; {f['consecutive_irrelevant']} irrelevant in a row since the last relevant one"]
    recall = f["estimated_recall"]
    lines.append(f"    estimated recall: {'—' if recall is None else f'{recall:.2f}'} ({f['estimated_recall_method']}"
                 + ("" if f["estimated_remaining"] is None else f"; {f['estimated_remaining']:.1f} estimated remaining")
                 + ")")
    bound = f["recall_lower_bound"]
    lines.append(f"    recall at least: {'—' if bound is None else f'{bound:.2f}'} ({f['recall_lower_bound_method']})")
    ratio = f["knee_slope_ratio"]
    verdict = "stop" if f["knee_stop"] else "not yet"
    lines.append(f"    knee method: {verdict}" + ("" if ratio is None else f", slope ratio {ratio:.1f}")
                 + f" ({f['knee_method']})")
    return lines
