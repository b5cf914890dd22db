"""Relevance: the protocol's concept groups of terms, scored BM25F-style over title, keywords, abstract.

Matching. Text and terms are lower-cased and every Unicode dash counts as "-". In a term, `*`
stands for the rest of a word (`teacher*` → teachers, teacher-led); a hyphen matches a hyphen, a
space or nothing, so `micro-credential*` finds "micro-credentials", "micro credential" and
"microcredentialing"; a space matches a space or a hyphen ("professional learning",
"professional-learning"). A term written closed (`microcredential*`) finds only the closed form,
so write the hyphenated form to get all three. Terms match whole words: `nanodegree` does not
find "nanodegrees" (write `nanodegree*`). An accented term also finds its unaccented form; an
unaccented term does not find accented text. Within one group, overlapping matches count once
(the longest), so listing both `micro-credential*` and `microcredential*` does not double count.

Scoring. A group is one concept whose terms are synonyms, so its occurrences are pooled, as BM25F
pools a term over fields: per group, tf = Σ_field weight × count / (1 − b + b × length/reference),
contribution = tf × (k1 + 1) / (k1 + tf), score = Σ_groups contribution. One mention in an
abstract of reference length scores 1.0; a group's contribution saturates below k1 + 1 = 2.2, so a
work must touch several concepts to score high. There is deliberately no IDF: in a corpus
retrieved by searching for a concept, that concept is in nearly every work and its IDF would be
near zero; and a work's score should not change when other works join the corpus. Constants:
k1 = 1.2, b = 0.75, reference lengths (characters) title 90, keywords 70, abstract 1,300.

Speed: every term's literal prefix (its text up to the first `*`, in all separator variants) goes
into one Aho-Corasick automaton (ahocorasick-rs); each hit is then verified against the term's
own pattern and word boundaries. Scanning 50,000 abstracts takes well under a second.
"""

from __future__ import annotations

import itertools
import re
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import ahocorasick_rs
import numpy as np

from ...config import RelevanceConfig
from ...errors import ConfigError, did_you_mean

K1 = 1.2
B = 0.75
FIELDS: tuple[str, ...] = ("title", "keywords", "abstract")
#: Reference field lengths in characters (about 12, 8 and 200 words): a field of this length
#: neither raises nor lowers a hit's weight. Characters rather than words because len() is free.
REFERENCE_LENGTH: dict[str, float] = {"title": 90.0, "keywords": 70.0, "abstract": 1300.0}

#: Unicode dashes and the minus sign, all read as "-".
DASHES = "\u2010\u2011\u2012\u2013\u2014\u2015\u2212"
_TERM_CHARS = re.compile(r"^[\w][\w\s\-'’.&/+*]*$")
_TAIL = re.compile(r"\w*")
_EXACT, _PREFIX, _PATTERN = 0, 1, 2


@dataclass(frozen=True)
class Term:
    """One protocol term: its label as written, its group, and how a hit on its prefix is verified.

    `kind` is "exact" (no `*`: the hit must end a word), "prefix" (one final `*`: the hit extends
    to the end of the word) or "pattern" (a `*` inside: the whole term's regex decides).
    """

    label: str
    group: int
    kind: str
    verifiers: tuple[re.Pattern[str], ...]


@dataclass(frozen=True)
class Matcher:
    """The compiled terms of a relevance section: names, terms, and the automaton of prefixes."""

    groups: tuple[str, ...]
    terms: tuple[Term, ...]
    automaton: ahocorasick_rs.AhoCorasick | None
    # automaton pattern index → (group, kind, term index, verifiers) of each term it may start
    plans: tuple[tuple[tuple[int, int, int, tuple[re.Pattern[str], ...]], ...], ...] = ()


def normalise(text: str | None) -> str:
    """Lower-case text with every dash as "-": what terms are matched against."""
    if not text:
        return ""
    text = text.lower()
    if not text.isascii():
        for dash in DASHES:
            if dash in text:
                text = text.replace(dash, "-")
    return text


def fold(text: str) -> str:
    """Text without accents ("é" → "e")."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def clean_term(term: str) -> str:
    """A term as matched: stripped of quotes, lower-cased, dashes as "-", spaces collapsed."""
    text = " ".join(normalise(str(term)).strip().strip("\"'").split())
    return re.sub(r"\s*-\s*", "-", text)


def check(config: RelevanceConfig, where: str = "screening.relevance") -> None:
    """Raise ConfigError naming the YAML key of the first invalid term, group or threshold."""
    for group, terms in config.groups.items():
        if not terms:
            raise ConfigError(f"{where}.groups.{group}: the group has no terms",
                              hint="list at least one term, or remove the group")
        for index, term in enumerate(terms):
            text = clean_term(term)
            if not text or not _TERM_CHARS.match(text) or "**" in text:
                raise ConfigError(
                    f'{where}.groups.{group}[{index}]: "{term}" is not a term',
                    hint="a term is words, hyphens and * (rest of a word), and starts with a letter "
                         "or digit: micro-credential*, digital badge*, professional learning")
    for index, name in enumerate(config.require):
        if name not in config.groups:
            raise ConfigError(f'{where}.require[{index}]: "{name}" is not a group{did_you_mean(name, config.groups)}',
                              hint=f"groups are: {', '.join(config.groups) or '(none)'}")
    if config.floor is not None and config.ceiling is not None and config.floor > config.ceiling:
        raise ConfigError(f"{where}: floor ({config.floor}) is above ceiling ({config.ceiling})",
                          hint="works below the floor are excluded, at or above the ceiling included")


def _pattern(term: str) -> str:
    out = []
    for ch in term:
        if ch == "*":
            out.append(r"\w*")
        elif ch == "-":
            out.append("[- ]?")
        elif ch == " ":
            out.append("[- ]")
        else:
            out.append(re.escape(ch))
    if not term.endswith("*"):
        out.append(r"(?!\w)")
    return "".join(out)


def _prefixes(term: str) -> set[str]:
    """The literal text before the first `*`, in every separator variant the pattern accepts."""
    head = term.split("*", 1)[0]
    parts = re.split(r"([- ])", head)
    options = [(part,) if part not in ("-", " ") else (("-", " ", "") if part == "-" else (" ", "-"))
               for part in parts]
    return {"".join(choice) for choice in itertools.product(*options) if "".join(choice).strip()}


def compile_terms(config: RelevanceConfig) -> Matcher:
    """Compile the groups of a (checked) relevance section into one matcher."""
    groups = tuple(config.groups)
    terms: list[Term] = []
    literal_index: dict[str, list[int]] = {}
    for group_index, group in enumerate(groups):
        for raw in config.groups[group]:
            text = clean_term(raw)
            variants = dict.fromkeys([text, fold(text)])
            verifiers = tuple(re.compile(_pattern(variant)) for variant in variants)
            stars = text.count("*")
            kind = "exact" if not stars else "prefix" if stars == 1 and text.endswith("*") else "pattern"
            term_index = len(terms)
            terms.append(Term(label=str(raw).strip(), group=group_index, kind=kind, verifiers=verifiers))
            for variant in variants:
                for literal in _prefixes(variant):
                    owners = literal_index.setdefault(literal, [])
                    if term_index not in owners:
                        owners.append(term_index)
    literals = list(literal_index)
    # A DFA scans about twice as fast as the default NFA; the pattern sets here are small.
    automaton = ahocorasick_rs.AhoCorasick(literals, implementation=ahocorasick_rs.Implementation.DFA) if literals else None
    kinds = {"exact": _EXACT, "prefix": _PREFIX, "pattern": _PATTERN}
    plans = tuple(tuple((terms[i].group, kinds[terms[i].kind], i, terms[i].verifiers) for i in literal_index[lit])
                  for lit in literals)
    return Matcher(groups=groups, terms=tuple(terms), automaton=automaton, plans=plans)


def find(matcher: Matcher, text: str) -> list[tuple[int, int, int]]:
    """Verified hits in normalised text, (term index, start, end), non-overlapping within a group.

    At one start the longest hit of a group wins; a hit inside an earlier one of the same group
    is dropped. Hits of different groups may overlap: each group is its own concept.
    """
    if matcher.automaton is None or not text:
        return []
    return _verify(matcher, text, matcher.automaton.find_matches_as_indexes(text, overlapping=True))


def _verify(matcher: Matcher, text: str, raw: Sequence[tuple[int, int, int]]) -> list[tuple[int, int, int]]:
    """`find` for automaton hits already found in `text` (which may hold many works' texts)."""
    if not raw:
        return []
    size = len(text)
    plans = matcher.plans
    tail = _TAIL.match
    verified: list[tuple[int, int, int, int]] = []
    append = verified.append
    for literal, start, end in raw:
        if start:
            before = text[start - 1]
            if before.isalnum() or before == "_":
                continue
        for group, kind, term_index, verifiers in plans[literal]:
            if kind == _PREFIX:
                stop = tail(text, end).end()
            elif kind == _EXACT:
                if end < size and (text[end].isalnum() or text[end] == "_"):
                    continue
                stop = end
            else:
                found = None
                for verifier in verifiers:
                    found = verifier.match(text, start)
                    if found:
                        break
                if not found:
                    continue
                stop = found.end()
            append((group, start, -stop, term_index))
    if len(verified) < 2:
        return [(term_index, start, -stop) for _, start, stop, term_index in verified]
    verified.sort()
    hits = []
    group, reached = -1, -1
    for hit_group, start, negative_stop, term_index in verified:
        if hit_group != group:
            group, reached = hit_group, -1
        if start >= reached:
            hits.append((term_index, start, -negative_stop))
            reached = -negative_stop
    return hits


def score(
    fields: dict[str, Sequence[str | None]], config: RelevanceConfig, matcher: Matcher | None = None,
) -> tuple[np.ndarray, list[str | None], np.ndarray]:
    """Score works given their title, keywords and abstract texts.

    Returns (scores, matches, group_hits): `matches` says which terms matched where, e.g.
    "credentials: micro-credential* (title, abstract ×2); education: teacher* (keywords)";
    `group_hits[i, g]` counts the hits of group g in work i (for `require`).
    """
    matcher = matcher or compile_terms(config)
    n = len(next(iter(fields.values()))) if fields else 0
    n_groups = len(matcher.groups)
    # plain lists while counting: numpy's per-element access would cost more than the counting
    tf = [[0.0] * n_groups for _ in range(n)]
    hits_per_group = [[0] * n_groups for _ in range(n)]
    weights = (config.weights.title, config.weights.keywords, config.weights.abstract)
    group_of = [term.group for term in matcher.terms]
    # per work with hits: term index → [title, keywords, abstract] counts
    found: list[dict[int, list[int]] | None] = [None] * n
    for position, name in enumerate(FIELDS):
        column = fields.get(name)
        if column is None or not n_groups or not weights[position]:
            continue
        reference = REFERENCE_LENGTH[name]
        for row, value in enumerate(column):
            if not isinstance(value, str) or not value:
                continue
            text = normalise(value)
            hits = find(matcher, text)
            if not hits:
                continue
            norm = weights[position] / (1 - B + B * len(text) / reference)
            counts = found[row]
            if counts is None:
                counts = found[row] = {}
            per_group = [0] * n_groups
            for term_index, _, _ in hits:
                per_group[group_of[term_index]] += 1
                per_field = counts.get(term_index)
                if per_field is None:
                    per_field = counts[term_index] = [0, 0, 0]
                per_field[position] += 1
            row_tf, row_hits = tf[row], hits_per_group[row]
            for group, count in enumerate(per_group):
                if count:
                    row_tf[group] += norm * count
                    row_hits[group] += count
    pooled = np.array(tf, dtype=float).reshape(n, n_groups)
    scores = (pooled * (K1 + 1) / (K1 + pooled)).sum(axis=1) if n_groups else np.zeros(n)
    describe = _Describer(matcher)
    matches = [describe(counts) if counts else None for counts in found]
    return np.round(scores, 3), matches, np.array(hits_per_group, dtype=np.int64).reshape(n, n_groups)


class _Describer:
    """Formats a work's counts as "group: term (title, abstract ×2), …; group: …"."""

    def __init__(self, matcher: Matcher) -> None:
        self.matcher = matcher
        self.places: dict[tuple[int, ...], str] = {}

    def where(self, counts: list[int]) -> str:
        key = tuple(counts)
        text = self.places.get(key)
        if text is None:
            text = self.places[key] = ", ".join(
                f"{name} ×{count}" if count > 1 else name for name, count in zip(FIELDS, counts) if count)
        return text

    def __call__(self, counts: dict[int, list[int]]) -> str:
        terms = self.matcher.terms
        groups = self.matcher.groups
        parts: list[str] = []
        current = -1
        for term_index in sorted(counts):  # term indexes run group by group
            term = terms[term_index]
            item = f"{term.label} ({self.where(counts[term_index])})"
            if term.group != current:
                current = term.group
                parts.append(f"{groups[current]}: {item}")
            else:
                parts[-1] += f", {item}"
        return "; ".join(parts)


def highlighter(config: RelevanceConfig) -> Callable[[str], list[tuple[int, int]]] | None:
    """Where the protocol's terms are in a raw text, as (start, end) spans for workbook highlights.

    The same one-pass automaton scan the relevance score uses, so a workbook marks exactly what
    the criterion counted, at about a tenth of the cost of the equivalent regex (which 100,000
    titles and abstracts of a 50,000-work workbook would feel). Text whose lower-casing changes
    its length (rare letters such as "İ") falls back to `highlight_pattern`.
    """
    pattern = highlight_pattern(config)
    if pattern is None:
        return None
    matcher = compile_terms(config)

    def spans(text: str) -> list[tuple[int, int]]:
        low = normalise(text)
        if len(low) != len(text):
            return [m.span() for m in pattern.finditer(text) if m.end() > m.start()]
        hits = find(matcher, low)
        if not hits:  # most texts of a large workbook
            return []
        merged: list[tuple[int, int]] = []
        for start, end in sorted((start, end) for _, start, end in hits):
            if merged and start < merged[-1][1]:  # hits of different groups may overlap
                merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
            elif end > start:
                merged.append((start, end))
        return merged

    return spans


def highlight_pattern(config: RelevanceConfig) -> re.Pattern[str] | None:
    """A case-insensitive regex of every term on raw text, for highlighting terms in workbooks."""
    pieces = []
    for terms in config.groups.values():
        for raw in terms:
            text = clean_term(raw)
            for variant in dict.fromkeys([text, fold(text)]):
                pieces.append(_pattern(variant).replace("[- ]", f"[- {DASHES}]"))
    if not pieces:
        return None
    pieces.sort(key=len, reverse=True)
    return re.compile(r"(?<!\w)(?:" + "|".join(pieces) + ")", re.IGNORECASE)
