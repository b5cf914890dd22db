"""Replay a fully labelled review with the ranker, as ASReview's simulation mode does.

Start from prior knowledge (a few relevant and irrelevant works, drawn with a seed), then repeat:
retrain on everything decided, let the reviewer (the known labels) decide the top `batch` works.
The order in which the relevant works turn up gives the recall curve and the figures of
metrics.py. Once every relevant work is found the rest cannot change any figure, so they are
appended in the last model's order without retraining.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from .metrics import figures, recall_curve, recall_estimates
from .model import DEFAULT, MODEL_METHOD, Ranker, Settings


@dataclass(frozen=True)
class Simulation:
    """One replayed review.

    `order`: every work in screening order (step 1…N, work_id, label, prior = part of the prior
    knowledge). `curve`: screened, found, recall over the works after the prior knowledge (row 0
    is nothing screened), estimated_recall: what `slr screen status` would have said at that point
    (metrics.recall_estimates over every decision so far, the prior's included; NaN before two
    relevant decisions), and model_estimated_recall: the figure it said before issue 17, found /
    (found + the ranker's estimated remaining) from the model trained on every decision so far
    (NaN without a model, and after the last relevant work, where the rest is appended without
    retraining). `figures`: wss_95, wss_100, recall_10, rrf_10 of that same order
    (metrics.figures), so prior knowledge counts neither as work saved nor as found, as in
    ASReview-insights' default. `prior`: the prior works' ids.
    """

    order: pd.DataFrame
    curve: pd.DataFrame
    figures: dict[str, float]
    prior: tuple[object, ...]
    method: str


def prior_knowledge(works: pd.DataFrame, labels: pd.Series, *, seed: int = 0,
                    included: int = 1, excluded: int = 1) -> list[object]:
    """work_ids of `included` relevant then `excluded` irrelevant works, drawn with `seed`.

    Drawn as `asreview simulate --prior-seed` draws them (numpy RandomState(seed).choice without
    replacement over the relevant works' row positions, then a fresh RandomState(seed) over the
    irrelevant ones'), so that one seed picks the same prior records in both tools.
    """
    y = _aligned(works, labels)
    ids = works["work_id"].to_numpy()
    chosen: list[object] = []
    for label, n in ((1, included), (0, excluded)):
        if n <= 0:
            continue
        candidates = np.flatnonzero(y == label)
        if len(candidates) < n:
            raise ValueError(f"asked for {n} prior works labelled {label}, but only {len(candidates)} exist")
        chosen += ids[np.random.RandomState(seed).choice(candidates, n, replace=False)].tolist()
    return chosen


def simulate(works: pd.DataFrame, labels: pd.Series, *, seed: int = 0, prior_included: int = 1,
             prior_excluded: int = 1, batch: int = 1, prior: list[object] | None = None,
             settings: Settings = DEFAULT) -> Simulation:
    """Replay a review of `works` whose every decision `labels` knows (work_id → 1 relevant / 0 not).

    Prior knowledge: `prior` work_ids if given, else `prior_knowledge(seed=seed, …)`. Then, until
    every relevant work is found, retrain on all decisions and screen the `batch` best-ranked
    works (`Ranker`, as `rank` does: TF-IDF fitted once, the classifier retrained each round).
    With no prior knowledge of both classes the first rounds follow relevance_score / work_id,
    as a live review would. `settings`: the model's tuned choices (a benchmark varies them).
    """
    if batch < 1:
        raise ValueError("batch must be at least 1")
    y = _aligned(works, labels)
    if prior is None:
        prior = prior_knowledge(works, labels, seed=seed, included=prior_included, excluded=prior_excluded)
    ranker = Ranker(works, settings=settings)
    unknown = [w for w in prior if w not in ranker.position]
    if unknown:
        raise ValueError(f"prior work {unknown[0]!r} is not among the works")
    steps = [ranker.position[w] for w in prior]
    screened = np.zeros(len(y), dtype=bool)
    screened[steps] = True
    to_find = int(y.sum()) - int(y[steps].sum())
    estimated: list[float] = []  # the ranker's estimated remaining after each record screened
    while not screened.all():
        pool = np.flatnonzero(~screened)
        decided = np.asarray(steps, dtype=np.int64)
        probability = ranker.predict(decided, y[decided], pool, seed=seed)
        ordered = ranker.order(pool, probability)
        estimated.append(float(probability.sum()) if probability is not None else np.nan)
        if to_find == 0:
            steps += ordered.tolist()  # nothing left to find: the order of the rest changes no figure
            break
        take = ordered[:batch]
        steps += take.tolist()
        screened[take] = True
        to_find -= int(y[take].sum())

    positions = np.asarray(steps, dtype=np.int64)
    is_prior = np.zeros(len(positions), dtype=bool)
    is_prior[:len(prior)] = True
    order = pd.DataFrame({"step": np.arange(1, len(positions) + 1), "work_id": ranker.work_ids[positions],
                          "label": y[positions], "prior": is_prior})
    after = y[positions[len(prior):]]
    curve = recall_curve(after)
    # Row k of the curve (k records screened after the prior) ↔ the model trained on those k: the
    # model of retraining k // batch, whose estimate holds until the next one.
    rows = np.arange(len(curve)) // batch
    known = rows < len(estimated)
    remaining = np.full(len(curve), np.nan)
    remaining[known] = np.asarray(estimated)[rows[known]]
    found = curve["found"].to_numpy(dtype=float)
    with np.errstate(invalid="ignore", divide="ignore"):
        curve["model_estimated_recall"] = np.where(found + remaining > 0, found / (found + remaining), np.nan)
    # What `slr screen status` says (metrics.stopping): from every decision so far, the prior's too.
    curve["estimated_recall"] = recall_estimates(y[positions], len(positions))[len(prior):]
    return Simulation(order=order, curve=curve, figures=figures(after), prior=tuple(prior),
                      method=f"{MODEL_METHOD}{'' if settings == DEFAULT else ' (' + settings.describe() + ')'}; {len(prior)} prior works (seed {seed}), batch {batch}")


def _aligned(works: pd.DataFrame, labels: pd.Series) -> np.ndarray:
    """0/1 labels in `works` row order; every work must have one."""
    values = works["work_id"].map(labels)
    if values.isna().any():
        missing = works.loc[values.isna(), "work_id"].iloc[0]
        raise ValueError(f"a simulation needs every work labelled; {missing!r} is not")
    values = pd.to_numeric(values, errors="coerce")
    if not values.isin([0, 1]).all():
        raise ValueError("labels must be 0 or 1")
    return values.to_numpy(dtype=np.int64)
