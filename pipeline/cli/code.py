"""`slr code` and its sub-commands: coding workbook, import, agreement."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from .common import context

app = typer.Typer(no_args_is_help=False, rich_markup_mode=None)


@app.callback(invoke_without_command=True)
def code(typer_ctx: typer.Context) -> None:
    """Propose codes with evidence for the included works; write 04_code/ and the coding workbook.

    Example: slr -c config/demo.yaml code
    """
    if typer_ctx.invoked_subcommand is not None:
        return
    from ..runner.code import run_code

    ctx = context()
    s = run_code(ctx)
    typer.echo(f"{s.works} included works: {s.proposed} codes proposed, {s.codes} codes standing "
               f"({s.human_themes} themes coded by people); {s.fulltexts} full texts matched, "
               f"{s.unmatched_files} files unmatched or unreadable → {ctx.store.relative(s.folder)}/")
    if s.evidence:
        e = s.evidence
        typer.echo(f"  evidence: {e['cells']} cells, {e['title_percent']}% the source's title itself, "
                   f"{e['prose_percent']}% a sentence of its prose; {e['rejected_percent']}% of the "
                   f"{e['reviewed_proposals']} proposals coders reviewed were rejected; "
                   f"{s.definitions} definitional sentences in {e['works_with_definitions']} works")
    if s.conflicts:
        typer.echo(f"  {s.conflicts} themes where coders disagree: see the Conflicts sheet of "
                   f"{ctx.store.relative(s.workbook)}; "
                   "settle them with `slr code import FILE --coder consensus`")
    if s.awaiting_second_coder:
        typer.echo(f"  {s.awaiting_second_coder} coded themes await the second coder (coding: coders: 2)")


@app.command("import")
def import_(
    files: Annotated[list[Path], typer.Argument(help="coding.xlsx workbooks with codes and extraction filled in.")],
    coder: Annotated[str, typer.Option("--coder", help='Who coded (kept in the ledger); "consensus" settles '
                                        "conflicts.")] = "coder",
) -> None:
    """Check every coded row (reviewed = yes) and extraction row, then add them to the ledgers.

    Nothing is written if any row is wrong; the error names the sheet and cell. A theme cell holds
    the theme's codes separated by ";" (the Codes sheet lists them); an empty cell in a reviewed
    row means no code applies. Example:
    slr -c config/demo.yaml code import data/demo/workbooks/coding.xlsx --coder ana
    """
    from ..runner.code import run_code_import

    s = run_code_import(context(), files, coder=coder)
    typer.echo(f"{s.themes} coded themes and {s.issuers} issuer rows read from {s.files} file(s); "
               f"{s.added} and {s.issuers_added} new or changed added to the ledgers. Run `slr code` to apply them.")
    for path, n in s.not_decided.items():
        typer.echo(f"  {path}: {n} row(s) deleted since export: not coded, they come back in the next workbook")
    if s.definitions_added:
        typer.echo(f"  {s.definitions_added} definition(s) confirmed, edited, rejected or added "
                   "(data/<id>/ledger/definitions.csv)")


@app.command()
def agreement() -> None:
    """Per theme and pair of coders: works both coded, identical code sets, kappa; and the conflicts.

    Writes 04_code/agreement.xlsx (sheets Agreement and Conflicts). Example:
    slr -c config/demo.yaml code agreement
    """
    ctx = context()
    from ..runner.code import run_code_agreement

    s = run_code_agreement(ctx)
    if s.agreement.empty:
        typer.echo("No theme coded by two coders yet.")
    for row in s.agreement.to_dict("records"):
        kappa = "undefined" if row["kappa"] is None or row["kappa"] != row["kappa"] else f"{row['kappa']:.3f}"
        typer.echo(f"{row['rq']}.{row['theme']:<26} {row['coder_a']} vs {row['coder_b']}: {row['works']} works, "
                   f"{row['same_codes']} identical, kappa {kappa}")
    typer.echo(f"{len(s.conflicts)} conflicts → {ctx.store.relative(s.workbook)}")
