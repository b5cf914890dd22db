"""`slr publish`: the collection as a static web site (index, update history, Atom feed)."""

from __future__ import annotations

import typer

from .common import context


def publish() -> None:
    """Write 06_site/: index.html (search and filters), updates.html, feed.xml, site.css, site.js.

    The folder is the whole site: open index.html from disk, or copy the folder to any static host.
    Example: slr -c config/demo.yaml publish
    """
    from ..runner.publish import run_publish  # pandas loads when a command needs it, not for --help

    ctx = context()
    s = run_publish(ctx)
    typer.echo(f"{s.entries} sources in {len(s.categories)} categories, {s.new} new in the latest run, "
               f"{s.runs} updates → {ctx.store.relative(s.folder / 'index.html')}")
