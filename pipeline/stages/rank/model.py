"""The ranker: which undecided work a reviewer should see next, learned from the decisions so far.

Before the model can learn (no decision yet, or decisions of one class only) the protocol's
`relevance_score` orders the works: it is the best guess the review has. Once both a relevant and
an irrelevant work are decided, a logistic regression over TF-IDF features (features.py: title,
abstract and keywords, and the title again at weight TITLE_WEIGHT) predicts each undecided work's
relevance; ties keep the relevance_score order, then work_id, so the order
is deterministic.

How the two classes are weighed depends on how screening is going (`class_ratio`). While it is
finding relevant works, the relevant class weighs RELEVANT_WEIGHT times the irrelevant one in
total: the few relevant works pull the next picks close to them, which finds the bulk early.
Once the last BROADEN_AFTER decisions were all irrelevant, the bulk is found, and nothing says
whether the relevant works left are unlike it (a title without an abstract, another wording:
a model weighing the classes the same, which ranks by what separates them, finds those) or like
it but ranked below near misses (another drug of the same class: the relevant class weighed
more finds those). So from then on the two alternate, one retraining each (ALTERNATE): the
picks are shared between the two explanations instead of staking them all on one. Measured on
five SYNERGY sets against ASReview 3.0.8, with every choice also scored leave-one-set-out
(bench/results/prioritise.md; what was tried and dropped in bench/results/prioritise_tried.md).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import partial

import numpy as np
import pandas as pd
from scipy import sparse
from scipy.special import expit
from sklearn.linear_model import LogisticRegression

from .features import TITLE_WEIGHT, ranking_features

#: Inverse regularisation strength. 0.3 rather than scikit-learn's 1: with a few dozen decisions
#: and tens of thousands of terms, stronger regularisation keeps the model from fitting the few
#: relevant works' every word. Measured with 1 and 3 on the five shared sets (0.3 with the
#: alternation: higher WSS@95 on Chou 2004 and Nelson 2002, recall@10 % not below ASReview's
#: anywhere; leave-one-set-out in bench/results/prioritise.md).
C = 0.3
#: While screening finds relevant works, the relevant class's total weight over the irrelevant
#: class's. ASReview 3's default model weighs them 9.8 : 1 (tuned by its authors on the 26 SYNERGY
#: sets); 10 is that figure rounded, not tuned here.
RELEVANT_WEIGHT = 10.0
#: After this many irrelevant decisions in a row the classes weigh the same (see the module
#: docstring). Measured with 20, 50 and never (bench/results/prioritise.md, leave-one-set-out).
BROADEN_AFTER = 10
#: Once broadened, alternate between the two weightings (balanced first), one per retraining.
ALTERNATE = True

MODEL_METHOD = (f"logistic regression on TF-IDF of title, abstract and keywords, with the title's own TF-IDF "
                f"beside it at weight {TITLE_WEIGHT:g}, retrained on every decision; "
                f"C {C:g}; relevant works weigh {RELEVANT_WEIGHT:g}x the irrelevant ones in total while screening "
                f"finds them; once the last {BROADEN_AFTER} decisions were all irrelevant, equally and "
                f"{RELEVANT_WEIGHT:g}x in turn")
PRIOR_METHOD = "protocol relevance_score (no model yet: it needs a relevant and an irrelevant decision)"
REMAINING_METHOD = ("sum over undecided works of the model's probability, corrected from the weighted "
                    "training back to the share of relevant works among the decided ones")


@dataclass(frozen=True)
class Settings:
    """The ranker's tuned choices, in one place so that a benchmark can vary them (the defaults
    are the module constants above; bench/prioritise.py scores each alternative leave-one-set-out).
    `broaden_after` None: never broaden (the relevant class weighs `relevant_weight` throughout).
    `alternate` False: once broadened, the classes weigh the same on every retraining.
    `title_weight`: of the title's own TF-IDF block (features.ranking_features; 0: none)."""

    relevant_weight: float = RELEVANT_WEIGHT
    broaden_after: int | None = BROADEN_AFTER
    C: float = C
    alternate: bool = ALTERNATE
    title_weight: float = TITLE_WEIGHT

    def describe(self) -> str:
        """The settings that differ from the defaults, in words ("default" if none)."""
        default = Settings()
        changed = [f"{name} {getattr(self, name)}"
                   for name in ("relevant_weight", "broaden_after", "C", "alternate", "title_weight")
                   if getattr(self, name) != getattr(default, name)]
        return ", ".join(changed) or "default"


DEFAULT = Settings()


def class_ratio(y: np.ndarray, settings: Settings = DEFAULT) -> float:
    """The relevant class's total weight over the irrelevant class's, for decisions `y` in the
    order they were made: RELEVANT_WEIGHT while one of the last BROADEN_AFTER is relevant; after
    that, 1 and RELEVANT_WEIGHT in turn as the run of irrelevant decisions grows (1 when it is
    BROADEN_AFTER, BROADEN_AFTER + 2, …), or 1 throughout without ALTERNATE; 1 with no relevant one.

    In a live review a workbook holds many picks of one ranking, so consecutive rankings (after
    each import) take the two weightings in turn as the run grows: the same hedge, coarser."""
    relevant = np.flatnonzero(np.asarray(y) == 1)
    if not len(relevant):
        return 1.0
    run = len(y) - 1 - int(relevant[-1])
    if settings.broaden_after is None or run < settings.broaden_after:
        return settings.relevant_weight
    if settings.alternate and (run - settings.broaden_after) % 2 == 1:
        return settings.relevant_weight
    return 1.0


@dataclass(frozen=True)
class Ranking:
    """An order for the undecided works.

    `order`: work_id, probability (predicted relevance, 0–1; NaN while ranking by the prior),
    rank (1 = screen first), sorted by rank. `estimated_remaining`: relevant works expected among
    the undecided ones (NaN without a model). `method` and `remaining_method` say how, in words.
    """

    order: pd.DataFrame
    estimated_remaining: float
    method: str
    remaining_method: str


class Ranker:
    """Features and tie-breakers of one set of works, fitted once; `predict` retrains the model.

    Public so that a simulation (or a notebook replaying decisions) pays for TF-IDF once.
    """

    def __init__(self, works: pd.DataFrame,
                 features: Callable[[pd.DataFrame], sparse.csr_matrix] | None = None,
                 settings: Settings = DEFAULT) -> None:
        """`features`: computes the feature rows of `works` (default `features.ranking_features`
        with `settings.title_weight`); a caller that keeps them between runs passes a function that
        loads them (runner/screen_order.py). `settings`: the defaults unless a benchmark varies them."""
        self.settings = settings
        if "work_id" not in works.columns:
            raise ValueError("works need a work_id column")
        ids = works["work_id"]
        if ids.isna().any() or ids.duplicated().any():
            raise ValueError("work_id must be present and unique")
        self.work_ids = ids.to_numpy()
        self.position = {w: i for i, w in enumerate(self.work_ids)}
        self._works = works.reset_index(drop=True)
        self._features: sparse.csr_matrix | None = None
        self._compute = features or partial(ranking_features, title_weight=settings.title_weight)
        score = (pd.to_numeric(works["relevance_score"], errors="coerce")
                 if "relevance_score" in works.columns else pd.Series(np.nan, index=works.index))
        # Sort keys, smaller first: a higher relevance_score first, a missing one last.
        self._prior_key = np.where(score.isna(), np.inf, -score.to_numpy(dtype=float, na_value=np.nan))
        self._id_key = np.empty(len(ids), dtype=np.int64)
        self._id_key[np.asarray(pd.Index(ids).argsort())] = np.arange(len(ids))

    @property
    def features(self) -> sparse.csr_matrix:
        """TF-IDF rows in `works` order, computed on first use: a ranking by the prior needs none."""
        if self._features is None:
            self._features = self._compute(self._works)
            if self._features.shape[0] != len(self.work_ids):
                raise ValueError(f"features have {self._features.shape[0]} rows for {len(self.work_ids)} works")
        return self._features

    def predict(self, decided: np.ndarray, y: np.ndarray, pool: np.ndarray, *, seed: int = 0
                ) -> np.ndarray | None:
        """Probability of relevance for the works at positions `pool`, or None if no model can learn.

        Trained on the works at positions `decided` (in the order they were decided) with labels
        `y` (1 relevant, 0 irrelevant). The classes' total weights stand in the ratio
        `class_ratio(y)` (relevant works are a few percent of a search, so unweighted they would
        hardly count), scaled to sum to the number of decisions, as scikit-learn's "balanced"
        does, so the regularisation is the same whatever the ratio. The probabilities are then
        shifted back (prior correction: add log(n_relevant / n_irrelevant) − log(ratio) to the
        log-odds, which undoes the weighting) so they estimate relevance among works like the
        decided ones.
        """
        n_rel = int(np.sum(y == 1))
        n_irr = len(y) - n_rel
        if n_rel == 0 or n_irr == 0 or len(pool) == 0:
            return None
        ratio = class_ratio(y, self.settings)
        weights = {1: len(y) * ratio / ((ratio + 1) * n_rel), 0: len(y) / ((ratio + 1) * n_irr)}
        # dual: liblinear solves the dual problem, cheaper when features (terms) outnumber the decided
        # works, as they always do here (46,000 terms, a few hundred decisions): the same model, and
        # about 10 times less CPU than the primal solver on the benchmark.
        model = LogisticRegression(C=self.settings.C, class_weight=weights, solver="liblinear", dual=True, random_state=seed)
        model.fit(self.features[decided], y)
        # One product over every row, then the pool's entries: slicing the pool's rows out of the
        # matrix first would copy most of it on every retraining of a simulation.
        logit = np.asarray(self.features @ model.coef_.ravel().astype(np.float32), dtype=np.float64)[pool]
        return expit(logit + model.intercept_[0] + math.log(n_rel / n_irr) - math.log(ratio))

    def order(self, pool: np.ndarray, probability: np.ndarray | None) -> np.ndarray:
        """The positions in `pool`, best first: probability, then relevance_score, then work_id."""
        keys = [self._id_key[pool], self._prior_key[pool]]
        if probability is not None:
            keys.append(-probability)
        return pool[np.lexsort(keys)]


def rank(works: pd.DataFrame | Ranker, labels: pd.Series, *, pool: Iterable[object] | None = None,
         seed: int = 0) -> Ranking:
    """Rank the works that `labels` does not decide (or the work_ids in `pool`), most likely relevant first.

    `works`: work_id (unique) and any of title, abstract, keywords, relevance_score (missing
    columns and NaN are fine), or a `Ranker` built on them, to rank several pools of one set of
    works with one TF-IDF. `labels`: work_id → 1 (relevant: include or maybe) or 0 (irrelevant)
    for decided works; ids not in `works` are ignored. `pool`: the works to order, e.g. those
    awaiting one reviewer; ids not in `works` are ignored. With no labels, or labels of one class
    only, the order is relevance_score (highest first; missing last) then work_id, and
    probability / estimated_remaining are NaN. Deterministic for a given `seed`. The order of
    `labels` is the order the decisions were made (a ledger's order): the model's class weights
    depend on the latest ones (`class_ratio`).
    """
    ranker = works if isinstance(works, Ranker) else Ranker(works)
    decided, y = _decided(ranker, labels)
    if pool is None:
        undecided = np.setdiff1d(np.arange(len(ranker.work_ids)), decided)
    else:
        undecided = np.unique(np.asarray([ranker.position[w] for w in pool if w in ranker.position],
                                         dtype=np.int64))
    probability = ranker.predict(decided, y, undecided, seed=seed)
    ordered = ranker.order(undecided, probability)
    if probability is None:
        shown = np.full(len(ordered), np.nan)
        remaining, method, remaining_method = math.nan, PRIOR_METHOD, "none: no model yet"
    else:
        by_position = dict(zip(undecided, probability))
        shown = np.array([by_position[p] for p in ordered], dtype=float)
        remaining, method, remaining_method = float(probability.sum()), MODEL_METHOD, REMAINING_METHOD
    order = pd.DataFrame({"work_id": ranker.work_ids[ordered], "probability": shown,
                          "rank": np.arange(1, len(ordered) + 1)})
    return Ranking(order=order, estimated_remaining=remaining, method=method, remaining_method=remaining_method)


def _decided(ranker: Ranker, labels: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """Positions and 0/1 labels of the decided works that are in `ranker`."""
    labels = labels.dropna()
    labels = labels[~labels.index.duplicated(keep="last")]  # a changed decision: the latest counts
    values = pd.to_numeric(labels, errors="coerce")
    if values.isna().any() or not values.isin([0, 1]).all():
        bad = labels[values.isna() | ~values.isin([0, 1])]
        # tolist(): Python scalars, so the message says 2, not np.int64(2)
        raise ValueError(f"labels must be 0 or 1; got {bad.tolist()[0]!r} for work {bad.index.tolist()[0]!r}")
    pairs = [(ranker.position[w], int(v)) for w, v in zip(labels.index, values) if w in ranker.position]
    if not pairs:
        return np.array([], dtype=np.int64), np.array([], dtype=np.int64)
    positions, y = zip(*pairs)
    return np.asarray(positions, dtype=np.int64), np.asarray(y, dtype=np.int64)

