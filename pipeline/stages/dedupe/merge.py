"""Merge each cluster into one work: stable work ids and the best value of every field.

A work's id must survive re-runs, because screening and coding decisions hang on it. Without a
previous run, a work is named after its smallest record id ("W" + 12 hex digits of its SHA-1).
With the previous records.csv, every work keeps the id its records had: new records joining a
work take its id; when two earlier works now merge, the smallest of their ids is kept and the
others are listed in `merged_from`; when a reviewer splits a work, the part holding most of its
records keeps the id and the others get new ids, with the old one in `split_from`.
"""

from __future__ import annotations

import hashlib
from collections import Counter, defaultdict
from itertools import groupby
from operator import itemgetter
from typing import Any

import pandas as pd

from ...records import BIB_FIELDS, LIST_FIELDS, LIST_SEPARATOR, split_list

WORK_COLUMNS: tuple[str, ...] = ("work_id", *BIB_FIELDS, "record_ids", "sources", "n_records",
                                 "merged_from", "split_from")


def _new_id(record_id: str, used: set[str]) -> str:
    """"W" + 12 hex digits of the record id's SHA-1; a suffix only if that id is already taken."""
    seed, k = record_id, 1
    while True:
        work_id = "W" + hashlib.sha1(seed.encode("utf-8")).hexdigest()[:12]
        if work_id not in used:
            return work_id
        k += 1
        seed = f"{record_id}#{k}"


def assign_work_ids(record_ids: list[str], labels: list[int],
                    previous: pd.DataFrame | None = None) -> tuple[list[str], dict[str, str], dict[str, str]]:
    """A work id per record, plus `merged_from` and `split_from` per work id (`; `-joined).

    `labels` gives each record's cluster; `previous` is the earlier records.csv (record_id,
    work_id), or None on a first run.
    """
    members: dict[int, list[int]] = defaultdict(list)
    for position, label in enumerate(labels):
        members[label].append(position)
    earlier: dict[str, str] = {}
    if previous is not None and len(previous):
        pairs = previous[["record_id", "work_id"]].dropna()
        earlier = dict(zip(pairs["record_id"].astype(str), pairs["work_id"].astype(str), strict=True))
    first = {label: min(record_ids[p] for p in group) for label, group in members.items()}
    old_ids = {label: Counter(earlier[record_ids[p]] for p in group if record_ids[p] in earlier)
               for label, group in members.items()}
    # Clusters holding most of an old work choose first; each takes its smallest free old id.
    order = sorted(members, key=lambda label: (-max(old_ids[label].values(), default=0), first[label]))
    used: set[str] = set()
    chosen: dict[int, str] = {}
    for label in order:
        free = sorted(w for w in old_ids[label] if w not in used)
        if free:
            chosen[label] = free[0]
            used.add(free[0])
    used.update(w for counts in old_ids.values() for w in counts)  # never reuse an old id for a new work
    merged_from: dict[str, str] = {}
    split_from: dict[str, str] = {}
    owner = {work_id: label for label, work_id in chosen.items()}
    for label in sorted(members, key=lambda label: first[label]):
        if label not in chosen:
            chosen[label] = _new_id(first[label], used)
            used.add(chosen[label])
        others = sorted(w for w in old_ids[label] if w != chosen[label])
        absorbed = [w for w in others if w not in owner]
        lost = [w for w in others if w in owner]
        if absorbed:
            merged_from[chosen[label]] = LIST_SEPARATOR.join(absorbed)
        if lost:
            split_from[chosen[label]] = LIST_SEPARATOR.join(lost)
    work_of = [chosen[label] for label in labels]
    return work_of, merged_from, split_from


def _best_values(work_ids: list[str], values: list) -> dict[str, Any]:
    """Per work (rows sorted by work, then record id): the most frequent non-missing value of a
    field; ties go to the longest, then to the value of the smallest record id.

    A plain loop, like `_joined`: a pandas group-by per field cost more than the whole comparison
    on a search of a few thousand records (13 fields, ~15 ms each, mostly overhead).
    """
    out: dict[str, Any] = {}
    for work_id, group in groupby(zip(work_ids, values, strict=True), key=itemgetter(0)):
        seen: dict[str, list] = {}  # text → [count, first row, value]; rows come in record-id order
        for row, (_, value) in enumerate(group):
            if value is None or value is pd.NA or (isinstance(value, float) and pd.isna(value)):
                continue
            text = str(value)
            if text in seen:
                seen[text][0] += 1
            else:
                seen[text] = [1, row, value]
        if seen:
            best = min(seen.items(), key=lambda item: (-item[1][0], -len(item[0]), item[1][1]))
            out[work_id] = best[1][2]
    return out


def _joined(work_ids: list[str], values: list, *, split: bool = False) -> dict[str, str | None]:
    """Per work (rows sorted by work): its distinct values `; `-joined, first seen first.

    A plain loop over sorted rows: pandas would call a Python function per group anyway.
    """
    out: dict[str, str | None] = {}
    for work_id, group in groupby(zip(work_ids, values, strict=True), key=itemgetter(0)):
        items: dict[str, None] = {}
        for _, value in group:
            if value is None or value is pd.NA or (isinstance(value, float) and pd.isna(value)):
                continue
            for item in (split_list(value) if split else (value,)):
                items.setdefault(item, None)
        out[work_id] = LIST_SEPARATOR.join(items) if items else None
    return out


def build_works(records: pd.DataFrame, work_ids: list[str], merged_from: dict[str, str],
                split_from: dict[str, str]) -> pd.DataFrame:
    """One row per work: best field values, member record ids and sources, in work-id order."""
    frame = records.assign(work_id=work_ids).sort_values(["work_id", "record_id"], kind="stable")
    frame["order"] = range(len(frame))
    sizes = frame.groupby("work_id", sort=False)["record_id"].transform("size")
    works = frame.drop_duplicates("work_id").set_index("work_id")[list(BIB_FIELDS)].astype(object)
    multi = frame[sizes.to_numpy() > 1]
    if len(multi):
        ids = multi["work_id"].unique()
        multi_ids = multi["work_id"].tolist()
        for name in BIB_FIELDS:
            if name in LIST_FIELDS and name != "authors":  # keywords, countries, affiliations: all of them
                merged = pd.Series(_joined(multi_ids, multi[name].tolist(), split=True), dtype=object)
            else:
                merged = pd.Series(_best_values(multi_ids, multi[name].tolist()), dtype=object)
            works.loc[ids, name] = merged.reindex(ids).to_numpy()
    all_ids = frame["work_id"].tolist()
    works["record_ids"] = pd.Series(_joined(all_ids, frame["record_id"].tolist()))
    sources = _joined(all_ids, frame["source"].tolist())
    works["sources"] = pd.Series({work_id: LIST_SEPARATOR.join(sorted(value.split(LIST_SEPARATOR))) if value else None
                                  for work_id, value in sources.items()}, dtype=object)
    works["n_records"] = frame.groupby("work_id").size()
    works = works.sort_index().reset_index()
    works["merged_from"] = works["work_id"].map(merged_from)
    works["split_from"] = works["work_id"].map(split_from)
    works = works.reindex(columns=list(WORK_COLUMNS))
    works = works.astype(object).where(works.notna(), None)
    works["year"] = pd.array(works["year"], dtype="Int64")
    works["n_records"] = works["n_records"].astype("int64")
    return works
