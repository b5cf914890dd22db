"""What every command needs: the global options and a loaded review context."""

from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import typer

from ..runner import Context

state: dict[str, object] = {"root": Path("."), "config": Path("config/review.yaml"), "debug": False}


def echo(message: str) -> None:
    typer.echo(message)


@contextlib.contextmanager
def track(label: str) -> Iterator[Callable[[int, int | None], None]]:
    """A rich progress bar on a terminal; a plain line per 1,000 records in CI or when piped."""
    if sys.stderr.isatty() and not os.environ.get("CI"):
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

        with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                      transient=False) as bar:
            task = bar.add_task(label, total=None)
            yield lambda done, total=None: bar.update(task, completed=done, total=total)
        return
    shown = {"thousands": -1}

    def report(done: int, total: int | None = None) -> None:
        if done // 1000 != shown["thousands"]:
            shown["thousands"] = done // 1000
            typer.echo(f"{label}: {done}{f' of {total}' if total else ''} records", err=True)

    yield report


def context() -> Context:
    return Context.load(state["root"], state["config"], echo=echo, track=track)


