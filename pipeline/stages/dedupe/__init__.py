"""Dedupe stage: find the records that are one work, and explain every merge and refusal.

normalise → block → compare → decide → cluster → merge, each in its own module:

- `normalise`  spelling variants of a field to one form (titles, authors, pages, venues, DOIs);
- `block`      candidate pairs from shared keys, never all pairs (cost near-linear in records);
- `compare`    field similarities with rapidfuzz;
- `decide`     ordered, named rules: refusals first, then matches; "uncertain" for a reviewer;
- `cluster`    connected components that never join records a refusal or a reviewer kept apart;
- `merge`      one row per work with stable work ids and the best value of every field.

Pure: no files, no clocks. Needs the record table (`records.RECORD_COLUMNS`); adds `work_id`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from ...config import DedupeConfig
from ...errors import ConfigError, StageError
from .block import candidate_pairs
from .cluster import cluster
from .compare import compare
from .decide import HARD_REFUSALS, Thresholds, decide, score
from .merge import WORK_COLUMNS, assign_work_ids, build_works
from .normalise import prepare
from .serial import serial_pairs

__all__ = ["DedupeResult", "PAIR_COLUMNS", "WORK_COLUMNS", "dedupe", "read_overrides", "review_pairs"]

#: Columns of pairs.csv: the pair, how it was found, what was compared, and what decided it.
PAIR_COLUMNS: tuple[str, ...] = (
    "record_id_a", "record_id_b", "blocked_by",
    "title", "title_tokens", "authors", "first_author", "venue", "abstract",
    "year_gap", "doi", "volume", "issue", "pages", "title_numbers", "serial", "score", "decision", "rule",
)
_SIMILARITIES = ("title", "title_tokens", "authors", "first_author", "venue", "abstract")
ANSWERS = ("same", "different")


@dataclass
class DedupeResult:
    """What the stage returns: records with their work, one row per work, and every compared pair."""

    records: pd.DataFrame
    works: pd.DataFrame
    pairs: pd.DataFrame

    @property
    def uncertain(self) -> pd.DataFrame:
        """The pairs no rule could decide (also those a reviewer has answered since)."""
        return self.pairs[self.pairs["decision"] == "uncertain"]

    @property
    def to_review(self) -> pd.DataFrame:
        """The pairs review.xlsx offers a reviewer (`review_pairs`)."""
        return review_pairs(self.pairs)


def review_pairs(pairs: pd.DataFrame) -> pd.DataFrame:
    """The pairs a reviewer should answer: uncertain, not answered yet, and not refused.

    A refusal ("refuse: …": numbers in the titles, DOIs, issues differ) is a decision, not a
    question; asking a reviewer about it again would only waste their time.
    """
    rule = pairs["rule"].fillna("").astype(str)
    keep = (pairs["decision"] == "uncertain") & ~rule.str.startswith("reviewer:") & ~rule.str.startswith("refuse")
    return pairs[keep]


def thresholds(config: DedupeConfig) -> Thresholds:
    """The rule thresholds from the protocol, checked to be in a sensible order."""
    if not config.review_title <= config.similar_title <= config.same_title:
        raise ConfigError(
            f"dedupe: review_title ({config.review_title}) ≤ similar_title ({config.similar_title}) "
            f"≤ same_title ({config.same_title}) must hold",
            hint="a lower level marks pairs for review, a higher one merges; keep them in that order")
    return Thresholds(same_title=config.same_title, similar_title=config.similar_title,
                      review_title=config.review_title, same_authors=config.same_authors,
                      same_venue=config.same_venue, max_year_gap=config.max_year_gap)


def read_overrides(overrides: pd.DataFrame | None) -> pd.DataFrame:
    """Reviewer answers, validated: one row per pair (the last answer wins), ids sorted."""
    columns = ["record_id_a", "record_id_b", "answer"]
    if overrides is None or overrides.empty:
        return pd.DataFrame(columns=columns)
    missing = [c for c in columns if c not in overrides.columns]
    if missing:
        raise StageError(f"dedupe overrides: missing column(s) {', '.join(missing)}",
                         hint="the ledger needs record_id_a, record_id_b and answer (same or different)")
    rows = []
    for number, (a, b, answer) in enumerate(overrides[columns].itertuples(index=False), start=2):
        text = str(answer).strip().lower() if isinstance(answer, str) else ""
        if text not in ANSWERS:
            raise StageError(f'dedupe overrides, row {number}: answer "{answer}" is not one of: same, different',
                             hint="fix the answer in the ledger, or remove the row")
        if not isinstance(a, str) or not isinstance(b, str) or not a.strip() or not b.strip():
            raise StageError(f"dedupe overrides, row {number}: a record id is empty",
                             hint="every answer names two records: record_id_a and record_id_b")
        a, b = sorted((a.strip(), b.strip()))
        if a != b:
            rows.append((a, b, text))
    frame = pd.DataFrame(rows, columns=columns)
    return frame.drop_duplicates(["record_id_a", "record_id_b"], keep="last").reset_index(drop=True)


def _check_records(records: pd.DataFrame) -> None:
    needed = ("record_id", "source", "title", "authors", "year", "doi", "venue", "volume", "issue", "pages", "abstract")
    missing = [c for c in needed if c not in records.columns]
    if missing:
        raise StageError(f"dedupe: the record table lacks column(s) {', '.join(missing)}",
                         hint="run `slr search` to rebuild 01_search/records.csv")
    ids = records["record_id"]
    if ids.isna().any():
        raise StageError(f"dedupe: {int(ids.isna().sum())} record(s) have no record_id",
                         hint="run `slr search` to rebuild 01_search/records.csv")
    duplicated = ids[ids.duplicated()]
    if len(duplicated):
        raise StageError(f'dedupe: record_id "{duplicated.iloc[0]}" is used by more than one record',
                         hint="record ids must be unique; run `slr search` to rebuild 01_search/records.csv")


def dedupe(records: pd.DataFrame, config: DedupeConfig, *, previous: pd.DataFrame | None = None,
           overrides: pd.DataFrame | None = None) -> DedupeResult:
    """Group the records into works; see the module docstring for the steps."""
    levels = thresholds(config)
    _check_records(records)
    answers = read_overrides(overrides)
    # Work in record-id order, so that results never depend on the order of the input rows.
    table = records.sort_values("record_id", kind="stable").reset_index(drop=True)
    ids = table["record_id"].astype(str).tolist()
    position = {rid: i for i, rid in enumerate(ids)}

    if not config.enabled:
        # Dedupe switched off in the protocol: every record is its own work (ids still stable).
        work_of, merged_from, split_from = assign_work_ids(ids, list(range(len(ids))), previous)
        out = records.copy()
        out["work_id"] = out["record_id"].map(dict(zip(ids, work_of, strict=True)))
        return DedupeResult(records=out, works=build_works(table, work_of, merged_from, split_from),
                            pairs=pd.DataFrame(columns=list(PAIR_COLUMNS)))

    features = prepare(table)
    found = candidate_pairs(features, max_block=config.max_block, window=config.window)
    sims = compare(features, found, workers=-1)
    sims["serial"] = serial_pairs(features, sims)
    for name, values in decide(sims, levels).items():  # columns added in place: no copy of every pair
        sims[name] = values.to_numpy()
    sims["score"] = score(sims)

    known = answers[answers["record_id_a"].isin(position) & answers["record_id_b"].isin(position)]
    reviewer = [(position[a], position[b], ans) for a, b, ans in known.itertuples(index=False)]
    # Strongest first; positions follow record-id order, so ties are broken by record id.
    strongest = sims[sims["decision"] == "same"].sort_values(
        ["score", "a", "b"], ascending=[False, True, True], kind="stable")
    refused = sims[sims["refusal"].isin(HARD_REFUSALS)]
    # A refusal can only matter between records that some "same" pair could join.
    touched = np.zeros(len(table), dtype=bool)
    touched[strongest["a"].to_numpy(dtype=np.int64)] = True
    touched[strongest["b"].to_numpy(dtype=np.int64)] = True
    touched[[p for a, b, _ in reviewer for p in (a, b)]] = True
    refused = refused[touched[refused["a"].to_numpy(dtype=np.int64)] & touched[refused["b"].to_numpy(dtype=np.int64)]]
    labels, forced_ok, same_ok = cluster(
        len(table),
        # lazy: one pass each, no Python tuple per pair held at once
        same=zip(strongest["a"].tolist(), strongest["b"].tolist(), strict=True),
        refused=zip(refused["a"].tolist(), refused["b"].tolist(), strict=True),
        reviewer_same=[(a, b) for a, b, ans in reviewer if ans == "same"],
        reviewer_different=[(a, b) for a, b, ans in reviewer if ans == "different"],
    )
    not_joined = strongest.index[~np.asarray(same_ok, dtype=bool)] if len(strongest) else []
    sims.loc[not_joined, "decision"] = "uncertain"
    sims.loc[not_joined, "rule"] = sims.loc[not_joined, "rule"] + \
        "; not joined: it would put records a refusal or a reviewer kept apart in one work"

    pairs = _pairs_table(sims, ids, reviewer, forced_ok)
    del sims, strongest, refused  # the pairs table holds what is kept; free the rest before merging
    work_of, merged_from, split_from = assign_work_ids(ids, labels, previous)
    by_id = dict(zip(ids, work_of, strict=True))
    out = records.copy()
    out["work_id"] = out["record_id"].map(by_id)
    works = build_works(table, work_of, merged_from, split_from)
    return DedupeResult(records=out, works=works, pairs=pairs)


def _pairs_table(sims: pd.DataFrame, ids: list[str], reviewer: list[tuple[int, int, str]],
                 forced_ok: list[bool]) -> pd.DataFrame:
    """pairs.csv: compared pairs with their decisions, reviewer answers written over them."""
    id_array = np.asarray(ids, dtype=object)
    # positions follow record-id order and a < b, so ordering by (a, b) is ordering by the ids
    order = np.lexsort((sims["b"].to_numpy(), sims["a"].to_numpy()))
    table = pd.DataFrame({
        "record_id_a": id_array[sims["a"].to_numpy()[order]],
        "record_id_b": id_array[sims["b"].to_numpy()[order]],
        **{name: (sims[name].to_numpy(dtype=float)[order].round(3) if name in _SIMILARITIES
                  else sims[name].to_numpy()[order]) for name in PAIR_COLUMNS[2:]},
    })
    forced = iter(forced_ok)
    answered = {}
    for a, b, answer in reviewer:
        rule = f"reviewer: {answer}"
        if answer == "same" and not next(forced):
            rule += "; not joined: a reviewer said different for records of these works"
        answered[(ids[a], ids[b])] = (answer if rule == f"reviewer: {answer}" else "uncertain", rule)
    if answered:
        key = list(zip(table["record_id_a"], table["record_id_b"], strict=True))
        hit = [k in answered for k in key]
        table.loc[hit, "decision"] = [answered[k][0] for k, h in zip(key, hit, strict=True) if h]
        table.loc[hit, "rule"] = [answered[k][1] for k, h in zip(key, hit, strict=True) if h]
        seen = {k for k, h in zip(key, hit, strict=True) if h}
        extra = [{"record_id_a": a, "record_id_b": b, "blocked_by": "reviewer", "decision": d, "rule": r}
                 for (a, b), (d, r) in answered.items() if (a, b) not in seen]
        if extra:  # pairs no block proposed: placed among the others by their ids
            table = pd.concat([table, pd.DataFrame(extra)], ignore_index=True).reindex(columns=list(PAIR_COLUMNS))
            table = table.sort_values(["record_id_a", "record_id_b"], kind="stable").reset_index(drop=True)
    return table
