"""`slr publish`: the collection as a static web site in outputs/<id>/06_site/.

Reads 03_screen/included.csv (the works), 04_code/codes.csv (their themes and evidence; optional),
02_dedupe/records.csv (the record trail: which run first saw each record) and the protocol's
`site:` section, `sources` (landing pages, suggestion sources) and codebook (theme labels). Writes
index.html, updates.html, feed.xml, site.css and site.js, and the manifest. The folder is the site:
copy it to any static host as it is, or open index.html from disk.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from ..codebook import load_codebook
from ..config import SuggestionSource
from ..errors import ConfigError, StageError, did_you_mean
from ..report.site import ASSETS, asset, feed_xml, index_html, updates_html
from ..report.site_data import build_site
from ..stage_table import CODES, DEDUPE_RECORDS, INCLUDED, Output
from ..store import read_csv, write_bytes, write_text
from .context import Context

STAGE = "publish"
CODE_COLUMNS = ["work_id", "rq", "theme", "code", "evidence", "field"]


@dataclass
class PublishSummary:
    entries: int
    new: int
    categories: dict[str, int]
    runs: int
    folder: Path


def _check_addresses(ctx: Context) -> None:
    """The suggestion and site addresses are links on a public page: only mailto:, https: or http:."""
    site = ctx.protocol.site
    checks = [("site.suggest", site.suggest, ("mailto:", "https://", "http://")),
              ("site.url", site.url, ("https://", "http://"))]
    checks += [(f"site.landing_pages.{name}", url, ("https://", "http://")) for name, url in site.landing_pages.items()]
    for key, value, schemes in checks:
        if value and not value.lower().startswith(schemes):
            raise ConfigError(f'{ctx.protocol.path}: {key}: "{value}" must start with {" or ".join(schemes)}',
                              hint="write the full address, e.g. mailto:team@example.org or https://example.org/form")
    names = {s.name for s in ctx.protocol.sources}
    for name in site.landing_pages:
        if name not in names:
            raise ConfigError(f'{ctx.protocol.path}: site.landing_pages.{name}: no source named "{name}"'
                              f"{did_you_mean(name, names)}", hint=f"sources are: {', '.join(sorted(names))}")


def _read(ctx: Context, item: Output) -> pd.DataFrame:
    path = ctx.store.output(item)
    if not path.exists():
        raise StageError(f"publish: {ctx.store.relative(path)} not found", hint=f"run `slr {item.stage}` first")
    return read_csv(path)


def run_publish(ctx: Context) -> PublishSummary:
    """Build the site from the screened, coded works (see the module docstring)."""
    _check_addresses(ctx)
    started = ctx.begin(STAGE)
    included = _read(ctx, INCLUDED)
    trail = _read(ctx, DEDUPE_RECORDS)
    codes_path = ctx.store.output(CODES)
    codes = read_csv(codes_path) if codes_path.exists() else pd.DataFrame(columns=CODE_COLUMNS)
    codes = codes[codes["work_id"].isin(set(included["work_id"]))]
    labels: dict[tuple[str, str], str] = {}
    definitions: dict[tuple[str, str, str], str] = {}
    if ctx.protocol.codebook is not None:
        book = load_codebook(ctx.protocol.codebook, ctx.root)
        for rq, name, theme in book.themes():
            labels[(rq, name)] = theme.label
        for rq, theme, name, code in book.codes():
            definitions[(rq, theme, name)] = code.definition
    site = build_site(included, codes, trail, ctx.protocol.site, title=ctx.protocol.title, theme_labels=labels,
                      definitions=definitions,
                      suggestion_sources=[s.name for s in ctx.protocol.sources if isinstance(s, SuggestionSource)])
    folder = ctx.store.stage_dir(STAGE)
    write_text(folder / "index.html", index_html(site))
    write_text(folder / "updates.html", updates_html(site))
    write_text(folder / "feed.xml", feed_xml(site, ctx.protocol.id))
    for name in ASSETS:
        write_bytes(folder / name, asset(name))
    per_category = {name: sum(len(items) for _, items in years) for name, years in site.by_category()}
    counts = {"entries": len(site.entries), "added_latest_run": len(site.latest_entries),
              "marked_new": sum(e.new for e in site.entries), "categories": per_category,
              "runs": len(site.runs), "latest_run": site.latest.run if site.latest else None}
    ctx.store.write_manifest(STAGE, ctx.manifest(STAGE, counts=counts, started=started))
    return PublishSummary(entries=len(site.entries), new=counts["marked_new"], categories=per_category,
                          runs=len(site.runs), folder=folder)
