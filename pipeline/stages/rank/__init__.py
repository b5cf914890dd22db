"""Prioritised screening: rank undecided works by predicted relevance, learned from the decisions.

- `rank(works, labels)` → `Ranking`: the undecided works in the order to screen them, each with
  a probability of relevance, and an estimate of the relevant works still undecided
  (model.py; features in features.py).
- `stopping(decisions_in_order, n_total)` → the figures a team weighs before stopping
  (metrics.py).
- `simulate(works, labels)` → `Simulation`: a fully labelled review replayed, with its recall
  curve and WSS@95, WSS@100, recall at 10 %, RRF@10 (simulate.py, metrics.py).

Pure functions over DataFrames: no files, no clocks.
"""

from .metrics import figures, knee_slope_ratio, recall_at, recall_curve, stopping, wss
from .model import Ranker, Ranking, rank
from .simulate import Simulation, prior_knowledge, simulate

__all__ = [
    "Ranker", "Ranking", "Simulation", "figures", "knee_slope_ratio", "prior_knowledge", "rank",
    "recall_at", "recall_curve", "simulate", "stopping", "wss",
]
