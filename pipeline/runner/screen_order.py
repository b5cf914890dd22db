"""Prioritised screening in the workbook loop: what the ranker learns from, and the stopping figures.

Glue between the screening decisions (stages/screen) and the ranker (stages/rank), which do not
know each other. Works arrive in reviewers' workbooks most-likely-relevant first once humans have
made a relevant and an irrelevant decision at the stage; before that, by the protocol's
relevance score.

Blind dual screening stays blind: a reviewer's order is learned only from works that are no
longer waiting for that reviewer. A work the other reviewer has decided, still awaiting this
one, is left out of the training, so the other reviewer's decision cannot push it up or down.
"""

from __future__ import annotations

import hashlib
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd
from scipy import sparse

from ..stages.rank import Ranker, rank, stopping
from ..stages.rank.features import ranking_features, work_text
from ..stages.screen.flow import RESOLUTION, STAGES, awaiting_at
from ..store import atomic_path

#: Bump when features.py changes what it computes, so that kept matrices are not reused.
FEATURES_VERSION = "tfidf-2"  # 2: the title block of ranking_features (issue 17)

#: Human decisions that count as relevant for the ranker, per stage. At full text a "maybe" is
#: no decision yet (the work comes back), so it teaches nothing.
RELEVANT = {"title_abstract": {"include": 1, "maybe": 1, "exclude": 0},
            "full_text": {"include": 1, "exclude": 0}}


def human_labels(mapped: pd.DataFrame | None, stage: str) -> pd.DataFrame:
    """What people have said about each work at `stage` so far: work_id, label (1/0), first (time).

    A resolution settles the work; otherwise the work is relevant if any reviewer's latest
    decision is include (or maybe at title/abstract), so a conflict counts as relevant: someone
    thought it was. Rows come in the order the works were first decided (`first`: when), the
    order screening happened in.
    Works no human has decided (e.g. proposals accepted by the protocol) have no row.
    """
    empty = pd.DataFrame({"work_id": pd.Series(dtype=object), "label": pd.Series(dtype="int64"),
                          "first": pd.Series(dtype=object)})
    if mapped is None or mapped.empty:
        return empty
    values = RELEVANT[stage]
    rows = mapped[(mapped["stage"] == stage) & mapped["decision"].isin(values)]
    if rows.empty:
        return empty
    # Stable: rows of one import share a time and keep the workbook's row order, the order the
    # reviewer went through them.
    rows = rows.sort_values("time", kind="stable")
    first = rows.drop_duplicates("work_id")[["work_id", "time"]]
    is_resolution = rows["role"] == RESOLUTION
    resolved = rows[is_resolution].groupby("work_id")["decision"].last().map(values)
    latest = rows[~is_resolution].groupby(["work_id", "reviewer"])["decision"].last().map(values)
    label = latest.groupby(level="work_id").max()
    label = pd.concat([label[~label.index.isin(resolved.index)], resolved])
    return pd.DataFrame({"work_id": first["work_id"].to_numpy(),
                         "label": first["work_id"].map(label).to_numpy(dtype="int64"),
                         "first": first["time"].to_numpy()})


def kept_features(folder: Path) -> Callable[[pd.DataFrame], sparse.csr_matrix]:
    """A features function for `Ranker` that keeps the TF-IDF matrix in `folder` between runs.

    The works change only when search or dedupe run again; the ledger changes at every import.
    So the matrix (seconds for 50,000 abstracts) is computed once per set of works and loaded
    after each import. The file is named by a hash of the work ids and their text, so a changed
    work means a new matrix; older files are removed. It is derived output, like all of
    outputs/: deleting it costs only the time to recompute.
    """
    def features(works: pd.DataFrame) -> sparse.csr_matrix:
        digest = hashlib.sha256(FEATURES_VERSION.encode())
        digest.update("\x1f".join(works["work_id"].astype(str)).encode("utf-8"))
        digest.update("\x1f".join(work_text(works)).encode("utf-8"))
        path = folder / f"tfidf-{digest.hexdigest()[:20]}.npz"
        if path.exists():
            try:
                return sparse.load_npz(path).tocsr()
            except (OSError, ValueError, KeyError, zipfile.BadZipFile):
                pass  # a damaged file: compute it again below
        matrix = ranking_features(works)
        for old in folder.glob("tfidf-*.npz"):
            old.unlink()
        with atomic_path(path) as tmp, tmp.open("wb") as handle:
            sparse.save_npz(handle, matrix, compressed=False)
        return matrix

    return features


@dataclass(frozen=True)
class ReviewerOrder:
    """A reviewer's workbook order: `score` (work_id → higher first) and what the workbook says."""

    score: pd.Series
    probability: pd.Series
    estimated_remaining: float | None
    method: str
    trained_on: int
    trained_relevant: int

    def summary(self) -> dict[str, Any]:
        """For the manifest: how the workbook was ordered and what the ranker expects in it."""
        return {"works": len(self.score), "method": self.method, "trained_on": self.trained_on,
                "trained_relevant": self.trained_relevant, "estimated_relevant": self.estimated_remaining}


def reviewer_order(ranker: Ranker, labels: pd.DataFrame, todo: pd.DataFrame) -> ReviewerOrder:
    """Order the works in `todo` (one reviewer's awaiting works) by the ranker.

    Trained on the `human_labels` of every work not in `todo` (see the module docstring on
    blinding). Before a model can learn, the ranker orders by relevance_score then work_id, as
    the workbook always did.
    """
    pool = set(todo["work_id"])
    train = labels[~labels["work_id"].isin(pool)]
    ranking = rank(ranker, pd.Series(train["label"].to_numpy(), index=train["work_id"]), pool=pool)
    order = ranking.order
    remaining = ranking.estimated_remaining
    return ReviewerOrder(score=pd.Series(-order["rank"].to_numpy(), index=order["work_id"]),
                         probability=pd.Series(order["probability"].to_numpy(), index=order["work_id"]),
                         estimated_remaining=None if remaining != remaining else float(remaining),
                         method=ranking.method, trained_on=len(train), trained_relevant=int(train["label"].sum()))


def stage_stopping(ranker: Ranker, screened: pd.DataFrame, mapped: pd.DataFrame | None) -> dict[str, Any]:
    """Per stage, the stopping figures of `stages.rank.stopping` over the works people screen there.

    Screened: works with a human decision at the stage, in the order they were first decided.
    Unscreened: works awaiting the stage that nobody has decided. Works the protocol's criteria
    decided (accept_proposals) are neither: they are counted apart, as decided_by_criteria. The ranker, trained on every
    human decision at the stage, estimates the relevant works among the unscreened.
    """
    figures: dict[str, Any] = {}
    for stage in STAGES:
        labels = human_labels(mapped, stage)
        waiting = screened.loc[awaiting_at(screened, stage), "work_id"]
        unscreened = sorted(set(waiting) - set(labels["work_id"]))
        if labels.empty and not unscreened:
            continue
        ranking = rank(ranker, pd.Series(labels["label"].to_numpy(), index=labels["work_id"]), pool=unscreened)
        in_order = labels["label"].to_numpy()
        figures[stage] = {**stopping(in_order, len(in_order) + len(unscreened),
                                     estimated_remaining=ranking.estimated_remaining),
                          "decided_by_criteria": int((screened[f"{stage}_decided_by"] == "criteria").sum()),
                          "ranking": ranking.method}
    return figures
