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
from ..store import read_csv, write_bytes, write_text
from .context import Context

STAGE = "publish"
SECTIONS = ("title", "sources", "codebook", "site")
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


def run_publish(ctx: Context) -> PublishSummary:
    """Build the site from the screened, coded works (see the module docstring)."""
    started = ctx.clock()
    _check_addresses(ctx)
    store = ctx.store
    included_path = store.stage_dir("screen") / "included.csv"
    trail_path = store.stage_dir("dedupe") / "records.csv"
    codes_path = store.stage_dir("code") / "codes.csv"
    for path, command in ((included_path, "slr screen"), (trail_path, "slr dedupe")):
        if not path.exists():
            raise StageError(f"publish: {store.relative(path)} not found", hint=f"run `{command}` first")
    included = read_csv(included_path)
    trail = read_csv(trail_path)
    codes = read_csv(codes_path) if codes_path.exists() else pd.DataFrame(columns=CODE_COLUMNS)
    codes = codes[codes["work_id"].isin(set(included["work_id"]))]
    labels: dict[tuple[str, str], str] = {}
    definitions: dict[tuple[str, str, str], str] = {}
    codebook_path = None
    if ctx.protocol.codebook is not None:
        book = load_codebook(ctx.protocol.codebook, ctx.root)
        codebook_path = book.path
        for rq, name, theme in book.themes():
            labels[(rq, name)] = theme.label
        for rq, theme, name, code in book.codes():
            definitions[(rq, theme, name)] = code.definition
    site = build_site(included, codes, trail, ctx.protocol.site, title=ctx.protocol.title, theme_labels=labels,
                      definitions=definitions,
                      suggestion_sources=[s.name for s in ctx.protocol.sources if isinstance(s, SuggestionSource)])
    folder = store.stage_dir(STAGE)
    write_text(folder / "index.html", index_html(site))
    write_text(folder / "updates.html", updates_html(site))
    write_text(folder / "feed.xml", feed_xml(site, ctx.protocol.id))
    for name in ASSETS:
        write_bytes(folder / name, asset(name))
    per_category = {name: n for name, years in site.by_category() for n in [sum(len(i) for _, i in years)]}
    counts = {"entries": len(site.entries), "added_latest_run": len(site.latest_entries),
              "marked_new": sum(e.new for e in site.entries), "categories": per_category,
              "runs": len(site.runs), "latest_run": site.latest.run if site.latest else None}
    inputs = [included_path, trail_path, codes_path] + ([codebook_path] if codebook_path else [])
    store.write_manifest(STAGE, ctx.manifest(STAGE, inputs=[p for p in inputs if p and Path(p).exists()],
                                             sections=SECTIONS, counts=counts, started=started))
    return PublishSummary(entries=len(site.entries), new=counts["marked_new"], categories=per_category,
                          runs=len(site.runs), folder=folder)
