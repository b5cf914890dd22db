"""Load the labelled deduplication sets into our record table, and score a clustering per gold group.

The shared sets come in three CSV shapes (see ../shared/README.md):

- bib-dedupe style (cytology_screening, respiratory, special_cases): `records_pre_merged.csv` with BibTeX-like
  columns (authors joined by " and ") plus `merged_record_ids.csv`, one duplicate group per row;
- ASySD style (diabetes): `records_with_groups.csv` with a `dup_group` column, authors run
  together ("Adeli K.Lewis G. F.");
- dedupe-sweep style (copper): `copper.csv`, where `caption == Duplicate` marks every member of a
  duplicate set but does not say which set. The groups are rebuilt from the labelled members only
  (same normalised title, or same DOI), which is checked: every rebuilt group has at least two
  members and no unlabelled record joins one.

Used by bench/dedupe.py and by the gold-set test (tests/stages/test_dedupe_gold.py), which reads
its own copies of the files.
"""

from __future__ import annotations

import hashlib
import re
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from pipeline.records import make_records, normalise_doi, normalise_title_key

SETS = ("cytology_screening", "respiratory", "diabetes", "copper", "special_cases")


@dataclass
class GoldSet:
    """A labelled set: our record table, and the gold groups (every record in exactly one)."""

    name: str
    records: pd.DataFrame
    groups: list[list[str]]  # record_ids; singletons included

    @property
    def n_to_remove(self) -> int:
        return sum(len(g) - 1 for g in self.groups)


def _read(path: Path) -> pd.DataFrame:
    return pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8")


def _split_and(text: str) -> list[str]:
    return [a.strip() for a in re.split(r"\s+and\s+", text) if a.strip()]


# "Adeli K.Lewis G. F." → ["Adeli K.", "Lewis G. F."]: a new name starts where a full stop is
# directly followed by a capital and a lower-case letter (a surname), never at an initial.
_RUN_TOGETHER = re.compile(r"(?<=\.)(?=[A-Z][a-z'\u00e0-\u00ff])")


def _split_run_together(text: str) -> list[str]:
    return [a.strip() for a in _RUN_TOGETHER.split(text) if a.strip()]


def _records(rows: list[dict], ids: list[str], source: str) -> pd.DataFrame:
    records, _warnings = make_records(rows, source=source, native_ids=ids)
    return records


def _groups_from_lists(ids: Iterable[str], merged: Iterable[list[str]], prefix: str) -> list[list[str]]:
    seen: set[str] = set()
    groups = []
    for members in merged:
        group = [f"{prefix}:{m.strip()}" for m in members if m.strip()]
        seen.update(group)
        groups.append(group)
    groups.extend([rid] for rid in ids if rid not in seen)
    return groups


def load_bib_dedupe_style(folder: Path, name: str) -> GoldSet:
    """cytology_screening / respiratory: records_pre_merged.csv + merged_record_ids.csv."""
    raw = _read(folder / "records_pre_merged.csv")
    rows = []
    for r in raw.to_dict("records"):
        rows.append({
            "title": r.get("title"), "authors": _split_and(r.get("author", "")), "year": r.get("year"),
            "venue": r.get("journal") or r.get("booktitle"), "volume": r.get("volume"), "pages": r.get("pages"),
            # respiratory's "number" is a record number (a permutation of 1..n), not an issue.
            "issue": (r.get("number") if name != "respiratory" else None) or r.get("issue"),
            "doi": r.get("doi"), "abstract": r.get("abstract"), "doc_type": r.get("ENTRYTYPE"),
        })
    records = _records(rows, raw["ID"].tolist(), name)
    merged = [m.split(";") for m in _read(folder / "merged_record_ids.csv")["merged_ids"]]
    return GoldSet(name, records, _groups_from_lists(records["record_id"], merged, name))


def load_diabetes(folder: Path, name: str = "diabetes") -> GoldSet:
    """diabetes: records_with_groups.csv (ASySD), groups from `dup_group`."""
    raw = _read(folder / "records_with_groups.csv")
    rows = [{
        "title": r["title"], "authors": _split_run_together(r["author"]), "year": r["year"],
        "venue": r["journal"], "volume": r["volume"], "issue": r["number"], "pages": r["pages"],
        "doi": r["doi"], "abstract": r["abstract"],
    } for r in raw.to_dict("records")]
    ids = [f"id_{int(x):07d}" for x in raw["record_id"]]  # the ids merged_record_ids.csv uses
    records = _records(rows, ids, name)
    by_group: dict[str, list[str]] = defaultdict(list)
    for rid, group in zip(records["record_id"], raw["dup_group"], strict=True):
        by_group[group].append(rid)
    return GoldSet(name, records, list(by_group.values()))


def load_copper(folder: Path, name: str = "copper") -> GoldSet:
    """copper: copper.csv; groups rebuilt from the `caption == Duplicate` members (see module doc)."""
    raw = _read(folder / "copper.csv")
    rows = [{
        "title": r["title"], "authors": r["authors"], "year": r["year"], "venue": r["journal"],
        "volume": r["volume"], "issue": r["number"], "pages": r["pages"], "doi": r["doi"],
        "abstract": r["abstract"], "doc_type": r["ref_type"],
    } for r in raw.to_dict("records")]
    records = _records(rows, raw["rec_number"].tolist(), name)
    labelled = [rid for rid, cap in zip(records["record_id"], raw["caption"], strict=True) if cap == "Duplicate"]
    parent = {rid: rid for rid in labelled}

    def find(x: str) -> str:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    first: dict[tuple[str, str], str] = {}
    by_id = records.set_index("record_id")
    for rid in labelled:
        keys = [("t", normalise_title_key(by_id.at[rid, "title"]))]
        doi = normalise_doi(by_id.at[rid, "doi"])
        if doi:
            keys.append(("d", doi))
        for key in keys:
            if key in first:
                parent[find(rid)] = find(first[key])
            else:
                first[key] = rid
    comps: dict[str, list[str]] = defaultdict(list)
    for rid in labelled:
        comps[find(rid)].append(rid)
    groups = list(comps.values())
    if any(len(g) < 2 for g in groups):
        raise ValueError("copper: a record captioned Duplicate matched no other; the rebuilt groups are wrong")
    return GoldSet(name, records, groups + [[rid] for rid in records["record_id"] if rid not in parent])


def load_set(folder: Path | str, name: str | None = None) -> GoldSet:
    """Load one shared set from its folder (the folder name says which shape it has)."""
    folder = Path(folder)
    name = name or folder.name
    if (folder / "records_with_groups.csv").exists():
        return load_diabetes(folder, name)
    if (folder / "copper.csv").exists():
        return load_copper(folder, name)
    return load_bib_dedupe_style(folder, name)


# ---------------------------------------------------------------------------------------------
# Scoring


@dataclass
class Score:
    """Per-gold-group counts (../shared/README.md) plus the clusters that mix gold groups."""

    tp: int
    fp: int
    fn: int
    tn: int
    mixed_clusters: int

    @property
    def sensitivity(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 1.0

    @property
    def specificity(self) -> float:
        return self.tn / (self.tn + self.fp) if self.tn + self.fp else 1.0


def score(groups: list[list[str]], cluster_of: Mapping[str, str]) -> Score:
    """Score a clustering (record_id → cluster label) against the gold groups.

    Each predicted cluster keeps one record. Independent of which copy is kept, a gold group is
    kept as often as the clusters that can be given to it: clusters holding only its records are
    its own; a cluster mixing several groups is given to one of them so that as few groups as
    possible go without any (a maximum bipartite matching). A group left with none is a unique
    work lost (1 FP, n-1 TP); otherwise kept-1 FN and n-kept TP. `mixed_clusters` counts the
    clusters that hold records of more than one gold group (wrong merges even when no work is lost).
    """
    group_of = {rid: i for i, g in enumerate(groups) for rid in g}
    clusters: dict[str, set[int]] = defaultdict(set)
    for rid in group_of:
        clusters[cluster_of.get(rid, "solo:" + rid)].add(group_of[rid])
    kept = [0] * len(groups)
    mixed = []
    for members in clusters.values():
        if len(members) == 1:
            kept[next(iter(members))] += 1
        else:
            mixed.append(sorted(members))
    # Give each mixed cluster to a group that has none yet, by augmenting paths (sets are small).
    owner: dict[int, int] = {}  # group → mixed cluster index

    def augment(ci: int, seen: set[int]) -> bool:
        for g in mixed[ci]:
            if kept[g] or g in seen:
                continue
            seen.add(g)
            if g not in owner or augment(owner[g], seen):
                owner[g] = ci
                return True
        return False

    for ci in range(len(mixed)):
        augment(ci, set())
    for g in owner:
        kept[g] += 1
    owned = set(owner.values())
    for ci in range(len(mixed)):
        if ci not in owned:
            kept[mixed[ci][0]] += 1  # every group in it already has a copy: one more FN
    tp = fp = fn = tn = 0
    for g, n_kept in zip(groups, kept, strict=True):
        n = len(g)
        if n_kept == 0:
            fp += 1
            tp += n - 1
        elif n == 1:
            tn += 1
        else:
            tn += 1
            fn += n_kept - 1
            tp += n - n_kept
    return Score(tp, fp, fn, tn, len(mixed))


# ---------------------------------------------------------------------------------------------
# Scaling a set up (the 100,000-record run)


def _pick(pool: list[str], *key: object) -> str:
    digest = hashlib.sha1("|".join(map(str, key)).encode("utf-8")).digest()
    return pool[int.from_bytes(digest[:4], "big") % len(pool)]


def _chance(*key: object) -> float:
    digest = hashlib.sha1("|".join(map(str, key)).encode("utf-8")).digest()
    return int.from_bytes(digest[4:8], "big") / 2**32


def scaled(gold: GoldSet, n_records: int) -> GoldSet:
    """The set repeated until it has `n_records` records, every copy a different set of works.

    Copy k replaces about half of the title words and every author surname by others from the
    set, and moves DOIs, volumes and pages, each replacement chosen by a hash of (k, word):
    duplicates in the original stay duplicates in the copy (their words change alike), while
    copies of one work become different works by other authors with realistic titles, so blocks
    and candidate pairs grow as in a larger search. Copy 0 is the set itself.
    """
    base = gold.records
    words = sorted({w for t in base["title"].dropna() for w in str(t).split() if len(w) > 3})
    names = sorted({a.split(",")[0].strip() for a in base["authors"].dropna() for a in str(a).split(";") if a.strip()})
    frames, groups = [], []
    copies = -(-n_records // len(base))
    for k in range(copies):
        frame = base.copy()
        if k:
            frame["record_id"] = frame["record_id"] + f"~{k}"
            frame["source_record_id"] = frame["source_record_id"] + f"~{k}"
            frame["title"] = [" ".join(_pick(words, k, _word_key(w)) if _chance(k, _word_key(w)) < 0.5 else w
                                       for w in str(t).split()) if isinstance(t, str) else t for t in frame["title"]]
            frame["authors"] = [
                "; ".join(_swap_surname(a.strip(), names, k) for a in str(v).split(";")) if isinstance(v, str) else v
                for v in frame["authors"]]
            frame["doi"] = [f"{d}.c{k}" if isinstance(d, str) else d for d in frame["doi"]]
            frame["volume"] = [f"{v}{k}" if isinstance(v, str) else v for v in frame["volume"]]
            frame["pages"] = [_shift_pages(p, 7 * k) if isinstance(p, str) else p for p in frame["pages"]]
        frames.append(frame)
        groups.extend([f"{rid}~{k}" if k else rid for rid in g] for g in gold.groups)
    records = pd.concat(frames, ignore_index=True).iloc[:n_records].reset_index(drop=True)
    keep = set(records["record_id"])
    groups = [[r for r in g if r in keep] for g in groups]
    return GoldSet(f"{gold.name}x{copies}", records, [g for g in groups if g])


_NUMBERS = re.compile(r"(\d+)(?:(\s*[-\u2013]+\s*[A-Za-z]{0,4})(\d+))?")


def _shift_pages(pages: str, by: int) -> str:
    """Every page number moved by `by`; an abbreviated end ("322-6") is moved as the full number
    it stands for ("406-410", not "406-90", which would read as 406-490: another page range)."""
    def shift(m: re.Match[str]) -> str:
        start, dash, end = m.groups()
        if end is None:
            return str(int(start) + by)
        if len(end) < len(start):
            end = start[: len(start) - len(end)] + end
        return f"{int(start) + by}{dash}{int(end) + by}"

    return _NUMBERS.sub(shift, pages)


def _word_key(word: str) -> str:
    return re.sub(r"[^0-9a-z]", "", word.lower())


def _swap_surname(author: str, names: list[str], k: int) -> str:
    surname, sep, rest = author.partition(",")
    key = surname.strip().lower()
    if not sep:
        return author
    return f"{_pick(names, k, 'a', key)},{rest}"
