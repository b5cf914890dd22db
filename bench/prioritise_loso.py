"""Leave-one-set-out view of the ranker's tuned choices, for bench/prioritise.py (issue 17).

A figure tuned on the sets it is reported on flatters the method. For every tuned choice (a field
of `pipeline.stages.rank.model.Settings`), each value in `CHOICES` is replayed on every set with
the priors of the main table (seeds 0 … L-1). Then, for each set in turn held out, the value that
wins on the other sets is scored on the held-out set, by two rules: the highest mean WSS@95
margin over ASReview (ties: the recall@10 % margin), and the most of the issue's per-set targets
met (WSS@95 above ASReview's, recall@10 % not below it; ties: the mean WSS@95 margin); the kept
value wins exact ties. The mean of those held-out margins is what choosing by that rule would be
worth on a set it was not chosen on; the kept value's margin on the same set is shown beside it.
"All choices together" picks among every candidate at once.

The kept settings' runs are the main table's (same seeds); the others are cached in
bench/results/prioritise_candidates.json per dataset (SHA-256), seed, settings and a hash of the
ranker's code (pipeline/stages/rank/features.py, model.py, simulate.py), so any change to the
ranker reruns them.
"""

from __future__ import annotations

import hashlib
import json
import os
import statistics
import time
import warnings
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor, as_completed
from pathlib import Path

from pipeline.stages.rank import prior_knowledge, simulate
from pipeline.stages.rank.model import DEFAULT, Settings

HERE = Path(__file__).resolve().parent
CACHE = HERE / "results" / "prioritise_candidates.json"
RANK_CODE = HERE.parent / "pipeline" / "stages" / "rank"

#: The tuned choices and the values measured for each; the kept value is Settings()'s.
CHOICES: dict[str, list[Settings]] = {
    "relevant class weight while screening finds relevant works (1 = always balanced)": [
        DEFAULT, Settings(relevant_weight=1.0), Settings(relevant_weight=3.0)],
    "broaden after this many irrelevant decisions in a row (None: never, the weight throughout)": [
        DEFAULT, Settings(broaden_after=20), Settings(broaden_after=50), Settings(broaden_after=None)],
    "C, inverse regularisation strength": [DEFAULT, Settings(C=1.0), Settings(C=3.0)],
    "once broadened, alternate the two weightings (False: balanced throughout)": [
        DEFAULT, Settings(alternate=False)],
    "weight of the title's own TF-IDF block (0: none)": [
        DEFAULT, Settings(title_weight=0.0), Settings(title_weight=0.1), Settings(title_weight=0.3)],
}

#: Per (set, settings): one figures dict (wss_95, recall_10, cpu) per seed.
Results = dict[tuple[str, Settings], list[dict[str, float]]]


def code_hash() -> str:
    """SHA-256 (first 12 hex digits) of the ranker's features, model and replay: cached runs are of this code."""
    digest = hashlib.sha256()
    for path in (RANK_CODE / name for name in ("features.py", "model.py", "simulate.py")):
        digest.update(path.name.encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()[:12]


def candidates() -> list[Settings]:
    """Every setting in CHOICES, the kept one first, each once."""
    return list(dict.fromkeys([DEFAULT] + [s for values in CHOICES.values() for s in values]))


def _replay(data, seed: int, settings: Settings) -> dict[str, float]:
    """One simulation of `settings` (in a worker process when --jobs > 1): figures and CPU seconds."""
    prior = prior_knowledge(data.works, data.labels, seed=seed)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        cpu = time.process_time()
        sim = simulate(data.works, data.labels, seed=seed, prior=prior, settings=settings)
        cpu = time.process_time() - cpu
    return {k: sim.figures[k] for k in ("wss_95", "wss_100", "recall_10")} | {"cpu": cpu}


def run(datasets: list, seeds: list[int], kept: dict[str, list[dict[str, float]]],
        log: Callable[[str], None] = print, cache_path: Path | None = CACHE, jobs: int = 1) -> Results:
    """Replay every candidate setting on every dataset (bench/prioritise.Dataset) and seed.

    `kept`: per dataset name, the main table's figures of the kept settings for `seeds`. `jobs`:
    simulations run at once (processes); the figures do not depend on it, CPU seconds are each
    simulation's own.
    """
    stored: dict[str, dict] = {}
    if cache_path is not None and cache_path.is_file():
        stored = json.loads(cache_path.read_text(encoding="utf-8"))
    code = code_hash()
    # Runs of other ranker code are of no use any more: dropped, so the file holds this code's only.
    current = {k: v for k, v in stored.items() if k.endswith(f"/code {code}")}
    dropped = len(current) < len(stored)
    stored = current

    def key(data, seed: int, settings: Settings) -> str:
        return f"{data.name}/{data.sha256[:16]}/seed {seed}/{settings.describe()}/code {code}"

    def save() -> None:
        if cache_path is not None:
            tmp = cache_path.with_suffix(".tmp")
            tmp.write_text(json.dumps(stored, indent=0, sort_keys=True) + "\n", encoding="utf-8")
            os.replace(tmp, cache_path)

    def keep(k: str, figures: dict[str, float]) -> None:
        stored[k] = figures
        log(f"{k}: WSS@95 {figures['wss_95']:.3f} ({figures['cpu']:.2f} s CPU)")
        save()

    if dropped:
        save()

    todo = [(data, seed, settings) for data in datasets for settings in candidates()[1:] for seed in seeds
            if key(data, seed, settings) not in stored]
    if jobs > 1 and len(todo) > 1:
        with ProcessPoolExecutor(max_workers=jobs) as pool:
            futures = {pool.submit(_replay, *job): key(*job) for job in todo}
            for future in as_completed(futures):
                keep(futures[future], future.result())
    else:
        for job in todo:
            keep(key(*job), _replay(*job))
    results: Results = {}
    for data in datasets:
        results[(data.name, DEFAULT)] = kept[data.name]
        for settings in candidates()[1:]:
            results[(data.name, settings)] = [stored[key(data, seed, settings)] for seed in seeds]
    return results


def margins(results: Results, asreview: dict[str, list[dict[str, float]]], name: str,
            settings: Settings) -> tuple[float, float]:
    """Mean WSS@95 and recall@10 % over seeds of `settings` on set `name`, minus ASReview's."""
    ours, theirs = results[(name, settings)], asreview[name]
    return tuple(statistics.fmean(r[k] for r in ours) - statistics.fmean(r[k] for r in theirs)
                 for k in ("wss_95", "recall_10"))  # type: ignore[return-value]


def choose(results: Results, asreview: dict, names: list[str], values: list[Settings],
           rule: str = "margin") -> Settings:
    """The value that wins on the sets `names`. rule "margin": the best mean WSS@95 margin, then
    recall@10 % margin; rule "targets": the most of the issue's per-set targets met (WSS@95 above
    ASReview's, recall@10 % not below it; two per set), then the mean WSS@95 margin. The kept value
    wins exact ties."""
    def key(settings: Settings) -> tuple[float, ...]:
        got = [margins(results, asreview, n, settings) for n in names]
        mean_w = round(statistics.fmean(g[0] for g in got), 9)
        mean_r = round(statistics.fmean(g[1] for g in got), 9)
        met = sum(g[0] > 1e-9 for g in got) + sum(g[1] >= -1e-9 for g in got)
        first = (met, mean_w) if rule == "targets" else (mean_w, mean_r)
        return (*first, settings == DEFAULT)
    return max(values, key=key)


def lines(results: Results, asreview: dict[str, list[dict[str, float]]], names: list[str],
          seeds: list[int]) -> list[str]:
    """The markdown of the leave-one-set-out section: every candidate per set, then each choice."""
    short = [n.replace("_flat", "") for n in names]
    out = [f"Seeds {seeds[0]}–{seeds[-1]} (the main table's priors); cells: mean WSS@95 over seeds minus "
           "ASReview's (recall@10 % minus ASReview's); ranker code "
           f"{code_hash()} (SHA-256 of pipeline/stages/rank/features.py, model.py, simulate.py).", "",
           "| settings | " + " | ".join(short) + " | mean |", "|---|" + "---:|" * (len(names) + 1)]
    for settings in candidates():
        got = [margins(results, asreview, n, settings) for n in names]
        out.append(f"| {settings.describe()}{' (kept)' if settings == DEFAULT else ''} | "
                   + " | ".join(f"{w:+.3f} ({r:+.3f})" for w, r in got)
                   + f" | {statistics.fmean(w for w, _ in got):+.3f} ({statistics.fmean(r for _, r in got):+.3f}) |")
    out += ["", "Two rules pick the value on the other sets: the best mean WSS@95 margin (ties: recall@10 %), and "
            "the most per-set targets met (WSS@95 above ASReview's, recall@10 % not below it; ties: mean WSS@95 "
            "margin). Cells: the held-out set's WSS@95 − ASReview (recall@10 % − ASReview) of the value chosen."]
    views = dict(CHOICES) | {"all choices together (every candidate above)": candidates()}
    for title, values in views.items():
        out += ["", f"**{title}**", "",
                "| held-out set | chosen by mean margin | held-out margin | chosen by targets met | held-out margin "
                "| kept setting's held-out margin |", "|---|---|---:|---|---:|---:|"]
        held: list[tuple[float, ...]] = []
        for name, label in zip(names, short):
            others = [n for n in names if n != name]
            by_margin = choose(results, asreview, others, values, "margin")
            by_targets = choose(results, asreview, others, values, "targets")
            mw, mr = margins(results, asreview, name, by_margin)
            tw, tr = margins(results, asreview, name, by_targets)
            kw, kr = margins(results, asreview, name, DEFAULT)
            held.append((mw, mr, tw, tr, kw, kr, by_margin == DEFAULT, by_targets == DEFAULT))
            out.append(f"| {label} | {by_margin.describe()} | {mw:+.3f} ({mr:+.3f}) | {by_targets.describe()} | "
                       f"{tw:+.3f} ({tr:+.3f}) | {kw:+.3f} ({kr:+.3f}) |")
        mean = [statistics.fmean(h[i] for h in held) for i in range(6)]
        out.append(f"| **mean** | kept chosen {sum(h[6] for h in held)} of {len(held)} | **{mean[0]:+.3f}** "
                   f"({mean[1]:+.3f}) | kept chosen {sum(h[7] for h in held)} of {len(held)} | **{mean[2]:+.3f}** "
                   f"({mean[3]:+.3f}) | {mean[4]:+.3f} ({mean[5]:+.3f}) |")
    return out
