"""Candidate rankers, measured on every shared labelled set at once (a tool for tuning, not `make bench`).

    python bench/rank_experiments.py --seeds 3 lr nb lr+nb          # candidates by name
    python bench/rank_experiments.py --list

Each candidate is replayed as `simulate` replays a review (the prior of `prior_knowledge(seed)`,
one record per query, retrained after every record, stopping at the last relevant one) and
scored with `figures`; ASReview's figures for the same seeds come from the cache that
bench/prioritise.py keeps (bench/results/prioritise_asreview.json), so it is never rerun here.
Prints, per set and over the sets, mean WSS@95, WSS@100, recall@10 % and CPU seconds, and the
difference from ASReview. What was tried and why it was kept or dropped is written up by hand in
bench/results/prioritise_tried.md.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
from scipy import sparse
from scipy.special import expit
from sklearn.linear_model import LogisticRegression
from sklearn.naive_bayes import MultinomialNB
from sklearn.svm import LinearSVC

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE))

import prioritise as P  # noqa: E402
from pipeline.stages.rank import figures, prior_knowledge  # noqa: E402
from pipeline.stages.rank import features as F  # noqa: E402

Scorer = Callable[[sparse.csr_matrix, np.ndarray, np.ndarray, int], np.ndarray]


# --- features ----------------------------------------------------------------------------------

def feats(works, kind: str) -> sparse.csr_matrix:
    """The rows a candidate trains on; "tfidf" is `features.tfidf` (no title block)."""
    if kind == "tfidf":
        return F.tfidf(works)
    if kind.startswith("title"):  # title block weighted w, plus the usual matrix
        w = float(kind[5:] or 1)
        t = F.tfidf(works[["work_id", "title"]])
        return sparse.hstack([F.tfidf(works), w * t], format="csr")
    if kind.startswith("ptitle"):  # title block weighted w, rows renormalised to unit length
        w = float(kind[6:] or 1)
        m = sparse.hstack([F.tfidf(works), w * F.tfidf(works[["work_id", "title"]])], format="csr")
        return _unit_rows(m)
    if kind.startswith("min"):  # terms in fewer than N works dropped (a term in one work ranks no other)
        counts = F._counts(F.work_text(works).tolist())
        df = np.bincount(counts.indices, minlength=counts.shape[1])
        return F._weigh(counts[:, np.flatnonzero(df >= int(kind[3:]))])
    if kind.startswith("altptitle"):  # title block weighted w, rows renormalised (for the kept model)
        w = float(kind[9:] or 1)
        return _unit_rows(sparse.hstack([F.tfidf(works), w * F.tfidf(works[["work_id", "title"]])], format="csr"))
    if kind.startswith("pair"):  # "pairB" or "pairA_B": title weight A (default 0) while finding, B once broadened
        a, _, b = kind[4:].rpartition("_")
        return Pair(feats(works, f"altptitle{a}") if a else F.tfidf(works), feats(works, "altptitle" + b))
    if kind.startswith("char"):  # word TF-IDF + character 3-5-gram TF-IDF (within words), equal halves
        from sklearn.feature_extraction.text import TfidfVectorizer
        text = F.work_text(works).tolist()
        c = TfidfVectorizer(analyzer="char_wb", ngram_range=(3, 5), sublinear_tf=True, max_df=0.95,
                            dtype=np.float32).fit_transform(text)
        return sparse.hstack([F.tfidf(works), c], format="csr") * np.float32(2 ** -0.5)
    raise ValueError(kind)


class Pair:
    """Two feature matrices of one set of works: `kept(broad_features=True)` trains on the first
    while screening finds relevant works and on the second once broadened."""

    def __init__(self, a: sparse.csr_matrix, b: sparse.csr_matrix) -> None:
        self.a, self.b = a, b


def _unit_rows(m: sparse.csr_matrix) -> sparse.csr_matrix:
    norms = np.sqrt(np.asarray(m.multiply(m).sum(axis=1)).ravel())
    norms[norms == 0] = 1
    return sparse.csr_matrix(sparse.diags(1 / norms) @ m, dtype=np.float32)


# --- scorers: fit on (X[decided], y), return a score for X[pool]; higher = screen first -------------

def lr(C=1.0, balanced="balanced"):
    def score(X, decided, y, pool, seed):
        m = LogisticRegression(C=C, class_weight=balanced, solver="liblinear", dual=True, random_state=seed)
        m.fit(X[decided], y)
        return m.decision_function(X[pool])
    return score


def lr_ratio(C=1.0, ratio=9.8):
    """Logistic regression with the relevant class weighing `ratio` times the irrelevant in total."""
    def score(X, decided, y, pool, seed):
        n1, n0 = (y == 1).sum(), (y == 0).sum()
        # class totals in the ratio `ratio`, scaled to sum to n like "balanced" (the same regularisation)
        w1 = len(y) * ratio / ((ratio + 1) * n1)
        w0 = len(y) / ((ratio + 1) * n0)
        m = LogisticRegression(C=C, class_weight={1: w1, 0: w0}, solver="liblinear",
                               dual=True, random_state=seed)
        m.fit(X[decided], y)
        return m.decision_function(X[pool])
    return score


def phased(C=1.0, ratio=10.0, run=20):
    """lr_ratio(ratio) while screening is productive, balanced once the last `run` decisions
    (in screening order) were all irrelevant: exploit hard, then broaden for the outliers."""
    def score(X, decided, y, pool, seed):
        last = np.flatnonzero(y == 1)[-1]
        r = ratio if len(y) - 1 - last < run else 1.0
        return lr_ratio(C, r)(X, decided, y, pool, seed)
    return score


def phased_mix(C=1.0, ratio=10.0, run=20, every=10, how="uncertain", broad=None):
    """phased(), but once the last `run` decisions were irrelevant every `every`-th pick is made
    another way: "uncertain" (the work nearest the balanced model's boundary), "random" (seeded by
    the step), or, with `broad` a scorer, the broad phase's scores are the rank average of the
    balanced LR and `broad` (every pick)."""
    def score(X, decided, y, pool, seed):
        last = np.flatnonzero(y == 1)[-1]
        productive = len(y) - 1 - last < run
        s = lr_ratio(C, ratio if productive else 1.0)(X, decided, y, pool, seed)
        if productive:
            return s
        if broad is not None:
            return ranks(s) + ranks(broad(X, decided, y, pool, seed))
        if (len(y) - 1 - last - run) % every != 0:
            return s
        if how == "uncertain":
            return -np.abs(s)
        return np.random.RandomState(seed * 100_003 + len(y)).random_sample(len(pool))
    return score


def phased_alt(C=1.0, ratio=10.0, run=20):
    """phased(), but once broadened the picks alternate: balanced on even steps of the run, the
    relevant class `ratio`x on odd ones (a hedge between likeness to the found works and what
    separates the classes; one model fitted per pick, as before)."""
    def score(X, decided, y, pool, seed):
        since = len(y) - 1 - np.flatnonzero(y == 1)[-1]
        r = ratio if since < run or (since - run) % 2 == 1 else 1.0
        return lr_ratio(C, r)(X, decided, y, pool, seed)
    return score


def phased_svm(C=0.11, ratio=9.8, run=20):
    """ELAS u4's SVM (ratio 9.8) while screening is productive, the same SVM balanced once the
    last `run` decisions were all irrelevant: ph20 with ASReview's loss and C."""
    def score(X, decided, y, pool, seed):
        last = np.flatnonzero(y == 1)[-1]
        return svm(C, ratio if len(y) - 1 - last < run else 1.0)(X, decided, y, pool, seed)
    return score


def kept(C=0.3, ratio=10.0, run=10, presumed=0, presumed_weight=1.0, nb_weight=0.0, broad_ratio=1.0,
         presumed_until=None, broad_only_balanced=False):
    """The second pass's kept ranker (model.class_ratio: ratio while finding, then broad_ratio and ratio in turn
    once the last `run` decisions were irrelevant), with third-pass options:
    `presumed`: that many works drawn at random from the pool (seeded by seed and step) join the
    training as irrelevant, as in Cormack and Grossman's BMI (each weighs `presumed_weight` of a
    decided irrelevant work; only while fewer than `presumed_until` decisions, if given);
    `nb_weight`: the score is z(LR) + nb_weight * z(naive Bayes, alpha 1, same class ratio)."""
    def score(X, decided, y, pool, seed):
        since = len(y) - 1 - np.flatnonzero(y == 1)[-1]
        r = ratio if since < run else (ratio if (since - run) % 2 == 1 else broad_ratio)
        if isinstance(X, Pair):  # the second matrix once broadened (or only for the balanced picks)
            X = X.b if since >= run and (not broad_only_balanced or r == broad_ratio) else X.a
        d, yy = decided, y
        sw = np.ones(len(y))
        if presumed and (presumed_until is None or len(y) < presumed_until):
            rng = np.random.RandomState(seed * 100_003 + len(y))
            extra = pool[rng.choice(len(pool), min(presumed, len(pool)), replace=False)]
            d = np.concatenate([decided, extra])
            yy = np.concatenate([y, np.zeros(len(extra), dtype=y.dtype)])
            sw = np.concatenate([sw, np.full(len(extra), presumed_weight)])
        n1, n0 = sw[yy == 1].sum(), sw[yy == 0].sum()
        # class totals in the ratio r, scaled to sum to the (weighted) number of training rows
        cls = np.where(yy == 1, sw.sum() * r / ((r + 1) * n1), sw.sum() / ((r + 1) * n0))
        m = LogisticRegression(C=C, solver="liblinear", dual=True, random_state=seed)
        m.fit(X[d], yy, sample_weight=sw * cls)
        s = m.decision_function(X[pool])
        if nb_weight:
            nbm = MultinomialNB(alpha=1.0)
            nbm.fit(X[d], yy, sample_weight=sw * cls)
            lp = nbm.predict_joint_log_proba(X[pool])
            s = zs(s) + nb_weight * zs(lp[:, 1] - lp[:, 0])
        return s
    return score


def svm(C=0.11, ratio=9.8):
    def score(X, decided, y, pool, seed):
        n1, n0 = (y == 1).sum(), (y == 0).sum()
        w = np.where(y == 1, 1.0, n1 / (ratio * n0))
        w *= len(y) / w.sum()
        m = LinearSVC(C=C, random_state=seed)
        m.fit(X[decided], y, sample_weight=w)
        return m.decision_function(X[pool])
    return score


def nb(alpha=3.822, ratio=1.2):
    def score(X, decided, y, pool, seed):
        n1, n0 = (y == 1).sum(), (y == 0).sum()
        w = np.where(y == 1, 1.0, n1 / (ratio * n0))
        w *= len(y) / w.sum()
        m = MultinomialNB(alpha=alpha)
        m.fit(X[decided], y, sample_weight=w)
        lp = m.predict_joint_log_proba(X[pool])
        return lp[:, 1] - lp[:, 0]
    return score


def ranks(s: np.ndarray) -> np.ndarray:
    """Scores → their rank in [0, 1] (1 = best); averaging ranks ignores each model's scale."""
    r = np.empty(len(s))
    r[np.argsort(s, kind="stable")] = np.arange(len(s))
    return r / max(len(s) - 1, 1)


def zs(s: np.ndarray) -> np.ndarray:
    sd = s.std()
    return (s - s.mean()) / (sd if sd > 0 else 1)


def mix(*scorers, how="rank", weights=None):
    weights = weights or [1.0] * len(scorers)

    def score(X, decided, y, pool, seed):
        parts = [f(X, decided, y, pool, seed) for f in scorers]
        norm = ranks if how == "rank" else zs
        return sum(w * norm(p) for w, p in zip(weights, parts))
    return score


CANDIDATES: dict[str, tuple[str, Scorer]] = {
    "lr": ("tfidf", lr()),
    "lr-c10": ("tfidf", lr(10.0)),
    "lr-r10": ("tfidf", lr_ratio(1.0, 10.0)),
    "lr-r1": ("tfidf", lr_ratio(1.0, 1.0)),
    "lr-r10-c3": ("tfidf", lr_ratio(3.0, 10.0)),
    "lr-r3": ("tfidf", lr_ratio(1.0, 3.0)),
    "lr-r10+nb": ("tfidf", mix(lr_ratio(1.0, 10.0), nb())),
    "lr-r10-title1": ("title1", lr_ratio(1.0, 10.0)),
    "lr-c3": ("tfidf", lr(3.0)),
    "lr-c0.3": ("tfidf", lr(0.3)),
    "svm-u4": ("tfidf", svm()),
    "nb": ("tfidf", nb()),
    "nb-a1": ("tfidf", nb(1.0, 1.0)),
    "nb-a0.1": ("tfidf", nb(0.1, 1.0)),
    "lr+nb": ("tfidf", mix(lr(), nb())),
    "lr+nb-z": ("tfidf", mix(lr(), nb(), how="z")),
    "svm+nb": ("tfidf", mix(svm(), nb())),
    "lr+svm+nb": ("tfidf", mix(lr(), svm(), nb())),
    "lr-title1": ("title1", lr()),
    "lr+svm": ("tfidf", mix(lr(), svm())),
    "lr+lr-r10": ("tfidf", mix(lr(), lr_ratio(1.0, 10.0))),
    "lr-c0.1": ("tfidf", lr(0.1)),
    "svm-bal": ("tfidf", svm(0.11, 1.0)),
    "ph20": ("tfidf", phased(run=20)),
    "ph50": ("tfidf", phased(run=50)),
    "ph10": ("tfidf", phased(run=10)),
    "lr-r10-c0.3": ("tfidf", lr_ratio(0.3, 10.0)),
    "lr-r10-c10": ("tfidf", lr_ratio(10.0, 10.0)),
    "lr-title0.5": ("title0.5", lr()),
    "svm-title1": ("title1", svm()),
    "lr+nb-title1": ("title1", mix(lr(), nb())),
    # issue 17, second pass: candidates built on the kept ph20
    "ph20-unc10": ("tfidf", phased_mix(every=10, how="uncertain")),
    "ph20-unc5": ("tfidf", phased_mix(every=5, how="uncertain")),
    "ph20-rand10": ("tfidf", phased_mix(every=10, how="random")),
    "ph20+nb-broad": ("tfidf", phased_mix(broad=nb())),
    "ph20+nb1-broad": ("tfidf", phased_mix(broad=nb(1.0, 1.0))),
    "ph20-char": ("char", phased(run=20)),
    "ph20-ptitle0.3": ("ptitle0.3", phased(run=20)),
    "ph20-ptitle1": ("ptitle1", phased(run=20)),
    "ph20-svm-broad": ("tfidf", phased_mix(broad=svm())),
    "ph20-svm": ("tfidf", phased_svm()),
    "ph20-alt": ("tfidf", phased_alt()),
    "ph20-alt-c0.3": ("tfidf", phased_alt(C=0.3)),
    "ph10-alt-c0.3": ("tfidf", phased_alt(C=0.3, run=10)),
    "ph20-c0.3": ("tfidf", phased(C=0.3, run=20)),
    "ph10-c0.3": ("tfidf", phased(C=0.3, run=10)),
    # issue 17, third pass: built on the second pass's kept model (ph10-alt-c0.3 = "kept", on the
    # word TF-IDF alone). "kept-ptitle0.2" is the third pass's kept model (features.ranking_features,
    # the title block at 0.2: the same matrix to 3e-8).
    "kept": ("tfidf", kept()),
    "kept-min2": ("min2", kept()),
    "kept-min3": ("min3", kept()),
    "kept-bmi100": ("tfidf", kept(presumed=100)),
    "kept-bmi20": ("tfidf", kept(presumed=20)),
    "kept-bmi100-w0.1": ("tfidf", kept(presumed=100, presumed_weight=0.1)),
    "kept-nb0.5": ("tfidf", kept(nb_weight=0.5)),
    "kept-nb1": ("tfidf", kept(nb_weight=1.0)),
    "kept-ptitle0.3": ("altptitle0.3", kept()),
    "kept-broad3": ("tfidf", kept(broad_ratio=3.0)),
    "kept-run5": ("tfidf", kept(run=5)),
    "kept-run15": ("tfidf", kept(run=15)),
    "kept-ptitle0.15": ("altptitle0.15", kept()),
    "kept-ptitle0.5": ("altptitle0.5", kept()),
    "kept-ptitle0.3-broad": ("pair0.3", kept()),
    "kept-ptitle0.3-broadbal": ("pair0.3", kept(broad_only_balanced=True)),
    "kept-ptitle0.15-broadbal": ("pair0.15", kept(broad_only_balanced=True)),
    "kept-ptitle0.2-broadbal": ("pair0.2", kept(broad_only_balanced=True)),
    "kept-ptitle0.5-broadbal": ("pair0.5", kept(broad_only_balanced=True)),
    "kept-ptitle0.2": ("altptitle0.2", kept()),
    "kept-ptitle0.1": ("altptitle0.1", kept()),
    "kept-ptitle0.25": ("altptitle0.25", kept()),
    "kept-ptitle0.15-0.3-broadbal": ("pair0.15_0.3", kept(broad_only_balanced=True)),
}


# --- the replay -------------------------------------------------------------------------------

def replay(X, y: np.ndarray, prior: list[int], scorer: Scorer, seed: int) -> np.ndarray:
    """Rows after the prior in screening order, until every relevant row is found, then the rest."""
    screened = np.zeros(len(y), dtype=bool)
    screened[prior] = True
    steps: list[int] = []
    to_find = int(y.sum() - y[prior].sum())
    decided = list(prior)
    while to_find and not screened.all():
        pool = np.flatnonzero(~screened)
        d = np.asarray(decided)
        s = scorer(X, d, y[d], pool, seed)
        pick = int(pool[np.lexsort((pool, -s))[0]])
        steps.append(pick)
        decided.append(pick)
        screened[pick] = True
        to_find -= int(y[pick])
    return np.concatenate([steps, np.flatnonzero(~screened)]).astype(np.int64)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("candidates", nargs="*")
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--list", action="store_true")
    parser.add_argument("--sets", default="", help="comma-separated name prefixes (default all)")
    args = parser.parse_args(argv)
    if args.list or not args.candidates:
        print("\n".join(CANDIDATES))
        return 0
    cache = P.Cache(P.ASREVIEW_CACHE)
    paths = P.default_datasets()
    if args.sets:
        paths = [p for p in paths if any(p.name.startswith(s) for s in args.sets.split(","))]
    data = [P.load(p) for p in paths]
    seeds = list(range(args.seeds))
    asr: dict[str, list[dict]] = {}
    for d in data:
        y = d.labels.to_numpy()
        asr[d.name] = []
        for seed in seeds:
            prior = [int(w) for w in prior_knowledge(d.works, d.labels, seed=seed)]
            run = cache.get(d, seed, prior)
            if run is None:
                raise SystemExit(f"{d.name} seed {seed}: ASReview not cached; run bench/prioritise.py first")
            asr[d.name].append({**figures(y[P.asreview_order(d, run)]), "cpu": run["cpu"]})
    features: dict[tuple[str, str], sparse.csr_matrix] = {}
    for name in args.candidates:
        kind, scorer = CANDIDATES[name]
        rows = []
        for d in data:
            y = d.labels.to_numpy()
            if (d.name, kind) not in features:
                features[(d.name, kind)] = feats(d.works, kind)
            X = features[(d.name, kind)]
            got = []
            for seed in seeds:
                prior = [int(w) for w in prior_knowledge(d.works, d.labels, seed=seed)]
                cpu = time.process_time()
                order = replay(X, y, prior, scorer, seed)
                got.append({**figures(y[order]), "cpu": time.process_time() - cpu})
            m = {k: statistics.fmean(g[k] for g in got) for k in ("wss_95", "wss_100", "recall_10", "cpu")}
            a = {k: statistics.fmean(g[k] for g in asr[d.name]) for k in ("wss_95", "recall_10", "cpu")}
            wins = sum(g["wss_95"] >= h["wss_95"] for g, h in zip(got, asr[d.name]))
            rows.append((d.name, m, a))
            print(f"{name:14s} {d.name[:12]:12s} WSS95 {m['wss_95']:.3f} ({m['wss_95'] - a['wss_95']:+.3f}, "
                  f"{wins}/{len(seeds)}) WSS100 {m['wss_100']:.3f} R10 {m['recall_10']:.3f} "
                  f"({m['recall_10'] - a['recall_10']:+.3f}) CPU {m['cpu']:.2f} (asr {a['cpu']:.2f})", flush=True)
        mean = statistics.fmean(m["wss_95"] for _, m, _ in rows)
        amean = statistics.fmean(a["wss_95"] for _, _, a in rows)
        worst = min(m["wss_95"] - a["wss_95"] for _, m, a in rows)
        r10 = min(m["recall_10"] - a["recall_10"] for _, m, a in rows)
        print(f"{name:14s} MEAN         WSS95 {mean:.3f} ({mean - amean:+.3f}) worst set {worst:+.3f} "
              f"worst R10 {r10:+.3f}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
