"""`slr fulltext fetch`: open-access copies of the reports sought for retrieval."""

from __future__ import annotations

import typer

from .common import context

app = typer.Typer(no_args_is_help=True, rich_markup_mode=None, help="Full texts of the reports sought for retrieval.\n\nExample: slr fulltext fetch")


@app.command("fetch")
def fetch() -> None:
    """Find an open-access copy (OpenAlex oa_locations, Europe PMC, Unpaywall with SLR_MAILTO) of each report
    sought that has no file yet: a PDF, a PDF an HTML page names (citation_pdf_url), or an HTML full text.
    Check it is that work (DOI or title on page 1 or near the top of the page), keep it in coding.fulltext
    with a sidecar, and log the rest as not retrieved with the reason (data/<id>/fulltext_retrieval.csv).

    Example: slr fulltext fetch
    """
    from ..runner.fulltext import run_fulltext_fetch

    ctx = context()
    s = run_fulltext_fetch(ctx)
    reasons = "; ".join(f"{k} {v}" for k, v in s.reasons.items())
    typer.echo(f"{s.sought} reports sought: {s.already} had a full text, {s.retrieved} retrieved, "
               f"{s.not_retrieved} not retrieved{' (' + reasons + ')' if reasons else ''} → {ctx.store.relative(s.log)}")
    for note in s.notes:
        typer.echo(note)
