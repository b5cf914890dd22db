"""`slr synthesize`: the synthesis workbook, tables, PRISMA diagram, charts, catalogue and report."""

from __future__ import annotations

import typer

from .common import context


def synthesize() -> None:
    """Write 05_synthesis/: synthesis.xlsx, tables/, prisma.png/.svg, figures/, catalogue, exports, report.

    Example: slr -c config/demo.yaml synthesize
    """
    from ..runner.synthesize import run_synthesize

    ctx = context()
    s = run_synthesize(ctx)
    typer.echo(f"{s.included} included sources; {len(s.sheets)} sheets → {ctx.store.relative(s.workbook)}")
