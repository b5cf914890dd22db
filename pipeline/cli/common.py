"""What every command needs: the global options and a loaded review context."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import typer

from ..runner import Context

state: dict[str, object] = {"root": Path("."), "config": Path("config/review.yaml"), "debug": False}


def echo(message: str) -> None:
    typer.echo(message)


def progress_factory():
    """Progress bars on a terminal, plain lines in CI or when output is piped."""
    interactive = sys.stderr.isatty() and not os.environ.get("CI")

    def factory(label: str, total: int | None):
        last = {"printed": -1}

        def report(done: int, total_now: int | None = total) -> None:
            if interactive:
                shown = f"/{total_now}" if total_now else ""
                sys.stderr.write(f"\r{label}: {done}{shown} records")
                sys.stderr.flush()
            elif done // 1000 != last["printed"]:
                last["printed"] = done // 1000
                typer.echo(f"{label}: {done}{'/' + str(total_now) if total_now else ''} records", err=True)

        return report

    return factory


def context() -> Context:
    return Context.load(state["root"], state["config"], echo=echo, progress=progress_factory())


