"""Text features for the ranker: a TF-IDF matrix over title + abstract + keywords, with the title
counted again at a lower weight (`ranking_features`).

The matrix is fitted on every work, labelled or not: TF-IDF learns no labels, only which words are
rare in this corpus, so using the unlabelled works is legitimate and makes the vocabulary cover
the works being ranked. A simulation fits it once and retrains only the classifier.

Why not scikit-learn's TfidfVectorizer: it tokenises and builds n-grams word by word in Python,
about 50 s for 50,000 abstracts with bigrams, and ranking after an import must take seconds. This
module computes the same matrix (same formula, same tokens on ASCII text; the tests compare the
two) with whole-array numpy operations: every term is hashed to 64 bits instead of being kept as
a string, which the classifier does not need.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import sparse

#: The columns read, in this order; any may be missing or hold NaN.
TEXT_COLUMNS: tuple[str, ...] = ("title", "abstract", "keywords")
#: Terms in more than this share of works are dropped: they cannot separate anything.
MAX_DF = 0.95
#: Weight of the title's own TF-IDF block beside the title + abstract + keywords one (0: none). A
#: title says what a work is about in a few words; an abstract spends most of its words on methods
#: and results, and two works on one question are often worded apart there. Measured on the five
#: shared SYNERGY sets at once with 0.1, 0.15, 0.2, 0.25, 0.3, 0.5 (bench/results/prioritise_tried.md;
#: leave-one-set-out in prioritise.md): 0.2 was the one weight with WSS@95 above ASReview's and
#: recall@10 % not below it on all five; lower lost Oud 2018's WSS@95, higher its recall@10 %.
TITLE_WEIGHT = 0.2

# Byte tables for bytes.translate (C speed): ASCII lower-casing, and word bytes → 1. A word is a
# run of ASCII letters, digits, "_" and non-ASCII bytes (the letters of every other script),
# except the Unicode punctuation handled in _word_mask.
_LOWER = bytes(b + 32 if 65 <= b <= 90 else b for b in range(256))
_WORD = bytes(2 if b in (0xC2, 0xE2) else 1 if (chr(b).isalnum() and b < 128) or b == 95 or b >= 128 else 0
               for b in range(256))
_U64 = np.uint64
_MASKS = np.array([(1 << (8 * n)) - 1 for n in range(8)] + [2**64 - 1], dtype=np.uint64)
_CHUNK = _U64(0x9E3779B97F4A7C15)  # odd: multiplying by it is a bijection mod 2**64


def work_text(works: pd.DataFrame) -> pd.Series:
    """One string per work: title, abstract and keywords joined by spaces ("" where all are missing).

    Keywords arrive "; "-joined (the record vocabulary) or, from a notebook, as lists; either
    way each keyword becomes plain words.
    """
    text = pd.Series("", index=works.index, dtype=object)
    for column in TEXT_COLUMNS:
        if column in works.columns:
            text = text.str.cat(works[column].map(_as_text), sep=" ")
    return text.str.strip()


def _as_text(value: object) -> str:
    if isinstance(value, (list, tuple, set)):
        return " ".join(str(v) for v in value)
    if value is None or value is pd.NA or (isinstance(value, float) and np.isnan(value)):
        return ""
    return str(value).replace(";", " ")


def tfidf(works: pd.DataFrame) -> sparse.csr_matrix:
    """TF-IDF rows (one per work, in `works` order) over unigrams and bigrams, L2-normalised.

    On ASCII text, exactly scikit-learn's TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True, max_df=0.95):
    tf = 1 + ln(count), idf = ln((1 + n) / (1 + df)) + 1, tokens of two or more word characters,
    lower-cased. Why these settings: sublinear tf keeps a long abstract that repeats a word from
    outweighing a short one; bigrams catch phrases ("factor viii", "systematic review") that carry
    more than their words; terms in over 95 % of works cannot separate anything. They are also the
    TF-IDF settings of ASReview 3's default model (ELAS u4, asreview/models/models.py). Stop words
    are kept, as there: removing them joins words across the gap into bigrams that never occur in
    the text. Non-ASCII text: letters of any script are word characters and Unicode punctuation
    (U+00A0–U+00BF, U+2000–U+206F) separates words; "two characters" counts UTF-8 bytes there.
    That differs from scikit-learn's regex in places: symbols such as ≥ − × ™ stay in the word
    they touch ("≥12"), and µ, ², ³, ¼ separate words where scikit-learn keeps them ("µg").
    """
    return _weigh(_counts(work_text(works).tolist()))


def ranking_features(works: pd.DataFrame, title_weight: float = TITLE_WEIGHT) -> sparse.csr_matrix:
    """The ranker's rows: `tfidf(works)`, then `title_weight` × the TF-IDF of the title alone
    (its own vocabulary and idf), each row rescaled to unit length; just `tfidf(works)` when the
    weight is 0 or there is no title column.

    A work's title words so weigh a little more than the same words in its abstract, and a work
    without a title keeps its `tfidf` row. The title block is about a tenth of the text, so it
    adds little time to `tfidf`.
    """
    words = tfidf(works)
    if not title_weight or "title" not in works.columns:
        return words
    titles = tfidf(works[["title"]])
    return _unit_rows(sparse.hstack([words, titles * np.float32(title_weight)], format="csr"))


def _unit_rows(matrix: sparse.csr_matrix) -> sparse.csr_matrix:
    """Each row divided by its length (all-zero rows stay zero), float32."""
    norms = np.sqrt(np.asarray(matrix.multiply(matrix).sum(axis=1), dtype=np.float64).ravel())
    norms[norms == 0] = 1
    scaled = matrix.astype(np.float32, copy=True)
    scaled.data /= np.repeat(norms, np.diff(scaled.indptr)).astype(np.float32)
    return scaled


def _counts(texts: list[str]) -> sparse.csr_matrix:
    """Term counts: one row per text, one column per distinct unigram, then per distinct bigram."""
    n = len(texts)
    # Non-ASCII texts need Unicode lower-casing; ASCII ones get it from a byte table below.
    texts = [(t if t.isascii() else t.lower()).replace("\x00", " ") for t in texts]
    # One byte string for all texts, "\x00" before, between and after them: every step below is
    # one numpy call over the whole corpus, and no word runs from one text into the next.
    data = ("\x00" + "\x00".join(texts) + "\x00").encode("utf-8")
    word = _word_mask(data)
    # Word boundaries alternate start, end, start… because the string begins and ends with "\x00".
    edges = np.flatnonzero(word[1:] != word[:-1]) + 1
    starts, ends = edges[0::2], edges[1::2]
    long_enough = ends - starts >= 2
    starts, ends = starts[long_enough], ends[long_enough]
    # The text a token is in: where each text starts in the byte string → its first token.
    text_starts = np.cumsum([1] + [(len(t) if t.isascii() else len(t.encode("utf-8"))) + 1 for t in texts])
    row = np.repeat(np.arange(n), np.diff(np.searchsorted(starts, text_starts)))

    data = data.translate(_LOWER)
    unigram, vocabulary = pd.factorize(_hash_tokens(data, starts, ends - starts))
    same = row[1:] == row[:-1]  # bigrams join neighbours within one text only
    # A bigram is its two unigram numbers: exact, no hashing.
    bigram, bigrams = pd.factorize((unigram[:-1].astype(np.int64) * len(vocabulary) + unigram[1:])[same])
    return sparse.hstack([_count_matrix(row, unigram, len(vocabulary), n),
                          _count_matrix(row[:-1][same], bigram, len(bigrams), n)], format="csr")


def _count_matrix(rows: np.ndarray, columns: np.ndarray, n_columns: int, n_rows: int) -> sparse.csr_matrix:
    """Counts of (row, column) occurrences, rows ascending (the order tokens were read in)."""
    indptr = np.concatenate(([0], np.cumsum(np.bincount(rows, minlength=n_rows))))
    counts = sparse.csr_matrix((np.ones(len(columns), dtype=np.float32), columns, indptr),
                               shape=(n_rows, max(n_columns, 1)))
    counts.sum_duplicates()  # sorts each row's columns (C++) and adds repeated ones
    return counts


def _word_mask(data: bytes) -> np.ndarray:
    """True for the bytes that belong to a word."""
    # One table pass: 0 not a word byte, 1 a word byte, 2 the lead byte of a UTF-8 sequence that
    # may be punctuation (C2: U+0080–U+00BF; E2: U+2000–U+2FFF), checked below.
    kind = np.frombuffer(data.translate(_WORD), dtype=np.uint8).copy()
    lead = np.flatnonzero(kind == 2)
    lead = lead[lead < len(kind) - 2]  # the string ends with "\x00": a real sequence fits
    second = np.frombuffer(data, dtype=np.uint8)[lead + 1]
    first = np.frombuffer(data, dtype=np.uint8)[lead]
    # U+00A0–U+00BF (no-break space, ©, °, ±, ·…): C2 A0–C2 BF.
    latin = lead[(first == 0xC2) & (second >= 0xA0)]
    kind[latin], kind[latin + 1] = 0, 0
    # U+2000–U+206F (dashes, quotes, ellipsis…): E2 80 xx / E2 81 xx.
    general = lead[(first == 0xE2) & (second <= 0x81)]
    kind[general], kind[general + 1], kind[general + 2] = 0, 0, 0
    return kind.view(np.bool_)


def _hash_tokens(data: bytes, starts: np.ndarray, lengths: np.ndarray) -> np.ndarray:
    """A 64-bit hash of each token data[start:start + length], eight bytes per numpy step.

    A token of up to eight bytes is its bytes read as one integer, then mixed by a bijection:
    distinct short tokens never collide. Longer tokens fold in further eight-byte chunks.
    """
    padded = data + bytes(8)
    # An unaligned view: element i is the eight bytes from byte i on.
    chunks = np.ndarray((len(padded) - 7,), dtype="<u8", buffer=padded, strides=(1,))
    h = chunks[starts] & _MASKS[np.minimum(lengths, 8)]
    at = np.flatnonzero(lengths > 8)
    offset = 8
    while len(at):
        left = lengths[at] - offset
        h[at] = _mix(h[at]) * _CHUNK + (chunks[starts[at] + offset] & _MASKS[np.minimum(left, 8)])
        offset += 8
        at = at[lengths[at] > offset]
    return h


def _mix(x: np.ndarray) -> np.ndarray:
    """splitmix64's finaliser: a bijection that spreads every input bit over the output."""
    x = x ^ (x >> _U64(30))
    x = x * _U64(0xBF58476D1CE4E5B9)
    x = x ^ (x >> _U64(27))
    x = x * _U64(0x94D049BB133111EB)
    return x ^ (x >> _U64(31))


def _weigh(counts: sparse.csr_matrix) -> sparse.csr_matrix:
    """TF-IDF from term counts: sublinear tf, smoothed idf, terms in over MAX_DF of rows dropped."""
    n_rows = counts.shape[0]
    df = np.bincount(counts.indices, minlength=counts.shape[1])
    keep = np.flatnonzero((df > 0) & (df <= MAX_DF * n_rows))
    if not len(keep):
        # No usable term: an all-zero matrix, so that the ranker falls back to the prior order.
        return sparse.csr_matrix((n_rows, 1), dtype=np.float32)
    if len(keep) < counts.shape[1]:
        counts, df = counts[:, keep], df[keep]
    idf = (np.log((1 + n_rows) / (1 + df)) + 1).astype(np.float32)
    # In place on the counts' arrays (no diagonal-matrix product): tf-idf, then each row / its norm.
    values = (1 + np.log(counts.data)) * idf[counts.indices]
    lengths = np.diff(counts.indptr)
    norms = np.ones(n_rows)
    filled = lengths > 0  # reduceat over non-empty rows only: each sums up to the next one's start
    if filled.any():
        norms[filled] = np.sqrt(np.add.reduceat(np.square(values, dtype=np.float64), counts.indptr[:-1][filled]))
    values /= np.repeat(norms, lengths).astype(np.float32)
    return sparse.csr_matrix((values.astype(np.float32), counts.indices, counts.indptr), shape=counts.shape)
