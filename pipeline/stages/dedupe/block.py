"""Blocking: which records are worth comparing, without comparing all pairs.

Every record gets a handful of keys; records that share a key are candidate pairs. The keys are
chosen so that a duplicate shares at least one with its original even when one field is wrong:

- `doi`          the same DOI;
- `title_start`  the first characters of the title (a changed ending or subtitle);
- `title_end`    the last characters of the title (a changed start: "The", a bracket, a typo);
- `title_rare`   the title's two rarest words (typos at both ends, word order);
- `author_year`  first author's surname and year, also with year + 1 (any title change: translation);
- `volume_page`  volume and first page (a translated or garbled title without authors).

A block larger than `max_block` (a common surname and year in a large search, a common title
start) is not compared whole: its records are sorted by title and each is paired only with its
`window` next neighbours, so that the cost stays linear in the number of records. The default
`max_block` is 2 × `window` + 1: a block compared whole then costs at most `window` pairs per
record, as a windowed one does (at 50, blocks of 20–50 records cost up to 24 pairs per record, and
the pairs per record of a growing search rose with its size: bench/results/dedupe_memory.md).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

#: Characters of the (space-free) title used for the start and end keys.
TITLE_KEY_CHARS = 24
#: Neighbours of a record in a large author-year block (title order). The key is there for a
#: retitled duplicate (a translation), which title order does not put next to its original; its
#: pairs decided nothing on the labelled sets (none of 3,166 author-year-only pairs merged), and
#: in a growing search its blocks fill up first (common surnames): bench/results/dedupe_memory.md.
AUTHOR_YEAR_WINDOW = 2
KEY_NAMES = ("doi", "title_start", "title_end", "title_rare", "author_year", "volume_page")


def _rare_words(titles: pd.Series) -> pd.Series:
    """Each title's two rarest words of three letters or more ("" when it has fewer than three)."""
    record, words = [], []
    for i, title in enumerate(titles.tolist()):
        distinct = {w for w in title.split() if len(w) > 2}
        record.extend([i] * len(distinct))
        words.extend(distinct)
    record = np.asarray(record, dtype=np.int64)
    codes, vocabulary = pd.factorize(np.asarray(words, dtype=object), sort=True)  # codes in word order
    frequency = np.bincount(codes, minlength=len(vocabulary))[codes]
    order = np.lexsort((codes, frequency, record))  # by record, then rarest, then alphabetical
    record, codes = record[order], codes[order]
    starts = np.r_[0, np.flatnonzero(record[1:] != record[:-1]) + 1] if len(record) else np.zeros(0, np.int64)
    sizes = np.diff(np.r_[starts, len(record)])
    enough = starts[sizes >= 3]
    out = np.full(len(titles), "", dtype=object)
    if len(enough):
        vocabulary = np.asarray(vocabulary, dtype=object)
        out[record[enough]] = vocabulary[codes[enough]] + " " + vocabulary[codes[enough + 1]]
    return pd.Series(out, dtype=object)


def block_keys(features: pd.DataFrame) -> pd.DataFrame:
    """One row per (record, key): `record` (position), `key` (type-prefixed text), `kind` (its type)."""
    titles = features["title"].reset_index(drop=True)
    compact = titles.str.replace(" ", "", regex=False)
    long_enough = compact.str.len() >= 8
    years = features["year"].reset_index(drop=True)
    has_year = years.notna().to_numpy()
    year_text = years.astype("string").fillna("")
    next_year = (years.astype("Float64") + 1).astype("Int64").astype("string").fillna("")
    author = features["first_author"].reset_index(drop=True)
    keys = {
        "doi": (features["doi"].reset_index(drop=True), None),
        "title_start": (compact.str[:TITLE_KEY_CHARS], long_enough),
        "title_end": (compact.str[-TITLE_KEY_CHARS:], long_enough),
        "title_rare": (_rare_words(titles), None),
        "author_year": (author + "|" + year_text, (author != "").to_numpy() & has_year),
        "author_next_year": (author + "|" + next_year, (author != "").to_numpy() & has_year),
        "volume_page": (features["volume"].reset_index(drop=True) + "|" + features["first_page"].reset_index(drop=True),
                        ((features["volume"] != "") & (features["first_page"] != "")).to_numpy()),
    }
    frames = []
    for name, (values, mask) in keys.items():
        values = values.astype(object)
        keep = (values.notna() & (values != "")).to_numpy(dtype=bool, copy=True)
        if mask is not None:
            keep &= np.asarray(mask, dtype=bool)
        kind = KEY_NAMES.index("author_year" if name == "author_next_year" else name)
        prefix = "author_year" if name == "author_next_year" else name
        rows = np.flatnonzero(keep)
        frames.append(pd.DataFrame({"record": rows, "key": prefix + ":" + values.to_numpy()[rows].astype(str),
                                    "kind": kind}))
    return pd.concat(frames, ignore_index=True)


def candidate_pairs(features: pd.DataFrame, *, max_block: int = 17, window: int = 8) -> pd.DataFrame:
    """Candidate pairs (a < b, positions) with the blocking keys that proposed them, `|`-joined."""
    if len(features) < 2:
        return pd.DataFrame({"a": pd.Series(dtype="int64"), "b": pd.Series(dtype="int64"),
                             "blocked_by": pd.Series(dtype="object")})
    keys = block_keys(features)
    keys["block"], _ = pd.factorize(keys["key"])
    size = keys.groupby("block")["record"].transform("size").to_numpy()
    keys = keys[size >= 2]
    titles = features["title"].to_numpy(dtype=object)
    keys = keys.assign(title=titles[keys["record"].to_numpy()])
    # Within a block, records in title order: a large block pairs each with its next neighbours.
    keys = keys.sort_values(["block", "title", "record"], kind="stable")
    block = keys["block"].to_numpy()
    record = keys["record"].to_numpy(dtype=np.int64)
    kind = keys["kind"].to_numpy(dtype=np.int64)
    size = keys.groupby("block")["record"].transform("size").to_numpy()
    starts = np.r_[0, np.flatnonzero(block[1:] != block[:-1]) + 1]
    position = np.arange(len(block)) - np.repeat(starts, np.diff(np.r_[starts, len(block)]))
    # the author-year key's blocks are bounded harder (see AUTHOR_YEAR_WINDOW)
    author_year = kind == KEY_NAMES.index("author_year")
    full = size <= np.where(author_year, min(max_block, 2 * AUTHOR_YEAR_WINDOW + 1), max_block)
    reach = np.where(full, size - 1 - position,
                     np.minimum(np.where(author_year, min(window, AUTHOR_YEAR_WINDOW), window), size - 1 - position))
    n = len(features)
    codes, kinds = [], []
    for step in range(1, int(reach.max(initial=0)) + 1):
        rows = np.flatnonzero(reach >= step)
        x, y = record[rows], record[rows + step]
        codes.append(np.minimum(x, y) * n + np.maximum(x, y))
        kinds.append(np.left_shift(1, kind[rows]))
    if not codes:
        return pd.DataFrame({"a": pd.Series(dtype="int64"), "b": pd.Series(dtype="int64"),
                             "blocked_by": pd.Series(dtype="object")})
    code = np.concatenate(codes)
    bits = np.concatenate(kinds)
    keep = (code // n) != (code % n)
    code, bits = code[keep], bits[keep]
    order = np.argsort(code, kind="stable")
    code, bits = code[order], bits[order]
    first = np.flatnonzero(np.r_[True, code[1:] != code[:-1]])
    bits = np.bitwise_or.reduceat(bits, first)
    unique = code[first]
    labels = {int(v): "|".join(name for k, name in enumerate(KEY_NAMES) if v & (1 << k)) for v in np.unique(bits)}
    return pd.DataFrame({"a": unique // n, "b": unique % n, "blocked_by": [labels[int(v)] for v in bits]})
