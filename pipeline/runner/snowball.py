"""`slr snowball`: one iteration of citation searching, and its records for `slr search`.

Citation searching feeds on screening (its seeds are the included works) and feeds screening (its
records are screened like any other), so it is not a stage of `slr run`: `slr snowball` fetches
one iteration online and keeps its pages under data/<id>/raw/<source>/<run>/ (one run folder per
iteration, with state.json naming the iteration, its seeds and direction); `slr search` — online
or offline, it never fetches these — rebuilds the records of every finished iteration from those
pages (`citation_records`). The kept pages are an input of `search` (pipeline/stage_table.py), so
`slr status` calls search stale after an iteration and `slr run` takes the new records on through
dedupe and screening. Iterate until `slr snowball` says no new included work is left to chase,
or `filters.max_iterations` (default 2) is reached.

Protocol (an API source): `type: citations`, `database:` (default "Citation searching (OpenAlex)"),
`filters: {direction: both|backward|forward, seeds: included | [W…, 10.…/…], max_iterations: 2,
fallback: true}`. With `fallback` (the default), seeds OpenAlex lacks are looked up in Semantic
Scholar (references and citing papers) and then Crossref (deposited references), at their public
addresses or SLR_SEMANTIC_SCHOLAR_URL / SLR_CROSSREF_URL (pipeline/sources/citations.py).
"""

from __future__ import annotations

import json
import os
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import pandas as pd

from ..config import ApiSource
from ..errors import ConfigError, InputError, SourceError
from ..records import make_records
from ..sources import citations, crossref, semantic_scholar
from ..sources.api import run_api_source
from ..sources.raw import RawRun, runs
from ..stage_table import INCLUDED
from ..store import read_csv
from .context import Context, run_id_for

DATABASE = "Citation searching (OpenAlex)"
DEFAULT_MAX_ITERATIONS = 2


@dataclass
class SnowballSummary:
    source: str
    iteration: int
    seeds: int
    records: int
    by_direction: dict[str, int]
    notes: list[str]
    done: bool
    reason: str
    folder: Path | None = None


@dataclass
class Iteration:
    """One finished iteration as kept: its run folder, state and parsed records."""

    run: RawRun
    number: int
    seeds: list[str]
    direction: str
    records: list[dict[str, Any]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    pages: int = 0


def citation_sources(ctx: Context, name: str | None = None) -> list[ApiSource]:
    """The protocol's `type: citations` sources (or the one named); a ConfigError if there is none."""
    found = [s for s in ctx.protocol.sources if getattr(s, "type", None) == citations.TYPE]
    if name is not None:
        found = [s for s in found if s.name == name]
    if not found:
        which = f' named "{name}"' if name else ""
        raise ConfigError(f"{ctx.protocol.path}: sources: no `type: citations` source{which}",
                          hint="add one, e.g. `- {name: citations, type: citations, filters: {direction: both}}` "
                               "(its seeds are the included works unless filters.seeds lists OpenAlex ids or DOIs)")
    return found


SETTINGS = ("direction", "seeds", "max_iterations", "fallback")


def settings(source: ApiSource, where: str) -> tuple[str, Any, int]:
    """(direction, seeds, max_iterations) from the source's filters, checked; errors name the YAML key."""
    filters = dict(source.filters or {})
    unknown = sorted(set(filters) - set(SETTINGS))
    if unknown:
        raise ConfigError(f"{where}.filters.{unknown[0]}: unknown key for a citations source",
                          hint=f"valid keys: {', '.join(SETTINGS)}")
    if not isinstance(filters.get("fallback", True), bool):
        raise ConfigError(f"{where}.filters.fallback: expected true or false, got {filters['fallback']!r}",
                          hint="true (the default) asks Semantic Scholar and Crossref for seeds OpenAlex lacks")
    direction = filters.get("direction", "both")
    if direction not in citations.DIRECTIONS:
        raise ConfigError(f'{where}.filters.direction: "{direction}" is not one of {", ".join(citations.DIRECTIONS)}',
                          hint="backward: the works the seeds cite; forward: the works citing them; both")
    seeds = filters.get("seeds", "included")
    if seeds != "included" and not (isinstance(seeds, list) and seeds):
        raise ConfigError(f"{where}.filters.seeds: expected `included` or a list of OpenAlex ids or DOIs",
                          hint="e.g. seeds: [W2741809807, 10.7717/peerj.4375]")
    if isinstance(seeds, list):
        bad = [s for s in seeds if citations.seed_key(s) is None]
        if bad:
            raise ConfigError(f'{where}.filters.seeds: "{bad[0]}" is neither an OpenAlex work id (W…) nor a DOI',
                              hint="write OpenAlex ids as W123… and DOIs as 10.xxxx/…")
    most = filters.get("max_iterations", DEFAULT_MAX_ITERATIONS)
    if not isinstance(most, int) or isinstance(most, bool) or most < 1:
        raise ConfigError(f"{where}.filters.max_iterations: expected a whole number of at least 1, got {most!r}")
    return direction, seeds, most


def fallback_urls(source: ApiSource, env: Mapping[str, str] | None = None) -> dict[str, str]:
    """Where seeds OpenAlex lacks are looked up: Semantic Scholar and Crossref (their public
    addresses, or SLR_SEMANTIC_SCHOLAR_URL / SLR_CROSSREF_URL); none with `fallback: false`."""
    env = os.environ if env is None else env
    if not (source.filters or {}).get("fallback", True):
        return {}
    return {kind: (env.get(f"SLR_{kind.upper()}_URL") or module.DEFAULT_URL).rstrip("/")
            for kind, module in (("semantic_scholar", semantic_scholar), ("crossref", crossref))}


def included_seeds(ctx: Context) -> tuple[list[str], int]:
    """The included works as seeds (their OpenAlex id where a record has one, else their DOI), and
    how many included works have neither (they cannot be chased through OpenAlex)."""
    path = ctx.store.output(INCLUDED)
    if not path.exists():
        raise InputError(f"{ctx.store.relative(path)} not found: citation searching starts from the included works",
                         hint="run `slr screen` first, or list seeds in the source's filters.seeds")
    included = read_csv(path)
    seeds: list[str] = []
    unusable = 0
    for row in included.to_dict("records"):
        ids = [citations.work_id(part.split(":", 1)[-1]) for part in str(row.get("record_ids") or "").split(";")]
        key = next((i for i in ids if i), None) or citations.seed_key(row.get("doi"))
        if key is None:
            unusable += 1
        elif key not in seeds:
            seeds.append(key)
    return seeds, unusable


def kept_iterations(source: ApiSource, raw_dir: Path) -> list[Iteration]:
    """The finished iterations kept for this source, oldest first, with their records parsed."""
    out: list[Iteration] = []
    for run in runs(raw_dir):
        state = run.load()
        if not run.page_numbers() or (state is not None and not state.get("complete")):
            continue
        state = state or {}
        filters = state.get("filters") or {}
        item = Iteration(run, len(out) + 1, list(filters.get("seeds") or []), str(filters.get("direction", "both")))
        for kept in run.pages(upto=state.get("pages")):
            try:
                page = citations.parse(kept.body, kept.step, source)
            except (ValueError, KeyError, TypeError, AttributeError) as exc:  # BadPage is a ValueError
                raise SourceError(f"{source.name}: kept page {kept.number} of {run.folder} cannot be read as a "
                                  f"response of its database ({type(exc).__name__}: {str(exc)[:200]})",
                                  hint="delete that run folder and run `slr snowball` again") from None
            for record in page.records:
                record["_retrieved_at"] = kept.fetched_at
                record["_run_id"] = state.get("run_id") or run.run_id
            item.records += page.records
            item.notes += [n for n in page.notes if n not in item.notes]
            item.pages += 1
        out.append(item)
    return out


def run_snowball(ctx: Context, *, source: str | None = None, offline: bool = False) -> list[SnowballSummary]:
    """One new iteration for each citations source (or the named one): its seeds are the included
    works (or the listed ones) not chased before. Offline: report the kept iterations, fetch nothing."""
    out = []
    for src in citation_sources(ctx, source):
        where = f"{ctx.protocol.path}: sources[{list(ctx.protocol.sources).index(src)}]"
        direction, seeds_setting, most = settings(src, where)
        raw_dir = ctx.store.raw_dir(src.name)
        done = kept_iterations(src, raw_dir)
        chased = {seed for item in done for seed in item.seeds}
        notes: list[str] = []
        if seeds_setting == "included":
            seeds, unusable = included_seeds(ctx)
            if unusable:
                notes.append(f"{unusable} included works have neither an OpenAlex id nor a DOI: not chased")
        else:
            seeds = list(dict.fromkeys(citations.seed_key(s) for s in seeds_setting))
        new = [s for s in seeds if s not in chased]
        number = len(done) + 1

        def stop(reason: str) -> SnowballSummary:
            return SnowballSummary(src.name, len(done), 0, 0, {}, notes, True, reason)

        if not new:
            out.append(stop(f"no new seed since iteration {len(done)}: citation searching is complete"
                            if done else "no seeds: no included work yet"))
            continue
        if len(done) >= most:
            out.append(stop(f"{len(done)} iterations kept, the most filters.max_iterations allows "
                            f"({len(new)} new seeds left unchased)"))
            continue
        if offline:
            out.append(SnowballSummary(src.name, len(done), len(new), 0, {}, notes, False,
                                       f"offline: {len(done)} iterations kept, {len(new)} new seeds wait for an "
                                       "online `slr snowball`"))
            continue
        query = f"iteration {number}: {direction} citation searching from {len(new)} works"
        iteration_source = replace(src, query=query, filters={"direction": direction, "seeds": new,
                                                               "iteration": number,
                                                               "fallback": fallback_urls(src)})
        ctx.echo(f"{src.name}: {query}")
        with ctx.track(src.name) as report:
            try:
                result = run_api_source(iteration_source, raw_dir, run_id=run_id_for(ctx.clock()),
                                        progress=report)
            except ValueError as exc:  # the connector's own refusal (no usable seed)
                raise SourceError(f"{src.name}: {exc}", hint="check filters.seeds") from None
        by_direction = dict(Counter(record.get("_direction", "forward") for record in result.records))
        notes += [result.log["errors"]] if result.log.get("errors") else []
        out.append(SnowballSummary(src.name, number, len(new), len(result.records), by_direction, notes, False,
                                   "run `slr run` (or search, dedupe, screen) to screen the new records, then "
                                   "`slr snowball` again", Path(result.log.get("raw_folder") or raw_dir)))
    return out


def citation_records(ctx: Context, source: ApiSource) -> tuple[pd.DataFrame, dict[str, Any]]:
    """The records of every kept iteration (a work found twice counted once, first finding kept) and
    the search-log row: `slr search`'s part of citation searching (no network, ever)."""
    iterations = kept_iterations(source, ctx.store.raw_dir(source.name))
    seen: set[str] = set()
    frames = []
    described = []
    for item in iterations:
        groups: dict[tuple[str, str], list[dict[str, Any]]] = {}
        for record in item.records:
            if record.get("_id") in seen:
                continue
            seen.add(record.get("_id"))
            found_in = record.get("_found_in") or "OpenAlex"
            groups.setdefault((record.get("_direction", "forward"), found_in), []).append(record)
        by_direction: Counter[str] = Counter()
        by_database: Counter[str] = Counter()
        for (direction, found_in), records in groups.items():
            where = "" if found_in == "OpenAlex" else f", found in {found_in}"
            frame, _ = make_records(records, source=source.name,
                                    source_query=f"{direction} citation searching, iteration {item.number}{where}",
                                    native_ids=[r.get("_id") for r in records],
                                    run_id=records[0].get("_run_id"))
            frames.append(frame)
            by_direction[direction] += len(records)
            by_database[found_in] += len(records)
        described.append({"iteration": item.number, "run": item.run.run_id, "seeds": len(item.seeds),
                          "direction": item.direction, "pages": item.pages, **by_direction,
                          "databases": dict(by_database), "notes": item.notes})
    frame = pd.concat(frames, ignore_index=True) if frames else make_records([], source=source.name)[0]
    notes = [f"iteration {d['iteration']}: {n}" for d in described for n in d["notes"]]
    row = {
        "source": source.name, "type": citations.TYPE, "database": source.database or _database(described),
        "platform": "citation searching",
        "query": "; ".join(f"iteration {d['iteration']}: {d['direction']} from {d['seeds']} works "
                           f"({', '.join(f'{k} {d[k]}' for k in ('backward', 'forward') if k in d) or 'nothing new'})"
                           for d in described) or "no iteration kept yet: run `slr snowball`",
        "filters": json.dumps({"iterations": described}, sort_keys=True),
        "searched_on": min((r.get("_retrieved_at") or "" for it in iterations for r in it.records), default=None),
        "run_id": iterations[-1].run.run_id if iterations else None,
        "reported_total": None, "records_found": len(frame), "records_read": len(frame),
        "pages": sum(d["pages"] for d in described), "retries": None, "errors": "; ".join(notes) or None,
        "complete": True, "file": None, "file_checksum": None, "format": "citations",
        "warnings_count": 0, "warnings": None,
    }
    return frame, row


def _database(described: list[dict[str, Any]]) -> str:
    """"Citation searching (OpenAlex)", naming Semantic Scholar and Crossref too when records came from them."""
    found = {name for d in described for name in d.get("databases") or {}} - {"OpenAlex"}
    others = [name for name in ("Semantic Scholar", "Crossref") if name in found]
    return DATABASE if not others else f"Citation searching (OpenAlex, {', '.join(others)})"
