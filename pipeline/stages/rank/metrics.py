"""How well an order found the relevant works, and when a reviewer may stop.

`figures` scores a complete screening order (a simulation's), with the definitions of Cohen et al.
2006 and ASReview's simulation studies. `stopping` reads the decisions made so far in a live
review, where the truth is unknown, and gives the figures a team weighs before stopping.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import pandas as pd

#: Smallest screening count before the knee method may say stop (Cormack & Grossman 2016).
KNEE_MIN_SCREENED = 150


def recall_curve(labels_in_order: Sequence[int]) -> pd.DataFrame:
    """screened (0…N), found, recall after each record of a screening order (1 relevant, 0 not)."""
    labels = np.asarray(labels_in_order, dtype=np.int64)
    found = np.concatenate([[0], np.cumsum(labels)])
    total = int(labels.sum())
    recall = found / total if total else np.full(len(found), np.nan)
    return pd.DataFrame({"screened": np.arange(len(found)), "found": found, "recall": recall})


def wss(labels_in_order: Sequence[int], recall: float) -> float:
    """Work saved over sampling at `recall` (Cohen et al. 2006): (TN + FN) / N − (1 − recall).

    TN + FN are the records not yet screened at the first point where the share of relevant
    records found reaches `recall`; N is all records in the order. With 14 relevant records,
    95 % recall needs all 14 (13/14 is 92.9 %), so WSS@95 = WSS@100 − 0.05 there.
    """
    labels = np.asarray(labels_in_order, dtype=np.int64)
    total = int(labels.sum())
    if total == 0:
        return math.nan
    need = math.ceil(round(recall * total, 9))  # round: 0.28 × 25 is 7.000000000000001 in floats, and needs 7
    screened = int(np.searchsorted(np.cumsum(labels), need)) + 1
    return (len(labels) - screened) / len(labels) - (1 - recall)


def recall_at(labels_in_order: Sequence[int], fraction: float) -> float:
    """Share of the relevant records found after screening ⌊fraction × N⌋ records."""
    labels = np.asarray(labels_in_order, dtype=np.int64)
    total = int(labels.sum())
    if total == 0:
        return math.nan
    screened = math.floor(round(fraction * len(labels), 9))
    return float(labels[:screened].sum()) / total


def figures(labels_in_order: Sequence[int]) -> dict[str, float]:
    """WSS@95, WSS@100, recall at 10 % screened and RRF@10 of a complete screening order.

    wss_95, wss_100: see `wss` (fractions; 0 = no better than screening in random order, on
    average). recall_10: share of relevant records found after screening ⌊10 % × N⌋ records.
    rrf_10: relevant records found at 10 %, as a percentage (ASReview's RRF@10; the same figure
    as recall_10 × 100, reported in both conventions because papers use both).
    """
    r10 = recall_at(labels_in_order, 0.10)
    return {"wss_95": wss(labels_in_order, 0.95), "wss_100": wss(labels_in_order, 1.0),
            "recall_10": r10, "rrf_10": 100 * r10}


def recent_yield_remaining(decisions_in_order: Sequence[int], n_total: int) -> np.ndarray:
    """Relevant works expected among the unscreened after each decision: index i is the estimate
    after the first i decisions (index 0: none yet), NaN before two relevant decisions.

    The latest stretch of screening, from just after the second-last relevant decision to now, holds
    one relevant work in its L decisions. Read as a sample of what is left, the share of relevant
    works there has the posterior Beta(2, L) (flat prior), whose median is about 5 / (3L + 4)
    (Kerman 2011); times the unscreened works, that is the estimate. Why this stretch: it is the most
    recent yield (screening in ranked order, older stretches found more), and it always holds the
    latest relevant work, so the estimate is defined right after one and does not read a short run
    of irrelevant decisions as "nothing left". Why it errs low, never high, in ranked order: the
    works not yet screened were ranked below the stretch, so they are no likelier relevant than it.
    Replayed on five SYNERGY sets it never said 95 % before the true recall was 95 % (the estimate it
    replaces, from the ranker's probabilities, did on Chou 2004: bench/results/prioritise.md).
    """
    labels = np.asarray(decisions_in_order, dtype=np.int64)
    n = np.arange(len(labels) + 1)
    found = np.concatenate([[0], np.cumsum(labels)])
    at = np.flatnonzero(labels == 1) + 1  # 1-based positions of the relevant decisions
    remaining = np.full(len(n), np.nan)
    ok = found >= 2
    stretch = n[ok] - at[found[ok] - 2]  # decisions after the second-last relevant one
    remaining[ok] = 5.0 / (3.0 * stretch + 4.0) * (n_total - n[ok])
    return remaining


def recall_estimates(decisions_in_order: Sequence[int], n_total: int) -> np.ndarray:
    """Estimated recall after each decision (index i: after the first i), from
    `recent_yield_remaining`: found / (found + remaining); 1 once every work is screened."""
    labels = np.asarray(decisions_in_order, dtype=np.int64)
    found = np.concatenate([[0], np.cumsum(labels)]).astype(float)
    remaining = recent_yield_remaining(labels, n_total)
    remaining[np.arange(len(found)) == n_total] = 0.0
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(found + remaining > 0, found / (found + remaining), np.nan)


ESTIMATE_METHOD = ("relevant found / (found + relevant expected among the unscreened at the yield since the "
                   "second-last relevant decision)")


def stopping(decisions_in_order: Sequence[int], n_total: int, *,
             estimated_remaining: float | None = None) -> dict[str, object]:
    """Stopping figures after screening `decisions_in_order` (1 relevant, 0 irrelevant) of `n_total` works.

    Three estimates, each with its method in words; none is proof, together they let a team
    decide. None where a figure is undefined.

    - estimated_recall, estimated_remaining: found / (found + remaining), remaining from the yield
      of the latest stretch of screening (`recent_yield_remaining`; needs two relevant decisions).
      It errs low: replayed on five SYNERGY sets (10 seeds each, bench/results/prioritise.md) it
      never said 95 % before the true recall was 95 %. `estimated_remaining` given (the ranker's sum
      of probabilities, Ranking.estimated_remaining) is kept as model_estimated_remaining and
      model_estimated_recall: that figure was the estimated recall before and is not calibrated:
      how far it errs depends on the model's settings (the ranker of the first pass said 95 % at a
      true 87.5 % on Chou 2004 in 10 of 10 runs; today's says 0.23 on Meijboom 2021 and Oud 2018
      when the truth reaches 95 %).
    - recall_lower_bound: the rule of three. If the last r screened works (screened in ranked
      order) were all irrelevant, the share of relevant works among them is below 3/r with 95 %
      confidence; if the unscreened works are no likelier relevant than those (what ranking
      aims at), at most 3/r × unscreened remain.
    - knee_stop: Cormack & Grossman's (2016) knee method on the curve of relevant found: the
      slope before the knee over the slope after it (+1 smoothing) is at least
      156 − min(found, 150), after at least 150 works screened.
    """
    labels = np.asarray(decisions_in_order, dtype=np.int64)
    screened = len(labels)
    if screened > n_total:
        raise ValueError(f"{screened} decisions but only {n_total} works")
    found = int(labels.sum())
    unscreened = n_total - screened
    relevant_at = np.flatnonzero(labels == 1)
    run = screened - int(relevant_at[-1]) - 1 if len(relevant_at) else screened
    out: dict[str, object] = {
        "screened": screened, "relevant_found": found, "unscreened": unscreened,
        "consecutive_irrelevant": run,
    }

    remaining = float(recent_yield_remaining(labels, n_total)[-1])
    if unscreened == 0:
        remaining = 0.0
    out["estimated_remaining"] = None if math.isnan(remaining) else remaining
    out["estimated_recall"] = (found / (found + remaining)
                               if not math.isnan(remaining) and found + remaining > 0 else None)
    out["estimated_recall_method"] = (
        "all works screened" if unscreened == 0 else
        ESTIMATE_METHOD if not math.isnan(remaining) else "none: needs two relevant decisions")
    model = None if estimated_remaining is None or math.isnan(estimated_remaining) else float(estimated_remaining)
    if unscreened == 0 and model is not None:
        model = 0.0
    out["model_estimated_remaining"] = model
    out["model_estimated_recall"] = found / (found + model) if model is not None and found + model > 0 else None

    if unscreened == 0:
        bound, method = (1.0 if found else None), "all works screened"
    elif run == 0 or found == 0:
        bound = None
        method = ("none: the last screened work was relevant" if run == 0 and screened else
                  "none: no relevant work found yet" if found == 0 else "none")
    else:
        most = min(unscreened, 3 * unscreened / run)
        bound = found / (found + most)
        method = (f"rule of three: the last {run} screened were irrelevant, so at most 3/{run} of the "
                  f"{unscreened} unscreened ({most:.1f}) are relevant, at 95 % confidence")
    out["recall_lower_bound"] = bound
    out["recall_lower_bound_method"] = method

    ratio = knee_slope_ratio(labels)
    out["knee_slope_ratio"] = ratio
    out["knee_stop"] = bool(ratio is not None and screened >= KNEE_MIN_SCREENED
                            and ratio >= 156 - min(found, 150))
    out["knee_method"] = (f"Cormack & Grossman 2016: stop when the slope ratio reaches "
                          f"156 − min(found, 150) = {156 - min(found, 150)} after at least "
                          f"{KNEE_MIN_SCREENED} screened")
    return out


def knee_slope_ratio(decisions_in_order: Sequence[int]) -> float | None:
    """Slope of the found-curve before its knee over the slope after it (Cormack & Grossman 2016).

    The knee is the point of the curve (screened, found) farthest from the straight line joining
    the origin to the last point. Slope after = (found after the knee + 1) / works after it, the
    +1 keeping the ratio finite when nothing was found after the knee. None before any relevant
    work is found or when the knee is the last point.
    """
    labels = np.asarray(decisions_in_order, dtype=np.int64)
    s = len(labels)
    found = np.cumsum(labels)
    if s == 0 or found[-1] == 0:
        return None
    x = np.arange(1, s + 1, dtype=float)
    # Distance to the line through (0, 0) and (s, found[-1]), up to a constant factor.
    distance = np.abs(found[-1] * x - s * found)
    knee = int(np.argmax(distance))  # position knee → knee + 1 screened
    before = knee + 1
    if before >= s:
        return None
    slope_before = found[knee] / before
    slope_after = (found[-1] - found[knee] + 1) / (s - before)
    return float(slope_before / slope_after)
