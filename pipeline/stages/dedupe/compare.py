"""Compare the candidate pairs field by field with rapidfuzz.

Similarities are in [0, 1] and NaN where either record lacks the field; exact fields (DOI, year,
volume, pages, numbers in the title) are compared as "same", "different" or "missing", so that a
rule can refuse on a real difference and ignore a gap.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np
import pandas as pd
from rapidfuzz import fuzz, process

from .normalise import page_spans, pages_agree

SAME, DIFFERENT, MISSING = "same", "different", "missing"
#: Pairs compared per rapidfuzz call: memory stays bounded whatever the number of pairs.
CHUNK = 50_000


def _pairwise(values: list[str], a: np.ndarray, b: np.ndarray, scorer, workers: int) -> np.ndarray:
    """scorer(values[a[k]], values[b[k]]) / 100 for every k; NaN where either string is empty."""
    if not len(a):
        return np.zeros(0)
    out = np.empty(len(a), dtype=np.float64)
    # In chunks, so that the lists of strings handed to cpdist hold at most CHUNK pairs (it made no
    # measurable difference at 25,000-50,000 records, where the pair table dominates; it bounds
    # what a million pairs would hold at once)
    for start in range(0, len(a), CHUNK):
        stop = min(start + CHUNK, len(a))
        left = [values[i] for i in a[start:stop]]
        right = [values[j] for j in b[start:stop]]
        out[start:stop] = process.cpdist(left, right, scorer=scorer, workers=workers, dtype=np.float32)
    out /= 100.0
    empty = np.fromiter((not v for v in values), bool, len(values))
    out[empty[a] | empty[b]] = np.nan
    return out


def _agreement(codes: np.ndarray, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """"same", "different" or "missing" from factorized values (code 0 = missing)."""
    ca, cb = codes[a], codes[b]
    out = np.where(ca == cb, SAME, DIFFERENT).astype(object)
    out[(ca == 0) | (cb == 0)] = MISSING
    return out


def _codes(values: pd.Series) -> np.ndarray:
    """Integer codes of a column's values, 0 for missing ("" or None), equal values equal codes."""
    codes, _ = pd.factorize(values.where(values.astype(bool) & values.notna(), None), use_na_sentinel=True)
    return codes.astype(np.int64) + 1


def _volumes(features: pd.DataFrame, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Volumes compared; a volume that is the other record's issue or supplement number is not
    a difference ("1" against "61", issue "10 Suppl 1": the export put the supplement in the volume),
    nor is a letter after the number ("29" against "29A")."""
    out = _agreement(_codes(features["volume"]), a, b)
    digits = _codes(features["volume"].str.rstrip("abcdefghijklmnopqrstuvwxyz"))
    out[(out == DIFFERENT) & (digits[a] == digits[b])] = MISSING
    # as numbers: record * 10**7 + the number, for a vectorised "is it among that record's issue numbers"
    volume = pd.to_numeric(features["volume"], errors="coerce").fillna(-1).astype(np.int64).to_numpy()
    issue_keys = np.array([i * 10**7 + int(n) for i, numbers in enumerate(features["issue_numbers"])
                           for n in numbers if len(n) < 7], dtype=np.int64)
    differ = np.flatnonzero(out == DIFFERENT)
    if len(issue_keys) and len(differ):
        da, db = a[differ], b[differ]
        mixed = ((volume[da] >= 0) & np.isin(db * 10**7 + volume[da], issue_keys)) | \
                ((volume[db] >= 0) & np.isin(da * 10**7 + volume[db], issue_keys))
        out[differ[mixed]] = MISSING
    return out


def _pages(features: pd.DataFrame, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Pages compared as `pages_agree` does, in numpy for the usual single range or page."""
    out = _agreement(_codes(features["pages"]), a, b)
    pages = features["pages"].tolist()
    spans = [page_spans(p) for p in pages]
    single = np.array([len(x) == 1 for x in spans], dtype=bool)
    prefix = _codes(pd.Series([(x[0][0] or "-") if len(x) == 1 else "" for x in spans], dtype=object))
    bare = np.array([len(x) == 1 and not x[0][0] for x in spans], dtype=bool)  # no letter before the number
    start = np.array([x[0][1] if len(x) == 1 else -1 for x in spans], dtype=np.int64)
    end = np.array([x[0][2] if len(x) == 1 else -1 for x in spans], dtype=np.int64)
    differ = out == DIFFERENT
    simple = differ & single[a] & single[b]
    same_prefix = prefix[a] == prefix[b]
    overlap = (start[a] <= end[b]) & (start[b] <= end[a])
    plain = bare[a] | bare[b]
    # overlapping ranges compared at both ends, as span_agreement does ("3-8" is not "3-4")
    sa, ea, sb, eb = start[a], end[a], start[b], end[b]
    length_a, length_b = ea - sa + 1, eb - sb + 1
    close = (sa == ea) | (sb == eb) | ((np.abs(sa - sb) <= 2) & (np.abs(ea - eb) <= 2))
    longer = ((sa == sb) & (np.maximum(length_a, length_b) >= 2 * np.minimum(length_a, length_b))
              & (np.abs(length_a - length_b) >= 3))
    out[simple & same_prefix & overlap & close] = SAME
    out[simple & same_prefix & overlap & ~close & ~longer] = MISSING
    out[simple & ~same_prefix & (start[a] == start[b])] = SAME  # "e0137960" and "137960"
    out[simple & ~same_prefix & (start[a] != start[b]) & plain] = MISSING  # article number vs printed pages
    for k in np.flatnonzero(differ & ~simple):
        out[k] = pages_agree(pages[a[k]], pages[b[k]])
    return out


def _shortens(short: str, word: str) -> bool:
    """"hosp" → "hospital", "dtsch" → "deutsche": same first letter, the rest in order."""
    if short[:1] != word[:1] or len(short) > len(word):
        return False
    rest = iter(word[1:])
    return all(ch in rest for ch in short[1:])


def _abbreviates(short: list[str], long_: list[str]) -> bool:
    """Each word of `short` abbreviates the word of `long_` at the same place."""
    return len(short) == len(long_) and all(_shortens(s, w) for s, w in zip(short, long_, strict=True))


def _acronym(word: str, long_: list[str]) -> bool:
    """An acronym of the words, each giving its first letter or a few: "bmj" for "british medical
    j", "amcis" for "americas conference information systems" (AMericas)."""
    if not 2 <= len(word) <= 8 or not 2 <= len(long_) <= len(word):
        return False

    def fits(rest: str, words: list[str]) -> bool:
        if not words:
            return not rest
        head = words[0]
        return any(rest[:k] == head[:k] and fits(rest[k:], words[1:])
                   for k in range(1, min(len(head), len(rest) - len(words) + 1) + 1))

    return fits(word, long_)


def _name_similarity(a: str, b: str) -> float:
    if a == b:
        return 1.0
    wa, wb = a.split(), b.split()
    if _abbreviates(wa, wb) or _abbreviates(wb, wa):
        return 1.0
    if (len(wa) == 1 and _acronym(wa[0], wb)) or (len(wb) == 1 and _acronym(wb[0], wa)):
        return 1.0
    short, long_ = (wa, wb) if len(wa) <= len(wb) else (wb, wa)
    if len(short) >= 2 and _abbreviates(short, long_[: len(short)]):
        return 0.9  # "j trauma" and "j trauma injury infection critical care": a longer name
    return fuzz.ratio(a, b) / 100.0


@lru_cache(maxsize=200_000)
def venue_similarity(a: str, b: str) -> float:
    """Similarity of two normalised venues: the best over their alternative names.

    An abbreviation equals its full form ("j hosp infect" = "j hospital infection": each word
    starts the matching word), an acronym its initials ("bmj"); otherwise the rapidfuzz ratio,
    which keeps "diabetes" and "diabetes care" apart (a token-set ratio would call them equal).
    """
    if not a or not b:
        return float("nan")
    if a == b:
        return 1.0
    return max(_name_similarity(x, y) for x in a.split("|") for y in b.split("|"))


#: The columns of a comparison (one row per candidate pair).
COLUMNS: tuple[str, ...] = (
    "a", "b", "blocked_by", "title", "title_tokens", "doi", "volume", "pages", "authors", "surnames",
    "first_author", "abstract", "venue", "year_gap", "page_one", "page_range", "pages_exact", "title_numbers",
    "kind_a", "kind_b", "generic", "title_words", "issue", "one_sided", "registry",
)

#: Pairs whose titles are less alike than this, with no DOI, volume and pages in common, cannot
#: meet any matching rule (the loosest asks for a title ratio of 0.6 or a token-set ratio of 0.75
#: with volume and pages agreeing): their other fuzzy similarities are not computed (NaN).
PLAUSIBLE_TITLE, PLAUSIBLE_TOKENS = 0.5, 0.6


def compare(features: pd.DataFrame, pairs: pd.DataFrame, *, workers: int = 1) -> pd.DataFrame:
    """One row per candidate pair: the field similarities and exact-field agreements.

    Fuzzy similarities run in rapidfuzz (`workers` threads, -1 = all cores); exact fields are
    compared as integer codes in numpy. Python loops only where a value needs a closer look
    (volumes and pages that differ, venues).
    """
    a = pairs["a"].to_numpy(dtype=np.int64)
    b = pairs["b"].to_numpy(dtype=np.int64)
    out = pd.DataFrame({"a": a, "b": b, "blocked_by": pairs["blocked_by"].to_numpy()})
    if not len(pairs):
        return out.reindex(columns=list(COLUMNS))
    titles = features["title"].tolist()
    out["title"] = _pairwise(titles, a, b, fuzz.ratio, workers)
    out["title_tokens"] = _pairwise(titles, a, b, fuzz.token_set_ratio, workers)
    out["doi"] = _agreement(_codes(features["doi"]), a, b)
    out["volume"] = _volumes(features, a, b)
    out["issue"] = _issues(features, a, b)
    out["pages"] = _pages(features, a, b)
    plausible = ((out["title"] >= PLAUSIBLE_TITLE) | (out["title_tokens"] >= PLAUSIBLE_TOKENS)
                 | (out["doi"] == SAME) | ((out["volume"] == SAME) & (out["pages"] == SAME))).to_numpy()
    pa, pb = a[plausible], b[plausible]
    for name, column, scorer in (("authors", "author_text", fuzz.token_set_ratio),
                                 ("surnames", "surname_text", fuzz.token_set_ratio),
                                 ("first_author", "first_author", fuzz.ratio),
                                 ("abstract", "abstract", fuzz.ratio)):
        values = np.full(len(a), np.nan)
        values[plausible] = _pairwise(features[column].tolist(), pa, pb, scorer, workers)
        out[name] = values
    out["venue"] = _venues(features, a, b, plausible)
    years = features["year"].to_numpy(dtype=float, na_value=np.nan)
    out["year_gap"] = np.abs(years[a] - years[b])
    first_page = features["first_page"].to_numpy(dtype=object)
    # An article online first is paginated from 1 ("1-7"), in print from its issue page.
    out["page_one"] = (first_page[a] == "1") | (first_page[b] == "1")
    ranged = features["pages"].str.contains("-", regex=False).to_numpy(dtype=bool)
    out["page_range"] = ranged[a] & ranged[b]
    page_codes = _codes(features["pages"])
    out["pages_exact"] = (page_codes[a] == page_codes[b]) & (page_codes[a] > 0)
    numbers = _codes(features["title_numbers"])
    out["title_numbers"] = np.where(numbers[a] == numbers[b], SAME, DIFFERENT).astype(object)
    kinds = features["kind"].to_numpy(dtype=object)
    out["kind_a"], out["kind_b"] = kinds[a], kinds[b]
    generic = features["generic"].to_numpy(dtype=bool)
    out["generic"] = generic[a] | generic[b]
    words = np.array([len(t.split()) for t in titles], dtype=np.int64)
    out["title_words"] = np.minimum(words[a], words[b])
    # a field that places the item in its serial, given by one record only: cannot tell
    one_sided = np.zeros(len(a), dtype=bool)
    for name in ("volume", "issue", "pages"):
        given = (features[name].str.len() > 0).to_numpy(dtype=bool)
        one_sided |= given[a] != given[b]
    out["one_sided"] = one_sided
    out["registry"] = _registrations(features, a, b)
    return out


def _registrations(features: pd.DataFrame, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Trial registration numbers compared: "different" only when both records have some and share
    none (registry.py); one number in common is "same"."""
    out = _agreement(_codes(features["registry"]), a, b)
    registry = features["registry"].tolist()
    for k in np.flatnonzero(out == DIFFERENT):  # few: only records that carry numbers
        if not set(registry[a[k]].split(",")).isdisjoint(registry[b[k]].split(",")):
            out[k] = SAME
    return out


def _issues(features: pd.DataFrame, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Issues compared by their numbers: different only when they share none ("2" and "3"; not
    "2" and "2,3", a double issue)."""
    issue = features["issue"].astype(str)
    out = _agreement(_codes(issue), a, b)
    # the article number in the issue field ("791" against pages "791"): not a difference
    page = features["first_page"].astype(str)
    both = pd.concat([issue, page], ignore_index=True)
    codes, _ = pd.factorize(both)
    issue_code, page_code = codes[: len(issue)], codes[len(issue):]
    differ = out == DIFFERENT
    out[differ & ((issue_code[a] == page_code[b]) | (issue_code[b] == page_code[a]))] = MISSING
    # a double issue ("2,3") sharing a number with the other: not a difference (few: a loop)
    multiple = issue.str.contains(",", regex=False).to_numpy()
    numbers = features["issue_numbers"].tolist()
    for k in np.flatnonzero((out == DIFFERENT) & (multiple[a] | multiple[b])):
        if not numbers[a[k]].isdisjoint(numbers[b[k]]):
            out[k] = MISSING
    return out


def _venues(features: pd.DataFrame, a: np.ndarray, b: np.ndarray, plausible: np.ndarray) -> np.ndarray:
    """Venue similarity of the plausible pairs, computed once per distinct pair of venues."""
    codes, names = pd.factorize(features["venue"])
    out = np.full(len(a), np.nan)
    rows = np.flatnonzero(plausible)
    va, vb = codes[a[rows]], codes[b[rows]]
    cache: dict[tuple[int, int], float] = {}
    values = []
    for x, y in zip(va.tolist(), vb.tolist(), strict=True):
        key = (x, y)
        if key not in cache:
            cache[key] = venue_similarity(names[x], names[y]) if names[x] and names[y] else np.nan
        values.append(cache[key])
    out[rows] = values
    return out
