"""The `slr` command: parse arguments, call one runner function, print a summary.

Stage verbs with several sub-commands live in their own modules here (one per verb) and are added
to `app` at the bottom of this file.

This is the one place errors become exit codes: a `PipelineError` prints `Error: …` (and its hint)
and exits with the code of its class (pipeline/errors.py); anything else is a bug and says so.
Tracebacks only with `--debug`.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated, Optional

import typer

from .. import __version__
from ..errors import PipelineError, render
from .common import context as _context, state as _state

app = typer.Typer(
    name="slr",
    help="Run a systematic literature review: search → dedupe → screen → code → synthesize → publish.\n\n"
         "Example: slr --root myreview search",
    no_args_is_help=True,
    add_completion=True,
    rich_markup_mode=None,
    context_settings={"help_option_names": ["-h", "--help"]},
)

def _print_version(value: bool) -> None:
    if value:
        typer.echo(f"slr {__version__}")
        raise typer.Exit()


@app.callback()
def _options(
    root: Annotated[Path, typer.Option("--root", "-r", help="Review root holding config/, data/, outputs/.")] = Path("."),
    config: Annotated[Path, typer.Option("--config", "-c", help="Protocol file, relative to the root.")] = Path("config/review.yaml"),
    debug: Annotated[bool, typer.Option("--debug", help="Show tracebacks for errors.")] = False,
    version: Annotated[bool, typer.Option("--version", help="Print the version and exit.", is_eager=True,
                                          callback=_print_version)] = False,
) -> None:
    _state.update(root=root, config=config, debug=debug)


@app.command()
def init(
    directory: Annotated[Path, typer.Argument(help="Folder for the new review root (created if missing).")],
    review_id: Annotated[str, typer.Option("--id", help="Review id: names data/<id>/ and outputs/<id>/.")] = "myreview",
) -> None:
    """Create a review root with a commented protocol template.

    Example: slr init my-review --id microcredentials
    """
    from ..runner.init import init_review

    created = init_review(directory, review_id)
    typer.echo(f"Created {created[-1]}. Edit it, put your exports under {directory}/data/{review_id}/imports/, "
               f"then run: slr --root {directory} search")


@app.command()
def search(
    offline: Annotated[bool, typer.Option("--offline", help="Rebuild API sources from kept raw pages; no network.")] = False,
    source: Annotated[Optional[list[str]], typer.Option("--source", "-s", help="Run only this source (repeatable).", metavar="NAME")] = None,
) -> None:
    """Import every file source and query every API source into 01_search/.

    Writes outputs/<id>/01_search/records.csv (one row per retrieved record) and search_log.csv
    (one PRISMA-S row per source run). Example: slr -c config/demo.yaml search --offline
    """
    from ..runner.search import run_search

    ctx = _context()
    summary = run_search(ctx, offline=offline, only=source)
    typer.echo(f"{summary.records} records ({summary.new} new since the last run) from "
               f"{len(summary.per_source)} sources, {summary.warnings} warnings → {ctx.store.relative(summary.folder)}/")
    if summary.failed:
        typer.echo(f"Optional sources that failed: {', '.join(summary.failed)}")


@app.command()
def status() -> None:
    """Show each stage as done / stale / missing, with its counts.

    Example: slr --root myreview status
    """
    from ..runner.status import review_status

    ctx = _context()
    typer.echo(f"Review {ctx.protocol.id}: {ctx.protocol.title}")
    for item in review_status(ctx):
        counts = ", ".join(f"{k} {v}" for k, v in item.counts.items() if not isinstance(v, dict))
        reason = f" ({item.reason})" if item.reason and item.state != "missing" else ""
        typer.echo(f"  {item.folder:<28} {item.state:<8}{reason}{'  ' + counts if counts else ''}")
        for key, value in item.counts.items():
            if isinstance(value, dict) and value and any(isinstance(v, dict) for v in value.values()):
                typer.echo(f"      {key}: {', '.join(value)} (details in {item.folder}/manifest.json)")
            elif isinstance(value, dict) and value:
                typer.echo(f"      {key}: " + ", ".join(f"{k} {v}" for k, v in value.items()))


@app.command()
def run(
    offline: Annotated[bool, typer.Option("--offline", help="No network: API sources come from kept raw pages.")] = False,
    force: Annotated[bool, typer.Option("--force", help="Re-run stages even when up to date.")] = False,
) -> None:
    """Run every stage in order, skipping stages whose inputs did not change.

    Example: slr -c config/demo.yaml run --offline
    """
    from ..runner import run_all

    ctx = _context()
    for item in run_all(ctx, offline=offline, force=force):
        typer.echo(f"{item.stage}: {'ran' if item.ran else 'skipped'} ({item.reason})")
    typer.echo(f"Outputs: {ctx.store.relative(ctx.store.outputs_dir)}/")
    workbook = ctx.store.stage_dir("synthesize") / "synthesis.xlsx"
    if workbook.exists():
        typer.echo(f"Synthesis: {ctx.store.relative(workbook)}")
    site = ctx.store.stage_dir("publish") / "index.html"
    if site.exists():
        typer.echo(f"Site: {ctx.store.relative(site)}")


@app.command()
def version() -> None:
    """Print the version. Example: slr version"""
    typer.echo(f"slr {__version__}")


def main(argv: list[str] | None = None) -> int:
    """Entry point: run the app and map errors to exit codes (the only place this happens)."""
    args = list(sys.argv[1:] if argv is None else argv)
    debug = "--debug" in args
    command = typer.main.get_command(app)
    try:
        # Standalone mode: usage errors print and raise SystemExit; our errors propagate to here.
        command.main(args=args, prog_name="slr", standalone_mode=True)
    except SystemExit as exc:
        return exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    except PipelineError as exc:
        if debug:
            raise
        typer.echo(f"Error: {render(exc)}", err=True)
        return exc.exit_code
    except Exception as exc:  # a bug: say so plainly, without a traceback unless asked
        if debug:
            raise
        typer.echo(f"Error: internal error ({type(exc).__name__}: {render(exc)}). This is a bug in slr; "
                   "re-run with --debug for the traceback and report it.", err=True)
        return 70
    return 0


from . import code as _code, dedupe as _dedupe, fulltext as _fulltext, publish as _publish, screen as _screen  # noqa: E402
from . import snowball as _snowball, synthesize as _synthesize  # noqa: E402

app.add_typer(_dedupe.app, name="dedupe")
app.add_typer(_screen.app, name="screen")
app.add_typer(_code.app, name="code")
app.add_typer(_fulltext.app, name="fulltext")
app.command("synthesize")(_synthesize.synthesize)
app.command("snowball")(_snowball.snowball)
app.command("publish")(_publish.publish)


if __name__ == "__main__":
    sys.exit(main())
